/* SPDX-License-Identifier: ISC */
/*
 * relay.h -- the splice(2) relay engine of handoff = proxy: moves bytes
 * between pairs of connected stream sockets through pipes, both ways,
 * in one epoll set, with bounded memory per connection.
 */
#ifndef ACTIVATOR_RELAY_H
#define ACTIVATOR_RELAY_H

#include <stddef.h>
#include <stdint.h>

struct relay;			/* opaque: owned by relay.c */

/*
 * A descriptor of the caller's in the relay's epoll set, so that one
 * descriptor (relay_fd) says when anything needs attention. The memory
 * is the caller's; CB runs from relay_run().
 */
struct relay_watch {
	int		 fd;
	void		(*cb)(struct relay_watch *, uint32_t events);
	void		*arg;
};

struct relay_stats {
	uint64_t	 conns;		/* live relayed connections */
	uint64_t	 total;		/* relayed since relay_new() */
	uint64_t	 bytes_in;	/* client to backend, delivered */
	uint64_t	 bytes_out;	/* backend to client, delivered */
};

/* Descriptors one connection may hold at most: 2 sockets, 2 pipes. */
#define RELAY_FDS_PER_CONN	6
/* Empty pipes kept for the next connection (each holds 2 descriptors). */
#define RELAY_POOL_MAX		64

/* Where the relay's warnings go: LEVEL is a syslog level. */
typedef void relay_log_fn(void *arg, int level, const char *msg);

struct relay	*relay_new(relay_log_fn *, void *arg, char **cause);
/* Readable when relay_run() has work. */
int		 relay_fd(const struct relay *);
/*
 * Relay between CLIENT and BACKEND (both non-blocking; BACKEND may still
 * be connecting). Takes both descriptors: on failure they are closed.
 */
int		 relay_add(struct relay *, int client, int backend,
		    int connecting);
void		 relay_run(struct relay *);
size_t		 relay_count(const struct relay *);
void		 relay_stats(const struct relay *, struct relay_stats *);
/* Move what can be moved without waiting, then close every connection. */
void		 relay_flush_close(struct relay *);
void		 relay_free(struct relay *);

int		 relay_watch_add(struct relay *, struct relay_watch *,
		    uint32_t events);
int		 relay_watch_mod(struct relay *, struct relay_watch *,
		    uint32_t events);
void		 relay_watch_del(struct relay *, struct relay_watch *);

#endif /* ACTIVATOR_RELAY_H */
