/* SPDX-License-Identifier: ISC */
/*
 * service.h -- the services: each one's sockets, supervisor, instances,
 * counters and lifecycle (lifecycle.c decides, service.c carries out).
 */
#ifndef ACTIVATOR_SERVICE_H
#define ACTIVATOR_SERVICE_H

#include <sys/types.h>
#include <stddef.h>

struct event_base;
struct config;
struct service_conf;
struct listener;
struct addr;
struct procinfo;
struct outring;
struct service;			/* opaque: owned by service.c */

enum service_state {
	SERVICE_LISTENING,	/* idle; activator watches the sockets */
	SERVICE_STARTING,	/* launched, not yet ready */
	SERVICE_RUNNING,	/* ready; the daemon owns the sockets */
	SERVICE_STOPPING,	/* tree being stopped */
	SERVICE_FAILED,		/* start failed or limit hit; held off */
	SERVICE_STOPPED,	/* stopped by the operator; sockets closed */
};

/* A snapshot for the status socket; release with service_info_free(). */
struct service_info {
	const char	*name;
	enum service_state state;
	int		 accept;
	const char	*type;
	const char	**listen;	/* nlisten specs (array freed by
					   service_info_free) */
	size_t		 nlisten;
	pid_t		 main_pid;	/* 0 if none */
	pid_t		*pids;		/* every tracked process */
	size_t		 npids;
	unsigned long	 activations;	/* starts (accept = no) or instances */
	unsigned long	 restarts;
	unsigned long	 instances;	/* live accept = yes instances */
	unsigned long	 accepted;	/* accept = yes connections accepted */
	unsigned long	 refused;	/* refused by allow/deny/max-per-source */
	int		 has_exit;	/* last_exit is known */
	int		 exit_code;	/* valid if has_exit and !exit_signal */
	int		 exit_signal;	/* 0 unless killed by a signal */
	double		 since;		/* seconds since the last state change */
	double		 ready_time;	/* seconds the last start took; <0: none */
	int		 restart_pending; /* config changed since it started */
	const char	*last_error;	/* why the last start failed, or NULL */
	int		 bind;		/* handoff = bind: claimed is set */
	const char	**claimed;	/* nclaimed listen specs (array freed
					   by service_info_free) */
	size_t		 nclaimed;
	int		 proxy;		/* handoff = proxy: the next four */
	unsigned long	 proxy_conns;	/* live relayed connections */
	unsigned long	 proxy_total;	/* relayed since activator started */
	unsigned long long proxy_bytes_in;	/* client to program */
	unsigned long long proxy_bytes_out;	/* program to client */
};

const char	*service_state_name(enum service_state);

/*
 * Start managing every service of CONF: open and watch the sockets.
 * CONF is owned by this module from then on, like every reloaded one.
 */
int		 services_init(struct event_base *, struct config *,
		    char **cause);
void		 services_free(void);
/* Stop every service; DONE is called once no process is left. */
void		 services_shutdown(void (*done)(void));
void		 services_sigchld(void);

size_t		 services_count(void);
struct service	*service_at(size_t);
struct service	*service_find(const char *name);
/* Has S processes (a supervisor) that service_info() would list? */
int		 service_has_tree(const struct service *);
/* ALL: one proc_scan() for the whole request, or NULL. */
void		 service_info(struct service *, struct service_info *,
		    const struct procinfo *all, size_t nall);
void		 service_info_free(struct service_info *);
/* S's last output lines (output-lines), or NULL if it kept none. */
const struct outring *service_outring(const struct service *);

/* Operator verbs; -1 and *cause on error. */
int		 service_start(struct service *, char **cause);
int		 service_stop(struct service *, char **cause);
int		 service_restart(struct service *, char **cause);

/* For reload.c: the steps of a reload, each on one service. */
int		 service_is_stopped(const struct service *);
const struct config *services_config(void);
/* Take the open socket bound to A, from any service; NULL if none. */
struct listener	*services_take_listener(const struct addr *,
		    struct service **from, size_t *idx);
void		 service_put_listener(struct service *, size_t idx,
		    struct listener *);
struct service	*service_new(const struct service_conf *);
/*
 * Point S at SC with the sockets LS (SC->nlisten of them, owned now).
 * 1 if the change waits for a restart of the running daemon.
 */
int		 service_reconfigure(struct service *,
		    const struct service_conf *, struct listener **ls);
/* For the reload report: S's settings, and its sockets still open. */
const struct service_conf *service_conf(const struct service *);
size_t		 service_nsockets(const struct service *);
/* The listen address of S's socket I if it is open, else NULL. */
const char	*service_socket_spec(const struct service *, size_t i);
/* Install the new list and config; removed services are retired. */
void		 services_replace(struct service **next, size_t n,
		    struct config *);

#endif /* ACTIVATOR_SERVICE_H */
