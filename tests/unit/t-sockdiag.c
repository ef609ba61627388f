/* SPDX-License-Identifier: ISC */
/*
 * t-sockdiag.c -- sockdiag_count() against this kernel: for a tcp (IPv4,
 * IPv6) and a unix (path and abstract) listener, a client waiting in the
 * accept queue counts as queued, an accepted one as a connection held
 * by whoever holds it, a closed one no more; a neighbour on another
 * port or name is not ours.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sockdiag.h"
#include "tap.h"

static socklen_t
addr_of(int family, const char *where, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof *ss);
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;
		sin->sin_family = AF_INET;
		inet_pton(AF_INET, "127.0.0.1", &sin->sin_addr);
		return sizeof *sin;
	}
	if (family == AF_INET6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
		sin6->sin6_family = AF_INET6;
		inet_pton(AF_INET6, "::1", &sin6->sin6_addr);
		return sizeof *sin6;
	}
	struct sockaddr_un *sun = (struct sockaddr_un *)ss;
	size_t	 n = strlen(where);
	sun->sun_family = AF_UNIX;
	memcpy(sun->sun_path, where, n);
	if (where[0] == '@')
		sun->sun_path[0] = '\0';
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n +
	    (where[0] == '@' ? 0 : 1));
}

/* A listener on FAMILY (WHERE: unix name), its address in *SS. */
static int
listener(int family, const char *where, struct sockaddr_storage *ss,
    socklen_t *len)
{
	int	 fd = socket(family, SOCK_STREAM, 0);

	*len = addr_of(family, where, ss);
	if (fd == -1 || bind(fd, (struct sockaddr *)ss, *len) == -1 ||
	    listen(fd, 16) == -1 || (family != AF_UNIX &&
	    getsockname(fd, (struct sockaddr *)ss, len) == -1)) {
		printf("# listener: %s\n", strerror(errno));
		return -1;
	}
	return fd;
}

static int
count(int fd, unsigned long *conns, unsigned long *queued)
{
	if (sockdiag_count(fd, conns, queued) == -1) {
		printf("# sockdiag_count: %s\n", strerror(errno));
		*conns = *queued = 999;
		return -1;
	}
	return 0;
}

static void
one(int family, const char *where, const char *other, const char *what)
{
	struct sockaddr_storage ss, ss2;
	socklen_t len, len2;
	unsigned long conns, queued;
	char	 d[128];
	int	 l, l2, c, c2, a;
	struct timespec ts = { 0, 50 * 1000000 };

	if ((l = listener(family, where, &ss, &len)) == -1 ||
	    (l2 = listener(family, other, &ss2, &len2)) == -1) {
		tap_ok(0, what);
		return;
	}
	count(l, &conns, &queued);
	snprintf(d, sizeof d, "%s: a new listener: nothing", what);
	tap_ok(conns == 0 && queued == 0, d);

	c = socket(family, SOCK_STREAM, 0);
	connect(c, (struct sockaddr *)&ss, len);
	c2 = socket(family, SOCK_STREAM, 0);	/* the neighbour's client */
	connect(c2, (struct sockaddr *)&ss2, len2);
	nanosleep(&ts, NULL);
	count(l, &conns, &queued);
	snprintf(d, sizeof d, "%s: a client not accepted is queued", what);
	tap_is_int((long long)queued, 1, d);

	a = accept(l, NULL, NULL);
	count(l, &conns, &queued);
	snprintf(d, sizeof d, "%s: accepted: one connection, none queued",
	    what);
	tap_ok(conns == 1 && queued == 0, d);
	if (conns != 1 || queued != 0)
		printf("#   conns %lu queued %lu\n", conns, queued);

	close(c);
	nanosleep(&ts, NULL);
	count(l, &conns, &queued);
	snprintf(d, sizeof d, "%s: the client closed, the server side still "
	    "held: still a connection", what);
	tap_is_int((long long)conns, 1, d);
	close(a);
	nanosleep(&ts, NULL);
	count(l, &conns, &queued);
	snprintf(d, sizeof d, "%s: both closed: nothing (TIME_WAIT and "
	    "orphans do not count)", what);
	tap_ok(conns == 0 && queued == 0, d);
	if (conns != 0 || queued != 0)
		printf("#   conns %lu queued %lu\n", conns, queued);
	close(c2);
	close(l);
	close(l2);
}

int
main(void)
{
	char	 path[64], path2[64], abs1[64], abs2[64];
	unsigned long conns, queued;
	int	 u;

	snprintf(path, sizeof path, "/tmp/t-sockdiag.%ld.a", (long)getpid());
	snprintf(path2, sizeof path2, "/tmp/t-sockdiag.%ld.b", (long)getpid());
	snprintf(abs1, sizeof abs1, "@t-sockdiag/%ld/a", (long)getpid());
	snprintf(abs2, sizeof abs2, "@t-sockdiag/%ld/b", (long)getpid());
	unlink(path);
	unlink(path2);

	one(AF_INET, NULL, NULL, "tcp 127.0.0.1");
	one(AF_INET6, NULL, NULL, "tcp ::1");
	one(AF_UNIX, path, path2, "unix path");
	one(AF_UNIX, abs1, abs2, "unix abstract");
	unlink(path);
	unlink(path2);

	u = socket(AF_INET, SOCK_DGRAM, 0);
	tap_ok(sockdiag_count(u, &conns, &queued) == -1,
	    "a udp socket is refused (no connections to count)");
	close(u);
	return tap_done();
}
