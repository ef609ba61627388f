/* SPDX-License-Identifier: ISC */
/* reload.h -- apply a new, already validated configuration, or nothing. */
#ifndef ACTIVATOR_RELOAD_H
#define ACTIVATOR_RELOAD_H

struct config;

/*
 * Swap in NC: keep unchanged sockets and running daemons. On success NC
 * is owned by the services; on failure nothing changed and *cause says
 * why.
 */
int	services_reload(struct config *nc, char **cause);

#endif /* ACTIVATOR_RELOAD_H */
