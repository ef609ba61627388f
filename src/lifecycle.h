/* SPDX-License-Identifier: ISC */
/*
 * lifecycle.h -- a service's state machine, on its own: events in,
 * actions out through a table of operations. No process, socket or timer
 * is touched here, so every transition can be driven by a unit test.
 */
#ifndef ACTIVATOR_LIFECYCLE_H
#define ACTIVATOR_LIFECYCLE_H

#include <stddef.h>

#include "service.h"

/*
 * The internal states. Each STOPPING state carries what comes once the
 * tree is gone, so no side flag has to remember it.
 */
enum lc_state {
	LC_LISTENING,		/* idle: sockets watched */
	LC_STARTING,		/* launched, not ready yet */
	LC_RUNNING,		/* ready: the daemon owns the sockets */
	LC_STOP_EXITED,		/* main ended cleanly: restart policy next */
	LC_STOP_CRASHED,	/* main ended badly: restart policy next */
	LC_STOP_START_FAILED,	/* the start failed: hold-off next */
	LC_STOP_TO_STOPPED,	/* operator stop: stopped next */
	LC_STOP_TO_RESTART,	/* operator restart: start again next */
	LC_STOP_TO_REMOVE,	/* removed by reload: gone next */
	LC_FAILED,		/* held off after a failure */
	LC_STOPPED,		/* stopped by the operator: sockets closed */
	LC_REMOVED,		/* removed by reload; nothing left */
	LC_STOP_IDLE,		/* idle-timeout: listening next */
};

enum lc_event {
	LE_ACTIVITY,		/* a client on a socket */
	LE_READY,		/* supervisor: the service is ready */
	LE_START_FAILED,	/* supervisor: the start failed */
	LE_MAIN_EXITED,		/* supervisor: the main process ended */
	LE_SUP_GONE,		/* the supervisor process ended */
	LE_TIMER,		/* start-timeout or hold-off expired */
	LE_START,		/* operator verbs */
	LE_STOP,
	LE_RESTART,
	LE_REMOVE,		/* reload dropped the service */
	LE_IDLE,		/* idle-timeout passed (idle.c) */
};

/* What the machine asks its owner to do. */
struct lc_ops {
	/* 0; -1: failed; -2: short of resources, accepting paused */
	int	(*launch)(void *arg, const char *why);
	void	(*stop_tree)(void *arg);	/* ask the supervisor to stop */
	void	(*accept)(void *arg);		/* accept = yes: take clients */
	void	(*watch)(void *arg, int on);
	int	(*open_sockets)(void *arg);	/* 0 or -1 */
	void	(*close_sockets)(void *arg);
	void	(*timer)(void *arg, int secs);	/* <0: disarm */
	void	(*set_error)(void *arg, const char *msg);
	double	(*now)(void *arg);		/* monotonic seconds */
	/* The state `status` shows changed; may be NULL. */
	void	(*changed)(void *arg, enum service_state from,
		    enum service_state to);
};

struct lc_limits {
	int	 accept;
	int	 restart;		/* enum restart_policy */
	int	 start_timeout;
	int	 start_limit_burst;
	int	 start_limit_interval;
	int	 type;			/* enum service_type */
	int	 has_pidfile;
};

struct lifecycle {
	const char	*name;
	enum lc_state	 state;
	struct lc_limits lim;
	const struct lc_ops *ops;
	void		*arg;
	int		 sup_running;	/* a supervisor exists */
	int		 holdoff;	/* seconds of the last hold-off */
	double		*starts;	/* recent start times */
	size_t		 nstarts;
	unsigned long	 launches;	/* supervisor starts */
	unsigned long	 restarts;	/* by the policy or the operator */
	double		 since;		/* last change of the shown state */
};

void	lc_init(struct lifecycle *, const char *name, const struct lc_ops *,
	    void *arg);
void	lc_free(struct lifecycle *);
/*
 * Feed one event. For LE_MAIN_EXITED and LE_SUP_GONE, BAD says whether
 * the process ended badly (a non-zero exit, a signal, an abnormal end).
 * For the operator verbs, -1 means the action failed (sockets).
 */
int	lc_event(struct lifecycle *, enum lc_event, int bad);
enum service_state lc_shown(enum lc_state);
const char *lc_state_name(enum lc_state);
const char *lc_event_name(enum lc_event);

#endif /* ACTIVATOR_LIFECYCLE_H */
