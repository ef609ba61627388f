/* SPDX-License-Identifier: ISC */
/*
 * t-service.c -- the lifecycle state machine, driven event by event with
 * fake operations: no process, socket or timer. Each case checks the
 * state reached and the exact operations asked for, in order, against
 * the lifecycle of DESIGN.md.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "lifecycle.h"
#include "log.h"
#include "tap.h"

struct fake {
	char	 ops[512];	/* "launch,watch0,timer30," */
	int	 launch_ret;
	int	 open_ret;
	double	 now;
};

/* "OPn," for an operation with a number. */
static void
rec(struct fake *f, const char *op, int v)
{
	size_t	n = strlen(f->ops);

	snprintf(f->ops + n, sizeof f->ops - n, "%s%d,", op, v);
}

static void
rec0(void *arg, const char *op)
{
	struct fake *f = arg;
	size_t	n = strlen(f->ops);

	snprintf(f->ops + n, sizeof f->ops - n, "%s,", op);
}

static int
f_launch(void *arg, const char *why)
{
	struct fake *f = arg;

	(void)why;
	rec0(f, "launch");
	return f->launch_ret;
}

static void
f_stop_tree(void *arg)
{
	rec0(arg, "stop");
}

static void
f_accept(void *arg)
{
	rec0(arg, "accept");
}

static void
f_watch(void *arg, int on)
{
	rec(arg, "watch", on);
}

static int
f_open(void *arg)
{
	struct fake *f = arg;

	rec0(f, "open");
	return f->open_ret;
}

static void
f_close(void *arg)
{
	rec0(arg, "close");
}

static void
f_timer(void *arg, int secs)
{
	rec(arg, "timer", secs);
}

static void
f_set_error(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

static double
f_now(void *arg)
{
	return ((struct fake *)arg)->now;
}

static const struct lc_ops fake_ops = {
	f_launch, f_stop_tree, f_accept, f_watch, f_open, f_close, f_timer,
	f_set_error, f_now,
	NULL,		/* changed: nothing watches */
};

static struct fake F;
static struct lifecycle LC;

/* A fresh machine in STATE (set directly: each case starts from there). */
static void
setup(int accept, int restart, enum lc_state state, int sup_running)
{
	lc_free(&LC);
	memset(&F, 0, sizeof F);
	F.now = 1000;
	memset(&LC, 0, sizeof LC);
	lc_init(&LC, "svc", &fake_ops, &F);
	LC.lim.accept = accept;
	LC.lim.restart = restart;
	LC.lim.start_timeout = 30;
	LC.lim.start_limit_burst = 5;
	LC.lim.start_limit_interval = 10;
	LC.state = state;
	LC.sup_running = sup_running;
}

/* Feed EV; expect state WANT and exactly the operations OPS. */
static void
step(enum lc_event ev, int bad, enum lc_state want, const char *ops,
    const char *desc)
{
	char	 name[256];
	enum lc_state from = LC.state;

	F.ops[0] = '\0';
	lc_event(&LC, ev, bad);
	snprintf(name, sizeof name, "%s: %s + %s -> %s", desc,
	    lc_state_name(from), lc_event_name(ev), lc_state_name(want));
	if (!tap_ok(LC.state == want && strcmp(F.ops, ops) == 0, name))
		printf("#   got state '%s', ops '%s'; expected ops '%s'\n",
		    lc_state_name(LC.state), F.ops, ops);
}

static void
test_accept_no(void)
{
	/* Activation. */
	setup(0, RESTART_ON_DEMAND, LC_LISTENING, 0);
	step(LE_ACTIVITY, 0, LC_STARTING, "launch,watch0,timer30,",
	    "a client launches the service");
	tap_is_int(LC.sup_running, 1, "a supervisor runs");
	tap_is_int((long long)LC.launches, 1, "one launch counted");
	step(LE_ACTIVITY, 0, LC_STARTING, "watch0,", "clients while starting "
	    "wait in the backlog");
	step(LE_START, 0, LC_STARTING, "", "start while starting does nothing");
	step(LE_READY, 0, LC_RUNNING, "timer-1,", "ready");
	step(LE_READY, 0, LC_RUNNING, "", "a second ready changes nothing");
	step(LE_ACTIVITY, 0, LC_RUNNING, "watch0,", "activity while running");

	setup(0, RESTART_ON_DEMAND, LC_LISTENING, 0);
	F.launch_ret = -1;
	step(LE_ACTIVITY, 0, LC_FAILED, "launch,watch0,timer1,",
	    "a supervisor that cannot be created: hold-off");

	/* Start failures. */
	setup(0, RESTART_ON_DEMAND, LC_STARTING, 1);
	step(LE_START_FAILED, 1, LC_STOP_START_FAILED, "timer-1,watch0,stop,",
	    "start failed");
	step(LE_SUP_GONE, 0, LC_FAILED, "timer-1,watch0,timer1,",
	    "then held off");
	setup(0, RESTART_ON_DEMAND, LC_STARTING, 1);
	step(LE_TIMER, 0, LC_STOP_START_FAILED, "timer-1,watch0,stop,",
	    "start-timeout");
	setup(0, RESTART_ON_DEMAND, LC_STARTING, 1);
	step(LE_MAIN_EXITED, 1, LC_STOP_START_FAILED, "timer-1,watch0,stop,",
	    "main ended before ready");
	setup(0, RESTART_ON_DEMAND, LC_STARTING, 1);
	step(LE_SUP_GONE, 1, LC_FAILED, "timer-1,watch0,timer1,",
	    "supervisor died while starting");

	/* The main process ends: restart policies. */
	setup(0, RESTART_ON_DEMAND, LC_RUNNING, 1);
	step(LE_MAIN_EXITED, 0, LC_STOP_EXITED, "timer-1,watch0,stop,",
	    "main exited 0");
	step(LE_MAIN_EXITED, 1, LC_STOP_CRASHED, "", "a later bad exit counts");
	step(LE_SUP_GONE, 0, LC_LISTENING, "timer-1,watch1,",
	    "on-demand: listening again");
	tap_is_int(LC.sup_running, 0, "no supervisor after it is gone");

	setup(0, RESTART_ON_FAILURE, LC_RUNNING, 1);
	step(LE_MAIN_EXITED, 1, LC_STOP_CRASHED, "timer-1,watch0,stop,",
	    "main crashed");
	step(LE_SUP_GONE, 0, LC_STARTING, "timer-1,launch,watch0,timer30,",
	    "on-failure: started again at once");
	tap_is_int((long long)LC.restarts, 1, "a restart counted");

	setup(0, RESTART_ON_FAILURE, LC_STOP_EXITED, 1);
	step(LE_SUP_GONE, 0, LC_LISTENING, "timer-1,watch1,",
	    "on-failure after a clean exit: listening");

	setup(0, RESTART_ALWAYS, LC_STOP_EXITED, 1);
	step(LE_SUP_GONE, 0, LC_STARTING, "timer-1,launch,watch0,timer30,",
	    "always: started again");

	setup(0, RESTART_ON_DEMAND, LC_RUNNING, 1);
	step(LE_SUP_GONE, 1, LC_LISTENING, "timer-1,watch1,",
	    "the supervisor died while running");
	setup(0, RESTART_ON_FAILURE, LC_RUNNING, 1);
	step(LE_SUP_GONE, 1, LC_STARTING, "timer-1,launch,watch0,timer30,",
	    "the supervisor died: on-failure restarts");

	/* Operator verbs while running and stopping. */
	setup(0, RESTART_ON_DEMAND, LC_RUNNING, 1);
	step(LE_STOP, 0, LC_STOP_TO_STOPPED, "timer-1,watch0,stop,", "stop");
	step(LE_ACTIVITY, 0, LC_STOP_TO_STOPPED, "watch0,",
	    "activity while stopping");
	step(LE_SUP_GONE, 0, LC_STOPPED, "timer-1,close,",
	    "stopped: sockets closed");
	step(LE_ACTIVITY, 0, LC_STOPPED, "watch0,", "nothing starts it");
	step(LE_STOP, 0, LC_STOPPED, "", "stop again");
	step(LE_START, 0, LC_STARTING, "timer-1,open,launch,watch0,timer30,",
	    "start opens and pre-warms");

	setup(0, RESTART_ON_DEMAND, LC_RUNNING, 1);
	step(LE_RESTART, 0, LC_STOP_TO_RESTART, "timer-1,watch0,stop,",
	    "restart");
	step(LE_SUP_GONE, 0, LC_STARTING, "timer-1,launch,watch0,timer30,",
	    "started again");
	tap_is_int((long long)LC.restarts, 1, "restart counted");

	setup(0, RESTART_ON_DEMAND, LC_RUNNING, 1);
	step(LE_REMOVE, 0, LC_STOP_TO_REMOVE, "timer-1,watch0,stop,",
	    "removed by reload");
	step(LE_STOP, 0, LC_STOP_TO_REMOVE, "", "stop cannot undo a removal");
	step(LE_START, 0, LC_STOP_TO_REMOVE, "", "nor start");
	step(LE_SUP_GONE, 0, LC_REMOVED, "timer-1,", "gone");

	setup(0, RESTART_ALWAYS, LC_STOP_EXITED, 1);
	step(LE_STOP, 0, LC_STOP_TO_STOPPED, "", "stop while stopping wins "
	    "over the policy");
	setup(0, RESTART_ON_DEMAND, LC_STOP_CRASHED, 1);
	step(LE_START, 0, LC_STOP_TO_RESTART, "", "start while stopping: "
	    "start once stopped");
	setup(0, RESTART_ON_DEMAND, LC_STARTING, 1);
	step(LE_STOP, 0, LC_STOP_TO_STOPPED, "timer-1,watch0,stop,",
	    "stop while starting");
	setup(0, RESTART_ON_DEMAND, LC_STARTING, 1);
	step(LE_RESTART, 0, LC_STOP_TO_RESTART, "timer-1,watch0,stop,",
	    "restart while starting");

	/* Idle verbs. */
	setup(0, RESTART_ON_DEMAND, LC_LISTENING, 0);
	step(LE_STOP, 0, LC_STOPPED, "watch0,close,", "stop when idle");
	setup(0, RESTART_ON_DEMAND, LC_LISTENING, 0);
	step(LE_START, 0, LC_STARTING, "timer-1,open,launch,watch0,timer30,",
	    "start when idle pre-warms");
	setup(0, RESTART_ON_DEMAND, LC_LISTENING, 0);
	step(LE_REMOVE, 0, LC_REMOVED, "watch0,", "removed when idle");
	setup(0, RESTART_ON_DEMAND, LC_STOPPED, 0);
	F.open_ret = -1;
	F.ops[0] = '\0';
	tap_is_int(lc_event(&LC, LE_START, 0), -1, "start fails when a socket "
	    "cannot be opened");
	tap_is_int(LC.state, LC_STOPPED, "and the service stays stopped");

	/* Hold-off. */
	setup(0, RESTART_ON_DEMAND, LC_FAILED, 0);
	step(LE_TIMER, 0, LC_LISTENING, "watch1,", "hold-off over: listening");
	setup(0, RESTART_ALWAYS, LC_FAILED, 0);
	step(LE_TIMER, 0, LC_STARTING, "launch,watch0,timer30,",
	    "hold-off over, restart = always: started");
	setup(0, RESTART_ON_DEMAND, LC_FAILED, 0);
	step(LE_ACTIVITY, 0, LC_FAILED, "watch0,", "failed ignores clients");
	step(LE_START, 0, LC_STARTING, "timer-1,open,launch,watch0,timer30,",
	    "start clears failed");
	setup(0, RESTART_ON_DEMAND, LC_FAILED, 0);
	step(LE_STOP, 0, LC_STOPPED, "timer-1,close,", "stop when failed");
	setup(0, RESTART_ON_DEMAND, LC_FAILED, 0);
	step(LE_REMOVE, 0, LC_REMOVED, "timer-1,", "removed when failed");
}

/* Start limits and the growing hold-off, on a fake clock. */
static void
test_limits(void)
{
	int	i;

	setup(0, RESTART_ON_DEMAND, LC_LISTENING, 0);
	LC.lim.start_limit_burst = 3;
	for (i = 0; i < 3; i++) {
		lc_event(&LC, LE_ACTIVITY, 0);
		lc_event(&LC, LE_READY, 0);
		lc_event(&LC, LE_MAIN_EXITED, 0);
		lc_event(&LC, LE_SUP_GONE, 0);
		F.now += 1;
	}
	tap_is_int(LC.state, LC_LISTENING, "three starts within the limit");
	step(LE_ACTIVITY, 0, LC_FAILED, "watch0,timer1,",
	    "the fourth within the interval is held off, not launched");
	step(LE_TIMER, 0, LC_LISTENING, "watch1,", "hold-off over");
	step(LE_ACTIVITY, 0, LC_STARTING, "launch,watch0,timer30,",
	    "one start is allowed after the hold-off");
	lc_event(&LC, LE_START_FAILED, 1);
	step(LE_SUP_GONE, 0, LC_FAILED, "timer-1,watch0,timer2,",
	    "a failed start doubles the hold-off");
	F.now += 100;
	step(LE_TIMER, 0, LC_LISTENING, "watch1,", "");
	lc_event(&LC, LE_ACTIVITY, 0);
	step(LE_READY, 0, LC_RUNNING, "timer-1,", "ready");
	tap_is_int(LC.holdoff, 0, "readiness resets the hold-off");
	setup(0, RESTART_ON_DEMAND, LC_LISTENING, 0);
	LC.holdoff = 60;
	F.launch_ret = -1;
	step(LE_ACTIVITY, 0, LC_FAILED, "launch,watch0,timer60,",
	    "the hold-off is capped at a minute");
}

static void
test_accept_yes(void)
{
	setup(1, RESTART_ON_DEMAND, LC_LISTENING, 0);
	step(LE_ACTIVITY, 0, LC_LISTENING, "launch,accept,",
	    "first connection: supervisor, then accept");
	tap_is_int(LC.sup_running, 1, "the supervisor runs");
	step(LE_ACTIVITY, 0, LC_LISTENING, "accept,", "next ones: accept");
	step(LE_SUP_GONE, 1, LC_LISTENING, "timer-1,watch1,",
	    "supervisor died: listening, a new one at the next client");
	tap_is_int(LC.sup_running, 0, "no supervisor");

	setup(1, RESTART_ON_DEMAND, LC_LISTENING, 0);
	F.launch_ret = -2;
	step(LE_ACTIVITY, 0, LC_LISTENING, "launch,",
	    "short of resources: stays listening, paused");
	tap_is_int((long long)LC.nstarts, 0, "and it counts as no start");

	setup(1, RESTART_ON_DEMAND, LC_LISTENING, 1);
	step(LE_STOP, 0, LC_STOP_TO_STOPPED, "timer-1,watch0,stop,",
	    "stop with instances");
	step(LE_SUP_GONE, 0, LC_STOPPED, "timer-1,close,", "stopped");
	setup(1, RESTART_ON_DEMAND, LC_LISTENING, 1);
	step(LE_RESTART, 0, LC_STOP_TO_RESTART, "timer-1,watch0,stop,",
	    "restart with instances");
	step(LE_SUP_GONE, 0, LC_LISTENING, "timer-1,watch1,",
	    "listening again, no launch until a client");
	setup(1, RESTART_ON_DEMAND, LC_LISTENING, 1);
	step(LE_START, 0, LC_LISTENING, "", "start with instances: nothing");
	setup(1, RESTART_ON_DEMAND, LC_LISTENING, 1);
	step(LE_REMOVE, 0, LC_STOP_TO_REMOVE, "timer-1,watch0,stop,",
	    "removed with instances");
	setup(1, RESTART_ON_DEMAND, LC_STOPPED, 0);
	step(LE_START, 0, LC_LISTENING, "timer-1,open,watch1,",
	    "start: listening, no pre-warm");
	setup(1, RESTART_ALWAYS, LC_FAILED, 0);
	step(LE_TIMER, 0, LC_LISTENING, "watch1,",
	    "hold-off over: listening, even with restart = always");
}

/* idle-timeout (idle.c): stopped, then listening; never restarted. */
static void
test_idle(void)
{
	setup(0, RESTART_ALWAYS, LC_RUNNING, 1);
	step(LE_IDLE, 0, LC_STOP_IDLE, "timer-1,watch0,stop,",
	    "idle: the tree is stopped");
	tap_is_int(lc_shown(LC.state), SERVICE_STOPPING, "shown as stopping");
	step(LE_MAIN_EXITED, 1, LC_STOP_IDLE, "",
	    "main killed by the TERM: not a crash");
	step(LE_ACTIVITY, 0, LC_STOP_IDLE, "watch0,",
	    "a client meanwhile waits in the listen queue");
	step(LE_SUP_GONE, 1, LC_LISTENING, "timer-1,watch1,",
	    "gone: listening, not restarted even with restart = always");
	tap_is_int((long long)LC.restarts, 0, "no restart counted");
	step(LE_ACTIVITY, 0, LC_STARTING, "launch,watch0,timer30,",
	    "the waiting client activates it again");

	setup(0, RESTART_ON_DEMAND, LC_RUNNING, 1);
	step(LE_IDLE, 0, LC_STOP_IDLE, "timer-1,watch0,stop,", "idle");
	step(LE_STOP, 0, LC_STOP_TO_STOPPED, "", "an operator stop meanwhile");
	step(LE_SUP_GONE, 0, LC_STOPPED, "timer-1,close,", "wins");

	setup(0, RESTART_ON_DEMAND, LC_STARTING, 1);
	step(LE_IDLE, 0, LC_STARTING, "", "idle while starting: ignored");
	setup(0, RESTART_ON_DEMAND, LC_LISTENING, 0);
	step(LE_IDLE, 0, LC_LISTENING, "", "idle while listening: ignored");
}

static void
test_shown(void)
{
	tap_is_int(lc_shown(LC_STOP_TO_REMOVE), SERVICE_STOPPING,
	    "every stopping state shows as stopping");
	tap_is_int(lc_shown(LC_STOP_START_FAILED), SERVICE_STOPPING,
	    "start failed shows as stopping until the tree is gone");
	tap_is_int(lc_shown(LC_REMOVED), SERVICE_STOPPED, "removed: stopped");
	tap_is_int(lc_shown(LC_FAILED), SERVICE_FAILED, "failed");
}

int
main(void)
{
	log_init(1, LOG_ERR, "t-service");
	test_accept_no();
	test_limits();
	test_accept_yes();
	test_idle();
	test_shown();
	lc_free(&LC);
	return tap_done();
}
