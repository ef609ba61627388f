/* SPDX-License-Identifier: ISC */
/*
 * proxy.h -- handoff = proxy in a service's supervisor: probe proxy-to
 * until the program answers there, then accept on the service's
 * listening sockets and hand each connection to the relay.
 */
#ifndef ACTIVATOR_PROXY_H
#define ACTIVATOR_PROXY_H

#include <stddef.h>

#include "relay.h"

struct service_conf;
struct proxy;			/* opaque: owned by proxy.c */

/* What the proxy tells its supervisor; each runs from proxy_run(). */
struct proxy_hooks {
	void	(*ready)(void *arg);		/* proxy-to answered */
	void	(*failed)(void *arg, const char *why);	/* it never did */
	void	(*stats)(void *arg, const struct relay_stats *);
	relay_log_fn *log;			/* a syslog level, a line */
	void	*arg;
};

/*
 * Take the listening sockets FDS (not accepted on until proxy-to
 * answers). start-timeout counts from here.
 */
struct proxy	*proxy_new(const struct service_conf *, const int *fds,
		    size_t nfds, const struct proxy_hooks *, char **cause);
/* Poll it for input; then call proxy_run(). */
int		 proxy_fd(const struct proxy *);
void		 proxy_run(struct proxy *);
/* The program is up by its type: connect to proxy-to until it answers. */
void		 proxy_probe(struct proxy *);
int		 proxy_ready(const struct proxy *);
/*
 * Idle stop: hold (1) or take (0) new clients; the live relayed
 * connections and clients waiting to be relayed.
 */
size_t		 proxy_hold(struct proxy *, int on);
/* Stop accepting; relayed connections go on until proxy_free(). */
void		 proxy_stop(struct proxy *);
/* Deliver what is here, close every connection, report, free. */
void		 proxy_free(struct proxy *);

/* The text of a stats report, and back (the core side). */
void		 proxy_stats_format(const struct relay_stats *, char *,
		    size_t);
int		 proxy_stats_parse(const char *, struct relay_stats *);

#endif /* ACTIVATOR_PROXY_H */
