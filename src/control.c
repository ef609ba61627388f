/* SPDX-License-Identifier: ISC */
/*
 * control.c -- the status socket: a UNIX stream socket in the core's event
 * loop, guarded by a singleton lock, answering one JSON line per request
 * line. It reads state through service.h and changes nothing itself.
 *
 * The core must never stall for it, so every client gets a bounded share
 * of a loop turn: one request, then the next one on a later turn; no new
 * reply while its unsent output is large; /proc read a few entries per
 * turn, once for all the requests that need it. Root and activator's own
 * user keep slots no one else can take, other users a bounded number each,
 * and what is refused or denied is logged once per uid and interval.
 * A client that sends `watch` becomes a watcher (watch.c): it gets events
 * until it closes, and is dropped if it reads too slowly.
 */
#include "config.h"

#include <sys/file.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "control.h"
#include "control-json.h"
#include "control-request.h"
#include "listen.h"
#include "log.h"
#include "metrics.h"
#include "outring.h"
#include "proc.h"
#include "reload.h"
#include "service.h"
#include "watch.h"
#include "xmalloc.h"

#define CONTROL_BACKLOG		1024
#define CONTROL_MAX_CLIENTS	1024
#define CONTROL_RESERVED	64	/* of those, for root and our uid only */
#define CONTROL_MAX_PER_UID	64	/* connections of one other uid */
#define CONTROL_LINE_MAX	4096	/* bytes of a request, LF excluded */
#define CONTROL_IN_HIGH		(16 * 1024)	/* unprocessed input read */
#define CONTROL_OUT_HIGH	(64 * 1024)	/* no new reply above */
#define CONTROL_TIMEOUT		10	/* s: idle, unfinished line, no write */
#define CONTROL_BACKOFF_MIN	100	/* ms, after EMFILE and the like */
#define CONTROL_BACKOFF_MAX	2000
#define CONTROL_ACCEPT_BURST	64	/* accepts per wakeup: stay fair */
#define CONTROL_LOG_ARG		128	/* bytes of an escaped argument */
#define CONTROL_LOG_INTERVAL	10	/* s: one line per uid, then a count */
#define CONTROL_SCAN_STEP	32	/* /proc entries read per loop turn */

/* A line logged, then only counted until the interval is over. */
struct logwin {
	struct peer	*peer;
	struct event	*ev;		/* pending during the interval */
	u_int		 suppressed;
	int		 level;
	const char	*what;		/* "refused or denied requests" */
};

/* Everything connected with one uid: the per-uid cap, the log limit. */
struct peer {
	uid_t		 uid;
	u_int		 nclients;
	struct logwin	 denied;	/* refused connections, denied verbs */
	struct logwin	 bad;		/* malformed requests (debug) */
	struct logwin	 dropped;	/* watchers that did not read */
	LIST_ENTRY(peer) entry;
};
LIST_HEAD(peers, peer);

struct client {
	struct bufferevent *bev;
	struct event	*partial;	/* an unfinished line is due by now */
	struct event	*next;		/* the next request, a turn later */
	struct peer	*peer;
	uid_t		 uid;		/* SO_PEERCRED at accept; -1 unknown */
	pid_t		 pid;
	int		 privileged;	/* root or our own uid */
	int		 flags;
#define CLIENT_PAUSED	0x01	/* too much unsent output: not reading */
#define CLIENT_EOF	0x02	/* the peer will send nothing more */
#define CLIENT_CLOSING	0x04	/* free once the output is flushed */
#define CLIENT_LAST	0x08	/* control_close ran during its request */
#define CLIENT_WAITING	0x10	/* for the /proc snapshot in progress */
#define CLIENT_QUEUED	0x20	/* for the snapshot after that one */
#define CLIENT_WATCHING	0x40	/* sent watch: events only from now on */
#define CLIENT_DROPPED	0x80	/* a watcher too far behind: free it */
#define CLIENT_LINES	0x100	/* the waiting status NAME logs */
	char		*status_arg;	/* the waiting request's NAME or NULL */
	struct watcher	*watch;		/* set while CLIENT_WATCHING */
	TAILQ_ENTRY(client) entry;
	TAILQ_ENTRY(client) wait_entry;
};
TAILQ_HEAD(clients, client);

/*
 * One pass over /proc, a few entries per loop turn, shared by every
 * request that arrived before it began; requests arriving during it wait
 * for the next pass, so no reply is older than its request.
 */
static struct {
	DIR		*dir;		/* NULL: no pass in progress */
	struct procinfo *all;
	size_t		 n;
	size_t		 cap;
	struct event	*step;
	struct clients	 waiting;	/* answered when this pass ends */
	struct clients	 queued;	/* for the pass after it */
} snap = {
	.waiting = TAILQ_HEAD_INITIALIZER(snap.waiting),
	.queued = TAILQ_HEAD_INITIALIZER(snap.queued),
};

static struct event_base *ctl_base;
static char		*ctl_path;	/* NULL while closed */
static int		 ctl_fd = -1;
static int		 ctl_lockfd = -1;	/* flock'd PATH.lock */
static dev_t		 ctl_dev;	/* the socket file we bound */
static ino_t		 ctl_ino;
static struct event	*ctl_ev;	/* accept */
static struct event	*ctl_backoff;	/* re-arms ctl_ev */
static int		 ctl_backoff_ms;	/* next pause; 0 after accept */
static int		 ctl_starved;	/* accept failing; logged once */
static int		 ctl_full;	/* at CONTROL_MAX_CLIENTS, logged */
static control_reload_fn *ctl_reload;
static struct clients	 ctl_clients = TAILQ_HEAD_INITIALIZER(ctl_clients);
static u_int		 ctl_nclients;
static u_int		 ctl_nunprivileged;
static struct peers	 ctl_peers = LIST_HEAD_INITIALIZER(ctl_peers);
static struct client	*ctl_busy;	/* whose request is being answered */

static void	client_process(struct client *);
static void	client_free(struct client *);
static void	snap_start(void);

/* ---- the log limit ------------------------------------------------------- */

static void
peer_logv(int level, const char *fmt, va_list ap)
{
	char	msg[512];

	vsnprintf(msg, sizeof msg, fmt, ap);
	if (level <= LOG_INFO)
		log_info("%s", msg);
	else
		log_debug("%s", msg);
}

static void
peer_log_line(int level, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	peer_logv(level, fmt, ap);
	va_end(ap);
}

static void	peer_put(struct peer *);

/* The interval is over: say how many lines were held back, if any. */
static void
logwin_flush(struct peer *p, struct logwin *w)
{
	if (w->suppressed == 0)
		return;
	peer_log_line(w->level, "control: uid %ld: %u more %s in the last "
	    "%d s", (long)p->uid, w->suppressed, w->what,
	    CONTROL_LOG_INTERVAL);
	w->suppressed = 0;
}

static void
logwin_cb(evutil_socket_t fd, short what, void *arg)
{
	struct logwin	*w = arg;
	struct peer	*p = w->peer;
	struct timeval	 tv = { CONTROL_LOG_INTERVAL, 0 };

	(void)fd;
	(void)what;
	if (w->suppressed > 0) {
		/* A flood goes on: one line per interval, no more. */
		logwin_flush(p, w);
		evtimer_add(w->ev, &tv);
		return;
	}
	peer_put(p);
}

/* Log for the peer, or count the line if one was logged lately. */
static void __attribute__((format(printf, 2, 3)))
peer_log(struct logwin *w, const char *fmt, ...)
{
	struct timeval	 tv = { CONTROL_LOG_INTERVAL, 0 };
	va_list		 ap;

	if (w->level > log_getlevel())
		return;
	if (evtimer_pending(w->ev, NULL)) {
		w->suppressed++;
		return;
	}
	va_start(ap, fmt);
	peer_logv(w->level, fmt, ap);
	va_end(ap);
	event_base_update_cache_time(ctl_base);
	evtimer_add(w->ev, &tv);
}

static void
logwin_init(struct peer *p, struct logwin *w, int level, const char *what)
{
	w->peer = p;
	w->level = level;
	w->what = what;
	if ((w->ev = evtimer_new(ctl_base, logwin_cb, w)) == NULL)
		fatalx("control: evtimer_new failed");
}

static struct peer *
peer_get(uid_t uid)
{
	struct peer	*p;

	LIST_FOREACH(p, &ctl_peers, entry)
		if (p->uid == uid)
			return p;
	p = xcalloc(1, sizeof *p);
	p->uid = uid;
	logwin_init(p, &p->denied, LOG_INFO, "refused or denied requests");
	logwin_init(p, &p->bad, LOG_DEBUG, "malformed requests");
	logwin_init(p, &p->dropped, LOG_INFO, "watchers dropped");
	LIST_INSERT_HEAD(&ctl_peers, p, entry);
	return p;
}

/* Free the peer once it has no client and nothing left to log. */
static void
peer_put(struct peer *p)
{
	if (p->nclients > 0 || evtimer_pending(p->denied.ev, NULL) ||
	    evtimer_pending(p->bad.ev, NULL) ||
	    evtimer_pending(p->dropped.ev, NULL))
		return;
	LIST_REMOVE(p, entry);
	event_free(p->denied.ev);
	event_free(p->bad.ev);
	event_free(p->dropped.ev);
	free(p);
}

/* ---- replies ------------------------------------------------------------- */

static void
reply_error(struct jbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
reply_error(struct jbuf *b, const char *fmt, ...)
{
	va_list	 ap;
	char	*msg;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) == -1)
		fatal("vasprintf");
	va_end(ap);
	jbuf_lit(b, "{\"ok\":false,\"error\":");
	jbuf_str(b, msg);
	jbuf_lit(b, "}");
	free(msg);
}

static void
reply_last_exit(struct jbuf *b, const struct service_info *i)
{
	const char	*name;
	char		 num[16];

	if (!i->has_exit) {
		jbuf_lit(b, "null");
		return;
	}
	if (i->exit_signal == 0) {
		jbuf_lit(b, "{\"code\":");
		jbuf_int(b, i->exit_code);
	} else {
		if ((name = sigabbrev_np(i->exit_signal)) == NULL) {
			snprintf(num, sizeof num, "%d", i->exit_signal);
			name = num;
		}
		jbuf_lit(b, "{\"signal\":");
		jbuf_str(b, name);
	}
	jbuf_lit(b, "}");
}

/* ,"KEY":N -- KEY comes with its quotes and colon, as a literal. */
static void
reply_int(struct jbuf *b, const char *key, long long v)
{
	jbuf_lit(b, key);
	jbuf_int(b, v);
}

/* ,"KEY":["...",...] */
static void
reply_strings(struct jbuf *b, const char *key, const char **v, size_t n)
{
	size_t	 k;

	jbuf_lit(b, key);
	jbuf_lit(b, "[");
	for (k = 0; k < n; k++) {
		if (k > 0)
			jbuf_lit(b, ",");
		jbuf_str(b, v[k]);
	}
	jbuf_lit(b, "]");
}

/* One kept output line, {"time":T,"text":"..."}; a comma if need be. */
static void
reply_line(time_t t, const char *text, size_t len, void *arg)
{
	struct jbuf	*b = arg;

	if (b->p[b->len - 1] != '[')
		jbuf_lit(b, ",");
	jbuf_lit(b, "{\"time\":");
	jbuf_int(b, (long long)t);
	jbuf_lit(b, ",\"text\":");
	jbuf_strn(b, text, len);
	jbuf_lit(b, "}");
}

/* ,"lines":[...] -- S's last output lines, oldest first. */
static void
reply_lines(struct jbuf *b, const struct service *s)
{
	const struct outring *r = service_outring(s);

	jbuf_lit(b, ",\"lines\":[");
	if (r != NULL)
		outring_foreach(r, reply_line, b);
	jbuf_lit(b, "]");
}

/* logs NAME */
static void
reply_logs(struct jbuf *b, const char *name)
{
	struct service	*s;

	if ((s = service_find(name)) == NULL) {
		reply_error(b, "no such service: %s", name);
		return;
	}
	jbuf_lit(b, "{\"ok\":true,\"name\":");
	jbuf_str(b, name);
	reply_lines(b, s);
	jbuf_lit(b, "}");
}

/*
 * One service as JSON. command and environment are left out on purpose:
 * every local user allowed to connect may read this (SEC-18). Its output
 * lines only if asked (LINES): a status of every service stays small.
 */
static void
reply_service(struct jbuf *b, struct service *s, const struct procinfo *all,
    size_t nall, int lines)
{
	struct service_info i;
	size_t	 n;

	service_info(s, &i, all, nall);
	jbuf_lit(b, "{\"name\":");
	jbuf_str(b, i.name);
	jbuf_lit(b, ",\"state\":");
	jbuf_str(b, service_state_name(i.state));
	jbuf_lit(b, ",\"accept\":");
	jbuf_bool(b, i.accept);
	jbuf_lit(b, ",\"type\":");
	jbuf_str(b, i.type);
	reply_strings(b, ",\"listen\":", i.listen, i.nlisten);
	jbuf_lit(b, ",\"main_pid\":");
	if (i.main_pid > 0)
		jbuf_int(b, i.main_pid);
	else
		jbuf_lit(b, "null");
	jbuf_lit(b, ",\"pids\":[");
	for (n = 0; n < i.npids; n++) {
		if (n > 0)
			jbuf_lit(b, ",");
		jbuf_int(b, i.pids[n]);
	}
	jbuf_lit(b, "]");
	reply_int(b, ",\"activations\":", (long long)i.activations);
	reply_int(b, ",\"restarts\":", (long long)i.restarts);
	reply_int(b, ",\"instances\":", (long long)i.instances);
	reply_int(b, ",\"accepted\":", (long long)i.accepted);
	reply_int(b, ",\"refused\":", (long long)i.refused);
	jbuf_lit(b, ",\"last_exit\":");
	reply_last_exit(b, &i);
	jbuf_lit(b, ",\"since\":");
	jbuf_secs(b, i.since);
	jbuf_lit(b, ",\"ready_time\":");
	if (i.ready_time < 0)
		jbuf_lit(b, "null");
	else
		jbuf_secs(b, i.ready_time);
	jbuf_lit(b, ",\"restart_pending\":");
	jbuf_bool(b, i.restart_pending);
	jbuf_lit(b, ",\"last_error\":");
	jbuf_str(b, i.last_error);
	if (i.proxy) {		/* PROXY HOOK: handoff = proxy's relays */
		reply_int(b, ",\"proxy\":{\"connections\":",
		    (long long)i.proxy_conns);
		reply_int(b, ",\"relayed\":", (long long)i.proxy_total);
		reply_int(b, ",\"bytes_in\":", (long long)i.proxy_bytes_in);
		reply_int(b, ",\"bytes_out\":", (long long)i.proxy_bytes_out);
		jbuf_lit(b, "}");
	}
	if (i.bind)		/* BINDTRAP HOOK: handoff = bind */
		reply_strings(b, ",\"claimed\":", i.claimed, i.nclaimed);
	if (lines)		/* status NAME logs */
		reply_lines(b, s);
	jbuf_lit(b, "}");
	service_info_free(&i);
}

/*
 * list, status, status NAME and status NAME logs (LINES), with the
 * processes in ALL.
 */
static void
reply_services(struct jbuf *b, const char *name, const struct procinfo *all,
    size_t nall, int lines)
{
	struct service	*s;
	size_t		 n, count;
	int		 first = 1;

	if (name != NULL) {
		if ((s = service_find(name)) == NULL) {
			reply_error(b, "no such service: %s", name);
			return;
		}
		jbuf_lit(b, "{\"ok\":true,\"services\":[");
		reply_service(b, s, all, nall, lines);
		jbuf_lit(b, "]}");
		return;
	}
	jbuf_lit(b, "{\"ok\":true,\"services\":[");
	count = services_count();
	for (n = 0; n < count; n++) {
		if ((s = service_at(n)) == NULL)
			continue;
		if (!first)
			jbuf_lit(b, ",");
		first = 0;
		reply_service(b, s, all, nall, 0);
	}
	jbuf_lit(b, "]}");
}

/* Does answering list or status NAME need a pass over /proc? */
static int
services_need_snapshot(const char *name)
{
	struct service	*s;
	size_t		 n, count;

	if (name != NULL)
		return (s = service_find(name)) != NULL && service_has_tree(s);
	count = services_count();
	for (n = 0; n < count; n++)
		if ((s = service_at(n)) != NULL && service_has_tree(s))
			return 1;
	return 0;
}

/*
 * Queue one reply line; the buffer's text goes to the bufferevent. The
 * timeouts start again from now, on a fresh clock: a client whose
 * pipelined requests are still being answered is not idle, and a long
 * request must not shorten them.
 */
static void
client_reply(struct client *c, struct jbuf *b)
{
	struct timeval	tv = { CONTROL_TIMEOUT, 0 };

	jbuf_raw(b, "\n", 1);
	event_base_update_cache_time(ctl_base);
	bufferevent_set_timeouts(c->bev, &tv, &tv);
	if (evbuffer_add(bufferevent_get_output(c->bev), b->p, b->len) == -1)
		fatalx("control: cannot queue a reply");
	jbuf_free(b);
}

/* ---- the /proc snapshot -------------------------------------------------- */

static void
snap_wait(struct client *c, const char *name)
{
	c->status_arg = name != NULL ? xstrdup(name) : NULL;
	if (snap.dir == NULL) {
		c->flags |= CLIENT_WAITING;
		TAILQ_INSERT_TAIL(&snap.waiting, c, wait_entry);
		snap_start();
	} else {
		c->flags |= CLIENT_QUEUED;
		TAILQ_INSERT_TAIL(&snap.queued, c, wait_entry);
	}
}

static void
snap_forget(struct client *c)
{
	if (c->flags & CLIENT_WAITING)
		TAILQ_REMOVE(&snap.waiting, c, wait_entry);
	else if (c->flags & CLIENT_QUEUED)
		TAILQ_REMOVE(&snap.queued, c, wait_entry);
	c->flags &= ~(CLIENT_WAITING | CLIENT_QUEUED | CLIENT_LINES);
	free(c->status_arg);
	c->status_arg = NULL;
}

/*
 * By parent, then pid: proc_scan()'s order, which proc_descendants()
 * relies on.
 */
static int
snap_by_ppid(const void *a, const void *b)
{
	const struct procinfo *x = a, *y = b;

	if (x->ppid != y->ppid)
		return x->ppid < y->ppid ? -1 : 1;
	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

/* The pass is over: answer everyone who waited for it. */
static void
snap_done(void)
{
	struct client	*c;
	struct jbuf	 b;
	struct timeval	 tv = { 0, 0 };

	if (snap.dir != NULL)
		closedir(snap.dir);
	snap.dir = NULL;
	if (snap.n > 1)
		qsort(snap.all, snap.n, sizeof *snap.all, snap_by_ppid);
	while ((c = TAILQ_FIRST(&snap.waiting)) != NULL) {
		memset(&b, 0, sizeof b);
		reply_services(&b, c->status_arg, snap.all, snap.n,
		    (c->flags & CLIENT_LINES) != 0);
		snap_forget(c);
		client_reply(c, &b);
		evtimer_add(c->next, &tv);
	}
	free(snap.all);
	snap.all = NULL;
	snap.n = snap.cap = 0;
	if (TAILQ_EMPTY(&snap.queued))
		return;
	while ((c = TAILQ_FIRST(&snap.queued)) != NULL) {
		TAILQ_REMOVE(&snap.queued, c, wait_entry);
		c->flags &= ~CLIENT_QUEUED;
		c->flags |= CLIENT_WAITING;
		TAILQ_INSERT_TAIL(&snap.waiting, c, wait_entry);
	}
	snap_start();
}

static void
snap_step_cb(evutil_socket_t fd, short what, void *arg)
{
	struct timeval	 tv = { 0, 0 };
	struct dirent	*de;
	int		 n;

	(void)fd;
	(void)what;
	(void)arg;
	for (n = 0; n < CONTROL_SCAN_STEP; n++) {
		errno = 0;
		if ((de = readdir(snap.dir)) == NULL) {
			if (errno != 0)
				log_warn("control: readdir /proc");
			snap_done();
			return;
		}
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		if (snap.n == snap.cap) {
			snap.cap = snap.cap == 0 ? 256 : snap.cap * 2;
			snap.all = xreallocarray(snap.all, snap.cap,
			    sizeof *snap.all);
		}
		if (proc_get((pid_t)atol(de->d_name), &snap.all[snap.n]) == 0)
			snap.n++;
	}
	evtimer_add(snap.step, &tv);
}

static void
snap_start(void)
{
	struct timeval	tv = { 0, 0 };

	if ((snap.dir = opendir("/proc")) == NULL) {
		log_warn("control: opendir /proc");
		snap_done();	/* answered without pids */
		return;
	}
	evtimer_add(snap.step, &tv);
}

/* ---- requests ------------------------------------------------------------ */

static void
request_service(struct jbuf *b, enum control_verb verb, const char *name)
{
	struct service	*s;
	char		*cause = NULL;
	int		 rc;

	if ((s = service_find(name)) == NULL) {
		reply_error(b, "no such service: %s", name);
		return;
	}
	if (verb == VERB_START)
		rc = service_start(s, &cause);
	else if (verb == VERB_STOP)
		rc = service_stop(s, &cause);
	else
		rc = service_restart(s, &cause);
	if (rc == -1)
		reply_error(b, "%s", cause != NULL ? cause : "failed");
	else
		jbuf_lit(b, "{\"ok\":true}");
	free(cause);
}

/*
 * A reload's reply: the services added, removed, changed (with whether
 * the change waits for a restart) and unchanged, and the sockets kept,
 * opened and closed.
 */
static void
reply_reload(struct jbuf *b, const struct reload_report *r)
{
	size_t	i;

	jbuf_lit(b, "{\"ok\":true");
	if (r != NULL) {
		reply_strings(b, ",\"added\":", (const char **)r->added.v,
		    r->added.n);
		reply_strings(b, ",\"removed\":", (const char **)r->removed.v,
		    r->removed.n);
		jbuf_lit(b, ",\"changed\":[");
		for (i = 0; i < r->changed.n; i++) {
			jbuf_lit(b, i > 0 ? ",{\"name\":" : "{\"name\":");
			jbuf_str(b, r->changed.v[i]);
			jbuf_lit(b, ",\"restart_needed\":");
			jbuf_bool(b, r->restart_needed[i]);
			jbuf_lit(b, "}");
		}
		jbuf_lit(b, "]");
		reply_strings(b, ",\"unchanged\":",
		    (const char **)r->unchanged.v, r->unchanged.n);
		reply_strings(b, ",\"sockets\":{\"kept\":",
		    (const char **)r->kept.v, r->kept.n);
		reply_strings(b, ",\"opened\":", (const char **)r->opened.v,
		    r->opened.n);
		reply_strings(b, ",\"closed\":", (const char **)r->closed.v,
		    r->closed.n);
		jbuf_lit(b, "}");
	}
	jbuf_lit(b, "}");
}

static void
request_reload(struct jbuf *b)
{
	char	*cause = NULL;

	if (ctl_reload == NULL)
		reply_error(b, "reload is not supported");
	else if (ctl_reload(&cause) == -1)
		reply_error(b, "%s", cause != NULL ? cause : "failed");
	else
		reply_reload(b, reload_last_report());
	free(cause);
}

/* The exposition text as one JSON string: it needs no /proc snapshot. */
static void
request_metrics(struct jbuf *b)
{
	struct jbuf	text;

	memset(&text, 0, sizeof text);
	metrics_render(&text);
	jbuf_lit(b, "{\"ok\":true,\"metrics\":");
	jbuf_strn(b, text.p != NULL ? text.p : "", text.len);
	jbuf_lit(b, "}");
	jbuf_free(&text);
}

static void	client_watch_dropped(void *);

/*
 * watch [NAME]: the reply, then events. Nothing can be emitted between
 * this and the reply's queueing, so the reply comes first.
 */
static void
request_watch(struct client *c, struct jbuf *b, const char *name)
{
	if (name != NULL && service_find(name) == NULL) {
		reply_error(b, "no such service: %s", name);
		return;
	}
	c->watch = watch_add(c->bev, name, client_watch_dropped, c);
	c->flags |= CLIENT_WATCHING;
	jbuf_lit(b, "{\"ok\":true,\"watching\":");
	jbuf_str(b, name);
	jbuf_lit(b, "}");
}

/*
 * Answer one request line (the LF removed) into B; B stays empty for a
 * blank line, or when the answer waits for a /proc snapshot.
 */
static void
client_request(struct client *c, const char *line, size_t len,
    struct jbuf *b)
{
	struct control_request req;
	char		 arg[CONTROL_LINE_MAX + 1], earg[CONTROL_LOG_ARG];
	int		 allowed;

	switch (control_parse_request(line, len, &req)) {
	case CONTROL_PARSE_BLANK:
		return;
	case CONTROL_PARSE_UNKNOWN:
		if (req.wordlen > 0)
			log_escape(earg, sizeof earg, req.word, req.wordlen);
		else
			log_escape(earg, sizeof earg, line, len);
		peer_log(&c->peer->bad, "control: unknown command "
		    "'%s' from uid %ld", earg, (long)c->uid);
		reply_error(b, "unknown command");
		return;
	case CONTROL_PARSE_USAGE:
		reply_error(b, "usage: %s", req.usage);
		return;
	case CONTROL_PARSE_OK:
		break;
	}
	if (req.arg != NULL) {
		memcpy(arg, req.arg, req.arglen);
		arg[req.arglen] = '\0';
	}
	if (req.mutating) {
		earg[0] = '\0';
		if (req.arg != NULL)
			log_escape(earg, sizeof earg, req.arg, req.arglen);
		allowed = c->privileged;
		if (allowed)
			log_info("control: %s%s%s by uid %ld", req.name,
			    req.arg != NULL ? " " : "", earg, (long)c->uid);
		else {
			peer_log(&c->peer->denied, "control: %s%s%s "
			    "by uid %ld: permission denied", req.name,
			    req.arg != NULL ? " " : "", earg, (long)c->uid);
			reply_error(b, "permission denied");
			return;
		}
	}

	switch (req.verb) {
	case VERB_PING:
		jbuf_lit(b, "{\"ok\":true,\"pong\":true}");
		break;
	case VERB_VERSION:
		jbuf_lit(b, "{\"ok\":true,\"version\":");
		jbuf_str(b, PACKAGE_VERSION);
		jbuf_lit(b, "}");
		break;
	case VERB_LIST:
	case VERB_STATUS:
		if (services_need_snapshot(req.arg != NULL ? arg : NULL)) {
			if (req.opt != NULL)
				c->flags |= CLIENT_LINES;
			snap_wait(c, req.arg != NULL ? arg : NULL);
		} else
			reply_services(b, req.arg != NULL ? arg : NULL,
			    NULL, 0, req.opt != NULL);
		break;
	case VERB_LOGS:
		reply_logs(b, arg);
		break;
	case VERB_START:
	case VERB_STOP:
	case VERB_RESTART:
		request_service(b, req.verb, arg);
		break;
	case VERB_RELOAD:
		request_reload(b);
		break;
	case VERB_METRICS:
		request_metrics(b);
		break;
	case VERB_WATCH:
		request_watch(c, b, req.arg != NULL ? arg : NULL);
		break;
	}
}

/* ---- clients ------------------------------------------------------------- */

/* Stop reading and free the client once its output is flushed. */
static void
client_close_after_flush(struct client *c)
{
	c->flags |= CLIENT_CLOSING;
	bufferevent_disable(c->bev, EV_READ);
	evtimer_del(c->partial);
	evtimer_del(c->next);
}

static void
client_free(struct client *c)
{
	struct peer	*p = c->peer;

	snap_forget(c);
	watch_remove(c->watch);
	TAILQ_REMOVE(&ctl_clients, c, entry);
	ctl_nclients--;
	if (!c->privileged)
		ctl_nunprivileged--;
	event_free(c->partial);
	event_free(c->next);
	bufferevent_free(c->bev);
	free(c);
	p->nclients--;
	peer_put(p);
}

/*
 * A watcher's output passed WATCH_PENDING_MAX: what it has not read is
 * thrown away with it. Freed on a later turn, outside watch_send().
 */
static void
client_watch_dropped(void *arg)
{
	struct client	*c = arg;
	struct timeval	 tv = { 0, 0 };

	peer_log(&c->peer->dropped, "control: watcher of uid %ld pid %ld "
	    "does not read: over %d bytes pending, dropped", (long)c->uid,
	    (long)c->pid, WATCH_PENDING_MAX);
	c->flags |= CLIENT_DROPPED;
	bufferevent_disable(c->bev, EV_READ | EV_WRITE);
	evtimer_del(c->partial);
	evtimer_add(c->next, &tv);
}

/*
 * A watcher's requests are read and ignored: it only has to be read
 * to see it close. May free the client.
 */
static void
client_watching(struct client *c)
{
	struct evbuffer	*in = bufferevent_get_input(c->bev);
	struct timeval	 tv = { CONTROL_TIMEOUT, 0 };

	evbuffer_drain(in, evbuffer_get_length(in));
	if (c->flags & CLIENT_DROPPED) {
		client_free(c);
		return;
	}
	/* It sends nothing more: the stream ends, what is queued is sent. */
	if (c->flags & CLIENT_EOF) {
		event_base_update_cache_time(ctl_base);
		bufferevent_set_timeouts(c->bev, &tv, &tv);
		watch_remove(c->watch);
		c->watch = NULL;
		c->flags &= ~CLIENT_WATCHING;
		client_close_after_flush(c);
		if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
			client_free(c);
	}
}

static void
client_too_long(struct client *c)
{
	struct evbuffer	*in = bufferevent_get_input(c->bev);
	struct jbuf	 b;

	peer_log(&c->peer->bad, "control: request over %d bytes "
	    "from uid %ld, closing", CONTROL_LINE_MAX, (long)c->uid);
	evbuffer_drain(in, evbuffer_get_length(in));
	memset(&b, 0, sizeof b);
	reply_error(&b, "request too long");
	client_reply(c, &b);
	client_close_after_flush(c);
}

/*
 * Answer the next complete line, one per call: the next one waits for a
 * later loop turn (c->next), so a client that pipelines a thousand
 * requests shares the loop with everyone else. No new request is taken
 * while the client's unsent output is above CONTROL_OUT_HIGH: a slow
 * reader costs a bounded amount of memory and no work; the write callback
 * resumes it. May free the client.
 */
static void
client_process(struct client *c)
{
	struct evbuffer	*in = bufferevent_get_input(c->bev);
	struct evbuffer	*out = bufferevent_get_output(c->bev);
	struct timeval	 tv = { CONTROL_TIMEOUT, 0 }, now = { 0, 0 };
	struct jbuf	 b;
	char		*line;
	size_t		 len;

	if (c->flags & (CLIENT_CLOSING | CLIENT_WAITING | CLIENT_QUEUED))
		return;
	if (c->flags & CLIENT_WATCHING) {
		client_watching(c);
		return;
	}
	if (evbuffer_get_length(out) >= CONTROL_OUT_HIGH) {
		if (!(c->flags & CLIENT_PAUSED)) {
			c->flags |= CLIENT_PAUSED;
			bufferevent_disable(c->bev, EV_READ);
			evtimer_del(c->partial);
		}
		return;
	}
	if (c->flags & CLIENT_PAUSED) {
		c->flags &= ~CLIENT_PAUSED;
		if (!(c->flags & CLIENT_EOF))
			bufferevent_enable(c->bev, EV_READ);
	}

	line = evbuffer_readln(in, &len, EVBUFFER_EOL_LF);
	if (line == NULL) {
		len = evbuffer_get_length(in);
		if (len > CONTROL_LINE_MAX) {
			client_too_long(c);
			return;
		}
		if (len == 0 || !(c->flags & CLIENT_EOF)) {
			if (c->flags & CLIENT_EOF) {
				client_close_after_flush(c);
				if (evbuffer_get_length(out) == 0)
					client_free(c);
				return;
			}
			/*
			 * The read timeout only sees silence; a slow trickle
			 * with no LF (slowloris) must also end, so each line
			 * has its own deadline.
			 */
			if (len == 0)
				evtimer_del(c->partial);
			else if (!evtimer_pending(c->partial, NULL)) {
				event_base_update_cache_time(ctl_base);
				evtimer_add(c->partial, &tv);
			}
			return;
		}
		/* The peer shut down after a last line with no LF. */
		line = xmalloc(len + 1);
		evbuffer_remove(in, line, len);
		line[len] = '\0';
	}
	evtimer_del(c->partial);
	if (len > CONTROL_LINE_MAX) {
		free(line);
		client_too_long(c);
		return;
	}

	memset(&b, 0, sizeof b);
	ctl_busy = c;
	client_request(c, line, len, &b);
	ctl_busy = NULL;
	free(line);
	if (b.len > 0)
		client_reply(c, &b);
	jbuf_free(&b);
	if (c->flags & CLIENT_LAST) {
		snap_forget(c);
		client_close_after_flush(c);
		return;
	}
	/*
	 * A watcher may be silent for ever; one that stops reading is
	 * dropped by the bound on its output (watch.c), not by a clock.
	 */
	if (c->flags & CLIENT_WATCHING)
		bufferevent_set_timeouts(c->bev, NULL, NULL);
	/* Whatever else it sent: on a later turn, after everyone else. */
	if (!(c->flags & (CLIENT_WAITING | CLIENT_QUEUED)))
		evtimer_add(c->next, &now);
}

static void
client_next_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	client_process(arg);
}

static void
client_read_cb(struct bufferevent *bev, void *arg)
{
	struct client	*c = arg;

	(void)bev;
	/* A request is due on this turn already: one per turn. */
	if (!evtimer_pending(c->next, NULL))
		client_process(c);
}

/* Output drained to CONTROL_OUT_HIGH or below, or (closing) all sent. */
static void
client_write_cb(struct bufferevent *bev, void *arg)
{
	struct client	*c = arg;

	if (c->flags & CLIENT_CLOSING) {
		if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
			client_free(c);
	} else if ((c->flags & CLIENT_PAUSED) &&
	    !evtimer_pending(c->next, NULL))
		client_process(c);
}

static void
client_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct client	*c = arg;

	(void)bev;
	if (what & BEV_EVENT_TIMEOUT) {
		log_debug("control: client uid %ld timed out while %s",
		    (long)c->uid, (what & BEV_EVENT_READING) ? "idle" :
		    "not reading");
		client_free(c);
	} else if ((what & BEV_EVENT_EOF) && (what & BEV_EVENT_READING)) {
		c->flags |= CLIENT_EOF;
		if (!evtimer_pending(c->next, NULL))
			client_process(c);
	} else
		client_free(c);
}

static void
client_partial_cb(evutil_socket_t fd, short what, void *arg)
{
	struct client	*c = arg;

	(void)fd;
	(void)what;
	log_debug("control: client uid %ld left a request unfinished for "
	    "%d seconds, closing", (long)c->uid, CONTROL_TIMEOUT);
	client_free(c);
}

/*
 * Admit a connection, or close it: at CONTROL_MAX_CLIENTS for everyone;
 * CONTROL_RESERVED slots before that for root and our own uid only; and
 * CONTROL_MAX_PER_UID connections for any other uid.
 */
static int
client_admit(int fd, uid_t uid, int privileged, struct peer **pp)
{
	struct peer	*p;

	*pp = NULL;
	if (ctl_nclients >= CONTROL_MAX_CLIENTS) {
		if (!ctl_full)
			log_warnx("control: %d clients connected, closing "
			    "new ones", CONTROL_MAX_CLIENTS);
		ctl_full = 1;
		close(fd);
		return -1;
	}
	ctl_full = 0;
	p = peer_get(uid);
	if (!privileged && ctl_nunprivileged >= CONTROL_MAX_CLIENTS -
	    CONTROL_RESERVED) {
		peer_log(&p->denied, "control: %d clients of other users "
		    "connected, refusing uid %ld", CONTROL_MAX_CLIENTS -
		    CONTROL_RESERVED, (long)uid);
		goto refuse;
	}
	if (!privileged && p->nclients >= CONTROL_MAX_PER_UID) {
		peer_log(&p->denied, "control: uid %ld has %d connections, "
		    "refusing more", (long)uid, CONTROL_MAX_PER_UID);
		goto refuse;
	}
	*pp = p;
	return 0;

refuse:
	close(fd);
	peer_put(p);
	return -1;
}

static void
client_new(int fd)
{
	struct client	*c;
	struct peer	*p;
	struct ucred	 cred;
	socklen_t	 len = sizeof cred;
	struct timeval	 tv = { CONTROL_TIMEOUT, 0 };
	uid_t		 uid = (uid_t)-1;
	pid_t		 pid = -1;
	int		 privileged;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0) {
		uid = cred.uid;
		pid = cred.pid;
	} else
		log_warn("control: SO_PEERCRED");
	privileged = uid == 0 || uid == geteuid();
	if (client_admit(fd, uid, privileged, &p) == -1)
		return;

	c = xcalloc(1, sizeof *c);
	c->uid = uid;
	c->pid = pid;
	c->privileged = privileged;
	if ((c->bev = bufferevent_socket_new(ctl_base, fd,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		log_warn("control: cannot create a buffer for a client");
		close(fd);
		free(c);
		peer_put(p);
		return;
	}
	if ((c->partial = evtimer_new(ctl_base, client_partial_cb, c)) ==
	    NULL || (c->next = evtimer_new(ctl_base, client_next_cb, c)) ==
	    NULL)
		fatal("control: evtimer_new failed");
	c->peer = p;
	p->nclients++;
	bufferevent_setcb(c->bev, client_read_cb, client_write_cb,
	    client_event_cb, c);
	/* The write callback then says when a paused client drained. */
	bufferevent_setwatermark(c->bev, EV_WRITE, CONTROL_OUT_HIGH, 0);
	/* Requests wait in the kernel, not here, while we are behind. */
	bufferevent_setwatermark(c->bev, EV_READ, 0, CONTROL_IN_HIGH);
	event_base_update_cache_time(ctl_base);
	bufferevent_set_timeouts(c->bev, &tv, &tv);
	/* Unwatched, it would never be answered nor closed: drop it. */
	if (bufferevent_enable(c->bev, EV_READ) == -1) {
		log_warn("control: cannot watch client fd %d", fd);
		event_free(c->partial);
		event_free(c->next);
		bufferevent_free(c->bev);
		free(c);
		p->nclients--;
		peer_put(p);
		return;
	}
	TAILQ_INSERT_TAIL(&ctl_clients, c, entry);
	ctl_nclients++;
	if (!privileged)
		ctl_nunprivileged++;
	log_debug("control: client fd %d uid %ld pid %ld", fd, (long)uid,
	    (long)pid);
}

/*
 * Out of descriptors (or kernel memory): the pending connection stays in
 * the backlog and the socket stays readable, so polling it now would spin.
 * Stop watching it for a while instead, longer each time no accept got
 * through in between. The episode, logged once, ends when the backlog is
 * empty.
 */
static void
control_pause(void)
{
	struct timeval	 tv;

	if (!ctl_starved) {
		log_warn("control: accept on %s", ctl_path);
		ctl_starved = 1;
	}
	if (ctl_backoff_ms == 0)
		ctl_backoff_ms = CONTROL_BACKOFF_MIN;
	else if ((ctl_backoff_ms *= 2) > CONTROL_BACKOFF_MAX)
		ctl_backoff_ms = CONTROL_BACKOFF_MAX;
	event_del(ctl_ev);
	tv.tv_sec = ctl_backoff_ms / 1000;
	tv.tv_usec = (ctl_backoff_ms % 1000) * 1000;
	evtimer_add(ctl_backoff, &tv);
}

static void
control_backoff_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	event_add(ctl_ev, NULL);
}

static void
control_accept_cb(evutil_socket_t fd, short what, void *arg)
{
	int	 cfd, n;

	(void)what;
	(void)arg;
	for (n = 0; n < CONTROL_ACCEPT_BURST; n++) {
		cfd = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (cfd == -1) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK) {
				control_pause();
				return;
			}
			if (ctl_starved) {
				log_info("control: accepting again on %s",
				    ctl_path);
				ctl_starved = 0;
			}
			return;
		}
		ctl_backoff_ms = 0;
		client_new(cfd);
	}
}

/* ---- the socket ---------------------------------------------------------- */

/* Take PATH.lock; it stays held, and open, until control_close. */
static int
control_lock(const char *path, char **cause)
{
	struct stat	 sb;
	char		*lockpath;
	int		 fd;

	xasprintf(&lockpath, "%s.lock", path);
	/* O_NONBLOCK: a FIFO planted there must not hang us. */
	fd = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW |
	    O_NOCTTY | O_NONBLOCK, 0600);
	if (fd == -1) {
		xasprintf(cause, "%s: %s", lockpath, strerror(errno));
		goto fail;
	}
	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode)) {
		xasprintf(cause, "%s: not a regular file", lockpath);
		goto fail;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		if (errno == EWOULDBLOCK)
			xasprintf(cause, "another activator is running on %s",
			    path);
		else
			xasprintf(cause, "%s: flock: %s", lockpath,
			    strerror(errno));
		goto fail;
	}
	free(lockpath);
	return fd;

fail:
	if (fd != -1)
		close(fd);
	free(lockpath);
	return -1;
}

int
control_open(struct event_base *base, const char *path, mode_t mode,
    control_reload_fn *reload, char **cause)
{
	struct sockaddr_un sun;
	struct stat	 sb;
	mode_t		 omask;
	int		 fd = -1, lockfd = -1, bound = 0, rc, saved;

	if (ctl_path != NULL) {
		xasprintf(cause, "status socket already open on %s", ctl_path);
		return -1;
	}
	/* Relative would follow chdir; abstract has no permissions. */
	if (path[0] != '/') {
		xasprintf(cause, "%s: not an absolute path", path);
		return -1;
	}
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof sun.sun_path) {
		xasprintf(cause, "%s: path too long (max %zu bytes)", path,
		    sizeof sun.sun_path - 1);
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);

	if ((lockfd = control_lock(path, cause)) == -1)
		return -1;
	/* We hold the lock: a socket there was left by one that died. */
	if (listen_clear_path(path, cause) == -1)
		goto fail;

	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0)) == -1) {
		xasprintf(cause, "socket: %s", strerror(errno));
		goto fail;
	}
	/* The umask gives the file its final mode at creation: no window. */
	omask = umask(~mode & 0777);
	rc = bind(fd, (struct sockaddr *)&sun, sizeof sun);
	saved = errno;
	umask(omask);
	if (rc == -1) {
		xasprintf(cause, "bind %s: %s", path, strerror(saved));
		goto fail;
	}
	bound = 1;
	if (lstat(path, &sb) == -1) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if (listen(fd, CONTROL_BACKLOG) == -1) {
		xasprintf(cause, "listen %s: %s", path, strerror(errno));
		goto fail;
	}

	ctl_ev = event_new(base, fd, EV_READ | EV_PERSIST, control_accept_cb,
	    NULL);
	ctl_backoff = evtimer_new(base, control_backoff_cb, NULL);
	if (snap.step == NULL)
		snap.step = evtimer_new(base, snap_step_cb, NULL);
	if (ctl_ev == NULL || ctl_backoff == NULL || snap.step == NULL ||
	    event_add(ctl_ev, NULL) == -1) {
		xasprintf(cause, "cannot watch %s", path);
		if (ctl_ev != NULL)
			event_free(ctl_ev);
		if (ctl_backoff != NULL)
			event_free(ctl_backoff);
		ctl_ev = ctl_backoff = NULL;
		goto fail;
	}
	ctl_base = base;
	ctl_path = xstrdup(path);
	ctl_fd = fd;
	ctl_lockfd = lockfd;
	ctl_dev = sb.st_dev;
	ctl_ino = sb.st_ino;
	ctl_reload = reload;
	log_debug("control: listening on %s mode %04o fd %d", path,
	    (unsigned)(mode & 0777), fd);
	return 0;

fail:
	if (fd != -1)
		close(fd);
	if (bound)
		unlink(path);
	close(lockfd);
	return -1;
}

void
control_close(void)
{
	struct client	*c, *next;
	struct peer	*p, *pnext;
	struct stat	 sb;

	for (c = TAILQ_FIRST(&ctl_clients); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		/* The reload that moved the socket still gets its answer. */
		if (c == ctl_busy)
			c->flags |= CLIENT_LAST;
		else
			client_free(c);
	}
	if (snap.dir != NULL) {
		closedir(snap.dir);
		snap.dir = NULL;
	}
	free(snap.all);
	snap.all = NULL;
	snap.n = snap.cap = 0;
	if (snap.step != NULL) {
		event_free(snap.step);
		snap.step = NULL;
	}
	/* Say what was held back; a peer still in use stays. */
	for (p = LIST_FIRST(&ctl_peers); p != NULL; p = pnext) {
		pnext = LIST_NEXT(p, entry);
		logwin_flush(p, &p->denied);
		logwin_flush(p, &p->bad);
		logwin_flush(p, &p->dropped);
		evtimer_del(p->denied.ev);
		evtimer_del(p->bad.ev);
		evtimer_del(p->dropped.ev);
		peer_put(p);
	}
	if (ctl_ev != NULL) {
		event_free(ctl_ev);
		event_free(ctl_backoff);
		ctl_ev = ctl_backoff = NULL;
	}
	if (ctl_fd != -1) {
		close(ctl_fd);
		ctl_fd = -1;
	}
	/* Unlink before unlocking, and only the file we created. */
	if (ctl_path != NULL) {
		if (lstat(ctl_path, &sb) == 0 && S_ISSOCK(sb.st_mode) &&
		    sb.st_dev == ctl_dev && sb.st_ino == ctl_ino)
			unlink(ctl_path);
		free(ctl_path);
		ctl_path = NULL;
	}
	if (ctl_lockfd != -1) {
		close(ctl_lockfd);
		ctl_lockfd = -1;
	}
	ctl_reload = NULL;
	ctl_backoff_ms = 0;
	ctl_starved = 0;
	ctl_full = 0;
}
