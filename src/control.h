/* SPDX-License-Identifier: ISC */
/* control.h -- the status socket: one JSON reply line per request line. */
#ifndef ACTIVATOR_CONTROL_H
#define ACTIVATOR_CONTROL_H

#include <sys/types.h>

struct event_base;

/* Apply the configuration file again: 0, or -1 and a malloc'd *cause. */
typedef int control_reload_fn(char **cause);

/*
 * Take the singleton lock PATH.lock, then create the socket at PATH with
 * MODE and serve it on the base. -1 and a malloc'd *cause if another
 * activator holds the lock or PATH cannot be used; nothing is touched then.
 */
int	control_open(struct event_base *, const char *path, mode_t mode,
	    control_reload_fn *, char **cause);

/*
 * Close the listener and every client, unlink the socket if it is still
 * ours and release the lock. Safe to call from the reload callback: the
 * client that asked still gets its reply.
 */
void	control_close(void);

#endif /* ACTIVATOR_CONTROL_H */
