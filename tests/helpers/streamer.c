/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The activator authors
 *
 * streamer -- both ends of a relayed stream, for the handoff = proxy
 * tests: a server that binds its own address (as a program behind
 * activator's proxy does) and a client, each with a few behaviours that
 * show what a relay does with half-closes, resets, bulk data and many
 * connections at once.  Every wait is bounded.
 *
 *   streamer serve [-d MS] [-a FILE] [-r FILE] ADDR MODE [N]
 *	Bind ADDR after MS milliseconds (default 0), listen, and serve
 *	every connection in one poll() loop, until killed:
 *	  count      read to EOF, answer "got BYTES\n", close
 *	  greet      write "hello\n", shut down the write side, read to
 *		     EOF, close (the server half-closes first)
 *	  source N   write N bytes of a fixed pattern (0: without end),
 *		     then close
 *	  reset      read a line, then close with a RST
 *	  hold       read to EOF, then close; never answer
 *	  barrier N  answer "OK\n" to each connection once N are open at
 *		     the same time, then read to EOF and close
 *	-a FILE: after each accept and close, "accepted=A open=O".
 *	-r FILE: a line per finished connection: "eof BYTES",
 *	"reset BYTES" or "sent BYTES sum=HEX" (source).
 *   streamer client [-t SECS] ADDR MODE [DATA]
 *	  sink       read to the end
 *	  shut DATA  send DATA, shut down the write side, read to the end
 *	  half DATA  read to the end first, then send DATA, shut down the
 *		     write side and wait for the end again
 *	  reset DATA send DATA, wait 100 ms, close with a RST
 *	Prints "bytes=N sum=HEX end=eof|reset|timeout first=LINE" (half:
 *	also "end2="), where first is the first line received ("-" if
 *	none).  Exit 0 unless the address is bad or connect() fails.
 *
 * sum is the 64-bit FNV-1a of the bytes, so the two ends can be compared.
 * ADDR: tcp://HOST:PORT, tcp://[V6]:PORT, unix:/path, unix:@name.
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
#include <netinet/in.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAXC		8192
#define FNV_OFFSET	0xcbf29ce484222325ULL
#define FNV_PRIME	0x100000001b3ULL

enum mode { COUNT, GREET, SOURCE, RESET, HOLD, BARRIER };

struct conn {
	int		 fd;
	uint64_t	 got, sent, sum;
	int		 wrote_hello, answered;
};

static enum mode mode;
static unsigned long long arg_n;
static const char *acc_file, *rep_file;
static struct conn *conns[MAXC];
static int	 nconns;
static unsigned long accepted;
static char	 pattern[65536];

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr,
	    "usage: streamer serve [-d MS] [-a FILE] [-r FILE] ADDR MODE [N]\n"
	    "       streamer client [-t SECS] ADDR MODE [DATA]\n");
	exit(2);
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint64_t
fnv(uint64_t h, const char *p, size_t n)
{
	while (n-- > 0) {
		h ^= (unsigned char)*p++;
		h *= FNV_PRIME;
	}
	return h;
}

static int
parse_addr(const char *spec, struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_un *sun = (struct sockaddr_un *)ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	char	 host[64];
	const char *p, *port;
	size_t	 n;

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
			sun->sun_path[0] = '\0';
		*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n +
		    (p[0] == '@' ? 0 : 1));
		return 0;
	}
	if (strncmp(spec, "tcp://", 6) != 0)
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
	if (n == 0 || n >= sizeof host)
		return -1;
	memcpy(host, p, n);
	host[n] = '\0';
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)atoi(port));
		*len = sizeof *sin;
	} else if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)atoi(port));
		*len = sizeof *sin6;
	} else
		return -1;
	return 0;
}

/* Write a small file atomically (FILE.tmp, then rename). */
static void
put_file(const char *path, const char *text)
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
note_counts(void)
{
	char	 buf[128];

	if (acc_file == NULL)
		return;
	snprintf(buf, sizeof buf, "accepted=%lu open=%d\n", accepted, nconns);
	put_file(acc_file, buf);
}

static void
report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
report(const char *fmt, ...)
{
	va_list	 ap;
	FILE	*f;

	if (rep_file == NULL || (f = fopen(rep_file, "a")) == NULL)
		return;
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fclose(f);
}

static void
conn_end(int i, int rst)
{
	struct conn *c = conns[i];
	struct linger lg = { 1, 0 };

	if (rst)
		setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
	close(c->fd);
	free(c);
	conns[i] = conns[--nconns];
	note_counts();
}

static int
barrier_reached(void)
{
	return mode == BARRIER && (unsigned long long)nconns >= arg_n;
}

/* What connection I wants to be polled for. */
static short
conn_events(const struct conn *c)
{
	if (mode == SOURCE)
		return POLLOUT;
	if (mode == BARRIER && !c->answered && barrier_reached())
		return POLLOUT;
	return POLLIN;
}

/* Serve connection I; 0 to keep it, 1 if it was closed. */
static int
conn_serve(int i, short rev)
{
	struct conn *c = conns[i];
	char	 buf[65536], msg[64];
	ssize_t	 n;
	size_t	 len;

	if (mode == SOURCE) {
		len = sizeof pattern;
		if (arg_n != 0 && arg_n - c->sent < len)
			len = (size_t)(arg_n - c->sent);
		n = send(c->fd, pattern, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n == -1 && errno == EAGAIN)
			return 0;
		if (n == -1) {
			report("reset %llu\n", (unsigned long long)c->sent);
			conn_end(i, 0);
			return 1;
		}
		c->sum = fnv(c->sum, pattern, (size_t)n);
		c->sent += (uint64_t)n;
		if (arg_n != 0 && c->sent == arg_n) {
			report("sent %llu sum=%016llx\n",
			    (unsigned long long)c->sent,
			    (unsigned long long)c->sum);
			conn_end(i, 0);
			return 1;
		}
		return 0;
	}
	if (mode == BARRIER && !c->answered && barrier_reached() &&
	    (rev & POLLOUT)) {
		c->answered = 1;
		send(c->fd, "OK\n", 3, MSG_NOSIGNAL | MSG_DONTWAIT);
		return 0;
	}
	if (!(rev & (POLLIN | POLLHUP | POLLERR)))
		return 0;
	n = recv(c->fd, buf, sizeof buf, MSG_DONTWAIT);
	if (n == -1 && errno == EAGAIN)
		return 0;
	if (n == -1) {
		report("reset %llu\n", (unsigned long long)c->got);
		conn_end(i, 0);
		return 1;
	}
	if (n > 0) {
		c->got += (uint64_t)n;
		if (mode == RESET && memchr(buf, '\n', (size_t)n) != NULL) {
			report("rst\n");
			conn_end(i, 1);
			return 1;
		}
		return 0;
	}
	report("eof %llu\n", (unsigned long long)c->got);
	if (mode == COUNT) {
		snprintf(msg, sizeof msg, "got %llu\n",
		    (unsigned long long)c->got);
		send(c->fd, msg, strlen(msg), MSG_NOSIGNAL);
	}
	conn_end(i, 0);
	return 1;
}

static void __attribute__((noreturn))
serve(const char *addr, int delay_ms)
{
	struct sockaddr_storage ss;
	struct pollfd *pfd;
	struct rlimit rl;
	socklen_t len;
	int	 lfd, one = 1, i, n, fd;
	struct conn *c;

	if (parse_addr(addr, &ss, &len) == -1)
		usage();
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	for (i = 0; i < (int)sizeof pattern; i++)
		pattern[i] = (char)('a' + (i * 7 + i / 251) % 26);
	if (delay_ms > 0)
		usleep((useconds_t)delay_ms * 1000);
	if ((lfd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) ==
	    -1) {
		perror("streamer: socket");
		exit(1);
	}
	if (ss.ss_family != AF_UNIX)
		setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(lfd, (struct sockaddr *)&ss, len) == -1 ||
	    listen(lfd, 4096) == -1) {
		fprintf(stderr, "streamer: bind %s: %s\n", addr,
		    strerror(errno));
		exit(1);
	}
	note_counts();
	pfd = calloc(MAXC + 1, sizeof *pfd);
	if (pfd == NULL)
		exit(1);
	for (;;) {
		pfd[0].fd = nconns < MAXC ? lfd : -1;
		pfd[0].events = POLLIN;
		for (i = 0; i < nconns; i++) {
			pfd[i + 1].fd = conns[i]->fd;
			pfd[i + 1].events = conn_events(conns[i]);
		}
		n = nconns;
		if (poll(pfd, (nfds_t)n + 1, -1) == -1 && errno != EINTR)
			exit(1);
		/* Back to front: conn_end moves the last one into the gap. */
		for (i = n - 1; i >= 0; i--)
			if (pfd[i + 1].revents != 0)
				conn_serve(i, pfd[i + 1].revents);
		if (pfd[0].revents & POLLIN) {
			fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC |
			    SOCK_NONBLOCK);
			if (fd == -1)
				continue;
			c = calloc(1, sizeof *c);
			if (c == NULL)
				exit(1);
			c->fd = fd;
			c->sum = FNV_OFFSET;
			conns[nconns++] = c;
			accepted++;
			note_counts();
			if (mode == GREET) {
				send(fd, "hello\n", 6, MSG_NOSIGNAL);
				shutdown(fd, SHUT_WR);
			}
		}
	}
}

/* ---- client ---- */

struct result {
	uint64_t bytes, sum;
	char	 first[128];
	size_t	 nfirst;
	int	 first_done;
};

/* Read to EOF (0), a reset (1) or the deadline (2). */
static int
sink(int fd, struct result *r, int64_t deadline)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char	 buf[65536];
	ssize_t	 n;
	int64_t	 left;

	for (;;) {
		if ((left = deadline - now_ms()) <= 0)
			return 2;
		if (poll(&p, 1, (int)left) <= 0)
			continue;
		n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n == -1)
			return 1;
		if (n == 0)
			return 0;
		r->sum = fnv(r->sum, buf, (size_t)n);
		r->bytes += (uint64_t)n;
		for (ssize_t k = 0; k < n && !r->first_done; k++) {
			if (buf[k] == '\n' || r->nfirst == sizeof r->first - 1)
				r->first_done = 1;
			else
				r->first[r->nfirst++] = buf[k];
		}
	}
}

static const char *
end_name(int e)
{
	return e == 0 ? "eof" : e == 1 ? "reset" : "timeout";
}

static int
client(const char *addr, const char *what, const char *data, int secs)
{
	struct sockaddr_storage ss;
	struct linger lg = { 1, 0 };
	struct result r;
	socklen_t len;
	int64_t	 deadline = now_ms() + (int64_t)secs * 1000;
	int	 fd, e, e2 = -1;

	if (parse_addr(addr, &ss, &len) == -1)
		usage();
	memset(&r, 0, sizeof r);
	r.sum = FNV_OFFSET;
	if ((fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    connect(fd, (struct sockaddr *)&ss, len) == -1) {
		printf("connect: %s\n", strerror(errno));
		return 1;
	}
	if (strcmp(what, "sink") == 0)
		e = sink(fd, &r, deadline);
	else if (strcmp(what, "shut") == 0 && data != NULL) {
		send(fd, data, strlen(data), MSG_NOSIGNAL);
		shutdown(fd, SHUT_WR);
		e = sink(fd, &r, deadline);
	} else if (strcmp(what, "half") == 0 && data != NULL) {
		e = sink(fd, &r, deadline);
		send(fd, data, strlen(data), MSG_NOSIGNAL);
		shutdown(fd, SHUT_WR);
		e2 = sink(fd, &r, deadline);
	} else if (strcmp(what, "reset") == 0 && data != NULL) {
		send(fd, data, strlen(data), MSG_NOSIGNAL);
		usleep(100000);
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
		close(fd);
		printf("reset sent\n");
		return 0;
	} else
		usage();
	r.first[r.nfirst] = '\0';
	printf("bytes=%llu sum=%016llx end=%s first=%s", (unsigned long long)
	    r.bytes, (unsigned long long)r.sum, end_name(e),
	    r.nfirst > 0 ? r.first : "-");
	if (e2 != -1)
		printf(" end2=%s", end_name(e2));
	printf("\n");
	close(fd);
	return 0;
}

int
main(int argc, char **argv)
{
	int	 ch, delay = 0, secs = 10;

	signal(SIGPIPE, SIG_IGN);
	if (argc < 2)
		usage();
	if (strcmp(argv[1], "serve") == 0) {
		optind = 2;
		while ((ch = getopt(argc, argv, "d:a:r:")) != -1)
			switch (ch) {
			case 'd': delay = atoi(optarg); break;
			case 'a': acc_file = optarg; break;
			case 'r': rep_file = optarg; break;
			default: usage();
			}
		if (argc - optind < 2)
			usage();
		if (strcmp(argv[optind + 1], "count") == 0)
			mode = COUNT;
		else if (strcmp(argv[optind + 1], "greet") == 0)
			mode = GREET;
		else if (strcmp(argv[optind + 1], "source") == 0)
			mode = SOURCE;
		else if (strcmp(argv[optind + 1], "reset") == 0)
			mode = RESET;
		else if (strcmp(argv[optind + 1], "hold") == 0)
			mode = HOLD;
		else if (strcmp(argv[optind + 1], "barrier") == 0)
			mode = BARRIER;
		else
			usage();
		if ((mode == SOURCE || mode == BARRIER) && argc - optind < 3)
			usage();
		if (argc - optind >= 3)
			arg_n = strtoull(argv[optind + 2], NULL, 10);
		serve(argv[optind], delay);
	}
	if (strcmp(argv[1], "client") == 0) {
		optind = 2;
		while ((ch = getopt(argc, argv, "t:")) != -1)
			switch (ch) {
			case 't': secs = atoi(optarg); break;
			default: usage();
			}
		if (argc - optind < 2)
			usage();
		return client(argv[optind], argv[optind + 1],
		    argc - optind >= 3 ? argv[optind + 2] : NULL, secs);
	}
	usage();
}
