/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The activator authors
 *
 * bindbench -- the cost of handoff = bind's interception for a program:
 * N bind(2) calls to addresses activator does not hold (127.0.0.1, port
 * 0), N unlink(2) of paths it does not hold (absent files in DIR), N
 * listen(2) on such sockets, and getpid(2), a call the filter lets
 * through. Run plainly, then as a handoff = bind service (bindbench.sh).
 * Each figure is the median over R rounds of N calls, in ns per call.
 *
 * usage: bindbench [-n N] [-r R] [-o FILE] DIR
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include <sys/socket.h>
#include <sys/syscall.h>
#include <netinet/in.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CHUNK	500		/* sockets open at once */

static int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static double
round_getpid(long n)
{
	int64_t	 t0 = now_ns();
	long	 i;

	for (i = 0; i < n; i++)
		syscall(SYS_getpid);
	return (double)(now_ns() - t0) / (double)n;
}

/* Only the calls are timed: sockets are made and closed outside. */
static double
round_sockets(long n, int do_listen)
{
	struct sockaddr_in sin;
	int	 fds[CHUNK], k, m;
	int64_t	 spent = 0, t0;
	long	 done = 0;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	while (done < n) {
		m = n - done < CHUNK ? (int)(n - done) : CHUNK;
		for (k = 0; k < m; k++)
			if ((fds[k] = socket(AF_INET, SOCK_STREAM, 0)) == -1) {
				perror("socket");
				exit(1);
			}
		if (do_listen)
			for (k = 0; k < m; k++)
				bind(fds[k], (struct sockaddr *)&sin, sizeof sin);
		t0 = now_ns();
		for (k = 0; k < m; k++)
			if ((do_listen ? listen(fds[k], 8) :
			    bind(fds[k], (struct sockaddr *)&sin,
			    sizeof sin)) == -1) {
				perror(do_listen ? "listen" : "bind");
				exit(1);
			}
		spent += now_ns() - t0;
		for (k = 0; k < m; k++)
			close(fds[k]);
		done += m;
	}
	return (double)spent / (double)n;
}

static double
round_unlink(long n, const char *dir)
{
	char	 path[4096];
	int64_t	 t0;
	long	 i;

	snprintf(path, sizeof path, "%s/absent-file", dir);
	t0 = now_ns();
	for (i = 0; i < n; i++)
		unlink(path);
	return (double)(now_ns() - t0) / (double)n;
}

int
main(int argc, char **argv)
{
	const char *out = NULL;
	double	*v, med;
	long	 n = 20000;
	int	 r = 5, c, i, k;
	FILE	*f = stdout;
	char	 tmp[4096];
	static const char *names[] = { "getpid", "bind", "listen", "unlink" };

	while ((c = getopt(argc, argv, "n:r:o:")) != -1)
		switch (c) {
		case 'n':
			n = atol(optarg);
			break;
		case 'r':
			r = atoi(optarg);
			break;
		case 'o':
			out = optarg;
			break;
		default:
			goto usage;
		}
	if (optind != argc - 1 || n < 1 || r < 1)
		goto usage;
	if ((v = calloc((size_t)r, sizeof *v)) == NULL)
		return 1;
	snprintf(tmp, sizeof tmp, "%s.tmp", out != NULL ? out : "");
	if (out != NULL && (f = fopen(tmp, "w")) == NULL) {
		perror(tmp);
		return 1;
	}
	for (k = 0; k < 4; k++) {
		for (i = 0; i < r; i++)
			switch (k) {
			case 0:
				v[i] = round_getpid(n);
				break;
			case 1:
				v[i] = round_sockets(n, 0);
				break;
			case 2:
				v[i] = round_sockets(n, 1);
				break;
			case 3:
				v[i] = round_unlink(n, argv[optind]);
				break;
			}
		med = median(v, r);	/* sorts v */
		fprintf(f, "%s\t%.1f\t%.1f\t%.1f\n", names[k], med, v[0],
		    v[r - 1]);
	}
	if (f != stdout) {
		fclose(f);
		rename(tmp, out);	/* whole, or not at all */
	}
	free(v);
	return 0;
usage:
	fprintf(stderr, "usage: bindbench [-n N] [-r R] [-o FILE] DIR\n");
	return 2;
}
