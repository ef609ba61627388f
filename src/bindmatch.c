/* SPDX-License-Identifier: ISC */
/*
 * bindmatch.c -- which listen address, if any, a program's bind(2)
 * claims. Pure functions of the addresses, so they are unit-tested
 * alone (tests/unit/t-bindmatch.c); bindtrap.c supplies what it read
 * from the program.
 *
 * The rule: same family, socket type, address and port, as the kernel
 * would see them. The `*` host of a tcp or udp spec is IPv4 in
 * activator, so it matches a bind of 0.0.0.0:PORT only. A bind of [::]:PORT matches
 * tcp://[::]:PORT with or without IPV6_V6ONLY: activator's IPv6 socket
 * is always IPv6-only, so a dual-stack program gets IPv6 only on it (its
 * IPv4 clients need the program to bind 0.0.0.0 too; see
 * activator.conf(5)). A unix path matches by its absolute form, a
 * relative one seen from the program's working directory.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"
#include "bindtrap.h"

#ifndef IPPROTO_MPTCP
#define IPPROTO_MPTCP	262
#endif

/* A TCP socket of ours serves a program's TCP or MPTCP socket. */
static int
proto_ok(const struct bind_sock *so)
{
	if (so->family == AF_UNIX)
		return so->protocol == 0;
	if (so->type == SOCK_STREAM)
		return so->protocol == 0 || so->protocol == IPPROTO_TCP ||
		    so->protocol == IPPROTO_MPTCP;
	return so->protocol == 0 || so->protocol == IPPROTO_UDP;
}

/*
 * PATH (PATHLEN bytes, not necessarily terminated) made absolute from
 * CWD and normalized lexically: no empty, "." or ".." component. 0, or
 * -1 if it does not fit OUT or is relative with no CWD.
 */
int
bindmatch_path(const char *cwd, const char *path, size_t pathlen, char *out,
    size_t outlen)
{
	char	 buf[2 * sizeof(((struct sockaddr_un *)0)->sun_path) + 4096];
	size_t	 n = 0, i, len, o = 0;
	const char *c;

	if (pathlen == 0 || (path[0] != '/' && cwd == NULL))
		return -1;
	if (path[0] != '/') {
		len = strlen(cwd);
		if (len + 1 >= sizeof buf)
			return -1;
		memcpy(buf, cwd, len);
		buf[len] = '/';
		n = len + 1;
	}
	if (n + pathlen >= sizeof buf)
		return -1;
	memcpy(buf + n, path, pathlen);
	n += pathlen;
	buf[n] = '\0';

	/* Walk the components of buf, writing the kept ones to out. */
	for (i = 0; i < n; ) {
		while (i < n && buf[i] == '/')
			i++;
		if (i >= n)
			break;
		c = buf + i;
		for (len = 0; i < n && buf[i] != '/'; i++)
			len++;
		if (len == 1 && c[0] == '.')
			continue;
		if (len == 2 && c[0] == '.' && c[1] == '.') {
			while (o > 0 && out[o - 1] != '/')
				o--;
			if (o > 0)
				o--;	/* the slash before it */
			continue;
		}
		if (o + 1 + len + 1 > outlen)
			return -1;
		out[o++] = '/';
		memcpy(out + o, c, len);
		o += len;
	}
	if (o == 0) {
		if (outlen < 2)
			return -1;
		out[o++] = '/';
	}
	out[o] = '\0';
	return 0;
}

static int
match_inet(const struct addr *a, const struct sockaddr *sa, socklen_t len)
{
	const struct sockaddr_in *want = &a->u.sin;
	struct sockaddr_in sin;

	if (len < (socklen_t)sizeof sin)
		return 0;
	memcpy(&sin, sa, sizeof sin);
	/* Linux takes AF_UNSPEC with INADDR_ANY as AF_INET, for old code. */
	if (sin.sin_family == AF_UNSPEC && sin.sin_addr.s_addr != INADDR_ANY)
		return 0;
	return sin.sin_port == want->sin_port &&
	    sin.sin_addr.s_addr == want->sin_addr.s_addr;
}

static int
match_inet6(const struct addr *a, const struct sockaddr *sa, socklen_t len)
{
	const struct sockaddr_in6 *want = &a->u.sin6;
	struct sockaddr_in6 sin6;

	/* The kernel accepts the 24-byte RFC 2133 form, without scope. */
	if (len < (socklen_t)offsetof(struct sockaddr_in6, sin6_scope_id))
		return 0;
	memset(&sin6, 0, sizeof sin6);
	memcpy(&sin6, sa, len < (socklen_t)sizeof sin6 ? len : sizeof sin6);
	if (sin6.sin6_family != AF_INET6)
		return 0;
	return sin6.sin6_port == want->sin6_port &&
	    memcmp(&sin6.sin6_addr, &want->sin6_addr,
	    sizeof sin6.sin6_addr) == 0;
}

static int
match_unix(const struct addr *a, const struct sockaddr *sa, socklen_t len,
    const char *cwd)
{
	const struct sockaddr_un *sun = (const struct sockaddr_un *)sa;
	size_t	 off = offsetof(struct sockaddr_un, sun_path), n;
	char	 abs[sizeof sun->sun_path + 4096], want[sizeof abs];

	if ((size_t)len <= off || sa->sa_family != AF_UNIX)
		return 0;	/* autobind: never a held name */
	n = (size_t)len - off;
	if (n > sizeof sun->sun_path)
		return 0;
	if (sun->sun_path[0] == '\0') {
		/* Abstract: the bytes after the NUL, length exact. */
		return a->abstract && n - 1 == strlen(a->path) &&
		    memcmp(sun->sun_path + 1, a->path, n - 1) == 0;
	}
	if (a->abstract)
		return 0;
	n = strnlen(sun->sun_path, n);
	if (bindmatch_path(cwd, sun->sun_path, n, abs, sizeof abs) == -1 ||
	    bindmatch_path(NULL, a->path, strlen(a->path), want,
	    sizeof want) == -1)
		return 0;
	return strcmp(abs, want) == 0;
}

/*
 * Which of the N listen addresses a bind of SA (LEN bytes, as passed by
 * the program) on a socket described by SO claims: its index, or -1.
 */
int
bindmatch(const struct addr *listen, size_t n, const struct bind_sock *so,
    const struct sockaddr *sa, socklen_t len, const char *cwd)
{
	size_t	 i;
	int	 m;

	if (len < (socklen_t)sizeof(sa_family_t) || !proto_ok(so))
		return -1;
	for (i = 0; i < n; i++) {
		const struct addr *a = &listen[i];
		if (a->family != so->family || a->socktype != so->type)
			continue;
		switch (a->family) {
		case AF_INET:
			m = (sa->sa_family == AF_INET ||
			    sa->sa_family == AF_UNSPEC) &&
			    match_inet(a, sa, len);
			break;
		case AF_INET6:
			m = match_inet6(a, sa, len);
			break;
		case AF_UNIX:
			m = match_unix(a, sa, len, cwd);
			break;
		default:
			m = 0;
		}
		if (m)
			return (int)i;
	}
	return -1;
}

/* The bind as a listen spec would say it, for logs and warnings. */
void
bindmatch_format(const struct bind_sock *so, const struct sockaddr *sa,
    socklen_t len, char *buf, size_t buflen)
{
	const char *proto = so->type == SOCK_DGRAM ? "udp" : "tcp";
	char	 host[INET6_ADDRSTRLEN];

	if (so->family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;
		inet_ntop(AF_INET, &sin->sin_addr, host, sizeof host);
		snprintf(buf, buflen, "%s://%s:%u", proto, host,
		    ntohs(sin->sin_port));
	} else if (so->family == AF_INET6 && len >=
	    (socklen_t)offsetof(struct sockaddr_in6, sin6_scope_id)) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
		inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof host);
		snprintf(buf, buflen, "%s://[%s]:%u%s", proto, host,
		    ntohs(s6->sin6_port), so->v6only ? "" : " (dual-stack)");
	} else if (so->family == AF_UNIX && sa->sa_family == AF_UNIX &&
	    (size_t)len > offsetof(struct sockaddr_un, sun_path)) {
		const struct sockaddr_un *sun = (const struct sockaddr_un *)sa;
		size_t n = (size_t)len - offsetof(struct sockaddr_un, sun_path);
		if (n > sizeof sun->sun_path)
			n = sizeof sun->sun_path;
		if (sun->sun_path[0] == '\0')
			snprintf(buf, buflen, "unix:@%.*s", (int)(n - 1),
			    sun->sun_path + 1);
		else
			snprintf(buf, buflen, "unix:%.*s",
			    (int)strnlen(sun->sun_path, n), sun->sun_path);
	} else
		snprintf(buf, buflen, "family %d", so->family);
}
