/* SPDX-License-Identifier: ISC */
/*
 * activator-demo.c -- the demo daemon of the example configuration: a
 * classic double-forking daemon that binds nothing itself. It takes its
 * listening sockets from LISTEN_FDS (checked against LISTEN_PID before it
 * forks, since LISTEN_PID names the process activator started), forks,
 * starts a new session, forks again, optionally writes a pidfile, and
 * answers each connection (or datagram) with one line that gives its pid.
 *
 * Its standard error stays open: under activator it is the service log.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SD_LISTEN_FDS_START	3
#define DEMO_MAX_FDS		64

static const char *progname = "activator-demo";
static volatile sig_atomic_t stop;

static void
on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static void __attribute__((noreturn))
usage(int code)
{
	fprintf(code == 0 ? stdout : stderr,
	    "usage: %s [-n] [-p pidfile]\n"
	    "  -n  do not fork (for type = simple)\n"
	    "  -p  write the daemon's pid to pidfile\n"
	    "Run by activator with handoff = listen-fds; see activator.conf(5).\n",
	    progname);
	exit(code);
}

static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	va_list	ap;

	fprintf(stderr, "%s: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* The number of sockets activator passed to this very process. */
static int
listen_fds(void)
{
	const char *fds = getenv("LISTEN_FDS"), *pid = getenv("LISTEN_PID");
	char	*end;
	long	 n, p;

	if (fds == NULL || pid == NULL)
		die("no LISTEN_FDS: start me from activator "
		    "(handoff = listen-fds)");
	errno = 0;
	p = strtol(pid, &end, 10);
	if (errno != 0 || *end != '\0' || p != (long)getpid())
		die("LISTEN_PID %s is not my pid %ld", pid, (long)getpid());
	n = strtol(fds, &end, 10);
	if (errno != 0 || *end != '\0' || n < 1 || n > DEMO_MAX_FDS)
		die("LISTEN_FDS %s: want 1 to %d sockets", fds, DEMO_MAX_FDS);
	/* Our children are not the process that LISTEN_PID names. */
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDNAMES");
	return (int)n;
}

/* fork(); the parent exits at once, as a daemon's parent does. */
static void
fork_and_exit_parent(void)
{
	switch (fork()) {
	case -1:
		die("fork: %s", strerror(errno));
	case 0:
		return;
	default:
		_exit(0);
	}
}

static void
write_pidfile(const char *path)
{
	char	 tmp[PATH_MAX];
	FILE	*f;

	if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp)
		die("%s: path too long", path);
	if ((f = fopen(tmp, "w")) == NULL)
		die("%s: %s", tmp, strerror(errno));
	fprintf(f, "%ld\n", (long)getpid());
	if (fclose(f) == EOF || rename(tmp, path) == -1)
		die("%s: %s", path, strerror(errno));
}

/* Answer one client on listening socket FD with a line naming us. */
static void
answer(int fd, int stream, unsigned long *served)
{
	struct sockaddr_storage peer;
	socklen_t plen = sizeof peer;
	char	 line[128], buf[512];
	int	 c, len;

	if (stream) {
		if ((c = accept4(fd, NULL, NULL, SOCK_CLOEXEC)) == -1) {
			/* Another process, or the client, was quicker. */
			if (errno != EAGAIN && errno != EINTR &&
			    errno != ECONNABORTED)
				fprintf(stderr, "%s: accept: %s\n", progname,
				    strerror(errno));
			return;
		}
		len = snprintf(line, sizeof line, "activator-demo: pid %ld, "
		    "parent %ld, connection %lu\n", (long)getpid(),
		    (long)getppid(), ++*served);
		if (write(c, line, (size_t)len) == -1)
			fprintf(stderr, "%s: write: %s\n", progname,
			    strerror(errno));
		close(c);
		return;
	}
	if (recvfrom(fd, buf, sizeof buf, MSG_DONTWAIT,
	    (struct sockaddr *)&peer, &plen) == -1)
		return;
	len = snprintf(line, sizeof line, "activator-demo: pid %ld, "
	    "parent %ld, datagram %lu\n", (long)getpid(), (long)getppid(),
	    ++*served);
	sendto(fd, line, (size_t)len, MSG_DONTWAIT, (struct sockaddr *)&peer,
	    plen);
}

int
main(int argc, char **argv)
{
	struct sigaction sa;
	sigset_t	 term, waitmask;
	struct pollfd	 pfd[DEMO_MAX_FDS];
	int		 stream[DEMO_MAX_FDS];
	const char	*pidfile = NULL;
	unsigned long	 served = 0;
	int		 ch, n, i, type, foreground = 0;
	socklen_t	 len;

	while ((ch = getopt(argc, argv, "hnp:")) != -1) {
		switch (ch) {
		case 'h':
			usage(0);
		case 'n':
			foreground = 1;
			break;
		case 'p':
			pidfile = optarg;
			break;
		default:
			usage(2);
		}
	}
	if (optind != argc)
		usage(2);

	n = listen_fds();
	for (i = 0; i < n; i++) {
		len = sizeof type;
		if (getsockopt(SD_LISTEN_FDS_START + i, SOL_SOCKET, SO_TYPE,
		    &type, &len) == -1)
			die("fd %d: not a socket", SD_LISTEN_FDS_START + i);
		stream[i] = type == SOCK_STREAM;
		pfd[i].fd = SD_LISTEN_FDS_START + i;
		pfd[i].events = POLLIN;
	}

	if (!foreground) {
		/* The classic way: fork, new session, fork again. */
		fork_and_exit_parent();
		if (setsid() == -1)
			die("setsid: %s", strerror(errno));
		fork_and_exit_parent();
		umask(022);
		if (chdir("/") == -1)
			die("chdir /: %s", strerror(errno));
	}
	if (pidfile != NULL)
		write_pidfile(pidfile);
	signal(SIGPIPE, SIG_IGN);
	/* SIGTERM is let in only while waiting, so none is missed. */
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	sigprocmask(SIG_BLOCK, &term, &waitmask);
	sigdelset(&waitmask, SIGTERM);
	fprintf(stderr, "%s: pid %ld serving %d socket%s\n", progname,
	    (long)getpid(), n, n == 1 ? "" : "s");

	while (!stop) {
		if (ppoll(pfd, (nfds_t)n, NULL, &waitmask) == -1) {
			if (errno == EINTR)
				continue;
			die("poll: %s", strerror(errno));
		}
		for (i = 0; i < n; i++)
			if (pfd[i].revents & POLLIN)
				answer(pfd[i].fd, stream[i], &served);
	}
	if (pidfile != NULL)
		unlink(pidfile);
	fprintf(stderr, "%s: pid %ld stopping\n", progname, (long)getpid());
	return 0;
}
