/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The activator authors
 *
 * ctlflood -- load the status socket: connect many clients at once, make
 * each pipeline a request N times (or dribble it one byte per write), and
 * count the reply lines.  Every wait is bounded by one deadline.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define OK_PREFIX	"{\"ok\":true"

struct client {
	int	 fd;		/* -1 once finished or failed */
	size_t	 sent;		/* bytes of the request stream sent */
	long	 lines;		/* complete reply lines */
	long	 ok;		/* of which start with OK_PREFIX */
	char	 head[sizeof OK_PREFIX];	/* start of the current line */
	size_t	 hlen;
};

static int64_t	 deadline;	/* CLOCK_MONOTONIC ms */

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: ctlflood [-v] [-c clients] [-n count] "
	    "[-d ms] [-t secs] socket request\n");
	exit(2);
}

static int64_t
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static long
number(const char *s, long min, long max)
{
	char	*end;
	long	 v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || end == s || v < min || v > max)
		usage();
	return v;
}

/* Connect with a bounded wait: a UNIX connect blocks on a full backlog. */
static int
connect_one(const struct sockaddr_un *sun)
{
	struct timeval	 tv;
	int64_t		 left = deadline - now_ms();
	int		 fd;

	if (left <= 0)
		return -1;
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	tv.tv_sec = left / 1000;
	tv.tv_usec = (left % 1000) * 1000;
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	if (connect(fd, (const struct sockaddr *)sun, sizeof *sun) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Count the lines in BUF for C; -v copies client 0's bytes to stdout. */
static void
take(struct client *c, const char *buf, size_t n, int echo)
{
	size_t	 i;

	if (echo)
		fwrite(buf, 1, n, stdout);
	for (i = 0; i < n; i++) {
		if (buf[i] == '\n') {
			c->lines++;
			if (c->hlen == sizeof OK_PREFIX - 1 &&
			    memcmp(c->head, OK_PREFIX, c->hlen) == 0)
				c->ok++;
			c->hlen = 0;
		} else if (c->hlen < sizeof OK_PREFIX - 1)
			c->head[c->hlen++] = buf[i];
	}
}

int
main(int argc, char **argv)
{
	struct sockaddr_un sun;
	struct rlimit	 rl;
	struct client	*cl;
	struct pollfd	*pfd;
	struct timespec	 gap;
	char		*stream, buf[65536];
	size_t		 rlen, slen;
	long		 nclients = 1, count = 1, delay = -1, secs = 20, i, j;
	long		 connected = 0, answered = 0, replies = 0, oks = 0;
	long		 live;
	ssize_t		 n;
	int		 ch, verbose = 0, np;
	int64_t		 left;

	while ((ch = getopt(argc, argv, "c:d:n:t:v")) != -1) {
		switch (ch) {
		case 'c':
			nclients = number(optarg, 1, 100000);
			break;
		case 'd':
			delay = number(optarg, 0, 10000);
			break;
		case 'n':
			count = number(optarg, 1, 1000000);
			break;
		case 't':
			secs = number(optarg, 1, 3600);
			break;
		case 'v':
			verbose = 1;
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 2)
		usage();
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (strlen(argv[optind]) >= sizeof sun.sun_path)
		usage();
	strcpy(sun.sun_path, argv[optind]);

	/* The request, LF-terminated, COUNT times back to back. */
	rlen = strlen(argv[optind + 1]);
	slen = (rlen + 1) * (size_t)count;
	if ((stream = malloc(slen)) == NULL)
		return 2;
	for (i = 0; i < count; i++) {
		memcpy(stream + i * (long)(rlen + 1), argv[optind + 1], rlen);
		stream[i * (long)(rlen + 1) + (long)rlen] = '\n';
	}

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
	    rl.rlim_cur < (rlim_t)nclients + 16) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	cl = calloc((size_t)nclients, sizeof *cl);
	pfd = calloc((size_t)nclients, sizeof *pfd);
	if (cl == NULL || pfd == NULL)
		return 2;
	deadline = now_ms() + secs * 1000;

	/* Everyone connects before anyone speaks: N clients at once. */
	for (i = 0; i < nclients; i++)
		if ((cl[i].fd = connect_one(&sun)) != -1)
			connected++;

	if (delay >= 0) {
		gap.tv_sec = delay / 1000;
		gap.tv_nsec = (delay % 1000) * 1000000;
		for (i = 0; i < nclients; i++) {
			for (; cl[i].fd != -1 && cl[i].sent < slen;
			    cl[i].sent++) {
				if (send(cl[i].fd, stream + cl[i].sent, 1,
				    MSG_NOSIGNAL) != 1) {
					close(cl[i].fd);
					cl[i].fd = -1;
					break;
				}
				nanosleep(&gap, NULL);
			}
		}
	}

	for (;;) {
		live = np = 0;
		for (i = 0; i < nclients; i++) {
			if (cl[i].fd == -1)
				continue;
			live++;
			pfd[np].fd = cl[i].fd;
			pfd[np].events = POLLIN |
			    (cl[i].sent < slen ? POLLOUT : 0);
			pfd[np].revents = 0;
			np++;
		}
		if (live == 0 || (left = deadline - now_ms()) <= 0)
			break;
		if (poll(pfd, (nfds_t)np, (int)left) == -1) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (i = 0, j = 0; i < nclients; i++) {
			struct client *c = &cl[i];

			if (c->fd == -1)
				continue;
			if (pfd[j++].revents == 0)
				continue;
			if (c->sent < slen) {
				n = send(c->fd, stream + c->sent, slen - c->sent,
				    MSG_NOSIGNAL | MSG_DONTWAIT);
				if (n > 0)
					c->sent += (size_t)n;
				else if (n == -1 && errno != EAGAIN &&
				    errno != EINTR) {
					close(c->fd);
					c->fd = -1;
					continue;
				}
			}
			n = recv(c->fd, buf, sizeof buf, MSG_DONTWAIT);
			if (n > 0)
				take(c, buf, (size_t)n, verbose && i == 0);
			/* Done or gone: close now, freeing the server's slot. */
			if (n == 0 || (n == -1 && errno != EAGAIN &&
			    errno != EINTR) || c->lines >= count) {
				close(c->fd);
				c->fd = -1;
			}
		}
	}

	for (i = 0; i < nclients; i++) {
		if (cl[i].fd != -1)
			close(cl[i].fd);
		replies += cl[i].lines;
		oks += cl[i].ok;
		if (cl[i].lines >= count)
			answered++;
	}
	fflush(stdout);
	printf("clients %ld connected %ld answered %ld replies %ld ok %ld\n",
	    nclients, connected, answered, replies, oks);
	free(stream);
	free(cl);
	free(pfd);
	return answered == nclients ? 0 : 1;
}
