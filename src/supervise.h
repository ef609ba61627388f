/* SPDX-License-Identifier: ISC */
/*
 * supervise.h -- the per-service supervisor: a fork of activator, itself
 * a subreaper, that launches one service and follows its whole tree.
 */
#ifndef ACTIVATOR_SUPERVISE_H
#define ACTIVATOR_SUPERVISE_H

#include <sys/types.h>
#include <stddef.h>
#include <stdint.h>

#include "spawn.h"

#define SUP_MSG_VERSION	2
/* The spare's process name: no supervisor's ("sup:NAME") can match it. */
#define SUP_SPARE_NAME	"sup-spare"

enum sup_msg_type {
	SUP_LAUNCHED = 1,	/* pid: the launched process */
	SUP_MAIN,		/* pid: the main process changed */
	SUP_READY,		/* pid: main process, ready */
	SUP_FAILED,		/* start failed; text says why */
	SUP_EXITED,		/* main process ended; status: wait status */
	SUP_STOP,		/* core to supervisor: stop the tree, exit */
	SUP_CONN,		/* core to supervisor: a connection (SCM_RIGHTS);
				   pid: its id, text: peer host, status: port */
	SUP_INSTANCE,		/* pid: instance spawned, status: connection id */
	SUP_INSTANCE_FAILED,	/* status: connection id, pid: errno, text */
	SUP_INSTANCE_EXITED,	/* pid: instance, status: wait status */
	SUP_LOG,		/* status: log level, text: the message */
	/* handoff = bind (bindtrap.c) */
	SUP_CLAIMED,		/* pid bound listen address #status (text) */
	SUP_WAITING,		/* pid: ready by type; addresses unclaimed */
	SUP_CLAIM_TIMEOUT,	/* core to supervisor: start-timeout passed */
	SUP_PROXY,		/* handoff = proxy counters; text: see
				   proxy_stats_format() */
	/* idle-timeout (idle.c) */
	SUP_FREEZE,		/* core to supervisor: status 1: SIGSTOP the
				   tree (proxy: hold new clients); 0: thaw */
	SUP_FROZEN,		/* status: live relayed connections, or -1:
				   the tree could not be frozen */
	SUP_ASSIGN,		/* core to a spare: become the supervisor of
				   a service; text: struct sup_assign,
				   SCM_RIGHTS: output (if any), sockets */
};

/* Fixed-size record on a SOCK_SEQPACKET socketpair. */
struct sup_msg {
	uint32_t	 version;
	uint32_t	 type;
	int32_t		 pid;
	int32_t		 status;	/* wait status; -1 if unknown */
	char		 text[256];
};

struct sup_params {
	const struct service_conf *conf;
	enum spawn_mode	 mode;		/* SPAWN_CONNECTION: accept = yes */
	const int	*fds;
	size_t		 nfds;
	int		 out_fd;
	int		 backlog;	/* handoff = bind: for a re-listen */
};

pid_t	supervise_start(const struct sup_params *, int *core_fd, char **cause);
/*
 * A spare supervisor, forked ahead of need while the core is idle: it
 * resets what it inherited and waits. supervise_assign() then makes it
 * the supervisor of P's service: the fork is off the activation's path.
 * It sees the core's memory as of its fork, so P->conf must be older
 * than the spare. It exits when the core closes FD or on SIGTERM.
 */
pid_t	supervise_spare(int *core_fd, char **cause);
int	supervise_assign(int core_fd, const struct sup_params *);
/* One record; FD (or -1) goes along with SCM_RIGHTS. 0 or -1 and errno. */
int	supervise_send(int fd, enum sup_msg_type, pid_t, int status,
	    const char *text, int pass_fd);
/* One record and the descriptor that came with it (or -1). */
ssize_t	supervise_recv(int fd, struct sup_msg *, int *passed_fd);

#endif /* ACTIVATOR_SUPERVISE_H */
