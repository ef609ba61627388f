/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The activator authors
 *
 * loadgen -- the benchmark's clients and stopwatches.  Every figure is
 * taken with CLOCK_MONOTONIC inside this program, so no process start-up
 * of the measuring side is counted.  Each mode prints one line of
 * KEY=VALUE pairs (times in milliseconds) on stdout; exit status 0 means
 * every operation succeeded, 1 that some failed (the line still says how
 * many), 2 bad usage.
 *
 *   loadgen run [-n N] [-c C] [-t SECS] [-s DATA] ADDR
 *	N connections (default 1000), C at a time (default 1): each
 *	connect()s, sends DATA if given (a request; "\n" is a newline),
 *	reads up to the first newline (or EOF after some data) and closes.  Latency is from the start of connect() to the first
 *	byte.  Prints "conns= ok= failed= secs= cps= p50_ms= p99_ms=
 *	min_ms= max_ms=": cps counts successful connections over the time
 *	from the first connect() to the last completion.
 *   loadgen once [-w PID] [-W MS] [-t SECS] ADDR
 *	One connection: prints "latency_ms=" (connect() start to first
 *	byte).  With -w, first wait (up to 10 s) until process PID has no
 *	child process left, then MS milliseconds more (default 50): the
 *	previous activation is over and the server watches its socket again.
 *   loadgen request [-n N] [-s DATA] [-t SECS] PATH
 *	N times (default 20): connect to the UNIX stream socket PATH, send
 *	DATA (default "ping\n", C escapes \n \t \\ understood), read up to
 *	the first newline, close.  Prints "n= ok= p50_ms= min_ms= max_ms=
 *	bytes= all_ms=": times from connect() to the whole reply line, of
 *	the replies that contain "ok":true (ok counts them), all_ms every
 *	such time in order; bytes is the last reply's length.
 *   loadgen exec [-n N] -- CMD [ARG...]
 *	Runs CMD N times (default 20) one after the other, stdout to
 *	/dev/null, and prints "n= ok= p50_ms= min_ms= max_ms= all_ms=":
 *	times from vfork() to the exit being reaped, of the runs that
 *	exited 0 (ok counts them), all_ms every such time in order.
 *   loadgen startup [-t SECS] -o FILE ADDR -- CMD [ARG...]
 *	Starts CMD (a server) as its child, then connects to ADDR every
 *	millisecond until a connection yields a first byte.  Writes
 *	"pid= startup_ms=" to FILE (via FILE.tmp, renamed) -- startup_ms is
 *	from just before fork() to that first byte -- or "pid= failed=1"
 *	on timeout (default 30 s) or if CMD exits.  Then it stays CMD's
 *	parent: SIGTERM/SIGINT/SIGHUP are passed on to CMD, and loadgen
 *	exits with CMD's status once CMD has exited.
 *
 *   loadgen bulk [-c C] [-b BYTES] [-t SECS] ADDR
 *	C connections at once (default 1), each asks for BYTES (default
 *	1 GiB; the request is the number and a newline, as oneline send
 *	expects) and reads to EOF without
 *	copying (recv MSG_TRUNC): prints "conns= ok= bytes= secs= mibps=",
 *	the bytes of all over the time from the first connect() to the
 *	last EOF.  ok counts connections that ended with EOF.
 *
 * ADDR is HOST:PORT or tcp://HOST:PORT with a numeric IPv4 HOST.
 * Every loop is bounded by a count and by the -t deadline (default 120 s
 * for run, 10 s for once and request).
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CONN_TIMEOUT_NS	(10LL * 1000000000LL)

extern char **environ;

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr,
	    "usage: loadgen run [-n N] [-c C] [-t SECS] [-s DATA] ADDR\n"
	    "       loadgen bulk [-c C] [-b BYTES] [-t SECS] ADDR\n"
	    "       loadgen once [-w PID] [-W MS] [-t SECS] ADDR\n"
	    "       loadgen request [-n N] [-s DATA] [-t SECS] PATH\n"
	    "       loadgen exec [-n N] -- CMD [ARG...]\n"
	    "       loadgen startup [-t SECS] -o FILE ADDR -- CMD [ARG...]\n");
	exit(2);
}

static int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static double
ms(int64_t ns)
{
	return (double)ns / 1e6;
}

static long
number(const char *s, long min, long max)
{
	char	*end;
	long	 v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *s == '\0' || *end != '\0' || v < min || v > max)
		usage();
	return v;
}

static void
parse_addr(const char *addr, struct sockaddr_in *sin)
{
	char	 host[64], *colon;

	if (strncmp(addr, "tcp://", 6) == 0)
		addr += 6;
	if (strlen(addr) >= sizeof host)
		usage();
	strcpy(host, addr);
	if ((colon = strrchr(host, ':')) == NULL)
		usage();
	*colon = '\0';
	memset(sin, 0, sizeof *sin);
	sin->sin_family = AF_INET;
	sin->sin_port = htons((unsigned short)number(colon + 1, 1, 65535));
	if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
		usage();
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile P (0..100) of N sorted values. */
static int64_t
pct(const int64_t *v, size_t n, double p)
{
	size_t k;

	if (n == 0)
		return 0;
	k = (size_t)((p / 100.0) * (double)n + 0.999999);
	if (k < 1)
		k = 1;
	if (k > n)
		k = n;
	return v[k - 1];
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

/* Print " all_ms=A,B,..." (in run order) and a newline. */
static void
print_all(const int64_t *v, long n)
{
	long k;

	printf(" all_ms=");
	for (k = 0; k < n; k++)
		printf("%s%.3f", k ? "," : "", ms(v[k]));
	printf("\n");
	fflush(stdout);
}

/*
 * Print "n=N ok=OK p50_ms= min_ms= max_ms=" over the OK times in T (the
 * successful operations; T itself is left in run order).
 */
static void
summary(long n, long ok, const int64_t *t)
{
	int64_t *v;

	if ((v = malloc(((size_t)ok + 1) * sizeof *v)) == NULL) {
		perror("loadgen");
		exit(1);
	}
	memcpy(v, t, (size_t)ok * sizeof *v);
	qsort(v, (size_t)ok, sizeof *v, cmp_i64);
	printf("n=%ld ok=%ld p50_ms=%.3f min_ms=%.3f max_ms=%.3f", n, ok,
	    ms(pct(v, (size_t)ok, 50)), ok ? ms(v[0]) : 0.0,
	    ok ? ms(v[ok - 1]) : 0.0);
	free(v);
}

static size_t	unescape(const char *, char *, size_t);

/* ---- run ---------------------------------------------------------------- */

enum { S_IDLE, S_CONNECTING, S_READING };

struct slot {
	int	 fd;
	int	 state;
	int	 got;		/* bytes read so far */
	int64_t	 t0;
	int64_t	 lat;		/* connect() start to first byte */
};

static int
run_mode(int argc, char **argv)
{
	struct sockaddr_in	 sin;
	struct epoll_event	 ev, evs[64];
	struct slot		*slots;
	int64_t			*lat, start, end, deadline, last_done;
	long			 n = 1000, c = 1, secs = 120;
	long			 started = 0, done = 0, ok = 0, failed = 0;
	int			 ch, ep, i;
	char			 req[512];
	size_t			 reqlen = 0;

	while ((ch = getopt(argc, argv, "n:c:t:s:")) != -1) {
		switch (ch) {
		case 'n': n = number(optarg, 1, 10000000); break;
		case 'c': c = number(optarg, 1, 4096); break;
		case 't': secs = number(optarg, 1, 86400); break;
		case 's': reqlen = unescape(optarg, req, sizeof req); break;
		default: usage();
		}
	}
	if (optind + 1 != argc)
		usage();
	parse_addr(argv[optind], &sin);
	if (c > n)
		c = n;
	raise_nofile();
	slots = calloc((size_t)c, sizeof *slots);
	lat = calloc((size_t)n, sizeof *lat);
	if (slots == NULL || lat == NULL || (ep = epoll_create1(0)) == -1) {
		perror("loadgen");
		return 1;
	}
	start = last_done = now_ns();
	deadline = start + (int64_t)secs * 1000000000LL;

	for (;;) {
		int64_t t = now_ns();
		int nev;

		/* Fill idle slots, close timed-out ones. */
		for (i = 0; i < c; i++) {
			struct slot *s = &slots[i];

			if (s->state != S_IDLE && t - s->t0 > CONN_TIMEOUT_NS) {
				close(s->fd);
				s->state = S_IDLE;
				failed++, done++;
			}
			while (s->state == S_IDLE && started < n &&
			    t < deadline) {
				int r;

				started++;
				s->t0 = now_ns();
				s->got = 0;
				s->fd = socket(AF_INET, SOCK_STREAM |
				    SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
				if (s->fd == -1) {
					failed++, done++;
					continue;
				}
				r = connect(s->fd, (struct sockaddr *)&sin,
				    sizeof sin);
				if (r == -1 && errno != EINPROGRESS) {
					close(s->fd);
					failed++, done++;
					continue;
				}
				/* A request this small fits the send buffer. */
				if (r == 0 && reqlen > 0)
					(void)!send(s->fd, req, reqlen,
					    MSG_NOSIGNAL);
				s->state = r == 0 ? S_READING : S_CONNECTING;
				ev.events = r == 0 ? EPOLLIN : EPOLLOUT;
				ev.data.u32 = (uint32_t)i;
				epoll_ctl(ep, EPOLL_CTL_ADD, s->fd, &ev);
			}
		}
		if (done >= n || (t >= deadline && done >= started))
			break;
		if (t >= deadline + CONN_TIMEOUT_NS)
			break;
		nev = epoll_wait(ep, evs, 64, 100);
		if (nev == -1 && errno != EINTR) {
			perror("loadgen: epoll_wait");
			return 1;
		}
		for (i = 0; i < nev; i++) {
			struct slot	*s = &slots[evs[i].data.u32];
			char		 buf[512];
			ssize_t		 r;
			int		 err = 0, fin = 0, good = 0;
			socklen_t	 len = sizeof err;

			if (s->state == S_CONNECTING) {
				getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err,
				    &len);
				if (err != 0) {
					fin = 1;
				} else {
					if (reqlen > 0)
						(void)!send(s->fd, req, reqlen,
						    MSG_NOSIGNAL);
					s->state = S_READING;
					ev.events = EPOLLIN;
					ev.data.u32 = evs[i].data.u32;
					epoll_ctl(ep, EPOLL_CTL_MOD, s->fd,
					    &ev);
				}
			} else if (s->state == S_READING) {
				r = read(s->fd, buf, sizeof buf);
				if (r > 0) {
					if (s->got == 0)
						s->lat = now_ns() - s->t0;
					s->got += (int)r;
					if (memchr(buf, '\n', (size_t)r))
						fin = good = 1;
				} else if (r == 0 || (errno != EAGAIN &&
				    errno != EINTR)) {
					fin = 1;
					good = s->got > 0;
				}
			}
			if (fin) {
				close(s->fd);
				s->state = S_IDLE;
				done++;
				if (good)
					lat[ok++] = s->lat;
				else
					failed++;
				last_done = now_ns();
			}
		}
	}
	end = last_done;
	for (i = 0; i < c; i++)
		if (slots[i].state != S_IDLE) {
			close(slots[i].fd);
			failed++;
		}
	qsort(lat, (size_t)ok, sizeof *lat, cmp_i64);
	printf("conns=%ld ok=%ld failed=%ld secs=%.3f cps=%.1f p50_ms=%.3f "
	    "p99_ms=%.3f min_ms=%.3f max_ms=%.3f\n", n, ok,
	    n - ok, (double)(end - start) / 1e9,
	    end > start ? (double)ok / ((double)(end - start) / 1e9) : 0.0,
	    ms(pct(lat, (size_t)ok, 50)), ms(pct(lat, (size_t)ok, 99)),
	    ok ? ms(lat[0]) : 0.0, ok ? ms(lat[ok - 1]) : 0.0);
	fflush(stdout);
	close(ep);
	free(slots);
	free(lat);
	return ok == n ? 0 : 1;
}

/* ---- bulk --------------------------------------------------------------- */

static int
bulk_mode(int argc, char **argv)
{
	struct sockaddr_in	 sin;
	struct epoll_event	 ev, evs[64];
	int64_t			 start, end, deadline;
	uint64_t		 bytes = 0;
	long			 c = 1, secs = 120, open_ = 0, ok = 0;
	long			 want = 1L << 30;
	int			 ch, ep, i, fd, n;
	char			 req[32];

	while ((ch = getopt(argc, argv, "c:b:t:")) != -1) {
		switch (ch) {
		case 'c': c = number(optarg, 1, 4096); break;
		case 'b': want = number(optarg, 1, 1L << 40); break;
		case 't': secs = number(optarg, 1, 86400); break;
		default: usage();
		}
	}
	if (optind + 1 != argc)
		usage();
	parse_addr(argv[optind], &sin);
	raise_nofile();
	if ((ep = epoll_create1(0)) == -1) {
		perror("loadgen");
		return 1;
	}
	n = snprintf(req, sizeof req, "%ld\n", want);
	start = now_ns();
	deadline = start + (int64_t)secs * 1000000000LL;
	for (i = 0; i < c; i++) {
		/* Blocking connect and request, then non-blocking reads. */
		fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd == -1 || connect(fd, (struct sockaddr *)&sin,
		    sizeof sin) == -1 || send(fd, req, (size_t)n,
		    MSG_NOSIGNAL) != n) {
			perror("loadgen: connect");
			return 1;
		}
		ev.events = EPOLLIN;
		ev.data.fd = fd;
		epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
		open_++;
	}
	while (open_ > 0 && now_ns() < deadline) {
		int nev = epoll_wait(ep, evs, 64, 100);

		for (i = 0; i < nev; i++) {
			ssize_t r;

			fd = evs[i].data.fd;
			/* TCP discards with MSG_TRUNC: no copy to count. */
			r = recv(fd, NULL, 1 << 22, MSG_TRUNC | MSG_DONTWAIT);
			if (r > 0) {
				bytes += (uint64_t)r;
				continue;
			}
			if (r == -1 && (errno == EAGAIN || errno == EINTR))
				continue;
			if (r == 0)
				ok++;
			close(fd);
			open_--;
		}
	}
	end = now_ns();
	printf("conns=%ld ok=%ld bytes=%llu secs=%.3f mibps=%.1f\n", c, ok,
	    (unsigned long long)bytes, (double)(end - start) / 1e9,
	    (double)bytes / 1048576.0 / ((double)(end - start) / 1e9));
	fflush(stdout);
	close(ep);
	return ok == c ? 0 : 1;
}

/* ---- once --------------------------------------------------------------- */

/*
 * Does PID have a child process?  Scans /proc/N/stat for the ppid.
 * activator's idle spare supervisor ("sup-spare") is no activation.
 */
static int
has_child(pid_t pid)
{
	DIR		*d;
	struct dirent	*de;
	int		 found = 0;

	if ((d = opendir("/proc")) == NULL)
		return 0;
	while (!found && (de = readdir(d)) != NULL) {
		char	 path[300], buf[512], *p, *q;
		ssize_t	 r;
		int	 fd, ppid;

		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof path, "/proc/%s/stat", de->d_name);
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
			continue;
		r = read(fd, buf, sizeof buf - 1);
		close(fd);
		if (r <= 0)
			continue;
		buf[r] = '\0';
		/* "pid (comm) S ppid ...": comm may hold spaces and ')'. */
		if ((p = strrchr(buf, ')')) == NULL)
			continue;
		if ((q = strchr(buf, '(')) != NULL && p - q - 1 == 9 &&
		    memcmp(q + 1, "sup-spare", 9) == 0)
			continue;
		if (sscanf(p + 1, " %*c %d", &ppid) == 1 && ppid == pid)
			found = 1;
	}
	closedir(d);
	return found;
}

/* Connect (blocking, bounded) to SIN and wait for the first byte. */
static int
one_conn(const struct sockaddr_in *sin, int64_t deadline, int64_t *lat)
{
	struct pollfd	 pfd;
	char		 buf[512];
	int64_t		 t0;
	int		 fd, r, err = 0;
	socklen_t	 len = sizeof err;

	t0 = now_ns();
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return -1;
	if (connect(fd, (const struct sockaddr *)sin, sizeof *sin) == -1) {
		if (errno != EINPROGRESS)
			goto fail;
		pfd.fd = fd;
		pfd.events = POLLOUT;
		r = poll(&pfd, 1, (int)((deadline - now_ns()) / 1000000));
		if (r != 1 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err,
		    &len) == -1 || err != 0)
			goto fail;
	}
	for (;;) {
		int64_t left = deadline - now_ns();

		if (left <= 0)
			goto fail;
		pfd.fd = fd;
		pfd.events = POLLIN;
		r = poll(&pfd, 1, (int)(left / 1000000) + 1);
		if (r == -1 && errno == EINTR)
			continue;
		if (r != 1)
			goto fail;
		r = (int)read(fd, buf, sizeof buf);
		if (r > 0) {
			*lat = now_ns() - t0;
			/* Read the rest of the line, briefly, then close. */
			if (memchr(buf, '\n', (size_t)r) == NULL) {
				pfd.events = POLLIN;
				if (poll(&pfd, 1, 1000) == 1)
					(void)!read(fd, buf, sizeof buf);
			}
			close(fd);
			return 0;
		}
		if (r == 0 || (errno != EAGAIN && errno != EINTR))
			goto fail;
	}
fail:
	close(fd);
	return -1;
}

static int
once_mode(int argc, char **argv)
{
	struct sockaddr_in	 sin;
	struct timespec		 ts;
	int64_t			 lat, deadline;
	long			 secs = 10, settle = 50;
	pid_t			 wpid = 0;
	int			 ch, k;

	while ((ch = getopt(argc, argv, "w:W:t:")) != -1) {
		switch (ch) {
		case 'w': wpid = (pid_t)number(optarg, 1, 1L << 30); break;
		case 'W': settle = number(optarg, 0, 10000); break;
		case 't': secs = number(optarg, 1, 3600); break;
		default: usage();
		}
	}
	if (optind + 1 != argc)
		usage();
	parse_addr(argv[optind], &sin);
	if (wpid != 0) {
		/* Bounded: 10 s of 2 ms polls. */
		for (k = 0; k < 5000 && has_child(wpid); k++) {
			ts.tv_sec = 0;
			ts.tv_nsec = 2000000;
			nanosleep(&ts, NULL);
		}
		if (k == 5000) {
			fprintf(stderr, "loadgen: pid %d still has children "
			    "after 10 s\n", (int)wpid);
			return 1;
		}
		ts.tv_sec = settle / 1000;
		ts.tv_nsec = (settle % 1000) * 1000000L;
		nanosleep(&ts, NULL);
	}
	deadline = now_ns() + (int64_t)secs * 1000000000LL;
	if (one_conn(&sin, deadline, &lat) == -1) {
		printf("latency_ms=nan failed=1\n");
		return 1;
	}
	printf("latency_ms=%.3f\n", ms(lat));
	fflush(stdout);
	return 0;
}

/* ---- request ------------------------------------------------------------ */

static size_t
unescape(const char *s, char *out, size_t cap)
{
	size_t n = 0;

	for (; *s != '\0' && n + 1 < cap; s++) {
		if (*s == '\\' && s[1] != '\0') {
			s++;
			out[n++] = *s == 'n' ? '\n' : *s == 't' ? '\t' : *s;
		} else
			out[n++] = *s;
	}
	out[n] = '\0';
	return n;
}

static int
request_mode(int argc, char **argv)
{
	struct sockaddr_un	 sun;
	int64_t			*t, deadline;
	char			 data[1024], *buf;
	size_t			 dlen, cap = 1 << 20, have = 0;
	long			 n = 20, secs = 10, ok = 0, k;
	int			 ch;

	dlen = unescape("ping\\n", data, sizeof data);
	while ((ch = getopt(argc, argv, "n:s:t:")) != -1) {
		switch (ch) {
		case 'n': n = number(optarg, 1, 100000); break;
		case 's': dlen = unescape(optarg, data, sizeof data); break;
		case 't': secs = number(optarg, 1, 3600); break;
		default: usage();
		}
	}
	if (optind + 1 != argc || strlen(argv[optind]) >= sizeof sun.sun_path)
		usage();
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	strcpy(sun.sun_path, argv[optind]);
	if ((t = calloc((size_t)n, sizeof *t)) == NULL ||
	    (buf = malloc(cap)) == NULL)
		return 1;
	deadline = now_ns() + (int64_t)secs * 1000000000LL;
	for (k = 0; k < n && now_ns() < deadline; k++) {
		struct timeval	 tv = { 5, 0 };
		int64_t		 t0 = now_ns(), t1 = 0;
		int		 fd, good = 0;
		ssize_t		 r;

		have = 0;
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd == -1)
			break;
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
		if (connect(fd, (struct sockaddr *)&sun, sizeof sun) == 0 &&
		    write(fd, data, dlen) == (ssize_t)dlen) {
			while (have < cap - 1 && (r = read(fd, buf + have,
			    cap - 1 - have)) > 0) {
				have += (size_t)r;
				if (memchr(buf + have - r, '\n', (size_t)r))
					break;
			}
			t1 = now_ns();
			buf[have] = '\0';
			good = strstr(buf, "\"ok\":true") != NULL &&
			    memchr(buf, '\n', have) != NULL;
		}
		if (good)
			t[ok++] = t1 - t0;
		close(fd);
	}
	n = k;
	summary(n, ok, t);
	printf(" bytes=%zu", have);
	print_all(t, ok);
	free(t);
	free(buf);
	return ok == n && n > 0 ? 0 : 1;
}

/* ---- exec --------------------------------------------------------------- */

/* vfork+exec ARGV with stdout on NULLFD: the cheapest spawn there is. */
static pid_t
spawn_quiet(char **argv, int nullfd)
{
	pid_t pid = vfork();

	if (pid == 0) {
		signal(SIGPIPE, SIG_DFL);
		if (dup2(nullfd, 1) == -1)
			_exit(127);
		execve(argv[0], argv, environ);
		_exit(127);
	}
	return pid;
}

static int
exec_mode(int argc, char **argv)
{
	int64_t	*t;
	long	 n = 20, ok = 0, k;
	int	 ch, st, null;
	pid_t	 pid;

	while ((ch = getopt(argc, argv, "+n:")) != -1) {
		switch (ch) {
		case 'n': n = number(optarg, 1, 100000); break;
		default: usage();
		}
	}
	if (optind >= argc)
		usage();
	argv += optind;
	if ((t = calloc((size_t)n, sizeof *t)) == NULL ||
	    (null = open("/dev/null", O_WRONLY | O_CLOEXEC)) == -1)
		return 1;
	for (k = 0; k < n; k++) {
		int64_t t0 = now_ns();

		if ((pid = spawn_quiet(argv, null)) == -1)
			break;
		while (waitpid(pid, &st, 0) == -1 && errno == EINTR)
			;
		if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
			t[ok++] = now_ns() - t0;
	}
	n = k;
	summary(n, ok, t);
	print_all(t, ok);
	free(t);
	close(null);
	return ok == n && n > 0 ? 0 : 1;
}

/* ---- startup ------------------------------------------------------------ */

static volatile sig_atomic_t	 pending_sig;
static volatile pid_t		 server_pid;

/* Pass the signal on at once (kill is async-signal-safe). */
static void
on_signal(int sig)
{
	if (server_pid > 0)
		kill(server_pid, sig);
	else
		pending_sig = sig;
}

static void
write_result(const char *file, const char *line)
{
	char	 tmp[4096];
	FILE	*f;

	snprintf(tmp, sizeof tmp, "%s.tmp", file);
	if ((f = fopen(tmp, "w")) == NULL) {
		perror(tmp);
		return;
	}
	fputs(line, f);
	if (fclose(f) == 0)
		rename(tmp, file);
}

static int
startup_mode(int argc, char **argv)
{
	struct sockaddr_in	 sin;
	struct sigaction	 sa;
	struct timespec		 ts = { 0, 1000000 };
	char			 line[128];
	const char		*out = NULL;
	int64_t			 t0, lat, deadline;
	long			 secs = 30;
	int			 ch, st, done = 0;
	pid_t			 pid, w;

	while ((ch = getopt(argc, argv, "+t:o:")) != -1) {
		switch (ch) {
		case 't': secs = number(optarg, 1, 3600); break;
		case 'o': out = optarg; break;
		default: usage();
		}
	}
	if (out == NULL || optind + 3 > argc ||
	    strcmp(argv[optind + 1], "--") != 0)
		usage();
	parse_addr(argv[optind], &sin);
	argv += optind + 2;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);

	t0 = now_ns();
	deadline = t0 + (int64_t)secs * 1000000000LL;
	pid = fork();
	if (pid == -1) {
		perror("loadgen: fork");
		return 1;
	}
	if (pid == 0) {
		struct sigaction dfl;

		memset(&dfl, 0, sizeof dfl);
		dfl.sa_handler = SIG_DFL;
		sigaction(SIGTERM, &dfl, NULL);
		sigaction(SIGINT, &dfl, NULL);
		sigaction(SIGHUP, &dfl, NULL);
		sigaction(SIGPIPE, &dfl, NULL);
		execve(argv[0], argv, environ);
		_exit(127);
	}
	/* Bounded by the deadline: one probe per millisecond or so. */
	while (!done && now_ns() < deadline && !pending_sig) {
		if (one_conn(&sin, now_ns() + 2000000000LL, &lat) == 0) {
			snprintf(line, sizeof line, "pid=%d startup_ms=%.3f\n",
			    (int)pid, ms(now_ns() - t0));
			done = 1;
			break;
		}
		if (waitpid(pid, &st, WNOHANG) == pid) {
			snprintf(line, sizeof line, "pid=%d failed=1 "
			    "exited=1\n", (int)pid);
			write_result(out, line);
			return 1;
		}
		nanosleep(&ts, NULL);
	}
	if (!done)
		snprintf(line, sizeof line, "pid=%d failed=1\n", (int)pid);
	write_result(out, line);
	server_pid = pid;
	if (pending_sig)
		kill(pid, pending_sig);
	for (;;) {
		w = waitpid(pid, &st, 0);
		if (w == pid)
			break;
		if (w == -1 && errno != EINTR)
			return 1;
	}
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	return 128 + WTERMSIG(st);
}

int
main(int argc, char **argv)
{
	const char *mode;

	if (argc < 2)
		usage();
	mode = argv[1];
	argc--, argv++;
	signal(SIGPIPE, SIG_IGN);
	if (strcmp(mode, "run") == 0)
		return run_mode(argc, argv);
	if (strcmp(mode, "once") == 0)
		return once_mode(argc, argv);
	if (strcmp(mode, "bulk") == 0)
		return bulk_mode(argc, argv);
	if (strcmp(mode, "request") == 0)
		return request_mode(argc, argv);
	if (strcmp(mode, "exec") == 0)
		return exec_mode(argc, argv);
	if (strcmp(mode, "startup") == 0)
		return startup_mode(argc, argv);
	usage();
}
