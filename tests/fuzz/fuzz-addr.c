/* SPDX-License-Identifier: ISC */
/*
 * fuzz-addr.c -- listen addresses: any string is either refused with a
 * reason or parsed into a consistent address that conflicts with and
 * equals itself.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>

#include <string.h>

#include "addr.h"
#include "fuzz.h"

FUZZ_TARGET(addr)
{
	struct addr a;
	char	*s = fuzz_string(data, size), *cause = NULL;

	if (addr_parse(s, &a, &cause) == -1) {
		FUZZ_CHECK(cause != NULL && a.spec == NULL);
		free(cause);
		free(s);
		return 0;
	}
	FUZZ_CHECK(cause == NULL && strcmp(a.spec, s) == 0);
	FUZZ_CHECK(a.sslen > 0 && a.sslen <= sizeof(struct sockaddr_un));
	FUZZ_CHECK(addr_sockaddr(&a)->sa_family == a.family);
	FUZZ_CHECK(a.socktype == SOCK_STREAM || a.socktype == SOCK_DGRAM);
	if (a.family == AF_UNIX) {
		FUZZ_CHECK(a.socktype == SOCK_STREAM);
		FUZZ_CHECK(strlen(a.path) > 0 &&
		    strlen(a.path) <
		    sizeof(((struct sockaddr_un *)0)->sun_path));
		FUZZ_CHECK(a.abstract || a.path[0] == '/');
	} else {
		FUZZ_CHECK(a.family == AF_INET || a.family == AF_INET6);
		FUZZ_CHECK(addr_port(&a) != 0);
	}
	FUZZ_CHECK(addr_equal(&a, &a) && addr_conflict(&a, &a));
	{
		struct addr b;

		addr_copy(&b, &a);
		FUZZ_CHECK(addr_equal(&a, &b) && strcmp(a.spec, b.spec) == 0);
		addr_clear(&b);
	}
	addr_clear(&a);
	free(s);
	return 0;
}
