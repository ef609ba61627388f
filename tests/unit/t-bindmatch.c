/* SPDX-License-Identifier: ISC */
/* t-bindmatch.c -- which listen address a program's bind(2) claims. */
#include "config.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <linux/filter.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "bindtrap.h"
#include "tap.h"

#ifndef IPPROTO_MPTCP
#define IPPROTO_MPTCP	262
#endif

static const char *specs[] = {
	"tcp://127.0.0.1:7000",		/* 0 */
	"tcp://*:7001",			/* 1: 0.0.0.0 */
	"tcp://[::1]:7002",		/* 2 */
	"tcp://[::]:7003",		/* 3 */
	"udp://127.0.0.1:7000",		/* 4: same port as 0, udp */
	"unix:/run/x/echo.sock",	/* 5 */
	"unix:@act-name",		/* 6 */
	"tcp://0.0.0.0:7003",		/* 7: v4 half of 3's port */
	"udp://[::]:7004",		/* 8 */
};
#define NSPECS	(sizeof specs / sizeof specs[0])

static struct addr listen_addrs[NSPECS];

static const struct bind_sock tcp4 = { AF_INET, SOCK_STREAM, 0, 0 };
static const struct bind_sock tcp4p = { AF_INET, SOCK_STREAM, IPPROTO_TCP, 0 };
static const struct bind_sock mptcp4 = { AF_INET, SOCK_STREAM, IPPROTO_MPTCP, 0 };
static const struct bind_sock sctp4 = { AF_INET, SOCK_STREAM, 132, 0 };
static const struct bind_sock udp4 = { AF_INET, SOCK_DGRAM, 0, 0 };
static const struct bind_sock tcp6 = { AF_INET6, SOCK_STREAM, 0, 1 };
static const struct bind_sock tcp6dual = { AF_INET6, SOCK_STREAM, 0, 0 };
static const struct bind_sock udp6 = { AF_INET6, SOCK_DGRAM, 0, 1 };
static const struct bind_sock unixs = { AF_UNIX, SOCK_STREAM, 0, 0 };
static const struct bind_sock unixd = { AF_UNIX, SOCK_DGRAM, 0, 0 };
static const struct bind_sock unixq = { AF_UNIX, SOCK_SEQPACKET, 0, 0 };

static socklen_t
in4(struct sockaddr_storage *ss, const char *host, int port)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof *ss);
	sin->sin_family = AF_INET;
	sin->sin_port = htons((uint16_t)port);
	inet_pton(AF_INET, host, &sin->sin_addr);
	return sizeof *sin;
}

static socklen_t
in6(struct sockaddr_storage *ss, const char *host, int port)
{
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof *ss);
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons((uint16_t)port);
	inet_pton(AF_INET6, host, &sin6->sin6_addr);
	return sizeof *sin6;
}

/* PATH as a program would pass it: with its NUL, or not if NONUL. */
static socklen_t
un(struct sockaddr_storage *ss, const char *path, int nonul)
{
	struct sockaddr_un *sun = (struct sockaddr_un *)ss;

	memset(ss, 0, sizeof *ss);
	sun->sun_family = AF_UNIX;
	memcpy(sun->sun_path, path, strlen(path));
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
	    strlen(path) + (nonul ? 0 : 1));
}

static socklen_t
abstract(struct sockaddr_storage *ss, const char *name, size_t extra)
{
	struct sockaddr_un *sun = (struct sockaddr_un *)ss;

	memset(ss, 0, sizeof *ss);
	sun->sun_family = AF_UNIX;
	memcpy(sun->sun_path + 1, name, strlen(name));
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
	    strlen(name) + extra);
}

static int
m(const struct bind_sock *so, struct sockaddr_storage *ss, socklen_t len,
    const char *cwd)
{
	return bindmatch(listen_addrs, NSPECS, so, (struct sockaddr *)ss, len,
	    cwd);
}

static void
path_is(const char *cwd, const char *path, const char *want, const char *desc)
{
	char	 out[256];

	if (bindmatch_path(cwd, path, strlen(path), out, sizeof out) == -1)
		tap_is_str(NULL, want, desc);
	else
		tap_is_str(out, want, desc);
}

int
main(void)
{
	struct sockaddr_storage ss;
	socklen_t len;
	char	*cause = NULL, buf[160];
	size_t	 i;

	for (i = 0; i < NSPECS; i++)
		if (addr_parse(specs[i], &listen_addrs[i], &cause) == -1) {
			printf("Bail out! %s\n", cause);
			return 1;
		}

	/* IPv4. */
	len = in4(&ss, "127.0.0.1", 7000);
	tap_is_int(m(&tcp4, &ss, len, NULL), 0, "tcp 127.0.0.1:7000 claims its own");
	tap_is_int(m(&tcp4p, &ss, len, NULL), 0, "... with protocol IPPROTO_TCP too");
	tap_is_int(m(&mptcp4, &ss, len, NULL), 0, "... and MPTCP (served by a TCP socket)");
	tap_is_int(m(&sctp4, &ss, len, NULL), -1, "an SCTP stream socket claims nothing");
	tap_is_int(m(&udp4, &ss, len, NULL), 4, "udp on the same port claims the udp address");
	len = in4(&ss, "127.0.0.2", 7000);
	tap_is_int(m(&tcp4, &ss, len, NULL), -1, "another address on the port: no claim");
	len = in4(&ss, "127.0.0.1", 7009);
	tap_is_int(m(&tcp4, &ss, len, NULL), -1, "another port: no claim");
	len = in4(&ss, "0.0.0.0", 7001);
	tap_is_int(m(&tcp4, &ss, len, NULL), 1, "0.0.0.0 claims tcp://*:PORT");
	len = in4(&ss, "127.0.0.1", 7001);
	tap_is_int(m(&tcp4, &ss, len, NULL), -1, "a host address does not claim *");
	len = in4(&ss, "0.0.0.0", 7000);
	tap_is_int(m(&tcp4, &ss, len, NULL), -1, "the wildcard does not claim a host address");
	len = in4(&ss, "0.0.0.0", 7001);
	ss.ss_family = AF_UNSPEC;
	tap_is_int(m(&tcp4, &ss, len, NULL), 1, "AF_UNSPEC with INADDR_ANY is AF_INET to Linux");
	len = in4(&ss, "127.0.0.1", 7000);
	ss.ss_family = AF_UNSPEC;
	tap_is_int(m(&tcp4, &ss, len, NULL), -1, "... but not with another address");
	len = in4(&ss, "127.0.0.1", 7000);
	tap_is_int(m(&tcp4, &ss, len - 1, NULL), -1, "a short sockaddr claims nothing");
	tap_is_int(m(&tcp4, &ss, 1, NULL), -1, "nor does a tiny one");
	tap_is_int(m(&tcp6, &ss, len, NULL), -1, "an IPv6 socket with an IPv4 address: no claim");

	/* IPv6. */
	len = in6(&ss, "::1", 7002);
	tap_is_int(m(&tcp6, &ss, len, NULL), 2, "tcp [::1]:7002 claims its own");
	tap_is_int(m(&tcp6, &ss, 24, NULL), 2, "... in the 24-byte RFC 2133 form too");
	tap_is_int(m(&tcp6, &ss, 23, NULL), -1, "... but not shorter");
	tap_is_int(m(&tcp4, &ss, len, NULL), -1, "an IPv4 socket with an IPv6 address: no claim");
	len = in6(&ss, "::", 7003);
	tap_is_int(m(&tcp6, &ss, len, NULL), 3, "[::] with IPV6_V6ONLY claims tcp://[::]:PORT");
	tap_is_int(m(&tcp6dual, &ss, len, NULL), 3, "[::] without IPV6_V6ONLY (dual-stack) too");
	len = in6(&ss, "::", 7001);
	tap_is_int(m(&tcp6dual, &ss, len, NULL), -1, "a dual-stack [::] never claims tcp://*:PORT (IPv4)");
	len = in6(&ss, "::ffff:127.0.0.1", 7000);
	tap_is_int(m(&tcp6dual, &ss, len, NULL), -1, "a v4-mapped address claims no IPv4 address");
	len = in6(&ss, "::", 7004);
	tap_is_int(m(&udp6, &ss, len, NULL), 8, "udp [::]:7004 claims its own");
	tap_is_int(m(&tcp6, &ss, len, NULL), -1, "... tcp on that port does not");

	/* Unix paths. */
	len = un(&ss, "/run/x/echo.sock", 0);
	tap_is_int(m(&unixs, &ss, len, NULL), 5, "the same absolute path claims it");
	len = un(&ss, "/run/x/echo.sock", 1);
	tap_is_int(m(&unixs, &ss, len, NULL), 5, "... also without a terminating NUL in the length");
	tap_is_int(m(&unixd, &ss, len, NULL), -1, "a datagram unix socket claims no stream address");
	tap_is_int(m(&unixq, &ss, len, NULL), -1, "nor a seqpacket one");
	len = un(&ss, "echo.sock", 0);
	tap_is_int(m(&unixs, &ss, len, "/run/x"), 5, "a relative path from the program's directory");
	tap_is_int(m(&unixs, &ss, len, "/run"), -1, "... from another directory: no claim");
	tap_is_int(m(&unixs, &ss, len, NULL), -1, "... with no known directory: no claim");
	len = un(&ss, "./x/../x//echo.sock", 0);
	tap_is_int(m(&unixs, &ss, len, "/run"), 5, "'.', '..' and '//' are normalized");
	len = un(&ss, "/run/x/echo.sock.old", 0);
	tap_is_int(m(&unixs, &ss, len, NULL), -1, "a longer path does not claim it");
	len = un(&ss, "/run/x/echo.soc", 0);
	tap_is_int(m(&unixs, &ss, len, NULL), -1, "nor a shorter one");
	len = (socklen_t)offsetof(struct sockaddr_un, sun_path);
	tap_is_int(m(&unixs, &ss, len, NULL), -1, "autobind (no name) claims nothing");

	/* Abstract names: the length is part of the name. */
	len = abstract(&ss, "act-name", 0);
	tap_is_int(m(&unixs, &ss, len, NULL), 6, "the same abstract name claims it");
	len = abstract(&ss, "act-name", 1);
	tap_is_int(m(&unixs, &ss, len, NULL), -1, "... with a trailing NUL it is another name");
	len = abstract(&ss, "act-nam", 0);
	tap_is_int(m(&unixs, &ss, len, NULL), -1, "a prefix is another name");
	len = un(&ss, "act-name", 0);
	tap_is_int(m(&unixs, &ss, len, "/"), -1, "a path spelled like the name is not it");

	/* Path normalization. */
	path_is("/a/b", "c", "/a/b/c", "relative path joined to the directory");
	path_is("/a/b", "../c", "/a/c", "'..' goes up");
	path_is("/", "../../c", "/c", "'..' stops at the root");
	path_is(NULL, "//a/./b/", "/a/b", "empty and '.' components go");
	path_is(NULL, "rel", NULL, "relative with no directory: refused");
	path_is("/", "", NULL, "empty: refused");

	/* Formatting for logs. */
	len = in6(&ss, "::", 7003);
	bindmatch_format(&tcp6dual, (struct sockaddr *)&ss, len, buf, sizeof buf);
	tap_is_str(buf, "tcp://[::]:7003 (dual-stack)", "a dual-stack bind says so");
	len = in4(&ss, "127.0.0.1", 53);
	bindmatch_format(&udp4, (struct sockaddr *)&ss, len, buf, sizeof buf);
	tap_is_str(buf, "udp://127.0.0.1:53", "udp formatted like a spec");
	len = abstract(&ss, "act-name", 0);
	bindmatch_format(&unixs, (struct sockaddr *)&ss, len, buf, sizeof buf);
	tap_is_str(buf, "unix:@act-name", "abstract formatted like a spec");

	/* The filter: built for this architecture, unlink only with paths. */
	{
		struct sock_filter f[BINDTRAP_MAXINSNS];
		size_t with = bindtrap_filter(f, BINDTRAP_MAXINSNS, 1);
		size_t without = bindtrap_filter(f, BINDTRAP_MAXINSNS, 0);
		tap_ok(with > 0 && with <= BINDTRAP_MAXINSNS, "the filter fits");
		tap_ok(without > 0 && without < with,
		    "unlink is only intercepted for unix paths");
		tap_is_int((long long)bindtrap_filter(f, 4, 1), 0,
		    "a filter that does not fit is refused");
	}

	for (i = 0; i < NSPECS; i++)
		addr_clear(&listen_addrs[i]);
	free(cause);
	return tap_done();
}
