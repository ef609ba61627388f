/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The activator authors
 *
 * tclient -- a test client: connect to (or send a datagram to) an address
 * in activator's syntax, print the first reply line.  Every wait is bounded
 * by one deadline, so a test never hangs on it.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

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

#define RETRANSMIT_MS	500

static int64_t	 deadline;	/* CLOCK_MONOTONIC ms */

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: tclient [-t SECS] [-s DATA] [-S] ADDR\n"
	    "  ADDR: tcp://HOST:PORT tcp://[V6]:PORT udp://... unix:/path "
	    "unix:@name\n");
	exit(2);
}

static void __attribute__((noreturn))
fail(const char *reason)
{
	fprintf(stderr, "tclient: %s\n", reason);
	exit(1);
}

/* Map an errno of connect/send/recv to the reasons tests match on. */
static void __attribute__((noreturn))
fail_errno(int err)
{
	if (err == ECONNREFUSED || err == ENOENT)
		fail("connection refused");
	if (err == EAGAIN)	/* non-blocking unix connect: backlog full */
		fail("connection refused (backlog full)");
	if (err == ECONNRESET || err == EPIPE)
		fail("connection reset");
	if (err == ETIMEDOUT)
		fail("timeout");
	fail(strerror(err));
}

static int64_t
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait for EVENTS on FD until the deadline (or CAP ms if sooner). */
static int
wait_fd(int fd, short events, int64_t cap)
{
	struct pollfd	 pfd = { .fd = fd, .events = events };
	int64_t		 left = deadline - now_ms();
	int		 n;

	if (cap >= 0 && cap < left)
		left = cap;
	if (left < 0)
		left = 0;
	while ((n = poll(&pfd, 1, (int)left)) == -1 && errno == EINTR)
		;
	return n;
}

/*
 * Parse tcp://HOST:PORT, tcp://[V6]:PORT, udp://..., unix:/path and
 * unix:@name.  Hosts are numeric: a test must never wait on DNS.
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

/* Print the first line of BUF (LEN bytes) with a newline. */
static void
print_line(const char *buf, size_t len)
{
	const char	*nl = memchr(buf, '\n', len);

	if (nl != NULL)
		len = (size_t)(nl - buf);
	printf("%.*s\n", (int)len, buf);
}

static void
stream_client(const struct sockaddr_storage *ss, socklen_t sslen,
    const char *data, int shut)
{
	static char	 buf[65536];
	size_t		 have = 0, sent = 0, dlen = data ? strlen(data) : 0;
	socklen_t	 elen = sizeof(int);
	ssize_t		 n;
	int		 fd, err = 0;

	fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (fd == -1)
		fail_errno(errno);
	if (connect(fd, (const struct sockaddr *)ss, sslen) == -1) {
		if (errno != EINPROGRESS)
			fail_errno(errno);
		if (wait_fd(fd, POLLOUT, -1) <= 0)
			fail("timeout");
		getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen);
		if (err != 0)
			fail_errno(err);
	}
	while (sent < dlen) {
		n = send(fd, data + sent, dlen - sent, MSG_NOSIGNAL);
		if (n > 0)
			sent += (size_t)n;
		else if (errno != EAGAIN && errno != EINTR)
			fail_errno(errno);
		else if (wait_fd(fd, POLLOUT, -1) <= 0)
			fail("timeout");
	}
	if (shut)
		shutdown(fd, SHUT_WR);
	while (have < sizeof buf && memchr(buf, '\n', have) == NULL) {
		n = recv(fd, buf + have, sizeof buf - have, 0);
		if (n > 0)
			have += (size_t)n;
		else if (n == 0)
			break;
		else if (errno != EAGAIN && errno != EINTR)
			fail_errno(errno);
		else if (wait_fd(fd, POLLIN, -1) <= 0)
			fail("timeout");
	}
	if (have == 0)
		fail("connection closed without reply");
	print_line(buf, have);
	close(fd);
}

/* Send the datagram every RETRANSMIT_MS until a reply or the deadline. */
static void
dgram_client(const struct sockaddr_storage *ss, socklen_t sslen,
    const char *data)
{
	static char	 buf[65536];
	ssize_t		 n;
	int		 fd;

	fd = socket(ss->ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (fd == -1)
		fail_errno(errno);
	/* connect() so ICMP port unreachable surfaces as ECONNREFUSED. */
	if (connect(fd, (const struct sockaddr *)ss, sslen) == -1)
		fail_errno(errno);
	while (now_ms() < deadline) {
		if (send(fd, data, strlen(data), MSG_NOSIGNAL) == -1 &&
		    errno != EAGAIN && errno != ENOBUFS)
			fail_errno(errno);
		if (wait_fd(fd, POLLIN, RETRANSMIT_MS) <= 0)
			continue;
		if ((n = recv(fd, buf, sizeof buf, 0)) >= 0) {
			print_line(buf, (size_t)n);
			close(fd);
			return;
		}
		if (errno != EAGAIN && errno != EINTR)
			fail_errno(errno);
	}
	fail("timeout");
}

int
main(int argc, char **argv)
{
	struct sockaddr_storage	 ss;
	socklen_t		 sslen;
	const char		*data = NULL;
	char			*end;
	double			 secs = 10;
	int			 ch, type, shut = 0;

	while ((ch = getopt(argc, argv, "s:St:")) != -1) {
		switch (ch) {
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
	if (optind != argc - 1)
		usage();
	if (parse_addr(argv[optind], &ss, &sslen, &type) == -1) {
		fprintf(stderr, "tclient: invalid address '%s'\n",
		    argv[optind]);
		exit(2);
	}
	deadline = now_ms() + (int64_t)(secs * 1000);
	if (type == SOCK_DGRAM)
		dgram_client(&ss, sslen, data ? data : "ping\n");
	else
		stream_client(&ss, sslen, data, shut);
	return 0;
}
