/* SPDX-License-Identifier: ISC */
/* listen.h -- listening sockets and the events that watch them. */
#ifndef ACTIVATOR_LISTEN_H
#define ACTIVATOR_LISTEN_H

#include <sys/types.h>

struct event_base;
struct addr;
struct listener;		/* opaque: owned by listen.c */

typedef void listen_cb(struct listener *, int fd, void *arg);

void	 listen_set_base(struct event_base *);
int	 listen_clear_path(const char *path, char **cause);
struct listener *listen_open(const struct addr *, int backlog, mode_t mode,
	    const char *svc, char **cause);
void	 listen_set_cb(struct listener *, listen_cb *, void *arg);
void	 listen_watch(struct listener *);
void	 listen_unwatch(struct listener *);
int	 listen_fd(const struct listener *);
const char *listen_spec(const struct listener *);
int	 listen_matches(const struct listener *, const struct addr *);
ino_t	 listen_inode(const struct listener *);
void	 listen_close(struct listener *);

#endif /* ACTIVATOR_LISTEN_H */
