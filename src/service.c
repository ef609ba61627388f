/* SPDX-License-Identifier: ISC */
/*
 * service.c -- the services: what each one owns (sockets, supervisor
 * links, instances, output, counters) and the carrying out of what its
 * lifecycle (lifecycle.c) decides. Supervisor records and exits, socket
 * activity, timers and operator verbs all become lifecycle events here.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "addr.h"
#include "bindtrap.h"
#include "conf.h"
#include "idle.h"
#include "instance.h"
#include "lifecycle.h"
#include "listen.h"
#include "log.h"
#include "metrics.h"
#include "output.h"
#include "outring.h"
#include "proc.h"
#include "proxy.h"
#include "relay.h"
#include "reload.h"
#include "service.h"
#include "sockdiag.h"
#include "spawn.h"
#include "suplink.h"
#include "watch.h"
#include "xmalloc.h"

struct service {
	const struct service_conf *conf;	/* owned by a config */
	const char	*name;		/* conf->name, follows conf */
	struct listener	**ls;		/* one per conf->listen, same order;
					   &ls_one when there is one */
	struct listener	*ls_one;
	struct lifecycle lc;
	struct output	*out;
	struct outring	*ring;		/* last output lines; NULL until one */
	struct suplink	*sup;		/* the current supervisor */
	struct suplink	**drain;	/* accept = yes: older ones, draining */
	size_t		 ndrain;
	struct instances *inst;		/* accept = yes */
	struct event	*timer;		/* start-timeout or hold-off */
	int		 ready_fd;	/* the socket that woke us */
	pid_t		 launched_pid;
	pid_t		 main_pid;
	int		 restart_pending;
	double		 start_ts;
	double		 ready_time;	/* seconds; <0: never ready */
	int		 has_exit, exit_code, exit_signal;
	int		 bind_waiting;	/* handoff = bind: ready by type,
					   claims missing */
	char		*last_error;
	/* handoff = bind: claimed listen addresses (bit i: listen[i]) */
	unsigned long long claimed;
	/*
	 * handoff = proxy: totals, and the current supervisor's report;
	 * allocated at the first report, so other services pay 8 bytes.
	 */
	struct service_proxy {
		struct relay_stats total, sup;
	} *proxy;
	/* metrics: kept across reloads, like the other counters */
	uint32_t	 start_failures;
	int		 idle_diag_failed;	/* idle-timeout: logged once
						   per streak */
	double		 ready_wall;	/* Unix time of the last ready; 0 */
	/* idle-timeout: watched while running (idle.c) */
	struct idle	*idle;
};

static struct event_base *base;
static struct service **services;
static size_t	 nservices;
static struct service **retired;	/* removed by reload, tree stopping */
static size_t	 nretired;
static struct config *current;		/* services point into it */
static struct config **old_confs;	/* still used by retired services */
static size_t	 nold_confs;
static int	 shutting_down;
static void	(*shutdown_done)(void);

static const struct lc_ops service_lc_ops;
static const struct suplink_ops service_link_ops;

const char *
service_state_name(enum service_state st)
{
	switch (st) {
	case SERVICE_LISTENING:
		return "listening";
	case SERVICE_STARTING:
		return "starting";
	case SERVICE_RUNNING:
		return "running";
	case SERVICE_STOPPING:
		return "stopping";
	case SERVICE_FAILED:
		return "failed";
	case SERVICE_STOPPED:
		return "stopped";
	}
	return "unknown";
}

static double
now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
service_set_error(struct service *s, const char *msg)
{
	free(s->last_error);
	s->last_error = msg != NULL ? xstrdup(msg) : NULL;
}

static void
service_record_exit(struct service *s, int status)
{
	if (status == -1) {
		s->has_exit = 0;
		return;
	}
	s->has_exit = 1;
	if (WIFSIGNALED(status)) {
		s->exit_signal = WTERMSIG(status);
		s->exit_code = 0;
	} else {
		s->exit_signal = 0;
		s->exit_code = WEXITSTATUS(status);
	}
}

static void
service_instances_watch(void *arg, int on);

static void
service_limits(struct service *s)
{
	const struct service_conf *sc = s->conf;

	s->lc.lim.accept = sc->accept;
	s->lc.lim.restart = sc->restart;
	/*
	 * PROXY HOOK: the supervisor fails a start whose proxy-to never
	 * answers at start-timeout, saying why; this timer comes after it.
	 */
	s->lc.lim.start_timeout = sc->start_timeout +
	    (sc->handoff == HANDOFF_PROXY ? 1 : 0);
	s->lc.lim.start_limit_burst = sc->start_limit_burst;
	s->lc.lim.start_limit_interval = sc->start_limit_interval;
	s->lc.lim.type = sc->type;
	s->lc.lim.has_pidfile = sc->pidfile != NULL;
	/* accept = yes: the instance table comes at the first launch. */
	if (s->inst != NULL)
		instances_set_conf(s->inst, sc);
}

/*
 * The instance table of an accept = yes service, made when it first
 * launches: a thousand services nobody connected to hold none.
 */
static void
service_instances_need(struct service *s)
{
	if (!s->conf->accept || s->inst != NULL)
		return;
	s->inst = instances_new(base, s->name, service_instances_watch, s);
	instances_set_conf(s->inst, s->conf);
}

/*
 * Where the service's stdout and stderr go: a pipe made at its first
 * start, so a thousand services that never ran hold no pipe at all.
 */
static int
service_output_fd(struct service *s)
{
	char	*cause = NULL;

	if (s->out == NULL && (s->out = output_new(base, s->name,
	    &cause)) == NULL) {
		log_warnx("%s: output goes to /dev/null: %s", s->name, cause);
		free(cause);
		return -1;
	}
	return output_fd(s->out);
}

/*
 * output.c's keeper: a line goes to the ring of the service of that
 * name, if there still is one and it keeps lines. The ring is made at
 * its first line and outlives the tree that wrote it: it is the
 * service's history across restarts.
 */
static void
service_keep_line(const char *name, time_t t, const char *text, size_t len)
{
	struct service *s = service_find(name);

	if (s == NULL || s->conf->output_lines == 0)
		return;
	if (s->ring == NULL)
		s->ring = outring_new();
	outring_add(s->ring, (size_t)s->conf->output_lines, t, text, len);
}

/* output-lines may have changed: drop what is no longer kept. */
static void
service_keep_limit(struct service *s)
{
	if (s->ring == NULL)
		return;
	if (s->conf->output_lines == 0) {
		outring_free(s->ring);
		s->ring = NULL;
	} else
		outring_trim(s->ring, (size_t)s->conf->output_lines);
}

const struct outring *
service_outring(const struct service *s)
{
	return s->ring;
}

/* ---- what the lifecycle asks for ---- */

static int
op_launch(void *arg, const char *why)
{
	struct service *s = arg;
	struct sup_params p;
	int	 fds[CONF_MAX_LISTEN];
	size_t	 i;
	char	*cause = NULL;

	for (i = 0; i < s->conf->nlisten && i < CONF_MAX_LISTEN; i++)
		fds[i] = listen_fd(s->ls[i]);
	memset(&p, 0, sizeof p);
	p.conf = s->conf;
	if (s->conf->accept)
		p.mode = SPAWN_CONNECTION;
	else if (s->conf->handoff == HANDOFF_STDIO)
		p.mode = SPAWN_STDIO;
	else if (s->conf->handoff == HANDOFF_BIND)
		p.mode = SPAWN_BIND;	/* BINDTRAP HOOK */
	else
		p.mode = SPAWN_LISTEN_FDS;
	p.backlog = current->backlog;
	p.fds = s->conf->accept ? NULL : fds;
	p.nfds = s->conf->accept ? 0 : s->conf->nlisten;
	p.out_fd = service_output_fd(s);
	service_instances_need(s);
	s->sup = suplink_start(s->name, &p, &service_link_ops, s, &cause);
	if (s->sup == NULL && s->inst != NULL && (errno == EMFILE ||
	    errno == ENFILE || errno == EAGAIN || errno == ENOMEM)) {
		instances_pause(s->inst, cause);
		free(cause);
		return -2;
	}
	if (s->sup == NULL) {
		log_error("%s: cannot start: %s", s->name, cause);
		s->start_failures++;
		service_set_error(s, cause);
		watch_emit_start_failed(s->name, cause, 0);
		free(cause);
		return -1;
	}
	if (!s->conf->accept) {
		s->restart_pending = 0;
		s->claimed = 0;		/* BINDTRAP HOOK */
		s->bind_waiting = 0;
		s->main_pid = s->launched_pid = 0;
		s->ready_time = -1;
		s->start_ts = now_mono();
		service_set_error(s, NULL);
	}
	log_info("%s: starting (%s), supervisor pid %ld", s->name, why,
	    (long)suplink_pid(s->sup));
	/* accept = yes: each instance is an activation, not the supervisor. */
	if (!s->conf->accept)
		watch_emit_activation(s->name, why, 0);
	return 0;
}

static void
op_stop_tree(void *arg)
{
	struct service *s = arg;
	size_t	i;

	if (s->sup != NULL)
		suplink_stop(s->sup, s->conf->stop_timeout);
	for (i = 0; i < s->ndrain; i++)
		suplink_stop(s->drain[i], s->conf->stop_timeout);
}

static void
op_accept(void *arg)
{
	struct service *s = arg;

	if (s->sup != NULL && s->inst != NULL && s->ready_fd != -1)
		instances_accept(s->inst, s->ready_fd, s->sup);
}

/* Watch the sockets, unless a limit or a back-off says not yet. */
static void
op_watch(void *arg, int on)
{
	struct service *s = arg;
	size_t	i;

	if (on && (s->lc.state != LC_LISTENING ||
	    (s->inst != NULL && !instances_may_accept(s->inst))))
		on = 0;
	for (i = 0; i < s->conf->nlisten; i++)
		if (s->ls[i] != NULL) {
			if (on)
				listen_watch(s->ls[i]);
			else
				listen_unwatch(s->ls[i]);
		}
}

static void	service_listen_cb(struct listener *, int, void *);

static int
op_open_sockets(void *arg)
{
	struct service *s = arg;
	char	*cause = NULL;
	size_t	 i;

	for (i = 0; i < s->conf->nlisten; i++) {
		if (s->ls[i] != NULL)
			continue;
		s->ls[i] = listen_open(&s->conf->listen[i], current->backlog,
		    s->conf->socket_mode, s->name, &cause);
		if (s->ls[i] == NULL) {
			log_error("%s", cause);
			service_set_error(s, cause);
			free(cause);
			return -1;
		}
		listen_set_cb(s->ls[i], service_listen_cb, s);
	}
	return 0;
}

static void
op_close_sockets(void *arg)
{
	struct service *s = arg;
	size_t	i;

	for (i = 0; i < s->conf->nlisten; i++) {
		listen_close(s->ls[i]);
		s->ls[i] = NULL;
	}
}

static void	service_timer_cb(evutil_socket_t, short, void *);

static void
op_timer(void *arg, int secs)
{
	struct service *s = arg;
	struct timeval tv = { secs, 0 };

	if (secs < 0) {
		if (s->timer != NULL)
			event_del(s->timer);
		return;
	}
	/* Made on first use: most services never need one. */
	if (s->timer == NULL &&
	    (s->timer = evtimer_new(base, service_timer_cb, s)) == NULL) {
		log_warn("%s: cannot create a timer", s->name);
		return;
	}
	if (evtimer_add(s->timer, &tv) == -1)
		log_warn("%s: cannot arm a timer", s->name);
}

static void
op_set_error(void *arg, const char *msg)
{
	service_set_error(arg, msg);
}

static double
op_now(void *arg)
{
	(void)arg;
	return now_mono();
}

static void
op_changed(void *arg, enum service_state from, enum service_state to)
{
	struct service *s = arg;

	watch_emit_state(s->name, service_state_name(from),
	    service_state_name(to));
}

static const struct lc_ops service_lc_ops = {
	.launch = op_launch,
	.stop_tree = op_stop_tree,
	.accept = op_accept,
	.watch = op_watch,
	.open_sockets = op_open_sockets,
	.close_sockets = op_close_sockets,
	.timer = op_timer,
	.set_error = op_set_error,
	.now = op_now,
	.changed = op_changed,
};

/* ---- IDLE HOOK: idle-timeout, carried out for idle.c ---- */

/* A connection, or a client waiting, on any of the sockets? */
static int
idle_op_busy(void *arg)
{
	struct service *s = arg;
	unsigned long conns, queued;
	size_t	 i;

	/* The relay knows its connections; the program sees no other. */
	if (s->conf->handoff == HANDOFF_PROXY)
		return s->proxy != NULL && s->proxy->total.conns > 0;
	for (i = 0; i < s->conf->nlisten; i++) {
		if (s->ls[i] == NULL)
			continue;
		if (sockdiag_count(listen_fd(s->ls[i]), &conns, &queued) ==
		    -1) {
			if (!s->idle_diag_failed)
				log_warn("%s: idle-timeout: cannot count the "
				    "connections on %s (not stopped while "
				    "this lasts)", s->name,
				    listen_spec(s->ls[i]));
			s->idle_diag_failed = 1;
			return -1;
		}
		if (conns + queued > 0)
			return 1;
	}
	s->idle_diag_failed = 0;
	return 0;
}

static void
idle_op_freeze(void *arg, int on)
{
	struct service *s = arg;

	if (s->sup != NULL && suplink_freeze(s->sup, on) == -1)
		log_warn("%s: cannot ask supervisor %ld to %s the tree",
		    s->name, (long)suplink_pid(s->sup), on ? "freeze" : "thaw");
}

static void	service_event(struct service *, enum lc_event, int);

static void
idle_op_stop(void *arg)
{
	service_event(arg, LE_IDLE, 0);
}

static const struct idle_ops service_idle_ops = {
	.busy = idle_op_busy,
	.freeze = idle_op_freeze,
	.stop = idle_op_stop,
};

/* Watched while an accept = no daemon with idle-timeout runs. */
static void
service_idle_sync(struct service *s)
{
	int	 want = s->lc.state == LC_RUNNING && !s->conf->accept &&
	    s->conf->idle_timeout > 0;

	if (s->idle != NULL && (!want ||
	    idle_timeout(s->idle) != s->conf->idle_timeout)) {
		idle_free(s->idle);
		s->idle = NULL;
	}
	if (want && s->idle == NULL) {
		s->idle_diag_failed = 0;
		s->idle = idle_new(s->name, s->conf->idle_timeout,
		    &service_idle_ops, s);
	}
}

static double
now_wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * A start that ends before readiness (failed, timed out, exited, lost
 * its supervisor) is a start failure, whichever event says so.
 */
static void
service_event(struct service *s, enum lc_event ev, int bad)
{
	enum lc_state was = s->lc.state;

	lc_event(&s->lc, ev, bad);
	if (was == LC_STARTING && (s->lc.state == LC_STOP_START_FAILED ||
	    s->lc.state == LC_FAILED))
		s->start_failures++;
	else if (was != LC_RUNNING && s->lc.state == LC_RUNNING)
		s->ready_wall = now_wall();
	service_idle_sync(s);
}

/* ---- events from sockets and timers ---- */

static void
service_listen_cb(struct listener *l, int fd, void *arg)
{
	struct service *s = arg;

	(void)l;
	s->ready_fd = fd;
	service_event(s, LE_ACTIVITY, 0);
	s->ready_fd = -1;
}

static void
service_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct service *s = arg;
	char	 msg[256];

	(void)fd;
	(void)what;
	/*
	 * BINDTRAP HOOK: ready by type with an address unclaimed: the
	 * supervisor makes it ready with a warning. What it may just have
	 * said is read first.
	 */
	if (s->lc.state == LC_STARTING && s->conf->handoff == HANDOFF_BIND &&
	    s->sup != NULL) {
		suplink_read_pending(s->sup);
		if (s->lc.state != LC_STARTING)
			return;
		if (s->bind_waiting) {
			if (suplink_claim_timeout(s->sup) == -1)
				log_warn("%s: cannot reach supervisor", s->name);
			return;
		}
	}
	if (s->lc.state == LC_STARTING) {
		if (s->conf->type == TYPE_DAEMON &&
		    s->main_pid == s->launched_pid)
			snprintf(msg, sizeof msg, "not ready within %d s: the "
			    "launched process did not exit (type = simple "
			    "fits a program that stays in the foreground)",
			    s->conf->start_timeout);
		else if (s->conf->type == TYPE_NOTIFY)
			snprintf(msg, sizeof msg, "not ready within %d s: no "
			    "READY=1 on NOTIFY_SOCKET (type = simple or daemon "
			    "fits a program that does not call sd_notify)",
			    s->conf->start_timeout);
		else
			snprintf(msg, sizeof msg, "not ready within %d s%s",
			    s->conf->start_timeout, s->conf->pidfile != NULL ?
			    ": no valid pid in the pidfile" : "");
		log_error("%s: start failed: %s", s->name, msg);
		service_set_error(s, msg);
		watch_emit_start_failed(s->name, msg, 0);
	}
	service_event(s, LE_TIMER, 0);
}

static void
service_instances_watch(void *arg, int on)
{
	op_watch(arg, on);
}

/* ---- events from the supervisor ---- */

static void
log_exit(struct service *s, pid_t pid, int status)
{
	if (status != -1 && WIFSIGNALED(status))
		log_notice("%s: main process %ld killed by signal %s",
		    s->name, (long)pid, sigabbrev_np(WTERMSIG(status)) != NULL ?
		    sigabbrev_np(WTERMSIG(status)) : "?");
	else if (status != -1)
		log_notice("%s: main process %ld exited with status %d",
		    s->name, (long)pid, WEXITSTATUS(status));
	else
		log_notice("%s: main process %ld ended", s->name, (long)pid);
}

/*
 * BINDTRAP HOOK: handoff = bind records. The supervisor reports each
 * listen address a process of the tree bound, and when the service is
 * ready by its type but waits for an address still unclaimed.
 */
static void
service_bind_msg(struct service *s, const struct sup_msg *m)
{
	switch (m->type) {
	case SUP_CLAIMED:
		if (m->status >= 0 && m->status < 64)
			s->claimed |= 1ULL << m->status;
		log_info("%s: pid %ld bound %s", s->name, (long)m->pid,
		    m->text);
		break;
	case SUP_WAITING:
		s->bind_waiting = 1;
		log_info("%s: ready by type, waiting for the program to bind "
		    "every listen address", s->name);
		break;
	case SUP_READY:
		if (m->text[0] != '\0')
			log_warnx("%s: ready at start-timeout with listen "
			    "addresses unclaimed: %s", s->name, m->text);
		break;
	}
}

/*
 * PROXY HOOK: a supervisor's relay counters (since its start) into the
 * service's, which count since activator started.
 */
static void
service_proxy_stats(struct service *s, const char *text)
{
	struct relay_stats st;

	if (proxy_stats_parse(text, &st) == -1) {
		log_warnx("%s: bad proxy counters from supervisor", s->name);
		return;
	}
	if (s->proxy == NULL)
		s->proxy = xcalloc(1, sizeof *s->proxy);
	s->proxy->total.conns = st.conns;
	s->proxy->total.total += st.total - s->proxy->sup.total;
	s->proxy->total.bytes_in += st.bytes_in - s->proxy->sup.bytes_in;
	s->proxy->total.bytes_out += st.bytes_out - s->proxy->sup.bytes_out;
	s->proxy->sup = st;
}

static void
service_sup_msg(void *arg, struct suplink *l, const struct sup_msg *m, int fd)
{
	struct service *s = arg;

	/* Only an instance's output pipe comes this way. */
	if (fd != -1 && m->type == SUP_INSTANCE)
		output_stream(base, s->name, fd);
	else if (fd != -1)
		close(fd);
	service_bind_msg(s, m);		/* BINDTRAP HOOK */
	switch (m->type) {
	case SUP_CLAIMED:
	case SUP_WAITING:
		break;
	case SUP_LAUNCHED:
		s->launched_pid = s->main_pid = m->pid;
		log_info("%s: launched pid %ld", s->name, (long)m->pid);
		break;
	case SUP_MAIN:
		s->main_pid = m->pid;
		log_debug("%s: main process is now pid %ld", s->name,
		    (long)m->pid);
		break;
	case SUP_READY:
		s->main_pid = m->pid;
		s->ready_time = now_mono() - s->start_ts;
		if (s->lc.state == LC_STARTING) {
			log_info("%s: ready, main pid %ld (%.3f s)", s->name,
			    (long)m->pid, s->ready_time);
			watch_emit_ready(s->name, m->pid, s->ready_time);
		}
		service_event(s, LE_READY, 0);
		break;
	case SUP_FAILED:
		log_error("%s: start failed: %s", s->name, m->text);
		service_set_error(s, m->text);
		watch_emit_start_failed(s->name, m->text, 0);
		service_event(s, LE_START_FAILED, 1);
		break;
	case SUP_EXITED:
		service_record_exit(s, m->status);
		log_exit(s, m->pid, m->status);
		watch_emit_exit(s->name, m->pid, m->status, 0);
		s->main_pid = 0;
		service_event(s, LE_MAIN_EXITED, m->status != -1 &&
		    !(WIFEXITED(m->status) && WEXITSTATUS(m->status) == 0));
		break;
	case SUP_INSTANCE:
		if (s->inst != NULL)
			instances_spawned(s->inst, (uint32_t)m->status, m->pid);
		log_debug("%s: instance pid %ld", s->name, (long)m->pid);
		watch_emit_activation(s->name, "connection", m->pid);
		break;
	case SUP_INSTANCE_FAILED:
		s->start_failures++;
		service_set_error(s, m->text);
		watch_emit_start_failed(s->name, m->text, 1);
		if (s->inst != NULL)
			instances_spawn_failed(s->inst, (uint32_t)m->status,
			    m->pid, m->text);
		break;
	case SUP_INSTANCE_EXITED:
		service_record_exit(s, m->status);
		if (s->inst != NULL)
			instances_exited(s->inst, m->pid, m->status);
		watch_emit_exit(s->name, m->pid, m->status, 1);
		break;
	case SUP_LOG:
		log_at(m->status, "%s: %s", s->name, m->text);
		break;
	case SUP_PROXY:
		if (l == s->sup)
			service_proxy_stats(s, m->text);
		break;
	case SUP_FROZEN:		/* IDLE HOOK */
		if (l == s->sup && s->idle != NULL)
			idle_frozen(s->idle, m->status);
		break;
	default:
		log_warnx("%s: unknown record %u from supervisor %ld", s->name,
		    m->type, (long)suplink_pid(l));
	}
}

static void	services_retire_done(void);

static void
service_sup_gone(void *arg, struct suplink *l, int status)
{
	struct service *s = arg;
	int	 bad = !(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	size_t	 i;

	if (s->inst != NULL)
		instances_forget(s->inst, l);
	if (bad)
		service_set_error(s, "supervisor ended abnormally");
	for (i = 0; i < s->ndrain; i++)
		if (s->drain[i] == l) {
			s->drain[i] = s->drain[--s->ndrain];
			/* The last one out ends a stop that waited for it. */
			if (s->sup == NULL && s->ndrain == 0 &&
			    lc_shown(s->lc.state) == SERVICE_STOPPING)
				service_event(s, LE_SUP_GONE, 0);
			return;
		}
	if (l != s->sup)
		return;
	s->sup = NULL;
	s->main_pid = s->launched_pid = 0;
	/* BINDTRAP HOOK: the daemon may have made our sockets blocking. */
	if (s->conf->handoff == HANDOFF_BIND) {
		for (i = 0; i < s->conf->nlisten; i++)
			if (s->ls[i] != NULL)
				bindtrap_reset_socket(listen_fd(s->ls[i]));
		s->claimed = 0;
		s->bind_waiting = 0;
	}
	/* PROXY HOOK: its relayed connections are closed. */
	if (s->proxy != NULL) {
		s->proxy->total.conns = 0;
		memset(&s->proxy->sup, 0, sizeof s->proxy->sup);
	}
	output_end_of_run(s->out);
	/* A reload changed the service meanwhile: it applies from now on. */
	service_limits(s);
	if (s->ndrain > 0 && lc_shown(s->lc.state) == SERVICE_STOPPING) {
		s->lc.sup_running = 0;
		return;
	}
	service_event(s, LE_SUP_GONE, bad);
}

static const struct suplink_ops service_link_ops = {
	.msg = service_sup_msg,
	.gone = service_sup_gone,
};

/* ---- reaping ---- */

/*
 * Reap every exited child: SIGCHLD coalesces, so loop until nothing is
 * left. Our children are supervisors, and the orphans of a supervisor
 * that died; anything else is a stray reaped and forgotten.
 */
void
services_sigchld(void)
{
	pid_t	 pid;
	int	 status;

	for (;;) {
		pid = waitpid(-1, &status, WNOHANG);
		if (pid == -1 && errno == EINTR)
			continue;
		if (pid <= 0)
			break;
		if (!suplinks_reaped(pid, status))
			log_debug("reaped stray pid %ld", (long)pid);
	}
	services_retire_done();
	if (shutting_down && shutdown_done != NULL && suplinks_busy() == 0) {
		void (*done)(void) = shutdown_done;
		shutdown_done = NULL;
		done();
	}
}

/* ---- creation and the list ---- */

struct service *
service_new(const struct service_conf *sc)
{
	struct service *s = xcalloc(1, sizeof *s);

	s->conf = sc;
	s->name = sc->name;
	s->ls = sc->nlisten == 1 ? &s->ls_one :
	    xcalloc(sc->nlisten, sizeof *s->ls);
	s->ready_fd = -1;
	s->ready_time = -1;
	lc_init(&s->lc, s->name, &service_lc_ops, s);
	service_limits(s);
	return s;
}

static void
service_free(struct service *s)
{
	size_t	i;

	if (s == NULL)
		return;
	idle_free(s->idle);
	for (i = 0; i < s->conf->nlisten; i++)
		listen_close(s->ls[i]);
	if (s->ls != &s->ls_one)
		free(s->ls);
	if (s->timer != NULL)
		event_free(s->timer);
	instances_free(s->inst);
	output_free(s->out);
	outring_free(s->ring);
	lc_free(&s->lc);
	free(s->drain);
	free(s->last_error);
	free(s->proxy);
	free(s);
}

/* Free retired services whose tree is gone, then configs nobody uses. */
static void
services_retire_done(void)
{
	struct service *s;
	size_t	i;

	for (i = 0; i < nretired; ) {
		s = retired[i];
		if (s->sup == NULL && s->ndrain == 0) {
			retired[i] = retired[--nretired];
			service_free(s);
		} else
			i++;
	}
	if (nretired == 0) {
		for (i = 0; i < nold_confs; i++)
			conf_free(old_confs[i]);
		nold_confs = 0;
	}
}

int
services_init(struct event_base *b, struct config *conf, char **cause)
{
	size_t	i, j;

	base = b;
	current = conf;
	output_set_keeper(service_keep_line);
	listen_set_base(b);
	suplinks_init(b);
	idle_init(b);
	services = xcalloc(conf->nservices, sizeof *services);
	for (i = 0; i < conf->nservices; i++) {
		struct service *s = service_new(&conf->services[i]);
		services[nservices++] = s;
		for (j = 0; j < s->conf->nlisten; j++) {
			s->ls[j] = listen_open(&s->conf->listen[j],
			    conf->backlog, s->conf->socket_mode, s->name,
			    cause);
			if (s->ls[j] == NULL)
				return -1;
			listen_set_cb(s->ls[j], service_listen_cb, s);
		}
	}
	for (i = 0; i < nservices; i++) {
		op_watch(services[i], 1);
		log_debug("%s: listening", services[i]->name);
	}
	return 0;
}

/* ---- operator verbs ---- */

int
service_start(struct service *s, char **cause)
{
	int	 r = lc_event(&s->lc, LE_START, 0);

	service_idle_sync(s);
	if (r == -1) {
		xasprintf(cause, "%s", s->last_error != NULL ? s->last_error :
		    "cannot open the sockets");
		return -1;
	}
	return 0;
}

int
service_stop(struct service *s, char **cause)
{
	(void)cause;
	service_event(s, LE_STOP, 0);
	return 0;
}

int
service_restart(struct service *s, char **cause)
{
	int	 r = lc_event(&s->lc, LE_RESTART, 0);

	service_idle_sync(s);
	if (r == -1) {
		xasprintf(cause, "%s", s->last_error != NULL ? s->last_error :
		    "cannot open the sockets");
		return -1;
	}
	return 0;
}

void
services_shutdown(void (*done)(void))
{
	size_t	i;

	shutting_down = 1;
	shutdown_done = done;
	suplinks_shutdown();
	for (i = 0; i < nservices; i++) {
		service_event(services[i], LE_STOP, 0);
		op_close_sockets(services[i]);
	}
	services_sigchld();
}

size_t
services_count(void)
{
	return nservices;
}

struct service *
service_at(size_t i)
{
	return i < nservices ? services[i] : NULL;
}

struct service *
service_find(const char *name)
{
	size_t	i;

	for (i = 0; i < nservices; i++)
		if (services[i] != NULL && strcmp(services[i]->name, name) == 0)
			return services[i];
	return NULL;
}

/* ---- status ---- */

void
service_info_free(struct service_info *info)
{
	free(info->listen);
	free(info->pids);
	free(info->claimed);
	info->listen = NULL;
	info->pids = NULL;
	info->claimed = NULL;
}

static void
info_add_tree(struct service_info *info, const struct procinfo *all,
    size_t n, const struct suplink *l)
{
	pid_t	*d;
	size_t	 nd;

	d = proc_descendants(all, n, suplink_pid(l), &nd);
	if (nd == 0) {
		free(d);
		return;
	}
	info->pids = xreallocarray(info->pids, info->npids + nd,
	    sizeof *info->pids);
	memcpy(info->pids + info->npids, d, nd * sizeof *d);
	info->npids += nd;
	free(d);
}

int
service_has_tree(const struct service *s)
{
	return s->sup != NULL || s->ndrain > 0;
}

/* A snapshot for the status socket; the tree comes from ALL. */
void
service_info(struct service *s, struct service_info *info,
    const struct procinfo *all, size_t nall)
{
	size_t	i;

	memset(info, 0, sizeof *info);
	info->name = s->name;
	info->state = lc_shown(s->lc.state);
	info->accept = s->conf->accept;
	info->type = conf_type_name(s->conf->type);
	info->nlisten = s->conf->nlisten;
	info->listen = xcalloc(info->nlisten, sizeof *info->listen);
	for (i = 0; i < info->nlisten; i++)
		info->listen[i] = s->conf->listen[i].spec;
	info->main_pid = s->main_pid;
	if (s->inst != NULL) {
		info->activations = instances_started(s->inst);
		info->instances = instances_live(s->inst);
		info->accepted = instances_accepted(s->inst);
		info->refused = instances_refused(s->inst);
	} else
		info->activations = s->lc.launches;
	info->restarts = s->lc.restarts;
	info->has_exit = s->has_exit;
	info->exit_code = s->exit_code;
	info->exit_signal = s->exit_signal;
	info->since = now_mono() - s->lc.since;
	info->ready_time = s->ready_time;
	info->restart_pending = s->restart_pending;
	info->last_error = s->last_error;
	/* BINDTRAP HOOK: the listen addresses the running daemon bound. */
	if (s->conf->handoff == HANDOFF_BIND) {
		info->bind = 1;
		info->claimed = xcalloc(info->nlisten + 1,
		    sizeof *info->claimed);
		for (i = 0; i < info->nlisten && i < 64; i++)
			if (s->claimed & (1ULL << i))
				info->claimed[info->nclaimed++] =
				    s->conf->listen[i].spec;
	}
	/* PROXY HOOK */
	info->proxy = s->conf->handoff == HANDOFF_PROXY;
	if (s->proxy != NULL) {
		info->proxy_conns = (unsigned long)s->proxy->total.conns;
		info->proxy_total = (unsigned long)s->proxy->total.total;
		info->proxy_bytes_in = s->proxy->total.bytes_in;
		info->proxy_bytes_out = s->proxy->total.bytes_out;
	}
	if (all == NULL)
		return;
	if (s->sup != NULL)
		info_add_tree(info, all, nall, s->sup);
	for (i = 0; i < s->ndrain; i++)
		info_add_tree(info, all, nall, s->drain[i]);
}

/* The numbers of the metrics verb (metrics.c renders them). */
void
service_metrics(const struct service *s, struct service_metrics *m)
{
	int	r;

	memset(m, 0, sizeof *m);
	m->name = s->name;
	m->state = lc_shown(s->lc.state);
	m->accept = s->conf->accept;
	m->proxy = s->conf->handoff == HANDOFF_PROXY;
	if (s->inst != NULL) {
		m->activations = instances_started(s->inst);
		m->instances = instances_live(s->inst);
		m->accepted = instances_accepted(s->inst);
		for (r = 0; r < REFUSED_NREASONS; r++)
			m->refused[r] = instances_refused_by(s->inst,
			    (enum instances_refusal)r);
	} else
		m->activations = s->lc.launches;
	if (m->proxy)
		m->accepted = s->proxy != NULL ? s->proxy->total.total : 0;
	m->restarts = s->lc.restarts;
	m->start_failures = s->start_failures;
	if (s->proxy != NULL) {
		m->proxy_conns = s->proxy->total.conns;
		m->proxy_bytes_in = s->proxy->total.bytes_in;
		m->proxy_bytes_out = s->proxy->total.bytes_out;
	}
	m->ready_wall = s->ready_wall;
	m->ready_time = s->ready_time;
}

/* ---- reload's steps ---- */

int
service_is_stopped(const struct service *s)
{
	return s->lc.state == LC_STOPPED;
}

const struct config *
services_config(void)
{
	return current;
}

struct listener *
services_take_listener(const struct addr *a, struct service **from,
    size_t *idx)
{
	struct listener *l;
	size_t	i, j;

	for (i = 0; i < nservices; i++)
		for (j = 0; j < services[i]->conf->nlisten; j++) {
			l = services[i]->ls[j];
			if (l != NULL && listen_matches(l, a)) {
				services[i]->ls[j] = NULL;
				*from = services[i];
				*idx = j;
				return l;
			}
		}
	return NULL;
}

void
service_put_listener(struct service *s, size_t idx, struct listener *l)
{
	s->ls[idx] = l;
}

/* Did anything a supervisor was started with change? */
static int
service_launch_changed(const struct service_conf *a,
    const struct service_conf *b)
{
	size_t	i;

	if (strcmp(a->command, b->command) != 0 || a->accept != b->accept ||
	    a->type != b->type || a->handoff != b->handoff ||
	    (a->pidfile == NULL) != (b->pidfile == NULL) ||
	    (a->pidfile != NULL && strcmp(a->pidfile, b->pidfile) != 0) ||
	    (a->user == NULL) != (b->user == NULL) ||
	    (a->group == NULL) != (b->group == NULL) ||
	    a->uid != b->uid || a->gid != b->gid ||
	    strcmp(a->chdir, b->chdir) != 0 || a->nenv != b->nenv ||
	    (!a->accept && !conf_listen_equal(a, b)))
		return 1;
	for (i = 0; i < a->nenv; i++)
		if (strcmp(a->env[i], b->env[i]) != 0)
			return 1;
	return 0;
}

/*
 * Point S at its new settings. A running daemon is left alone: what
 * changed applies at its next start. Instances spawned from now on use
 * the new settings: a supervisor of the old ones drains.
 */
int
service_reconfigure(struct service *s, const struct service_conf *sc,
    struct listener **ls)
{
	size_t	i;
	int	changed = service_launch_changed(s->conf, sc), pending = 0;

	for (i = 0; i < s->conf->nlisten; i++)
		listen_close(s->ls[i]);	/* addresses dropped */
	if (s->ls != &s->ls_one)
		free(s->ls);
	s->ls = ls;
	for (i = 0; i < sc->nlisten; i++)
		if (s->ls[i] != NULL)
			listen_set_cb(s->ls[i], service_listen_cb, s);
	s->conf = sc;
	/* The old config is freed once no service uses it. */
	s->name = s->lc.name = sc->name;
	service_keep_limit(s);
	if (changed && s->lc.sup_running) {
		if (s->lc.lim.accept && s->lc.state == LC_LISTENING) {
			s->drain = xreallocarray(s->drain, s->ndrain + 1,
			    sizeof *s->drain);
			s->drain[s->ndrain++] = s->sup;
			suplink_drain(s->sup);
			s->sup = NULL;
			s->lc.sup_running = 0;
		} else
			s->restart_pending = pending = 1;
	}
	if (!s->lc.sup_running)
		service_limits(s);
	else if (s->inst != NULL)
		instances_set_conf(s->inst, sc);
	service_idle_sync(s);	/* idle-timeout applies at once */
	return pending;
}

const struct service_conf *
service_conf(const struct service *s)
{
	return s->conf;
}

size_t
service_nsockets(const struct service *s)
{
	return s->conf->nlisten;
}

const char *
service_socket_spec(const struct service *s, size_t i)
{
	return i < s->conf->nlisten && s->ls[i] != NULL ? s->conf->listen[i].spec :
	    NULL;
}

void
services_replace(struct service **next, size_t n, struct config *nc)
{
	struct service *s;
	size_t	i, j;

	/* What is in the old list and not in the new was removed. */
	for (i = 0; i < nservices; i++) {
		s = services[i];
		for (j = 0; j < n && next[j] != s; j++)
			;
		if (j < n)
			continue;
		log_info("%s: removed", s->name);
		service_event(s, LE_REMOVE, 0);
		op_close_sockets(s);
		retired = xreallocarray(retired, nretired + 1,
		    sizeof *retired);
		retired[nretired++] = s;
	}
	free(services);
	services = next;
	nservices = n;
	old_confs = xreallocarray(old_confs, nold_confs + 1,
	    sizeof *old_confs);
	old_confs[nold_confs++] = current;
	current = nc;
	for (i = 0; i < nservices; i++)
		if (services[i]->lc.state == LC_LISTENING)
			op_watch(services[i], 1);
	services_retire_done();
}

/* Free everything at exit, so leak checkers see only real leaks. */
void
services_free(void)
{
	size_t	i;

	/* The last partial lines are logged, not kept: the list goes away. */
	output_set_keeper(NULL);
	for (i = 0; i < nservices; i++)
		service_free(services[i]);
	for (i = 0; i < nretired; i++)
		service_free(retired[i]);
	free(services);
	free(retired);
	services = retired = NULL;
	nservices = nretired = 0;
	for (i = 0; i < nold_confs; i++)
		conf_free(old_confs[i]);
	free(old_confs);
	old_confs = NULL;
	nold_confs = 0;
	conf_free(current);
	current = NULL;
	reload_report_clear();
	suplinks_free();
	output_streams_free();
}
