/* SPDX-License-Identifier: ISC */
/*
 * watch.h -- the status socket's event stream (`watch [NAME]`): what
 * happens to the services, as one JSON object per line, to every client
 * that asked for it. The core calls the watch_emit_* functions where
 * things happen; control.c subscribes and unsubscribes its clients.
 */
#ifndef ACTIVATOR_WATCH_H
#define ACTIVATOR_WATCH_H

#include <sys/types.h>

struct bufferevent;
struct watcher;

/*
 * A watcher's unsent output may not grow past this; the one that would
 * pass it is dropped instead (activatorctl(8) says so).
 */
#define WATCH_PENDING_MAX	(64 * 1024)

/* Called once when the watcher is dropped; ARG as given to watch_add. */
typedef void watch_drop_fn(void *arg);

/*
 * Send the events of the service NAME (every event if NULL) to BEV's
 * output from now on. DROP is called, never from inside watch_add or
 * watch_remove, when the output would pass WATCH_PENDING_MAX; the
 * watcher sends nothing more then, and its owner must watch_remove it.
 */
struct watcher	*watch_add(struct bufferevent *bev, const char *name,
		    watch_drop_fn *drop, void *arg);
void		 watch_remove(struct watcher *);

/* The state names are those of `status` (service_state_name). */
void	watch_emit_state(const char *service, const char *from,
	    const char *to);
/* WHY the service was started; an instance's pid, or 0. */
void	watch_emit_activation(const char *service, const char *why,
	    pid_t instance);
void	watch_emit_ready(const char *service, pid_t main_pid, double secs);
/* STATUS as from waitpid, or -1 if unknown. */
void	watch_emit_exit(const char *service, pid_t pid, int status,
	    int instance);
void	watch_emit_start_failed(const char *service, const char *error,
	    int instance);
/* ERROR is NULL when the reload succeeded. */
void	watch_emit_reload(const char *error);

#endif /* ACTIVATOR_WATCH_H */
