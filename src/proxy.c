/* SPDX-License-Identifier: ISC */
/*
 * proxy.c -- handoff = proxy, in the service's supervisor (never in the
 * core's event loop, so a busy relay cannot slow another service).
 *
 * The program binds proxy-to itself. Once it is up by its type, the
 * proxy connects to proxy-to, retrying with a back-off (10 ms doubling
 * to 500 ms) until start-timeout: the first connection that succeeds
 * makes the service ready. Only then does it accept on the service's
 * listening sockets; until then clients wait in the kernel's backlog,
 * so none is refused or lost, and none holds memory of ours. Each
 * accepted client gets its own connection to proxy-to and goes to the
 * relay. At max-instances (or the descriptor budget) it stops accepting
 * until a relayed connection ends: the others wait in the backlog.
 *
 * Everything is in the relay's epoll set (listening sockets, the probe,
 * a timerfd), so the supervisor polls a single descriptor.
 */
#include "config.h"

#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/types.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "conf.h"
#include "proxy.h"
#include "relay.h"
#include "xmalloc.h"

#define PROBE_FIRST_MS		10	/* back-off between probes ... */
#define PROBE_MAX_MS		500	/* ... doubling up to this */
#define ACCEPT_BURST		64	/* accepts per wake-up: stay fair */
#define PAUSE_FIRST_MS		100	/* accept paused after EMFILE & co */
#define PAUSE_MAX_MS		2000
#define RETRY_MS		10	/* unix proxy-to with a full backlog */
#define STATS_MS		100	/* stats sent at most this often */
#define CONNECT_LOG_MS		1000	/* one connect failure line per */
#define FD_RESERVE		64	/* descriptors kept for everything else */

struct proxy {
	const struct service_conf *conf;
	const struct addr *to;
	struct proxy_hooks hooks;
	struct relay	*r;
	struct relay_watch *ls;		/* listening sockets */
	size_t		 nls;
	int		 accepting;	/* listening sockets in the epoll set */
	struct relay_watch timer;	/* timerfd */
	long long	 armed;		/* its expiry; 0: disarmed */
	struct relay_watch probe;	/* fd -1 when no probe is in flight */
	int		 probing, ready, stopped;
	long long	 deadline;	/* start-timeout */
	long long	 probe_began, probe_at;
	int		 probe_wait, probe_err;
	long long	 pause_until;	/* accept paused after EMFILE & co */
	int		 pause_ms;
	int		*waiting;	/* clients: unix proxy-to backlog full */
	size_t		 nwaiting;
	long long	 retry_at;
	size_t		 limit;		/* relayed connections at most */
	struct relay_stats reported;
	long long	 reported_at;
	long long	 connect_logged;
	int		 held;		/* idle stop: accept nothing for now */
};

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
proxy_log(struct proxy *p, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
proxy_log(struct proxy *p, int level, const char *fmt, ...)
{
	char	 msg[256];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	p->hooks.log(p->hooks.arg, level, msg);
}

static void	proxy_accept_cb(struct relay_watch *, uint32_t);
static void	proxy_timer_cb(struct relay_watch *, uint32_t);
static void	proxy_probe_cb(struct relay_watch *, uint32_t);
static void	proxy_update(struct proxy *);

/*
 * How many connections the descriptors allow: each may hold two sockets
 * and two pipes, and the pool and the supervisor need some of their own.
 */
static size_t
proxy_fd_budget(size_t nls)
{
	struct rlimit rl;
	rlim_t	 n;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur == RLIM_INFINITY)
		return 1 << 20;
	n = rl.rlim_cur;
	if (n <= FD_RESERVE + 2 * RELAY_POOL_MAX + nls + RELAY_FDS_PER_CONN)
		return 1;
	return (size_t)((n - FD_RESERVE - 2 * RELAY_POOL_MAX - nls) /
	    RELAY_FDS_PER_CONN);
}

struct proxy *
proxy_new(const struct service_conf *sc, const int *fds, size_t nfds,
    const struct proxy_hooks *hooks, char **cause)
{
	struct proxy *p = xcalloc(1, sizeof *p);
	struct rlimit rl;
	size_t	 i;

	p->conf = sc;
	p->to = sc->proxy_to;
	p->hooks = *hooks;
	p->probe.fd = p->timer.fd = -1;
	p->deadline = now_ms() + (long long)sc->start_timeout * 1000;
	/* Thousands of connections: as many descriptors as we may have. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	p->limit = proxy_fd_budget(nfds);
	if (sc->max_instances > 0 && (size_t)sc->max_instances < p->limit)
		p->limit = (size_t)sc->max_instances;
	if ((p->r = relay_new(hooks->log, hooks->arg, cause)) == NULL)
		goto fail;
	if ((p->timer.fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK |
	    TFD_CLOEXEC)) == -1) {
		xasprintf(cause, "timerfd_create: %s", strerror(errno));
		goto fail;
	}
	p->timer.cb = proxy_timer_cb;
	p->timer.arg = p;
	if (relay_watch_add(p->r, &p->timer, EPOLLIN) == -1) {
		xasprintf(cause, "epoll_ctl: %s", strerror(errno));
		goto fail;
	}
	p->probe.cb = proxy_probe_cb;
	p->probe.arg = p;
	/* Registered but not watched until ready: clients wait queued. */
	p->ls = xcalloc(nfds, sizeof *p->ls);
	for (i = 0; i < nfds; i++) {
		p->ls[i].fd = fds[i];
		p->ls[i].cb = proxy_accept_cb;
		p->ls[i].arg = p;
		if (relay_watch_add(p->r, &p->ls[i], 0) == -1) {
			xasprintf(cause, "epoll_ctl: %s", strerror(errno));
			goto fail;
		}
		p->nls++;
	}
	return p;
fail:
	for (i = 0; i < nfds; i++)
		close(fds[i]);
	if (p->timer.fd != -1)
		close(p->timer.fd);
	relay_free(p->r);
	free(p->ls);
	free(p);
	return NULL;
}

int
proxy_fd(const struct proxy *p)
{
	return relay_fd(p->r);
}

int
proxy_ready(const struct proxy *p)
{
	return p->ready;
}

/* ---- readiness: is the program answering on proxy-to? ---- */

static void
probe_close(struct proxy *p)
{
	if (p->probe.fd == -1)
		return;
	relay_watch_del(p->r, &p->probe);
	close(p->probe.fd);
	p->probe.fd = -1;
}

static void
probe_ok(struct proxy *p)
{
	probe_close(p);
	p->probing = 0;
	p->ready = 1;
	p->hooks.ready(p->hooks.arg);
}

static void
probe_failed_once(struct proxy *p, int err)
{
	probe_close(p);
	p->probe_err = err;
	p->probe_at = now_ms() + p->probe_wait;
	p->probe_wait = p->probe_wait * 2 > PROBE_MAX_MS ? PROBE_MAX_MS :
	    p->probe_wait * 2;
}

static void
probe_try(struct proxy *p)
{
	int	 fd;

	p->probe_at = 0;
	fd = socket(p->to->family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (fd == -1) {
		probe_failed_once(p, errno);
		return;
	}
	if (connect(fd, addr_sockaddr(p->to), p->to->sslen) ==
	    0) {
		close(fd);
		probe_ok(p);
		return;
	}
	if (errno == EAGAIN && p->to->family == AF_UNIX) {
		/* A full backlog: something listens there. */
		close(fd);
		probe_ok(p);
		return;
	}
	if (errno != EINPROGRESS) {
		close(fd);
		probe_failed_once(p, errno);
		return;
	}
	p->probe.fd = fd;
	if (relay_watch_add(p->r, &p->probe, EPOLLOUT) == -1) {
		p->probe.fd = -1;
		close(fd);
		probe_failed_once(p, errno);
	}
}

static void
proxy_probe_cb(struct relay_watch *w, uint32_t events)
{
	struct proxy *p = w->arg;
	socklen_t len = sizeof(int);
	int	 err = 0;

	(void)events;
	if (getsockopt(w->fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
		err = errno;
	if (err == 0)
		probe_ok(p);
	else
		probe_failed_once(p, err);
	proxy_update(p);
}

void
proxy_probe(struct proxy *p)
{
	if (p->ready || p->probing || p->stopped)
		return;
	p->probing = 1;
	p->probe_began = now_ms();
	p->probe_wait = PROBE_FIRST_MS;
	p->probe_err = 0;
	probe_try(p);
	proxy_update(p);
}

static void
probe_deadline(struct proxy *p)
{
	char	 why[256];
	int	 err = p->probe.fd != -1 ? ETIMEDOUT : p->probe_err;

	probe_close(p);
	p->probing = 0;
	snprintf(why, sizeof why, "proxy-to %s did not accept a connection "
	    "within %d s: %s", p->to->spec, p->conf->start_timeout,
	    err != 0 ? strerror(err) : "no answer");
	p->hooks.failed(p->hooks.arg, why);
}

/* ---- accepting and connecting ---- */

static void
reset_close(int fd)
{
	struct linger lg = { 1, 0 };

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
	close(fd);
}

static void
nodelay(int fd)
{
	int	 one = 1;

	/* We pass on what arrives when it arrives: never hold it back. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

/*
 * One client: a connection of its own to proxy-to, then the relay.
 * Returns 1 if proxy-to's backlog is full (unix: try again later).
 */
static int
proxy_connect(struct proxy *p, int client)
{
	int	 fd, r;
	long long now;

	fd = socket(p->to->family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (fd == -1)
		goto fail;
	if (p->to->family != AF_UNIX)
		nodelay(fd);
	r = connect(fd, addr_sockaddr(p->to), p->to->sslen);
	if (r == 0 || errno == EINPROGRESS) {
		relay_add(p->r, client, fd, r != 0);
		return 0;
	}
	if (errno == EAGAIN && p->to->family == AF_UNIX) {
		close(fd);
		return 1;
	}
fail:
	now = now_ms();
	if (now - p->connect_logged >= CONNECT_LOG_MS) {
		proxy_log(p, LOG_WARNING, "proxy: connect to %s: %s: client "
		    "reset", p->to->spec, strerror(errno));
		p->connect_logged = now;
	}
	if (fd != -1)
		close(fd);
	reset_close(client);
	return 0;
}

static void
proxy_retry_waiting(struct proxy *p)
{
	size_t	 i, kept = 0;

	p->retry_at = 0;
	for (i = 0; i < p->nwaiting; i++) {
		if (kept > 0 || proxy_connect(p, p->waiting[i]) == 1)
			p->waiting[kept++] = p->waiting[i];
	}
	p->nwaiting = kept;
	if (kept > 0)
		p->retry_at = now_ms() + RETRY_MS;
}

static void
proxy_pause(struct proxy *p, int err)
{
	if (p->pause_ms == 0)
		proxy_log(p, LOG_WARNING, "proxy: accept: %s: pausing",
		    strerror(err));
	p->pause_ms = p->pause_ms == 0 ? PAUSE_FIRST_MS :
	    (p->pause_ms * 2 > PAUSE_MAX_MS ? PAUSE_MAX_MS : p->pause_ms * 2);
	p->pause_until = now_ms() + p->pause_ms;
}

static void
proxy_accept_cb(struct relay_watch *w, uint32_t events)
{
	struct proxy *p = w->arg;
	int	 i, fd;

	(void)events;
	for (i = 0; i < ACCEPT_BURST; i++) {
		if (!p->accepting || p->nwaiting > 0 ||
		    relay_count(p->r) >= p->limit)
			break;
		fd = accept4(w->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno == EINTR || errno == ECONNABORTED ||
			    errno == EPROTO)
				continue;
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM)
				proxy_pause(p, errno);
			else if (errno != EAGAIN && errno != EWOULDBLOCK)
				proxy_log(p, LOG_WARNING, "proxy: accept: %s",
				    strerror(errno));
			break;
		}
		if (p->pause_ms != 0) {
			proxy_log(p, LOG_NOTICE, "proxy: accepting again");
			p->pause_ms = 0;
		}
		if (p->to->family != AF_UNIX)
			nodelay(fd);
		if (proxy_connect(p, fd) == 1) {
			p->waiting = xreallocarray(p->waiting, p->nwaiting + 1,
			    sizeof *p->waiting);
			p->waiting[p->nwaiting++] = fd;
			p->retry_at = now_ms() + RETRY_MS;
		}
	}
	proxy_update(p);
}

/* ---- the timer, the accept switch, the stats ---- */

static void
proxy_timer_cb(struct relay_watch *w, uint32_t events)
{
	struct proxy *p = w->arg;
	uint64_t n;
	long long now = now_ms();

	(void)events;
	if (read(w->fd, &n, sizeof n) == -1 && errno != EAGAIN)
		proxy_log(p, LOG_WARNING, "proxy: timerfd: %s",
		    strerror(errno));
	p->armed = 0;
	if (p->probing && now >= p->deadline)
		probe_deadline(p);
	else if (p->probing && p->probe.fd == -1 && p->probe_at != 0 &&
	    now >= p->probe_at)
		probe_try(p);
	if (p->pause_until != 0 && now >= p->pause_until)
		p->pause_until = 0;
	if (p->retry_at != 0 && now >= p->retry_at)
		proxy_retry_waiting(p);
	proxy_update(p);
}

static void
proxy_listen(struct proxy *p, int on)
{
	size_t	i;

	if (p->accepting == on)
		return;
	p->accepting = on;
	for (i = 0; i < p->nls; i++)
		if (relay_watch_mod(p->r, &p->ls[i], on ? EPOLLIN : 0) == -1)
			proxy_log(p, LOG_WARNING, "proxy: epoll_ctl: %s",
			    strerror(errno));
}

static void
proxy_report(struct proxy *p, long long now)
{
	struct relay_stats st;

	relay_stats(p->r, &st);
	if (memcmp(&st, &p->reported, sizeof st) == 0)
		return;
	if (now - p->reported_at < STATS_MS)
		return;		/* the timer comes back for it */
	p->reported = st;
	p->reported_at = now;
	p->hooks.stats(p->hooks.arg, &st);
}

static void
next_at(long long *next, long long t)
{
	if (t != 0 && (*next == 0 || t < *next))
		*next = t;
}

/* After anything happened: accept or not, report, re-arm the timer. */
static void
proxy_update(struct proxy *p)
{
	struct itimerspec its;
	struct relay_stats st;
	long long now = now_ms(), next = 0;

	proxy_listen(p, p->ready && !p->stopped && !p->held &&
	    p->pause_until == 0 && p->nwaiting == 0 && relay_count(p->r) < p->limit);
	proxy_report(p, now);
	if (p->probing) {
		next_at(&next, p->deadline);
		if (p->probe.fd == -1)
			next_at(&next, p->probe_at);
	}
	next_at(&next, p->pause_until);
	next_at(&next, p->retry_at);
	relay_stats(p->r, &st);
	if (memcmp(&st, &p->reported, sizeof st) != 0)
		next_at(&next, p->reported_at + STATS_MS);
	if (next == p->armed)
		return;
	memset(&its, 0, sizeof its);
	if (next != 0) {
		its.it_value.tv_sec = next / 1000;
		its.it_value.tv_nsec = (next % 1000) * 1000000;
	}
	if (timerfd_settime(p->timer.fd, TFD_TIMER_ABSTIME, &its, NULL) == -1)
		proxy_log(p, LOG_WARNING, "proxy: timerfd_settime: %s",
		    strerror(errno));
	else
		p->armed = next;
}

void
proxy_run(struct proxy *p)
{
	relay_run(p->r);
	proxy_update(p);
}

void
proxy_stop(struct proxy *p)
{
	size_t	i;

	if (p->stopped)
		return;
	p->stopped = 1;
	p->probing = 0;
	probe_close(p);
	proxy_listen(p, 0);
	/* Our copies only: the core keeps the sockets and their backlog. */
	for (i = 0; i < p->nls; i++) {
		relay_watch_del(p->r, &p->ls[i]);
		close(p->ls[i].fd);
	}
	p->nls = 0;
	for (i = 0; i < p->nwaiting; i++)
		reset_close(p->waiting[i]);
	p->nwaiting = 0;
	p->retry_at = 0;
	proxy_update(p);
}

size_t
proxy_hold(struct proxy *p, int on)
{
	p->held = on;
	proxy_update(p);
	return relay_count(p->r) + p->nwaiting;
}

void
proxy_free(struct proxy *p)
{
	struct relay_stats st;
	size_t	 i;

	if (p == NULL)
		return;
	proxy_stop(p);
	relay_flush_close(p->r);
	relay_stats(p->r, &st);
	if (memcmp(&st, &p->reported, sizeof st) != 0)
		p->hooks.stats(p->hooks.arg, &st);
	for (i = 0; i < p->nls; i++)
		close(p->ls[i].fd);
	free(p->ls);
	free(p->waiting);
	close(p->timer.fd);
	relay_free(p->r);
	free(p);
}

/* ---- the stats report on the supervisor's socketpair ---- */

void
proxy_stats_format(const struct relay_stats *st, char *buf, size_t len)
{
	snprintf(buf, len, "%" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64,
	    st->conns, st->total, st->bytes_in, st->bytes_out);
}

int
proxy_stats_parse(const char *s, struct relay_stats *st)
{
	uint64_t v[4];
	char	*end;
	int	 i;

	for (i = 0; i < 4; i++) {
		errno = 0;
		v[i] = strtoull(s, &end, 10);
		if (errno != 0 || end == s || (*end != ' ' && *end != '\0'))
			return -1;
		s = end;
	}
	if (*s != '\0')
		return -1;
	st->conns = v[0];
	st->total = v[1];
	st->bytes_in = v[2];
	st->bytes_out = v[3];
	return 0;
}
