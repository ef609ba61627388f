/* SPDX-License-Identifier: ISC */
/* t-addr.c -- address and CIDR parsing. */
#include "config.h"

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "tap.h"

static const char *good[] = {
	"tcp://127.0.0.1:7007", "tcp://[::1]:7007", "tcp://*:80",
	"tcp://[::]:65535", "udp://0.0.0.0:6969", "udp://[::1]:1",
	"unix:/run/echo.sock", "unix:@abstract-name",
};

static const struct {
	const char *spec;
	const char *cause;
} bad[] = {
	{ "tcp://127.0.0.1:0", "invalid port '0' in 'tcp://127.0.0.1:0' (1-65535, decimal)" },
	{ "tcp://127.0.0.1:65536", "invalid port '65536' in 'tcp://127.0.0.1:65536' (1-65535, decimal)" },
	{ "tcp://127.0.0.1:-1", "invalid port '-1' in 'tcp://127.0.0.1:-1' (1-65535, decimal)" },
	{ "tcp://127.0.0.1:80x", "invalid port '80x' in 'tcp://127.0.0.1:80x' (1-65535, decimal)" },
	{ "tcp://127.0.0.1:0x50", "invalid port '0x50' in 'tcp://127.0.0.1:0x50' (1-65535, decimal)" },
	{ "tcp://127.0.0.1:010", "invalid port '010' in 'tcp://127.0.0.1:010' (1-65535, decimal)" },
	{ "tcp://127.0.0.1: 80", "invalid port ' 80' in 'tcp://127.0.0.1: 80' (1-65535, decimal)" },
	{ "tcp://127.0.0.256:80", "invalid address 'tcp://127.0.0.256:80': host must be a numeric IPv4 address, *, or [IPv6]" },
	{ "tcp://[::1:80", "invalid address 'tcp://[::1:80': expected [IPV6]:PORT" },
	{ "tcp://[::1]", "invalid address 'tcp://[::1]': expected [IPV6]:PORT" },
	{ "tcp://localhost:7007", "invalid address 'tcp://localhost:7007': host must be a numeric IPv4 address, *, or [IPv6]" },
	{ "tcp://:7007", "invalid address 'tcp://:7007': expected HOST:PORT" },
	{ "unix:relative/path", "invalid address 'unix:relative/path': unix path must be absolute" },
	{ "unix:", "invalid address 'unix:': empty unix path" },
	{ "sctp://1.2.3.4:5", "invalid address 'sctp://1.2.3.4:5': expected tcp://, udp:// or unix:" },
};

int
main(void)
{
	struct addr a, b;
	struct cidr c;
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	char	*cause = NULL, longpath[200];
	size_t	 i;

	tap_plan((int)(sizeof good / sizeof good[0]) +
	    (int)(sizeof bad / sizeof bad[0]) * 2 + 65);
	for (i = 0; i < sizeof good / sizeof good[0]; i++) {
		int r = addr_parse(good[i], &a, &cause);
		tap_ok(r == 0, good[i]);
		if (r == 0)
			addr_clear(&a);
	}
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		cause = NULL;
		tap_ok(addr_parse(bad[i].spec, &a, &cause) == -1, bad[i].spec);
		tap_is_str(cause, bad[i].cause, "its message");
		free(cause);
	}

	memset(longpath, 'a', sizeof longpath);
	memcpy(longpath, "unix:/", 6);
	longpath[5 + 108] = '\0';	/* a 108-byte path */
	cause = NULL;
	tap_ok(addr_parse(longpath, &a, &cause) == -1 &&
	    strstr(cause, "path too long (max 107)") != NULL,
	    "a 108-byte unix path is refused, not truncated");
	free(cause);
	longpath[5 + 107] = '\0';
	tap_ok(addr_parse(longpath, &a, &cause) == 0, "a 107-byte path fits");
	addr_clear(&a);

	addr_parse("tcp://127.0.0.1:7007", &a, &cause);
	tap_is_int(a.family, AF_INET, "v4 family");
	tap_is_int(a.socktype, SOCK_STREAM, "tcp is a stream");
	tap_is_int(ntohs(((const struct sockaddr_in *)addr_sockaddr(&a))->
	    sin_port), 7007, "port");
	tap_is_int(addr_port(&a), 7007, "addr_port");
	addr_parse("tcp://*:7007", &b, &cause);
	tap_ok(b.wildcard && addr_conflict(&a, &b), "* conflicts with a "
	    "specific address on the same port");
	addr_clear(&b);
	addr_parse("tcp://[::]:7007", &b, &cause);
	tap_ok(!addr_conflict(&a, &b), "[::] (v6only) does not conflict with "
	    "v4");
	addr_clear(&b);
	addr_parse("udp://127.0.0.1:7007", &b, &cause);
	tap_ok(!addr_conflict(&a, &b) && b.socktype == SOCK_DGRAM,
	    "udp and tcp on one port do not conflict");
	addr_clear(&b);
	addr_parse("tcp://127.0.0.1:7007", &b, &cause);
	tap_ok(addr_equal(&a, &b) && addr_conflict(&a, &b), "same address");
	addr_clear(&b);
	addr_clear(&a);
	addr_parse("unix:@x", &a, &cause);
	tap_ok(a.abstract && strcmp(a.path, "x") == 0, "abstract name");
	tap_ok(a.sslen == offsetof(struct sockaddr_un, sun_path) + 2 &&
	    addr_sockaddr(&a)->sa_family == AF_UNIX &&
	    memcmp(((const struct sockaddr_un *)addr_sockaddr(&a))->sun_path,
	    "\0x", 2) == 0, "abstract sockaddr: NUL, the name, no NUL counted");
	addr_copy(&b, &a);
	addr_clear(&a);
	tap_ok(b.abstract && strcmp(b.path, "x") == 0 && strcmp(b.spec,
	    "unix:@x") == 0 && memcmp(((const struct sockaddr_un *)
	    addr_sockaddr(&b))->sun_path, "\0x", 2) == 0,
	    "a copy outlives the original");
	addr_clear(&b);
	addr_parse("unix:/run/x.sock", &a, &cause);
	tap_ok(a.sslen == offsetof(struct sockaddr_un, sun_path) + 12 &&
	    strcmp(((const struct sockaddr_un *)addr_sockaddr(&a))->sun_path,
	    "/run/x.sock") == 0 && strcmp(a.path, "/run/x.sock") == 0,
	    "path sockaddr: the path and its NUL");
	addr_clear(&a);

	tap_ok(cidr_parse("10.0.0.0/8", &c, &cause) == 0 && c.prefix == 8,
	    "v4 prefix");
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	inet_pton(AF_INET, "10.1.2.3", &sin.sin_addr);
	tap_ok(cidr_match(&c, (struct sockaddr *)&sin), "10.1.2.3 in 10/8");
	inet_pton(AF_INET, "11.1.2.3", &sin.sin_addr);
	tap_ok(!cidr_match(&c, (struct sockaddr *)&sin), "11.1.2.3 not in 10/8");
	memset(&sin6, 0, sizeof sin6);
	sin6.sin6_family = AF_INET6;
	inet_pton(AF_INET6, "::ffff:10.9.9.9", &sin6.sin6_addr);
	tap_ok(cidr_match(&c, (struct sockaddr *)&sin6),
	    "a v4-mapped peer matches a v4 prefix");
	tap_ok(cidr_parse("::1/128", &c, &cause) == 0, "v6 prefix");
	inet_pton(AF_INET6, "::1", &sin6.sin6_addr);
	tap_ok(cidr_match(&c, (struct sockaddr *)&sin6), "::1 in ::1/128");
	tap_ok(cidr_parse("127.0.0.1", &c, &cause) == 0 && c.prefix == 32,
	    "a bare address is a host prefix");
	cause = NULL;
	tap_ok(cidr_parse("10.0.0.0/33", &c, &cause) == -1, "/33 refused");
	free(cause);
	cause = NULL;
	tap_ok(cidr_parse("10.0.0/8", &c, &cause) == -1, "short v4 refused");
	free(cause);
	cause = NULL;
	tap_ok(cidr_parse("10.0.0.0/08", &c, &cause) == -1,
	    "leading zero prefix refused");
	free(cause);
	{
		/* Every spelling, overflows included, without UB. */
		static const struct {
			const char *s;
			long long min, max, want;	/* want -1: refused */
		} dec[] = {
			{ "99999999999999999999", 0, 100, -1 },
			{ "9223372036854775807", 0, LLONG_MAX, LLONG_MAX },
			{ "9223372036854775808", 0, LLONG_MAX, -1 },
			{ "18446744073709551617", 0, LLONG_MAX, -1 },
			{ "-9223372036854775807", LLONG_MIN, 0, -2 },
			{ "-9223372036854775808", LLONG_MIN, 0, -1 },
			{ "-99999999999999999999999", LLONG_MIN, 0, -1 },
			{ "-0", 0, 10, -1 },
			{ "-", -10, 10, -1 },
			{ "", 0, 10, -1 },
			{ "+1", 0, 10, -1 },
			{ " 1", 0, 10, -1 },
			{ "1 ", 0, 10, -1 },
			{ "0", 0, 10, 0 },
			{ "00", 0, 10, -1 },
			{ "10", 0, 10, 10 },
			{ "11", 0, 10, -1 },
		};
		long long v;
		int ok;
		char desc[128];

		for (i = 0; i < sizeof dec / sizeof dec[0]; i++) {
			v = 12345;
			ok = parse_decimal(dec[i].s, dec[i].min, dec[i].max, &v);
			snprintf(desc, sizeof desc, "parse_decimal '%s' %s",
			    dec[i].s, dec[i].want == -1 ? "refused" : "read");
			if (dec[i].want == -1)
				tap_ok(!ok && v == 12345, desc);
			else if (dec[i].want == -2)
				tap_ok(ok && v == -LLONG_MAX, desc);
			else
				tap_ok(ok && v == dec[i].want, desc);
		}
	}
	{
		static const char *badcidr[] = { "10.0.0.0/-0", "10.0.0.0/-8",
		    "10.0.0.0/+8", "10.0.0.0/", "10.0.0.0/ 8",
		    "10.0.0.0/99999999999999999999999",
		    "10.0.0.0/18446744073709551624", "::/129", "::/-0",
		    "::/000", "10.0.0.0/8/8", "/8", "::ffff:10.0.0.0/104",
		    "::ffff:127.0.0.1",
		    "1111111111111111111111111111111111111111111111111111/8" };
		static const char *badaddr[] = { "tcp://127.0.0.1:99999999999999999999",
		    "tcp://127.0.0.1:18446744073709551617",
		    "tcp://127.0.0.1:-0", "tcp://127.0.0.1:-1",
		    "udp://[::1]:65536", "tcp://127.0.0.1:+80",
		    "tcp://[::1]:4294967297" };
		char desc[160];

		for (i = 0; i < sizeof badcidr / sizeof badcidr[0]; i++) {
			cause = NULL;
			snprintf(desc, sizeof desc, "prefix '%s' refused",
			    badcidr[i]);
			tap_ok(cidr_parse(badcidr[i], &c, &cause) == -1 &&
			    cause != NULL, desc);
			free(cause);
		}
		tap_ok(cidr_parse("0.0.0.0/0", &c, &cause) == 0 &&
		    c.prefix == 0, "prefix /0 read");
		tap_ok(cidr_parse("::/0", &c, &cause) == 0 && c.prefix == 0,
		    "v6 prefix /0 read");
		for (i = 0; i < sizeof badaddr / sizeof badaddr[0]; i++) {
			cause = NULL;
			snprintf(desc, sizeof desc, "port of '%s' refused",
			    badaddr[i]);
			tap_ok(addr_parse(badaddr[i], &a, &cause) == -1 &&
			    cause != NULL && strstr(cause, "invalid port") !=
			    NULL, desc);
			free(cause);
		}
	}
	return tap_done();
}
