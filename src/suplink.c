/* SPDX-License-Identifier: ISC */
/*
 * suplink.c -- the core's side of the per-service supervisors.
 *
 * The supervisor stops its own tree, but it is a process like any other:
 * it can be SIGSTOPped or killed. So the core keeps a deadline for every
 * stop it asks for and kills the supervisor and its tree when the
 * deadline passes, and when a supervisor ends abnormally its orphans
 * (reparented to us, since we are a subreaper too) are stopped here.
 * Every child of the core is a supervisor or the spare: any other child
 * is such an orphan.
 *
 * The spare is a supervisor forked ahead of need, while the core is
 * idle: an activation hands it the service (supervise_assign) instead of
 * forking the core on the way, and a new spare is forked afterwards. It
 * belongs to no service until then, so no status shows it. A spare that
 * dies is replaced; a reload replaces it, since it sees the configs as
 * of its fork; shutdown kills and reaps it.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "conf.h"
#include "log.h"
#include "proc.h"
#include "suplink.h"
#include "xmalloc.h"

#define STOP_MARGIN	2	/* seconds the core adds to stop-timeout */
#define SUP_READ_BATCH	64	/* records read per wake-up */
#define SPARE_AFTER_USE_MS	10	/* a new spare, once the loop is idle */
#define SPARE_RETRY_MS		1000	/* after a spare died or failed */

struct suplink {
	char		*name;
	pid_t		 pid;
	int		 fd;
	struct event	*ev;
	struct event	*deadline;
	int		 stop_timeout;
	const struct suplink_ops *ops;
	void		*arg;
};

static struct event_base *base;
static struct suplink **links;
static size_t	 nlinks;
static struct procinfo *orphans;	/* TERMed, KILLed when the timer fires */
static size_t	 norphans;
static struct event *orphan_timer;

static pid_t	 spare_pid = -1;
static int	 spare_fd = -1;
static unsigned	 spare_gen;	/* conf_gen when the spare was forked */
static unsigned	 conf_gen;	/* bumped when a config is loaded */
static int	 spares_off;	/* shutting down: no more spares */
static struct event *spare_timer;
static pid_t	*spent;		/* spares killed, not reaped yet */
static size_t	 nspent;

static void
spare_schedule(int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	if (spares_off || spare_pid != -1 || spare_timer == NULL ||
	    evtimer_pending(spare_timer, NULL))
		return;
	if (evtimer_add(spare_timer, &tv) == -1)
		log_warnx("cannot arm the spare supervisor's timer");
}

static void
spare_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	char	*cause = NULL;
	pid_t	 pid;
	int	 sfd;

	(void)fd;
	(void)what;
	(void)arg;
	if (spares_off || spare_pid != -1)
		return;
	if ((pid = supervise_spare(&sfd, &cause)) == -1) {
		log_warnx("cannot fork a spare supervisor: %s", cause);
		free(cause);
		spare_schedule(SPARE_RETRY_MS);
		return;
	}
	spare_pid = pid;
	spare_fd = sfd;
	spare_gen = conf_gen;
	log_debug("spare supervisor pid %ld", (long)pid);
}

/* Kill the spare; it is reaped with the other children. */
static void
spare_discard(void)
{
	if (spare_pid == -1)
		return;
	if (kill(spare_pid, SIGKILL) == -1)
		log_warn("kill spare supervisor %ld", (long)spare_pid);
	spent = xreallocarray(spent, nspent + 1, sizeof *spent);
	spent[nspent++] = spare_pid;
	close(spare_fd);
	spare_pid = -1;
	spare_fd = -1;
}

static int
spare_is(pid_t pid)
{
	size_t	i;

	if (pid == spare_pid)
		return 1;
	for (i = 0; i < nspent; i++)
		if (spent[i] == pid)
			return 1;
	return 0;
}

/* A reaped child that was a spare: 1, and replace it if it was current. */
static int
spare_reaped(pid_t pid, int status)
{
	size_t	i;

	for (i = 0; i < nspent; i++)
		if (spent[i] == pid) {
			spent[i] = spent[--nspent];
			return 1;
		}
	if (pid != spare_pid)
		return 0;
	log_warnx("spare supervisor %ld ended (%s %d): replacing it",
	    (long)pid, WIFSIGNALED(status) ? "signal" : "status",
	    WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
	close(spare_fd);
	spare_pid = -1;
	spare_fd = -1;
	spare_schedule(SPARE_RETRY_MS);
	return 1;
}

/*
 * Hand P to the spare, if there is one that knows P's config: its pid,
 * the core's end in *fd. -1: fork one as before.
 */
static pid_t
spare_take(const struct sup_params *p, int *fd)
{
	pid_t	pid;

	if (spare_pid == -1)
		return -1;
	if (spare_gen != conf_gen) {
		spare_discard();
		spare_schedule(0);
		return -1;
	}
	if (supervise_assign(spare_fd, p) == -1) {
		log_debug("%s: spare supervisor %ld: %s", p->conf->name,
		    (long)spare_pid, strerror(errno));
		spare_discard();
		spare_schedule(SPARE_RETRY_MS);
		return -1;
	}
	pid = spare_pid;
	*fd = spare_fd;
	spare_pid = -1;
	spare_fd = -1;
	spare_schedule(SPARE_AFTER_USE_MS);
	return pid;
}

void
suplinks_init(struct event_base *b)
{
	base = b;
	spares_off = 0;
	if ((spare_timer = evtimer_new(base, spare_timer_cb, NULL)) == NULL)
		log_warnx("cannot make the spare supervisor's timer");
	/* Forked once the loop runs: start-up is done by then. */
	spare_schedule(0);
}

void
suplinks_config_changed(void)
{
	conf_gen++;
	if (spare_pid != -1) {
		spare_discard();
		spare_schedule(0);
	}
}

/* No more spares; kill and reap the one there is (it holds nothing). */
void
suplinks_shutdown(void)
{
	spares_off = 1;
	if (spare_timer != NULL)
		evtimer_del(spare_timer);
	spare_discard();
	while (nspent > 0) {
		if (waitpid(spent[nspent - 1], NULL, 0) == -1 &&
		    errno == EINTR)
			continue;
		nspent--;
	}
}

pid_t
suplink_pid(const struct suplink *l)
{
	return l->pid;
}

/* Up to a batch of records; EOF means the supervisor is exiting. */
static void
suplink_read(struct suplink *l, int batch)
{
	struct sup_msg m;
	ssize_t	 n;
	int	 i, fd;

	for (i = 0; i < batch; i++) {
		n = supervise_recv(l->fd, &m, &fd);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			if (n == -1)
				log_warn("%s: supervisor socket", l->name);
			if (l->ev != NULL)
				event_del(l->ev);
			return;
		}
		if (n != (ssize_t)sizeof m || m.version != SUP_MSG_VERSION) {
			log_warnx("%s: bad record from supervisor %ld",
			    l->name, (long)l->pid);
			if (fd != -1)
				close(fd);
			continue;
		}
		m.text[sizeof m.text - 1] = '\0';
		l->ops->msg(l->arg, l, &m, fd);
	}
}

static void
suplink_read_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	suplink_read(arg, SUP_READ_BATCH);
}

/*
 * The deadline passed and the supervisor is still there (stopped by a
 * signal, or stuck): kill it and everything below it, now.
 */
static void
suplink_deadline_cb(evutil_socket_t fd, short what, void *arg)
{
	struct suplink *l = arg;
	struct procinfo *all;
	pid_t	*tree;
	size_t	 n, ntree, i, j;

	(void)fd;
	(void)what;
	log_warnx("%s: supervisor %ld did not stop within %d s: killing it "
	    "and its processes", l->name, (long)l->pid,
	    l->stop_timeout + STOP_MARGIN);
	all = proc_scan(&n);
	tree = proc_descendants(all, n, l->pid, &ntree);
	/* An unreaped child: its pid cannot have been reused. */
	if (kill(l->pid, SIGKILL) == -1)
		log_warn("%s: kill supervisor %ld", l->name, (long)l->pid);
	for (i = 0; i < ntree; i++) {
		for (j = 0; j < n && all[j].pid != tree[i]; j++)
			;
		proc_signal(tree[i], j < n ? all[j].start : 0, SIGKILL);
	}
	free(tree);
	free(all);
}

struct suplink *
suplink_start(const char *name, const struct sup_params *p,
    const struct suplink_ops *ops, void *arg, char **cause)
{
	struct suplink *l;
	int	 fd;
	pid_t	 pid;

	if ((pid = spare_take(p, &fd)) == -1 &&
	    (pid = supervise_start(p, &fd, cause)) == -1)
		return NULL;
	l = xcalloc(1, sizeof *l);
	l->name = xstrdup(name);
	l->pid = pid;
	l->fd = fd;
	l->ops = ops;
	l->arg = arg;
	l->stop_timeout = p->conf->stop_timeout;
	l->ev = event_new(base, fd, EV_READ | EV_PERSIST, suplink_read_cb, l);
	if (l->ev == NULL || event_add(l->ev, NULL) == -1)
		log_warn("%s: cannot watch supervisor %ld", name, (long)pid);
	links = xreallocarray(links, nlinks + 1, sizeof *links);
	links[nlinks++] = l;
	return l;
}

int
suplink_send_conn(struct suplink *l, int fd, uint32_t id, const char *host,
    int port)
{
	return supervise_send(l->fd, SUP_CONN, (pid_t)id, port, host, fd);
}

void
suplink_stop(struct suplink *l, int stop_timeout)
{
	struct timeval tv = { stop_timeout + STOP_MARGIN, 0 };

	if (l->deadline != NULL)
		return;
	l->stop_timeout = stop_timeout;
	if (supervise_send(l->fd, SUP_STOP, 0, 0, NULL, -1) == -1 &&
	    errno != EPIPE && errno != ECONNRESET)
		log_warn("%s: cannot ask supervisor %ld to stop", l->name,
		    (long)l->pid);
	if ((l->deadline = evtimer_new(base, suplink_deadline_cb, l)) == NULL ||
	    evtimer_add(l->deadline, &tv) == -1)
		log_warnx("%s: cannot arm the stop deadline", l->name);
}

/* IDLE HOOK: freeze (1) or thaw (0) the tree; SUP_FROZEN answers. */
int
suplink_freeze(struct suplink *l, int on)
{
	if (l->deadline != NULL) {	/* stopping: nothing to freeze */
		errno = ESRCH;
		return -1;
	}
	return supervise_send(l->fd, SUP_FREEZE, 0, on ? 1 : 0, NULL, -1);
}

/*
 * BINDTRAP HOOK (handoff = bind): read what the supervisor said so far,
 * then tell it start-timeout passed.
 */
void
suplink_read_pending(struct suplink *l)
{
	suplink_read(l, SUP_READ_BATCH);
}

int
suplink_claim_timeout(struct suplink *l)
{
	return supervise_send(l->fd, SUP_CLAIM_TIMEOUT, 0, 0, NULL, -1);
}

void
suplink_drain(struct suplink *l)
{
	if (supervise_send(l->fd, SUP_STOP, 0, 1, NULL, -1) == -1 &&
	    errno != EPIPE && errno != ECONNRESET)
		log_warn("%s: cannot ask supervisor %ld to drain", l->name,
		    (long)l->pid);
}

static void
orphan_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	size_t	i;

	(void)fd;
	(void)what;
	(void)arg;
	for (i = 0; i < norphans; i++)
		proc_signal(orphans[i].pid, orphans[i].start, SIGKILL);
	norphans = 0;
}

/*
 * A supervisor ended abnormally: its tree is ours now, without its
 * service's name on it. Every child of ours that is not a supervisor
 * is such an orphan: TERM it and everything below it, KILL what is left
 * after STOP_TIMEOUT.
 */
static void
suplink_stop_orphans(const char *name, int stop_timeout)
{
	struct procinfo *all;
	struct timeval tv = { stop_timeout, 0 };
	pid_t	*tree, self = getpid();
	size_t	 n, ntree, i, j, k, before = norphans;

	all = proc_scan(&n);
	for (i = 0; i < n; i++) {
		if (all[i].ppid != self || all[i].state == 'Z' ||
		    spare_is(all[i].pid))
			continue;
		for (k = 0; k < nlinks && links[k]->pid != all[i].pid; k++)
			;
		if (k < nlinks)
			continue;
		log_notice("%s: stopping orphan pid %ld and its children",
		    name, (long)all[i].pid);
		tree = proc_descendants(all, n, all[i].pid, &ntree);
		tree = xreallocarray(tree, ntree + 1, sizeof *tree);
		tree[ntree++] = all[i].pid;
		for (j = 0; j < ntree; j++)
			for (k = 0; k < n; k++)
				if (all[k].pid == tree[j]) {
					orphans = xreallocarray(orphans,
					    norphans + 1, sizeof *orphans);
					orphans[norphans++] = all[k];
					proc_signal(tree[j], all[k].start,
					    SIGTERM);
					/* frozen for an idle stop? */
					proc_signal(tree[j], all[k].start,
					    SIGCONT);
				}
		free(tree);
	}
	free(all);
	if (norphans > before && (orphan_timer != NULL ||
	    (orphan_timer = evtimer_new(base, orphan_timer_cb, NULL)) != NULL))
		evtimer_add(orphan_timer, &tv);
}

static void
suplink_free(struct suplink *l)
{
	if (l->ev != NULL)
		event_free(l->ev);
	if (l->deadline != NULL)
		event_free(l->deadline);
	close(l->fd);
	free(l->name);
	free(l);
}

int
suplinks_reaped(pid_t pid, int status)
{
	struct suplink *l;
	size_t	 i;

	if (spare_reaped(pid, status))
		return 1;
	for (i = 0; i < norphans; i++)
		if (orphans[i].pid == pid) {
			orphans[i] = orphans[--norphans];
			return 1;
		}
	for (i = 0; i < nlinks && links[i]->pid != pid; i++)
		;
	if (i == nlinks)
		return 0;
	l = links[i];
	links[i] = links[--nlinks];
	/* Drain what it said last: records stay readable after it died. */
	suplink_read(l, 1 << 20);
	if (!(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
		log_error("%s: supervisor %ld ended abnormally (%s %d)",
		    l->name, (long)pid, WIFSIGNALED(status) ? "signal" :
		    "status", WIFSIGNALED(status) ? WTERMSIG(status) :
		    WEXITSTATUS(status));
		suplink_stop_orphans(l->name, l->stop_timeout);
	}
	l->ops->gone(l->arg, l, status);
	suplink_free(l);
	return 1;
}

/* Orphans already gone (reaped by a parent of theirs) count no more. */
size_t
suplinks_busy(void)
{
	struct procinfo pi;
	size_t	 i;

	for (i = 0; i < norphans; )
		if (proc_get(orphans[i].pid, &pi) == -1 ||
		    pi.start != orphans[i].start)
			orphans[i] = orphans[--norphans];
		else
			i++;
	return nlinks + norphans;
}

void
suplinks_free(void)
{
	suplinks_shutdown();
	if (spare_timer != NULL)
		event_free(spare_timer);
	spare_timer = NULL;
	free(spent);
	spent = NULL;
	while (nlinks > 0)
		suplink_free(links[--nlinks]);
	free(links);
	links = NULL;
	free(orphans);
	orphans = NULL;
	norphans = 0;
	if (orphan_timer != NULL)
		event_free(orphan_timer);
	orphan_timer = NULL;
}
