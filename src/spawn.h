/* SPDX-License-Identifier: ISC */
/* spawn.h -- build a child: fds, environment, credentials, limits, exec. */
#ifndef ACTIVATOR_SPAWN_H
#define ACTIVATOR_SPAWN_H

#include <sys/resource.h>
#include <sys/types.h>
#include <stddef.h>

struct service_conf;
struct bindtrap_req;

enum spawn_mode {
	SPAWN_LISTEN_FDS,	/* fds 3.. with LISTEN_FDS; stdin /dev/null */
	SPAWN_STDIO,		/* fds[0] on 0 and 1 (inetd wait) */
	SPAWN_CONNECTION,	/* connection on 0, 1 and 3 (inetd nowait) */
	SPAWN_BIND,		/* no socket: handoff = bind puts them in place */
};

struct spawn_req {
	const struct service_conf *conf;
	enum spawn_mode	 mode;
	const int	*fds;
	size_t		 nfds;
	int		 out_fd;	/* stdout/stderr; -1 for /dev/null */
	const char	*notify_socket;	/* NOTIFY_SOCKET, or NULL */
	const char	*remote_addr;	/* accept = yes peer, or NULL */
	int		 remote_port;
	/* handoff = bind: install the filter and send its listener; or NULL */
	const struct bindtrap_req *bindtrap;
};

int	spawn_init(void);
void	spawn_forget(void);
void	spawn_prepare(void);
void	spawn_set_nofile(const struct rlimit *);
/* The child's pid, or -1 with errno and *cause saying what failed. */
pid_t	spawn_child(const struct spawn_req *, char **cause);

#endif /* ACTIVATOR_SPAWN_H */
