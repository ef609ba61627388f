/* SPDX-License-Identifier: ISC */
/* reload.h -- apply a new, already validated configuration, or nothing. */
#ifndef ACTIVATOR_RELOAD_H
#define ACTIVATOR_RELOAD_H

#include <stddef.h>

struct config;

/*
 * Swap in NC: keep unchanged sockets and running daemons. On success NC
 * is owned by the services; on failure nothing changed and *cause says
 * why.
 */
int	services_reload(struct config *nc, char **cause);

/* Names or listen addresses, malloc'd. */
struct reload_names {
	char	**v;
	size_t	  n;
};

/* What the last successful reload changed, for its reply and its log. */
struct reload_report {
	struct reload_names added, removed, changed, unchanged;
	int		*restart_needed;	/* one per changed service */
	struct reload_names kept, opened, closed;	/* sockets */
};

/* The report of the last successful reload; NULL if none or cleared. */
const struct reload_report *reload_last_report(void);
void	reload_report_clear(void);

#endif /* ACTIVATOR_RELOAD_H */
