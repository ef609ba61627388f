/* SPDX-License-Identifier: ISC */
/*
 * idle.h -- idle-timeout: stop a running accept = no service after N
 * seconds without a connection, so the next client activates it again.
 * One shared 1 s timer looks at every running service that has one.
 */
#ifndef ACTIVATOR_IDLE_H
#define ACTIVATOR_IDLE_H

struct event_base;
struct idle;			/* opaque: owned by idle.c */

/* What the owner (service.c) does for the idle stop. */
struct idle_ops {
	/* 1: a connection or a client waiting; 0: none; -1: no answer
	   (logged by the callee; counts as busy). */
	int	(*busy)(void *arg);
	/* Freeze the tree (1) so nobody accepts; idle_frozen() answers.
	   Or thaw it (0). */
	void	(*freeze)(void *arg, int on);
	/* Stop it, frozen: the lifecycle goes back to listening. */
	void	(*stop)(void *arg);
};

void	 idle_init(struct event_base *);
/* Start watching NAME (not copied) for TIMEOUT seconds without a client. */
struct idle *idle_new(const char *name, int timeout, const struct idle_ops *,
	    void *arg);
/* Stop watching; thaws the tree if a freeze is under way. */
void	 idle_free(struct idle *);
int	 idle_timeout(const struct idle *);
/*
 * The supervisor froze the tree: RELAYS is its live relayed connections
 * (handoff = proxy; else 0), or -1 if the tree could not be frozen.
 */
void	 idle_frozen(struct idle *, long relays);

#endif /* ACTIVATOR_IDLE_H */
