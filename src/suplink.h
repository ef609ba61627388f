/* SPDX-License-Identifier: ISC */
/*
 * suplink.h -- the core's side of a per-service supervisor: starting it,
 * its socketpair, reaping it, and making sure it ends. A supervisor that
 * does not finish stopping in time is killed with its whole tree, and
 * whatever a supervisor that died abnormally left behind is stopped.
 */
#ifndef ACTIVATOR_SUPLINK_H
#define ACTIVATOR_SUPLINK_H

#include <sys/types.h>
#include <stdint.h>

#include "supervise.h"

struct event_base;
struct suplink;			/* opaque: owned by suplink.c */

struct suplink_ops {
	/* A record; FD came with it (SCM_RIGHTS) or is -1, the callee's. */
	void	(*msg)(void *arg, struct suplink *, const struct sup_msg *,
		    int fd);
	/* The supervisor was reaped; the link is freed after this. */
	void	(*gone)(void *arg, struct suplink *, int status);
};

void	 suplinks_init(struct event_base *);
struct suplink *suplink_start(const char *name, const struct sup_params *,
	    const struct suplink_ops *, void *arg, char **cause);
pid_t	 suplink_pid(const struct suplink *);
/* Pass an accepted connection; 0, or -1 with errno (FD is not closed). */
int	 suplink_send_conn(struct suplink *, int fd, uint32_t id,
	    const char *host, int port);
/* Stop the tree and exit; killed with its tree after STOP_TIMEOUT + 2 s. */
void	 suplink_stop(struct suplink *, int stop_timeout);
/* idle stop: freeze (1) or thaw (0) the tree; 0, or -1 and errno. */
int	 suplink_freeze(struct suplink *, int on);
/* handoff = bind: pending records now; start-timeout passed (0 or -1). */
void	 suplink_read_pending(struct suplink *);
int	 suplink_claim_timeout(struct suplink *);
/* Take no more connections; exit once no process is left. */
void	 suplink_drain(struct suplink *);
/* A reaped child: 1 if it was a supervisor or an orphan we stop. */
int	 suplinks_reaped(pid_t, int status);
/* Supervisors, and orphans being stopped, still alive. */
size_t	 suplinks_busy(void);
/* A config was loaded: the spare (which knows the old ones) is replaced. */
void	 suplinks_config_changed(void);
/* Shutting down: the spare is killed and reaped, no new one is made. */
void	 suplinks_shutdown(void);
/* Forget everything: for exit. */
void	 suplinks_free(void);

#endif /* ACTIVATOR_SUPLINK_H */
