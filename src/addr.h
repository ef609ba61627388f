/* SPDX-License-Identifier: ISC */
/* addr.h -- listen addresses and CIDR prefixes: parsing and matching. */
#ifndef ACTIVATOR_ADDR_H
#define ACTIVATOR_ADDR_H

#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>

/*
 * A parsed address, kept small: a service holds one per listen entry, and
 * with a thousand services a sockaddr_storage and a sun_path array in each
 * were most of activator's memory. The socket address is stored in its
 * family's own form: inet ones inline, a unix one allocated at its exact
 * length. Bind and connect with addr_sockaddr() and a->sslen; copy with
 * addr_copy(), never by assignment (the unix form is owned).
 */
struct addr {
	char		*spec;		/* as written in the config; owned */
	const char	*path;		/* AF_UNIX: path or abstract name,
					   NUL-terminated, inside u.sun;
					   NULL otherwise */
	union {
		struct sockaddr_in  sin;
		struct sockaddr_in6 sin6;
		struct sockaddr_un *sun;	/* AF_UNIX; owned, sslen + 1
						   bytes */
	} u;
	socklen_t	 sslen;
	unsigned char	 family;	/* AF_INET, AF_INET6 or AF_UNIX */
	unsigned char	 socktype;	/* SOCK_STREAM or SOCK_DGRAM */
	unsigned char	 wildcard;	/* any address of the family */
	unsigned char	 abstract;	/* unix:@name */
};

struct cidr {
	int		 family;	/* AF_INET or AF_INET6 */
	unsigned char	 bytes[16];	/* network, host bits cleared */
	int		 prefix;
};

int	 addr_parse(const char *spec, struct addr *, char **cause);
void	 addr_clear(struct addr *);
void	 addr_copy(struct addr *dst, const struct addr *src);
const struct sockaddr *addr_sockaddr(const struct addr *);
int	 addr_port(const struct addr *);
int	 addr_conflict(const struct addr *, const struct addr *);
int	 addr_equal(const struct addr *, const struct addr *);
int	 cidr_parse(const char *spec, struct cidr *, char **cause);
int	 cidr_match(const struct cidr *, const struct sockaddr *);
int	 parse_decimal(const char *s, long long min, long long max,
	    long long *out);
int	 sockaddr_format(const struct sockaddr *, char *host, size_t hostlen,
	    int *port);

#endif /* ACTIVATOR_ADDR_H */
