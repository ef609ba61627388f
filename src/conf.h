/* SPDX-License-Identifier: ISC */
/* conf.h -- the validated, immutable configuration read from activator.conf. */
#ifndef ACTIVATOR_CONF_H
#define ACTIVATOR_CONF_H

#include <sys/types.h>
#include <stddef.h>

#include "addr.h"

enum service_type {
	TYPE_SIMPLE,		/* ready at exec; launched process is main */
	TYPE_DAEMON,		/* backgrounds itself; ready after the fork(s) */
	TYPE_NOTIFY,		/* ready on sd_notify READY=1 */
};

enum handoff {
	HANDOFF_LISTEN_FDS,	/* fds 3.. with LISTEN_FDS */
	HANDOFF_STDIO,		/* first socket on fds 0 and 1 */
	HANDOFF_BIND,		/* put in place when the program binds */
	HANDOFF_PROXY,		/* nothing; connections relayed to proxy_to */
};

enum restart_policy {
	RESTART_ON_DEMAND,	/* back to listening; next client starts it */
	RESTART_ALWAYS,		/* start again at once */
	RESTART_ON_FAILURE,	/* start again at once after a failure only */
};

/*
 * One service's settings. Once built, conf_pack() copies every string and
 * array (and the addresses' own parts) into one allocation, 'pack', so a
 * thousand services do not keep ten small allocations each. A new string,
 * array or other pointer field must be added to pk_service() (the copy)
 * and to service_conf_clear_fields() (the frees before packing) in conf.c.
 */
struct service_conf {
	void		*pack;		/* the block every pointer below is in */
	char		*name;
	struct addr	*listen;	/* nlisten entries, config order */
	size_t		 nlisten;
	char		*command;	/* as written */
	char		**argv;		/* split command; argv[0] absolute */
	int		 accept;
	enum service_type type;
	char		*pidfile;	/* NULL if unset */
	enum handoff	 handoff;
	struct addr	*proxy_to;	/* handoff = proxy; NULL if unset */
	char		*user;		/* NULL: activator's own user */
	char		*group;		/* NULL: the user's primary group */
	uid_t		 uid;
	gid_t		 gid;
	gid_t		*groups;	/* supplementary groups of user */
	int		 ngroups;
	char		*home;		/* user's home and shell, for env */
	char		*shell;
	char		*chdir;
	char		**env;		/* NAME=VALUE, NULL-terminated */
	size_t		 nenv;
	enum restart_policy restart;
	int		 start_timeout;		/* seconds */
	int		 stop_timeout;		/* seconds */
	int		 start_limit_burst;
	int		 start_limit_interval;	/* seconds */
	int		 max_instances;	/* handoff = proxy: relayed connections,
					   0: no limit but descriptors */
	int		 max_per_source;	/* 0: no limit */
	struct cidr	*allow;
	size_t		 nallow;
	struct cidr	*deny;
	size_t		 ndeny;
	mode_t		 socket_mode;
	int		 log_connections;	/* accept = yes: a line each */
	int		 idle_timeout;	/* seconds without a connection before
					   an accept = no daemon is stopped;
					   0: never */
	int		 output_lines;	/* last output lines kept; 0: none */
};

struct config {
	char		*path;
	char		*status_socket;
	mode_t		 status_mode;
	int		 log_level;	/* syslog level */
	int		 backlog;
	struct service_conf *services;
	size_t		 nservices;
};

#define CONF_BACKLOG_DEFAULT		1024
#define CONF_STATUS_MODE_DEFAULT	0660
#define CONF_START_TIMEOUT_DEFAULT	30
#define CONF_STOP_TIMEOUT_DEFAULT	5
#define CONF_START_LIMIT_BURST_DEFAULT	5
#define CONF_START_LIMIT_INTERVAL_DEFAULT 10
#define CONF_MAX_INSTANCES_DEFAULT	64
#define CONF_SOCKET_MODE_DEFAULT	0660
#define CONF_OUTPUT_LINES_DEFAULT	20
#define CONF_OUTPUT_LINES_MAX		1000
#define CONF_MAX_FILE_SIZE		(4 * 1024 * 1024)
#define CONF_MAX_LISTEN			61	/* spawn places at most 64 fds */

/*
 * Load and validate. On failure return NULL and set *errors to every
 * message, one "FILE:LINE: message" per line. Warnings (valid but
 * doubtful settings) go to *warnings either way; both may be NULL.
 */
struct config	*conf_load(const char *path, char **errors, char **warnings);
struct config	*conf_load_buf(const char *buf, size_t len, const char *name,
		    char **errors, char **warnings);
void		 conf_free(struct config *);
const struct service_conf *conf_find(const struct config *, const char *name);
int		 conf_service_equal(const struct service_conf *,
		    const struct service_conf *);
int		 conf_listen_equal(const struct service_conf *,
		    const struct service_conf *);
const char	*conf_type_name(enum service_type);
const char	*conf_restart_name(enum restart_policy);

#endif /* ACTIVATOR_CONF_H */
