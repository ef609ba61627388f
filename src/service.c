/* SPDX-License-Identifier: ISC */
/*
 * service.c -- one state machine per service: when to launch, how to
 * react to readiness, exits and failures, the restart policy and start
 * limits, operator verbs and reload. Per-connection instances are in
 * service-accept.c. Sockets belong to listen.c, children are built by
 * spawn.c and supervised by supervise.c; this file decides.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <netinet/in.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "addr.h"
#include "conf.h"
#include "listen.h"
#include "log.h"
#include "output.h"
#include "proc.h"
#include "service-int.h"
#include "service.h"
#include "spawn.h"
#include "supervise.h"
#include "xmalloc.h"

#define HOLDOFF_MAX		60	/* seconds */

static struct event_base *base;
static struct service **services;
static size_t	 nservices;
static struct service **retired;	/* removed by reload, tree stopping */
static size_t	 nretired;
static int	 shutting_down;
static struct config *current;		/* services point into it */
static struct config **old_confs;	/* still used by retired services */
static size_t	 nold_confs;
static int	 backlog = CONF_BACKLOG_DEFAULT;
static void	(*shutdown_done)(void);

static void	 service_launch(struct service *, const char *why);
static void	 service_timer_cb(evutil_socket_t, short, void *);
static void	 services_retire_done(void);

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
ts_diff(const struct timespec *a, const struct timespec *b)
{
	return (double)(a->tv_sec - b->tv_sec) +
	    (double)(a->tv_nsec - b->tv_nsec) / 1e9;
}

static void
now_ts(struct timespec *ts)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
}

/* The one state setter: stamps the time and logs the transition. */
static void
service_set_state(struct service *s, enum service_state st)
{
	if (s->state != st)
		log_info("%s: %s -> %s", s->name, service_state_name(s->state),
		    service_state_name(st));
	s->state = st;
	now_ts(&s->since);
}

void
service_set_error(struct service *s, const char *msg)
{
	free(s->last_error);
	s->last_error = msg != NULL ? xstrdup(msg) : NULL;
}

/*
 * Timers are made on first use: most configured services never need
 * one, and a thousand idle services should cost little memory.
 */
int
service_timer_make(struct service *s, struct event **ev,
    void (*cb)(evutil_socket_t, short, void *))
{
	if (*ev == NULL && (*ev = evtimer_new(base, cb, s)) == NULL) {
		log_warnx("%s: cannot create a timer", s->name);
		return -1;
	}
	return 0;
}

static void
timer_arm(struct service *s, int secs)
{
	struct timeval tv = { secs, 0 };

	if (service_timer_make(s, &s->timer, service_timer_cb) == -1 ||
	    event_add(s->timer, &tv) == -1)
		log_warnx("%s: cannot arm a timer", s->name);
}

static void
timer_stop(struct service *s)
{
	if (s->timer != NULL)
		event_del(s->timer);
}

void
service_unwatch(struct service *s)
{
	size_t	i;

	for (i = 0; i < s->nls; i++)
		if (s->ls[i] != NULL)
			listen_unwatch(s->ls[i]);
}

/* Watch the sockets, unless a limit or a back-off says not yet. */
void
service_watch(struct service *s)
{
	size_t	i;

	if (s->conf->accept && ((int)s->ninst >= s->conf->max_instances ||
	    (s->backoff != NULL && event_pending(s->backoff, EV_TIMEOUT,
	    NULL))))
		return;
	for (i = 0; i < s->nls; i++)
		if (s->ls[i] != NULL)
			listen_watch(s->ls[i]);
}

static void
service_close_sockets(struct service *s)
{
	size_t	i;

	for (i = 0; i < s->nls; i++) {
		listen_close(s->ls[i]);
		s->ls[i] = NULL;
	}
}

static int	service_open_sockets(struct service *, char **cause);

/* ---- pid bookkeeping: supervisors and instances ---- */

static struct service *
service_by_sup(pid_t pid)
{
	size_t	i;

	for (i = 0; i < nservices; i++)
		if (services[i]->sup_pid == pid)
			return services[i];
	for (i = 0; i < nretired; i++)
		if (retired[i]->sup_pid == pid)
			return retired[i];
	return NULL;
}

static struct service *
service_by_instance(pid_t pid, size_t *idx)
{
	size_t	i, j;

	for (i = 0; i < nservices + nretired; i++) {
		struct service *s = i < nservices ? services[i] :
		    retired[i - nservices];
		for (j = 0; j < s->ninst; j++)
			if (s->inst[j].pid == pid) {
				*idx = j;
				return s;
			}
	}
	return NULL;
}

void
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

/* ---- start limits ---- */

/*
 * failed, for a hold-off that doubles from 1 s up to a minute and then
 * expires by itself. The sockets stay open (nobody else may take the
 * address) but are not watched meanwhile.
 */
static void
service_hold_off(struct service *s)
{
	s->holdoff = s->holdoff == 0 ? 1 : (s->holdoff * 2 > HOLDOFF_MAX ?
	    HOLDOFF_MAX : s->holdoff * 2);
	log_warnx("%s: holding off for %d s", s->name, s->holdoff);
	service_unwatch(s);
	service_set_state(s, SERVICE_FAILED);
	timer_stop(s);
	timer_arm(s, s->holdoff);
}

/*
 * More than start-limit-burst starts within start-limit-interval puts
 * the service in failed with a hold-off that doubles up to a minute and
 * then expires by itself: never a busy loop, never disabled for good.
 */
static int
service_may_start(struct service *s)
{
	struct timespec now;
	size_t	 i, kept = 0;

	now_ts(&now);
	for (i = 0; i < s->nstarts; i++)
		if (ts_diff(&now, &s->starts[i]) < s->conf->start_limit_interval)
			s->starts[kept++] = s->starts[i];
	s->nstarts = kept;
	if ((int)s->nstarts >= s->conf->start_limit_burst) {
		if (s->holdoff_passed) {
			s->holdoff_passed = 0;
			return 1;
		}
		log_warnx("%s: started %zu times in %d s", s->name, s->nstarts,
		    s->conf->start_limit_interval);
		service_hold_off(s);
		return 0;
	}
	return 1;
}

static void
service_note_start(struct service *s)
{
	s->starts = xreallocarray(s->starts, s->nstarts + 1,
	    sizeof *s->starts);
	now_ts(&s->starts[s->nstarts++]);
}

/*
 * Where the service's stdout and stderr go: a pipe made at its first
 * start, so a thousand services that never ran hold no pipe at all.
 */
int
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

/* ---- accept = no: launching under a supervisor ---- */

static void
service_sup_msg_cb(evutil_socket_t fd, short what, void *arg)
{
	struct service *s = arg;
	struct sup_msg m;
	struct timespec now;
	ssize_t	 n;

	(void)what;
	n = recv(fd, &m, sizeof m, MSG_DONTWAIT);
	if (n <= 0) {
		/* EOF: the supervisor is exiting; SIGCHLD will say so. */
		if (n == 0 || (errno != EAGAIN && errno != EINTR))
			event_del(s->sup_ev);
		return;
	}
	if (n != (ssize_t)sizeof m || m.version != SUP_MSG_VERSION) {
		log_warnx("%s: bad message from supervisor", s->name);
		return;
	}
	m.text[sizeof m.text - 1] = '\0';
	switch (m.type) {
	case SUP_LAUNCHED:
		s->launched_pid = s->main_pid = m.pid;
		log_info("%s: launched pid %ld", s->name, (long)m.pid);
		break;
	case SUP_MAIN:
		s->main_pid = m.pid;
		log_debug("%s: main process is now pid %ld", s->name,
		    (long)m.pid);
		break;
	case SUP_READY:
		s->main_pid = m.pid;
		now_ts(&now);
		s->ready_time = ts_diff(&now, &s->start_ts);
		s->holdoff = 0;
		timer_stop(s);
		if (s->state == SERVICE_STARTING) {
			log_info("%s: ready, main pid %ld (%.3f s)", s->name,
			    (long)m.pid, s->ready_time);
			service_set_state(s, SERVICE_RUNNING);
		}
		break;
	case SUP_FAILED:
		s->start_failed = 1;
		log_error("%s: start failed: %s", s->name, m.text);
		service_set_error(s, m.text);
		if (s->state == SERVICE_STARTING)
			service_set_state(s, SERVICE_STOPPING);
		break;
	case SUP_EXITED:
		service_record_exit(s, m.status);
		if (m.status != -1 && WIFSIGNALED(m.status))
			log_notice("%s: main process %ld killed by signal %s",
			    s->name, (long)m.pid,
			    sigabbrev_np(WTERMSIG(m.status)) != NULL ?
			    sigabbrev_np(WTERMSIG(m.status)) : "?");
		else if (m.status != -1)
			log_notice("%s: main process %ld exited with status %d",
			    s->name, (long)m.pid, WEXITSTATUS(m.status));
		else
			log_notice("%s: main process %ld ended", s->name,
			    (long)m.pid);
		if (m.status != -1 && !(WIFEXITED(m.status) &&
		    WEXITSTATUS(m.status) == 0) &&
		    s->exit_pending == EXIT_POLICY && s->state != SERVICE_STOPPING)
			s->run_failed = 1;	/* for restart = on-failure */
		s->main_pid = 0;
		if (s->state == SERVICE_RUNNING || s->state == SERVICE_STARTING)
			service_set_state(s, SERVICE_STOPPING);
		break;
	default:
		log_warnx("%s: unknown message %u from supervisor", s->name,
		    m.type);
	}
}

static void
service_send_stop(struct service *s)
{
	if (s->sup_pid != 0 && supervise_send(s->sup_fd, SUP_STOP, 0, 0,
	    NULL) == -1)
		log_warn("%s: cannot ask supervisor %ld to stop", s->name,
		    (long)s->sup_pid);
	if (s->state != SERVICE_STOPPED)
		service_set_state(s, SERVICE_STOPPING);
}

static void
service_launch(struct service *s, const char *why)
{
	struct sup_params p;
	int	 fds[64];
	size_t	 i;
	char	*cause = NULL;

	if (s->sup_pid != 0 || !service_may_start(s))
		return;
	service_note_start(s);
	for (i = 0; i < s->nls && i < 64; i++)
		fds[i] = listen_fd(s->ls[i]);
	memset(&p, 0, sizeof p);
	p.conf = s->conf;
	p.mode = s->conf->handoff == HANDOFF_STDIO ? SPAWN_STDIO :
	    SPAWN_LISTEN_FDS;
	p.fds = fds;
	p.nfds = s->nls;
	p.out_fd = service_output_fd(s);
	s->sup_pid = supervise_start(&p, &s->sup_fd, &cause);
	if (s->sup_pid == -1) {
		s->sup_pid = 0;
		log_error("%s: cannot start: %s", s->name, cause);
		service_set_error(s, cause);
		free(cause);
		/* Retry later, not in a loop: fork failing means pressure. */
		service_hold_off(s);
		return;
	}
	s->sup_ev = event_new(base, s->sup_fd, EV_READ | EV_PERSIST,
	    service_sup_msg_cb, s);
	if (s->sup_ev == NULL || event_add(s->sup_ev, NULL) == -1)
		log_warnx("%s: cannot watch supervisor", s->name);
	s->activations++;
	s->start_failed = s->run_failed = 0;
	s->restart_pending = 0;
	s->exit_pending = EXIT_POLICY;
	s->main_pid = s->launched_pid = 0;
	s->ready_time = -1;
	service_set_error(s, NULL);
	now_ts(&s->start_ts);
	service_unwatch(s);
	log_info("%s: starting (%s), supervisor pid %ld", s->name, why,
	    (long)s->sup_pid);
	service_set_state(s, SERVICE_STARTING);
	timer_stop(s);
	timer_arm(s, s->conf->start_timeout);
}

static void service_free(struct service *);

static void
service_orphan_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct service *s = arg;
	size_t	i;

	(void)fd;
	(void)what;
	for (i = 0; i < s->norphans; i++)
		proc_signal(s->orphans[i].pid, s->orphans[i].start, SIGKILL);
	s->norphans = 0;
}

/*
 * SIGTERM to ROOTS and every process below them now; remember them all
 * (with start times, so a reused pid is never hit) for a SIGKILL after
 * stop-timeout if they are still there.
 */
void
service_term_trees(struct service *s, const struct procinfo *all, size_t n,
    const pid_t *roots, size_t nroots)
{
	struct timeval tv = { s->conf->stop_timeout, 0 };
	size_t	 i, j, k, nd;
	pid_t	*d;

	for (i = 0; i < nroots; i++) {
		d = proc_descendants(all, n, roots[i], &nd);
		d = xreallocarray(d, nd + 1, sizeof *d);
		d[nd++] = roots[i];
		for (j = 0; j < nd; j++)
			for (k = 0; k < n; k++)
				if (all[k].pid == d[j]) {
					s->orphans = xreallocarray(s->orphans,
					    s->norphans + 1, sizeof *s->orphans);
					s->orphans[s->norphans++] = all[k];
					proc_signal(d[j], all[k].start, SIGTERM);
				}
		free(d);
	}
	if (s->norphans > 0 && service_timer_make(s, &s->orphan_timer,
	    service_orphan_timer_cb) == 0)
		evtimer_add(s->orphan_timer, &tv);
}

/*
 * The supervisor died, so its orphans are ours now, unattributed. The
 * ones holding this service's sockets, and everything below them, are
 * this service's daemon: stop them (TERM, then KILL after stop-timeout),
 * or the next activation would race a daemon nobody supervises.
 */
static void
service_kill_orphans(struct service *s)
{
	struct procinfo *all;
	ino_t	 inodes[64];
	pid_t	*roots = NULL;
	size_t	 n, i, k, nroots = 0, ni = 0;

	for (i = 0; i < s->nls && ni < 64; i++)
		if (s->ls[i] != NULL)
			inodes[ni++] = listen_inode(s->ls[i]);
	all = proc_scan(&n);
	for (i = 0; i < n; i++) {
		if (all[i].ppid != getpid() || service_by_sup(all[i].pid) ||
		    service_by_instance(all[i].pid, &k) ||
		    !proc_holds_socket(all[i].pid, inodes, ni))
			continue;
		log_notice("%s: stopping orphan pid %ld and its children",
		    s->name, (long)all[i].pid);
		roots = xreallocarray(roots, nroots + 1, sizeof *roots);
		roots[nroots++] = all[i].pid;
	}
	s->norphans = 0;
	service_term_trees(s, all, n, roots, nroots);
	free(roots);
	free(all);
}

/* The supervisor is gone: the whole tree is. Decide what comes next. */
static void
service_sup_exited(struct service *s, int status)
{

	if (s->sup_ev != NULL) {
		/* Drain what it said last. */
		service_sup_msg_cb(s->sup_fd, EV_READ, s);
		service_sup_msg_cb(s->sup_fd, EV_READ, s);
		event_free(s->sup_ev);
		s->sup_ev = NULL;
	}
	close(s->sup_fd);
	s->sup_fd = -1;
	s->sup_pid = 0;
	s->main_pid = s->launched_pid = 0;
	timer_stop(s);
	if (!(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
		log_error("%s: supervisor ended abnormally (status 0x%x)",
		    s->name, (unsigned)status);
		service_set_error(s, "supervisor ended abnormally");
		service_kill_orphans(s);
		if (s->ready_time < 0)
			s->start_failed = 1;
		else
			s->run_failed = 1;
	}
	if (shutting_down) {
		service_set_state(s, SERVICE_STOPPED);
		return;
	}
	switch (s->exit_pending) {
	case EXIT_REMOVE:
		return;
	case EXIT_STOP:
		service_close_sockets(s);
		service_set_state(s, SERVICE_STOPPED);
		return;
	case EXIT_RESTART:
		service_set_state(s, SERVICE_LISTENING);
		s->restarts++;
		service_launch(s, "restart");
		return;
	}
	/* A start that failed is held off, whatever the policy says next. */
	if (s->start_failed) {
		service_hold_off(s);
		return;
	}
	service_set_state(s, SERVICE_LISTENING);
	if (s->conf->restart == RESTART_ALWAYS ||
	    (s->conf->restart == RESTART_ON_FAILURE && s->run_failed)) {
		s->restarts++;
		service_launch(s, "restart policy");
		if (s->state != SERVICE_LISTENING)
			return;
	}
	if (s->state == SERVICE_LISTENING)
		service_watch(s);
}

static void
service_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct service *s = arg;
	char	 msg[256];

	(void)fd;
	(void)what;
	switch (s->state) {
	case SERVICE_STARTING:
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
		s->start_failed = 1;
		service_send_stop(s);
		break;
	case SERVICE_FAILED:
		log_info("%s: hold-off over", s->name);
		s->holdoff_passed = 1;
		service_set_state(s, SERVICE_LISTENING);
		if (s->conf->restart != RESTART_ON_DEMAND && !s->conf->accept)
			service_launch(s, "restart policy");
		else
			service_watch(s);
		break;
	default:
		break;
	}
}

static void
service_listen_cb(struct listener *l, int fd, void *arg)
{
	struct service *s = arg;

	(void)l;
	if (s->conf->accept)
		service_accept(s, fd);
	else if (s->state == SERVICE_LISTENING)
		service_launch(s, "activity on a socket");
	else
		service_unwatch(s);
}

/* ---- reaping ---- */

/*
 * Reap every exited child and adopted orphan: SIGCHLD coalesces, so loop
 * until nothing is left, and look each pid up. Unknown pids are strays
 * of instances, or orphans of a supervisor that died.
 */
void
services_sigchld(void)
{
	struct service *s;
	size_t	 idx, i;
	pid_t	 pid;
	int	 status;

	for (;;) {
		pid = waitpid(-1, &status, WNOHANG);
		if (pid == -1 && errno == EINTR)
			continue;
		if (pid <= 0)
			break;
		if ((s = service_by_sup(pid)) != NULL)
			service_sup_exited(s, status);
		else if ((s = service_by_instance(pid, &idx)) != NULL)
			service_instance_exited(s, idx, status);
		else
			log_debug("reaped stray pid %ld", (long)pid);
	}
	services_retire_done();
	if (shutting_down && shutdown_done != NULL) {
		for (i = 0; i < nservices; i++)
			if (services[i]->sup_pid != 0 || services[i]->ninst > 0)
				return;
		if (nretired == 0) {
			void (*done)(void) = shutdown_done;
			shutdown_done = NULL;
			done();
		}
	}
}

/* Free retired services whose tree is gone, then configs nobody uses. */
static void
services_retire_done(void)
{
	struct service *s;
	size_t	i;

	for (i = 0; i < nretired; ) {
		s = retired[i];
		if (s->sup_pid == 0 && s->ninst == 0) {
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

/* ---- creation, operator verbs ---- */

static int
service_open_sockets(struct service *s, char **cause)
{
	size_t	 i;

	for (i = 0; i < s->nls; i++) {
		if (s->ls[i] != NULL)
			continue;
		s->ls[i] = listen_open(&s->conf->listen[i], backlog,
		    s->conf->socket_mode, s->name, cause);
		if (s->ls[i] == NULL)
			return -1;
		listen_set_cb(s->ls[i], service_listen_cb, s);
	}
	return 0;
}

static struct service *
service_new(const struct service_conf *sc)
{
	struct service *s = xcalloc(1, sizeof *s);

	s->conf = sc;
	s->name = xstrdup(sc->name);
	s->nls = sc->nlisten;
	s->ls = xcalloc(s->nls, sizeof *s->ls);
	s->sup_fd = -1;
	s->ready_time = -1;
	s->state = SERVICE_LISTENING;
	now_ts(&s->since);
	return s;
}

static void
service_free(struct service *s)
{
	size_t	i;

	if (s == NULL)
		return;
	for (i = 0; i < s->nls; i++)
		listen_close(s->ls[i]);
	free(s->ls);
	if (s->timer != NULL)
		event_free(s->timer);
	if (s->backoff != NULL)
		event_free(s->backoff);
	if (s->orphan_timer != NULL)
		event_free(s->orphan_timer);
	free(s->orphans);
	if (s->sup_ev != NULL)
		event_free(s->sup_ev);
	if (s->sup_fd != -1)
		close(s->sup_fd);
	output_free(s->out);
	free(s->starts);
	free(s->inst);
	free(s->last_error);
	free(s->name);
	free(s);
}

int
services_init(struct event_base *b, struct config *conf, char **cause)
{
	size_t	i;

	base = b;
	current = conf;
	backlog = conf->backlog;
	listen_set_base(b);
	services = xcalloc(conf->nservices, sizeof *services);
	for (i = 0; i < conf->nservices; i++) {
		struct service *s = service_new(&conf->services[i]);
		services[nservices++] = s;
		if (service_open_sockets(s, cause) == -1)
			return -1;
	}
	for (i = 0; i < nservices; i++) {
		service_watch(services[i]);
		log_debug("%s: listening", services[i]->name);
	}
	return 0;
}

static void
service_stop_tree(struct service *s, int exit_pending)
{

	timer_stop(s);
	s->exit_pending = exit_pending;
	service_unwatch(s);
	if (s->sup_pid != 0)
		service_send_stop(s);
	if (s->ninst > 0)
		service_stop_instances(s);
}

int
service_start(struct service *s, char **cause)
{
	timer_stop(s);
	s->holdoff = 0;
	s->holdoff_passed = 1;
	if (s->state == SERVICE_STOPPING) {
		s->exit_pending = EXIT_RESTART;
		return 0;
	}
	if (service_open_sockets(s, cause) == -1) {
		service_close_sockets(s);
		service_set_state(s, SERVICE_STOPPED);
		return -1;
	}
	if (s->state == SERVICE_STARTING || s->state == SERVICE_RUNNING)
		return 0;
	service_set_state(s, SERVICE_LISTENING);
	if (!s->conf->accept)
		service_launch(s, "operator start");
	if (s->state == SERVICE_LISTENING)
		service_watch(s);
	return 0;
}

int
service_stop(struct service *s, char **cause)
{
	(void)cause;
	if (s->state == SERVICE_STOPPED)
		return 0;
	service_stop_tree(s, EXIT_STOP);
	if (s->sup_pid == 0) {
		service_close_sockets(s);
		service_set_state(s, SERVICE_STOPPED);
	}
	return 0;
}

int
service_restart(struct service *s, char **cause)
{
	if (s->sup_pid == 0 && s->ninst == 0)
		return service_start(s, cause);
	if (s->conf->accept) {
		service_stop_tree(s, EXIT_POLICY);
		service_set_state(s, SERVICE_LISTENING);
		service_watch(s);
		return 0;
	}
	s->holdoff_passed = 1;
	service_stop_tree(s, EXIT_RESTART);
	return 0;
}

void
services_shutdown(void (*done)(void))
{
	size_t	i;

	shutting_down = 1;
	shutdown_done = done;
	for (i = 0; i < nservices; i++) {
		service_stop_tree(services[i], EXIT_STOP);
		service_close_sockets(services[i]);
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

	/* Entries are NULL while a reload moves services to the new list. */
	for (i = 0; i < nservices; i++)
		if (services[i] != NULL && strcmp(services[i]->name, name) == 0)
			return services[i];
	return NULL;
}

/* A snapshot for the status socket: the tree comes from /proc. */
void
service_info_free(struct service_info *info)
{
	free(info->listen);
	free(info->pids);
	info->listen = NULL;
	info->pids = NULL;
}

void
service_info(struct service *s, struct service_info *info)
{
	struct timespec now;
	struct procinfo *all;
	size_t	 n, i, nd;
	pid_t	*d;

	memset(info, 0, sizeof *info);
	info->name = s->name;
	info->state = s->state;
	info->accept = s->conf->accept;
	info->type = conf_type_name(s->conf->type);
	info->nlisten = s->conf->nlisten;
	info->listen = xcalloc(info->nlisten, sizeof *info->listen);
	for (i = 0; i < info->nlisten; i++)
		info->listen[i] = s->conf->listen[i].spec;
	info->main_pid = s->main_pid;
	info->activations = s->activations;
	info->restarts = s->restarts;
	info->instances = s->ninst;
	info->accepted = s->accepted;
	info->refused = s->refused;
	info->has_exit = s->has_exit;
	info->exit_code = s->exit_code;
	info->exit_signal = s->exit_signal;
	now_ts(&now);
	info->since = ts_diff(&now, &s->since);
	info->ready_time = s->ready_time;
	info->restart_pending = s->restart_pending;
	info->last_error = s->last_error;
	if (s->sup_pid == 0 && s->ninst == 0)
		return;
	all = proc_scan(&n);
	if (s->sup_pid != 0) {
		info->pids = proc_descendants(all, n, s->sup_pid, &info->npids);
	}
	for (i = 0; i < s->ninst; i++) {
		d = proc_descendants(all, n, s->inst[i].pid, &nd);
		info->pids = xreallocarray(info->pids, info->npids + nd + 1,
		    sizeof *info->pids);
		info->pids[info->npids++] = s->inst[i].pid;
		if (nd > 0)
			memcpy(info->pids + info->npids, d, nd * sizeof *d);
		info->npids += nd;
		free(d);
	}
	free(all);
}
/* Free everything at exit, so leak checkers see only real leaks. */
void
services_free(void)
{
	size_t	i;

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
}

/* Find and take an open listener for SPEC from any current service. */
static struct listener *
reload_take_listener(const char *spec)
{
	struct listener *l;
	size_t	i, j;

	for (i = 0; i < nservices; i++)
		for (j = 0; j < services[i]->nls; j++) {
			l = services[i]->ls[j];
			if (l != NULL && strcmp(listen_spec(l), spec) == 0) {
				services[i]->ls[j] = NULL;
				return l;
			}
		}
	return NULL;
}

/*
 * Validate-then-swap, second half (the config is already valid): first
 * gather every socket the new config needs, taking over the open ones by
 * address so an unchanged address keeps the very same socket (no
 * connection is refused) and opening only the new ones. Should any open
 * fail, every taken socket is put back and nothing has changed. Then
 * apply: removed services are stopped, kept ones point at their new
 * config (a running daemon is left alone; a changed one is marked
 * restart-pending), new ones start listening.
 */
int
services_reload(struct config *nc, char **cause)
{
	struct listener ***taken;
	struct service **next, *s;
	size_t	 i, j, k;

	taken = xcalloc(nc->nservices, sizeof *taken);
	for (i = 0; i < nc->nservices; i++) {
		const struct service_conf *sc = &nc->services[i];
		taken[i] = xcalloc(sc->nlisten, sizeof **taken);
		for (j = 0; j < sc->nlisten; j++) {
			taken[i][j] = reload_take_listener(sc->listen[j].spec);
			if (taken[i][j] == NULL)
				taken[i][j] = listen_open(&sc->listen[j],
				    nc->backlog, sc->socket_mode, sc->name,
				    cause);
			if (taken[i][j] == NULL)
				goto rollback;
		}
	}

	backlog = nc->backlog;
	next = xcalloc(nc->nservices, sizeof *next);
	for (i = 0; i < nc->nservices; i++) {
		const struct service_conf *sc = &nc->services[i];
		s = service_find(sc->name);
		if (s == NULL) {
			s = service_new(sc);
			log_info("%s: added", sc->name);
		} else {
			for (j = 0; j < s->nls; j++)
				listen_close(s->ls[j]);	/* dropped addresses */
			free(s->ls);
			s->nls = sc->nlisten;
			s->ls = xcalloc(s->nls, sizeof *s->ls);
			/*
			 * A running daemon is left alone: what changed applies
			 * at its next start. Instances always start afresh.
			 */
			if (!conf_service_equal(s->conf, sc))
				s->restart_pending = s->sup_pid != 0 &&
				    !sc->accept;
			s->conf = sc;
			for (k = 0; k < nservices; k++)
				if (services[k] == s)
					services[k] = NULL;
		}
		for (j = 0; j < sc->nlisten; j++) {
			s->ls[j] = taken[i][j];
			listen_set_cb(s->ls[j], service_listen_cb, s);
		}
		if (s->state == SERVICE_STOPPED)
			service_close_sockets(s);
		next[i] = s;
	}
	/* What is left in the old list was removed from the config. */
	for (k = 0; k < nservices; k++) {
		if ((s = services[k]) == NULL)
			continue;
		log_info("%s: removed", s->name);
		service_stop_tree(s, EXIT_REMOVE);
		service_close_sockets(s);
		if (s->state != SERVICE_STOPPING)
			service_set_state(s, SERVICE_STOPPED);
		retired = xreallocarray(retired, nretired + 1,
		    sizeof *retired);
		retired[nretired++] = s;
	}
	free(services);
	services = next;
	nservices = nc->nservices;
	old_confs = xreallocarray(old_confs, nold_confs + 1,
	    sizeof *old_confs);
	old_confs[nold_confs++] = current;
	current = nc;
	for (i = 0; i < nservices; i++)
		if (services[i]->state == SERVICE_LISTENING)
			service_watch(services[i]);
	for (i = 0; i < nc->nservices; i++)
		free(taken[i]);
	free(taken);
	services_retire_done();
	return 0;

rollback:
	/* Give taken sockets back to their owners; close the new ones. */
	for (i = 0; i < nc->nservices; i++) {
		for (j = 0; j < nc->services[i].nlisten; j++) {
			struct listener *l = taken[i][j];
			int back = 0;
			if (l == NULL)
				continue;
			for (k = 0; k < nservices && !back; k++) {
				size_t m;
				s = services[k];
				for (m = 0; m < s->nls && !back; m++)
					if (s->ls[m] == NULL && strcmp(
					    s->conf->listen[m].spec,
					    listen_spec(l)) == 0) {
						s->ls[m] = l;
						back = 1;
					}
			}
			if (!back)
				listen_close(l);
		}
		free(taken[i]);
	}
	free(taken);
	return -1;
}
