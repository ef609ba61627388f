/* SPDX-License-Identifier: ISC */
/*
 * instance.h -- accept = yes: the core's side of per-connection
 * instances. The core accepts and applies deny, allow, max-per-source
 * and max-instances; the service's supervisor spawns the instance.
 */
#ifndef ACTIVATOR_INSTANCE_H
#define ACTIVATOR_INSTANCE_H

#include <sys/types.h>
#include <stddef.h>
#include <stdint.h>

struct event_base;
struct service_conf;
struct suplink;
struct instances;		/* opaque: owned by instance.c */

/* Called when accepting may resume or must pause. */
typedef void instances_watch_fn(void *arg, int on);

struct instances *instances_new(struct event_base *, const char *name,
		    instances_watch_fn *, void *arg);
void		 instances_free(struct instances *);
void		 instances_set_conf(struct instances *,
		    const struct service_conf *);
/* Accept a batch from FD and pass each connection to LINK. */
void		 instances_accept(struct instances *, int fd, struct suplink *);
/* Under max-instances and not backing off: the sockets may be watched. */
int		 instances_may_accept(const struct instances *);
/* Out of resources: stop accepting for a growing back-off. */
void		 instances_pause(struct instances *, const char *why);
/* What the supervisor reported. */
void		 instances_spawned(struct instances *, uint32_t id, pid_t);
void		 instances_spawn_failed(struct instances *, uint32_t id, int err,
		    const char *cause);
/* The instance PID ended with STATUS (wait status, -1 if unknown). */
int		 instances_exited(struct instances *, pid_t, int status);
/* LINK is gone: its instances with it. */
void		 instances_forget(struct instances *, const struct suplink *);
size_t		 instances_live(const struct instances *);
pid_t		 instances_pid(const struct instances *, size_t i);
unsigned long	 instances_accepted(const struct instances *);
unsigned long	 instances_refused(const struct instances *);
unsigned long	 instances_started(const struct instances *);

/* Why a connection was closed unserved: the metrics' reason label. */
enum instances_refusal {
	REFUSED_DENY,		/* a deny rule matched the peer */
	REFUSED_ALLOW,		/* allow is set and none matched */
	REFUSED_MAX_PER_SOURCE,
	REFUSED_ERROR,		/* it could not reach the supervisor */
	REFUSED_NREASONS,
};
const char	*instances_refusal_name(enum instances_refusal);
unsigned long	 instances_refused_by(const struct instances *,
		    enum instances_refusal);

#endif /* ACTIVATOR_INSTANCE_H */
