/* SPDX-License-Identifier: ISC */
/*
 * reload.c -- the second half of validate-then-swap (the new config is
 * already valid): gather every socket it needs, apply it, or roll back.
 * An address already open, in any service, is taken over as it is, so
 * it keeps its inode and its queued connections; only new addresses are
 * opened. Addresses are compared parsed, not as written.
 */
#include "config.h"

#include <stdlib.h>

#include "conf.h"
#include "listen.h"
#include "log.h"
#include "reload.h"
#include "service.h"
#include "suplink.h"
#include "xmalloc.h"

/* Where each gathered socket came from, to give it back on failure. */
struct taking {
	struct listener	*l;
	struct service	*from;		/* NULL: opened for this reload */
	size_t		 idx;
};

struct gathering {
	struct listener	***ls;		/* per new service, per address */
	size_t		 nservices;
	struct taking	*takings;
	size_t		 ntakings;
};

static void
gathering_free(struct gathering *g)
{
	size_t	i;

	for (i = 0; i < g->nservices; i++)
		free(g->ls[i]);
	free(g->ls);
	free(g->takings);
}

/* Every taken socket back where it was, every new one closed. */
static void
reload_rollback(struct gathering *g)
{
	size_t	i;

	for (i = g->ntakings; i-- > 0; ) {
		struct taking *t = &g->takings[i];
		if (t->from != NULL)
			service_put_listener(t->from, t->idx, t->l);
		else
			listen_close(t->l);
	}
	gathering_free(g);
}

/*
 * Take over or open every socket of NC. A service that the operator
 * stopped holds no address and keeps holding none.
 */
static int
reload_gather(const struct config *nc, struct gathering *g, char **cause)
{
	size_t	i, j;

	g->nservices = nc->nservices;
	g->ls = xcalloc(nc->nservices, sizeof *g->ls);
	for (i = 0; i < nc->nservices; i++) {
		const struct service_conf *sc = &nc->services[i];
		struct service *old = service_find(sc->name);

		g->ls[i] = xcalloc(sc->nlisten, sizeof **g->ls);
		if (old != NULL && service_is_stopped(old))
			continue;
		for (j = 0; j < sc->nlisten; j++) {
			struct taking t = { NULL, NULL, 0 };

			t.l = services_take_listener(&sc->listen[j], &t.from,
			    &t.idx);
			if (t.l == NULL)
				t.l = listen_open(&sc->listen[j], nc->backlog,
				    sc->socket_mode, sc->name, cause);
			if (t.l == NULL)
				return -1;
			g->takings = xreallocarray(g->takings, g->ntakings + 1,
			    sizeof *g->takings);
			g->takings[g->ntakings++] = t;
			g->ls[i][j] = t.l;
		}
	}
	return 0;
}

/*
 * Kept services point at their new settings (a running daemon is left
 * alone), new ones are created, and the list is swapped: what is not in
 * it any more is stopped and retired.
 */
static void
reload_apply(struct config *nc, struct gathering *g)
{
	struct service **next;
	size_t	 i;

	next = xcalloc(nc->nservices, sizeof *next);
	for (i = 0; i < nc->nservices; i++) {
		const struct service_conf *sc = &nc->services[i];
		struct service *s = service_find(sc->name);

		if (s == NULL) {
			s = service_new(sc);
			log_info("%s: added", sc->name);
		}
		service_reconfigure(s, sc, g->ls[i]);
		g->ls[i] = NULL;	/* owned by the service now */
		next[i] = s;
	}
	services_replace(next, nc->nservices, nc);
	gathering_free(g);
}

int
services_reload(struct config *nc, char **cause)
{
	struct gathering g = { NULL, 0, NULL, 0 };

	if (reload_gather(nc, &g, cause) == -1) {
		reload_rollback(&g);
		return -1;
	}
	/*
	 * The spare knows the configs as of its fork: not this one, which
	 * applying may already start services with. A new spare, then.
	 */
	suplinks_config_changed();
	reload_apply(nc, &g);
	return 0;
}
