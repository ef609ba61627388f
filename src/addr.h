/* SPDX-License-Identifier: ISC */
/* addr.h -- listen addresses and CIDR prefixes: parsing and matching. */
#ifndef ACTIVATOR_ADDR_H
#define ACTIVATOR_ADDR_H

#include <sys/socket.h>
#include <sys/un.h>

struct addr {
	char		*spec;		/* as written in the config; owned */
	int		 family;	/* AF_INET, AF_INET6 or AF_UNIX */
	int		 socktype;	/* SOCK_STREAM or SOCK_DGRAM */
	int		 wildcard;	/* any address of the family */
	int		 abstract;	/* unix:@name */
	struct sockaddr_storage ss;
	socklen_t	 sslen;
	char		 path[sizeof(((struct sockaddr_un *)0)->sun_path)];
					/* unix path or abstract name */
};

struct cidr {
	int		 family;	/* AF_INET or AF_INET6 */
	unsigned char	 bytes[16];	/* network, host bits cleared */
	int		 prefix;
};

int	 addr_parse(const char *spec, struct addr *, char **cause);
void	 addr_clear(struct addr *);
int	 addr_conflict(const struct addr *, const struct addr *);
int	 addr_equal(const struct addr *, const struct addr *);
int	 cidr_parse(const char *spec, struct cidr *, char **cause);
int	 cidr_match(const struct cidr *, const struct sockaddr *);
int	 parse_decimal(const char *s, long long min, long long max,
	    long long *out);
int	 sockaddr_format(const struct sockaddr *, char *host, size_t hostlen,
	    int *port);

#endif /* ACTIVATOR_ADDR_H */
