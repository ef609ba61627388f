/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The activator authors
 *
 * burst -- open N stream connections at once, read one reply line from each
 * and count the outcomes.  Every connect() is issued before any reply is
 * read, so all N land in the listener's backlog together.
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
#include <netdb.h>
#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNS	100000
#define REPLY_MAX	256

enum state { CONNECTING, SENDING, READING, DONE };
enum outcome { OK, REFUSED, RESET, TIMEOUT, OTHER, NOUTCOMES };

struct conn {
	int		 fd;
	enum state	 state;
	enum outcome	 outcome;
	size_t		 sent;		/* bytes of DATA sent */
	size_t		 have;		/* bytes of reply received */
	char		 reply[REPLY_MAX];
};

static const char	*data = "";
static size_t		 dlen;
static int		 shut;

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: burst -n N [-t SECS] [-s DATA] [-S] [-p] "
	    "[-b SRCADDR] ADDR\n"
	    "  ADDR: tcp://HOST:PORT tcp://[V6]:PORT unix:/path unix:@name\n");
	exit(2);
}

static int64_t
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Parse tcp://HOST:PORT, tcp://[V6]:PORT, udp://..., unix:/path and
 * unix:@name (the same syntax as tclient).  Hosts are numeric.
 */
static int
parse_addr(const char *spec, struct sockaddr_storage *ss, socklen_t *len,
    int *type)
{
	struct sockaddr_un	*sun = (struct sockaddr_un *)ss;
	struct addrinfo		 hints, *res;
	char			 host[256];
	const char		*p, *port;
	size_t			 n;

	memset(ss, 0, sizeof *ss);
	if (strncmp(spec, "unix:", 5) == 0) {
		p = spec + 5;
		n = strlen(p);
		if (n < 2 || (p[0] != '/' && p[0] != '@') ||
		    n >= sizeof sun->sun_path)
			return -1;
		sun->sun_family = AF_UNIX;
		memcpy(sun->sun_path, p, n);
		if (p[0] == '@')
			sun->sun_path[0] = '\0';	/* abstract name */
		*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n +
		    (p[0] == '@' ? 0 : 1));
		*type = SOCK_STREAM;
		return 0;
	}
	if (strncmp(spec, "tcp://", 6) == 0)
		*type = SOCK_STREAM;
	else if (strncmp(spec, "udp://", 6) == 0)
		*type = SOCK_DGRAM;
	else
		return -1;
	p = spec + 6;
	if (*p == '[') {
		if ((port = strchr(p, ']')) == NULL || port[1] != ':')
			return -1;
		n = (size_t)(port - p - 1);
		p++;
		port += 2;
	} else {
		if ((port = strrchr(p, ':')) == NULL)
			return -1;
		n = (size_t)(port - p);
		port++;
	}
	if (n == 0 || n >= sizeof host || *port == '\0')
		return -1;
	memcpy(host, p, n);
	host[n] = '\0';
	memset(&hints, 0, sizeof hints);
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	hints.ai_socktype = *type;
	if (getaddrinfo(host, port, &hints, &res) != 0)
		return -1;
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*len = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

static void
finish(struct conn *c, enum outcome o)
{
	c->outcome = o;
	c->state = DONE;
	close(c->fd);
	c->fd = -1;
}

/* Classify a failed call's errno. */
static void
finish_errno(struct conn *c, int err)
{
	switch (err) {
	case ECONNREFUSED:
	case ENOENT:
	case EAGAIN:		/* non-blocking unix connect: backlog full */
		finish(c, REFUSED);
		break;
	case ECONNRESET:
	case EPIPE:
		finish(c, RESET);
		break;
	case ETIMEDOUT:
		finish(c, TIMEOUT);
		break;
	default:
		finish(c, OTHER);
	}
}

/* Advance one connection after poll() said it is ready. */
static void
step(struct conn *c)
{
	socklen_t	 elen = sizeof(int);
	ssize_t		 n;
	int		 err = 0;

	if (c->state == CONNECTING) {
		getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &elen);
		if (err != 0) {
			finish_errno(c, err);
			return;
		}
		c->state = SENDING;
	}
	if (c->state == SENDING) {
		if (c->sent < dlen) {
			n = send(c->fd, data + c->sent, dlen - c->sent,
			    MSG_NOSIGNAL);
			if (n == -1 && errno != EAGAIN && errno != EINTR) {
				finish_errno(c, errno);
				return;
			}
			if (n > 0)
				c->sent += (size_t)n;
		}
		if (c->sent < dlen)
			return;
		if (shut)
			shutdown(c->fd, SHUT_WR);
		c->state = READING;
		return;
	}
	n = recv(c->fd, c->reply + c->have, sizeof c->reply - 1 - c->have, 0);
	if (n == -1) {
		if (errno == EAGAIN || errno == EINTR)
			return;
		if (c->have > 0)	/* a reply, then the reset */
			finish(c, OK);
		else
			finish_errno(c, errno);
		return;
	}
	c->have += (size_t)n;
	c->reply[c->have] = '\0';
	if (n == 0 || memchr(c->reply, '\n', c->have) != NULL ||
	    c->have == sizeof c->reply - 1) {
		c->reply[strcspn(c->reply, "\n")] = '\0';
		finish(c, c->reply[0] != '\0' ? OK : OTHER);
	}
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* -p: each distinct reply line and its count, on stderr. */
static void
print_replies(struct conn *conns, int n)
{
	char	**lines;
	int	 i, j, k = 0;

	if ((lines = calloc((size_t)n, sizeof *lines)) == NULL)
		return;
	for (i = 0; i < n; i++)
		if (conns[i].outcome == OK)
			lines[k++] = conns[i].reply;
	qsort(lines, (size_t)k, sizeof *lines, cmp_str);
	for (i = 0; i < k; i = j) {
		for (j = i; j < k && strcmp(lines[i], lines[j]) == 0; j++)
			;
		fprintf(stderr, "%d %s\n", j - i, lines[i]);
	}
	free(lines);
}

int
main(int argc, char **argv)
{
	struct sockaddr_storage	 ss, src;
	struct rlimit		 rl;
	struct conn		*conns;
	struct pollfd		*pfd;
	struct conn		**pc;
	socklen_t		 sslen, srclen = 0;
	const char		*srcspec = NULL;
	char			*end, srcbuf[300];
	double			 secs = 20;
	int64_t			 deadline, left;
	int			 ch, i, k, n = 0, type, print = 0;
	int			 count[NOUTCOMES] = { 0 };

	while ((ch = getopt(argc, argv, "b:n:ps:St:")) != -1) {
		switch (ch) {
		case 'b':
			srcspec = optarg;
			break;
		case 'n':
			n = (int)strtol(optarg, &end, 10);
			if (*end != '\0' || n < 1 || n > MAX_CONNS)
				usage();
			break;
		case 'p':
			print = 1;
			break;
		case 's':
			data = optarg;
			break;
		case 'S':
			shut = 1;
			break;
		case 't':
			secs = strtod(optarg, &end);
			if (*end != '\0' || !(secs > 0 && secs <= 86400))
				usage();
			break;
		default:
			usage();
		}
	}
	if (optind != argc - 1 || n == 0)
		usage();
	dlen = strlen(data);
	if (parse_addr(argv[optind], &ss, &sslen, &type) == -1 ||
	    type != SOCK_STREAM) {
		fprintf(stderr, "burst: invalid or non-stream address '%s'\n",
		    argv[optind]);
		exit(2);
	}
	if (srcspec != NULL) {
		/* Reuse the parser: the source is an address with port 0. */
		snprintf(srcbuf, sizeof srcbuf, strchr(srcspec, ':') ?
		    "tcp://[%s]:0" : "tcp://%s:0", srcspec);
		if (parse_addr(srcbuf, &src, &srclen, &type) == -1) {
			fprintf(stderr, "burst: invalid source '%s'\n",
			    srcspec);
			exit(2);
		}
	}
	/* N descriptors at once: take the whole hard limit. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	conns = calloc((size_t)n, sizeof *conns);
	pfd = calloc((size_t)n, sizeof *pfd);
	pc = calloc((size_t)n, sizeof *pc);
	if (conns == NULL || pfd == NULL || pc == NULL) {
		fprintf(stderr, "burst: out of memory\n");
		exit(2);
	}
	deadline = now_ms() + (int64_t)(secs * 1000);

	for (i = 0; i < n; i++) {
		struct conn	*c = &conns[i];

		c->state = CONNECTING;
		c->fd = socket(ss.ss_family,
		    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (c->fd == -1) {
			c->state = DONE;
			c->outcome = OTHER;
			continue;
		}
		if (srclen > 0 &&
		    bind(c->fd, (struct sockaddr *)&src, srclen) == -1) {
			finish(c, OTHER);
			continue;
		}
		if (connect(c->fd, (struct sockaddr *)&ss, sslen) == -1 &&
		    errno != EINPROGRESS)
			finish_errno(c, errno);
	}

	while ((left = deadline - now_ms()) > 0) {
		for (i = k = 0; i < n; i++) {
			if (conns[i].state == DONE)
				continue;
			pfd[k].fd = conns[i].fd;
			pfd[k].events = conns[i].state == READING ?
			    POLLIN : POLLOUT;
			pc[k++] = &conns[i];
		}
		if (k == 0)
			break;
		if (poll(pfd, (nfds_t)k, (int)left) <= 0)
			continue;
		for (i = 0; i < k; i++)
			if (pfd[i].revents != 0)
				step(pc[i]);
	}
	for (i = 0; i < n; i++) {
		if (conns[i].state != DONE)
			finish(&conns[i], TIMEOUT);
		count[conns[i].outcome]++;
	}
	printf("ok=%d refused=%d reset=%d timeout=%d other=%d\n", count[OK],
	    count[REFUSED], count[RESET], count[TIMEOUT], count[OTHER]);
	fflush(stdout);
	if (print)
		print_replies(conns, n);
	free(conns);
	free(pfd);
	free(pc);
	return count[OK] == n ? 0 : 1;
}
