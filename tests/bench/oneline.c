/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The activator authors
 *
 * oneline -- the programs the benchmark's servers run.  The three servers
 * measured run this same binary, so whatever it costs is the same for all
 * of them.
 *
 *   oneline
 *	The trivial per-connection instance (inetd "nowait", accept = yes):
 *	write one line to fd 1, the connected socket, and exit 0.
 *   oneline serve [-s] [-f] [-1] [-x MS]
 *	A minimal daemon for the activation figures: poll its listening
 *	socket, accept, write one line, close, again.  The socket is fd 3
 *	(LISTEN_FDS, sd_listen_fds style), or fd 0 with -s (inetd "wait",
 *	stdio).  -f double-forks first (fork, setsid, fork: the classic
 *	daemon), -1 exits after one answered connection, -x exits MS
 *	milliseconds after serving starts.  It never writes to fds 0-2:
 *	inetd "wait" servers get the listening socket as stderr too, where a
 *	log line would raise SIGPIPE (which is why the test helper
 *	fakedaemon, which logs to stderr, cannot run under xinetd).  It
 *	never changes the listener's O_NONBLOCK flag, which is shared with
 *	the super-server.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char line[] = "OK oneline\n";

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
serve(int argc, char **argv)
{
	struct pollfd	 pfd;
	long long	 exit_at = -1;
	long		 exit_after = -1;
	int		 i, lfd = 3, dfork = 0, once = 0;
	pid_t		 pid;

	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "-s") == 0)
			lfd = 0;
		else if (strcmp(argv[i], "-f") == 0)
			dfork = 1;
		else if (strcmp(argv[i], "-1") == 0)
			once = 1;
		else if (strcmp(argv[i], "-x") == 0 && i + 1 < argc)
			exit_after = strtol(argv[++i], NULL, 10);
		else
			return 2;
	}
	if (lfd == 3) {
		const char *n = getenv("LISTEN_FDS");

		if (n == NULL || strcmp(n, "1") != 0)
			return 2;
	}
	if (dfork) {
		if ((pid = fork()) == -1)
			return 1;
		if (pid > 0)
			_exit(0);
		setsid();
		if ((pid = fork()) == -1)
			_exit(1);
		if (pid > 0)
			_exit(0);
	}
	if (exit_after >= 0)
		exit_at = now_ms() + exit_after;
	/* Bounded by -1 or -x when given; else until killed. */
	for (;;) {
		int	 c, r, timeout = -1;

		if (exit_at >= 0) {
			long long left = exit_at - now_ms();

			if (left <= 0)
				return 0;
			timeout = (int)left;
		}
		pfd.fd = lfd;
		pfd.events = POLLIN;
		r = poll(&pfd, 1, timeout);
		if (r == -1 && errno != EINTR)
			return 1;
		if (r <= 0)
			continue;
		c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (c == -1) {
			if (errno == EAGAIN || errno == EINTR ||
			    errno == ECONNABORTED)
				continue;
			return 1;
		}
		(void)!send(c, line, sizeof line - 1, MSG_NOSIGNAL);
		close(c);
		if (once)
			return 0;
	}
}

int
main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "serve") == 0)
		return serve(argc - 2, argv + 2);
	return write(1, line, sizeof line - 1) == (ssize_t)(sizeof line - 1) ?
	    0 : 1;
}
