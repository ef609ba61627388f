/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The activator authors
 *
 * bindd -- a daemon that knows nothing of socket activation: it closes
 * every descriptor, daemonizes, and opens its own listening sockets
 * (from a thread, or in a grandchild, if asked), the way the daemons
 * handoff = bind is for do. Built dynamically and statically linked.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_ADDRS	16

static struct {
	int		 fork;
	int		 thread;
	int		 grandchild;
	int		 close_all;
	int		 unlink;
	int		 reuseaddr;
	int		 nodelay;
	int		 rcvbuf;
	int		 nonblock;
	int		 cloexec;
	int		 v6only;	/* -1: leave the kernel default */
	int		 backlog;
	int		 workers;
	int		 keep_going;
	long		 bind_delay;
	const char	*bind_when;
	const char	*chdir;
	const char	*pidfile;
	const char	*report;
} opt = { .v6only = -1, .backlog = 128 };

struct addr {
	const char	*spec;
	struct sockaddr_storage ss;
	socklen_t	 len;
	int		 family;
	int		 type;
	int		 fd;
	int		 err;
};

static struct addr addrs[MAX_ADDRS];
static int	 naddrs;
static char	 fds_at_start[512];

static void
usage(void)
{
	fprintf(stderr, "usage: bindd [--fork N] [--thread] [--grandchild] "
	    "[--close-all] [--unlink]\n"
	    "             [--reuseaddr] [--nodelay] [--rcvbuf N] [--nonblock] "
	    "[--cloexec]\n"
	    "             [--v6only 0|1] [--backlog N] [--workers N] "
	    "[--keep-going]\n"
	    "             [--bind-delay MS] [--bind-when FILE] [--chdir DIR] [--pidfile FILE] "
	    "[--report FILE]\n"
	    "             [--tag ANY] ADDR...\n");
	exit(2);
}

static long
num(const char *s)
{
	char	*end;
	long	 v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0')
		usage();
	return v;
}

/* tcp://H:P, tcp://[V6]:P, udp://..., unix:PATH (relative too), unix:@N */
static int
parse(struct addr *a)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)&a->ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&a->ss;
	struct sockaddr_un *sun = (struct sockaddr_un *)&a->ss;
	char	 host[128];
	const char *p, *colon;
	size_t	 n;

	memset(&a->ss, 0, sizeof a->ss);
	if (strncmp(a->spec, "unix:", 5) == 0) {
		p = a->spec + 5;
		n = strlen(p);
		if (n == 0 || n >= sizeof sun->sun_path)
			return -1;
		sun->sun_family = AF_UNIX;
		memcpy(sun->sun_path, p, n);
		if (p[0] == '@') {
			sun->sun_path[0] = '\0';
			a->len = (socklen_t)(offsetof(struct sockaddr_un,
			    sun_path) + n);
		} else
			a->len = (socklen_t)(offsetof(struct sockaddr_un,
			    sun_path) + n + 1);
		a->family = AF_UNIX;
		a->type = SOCK_STREAM;
		return 0;
	}
	if (strncmp(a->spec, "tcp://", 6) == 0)
		a->type = SOCK_STREAM;
	else if (strncmp(a->spec, "udp://", 6) == 0)
		a->type = SOCK_DGRAM;
	else
		return -1;
	p = a->spec + 6;
	if ((colon = strrchr(p, ':')) == NULL || (size_t)(colon - p) >=
	    sizeof host)
		return -1;
	memcpy(host, p, (size_t)(colon - p));
	host[colon - p] = '\0';
	if (host[0] == '[') {
		n = strlen(host);
		if (n < 2 || host[n - 1] != ']')
			return -1;
		host[n - 1] = '\0';
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)num(colon + 1));
		if (inet_pton(AF_INET6, host + 1, &sin6->sin6_addr) != 1)
			return -1;
		a->family = AF_INET6;
		a->len = sizeof *sin6;
		return 0;
	}
	sin->sin_family = AF_INET;
	sin->sin_port = htons((uint16_t)num(colon + 1));
	if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
		return -1;
	a->family = AF_INET;
	a->len = sizeof *sin;
	return 0;
}

static void
write_file(const char *path, const char *text)
{
	char	 tmp[4096];
	FILE	*f;

	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	if ((f = fopen(tmp, "w")) == NULL)
		return;
	fputs(text, f);
	fclose(f);
	rename(tmp, path);
}

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/*
 * Like many daemons, once it binds it finishes setting up before it
 * honours SIGTERM: the report of what its binds returned is written.
 */
static volatile sig_atomic_t binding, term_pending;

/* What a plain daemon does to get its sockets. */
static void *
open_sockets(void *arg)
{
	int	 i, one = 1, fd;

	(void)arg;
	if (opt.bind_delay > 0)
		sleep_ms(opt.bind_delay);
	for (i = 0; opt.bind_when != NULL && i < 1500 &&
	    access(opt.bind_when, F_OK) == -1; i++)
		sleep_ms(20);
	binding = 1;
	for (i = 0; i < naddrs; i++) {
		struct addr *a = &addrs[i];
		fd = socket(a->family, a->type | (opt.nonblock ? SOCK_NONBLOCK :
		    0) | (opt.cloexec ? SOCK_CLOEXEC : 0), 0);
		a->fd = fd;
		if (fd == -1) {
			a->err = errno;
			continue;
		}
		if (opt.reuseaddr)
			setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one,
			    sizeof one);
		if (opt.nodelay && a->family != AF_UNIX && a->type ==
		    SOCK_STREAM)
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
			    sizeof one);
		if (opt.rcvbuf > 0)
			setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &opt.rcvbuf,
			    sizeof opt.rcvbuf);
		if (opt.v6only != -1 && a->family == AF_INET6)
			setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &opt.v6only,
			    sizeof opt.v6only);
		if (opt.unlink && a->family == AF_UNIX &&
		    ((struct sockaddr_un *)&a->ss)->sun_path[0] != '\0')
			unlink(((struct sockaddr_un *)&a->ss)->sun_path);
		if (bind(fd, (struct sockaddr *)&a->ss, a->len) == -1 ||
		    (a->type == SOCK_STREAM && listen(fd, opt.backlog) == -1)) {
			a->err = errno;
			close(fd);
			a->fd = -1;
		}
	}
	return NULL;
}

static void
report(void)
{
	char	 buf[8192];
	struct stat st;
	size_t	 o = 0;
	int	 i, v, fl;
	socklen_t len;

	o += (size_t)snprintf(buf + o, sizeof buf - o, "pid=%d\nppid=%d\n"
	    "fds_at_start=%s\nlisten_fds=%s\n", (int)getpid(), (int)getppid(),
	    fds_at_start, getenv("LISTEN_FDS") != NULL ?
	    getenv("LISTEN_FDS") : "-");
	for (i = 0; i < naddrs && o < sizeof buf; i++) {
		struct addr *a = &addrs[i];
		o += (size_t)snprintf(buf + o, sizeof buf - o, "addr.%d=%s\n"
		    "err.%d=%s\nfd.%d=%d\n", i, a->spec, i,
		    a->fd == -1 ? strerror(a->err) : "ok", i, a->fd);
		if (a->fd == -1)
			continue;
		if (fstat(a->fd, &st) == 0)
			o += (size_t)snprintf(buf + o, sizeof buf - o,
			    "ino.%d=%lu\n", i, (unsigned long)st.st_ino);
		len = sizeof v;
		if (a->family != AF_UNIX && a->type == SOCK_STREAM &&
		    getsockopt(a->fd, IPPROTO_TCP, TCP_NODELAY, &v, &len) == 0)
			o += (size_t)snprintf(buf + o, sizeof buf - o,
			    "nodelay.%d=%d\n", i, v != 0);
		len = sizeof v;
		if (getsockopt(a->fd, SOL_SOCKET, SO_RCVBUF, &v, &len) == 0)
			o += (size_t)snprintf(buf + o, sizeof buf - o,
			    "rcvbuf.%d=%d\n", i, v);
		fl = fcntl(a->fd, F_GETFL);
		o += (size_t)snprintf(buf + o, sizeof buf - o,
		    "nonblock.%d=%d\ncloexec.%d=%d\n", i,
		    fl != -1 && (fl & O_NONBLOCK) != 0, i,
		    (fcntl(a->fd, F_GETFD) & FD_CLOEXEC) != 0);
	}
	if (opt.report != NULL)
		write_file(opt.report, buf);
}

static void
on_term(int sig)
{
	(void)sig;
	if (binding) {
		term_pending = 1;
		return;
	}
	if (opt.pidfile != NULL)
		unlink(opt.pidfile);
	_exit(0);
}

static void
on_chld(int sig)
{
	int	 saved = errno;

	(void)sig;
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	errno = saved;
}

static void __attribute__((noreturn))
serve(void)
{
	struct pollfd pfd[MAX_ADDRS];
	struct sockaddr_storage peer;
	socklen_t plen, tl;
	char	 reply[64], buf[512];
	int	 i, n = 0, c, len, type;

	len = snprintf(reply, sizeof reply, "OK %d\n", (int)getpid());
	for (i = 0; i < naddrs; i++)
		if (addrs[i].fd != -1) {
			pfd[n].fd = addrs[i].fd;
			pfd[n++].events = POLLIN;
		}
	for (;;) {
		if (poll(pfd, (nfds_t)n, -1) == -1)
			continue;
		for (i = 0; i < n; i++) {
			if (!(pfd[i].revents & POLLIN))
				continue;
			plen = sizeof peer;
			tl = sizeof type;
			if (getsockopt(pfd[i].fd, SOL_SOCKET, SO_TYPE, &type,
			    &tl) == 0 && type == SOCK_DGRAM) {
				if (recvfrom(pfd[i].fd, buf, sizeof buf,
				    MSG_DONTWAIT, (struct sockaddr *)&peer,
				    &plen) >= 0)
					sendto(pfd[i].fd, reply, (size_t)len,
					    0, (struct sockaddr *)&peer, plen);
				continue;
			}
			c = accept4(pfd[i].fd, NULL, NULL, SOCK_NONBLOCK);
			if (c == -1)
				continue;
			send(c, reply, (size_t)len, MSG_NOSIGNAL);
			close(c);
		}
	}
}

/* Whatever descriptors we were given, as a list. */
static void
note_fds(void)
{
	size_t	 o = 0;
	int	 fd;

	for (fd = 0; fd < 1024 && o < sizeof fds_at_start - 8; fd++)
		if (fcntl(fd, F_GETFD) != -1)
			o += (size_t)snprintf(fds_at_start + o,
			    sizeof fds_at_start - o, "%s%d", o ? " " : "", fd);
}

static void
daemonize(int forks)
{
	pid_t	 pid;

	if (forks < 1)
		return;
	if ((pid = fork()) == -1)
		exit(1);
	if (pid > 0)
		_exit(0);
	setsid();
	if (forks < 2)
		return;
	if ((pid = fork()) == -1)
		exit(1);
	if (pid > 0)
		_exit(0);
}

int
main(int argc, char **argv)
{
	struct sigaction sa;
	pthread_t th;
	char	 buf[32];
	int	 i, failed = 0;

	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1] == '-'; i++) {
		const char *o = argv[i] + 2;
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(o, "thread") == 0)
			opt.thread = 1;
		else if (strcmp(o, "grandchild") == 0)
			opt.grandchild = 1;
		else if (strcmp(o, "close-all") == 0)
			opt.close_all = 1;
		else if (strcmp(o, "unlink") == 0)
			opt.unlink = 1;
		else if (strcmp(o, "reuseaddr") == 0)
			opt.reuseaddr = 1;
		else if (strcmp(o, "nodelay") == 0)
			opt.nodelay = 1;
		else if (strcmp(o, "nonblock") == 0)
			opt.nonblock = 1;
		else if (strcmp(o, "cloexec") == 0)
			opt.cloexec = 1;
		else if (strcmp(o, "keep-going") == 0)
			opt.keep_going = 1;
		else if (v == NULL)
			usage();
		else {
			i++;
			if (strcmp(o, "fork") == 0)
				opt.fork = (int)num(v);
			else if (strcmp(o, "rcvbuf") == 0)
				opt.rcvbuf = (int)num(v);
			else if (strcmp(o, "v6only") == 0)
				opt.v6only = (int)num(v);
			else if (strcmp(o, "backlog") == 0)
				opt.backlog = (int)num(v);
			else if (strcmp(o, "workers") == 0)
				opt.workers = (int)num(v);
			else if (strcmp(o, "bind-delay") == 0)
				opt.bind_delay = num(v);
			else if (strcmp(o, "bind-when") == 0)
				opt.bind_when = v;
			else if (strcmp(o, "chdir") == 0)
				opt.chdir = v;
			else if (strcmp(o, "pidfile") == 0)
				opt.pidfile = v;
			else if (strcmp(o, "report") == 0)
				opt.report = v;
			else if (strcmp(o, "tag") != 0)
				usage();
		}
	}
	for (; i < argc && naddrs < MAX_ADDRS; i++) {
		addrs[naddrs].spec = argv[i];
		addrs[naddrs].fd = -1;
		if (parse(&addrs[naddrs]) == -1)
			usage();
		naddrs++;
	}
	if (naddrs == 0)
		usage();
	note_fds();
	if (opt.close_all) {
		/* The classic daemon's clean-up: nothing inherited survives. */
		int fd;
		for (fd = 0; fd < 1024; fd++)
			close(fd);
		open("/dev/null", O_RDWR);
		open("/dev/null", O_RDWR);
		open("/dev/null", O_RDWR);
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_term;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_flags = 0;
	sa.sa_handler = on_chld;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGCHLD, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	daemonize(opt.fork);
	if (opt.chdir != NULL && chdir(opt.chdir) == -1)
		exit(1);
	if (opt.grandchild) {
		/* A master that leaves binding and serving to its child. */
		pid_t pid = fork();
		if (pid == -1)
			exit(1);
		if (pid > 0) {
			if (opt.pidfile != NULL) {
				snprintf(buf, sizeof buf, "%d\n", (int)getpid());
				write_file(opt.pidfile, buf);
			}
			for (;;)
				pause();
		}
	} else if (opt.pidfile != NULL) {
		snprintf(buf, sizeof buf, "%d\n", (int)getpid());
		write_file(opt.pidfile, buf);
	}
	if (opt.thread) {
		if (pthread_create(&th, NULL, open_sockets, NULL) != 0)
			exit(1);
		pthread_join(th, NULL);
	} else
		open_sockets(NULL);
	for (i = 0; i < naddrs; i++)
		if (addrs[i].fd == -1)
			failed = 1;
	report();
	binding = 0;
	if (term_pending)
		on_term(SIGTERM);
	if (failed && !opt.keep_going)
		exit(3);
	for (i = 0; i < opt.workers; i++)
		if (fork() == 0)
			serve();
	serve();
}
