/* SPDX-License-Identifier: ISC */
/*
 * addr.c -- parse the address forms of activator.conf strictly (numeric
 * hosts only, decimal ports without leading zeros), decide when two
 * addresses would collide, and match peers against CIDR prefixes.
 * Creates no socket.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "xmalloc.h"

/*
 * Parse a decimal integer: an optional '-' (never "-0"), no leading zero
 * (except "0"), no blanks; 1 on success. Octal or hex spellings must not
 * sneak in. Overflow is caught before it happens, as out of any range.
 */
int
parse_decimal(const char *s, long long min, long long max, long long *out)
{
	long long v = 0;
	int	neg = 0;

	if (*s == '-') {
		neg = 1;
		s++;
	}
	if (!isdigit((unsigned char)*s) || (s[0] == '0' && s[1] != '\0'))
		return 0;
	for (; *s != '\0'; s++) {
		if (!isdigit((unsigned char)*s))
			return 0;
		if (v > (LLONG_MAX - (*s - '0')) / 10)
			return 0;	/* would overflow: out of any range */
		v = v * 10 + (*s - '0');
	}
	if (neg && v == 0)
		return 0;
	if (neg)
		v = -v;
	if (v < min || v > max)
		return 0;
	*out = v;
	return 1;
}

static int
parse_port(const char *s, struct addr *a, char **cause)
{
	long long port;

	if (!parse_decimal(s, 1, 65535, &port) || *s == '-') {
		xasprintf(cause, "invalid port '%s' in '%s' (1-65535, decimal)",
		    s, a->spec);
		return -1;
	}
	if (a->family == AF_INET)
		a->u.sin.sin_port = htons((uint16_t)port);
	else
		a->u.sin6.sin6_port = htons((uint16_t)port);
	return 0;
}

static int
parse_inet(const char *hostport, struct addr *a, char **cause)
{
	struct sockaddr_in *sin = &a->u.sin;
	struct sockaddr_in6 *sin6 = &a->u.sin6;
	char	 host[INET6_ADDRSTRLEN + 2];
	const char *port, *end;
	size_t	 len;

	if (hostport[0] == '[') {
		if ((end = strchr(hostport, ']')) == NULL || end[1] != ':') {
			xasprintf(cause, "invalid address '%s': expected "
			    "[IPV6]:PORT", a->spec);
			return -1;
		}
		len = (size_t)(end - hostport - 1);
		port = end + 2;
		if (len >= sizeof host)
			goto bad;
		memcpy(host, hostport + 1, len);
		host[len] = '\0';
		a->family = AF_INET6;
		sin6->sin6_family = AF_INET6;
		a->sslen = sizeof *sin6;
		if (inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1)
			goto bad;
		a->wildcard = IN6_IS_ADDR_UNSPECIFIED(&sin6->sin6_addr);
		return parse_port(port, a, cause);
	}
	if ((end = strrchr(hostport, ':')) == NULL || end == hostport) {
		xasprintf(cause, "invalid address '%s': expected HOST:PORT",
		    a->spec);
		return -1;
	}
	len = (size_t)(end - hostport);
	if (len >= sizeof host)
		goto bad;
	memcpy(host, hostport, len);
	host[len] = '\0';
	a->family = AF_INET;
	sin->sin_family = AF_INET;
	a->sslen = sizeof *sin;
	if (strcmp(host, "*") == 0) {
		sin->sin_addr.s_addr = htonl(INADDR_ANY);
		a->wildcard = 1;
	} else if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
		goto bad;
	else
		a->wildcard = sin->sin_addr.s_addr == htonl(INADDR_ANY);
	return parse_port(end + 1, a, cause);
bad:
	xasprintf(cause, "invalid address '%s': host must be a numeric IPv4 "
	    "address, *, or [IPv6]", a->spec);
	return -1;
}

/*
 * The sockaddr_un of NAME (LEN bytes) at its exact length, with a NUL
 * after the name either way, so that a->path is a C string.
 */
static void
unix_set(struct addr *a, const char *name, size_t len)
{
	size_t	 off = offsetof(struct sockaddr_un, sun_path) +
	    (a->abstract ? 1 : 0);
	char	*p;

	/* sun_path is declared as an array: write through a char *. */
	p = xcalloc(1, off + len + 1);
	a->u.sun = (struct sockaddr_un *)(void *)p;
	a->u.sun->sun_family = AF_UNIX;
	memcpy(p + off, name, len);
	a->path = p + off;
	/* A path's length counts its NUL; an abstract name's does not. */
	a->sslen = (socklen_t)(off + len + (a->abstract ? 0 : 1));
}

static int
parse_unix(const char *path, struct addr *a, char **cause)
{
	size_t	 len = strlen(path);
	const size_t max = sizeof(((struct sockaddr_un *)0)->sun_path) - 1;

	a->family = AF_UNIX;
	a->socktype = SOCK_STREAM;
	if (path[0] == '@') {
		a->abstract = 1;
		path++;
		len--;
		if (len == 0) {
			xasprintf(cause, "invalid address '%s': empty abstract "
			    "name", a->spec);
			return -1;
		}
		if (len > max) {
			xasprintf(cause, "invalid address '%s': name too long "
			    "(max %zu)", a->spec, max);
			return -1;
		}
		unix_set(a, path, len);
		return 0;
	}
	if (path[0] != '/') {
		xasprintf(cause, "invalid address '%s': unix path must be "
		    "absolute", a->spec);
		return -1;
	}
	if (len > max) {
		xasprintf(cause, "invalid address '%s': path too long "
		    "(max %zu)", a->spec, max);
		return -1;
	}
	unix_set(a, path, len);
	return 0;
}

/* Parse one listen address; on error *cause says why. */
int
addr_parse(const char *spec, struct addr *a, char **cause)
{
	memset(a, 0, sizeof *a);
	a->spec = xstrdup(spec);
	if (strncmp(spec, "tcp://", 6) == 0) {
		a->socktype = SOCK_STREAM;
		if (parse_inet(spec + 6, a, cause) == 0)
			return 0;
	} else if (strncmp(spec, "udp://", 6) == 0) {
		a->socktype = SOCK_DGRAM;
		if (parse_inet(spec + 6, a, cause) == 0)
			return 0;
	} else if (strncmp(spec, "unix:", 5) == 0) {
		if (spec[5] == '\0')
			xasprintf(cause, "invalid address '%s': empty unix "
			    "path", spec);
		else if (parse_unix(spec + 5, a, cause) == 0)
			return 0;
	} else
		xasprintf(cause, "invalid address '%s': expected tcp://, "
		    "udp:// or unix:", spec);
	addr_clear(a);
	return -1;
}

void
addr_clear(struct addr *a)
{
	free(a->spec);
	a->spec = NULL;
	if (a->family == AF_UNIX) {
		free(a->u.sun);
		a->u.sun = NULL;
		a->path = NULL;
	}
}

/* A deep copy: DST gets its own spec and unix address. */
void
addr_copy(struct addr *dst, const struct addr *src)
{
	*dst = *src;
	if (src->spec != NULL)
		dst->spec = xstrdup(src->spec);
	if (src->family == AF_UNIX && src->u.sun != NULL) {
		size_t	 off = (size_t)(src->path - (const char *)src->u.sun);
		size_t	 len = off + strlen(src->path) + 1;
		char	*p = xmalloc(len);

		memcpy(p, src->u.sun, len);
		dst->u.sun = (struct sockaddr_un *)(void *)p;
		dst->path = p + off;
	}
}

/* The socket address to bind or connect to, a->sslen bytes long. */
const struct sockaddr *
addr_sockaddr(const struct addr *a)
{
	if (a->family == AF_UNIX)
		return (const struct sockaddr *)a->u.sun;
	return (const struct sockaddr *)&a->u;
}

/* An inet address's port, host order; 0 for unix ones. */
int
addr_port(const struct addr *a)
{
	if (a->family == AF_INET)
		return ntohs(a->u.sin.sin_port);
	if (a->family == AF_INET6)
		return ntohs(a->u.sin6.sin6_port);
	return 0;
}

/* Same socket: same kind and byte-identical address. */
int
addr_equal(const struct addr *a, const struct addr *b)
{
	return a->family == b->family && a->socktype == b->socktype &&
	    a->sslen == b->sslen && memcmp(addr_sockaddr(a), addr_sockaddr(b),
	    a->sslen) == 0;
}

/*
 * Would binding both fail or steal each other's clients? IPv6 sockets are
 * always IPV6_V6ONLY, so [::] and 0.0.0.0 do not collide.
 */
int
addr_conflict(const struct addr *a, const struct addr *b)
{
	if (a->family != b->family || a->socktype != b->socktype)
		return 0;
	if (a->family == AF_UNIX)
		return a->abstract == b->abstract &&
		    strcmp(a->path, b->path) == 0;
	if (addr_port(a) != addr_port(b))
		return 0;
	return a->wildcard || b->wildcard || addr_equal(a, b);
}

/* Parse ADDR[/PREFIX]; a bare address is a host prefix. */
int
cidr_parse(const char *spec, struct cidr *c, char **cause)
{
	char	 host[INET6_ADDRSTRLEN];
	const char *slash = strchr(spec, '/');
	size_t	 len = slash != NULL ? (size_t)(slash - spec) : strlen(spec);
	long long prefix;
	int	 bits, i;

	memset(c, 0, sizeof *c);
	if (len >= sizeof host)
		goto bad;
	memcpy(host, spec, len);
	host[len] = '\0';
	if (inet_pton(AF_INET, host, c->bytes) == 1) {
		c->family = AF_INET;
		bits = 32;
	} else if (inet_pton(AF_INET6, host, c->bytes) == 1) {
		c->family = AF_INET6;
		bits = 128;
	} else
		goto bad;
	if (slash == NULL)
		prefix = bits;
	else if (!parse_decimal(slash + 1, 0, bits, &prefix))
		goto bad;
	/*
	 * Peers are matched as IPv4 when they are v4-mapped, so such a prefix
	 * would never match anything: say so rather than accept it.
	 */
	if (c->family == AF_INET6 && prefix >= 96 &&
	    IN6_IS_ADDR_V4MAPPED((struct in6_addr *)c->bytes)) {
		xasprintf(cause, "invalid address prefix '%s': an IPv4-mapped "
		    "prefix never matches, write the IPv4 prefix", spec);
		return -1;
	}
	c->prefix = (int)prefix;
	for (i = 0; i < bits; i++)
		if (i >= c->prefix)
			c->bytes[i / 8] &= (unsigned char)~(0x80 >> (i % 8));
	return 0;
bad:
	xasprintf(cause, "invalid address prefix '%s'", spec);
	return -1;
}

/* Does the peer address fall in the prefix? v4-mapped peers match IPv4. */
int
cidr_match(const struct cidr *c, const struct sockaddr *sa)
{
	const unsigned char *p;
	int	 family, i;

	if (sa->sa_family == AF_INET) {
		family = AF_INET;
		p = (const unsigned char *)
		    &((const struct sockaddr_in *)sa)->sin_addr;
	} else if (sa->sa_family == AF_INET6) {
		const struct in6_addr *in6 =
		    &((const struct sockaddr_in6 *)sa)->sin6_addr;
		if (IN6_IS_ADDR_V4MAPPED(in6)) {
			family = AF_INET;
			p = in6->s6_addr + 12;
		} else {
			family = AF_INET6;
			p = in6->s6_addr;
		}
	} else
		return 0;
	if (family != c->family)
		return 0;
	for (i = 0; i < c->prefix; i++) {
		int mask = 0x80 >> (i % 8);
		if ((p[i / 8] & mask) != (c->bytes[i / 8] & mask))
			return 0;
	}
	return 1;
}

/* Numeric host and port of an inet peer; -1 for other families. */
int
sockaddr_format(const struct sockaddr *sa, char *host, size_t hostlen,
    int *port)
{
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;
		inet_ntop(AF_INET, &sin->sin_addr, host, (socklen_t)hostlen);
		*port = ntohs(sin->sin_port);
		return 0;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
		inet_ntop(AF_INET6, &s6->sin6_addr, host, (socklen_t)hostlen);
		*port = ntohs(s6->sin6_port);
		return 0;
	}
	return -1;
}
