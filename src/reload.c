/* SPDX-License-Identifier: ISC */
/*
 * reload.c -- the second half of validate-then-swap (the new config is
 * already valid): gather every socket it needs, apply it, or roll back.
 * An address already open, in any service, is taken over as it is, so
 * it keeps its inode and its queued connections; only new addresses are
 * opened. Addresses are compared parsed, not as written. What changed is
 * kept in a report: the reload's reply lists it, and the log sums it up.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

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

static struct reload_report *last_report;

static void
names_add(struct reload_names *l, const char *s)
{
	l->v = xreallocarray(l->v, l->n + 1, sizeof *l->v);
	l->v[l->n++] = xstrdup(s);
}

static void
names_free(struct reload_names *l)
{
	size_t	i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static void
report_free(struct reload_report *r)
{
	if (r == NULL)
		return;
	names_free(&r->added);
	names_free(&r->removed);
	names_free(&r->changed);
	names_free(&r->unchanged);
	names_free(&r->kept);
	names_free(&r->opened);
	names_free(&r->closed);
	free(r->restart_needed);
	free(r);
}

const struct reload_report *
reload_last_report(void)
{
	return last_report;
}

void
reload_report_clear(void)
{
	report_free(last_report);
	last_report = NULL;
}

/* NAME is a service of NC? */
static int
config_has(const struct config *nc, const char *name)
{
	size_t	i;

	for (i = 0; i < nc->nservices; i++)
		if (strcmp(nc->services[i].name, name) == 0)
			return 1;
	return 0;
}

/*
 * Once every socket NC needs is gathered: the services that are not in
 * NC, and the sockets still open in the old services, which apply closes.
 */
static void
report_leaving(const struct config *nc, struct reload_report *r)
{
	const struct service *s;
	const char *spec;
	size_t	i, j, n = services_count();

	for (i = 0; i < n; i++) {
		if ((s = service_at(i)) == NULL)
			continue;
		if (!config_has(nc, service_conf(s)->name))
			names_add(&r->removed, service_conf(s)->name);
		for (j = 0; j < service_nsockets(s); j++)
			if ((spec = service_socket_spec(s, j)) != NULL)
				names_add(&r->closed, spec);
	}
}

static void
report_log(const struct reload_report *r)
{
	size_t	i, restarts = 0;

	for (i = 0; i < r->changed.n; i++)
		restarts += r->restart_needed[i] != 0;
	log_info("reload: %zu added, %zu removed, %zu changed (%zu waiting "
	    "for a restart), %zu unchanged; sockets: %zu kept, %zu opened, "
	    "%zu closed", r->added.n, r->removed.n, r->changed.n, restarts,
	    r->unchanged.n, r->kept.n, r->opened.n, r->closed.n);
}

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
reload_gather(const struct config *nc, struct gathering *g,
    struct reload_report *r, char **cause)
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
			names_add(t.from != NULL ? &r->kept : &r->opened,
			    sc->listen[j].spec);
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
reload_apply(struct config *nc, struct gathering *g, struct reload_report *r)
{
	struct service **next;
	size_t	 i;
	int	 changed, restart;

	next = xcalloc(nc->nservices, sizeof *next);
	for (i = 0; i < nc->nservices; i++) {
		const struct service_conf *sc = &nc->services[i];
		struct service *s = service_find(sc->name);

		changed = 0;
		if (s == NULL) {
			s = service_new(sc);
			log_info("%s: added", sc->name);
			names_add(&r->added, sc->name);
		} else if (conf_service_equal(service_conf(s), sc))
			names_add(&r->unchanged, sc->name);
		else {
			names_add(&r->changed, sc->name);
			changed = 1;
		}
		restart = service_reconfigure(s, sc, g->ls[i]);
		if (changed) {
			r->restart_needed = xreallocarray(r->restart_needed,
			    r->changed.n, sizeof *r->restart_needed);
			r->restart_needed[r->changed.n - 1] = restart;
		}
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
	struct reload_report *r = xcalloc(1, sizeof *r);

	if (reload_gather(nc, &g, r, cause) == -1) {
		reload_rollback(&g);
		report_free(r);
		return -1;
	}
	report_leaving(nc, r);
	/*
	 * The spare knows the configs as of its fork: not this one, which
	 * applying may already start services with. A new spare, then.
	 */
	suplinks_config_changed();
	reload_apply(nc, &g, r);
	report_log(r);
	reload_report_clear();
	last_report = r;
	return 0;
}
