/* SPDX-License-Identifier: ISC */
/*
 * relay.c -- the relay engine of handoff = proxy. Each connection is a
 * client socket and a backend socket; each direction moves bytes with
 * splice(2), socket to pipe to socket, so they never cross user space.
 *
 * Every socket is in one epoll set, edge-triggered, registered once for
 * input and output: no epoll_ctl() per transfer. Readiness is kept in
 * flags, set by events and cleared by EAGAIN. A direction reads only
 * while its pipe has room, so a slow reader stops its writer with at
 * most one pipe of data held: memory per connection is bounded.
 *
 * A pipe is held only while it holds data; an empty one goes back to a
 * small pool. Idle connections cost two sockets, and a short connection
 * usually creates no pipe at all.
 *
 * Half-close propagates: EOF from one side, once its pipe is empty,
 * becomes shutdown(SHUT_WR) on the other. A reset on one side resets
 * the other (SO_LINGER 0, then close). A connection ends when both
 * directions are shut.
 */
#include "config.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "relay.h"
#include "xmalloc.h"

/*
 * What a pipe may hold grows to RELAY_PIPE_MAX once a direction fills
 * half of it: a bulk stream then moves in larger steps (a 1 MiB pipe
 * costs a third less CPU per GiB than the default 64 KiB, measured in
 * tests/bench), while request/reply traffic keeps small pipes. It is the
 * bound on what one direction buffers; pages are taken only while data
 * is in flight.
 */
#define RELAY_PIPE_MAX		(1024 * 1024)
#define RELAY_EVENTS		128	/* epoll events per wait */
#define RELAY_WAITS		8	/* waits per relay_run() at most */
/* Transfers per direction per turn, so one stream cannot starve others. */
#define RELAY_BURST		16
#define SPLICE_FLAGS		(SPLICE_F_MOVE | SPLICE_F_NONBLOCK)

struct conn;

struct side {
	struct relay_watch w;		/* first: epoll hands us this */
	struct conn	*c;
	unsigned	 readable:1;	/* until read gives EAGAIN */
	unsigned	 writable:1;	/* until write gives EAGAIN */
	unsigned	 eof:1;		/* read returned 0 */
	unsigned	 shut:1;	/* we shut its write side */
};

struct dir {
	int		 pipe[2];	/* -1 while empty */
	size_t		 fill;		/* bytes in the pipe */
	size_t		 cap;		/* bytes it may hold */
};

struct spare {
	int		 fd[2];
	size_t		 cap;
};

struct conn {
	struct relay	*r;
	struct side	 side[2];	/* 0: client, 1: backend */
	struct dir	 dir[2];	/* 0: client to backend, 1: back */
	unsigned	 connecting:1;	/* backend connect() in progress */
	unsigned	 dead:1;	/* closed; freed after this batch */
	unsigned	 queued:1;	/* on the busy list */
	struct conn	*prev, *next;	/* live connections */
	struct conn	*busy_next;	/* more to move than one turn allows */
};

struct relay {
	relay_log_fn	*log;
	void		*log_arg;
	int		 ep;
	struct relay_watch kick;	/* eventfd: busy connections wait */
	int		 kicked;
	struct conn	*live;
	struct conn	*busy;
	struct conn	*dead;		/* freed at the end of a batch */
	struct spare	 pool[RELAY_POOL_MAX];
	size_t		 npool;
	int		 nogrow;	/* the kernel refused a larger pipe */
	struct relay_stats st;
};

static void	side_event(struct relay_watch *, uint32_t);
static void	conn_pump(struct relay *, struct conn *);

static void
relay_log(struct relay *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
relay_log(struct relay *r, const char *fmt, ...)
{
	char	 msg[256];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	r->log(r->log_arg, LOG_WARNING, msg);
}

static void
kick_event(struct relay_watch *w, uint32_t events)
{
	struct relay *r = w->arg;
	uint64_t v;

	(void)events;
	if (read(w->fd, &v, sizeof v) == -1 && errno != EAGAIN)
		relay_log(r, "relay: eventfd read: %s", strerror(errno));
	r->kicked = 0;
}

struct relay *
relay_new(relay_log_fn *log, void *log_arg, char **cause)
{
	struct relay *r = xcalloc(1, sizeof *r);

	r->log = log;
	r->log_arg = log_arg;
	r->kick.fd = -1;
	if ((r->ep = epoll_create1(EPOLL_CLOEXEC)) == -1) {
		xasprintf(cause, "epoll_create1: %s", strerror(errno));
		goto fail;
	}
	if ((r->kick.fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1) {
		xasprintf(cause, "eventfd: %s", strerror(errno));
		goto fail;
	}
	r->kick.cb = kick_event;
	r->kick.arg = r;
	if (relay_watch_add(r, &r->kick, EPOLLIN) == -1) {
		xasprintf(cause, "epoll_ctl: %s", strerror(errno));
		goto fail;
	}
	return r;
fail:
	if (r->kick.fd != -1)
		close(r->kick.fd);
	if (r->ep != -1)
		close(r->ep);
	free(r);
	return NULL;
}

int
relay_fd(const struct relay *r)
{
	return r->ep;
}

int
relay_watch_add(struct relay *r, struct relay_watch *w, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = w };

	return epoll_ctl(r->ep, EPOLL_CTL_ADD, w->fd, &ev);
}

int
relay_watch_mod(struct relay *r, struct relay_watch *w, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = w };

	return epoll_ctl(r->ep, EPOLL_CTL_MOD, w->fd, &ev);
}

void
relay_watch_del(struct relay *r, struct relay_watch *w)
{
	epoll_ctl(r->ep, EPOLL_CTL_DEL, w->fd, NULL);
}

/* ---- pipes ---- */

static int
pipe_get(struct relay *r, struct dir *d)
{
	int	 fds[2], size;

	if (r->npool > 0) {
		r->npool--;
		d->pipe[0] = r->pool[r->npool].fd[0];
		d->pipe[1] = r->pool[r->npool].fd[1];
		d->cap = r->pool[r->npool].cap;
		return 0;
	}
	if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) == -1)
		return -1;
	/* Its size is the kernel's (fewer pages past pipe-user-pages-soft). */
	if ((size = fcntl(fds[1], F_GETPIPE_SZ)) <= 0) {
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	d->pipe[0] = fds[0];
	d->pipe[1] = fds[1];
	d->cap = (size_t)size;
	return 0;
}

/* A direction that fills its pipe carries a stream: a larger pipe. */
static void
pipe_grow(struct relay *r, struct dir *d)
{
	int	 size;

	if (r->nogrow || d->cap >= RELAY_PIPE_MAX || d->fill < d->cap / 2)
		return;
	if ((size = fcntl(d->pipe[1], F_SETPIPE_SZ, RELAY_PIPE_MAX)) > 0)
		d->cap = (size_t)size;
	else if (errno == EPERM)
		r->nogrow = 1;	/* over pipe-max-size or the user's pages */
}

/* An empty pipe goes back to the pool; one holding data is closed. */
static void
pipe_put(struct relay *r, struct dir *d)
{
	if (d->pipe[0] == -1)
		return;
	if (d->fill == 0 && r->npool < RELAY_POOL_MAX) {
		r->pool[r->npool].fd[0] = d->pipe[0];
		r->pool[r->npool].fd[1] = d->pipe[1];
		r->pool[r->npool].cap = d->cap;
		r->npool++;
	} else {
		close(d->pipe[0]);
		close(d->pipe[1]);
	}
	d->pipe[0] = d->pipe[1] = -1;
	d->fill = 0;
}

/* ---- connections ---- */

int
relay_add(struct relay *r, int client, int backend, int connecting)
{
	struct conn *c = xcalloc(1, sizeof *c);
	int	 i;

	c->r = r;
	for (i = 0; i < 2; i++) {
		c->side[i].w.fd = i == 0 ? client : backend;
		c->side[i].w.cb = side_event;
		c->side[i].w.arg = c;
		c->side[i].c = c;
		c->dir[i].pipe[0] = c->dir[i].pipe[1] = -1;
	}
	c->connecting = connecting != 0;
	for (i = 0; i < 2; i++)
		if (relay_watch_add(r, &c->side[i].w, EPOLLIN | EPOLLOUT |
		    EPOLLRDHUP | EPOLLET) == -1) {
			relay_log(r, "relay: epoll_ctl: %s", strerror(errno));
			close(client);
			close(backend);
			free(c);
			return -1;
		}
	c->next = r->live;
	if (r->live != NULL)
		r->live->prev = c;
	r->live = c;
	r->st.conns++;
	r->st.total++;
	return 0;
}

/*
 * Close both sockets; with RESET, make each send a RST (SO_LINGER 0):
 * a reset on one side is passed on as a reset to the other.
 */
static void
conn_close(struct relay *r, struct conn *c, int reset)
{
	struct linger lg = { 1, 0 };
	int	 i;

	if (c->dead)
		return;
	c->dead = 1;
	for (i = 0; i < 2; i++) {
		if (reset)
			setsockopt(c->side[i].w.fd, SOL_SOCKET, SO_LINGER, &lg,
			    sizeof lg);
		close(c->side[i].w.fd);	/* leaves the epoll set too */
		c->side[i].w.fd = -1;
		pipe_put(r, &c->dir[i]);
	}
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		r->live = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	/* Events of this batch may still name it: free it afterwards. */
	c->next = r->dead;
	r->dead = c;
	r->st.conns--;
}

static void
relay_reap(struct relay *r)
{
	struct conn *c;

	while ((c = r->dead) != NULL) {
		r->dead = c->next;
		free(c);
	}
}

/*
 * Move DIR's bytes: pipe to its writer while the writer takes them,
 * reader to pipe while the pipe has room. -1: the connection was reset
 * and is closed; 1: the burst ran out with more to move.
 */
static int
dir_pump(struct relay *r, struct conn *c, int d)
{
	struct side *src = &c->side[d], *dst = &c->side[!d];
	struct dir *p = &c->dir[d];
	ssize_t	 n;
	int	 i, moved;

	for (i = 0; i < RELAY_BURST; i++) {
		moved = 0;
		if (p->fill > 0 && dst->writable) {
			n = splice(p->pipe[0], NULL, dst->w.fd, NULL, p->fill,
			    SPLICE_FLAGS);
			if (n > 0) {
				p->fill -= (size_t)n;
				if (d == 0)
					r->st.bytes_in += (uint64_t)n;
				else
					r->st.bytes_out += (uint64_t)n;
				moved = 1;
			} else if (n == -1 && errno == EAGAIN)
				dst->writable = 0;
			else if (n == -1 && errno != EINTR) {
				conn_close(r, c, 1);
				return -1;
			}
		}
		if (p->fill == 0 && p->pipe[0] != -1)
			pipe_put(r, p);
		if (src->readable && !src->eof && (p->pipe[0] == -1 ||
		    p->fill < p->cap)) {
			if (p->pipe[0] == -1 && pipe_get(r, p) == -1) {
				relay_log(r, "relay: pipe: %s",
				    strerror(errno));
				conn_close(r, c, 1);
				return -1;
			}
			n = splice(src->w.fd, NULL, p->pipe[1], NULL,
			    p->cap - p->fill, SPLICE_FLAGS);
			if (n > 0) {
				p->fill += (size_t)n;
				moved = 1;
				pipe_grow(r, p);
			} else if (n == 0) {
				src->eof = 1;
				moved = 1;
			} else if (errno == EAGAIN) {
				/*
				 * With data in the pipe, EAGAIN may mean the
				 * pipe is full, not the socket empty: keep
				 * the flag, the next drain retries.
				 */
				if (p->fill == 0)
					src->readable = 0;
			} else if (errno != EINTR) {
				conn_close(r, c, 1);
				return -1;
			}
			if (p->fill == 0)
				pipe_put(r, p);
		}
		if (!moved)
			break;
	}
	if (src->eof && p->fill == 0 && !dst->shut) {
		dst->shut = 1;
		if (shutdown(dst->w.fd, SHUT_WR) == -1) {
			conn_close(r, c, 1);
			return -1;
		}
	}
	return i == RELAY_BURST ? 1 : 0;
}

static void
conn_queue(struct relay *r, struct conn *c)
{
	uint64_t one = 1;

	if (c->queued)
		return;
	c->queued = 1;
	c->busy_next = r->busy;
	r->busy = c;
	if (!r->kicked && write(r->kick.fd, &one, sizeof one) ==
	    (ssize_t)sizeof one)
		r->kicked = 1;
}

static void
conn_pump(struct relay *r, struct conn *c)
{
	int	 a, b = 0;

	if (c->dead || c->connecting)
		return;
	if ((a = dir_pump(r, c, 0)) == -1 || (b = dir_pump(r, c, 1)) == -1)
		return;
	if (c->side[0].eof && c->side[1].eof && c->side[0].shut &&
	    c->side[1].shut && c->dir[0].fill == 0 && c->dir[1].fill == 0) {
		conn_close(r, c, 0);
		return;
	}
	if (a == 1 || b == 1)
		conn_queue(r, c);
}

static int
sock_error(int fd)
{
	int	 err = 0;
	socklen_t len = sizeof err;

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
		return errno;
	return err;
}

/*
 * One socket's events: note its readiness, settle a pending connect,
 * pass on a reset at once (even with nothing to move, a peer waiting
 * for our data must learn it), then move what can move.
 */
static void
side_event(struct relay_watch *w, uint32_t events)
{
	struct side *s = (struct side *)w;
	struct conn *c = s->c;
	struct relay *r = c->r;
	int	 err;

	if (c->dead)
		return;
	if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
		s->readable = 1;
	if (events & (EPOLLOUT | EPOLLHUP | EPOLLERR))
		s->writable = 1;
	if (s == &c->side[1] && c->connecting) {
		if (!(events & (EPOLLOUT | EPOLLHUP | EPOLLERR)))
			return;
		if ((err = sock_error(w->fd)) != 0) {
			/* The backend refused: reset the client. */
			conn_close(r, c, 1);
			return;
		}
		c->connecting = 0;
	} else if ((events & EPOLLERR) && sock_error(w->fd) != 0) {
		conn_close(r, c, 1);
		return;
	}
	conn_pump(r, c);
}

/* Connections that ran out of burst last time get another turn. */
static void
relay_run_busy(struct relay *r)
{
	struct conn *c, *next;

	c = r->busy;
	r->busy = NULL;
	for (; c != NULL; c = next) {
		next = c->busy_next;
		c->queued = 0;
		conn_pump(r, c);
	}
}

void
relay_run(struct relay *r)
{
	struct epoll_event ev[RELAY_EVENTS];
	struct relay_watch *w;
	int	 n, i, waits;

	for (waits = 0; waits < RELAY_WAITS; waits++) {
		n = epoll_wait(r->ep, ev, RELAY_EVENTS, 0);
		if (n == -1 && errno != EINTR)
			relay_log(r, "relay: epoll_wait: %s",
			    strerror(errno));
		for (i = 0; i < n; i++) {
			w = ev[i].data.ptr;
			w->cb(w, ev[i].events);
		}
		relay_run_busy(r);
		relay_reap(r);
		/* A full batch may have left more behind: look again. */
		if (n < RELAY_EVENTS && r->busy == NULL)
			break;
	}
}

size_t
relay_count(const struct relay *r)
{
	return (size_t)r->st.conns;
}

void
relay_stats(const struct relay *r, struct relay_stats *st)
{
	*st = r->st;
}

/*
 * The service is gone: deliver what is already here and fits in the
 * clients' socket buffers (a reply written just before the program
 * exited must not be lost), then close every connection.
 */
void
relay_flush_close(struct relay *r)
{
	struct conn *c, *next;
	int	 i;

	for (c = r->live; c != NULL; c = c->next)
		for (i = 0; i < 2; i++)
			c->side[i].readable = c->side[i].writable = 1;
	for (c = r->live; c != NULL; c = next) {
		next = c->next;		/* c may be closed */
		conn_pump(r, c);
	}
	while (r->live != NULL)
		conn_close(r, r->live, 0);
	r->busy = NULL;
	relay_reap(r);
}

void
relay_free(struct relay *r)
{
	size_t	i;

	if (r == NULL)
		return;
	while (r->live != NULL)
		conn_close(r, r->live, 0);
	relay_reap(r);
	for (i = 0; i < r->npool; i++) {
		close(r->pool[i].fd[0]);
		close(r->pool[i].fd[1]);
	}
	close(r->kick.fd);
	close(r->ep);
	free(r);
}
