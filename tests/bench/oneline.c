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
 *   oneline serve [-s] [-f] [-1] [-r] [-x MS]
 *	A minimal daemon for the activation figures: poll its listening
 *	socket, accept, write one line, close, again.  The socket is fd 3
 *	(LISTEN_FDS, sd_listen_fds style), or fd 0 with -s (inetd "wait",
 *	stdio).  -f double-forks first (fork, setsid, fork: the classic
 *	daemon), -1 exits after one answered connection, -x exits MS
 *	milliseconds after serving starts, -r reads a request line (up to
 *	a newline or EOF) before it answers.  It never writes to fds 0-2:
 *	inetd "wait" servers get the listening socket as stderr too, where a
 *	log line would raise SIGPIPE (which is why the test helper
 *	fakedaemon, which logs to stderr, cannot run under xinetd).  It
 *	never changes the listener's O_NONBLOCK flag, which is shared with
 *	the super-server.
 *   oneline send FILE
 *	A bulk server on fd 3 (LISTEN_FDS): for each connection a child
 *	reads a request line, a decimal number of bytes, sends that many
 *	with sendfile(2) from FILE (from its start again at its end; FILE
 *	should be in the page cache), then closes.  The server copies
 *	nothing, so the figures are those of the path in between.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
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
	int		 i, lfd = 3, dfork = 0, once = 0, req = 0;
	pid_t		 pid;

	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "-s") == 0)
			lfd = 0;
		else if (strcmp(argv[i], "-f") == 0)
			dfork = 1;
		else if (strcmp(argv[i], "-1") == 0)
			once = 1;
		else if (strcmp(argv[i], "-r") == 0)
			req = 1;
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
		if (req) {
			char	 buf[512];
			ssize_t	 n;
			int	 k;

			/* Bounded: a few reads of a short request line. */
			for (k = 0; k < 16; k++) {
				n = read(c, buf, sizeof buf);
				if (n <= 0 || memchr(buf, '\n', (size_t)n))
					break;
			}
		}
		(void)!send(c, line, sizeof line - 1, MSG_NOSIGNAL);
		close(c);
		if (once)
			return 0;
	}
}

static void __attribute__((noreturn))
send_one(int c, int file, off_t size)
{
	char	 req[32];
	off_t	 off = 0;
	ssize_t	 n;
	size_t	 have = 0;
	long long bytes;

	while (have < sizeof req - 1 && memchr(req, '\n', have) == NULL) {
		if ((n = read(c, req + have, sizeof req - 1 - have)) <= 0)
			_exit(1);
		have += (size_t)n;
	}
	req[have] = '\0';
	bytes = strtoll(req, NULL, 10);
	while (bytes > 0) {
		if (off >= size)
			off = 0;
		n = sendfile(c, file, &off, (size_t)(bytes < size - off ?
		    bytes : size - off));
		if (n <= 0)
			_exit(1);
		bytes -= n;
	}
	_exit(0);
}

static int
send_serve(int argc, char **argv)
{
	struct stat	 st;
	int		 file, c;

	if (argc != 1)
		return 2;
	if ((file = open(argv[0], O_RDONLY | O_CLOEXEC)) == -1 ||
	    fstat(file, &st) == -1 || st.st_size == 0)
		return 1;
	signal(SIGCHLD, SIG_IGN);	/* children reaped by the kernel */
	/* Until killed. */
	for (;;) {
		c = accept4(3, NULL, NULL, SOCK_CLOEXEC);
		if (c == -1) {
			if (errno == EAGAIN || errno == EINTR ||
			    errno == ECONNABORTED) {
				struct pollfd pfd = { .fd = 3, .events = POLLIN };
				poll(&pfd, 1, -1);
				continue;
			}
			return 1;
		}
		if (fork() == 0)
			send_one(c, file, st.st_size);
		close(c);
	}
}

int
main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "serve") == 0)
		return serve(argc - 2, argv + 2);
	if (argc >= 2 && strcmp(argv[1], "send") == 0)
		return send_serve(argc - 2, argv + 2);
	return write(1, line, sizeof line - 1) == (ssize_t)(sizeof line - 1) ?
	    0 : 1;
}
