/* SPDX-License-Identifier: ISC */
/*
 * listen.c -- create listening sockets (tcp, udp, unix paths and abstract
 * names) with the options every service needs, and watch them for the
 * first readable event. Knows nothing of services beyond their name.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/event_struct.h>

#include "addr.h"
#include "listen.h"
#include "log.h"
#include "xmalloc.h"

struct listener {
	struct addr	 addr;		/* an owned copy, for matching */
	int		 fd;
	int		 ev_set;	/* ev is assigned */
	char		*path;		/* unix path we created, or NULL */
	dev_t		 dev;		/* of the socket file at path */
	ino_t		 ino;
	ino_t		 sock_ino;	/* socket inode, as in /proc/PID/fd */
	/* In place rather than event_new()'s: one allocation less each. */
	struct event	 ev;
	struct event	*retry;		/* after a failed watch */
	listen_cb	*cb;
	void		*arg;
};

static struct event_base *listen_base;

void
listen_set_base(struct event_base *base)
{
	listen_base = base;
}

/* The kernel silently caps the backlog at somaxconn: say so once. */
static int
listen_clamp_backlog(int backlog)
{
	static int warned, max;
	static time_t read_at = -1;
	struct timespec now = { 0, 0 };
	FILE	*f;

	/*
	 * Read at most once a second: a thousand sockets opened at start-up
	 * or reload need not read the file a thousand times, and a sysctl
	 * change is still seen at the next reload.
	 */
	if (clock_gettime(CLOCK_MONOTONIC_COARSE, &now) == -1 ||
	    now.tv_sec != read_at) {
		max = 0;
		if ((f = fopen("/proc/sys/net/core/somaxconn", "re")) != NULL) {
			if (fscanf(f, "%d", &max) != 1)
				max = 0;
			fclose(f);
		}
		read_at = now.tv_sec;
	}
	if (max > 0 && backlog > max) {
		if (!warned++)
			log_warnx("backlog %d is above net.core.somaxconn %d: "
			    "using %d", backlog, max, max);
		return max;
	}
	return backlog;
}

/*
 * A file at a unix path is removed only if it is a socket nobody answers
 * on: never follow or delete a symlink, a directory, a regular file or a
 * live socket. Shared by listening sockets and the status socket.
 */
int
listen_clear_path(const char *path, char **cause)
{
	struct sockaddr_un sun;
	struct stat st;
	int	 fd, r, saved;

	if (lstat(path, &st) == -1) {
		if (errno == ENOENT)
			return 0;
		xasprintf(cause, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (S_ISLNK(st.st_mode)) {
		xasprintf(cause, "%s is a symbolic link, not a socket: "
		    "refusing to replace it", path);
		return -1;
	}
	if (S_ISDIR(st.st_mode)) {
		xasprintf(cause, "%s is a directory: refusing to replace it",
		    path);
		return -1;
	}
	if (!S_ISSOCK(st.st_mode)) {
		xasprintf(cause, "%s exists and is not a socket: refusing to "
		    "replace it", path);
		return -1;
	}
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof sun.sun_path) {
		xasprintf(cause, "%s: path too long", path);
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path));
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0)) == -1) {
		xasprintf(cause, "socket: %s", strerror(errno));
		return -1;
	}
	r = connect(fd, (struct sockaddr *)&sun, sizeof sun);
	saved = errno;
	close(fd);
	if (r == 0 || saved == EAGAIN) {
		xasprintf(cause, "%s is in use by another program", path);
		return -1;
	}
	if (saved != ECONNREFUSED && saved != ENOENT) {
		xasprintf(cause, "%s: cannot tell whether it is in use: %s",
		    path, strerror(saved));
		return -1;
	}
	if (unlink(path) == -1 && errno != ENOENT) {
		xasprintf(cause, "unlink %s: %s", path, strerror(errno));
		return -1;
	}
	log_info("removed the stale socket %s", path);
	return 0;
}

/* Open, bind and listen; the socket is non-blocking and close-on-exec. */
struct listener *
listen_open(const struct addr *a, int backlog, mode_t mode, const char *svc,
    char **cause)
{
	struct listener *l;
	struct stat st;
	mode_t	 old_umask;
	int	 fd, one = 1, r;

	if (a->family == AF_UNIX && !a->abstract &&
	    listen_clear_path(a->path, cause) == -1)
		return NULL;
	fd = socket(a->family, a->socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		xasprintf(cause, "%s: socket %s: %s", svc, a->spec,
		    strerror(errno));
		return NULL;
	}
	/* Not for udp: there it lets a second socket share the port. */
	if (a->family != AF_UNIX && a->socktype == SOCK_STREAM &&
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == -1)
		log_warn("%s: SO_REUSEADDR %s", svc, a->spec);
	/* Always v6-only, so [::] and 0.0.0.0 are two separate sockets. */
	if (a->family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY,
	    &one, sizeof one) == -1) {
		xasprintf(cause, "%s: IPV6_V6ONLY %s: %s", svc, a->spec,
		    strerror(errno));
		goto fail;
	}
	/* The file gets its final mode at bind: no window with a wider one. */
	if (a->family == AF_UNIX && !a->abstract) {
		old_umask = umask(~mode & 0777);
		r = bind(fd, addr_sockaddr(a), a->sslen);
		umask(old_umask);
	} else
		r = bind(fd, addr_sockaddr(a), a->sslen);
	if (r == -1) {
		xasprintf(cause, "%s: bind %s: %s", svc, a->spec,
		    strerror(errno));
		goto fail;
	}
	if (a->socktype == SOCK_STREAM &&
	    listen(fd, listen_clamp_backlog(backlog)) == -1) {
		xasprintf(cause, "%s: listen %s: %s", svc, a->spec,
		    strerror(errno));
		if (a->family == AF_UNIX && !a->abstract)
			unlink(a->path);
		goto fail;
	}
	l = xcalloc(1, sizeof *l);
	addr_copy(&l->addr, a);
	l->fd = fd;
	if (fstat(fd, &st) == 0)
		l->sock_ino = st.st_ino;
	if (a->family == AF_UNIX && !a->abstract) {
		l->path = xstrdup(a->path);
		if (lstat(a->path, &st) == 0) {
			l->dev = st.st_dev;
			l->ino = st.st_ino;
		}
	}
	log_debug("%s: listening on %s, fd %d", svc, a->spec, fd);
	return l;
fail:
	close(fd);
	return NULL;
}

static void
listen_event_cb(evutil_socket_t fd, short what, void *arg)
{
	struct listener *l = arg;

	(void)what;
	if (l->cb != NULL)
		l->cb(l, fd, l->arg);
}

void
listen_set_cb(struct listener *l, listen_cb *cb, void *arg)
{
	l->cb = cb;
	l->arg = arg;
}

static void
listen_retry_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	listen_watch(arg);
}

/*
 * A socket nobody watches is a service nobody can reach: when watching
 * fails (no memory for the event or in the kernel), try again later.
 */
static void
listen_watch_later(struct listener *l)
{
	struct timeval tv = { 1, 0 };

	log_warn("%s: cannot watch the socket, trying again in 1 s",
	    l->addr.spec);
	if (l->retry == NULL && (l->retry = evtimer_new(listen_base,
	    listen_retry_cb, l)) == NULL)
		return;
	evtimer_add(l->retry, &tv);
}

void
listen_watch(struct listener *l)
{
	if (!l->ev_set) {
		if (event_assign(&l->ev, listen_base, l->fd, EV_READ |
		    EV_PERSIST, listen_event_cb, l) == -1) {
			listen_watch_later(l);
			return;
		}
		l->ev_set = 1;
	}
	if (!event_pending(&l->ev, EV_READ, NULL) &&
	    event_add(&l->ev, NULL) == -1)
		listen_watch_later(l);
}

/* Stop polling: the daemon owns the socket, or a limit is reached. */
void
listen_unwatch(struct listener *l)
{
	if (l->retry != NULL)
		event_del(l->retry);
	if (l->ev_set && event_pending(&l->ev, EV_READ, NULL))
		event_del(&l->ev);
}
int
listen_fd(const struct listener *l)
{
	return l->fd;
}

const char *
listen_spec(const struct listener *l)
{
	return l->addr.spec;
}
/* The same socket address: [::1] and [0:0::1] are one socket. */
int
listen_matches(const struct listener *l, const struct addr *a)
{
	if (l->addr.family != a->family || l->addr.socktype != a->socktype)
		return 0;
	if (a->family == AF_UNIX)
		return l->addr.abstract == a->abstract &&
		    strcmp(l->addr.path, a->path) == 0;
	return addr_equal(&l->addr, a);
}

ino_t
listen_inode(const struct listener *l)
{
	return l->sock_ino;
}

/* Close; remove the socket file only if it is still the one we made. */
void
listen_close(struct listener *l)
{
	struct stat st;

	if (l == NULL)
		return;
	if (l->ev_set)
		event_del(&l->ev);
	if (l->retry != NULL)
		event_free(l->retry);
	close(l->fd);
	if (l->path != NULL && lstat(l->path, &st) == 0 &&
	    st.st_dev == l->dev && st.st_ino == l->ino && unlink(l->path) == -1)
		log_warn("unlink %s", l->path);
	free(l->path);
	addr_clear(&l->addr);
	free(l);
}
