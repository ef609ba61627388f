/* SPDX-License-Identifier: ISC */
/*
 * suplink.c -- the core's side of the per-service supervisors.
 *
 * The supervisor stops its own tree, but it is a process like any other:
 * it can be SIGSTOPped or killed. So the core keeps a deadline for every
 * stop it asks for and kills the supervisor and its tree when the
 * deadline passes, and when a supervisor ends abnormally its orphans
 * (reparented to us, since we are a subreaper too) are stopped here.
 * Every child of the core is a supervisor: any other child is such an
 * orphan.
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

void
suplinks_init(struct event_base *b)
{
	base = b;
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

	if ((pid = supervise_start(p, &fd, cause)) == -1)
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
		if (all[i].ppid != self || all[i].state == 'Z')
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
