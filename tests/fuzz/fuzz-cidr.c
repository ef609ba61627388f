/* SPDX-License-Identifier: ISC */
/*
 * fuzz-cidr.c -- allow/deny prefixes: any string is either refused with
 * a reason or parsed into a prefix of a valid length, with its host bits
 * clear, that matches its own network address.
 */
#include "config.h"

#include <sys/socket.h>
#include <netinet/in.h>

#include <string.h>

#include "addr.h"
#include "fuzz.h"

FUZZ_TARGET(cidr)
{
	struct cidr c;
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	char	*s = fuzz_string(data, size), *cause = NULL;
	int	 bits, i;

	if (cidr_parse(s, &c, &cause) == -1) {
		FUZZ_CHECK(cause != NULL);
		free(cause);
		free(s);
		return 0;
	}
	FUZZ_CHECK(cause == NULL);
	FUZZ_CHECK(c.family == AF_INET || c.family == AF_INET6);
	bits = c.family == AF_INET ? 32 : 128;
	FUZZ_CHECK(c.prefix >= 0 && c.prefix <= bits);
	for (i = c.prefix; i < bits; i++)
		FUZZ_CHECK((c.bytes[i / 8] & (0x80 >> (i % 8))) == 0);
	if (c.family == AF_INET) {
		memset(&sin, 0, sizeof sin);
		sin.sin_family = AF_INET;
		memcpy(&sin.sin_addr, c.bytes, 4);
		FUZZ_CHECK(cidr_match(&c, (struct sockaddr *)&sin));
	} else {
		memset(&sin6, 0, sizeof sin6);
		sin6.sin6_family = AF_INET6;
		memcpy(&sin6.sin6_addr, c.bytes, 16);
		FUZZ_CHECK(cidr_match(&c, (struct sockaddr *)&sin6));
	}
	free(s);
	return 0;
}
