/* SPDX-License-Identifier: ISC */
/*
 * watch.c -- the event stream of the status socket. Each event is
 * written once as a JSON line and appended to the output of every
 * watcher that wants it; nothing is kept for later. A watcher that does
 * not read is dropped when its unsent output would pass
 * WATCH_PENDING_MAX, so a stalled client costs a bounded amount of
 * memory and the core never waits for it.
 */
#include "config.h"

#include <sys/queue.h>
#include <sys/wait.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>

#include "control-json.h"
#include "watch.h"
#include "xmalloc.h"

struct watcher {
	struct bufferevent *bev;
	char		*name;		/* one service's events; NULL: all */
	watch_drop_fn	*drop;
	void		*arg;
	int		 dropped;	/* sends nothing more */
	TAILQ_ENTRY(watcher) entry;
};
TAILQ_HEAD(watchers, watcher);

static struct watchers	watchers = TAILQ_HEAD_INITIALIZER(watchers);

struct watcher *
watch_add(struct bufferevent *bev, const char *name, watch_drop_fn *drop,
    void *arg)
{
	struct watcher	*w = xcalloc(1, sizeof *w);

	w->bev = bev;
	w->name = name != NULL ? xstrdup(name) : NULL;
	w->drop = drop;
	w->arg = arg;
	TAILQ_INSERT_TAIL(&watchers, w, entry);
	return w;
}

void
watch_remove(struct watcher *w)
{
	if (w == NULL)
		return;
	TAILQ_REMOVE(&watchers, w, entry);
	free(w->name);
	free(w);
}

/* Does anyone want an event of SERVICE (NULL: not a service's)? */
static int
watch_wanted(const char *service)
{
	struct watcher	*w;

	TAILQ_FOREACH(w, &watchers, entry)
		if (!w->dropped && (w->name == NULL || (service != NULL &&
		    strcmp(w->name, service) == 0)))
			return 1;
	return 0;
}

/*
 * {"time":...,"event":EVENT[,"service":SERVICE] -- the event's own
 * members follow, then watch_send closes it. Wall-clock time: it is
 * read by people and other programs' logs, not used for intervals.
 */
static void
watch_begin(struct jbuf *b, const char *event, const char *service)
{
	struct timespec	ts;

	memset(b, 0, sizeof *b);
	clock_gettime(CLOCK_REALTIME, &ts);
	jbuf_lit(b, "{\"time\":");
	jbuf_secs(b, (double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
	jbuf_lit(b, ",\"event\":");
	jbuf_str(b, event);
	if (service != NULL) {
		jbuf_lit(b, ",\"service\":");
		jbuf_str(b, service);
	}
}

/*
 * Close the object and queue it for every watcher of SERVICE. The drop
 * callbacks run after the loop, which they may not change anyway: they
 * only mark their client for closing.
 */
static void
watch_send(struct jbuf *b, const char *service)
{
	struct watcher	*w;
	struct evbuffer	*out;

	jbuf_lit(b, "}\n");
	TAILQ_FOREACH(w, &watchers, entry) {
		if (w->dropped || (w->name != NULL && (service == NULL ||
		    strcmp(w->name, service) != 0)))
			continue;
		out = bufferevent_get_output(w->bev);
		if (evbuffer_get_length(out) + b->len <= WATCH_PENDING_MAX &&
		    evbuffer_add(out, b->p, b->len) == 0)
			continue;
		w->dropped = 1;
	}
	jbuf_free(b);
	TAILQ_FOREACH(w, &watchers, entry)
		if (w->dropped == 1) {
			w->dropped = 2;		/* told once */
			w->drop(w->arg);
		}
}

void
watch_emit_state(const char *service, const char *from, const char *to)
{
	struct jbuf	b;

	if (!watch_wanted(service))
		return;
	watch_begin(&b, "state", service);
	jbuf_lit(&b, ",\"from\":");
	jbuf_str(&b, from);
	jbuf_lit(&b, ",\"to\":");
	jbuf_str(&b, to);
	watch_send(&b, service);
}

void
watch_emit_activation(const char *service, const char *why, pid_t instance)
{
	struct jbuf	b;

	if (!watch_wanted(service))
		return;
	watch_begin(&b, "activation", service);
	jbuf_lit(&b, ",\"why\":");
	jbuf_str(&b, why);
	jbuf_lit(&b, ",\"instance\":");
	jbuf_bool(&b, instance > 0);
	if (instance > 0) {
		jbuf_lit(&b, ",\"pid\":");
		jbuf_int(&b, instance);
	}
	watch_send(&b, service);
}

void
watch_emit_ready(const char *service, pid_t main_pid, double secs)
{
	struct jbuf	b;

	if (!watch_wanted(service))
		return;
	watch_begin(&b, "ready", service);
	jbuf_lit(&b, ",\"main_pid\":");
	if (main_pid > 0)
		jbuf_int(&b, main_pid);
	else
		jbuf_lit(&b, "null");
	jbuf_lit(&b, ",\"seconds\":");
	jbuf_secs(&b, secs);
	watch_send(&b, service);
}

void
watch_emit_exit(const char *service, pid_t pid, int status, int instance)
{
	struct jbuf	 b;
	const char	*sig;
	char		 num[16];

	if (!watch_wanted(service))
		return;
	watch_begin(&b, "exit", service);
	jbuf_lit(&b, ",\"pid\":");
	jbuf_int(&b, pid);
	if (status == -1)
		jbuf_lit(&b, ",\"code\":null");
	else if (WIFSIGNALED(status)) {
		if ((sig = sigabbrev_np(WTERMSIG(status))) == NULL) {
			snprintf(num, sizeof num, "%d", WTERMSIG(status));
			sig = num;
		}
		jbuf_lit(&b, ",\"signal\":");
		jbuf_str(&b, sig);
	} else {
		jbuf_lit(&b, ",\"code\":");
		jbuf_int(&b, WEXITSTATUS(status));
	}
	jbuf_lit(&b, ",\"instance\":");
	jbuf_bool(&b, instance);
	watch_send(&b, service);
}

void
watch_emit_start_failed(const char *service, const char *error,
    int instance)
{
	struct jbuf	b;

	if (!watch_wanted(service))
		return;
	watch_begin(&b, "start_failed", service);
	jbuf_lit(&b, ",\"error\":");
	jbuf_str(&b, error);
	jbuf_lit(&b, ",\"instance\":");
	jbuf_bool(&b, instance);
	watch_send(&b, service);
}

void
watch_emit_reload(const char *error)
{
	struct jbuf	b;

	if (!watch_wanted(NULL))
		return;
	watch_begin(&b, "reload", NULL);
	jbuf_lit(&b, ",\"ok\":");
	jbuf_bool(&b, error == NULL);
	if (error != NULL) {
		jbuf_lit(&b, ",\"error\":");
		jbuf_str(&b, error);
	}
	watch_send(&b, NULL);
}
