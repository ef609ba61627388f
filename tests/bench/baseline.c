/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The activator authors
 *
 * baseline -- the bare servers the benchmark compares activator and
 * xinetd against: the same jobs done with no super-server logic at all
 * (no configuration, no limits, no logging, no status, no supervision
 * beyond waitpid), which is the practical limit of each job.
 *
 *   baseline accept [-V] ADDR... -- PROG [ARG...]
 *	Listen on every ADDR and poll them; for each accepted connection
 *	fork+exec PROG with the connection on fds 0 and 1 (inetd "nowait").
 *	Children are reaped from a SIGCHLD handler with waitpid(WNOHANG).
 *	-V uses vfork instead of fork (not used by bench.sh; for comparison).
 *   baseline cold ADDR -- PROG [ARG...]
 *	Listen on ADDR; when it becomes readable, fork+exec PROG with the
 *	listening socket as fd 3 and LISTEN_FDS=1, LISTEN_PID (sd_listen_fds
 *	style), then stop watching and wait until every process below it
 *	has exited (it is a child subreaper, so a double-forking PROG is
 *	waited for too); then watch again.  This is cold activation with
 *	nothing around the fork+exec.
 *   baseline exec ADDR -- PROG [ARG...]
 *	Bind and listen on ADDR, then exec PROG in this very process with
 *	the socket as fd 3, LISTEN_FDS=1 and LISTEN_PID=its own pid: the
 *	daemon owns a socket it bound itself, with no one in between.
 *
 * ADDR is HOST:PORT or tcp://HOST:PORT with a numeric IPv4 HOST.  Every
 * listener has backlog 1024 (activator's default).  The servers run until
 * SIGTERM or SIGINT (their default action: exit).  Exit status 2 means
 * bad usage, 1 a failure to set up.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BACKLOG		1024
#define MAX_LISTEN	4096

extern char **environ;

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr,
	    "usage: baseline accept [-V] ADDR... -- PROG [ARG...]\n"
	    "       baseline cold ADDR -- PROG [ARG...]\n"
	    "       baseline exec ADDR -- PROG [ARG...]\n");
	exit(2);
}

static void __attribute__((noreturn))
die(const char *what)
{
	fprintf(stderr, "baseline: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int
listen_on(const char *addr, int nonblock)
{
	struct sockaddr_in	 sin;
	char			 host[64], *colon, *end;
	long			 port;
	int			 fd, one = 1;

	if (strncmp(addr, "tcp://", 6) == 0)
		addr += 6;
	if (strlen(addr) >= sizeof host)
		usage();
	strcpy(host, addr);
	if ((colon = strrchr(host, ':')) == NULL)
		usage();
	*colon = '\0';
	port = strtol(colon + 1, &end, 10);
	if (*end != '\0' || port < 1 || port > 65535)
		usage();
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)port);
	if (inet_pton(AF_INET, host, &sin.sin_addr) != 1)
		usage();
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC |
	    (nonblock ? SOCK_NONBLOCK : 0), 0);
	if (fd == -1)
		die("socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(fd, (struct sockaddr *)&sin, sizeof sin) == -1) {
		fprintf(stderr, "baseline: bind %s: %s\n", addr,
		    strerror(errno));
		exit(1);
	}
	if (listen(fd, BACKLOG) == -1)
		die("listen");
	return fd;
}

static void
reap(int sig)
{
	int saved = errno;

	(void)sig;
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	errno = saved;
}

/* Put FD at 3 with LISTEN_FDS=1, LISTEN_PID=PID in the environment. */
static void
listen_fds_env(int fd, pid_t pid)
{
	char buf[32];

	if (fd != 3) {
		if (dup2(fd, 3) == -1)
			_exit(127);
	} else
		fcntl(3, F_SETFD, 0);
	snprintf(buf, sizeof buf, "%d", (int)pid);
	setenv("LISTEN_PID", buf, 1);
	setenv("LISTEN_FDS", "1", 1);
	unsetenv("LISTEN_FDNAMES");
}

static void
raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* Run PROG with the connection C on fds 0 and 1; SIGCHLD unblocked. */
static pid_t
spawn_instance(char **prog, int c, const sigset_t *mask, int use_vfork)
{
	pid_t pid = use_vfork ? vfork() : fork();

	if (pid == 0) {
		if (dup2(c, 0) == -1 || dup2(c, 1) == -1)
			_exit(127);
		sigprocmask(SIG_SETMASK, mask, NULL);
		execve(prog[0], prog, environ);
		_exit(127);
	}
	return pid;
}

static int
accept_mode(int argc, char **argv)
{
	static struct pollfd	 pfd[MAX_LISTEN];
	struct sigaction	 sa;
	sigset_t		 chld, old;
	char			**prog;
	int			 i, n = 0, use_vfork = 0;

	if (argc > 0 && strcmp(argv[0], "-V") == 0) {
		use_vfork = 1;
		argc--, argv++;
	}
	for (i = 0; i < argc && strcmp(argv[i], "--") != 0; i++) {
		if (n == MAX_LISTEN)
			usage();
		pfd[n].fd = listen_on(argv[i], 1);
		pfd[n++].events = POLLIN;
	}
	if (n == 0 || i + 1 >= argc)
		usage();
	prog = argv + i + 1;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = reap;
	sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGCHLD, &sa, NULL);
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);

	for (;;) {
		if (poll(pfd, (nfds_t)n, -1) == -1) {
			if (errno == EINTR)
				continue;
			die("poll");
		}
		for (i = 0; i < n; i++) {
			int k;

			if (pfd[i].revents == 0)
				continue;
			/* Bounded: at most 64 accepts per listener per wakeup. */
			for (k = 0; k < 64; k++) {
				pid_t	pid;
				int	c = accept4(pfd[i].fd, NULL, NULL,
				    SOCK_CLOEXEC);

				if (c == -1) {
					if (errno == EMFILE || errno == ENFILE)
						usleep(10000);
					break;
				}
				/* No handler runs in the child. */
				sigprocmask(SIG_BLOCK, &chld, &old);
				pid = spawn_instance(prog, c, &old, use_vfork);
				sigprocmask(SIG_SETMASK, &old, NULL);
				if (pid == -1)
					usleep(10000);
				close(c);
			}
		}
	}
}

static int
cold_mode(int argc, char **argv)
{
	struct pollfd	 pfd;
	char		**prog;
	int		 fd, st;
	pid_t		 pid;

	if (argc < 3 || strcmp(argv[1], "--") != 0)
		usage();
	prog = argv + 2;
	fd = listen_on(argv[0], 0);
	/* Every orphan of the daemon is ours to wait for. */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) == -1)
		die("prctl PR_SET_CHILD_SUBREAPER");
	for (;;) {
		pfd.fd = fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, -1) == -1) {
			if (errno == EINTR)
				continue;
			die("poll");
		}
		pid = fork();
		if (pid == -1)
			die("fork");
		if (pid == 0) {
			listen_fds_env(fd, getpid());
			execve(prog[0], prog, environ);
			_exit(127);
		}
		/* Wait until nothing below us is left, then watch again. */
		while (waitpid(-1, &st, 0) != -1 || errno == EINTR)
			;
	}
}

static int
exec_mode(int argc, char **argv)
{
	int fd;

	if (argc < 3 || strcmp(argv[1], "--") != 0)
		usage();
	fd = listen_on(argv[0], 0);
	listen_fds_env(fd, getpid());
	execve(argv[2], argv + 2, environ);
	die(argv[2]);
}

int
main(int argc, char **argv)
{
	if (argc < 2)
		usage();
	raise_nofile();
	if (strcmp(argv[1], "accept") == 0)
		return accept_mode(argc - 2, argv + 2);
	if (strcmp(argv[1], "cold") == 0)
		return cold_mode(argc - 2, argv + 2);
	if (strcmp(argv[1], "exec") == 0)
		return exec_mode(argc - 2, argv + 2);
	usage();
}
