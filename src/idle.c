/* SPDX-License-Identifier: ISC */
/*
 * idle.c -- idle-timeout for accept = no services, with one shared 1 s
 * timer (armed only while some watched service runs).
 *
 * Each tick asks every watched service whether it has a connection or a
 * client waiting. After TIMEOUT idle ticks in a row, its tree is frozen
 * (SIGSTOP, by its supervisor) so that the daemon cannot accept a client
 * between our last look and its end; then one final look: still idle,
 * it is stopped (the supervisor's TERM comes with a CONT), and a client
 * arriving meanwhile waits in the listen queue, which stays ours, until
 * the service is listening again. A connection at the final look thaws
 * the tree and the count starts over.
 */
#include "config.h"

#include <stdlib.h>
#include <sys/time.h>

#include <event2/event.h>

#include "idle.h"
#include "log.h"
#include "xmalloc.h"

#define IDLE_TICK_S	1
#define FREEZE_WAIT	5	/* ticks without the supervisor's answer */

struct idle {
	char		*name;		/* a copy: a reload frees the config's */
	int		 timeout;	/* seconds */
	const struct idle_ops *ops;
	void		*arg;
	int		 idle_ticks;	/* idle looks in a row */
	int		 freezing;	/* ticks since the freeze was asked; 0:
					   none asked */
};

static struct event_base *base;
static struct event *tick;
static struct idle **watched;
static size_t	 nwatched;

void
idle_init(struct event_base *b)
{
	base = b;
}

static void
idle_thaw(struct idle *id)
{
	id->freezing = 0;
	id->idle_ticks = 0;
	id->ops->freeze(id->arg, 0);
}

static void
idle_tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct idle *id;
	size_t	 i;

	(void)fd;
	(void)what;
	(void)arg;
	/* Neither busy() nor freeze() changes the list. */
	for (i = 0; i < nwatched; i++) {
		id = watched[i];
		if (id->freezing) {
			if (++id->freezing > FREEZE_WAIT) {
				log_warnx("%s: supervisor did not freeze the "
				    "service; going on", id->name);
				idle_thaw(id);
			}
			continue;
		}
		if (id->ops->busy(id->arg) != 0) {
			id->idle_ticks = 0;
			continue;
		}
		if (++id->idle_ticks < id->timeout)
			continue;
		id->freezing = 1;
		id->ops->freeze(id->arg, 1);
	}
}

static void
idle_arm(void)
{
	struct timeval tv = { IDLE_TICK_S, 0 };

	if (tick == NULL && (tick = event_new(base, -1, EV_PERSIST,
	    idle_tick_cb, NULL)) == NULL) {
		log_warnx("idle-timeout: cannot create the timer");
		return;
	}
	if (!evtimer_pending(tick, NULL) && evtimer_add(tick, &tv) == -1)
		log_warnx("idle-timeout: cannot arm the timer");
}

struct idle *
idle_new(const char *name, int timeout, const struct idle_ops *ops,
    void *arg)
{
	struct idle *id = xcalloc(1, sizeof *id);

	id->name = xstrdup(name);
	id->timeout = timeout;
	id->ops = ops;
	id->arg = arg;
	watched = xreallocarray(watched, nwatched + 1, sizeof *watched);
	watched[nwatched++] = id;
	idle_arm();
	return id;
}

void
idle_free(struct idle *id)
{
	size_t	 i;

	if (id == NULL)
		return;
	if (id->freezing)
		idle_thaw(id);
	for (i = 0; i < nwatched && watched[i] != id; i++)
		;
	if (i < nwatched)
		watched[i] = watched[--nwatched];
	free(id->name);
	free(id);
	if (nwatched == 0) {
		free(watched);
		watched = NULL;
		if (tick != NULL) {
			event_free(tick);
			tick = NULL;
		}
	}
}

int
idle_timeout(const struct idle *id)
{
	return id->timeout;
}

void
idle_frozen(struct idle *id, long relays)
{
	if (id == NULL || !id->freezing)
		return;		/* an answer to a freeze given up on */
	if (relays < 0) {
		log_warnx("%s: cannot freeze the service for the idle stop; "
		    "trying again later", id->name);
		idle_thaw(id);
		return;
	}
	/* The final look: nobody can take a client now. */
	if (relays > 0 || id->ops->busy(id->arg) != 0) {
		log_debug("%s: a client came at the idle stop; going on",
		    id->name);
		idle_thaw(id);
		return;
	}
	log_info("%s: idle for %d s, stopping", id->name, id->timeout);
	id->freezing = 0;
	/* Frees ID: the service is no longer running. */
	id->ops->stop(id->arg);
}
