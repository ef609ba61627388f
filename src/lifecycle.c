/* SPDX-License-Identifier: ISC */
/*
 * lifecycle.c -- the service lifecycle of DESIGN.md as one function,
 * lc_event(): a switch on the state, then on the event. Start limits and
 * hold-offs are decided here too, on the monotonic clock the owner
 * gives. Everything with a side effect goes through struct lc_ops.
 */
#include "config.h"

#include <stdlib.h>

#include "conf.h"
#include "lifecycle.h"
#include "log.h"
#include "xmalloc.h"

#define HOLDOFF_MAX	60	/* seconds */

static const char *const state_names[] = {
	[LC_LISTENING] = "listening",
	[LC_STARTING] = "starting",
	[LC_RUNNING] = "running",
	[LC_STOP_EXITED] = "stopping (exited)",
	[LC_STOP_CRASHED] = "stopping (crashed)",
	[LC_STOP_START_FAILED] = "stopping (start failed)",
	[LC_STOP_TO_STOPPED] = "stopping (to stopped)",
	[LC_STOP_TO_RESTART] = "stopping (to restart)",
	[LC_STOP_TO_REMOVE] = "stopping (removed)",
	[LC_FAILED] = "failed",
	[LC_STOPPED] = "stopped",
	[LC_REMOVED] = "removed",
	[LC_STOP_IDLE] = "stopping (idle)",
};

static const char *const event_names[] = {
	[LE_ACTIVITY] = "activity",
	[LE_READY] = "ready",
	[LE_START_FAILED] = "start failed",
	[LE_MAIN_EXITED] = "main exited",
	[LE_SUP_GONE] = "supervisor gone",
	[LE_TIMER] = "timer",
	[LE_START] = "start",
	[LE_STOP] = "stop",
	[LE_RESTART] = "restart",
	[LE_REMOVE] = "remove",
	[LE_IDLE] = "idle",
};

const char *
lc_state_name(enum lc_state st)
{
	return (size_t)st < sizeof state_names / sizeof state_names[0] &&
	    state_names[st] != NULL ? state_names[st] : "?";
}

const char *
lc_event_name(enum lc_event ev)
{
	return (size_t)ev < sizeof event_names / sizeof event_names[0] &&
	    event_names[ev] != NULL ? event_names[ev] : "?";
}

/* What `status` shows for each internal state. */
enum service_state
lc_shown(enum lc_state st)
{
	switch (st) {
	case LC_LISTENING:
		return SERVICE_LISTENING;
	case LC_STARTING:
		return SERVICE_STARTING;
	case LC_RUNNING:
		return SERVICE_RUNNING;
	case LC_STOP_EXITED:
	case LC_STOP_CRASHED:
	case LC_STOP_START_FAILED:
	case LC_STOP_TO_STOPPED:
	case LC_STOP_TO_RESTART:
	case LC_STOP_TO_REMOVE:
	case LC_STOP_IDLE:
		return SERVICE_STOPPING;
	case LC_FAILED:
		return SERVICE_FAILED;
	case LC_STOPPED:
	case LC_REMOVED:
		return SERVICE_STOPPED;
	}
	return SERVICE_STOPPED;
}

void
lc_init(struct lifecycle *lc, const char *name, const struct lc_ops *ops,
    void *arg)
{
	lc->name = name;
	lc->state = LC_LISTENING;
	lc->ops = ops;
	lc->arg = arg;
	lc->since = ops->now(arg);
}

void
lc_free(struct lifecycle *lc)
{
	free(lc->starts);
	lc->starts = NULL;
	lc->nstarts = 0;
}

/* Every transition passes here: the one place that tells a watcher. */
static void
lc_set(struct lifecycle *lc, enum lc_state st)
{
	enum service_state from = lc_shown(lc->state), to = lc_shown(st);

	lc->state = st;
	if (from == to)
		return;
	log_info("%s: %s -> %s", lc->name, service_state_name(from),
	    service_state_name(to));
	lc->since = lc->ops->now(lc->arg);
	if (lc->ops->changed != NULL)
		lc->ops->changed(lc->arg, from, to);
}

/* failed, for a hold-off that doubles from 1 s up to a minute. */
static void
lc_hold_off(struct lifecycle *lc)
{
	lc->holdoff = lc->holdoff == 0 ? 1 : (lc->holdoff * 2 > HOLDOFF_MAX ?
	    HOLDOFF_MAX : lc->holdoff * 2);
	log_warnx("%s: holding off for %d s", lc->name, lc->holdoff);
	lc->ops->watch(lc->arg, 0);
	lc_set(lc, LC_FAILED);
	lc->ops->timer(lc->arg, lc->holdoff);
}

/* Forget all but the newest starts, so that exactly one more may follow. */
static void
lc_allow_one_start(struct lifecycle *lc)
{
	size_t	keep = lc->lim.start_limit_burst > 0 ?
	    (size_t)lc->lim.start_limit_burst - 1 : 0;

	if (lc->nstarts > keep) {
		size_t i, drop = lc->nstarts - keep;
		for (i = 0; i < keep; i++)
			lc->starts[i] = lc->starts[i + drop];
		lc->nstarts = keep;
	}
}

/*
 * More than start-limit-burst starts within start-limit-interval puts
 * the service in failed with a hold-off: never a busy loop.
 */
static int
lc_may_start(struct lifecycle *lc)
{
	double	 now = lc->ops->now(lc->arg);
	size_t	 i, kept = 0;

	for (i = 0; i < lc->nstarts; i++)
		if (now - lc->starts[i] < lc->lim.start_limit_interval)
			lc->starts[kept++] = lc->starts[i];
	lc->nstarts = kept;
	if ((int)lc->nstarts >= lc->lim.start_limit_burst) {
		log_warnx("%s: started %zu times in %d s", lc->name,
		    lc->nstarts, lc->lim.start_limit_interval);
		return 0;
	}
	lc->starts = xreallocarray(lc->starts, lc->nstarts + 1,
	    sizeof *lc->starts);
	lc->starts[lc->nstarts++] = now;
	return 1;
}

/*
 * Launch the supervisor. For accept = no the service is starting then;
 * for accept = yes it stays listening, the supervisor spawns instances.
 */
static void
lc_launch(struct lifecycle *lc, const char *why)
{
	if (lc->sup_running)
		return;
	if (!lc_may_start(lc)) {
		lc_hold_off(lc);
		return;
	}
	switch (lc->ops->launch(lc->arg, why)) {
	case -1:
		/* fork failing means pressure: retry later, not in a loop */
		lc_hold_off(lc);
		return;
	case -2:
		/* accept = yes, short of resources: paused, not failed */
		lc->nstarts--;
		return;
	}
	lc->sup_running = 1;
	lc->launches++;
	if (lc->lim.accept) {
		lc_set(lc, LC_LISTENING);
		return;
	}
	lc->ops->watch(lc->arg, 0);
	lc_set(lc, LC_STARTING);
	lc->ops->timer(lc->arg, lc->lim.start_timeout);
}

static void
lc_listen(struct lifecycle *lc)
{
	lc_set(lc, LC_LISTENING);
	lc->ops->watch(lc->arg, 1);
}

/* Into a stopping state: the supervisor stops the tree, then exits. */
static void
lc_stop(struct lifecycle *lc, enum lc_state next)
{
	lc->ops->timer(lc->arg, -1);
	lc->ops->watch(lc->arg, 0);
	lc_set(lc, next);
	lc->ops->stop_tree(lc->arg);
}

/* The tree is gone: what its stopping state said comes next. */
static void
lc_tree_gone(struct lifecycle *lc, int bad)
{
	enum lc_state was = lc->state;

	lc->sup_running = 0;
	lc->ops->timer(lc->arg, -1);
	switch (was) {
	case LC_STARTING:
	case LC_STOP_START_FAILED:
		lc_hold_off(lc);
		return;
	case LC_RUNNING:
	case LC_STOP_EXITED:
	case LC_STOP_CRASHED:
		if (lc->lim.accept) {
			lc_listen(lc);
			return;
		}
		lc_set(lc, LC_LISTENING);
		if (lc->lim.restart == RESTART_ALWAYS ||
		    (lc->lim.restart == RESTART_ON_FAILURE &&
		    (bad || was == LC_STOP_CRASHED))) {
			lc->restarts++;
			lc_launch(lc, "restart policy");
		}
		if (lc->state == LC_LISTENING)
			lc->ops->watch(lc->arg, 1);
		return;
	case LC_LISTENING:
		/* accept = yes: the supervisor of the instances ended */
		lc->ops->watch(lc->arg, 1);
		return;
	case LC_STOP_TO_STOPPED:
		lc->ops->close_sockets(lc->arg);
		lc_set(lc, LC_STOPPED);
		return;
	case LC_STOP_TO_RESTART:
		lc->restarts++;
		if (lc->lim.accept) {
			lc_listen(lc);
			return;
		}
		lc_set(lc, LC_LISTENING);
		lc_launch(lc, "restart");
		if (lc->state == LC_LISTENING)
			lc->ops->watch(lc->arg, 1);
		return;
	case LC_STOP_TO_REMOVE:
		lc_set(lc, LC_REMOVED);
		return;
	case LC_STOP_IDLE:
		/* Not a failure nor an end: no restart policy applies. */
		lc_listen(lc);
		return;
	case LC_FAILED:
	case LC_STOPPED:
	case LC_REMOVED:
		return;
	}
}

/* start (operator): clears failed and stopped, pre-warms accept = no. */
static int
lc_operator_start(struct lifecycle *lc)
{
	lc->holdoff = 0;
	lc_allow_one_start(lc);
	lc->ops->timer(lc->arg, -1);
	if (lc->ops->open_sockets(lc->arg) == -1) {
		lc->ops->close_sockets(lc->arg);
		lc_set(lc, LC_STOPPED);
		return -1;
	}
	lc_set(lc, LC_LISTENING);
	if (!lc->lim.accept)
		lc_launch(lc, "operator start");
	if (lc->state == LC_LISTENING)
		lc->ops->watch(lc->arg, 1);
	return 0;
}

int
lc_event(struct lifecycle *lc, enum lc_event ev, int bad)
{
	log_debug("%s: event %s in %s", lc->name, lc_event_name(ev),
	    lc_state_name(lc->state));
	switch (lc->state) {
	case LC_LISTENING:
		switch (ev) {
		case LE_ACTIVITY:
			if (!lc->lim.accept) {
				lc_launch(lc, "activity on a socket");
				return 0;
			}
			if (!lc->sup_running)
				lc_launch(lc, "first connection");
			if (lc->sup_running)
				lc->ops->accept(lc->arg);
			return 0;
		case LE_START:
		case LE_RESTART:
			if (lc->sup_running) {	/* accept = yes */
				if (ev == LE_RESTART)
					lc_stop(lc, LC_STOP_TO_RESTART);
				return 0;
			}
			return lc_operator_start(lc);
		case LE_STOP:
			if (lc->sup_running) {
				lc_stop(lc, LC_STOP_TO_STOPPED);
				return 0;
			}
			lc->ops->watch(lc->arg, 0);
			lc->ops->close_sockets(lc->arg);
			lc_set(lc, LC_STOPPED);
			return 0;
		case LE_REMOVE:
			if (lc->sup_running) {
				lc_stop(lc, LC_STOP_TO_REMOVE);
				return 0;
			}
			lc->ops->watch(lc->arg, 0);
			lc_set(lc, LC_REMOVED);
			return 0;
		case LE_SUP_GONE:
			lc_tree_gone(lc, bad);
			return 0;
		case LE_TIMER:
		case LE_READY:
		case LE_START_FAILED:
		case LE_MAIN_EXITED:
		case LE_IDLE:
			return 0;
		}
		break;

	case LC_STARTING:
		switch (ev) {
		case LE_READY:
			lc->ops->timer(lc->arg, -1);
			lc->holdoff = 0;
			lc_set(lc, LC_RUNNING);
			return 0;
		case LE_START_FAILED:
		case LE_TIMER:		/* start-timeout */
		case LE_MAIN_EXITED:
			lc_stop(lc, LC_STOP_START_FAILED);
			return 0;
		case LE_SUP_GONE:
			lc_tree_gone(lc, 1);
			return 0;
		case LE_STOP:
			lc_stop(lc, LC_STOP_TO_STOPPED);
			return 0;
		case LE_RESTART:
			lc_stop(lc, LC_STOP_TO_RESTART);
			return 0;
		case LE_REMOVE:
			lc_stop(lc, LC_STOP_TO_REMOVE);
			return 0;
		case LE_ACTIVITY:
			lc->ops->watch(lc->arg, 0);
			return 0;
		case LE_START:
		case LE_IDLE:
			return 0;
		}
		break;

	case LC_RUNNING:
		switch (ev) {
		case LE_MAIN_EXITED:
			lc_stop(lc, bad ? LC_STOP_CRASHED : LC_STOP_EXITED);
			return 0;
		case LE_SUP_GONE:
			lc_tree_gone(lc, 1);
			return 0;
		case LE_STOP:
			lc_stop(lc, LC_STOP_TO_STOPPED);
			return 0;
		case LE_RESTART:
			lc_stop(lc, LC_STOP_TO_RESTART);
			return 0;
		case LE_REMOVE:
			lc_stop(lc, LC_STOP_TO_REMOVE);
			return 0;
		case LE_ACTIVITY:
			lc->ops->watch(lc->arg, 0);
			return 0;
		case LE_START_FAILED:	/* a late report: the daemon ends */
			lc_stop(lc, LC_STOP_CRASHED);
			return 0;
		case LE_IDLE:		/* back to listening once it is down */
			lc_stop(lc, LC_STOP_IDLE);
			return 0;
		case LE_READY:
		case LE_TIMER:
		case LE_START:
			return 0;
		}
		break;

	case LC_STOP_EXITED:
	case LC_STOP_CRASHED:
	case LC_STOP_START_FAILED:
	case LC_STOP_TO_STOPPED:
	case LC_STOP_TO_RESTART:
	case LC_STOP_TO_REMOVE:
	case LC_STOP_IDLE:
		switch (ev) {
		case LE_SUP_GONE:
			lc_tree_gone(lc, bad);
			return 0;
		case LE_STOP:
			if (lc->state != LC_STOP_TO_REMOVE)
				lc_set(lc, LC_STOP_TO_STOPPED);
			return 0;
		case LE_START:
		case LE_RESTART:
			lc->holdoff = 0;
			lc_allow_one_start(lc);
			if (lc->state != LC_STOP_TO_REMOVE)
				lc_set(lc, LC_STOP_TO_RESTART);
			return 0;
		case LE_REMOVE:
			lc_set(lc, LC_STOP_TO_REMOVE);
			return 0;
		case LE_MAIN_EXITED:
			if (bad && lc->state == LC_STOP_EXITED)
				lc_set(lc, LC_STOP_CRASHED);
			return 0;
		case LE_ACTIVITY:
			lc->ops->watch(lc->arg, 0);
			return 0;
		case LE_READY:
		case LE_START_FAILED:
		case LE_TIMER:
		case LE_IDLE:
			return 0;
		}
		break;

	case LC_FAILED:
		switch (ev) {
		case LE_TIMER:
			log_info("%s: hold-off over", lc->name);
			lc_allow_one_start(lc);
			lc_set(lc, LC_LISTENING);
			if (lc->lim.restart != RESTART_ON_DEMAND &&
			    !lc->lim.accept)
				lc_launch(lc, "restart policy");
			if (lc->state == LC_LISTENING)
				lc->ops->watch(lc->arg, 1);
			return 0;
		case LE_START:
		case LE_RESTART:
			return lc_operator_start(lc);
		case LE_STOP:
			lc->ops->timer(lc->arg, -1);
			lc->ops->close_sockets(lc->arg);
			lc_set(lc, LC_STOPPED);
			return 0;
		case LE_REMOVE:
			lc->ops->timer(lc->arg, -1);
			lc_set(lc, LC_REMOVED);
			return 0;
		case LE_SUP_GONE:
			lc->sup_running = 0;
			return 0;
		case LE_ACTIVITY:
			lc->ops->watch(lc->arg, 0);
			return 0;
		case LE_READY:
		case LE_START_FAILED:
		case LE_MAIN_EXITED:
		case LE_IDLE:
			return 0;
		}
		break;

	case LC_STOPPED:
		switch (ev) {
		case LE_START:
		case LE_RESTART:
			return lc_operator_start(lc);
		case LE_REMOVE:
			lc_set(lc, LC_REMOVED);
			return 0;
		case LE_SUP_GONE:
			lc->sup_running = 0;
			return 0;
		case LE_ACTIVITY:
			lc->ops->watch(lc->arg, 0);
			return 0;
		case LE_STOP:
		case LE_READY:
		case LE_START_FAILED:
		case LE_MAIN_EXITED:
		case LE_TIMER:
		case LE_IDLE:
			return 0;
		}
		break;

	case LC_REMOVED:
		if (ev == LE_SUP_GONE)
			lc->sup_running = 0;
		return 0;
	}
	return 0;
}
