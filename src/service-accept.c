/* SPDX-License-Identifier: ISC */
/*
 * service-accept.c -- accept = yes: one instance per connection. The
 * core accepts, applies deny, allow and max-per-source before anything
 * is created, spawns the instance, and pauses when a limit or a lack of
 * descriptors says so. The state machine lives in service.c.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/types.h>
#include <netinet/in.h>

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "addr.h"
#include "conf.h"
#include "listen.h"
#include "log.h"
#include "proc.h"
#include "service-int.h"
#include "spawn.h"
#include "xmalloc.h"

#define BACKOFF_MIN_MS		100
#define BACKOFF_MAX_MS		2000
#define ACCEPT_BATCH		64

static int
same_source(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return 0;
	if (a->ss_family == AF_INET)
		return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
		    ((const struct sockaddr_in *)b)->sin_addr.s_addr;
	if (a->ss_family == AF_INET6)
		return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
		    &((const struct sockaddr_in6 *)b)->sin6_addr, 16) == 0;
	return 1;	/* unix peers are all one source */
}

/* allow/deny, before anything is created for the peer. */
static int
service_peer_allowed(struct service *s, const struct sockaddr *sa)
{
	size_t	i;

	if (sa->sa_family != AF_INET && sa->sa_family != AF_INET6)
		return 1;
	for (i = 0; i < s->conf->ndeny; i++)
		if (cidr_match(&s->conf->deny[i], sa))
			return 0;
	if (s->conf->nallow == 0)
		return 1;
	for (i = 0; i < s->conf->nallow; i++)
		if (cidr_match(&s->conf->allow[i], sa))
			return 1;
	return 0;
}

static void
service_backoff_cb(evutil_socket_t fd, short what, void *arg)
{
	struct service *s = arg;

	(void)fd;
	(void)what;
	if (s->state == SERVICE_LISTENING)
		service_watch(s);
}

/*
 * Out of descriptors or buffers: the pending connection keeps the socket
 * readable, so accepting again at once would spin. Pause instead.
 */
static void
service_accept_pause(struct service *s)
{
	struct timeval tv;

	if (s->backoff_ms == 0) {
		s->backoff_ms = BACKOFF_MIN_MS;
		log_warn("%s: pausing accept while resources are short",
		    s->name);
	} else if (s->backoff_ms < BACKOFF_MAX_MS)
		s->backoff_ms = s->backoff_ms * 2 > BACKOFF_MAX_MS ?
		    BACKOFF_MAX_MS : s->backoff_ms * 2;
	service_unwatch(s);
	tv.tv_sec = s->backoff_ms / 1000;
	tv.tv_usec = (s->backoff_ms % 1000) * 1000;
	if (service_timer_make(s, &s->backoff, service_backoff_cb) == 0)
		event_add(s->backoff, &tv);
}

static void
service_spawn_instance(struct service *s, int cfd,
    const struct sockaddr_storage *peer)
{
	struct spawn_req req;
	char	 host[64] = "";
	int	 port = 0, n = 0;
	size_t	 i;
	char	*cause = NULL;
	pid_t	 pid;

	if (!service_peer_allowed(s, (const struct sockaddr *)peer)) {
		s->refused++;
		sockaddr_format((const struct sockaddr *)peer, host,
		    sizeof host, &port);
		log_info("%s: refused %s by allow/deny", s->name, host);
		close(cfd);
		return;
	}
	if (s->conf->max_per_source > 0) {
		for (i = 0; i < s->ninst; i++)
			n += same_source(&s->inst[i].peer, peer);
		if (n >= s->conf->max_per_source) {
			s->refused++;
			sockaddr_format((const struct sockaddr *)peer, host,
			    sizeof host, &port);
			log_info("%s: refused %s: max-per-source %d reached",
			    s->name, host, s->conf->max_per_source);
			close(cfd);
			return;
		}
	}
	memset(&req, 0, sizeof req);
	req.conf = s->conf;
	req.mode = SPAWN_CONNECTION;
	req.fds = &cfd;
	req.nfds = 1;
	req.out_fd = service_output_fd(s);
	if (sockaddr_format((const struct sockaddr *)peer, host, sizeof host,
	    &port) == 0) {
		req.remote_addr = host;
		req.remote_port = port;
	}
	pid = spawn_child(&req, &cause);
	close(cfd);
	if (pid == -1) {
		/* Out of processes or descriptors: pause, as for accept. */
		if (errno == EAGAIN || errno == EMFILE || errno == ENFILE ||
		    errno == ENOMEM) {
			service_set_error(s, cause);
			service_accept_pause(s);
		} else {
			log_error("%s: cannot start an instance: %s", s->name,
			    cause);
			service_set_error(s, cause);
		}
		free(cause);
		return;
	}
	s->inst = xreallocarray(s->inst, s->ninst + 1, sizeof *s->inst);
	s->inst[s->ninst].pid = pid;
	s->inst[s->ninst].peer = *peer;
	s->ninst++;
	s->activations++;
	log_debug("%s: instance pid %ld for %s:%d", s->name, (long)pid,
	    host[0] != '\0' ? host : "local", port);
}

void
service_accept(struct service *s, int fd)
{
	struct sockaddr_storage peer;
	socklen_t len;
	int	 cfd, i;

	for (i = 0; i < ACCEPT_BATCH; i++) {
		if ((int)s->ninst >= s->conf->max_instances) {
			/* Wait in the backlog until an instance exits. */
			service_unwatch(s);
			return;
		}
		len = sizeof peer;
		cfd = accept4(fd, (struct sockaddr *)&peer, &len,
		    SOCK_CLOEXEC);
		if (cfd == -1) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM) {
				service_accept_pause(s);
				return;
			}
			log_warn("%s: accept", s->name);
			return;
		}
		if (s->backoff_ms != 0) {
			log_notice("%s: accepting again", s->name);
			s->backoff_ms = 0;
		}
		s->accepted++;
		service_spawn_instance(s, cfd, &peer);
	}
}

void
service_instance_exited(struct service *s, size_t idx, int status)
{
	service_record_exit(s, status);
	s->inst[idx] = s->inst[--s->ninst];
	if (s->state == SERVICE_LISTENING)
		service_watch(s);
}

/*
 * Instances and whatever they started: SIGTERM now, SIGKILL to those
 * left after stop-timeout (the orphan timer, with start times checked).
 */
void
service_stop_instances(struct service *s)
{
	struct procinfo *all;
	pid_t	*roots;
	size_t	 n, i;

	roots = xcalloc(s->ninst, sizeof *roots);
	for (i = 0; i < s->ninst; i++)
		roots[i] = s->inst[i].pid;
	all = proc_scan(&n);
	s->norphans = 0;
	service_term_trees(s, all, n, roots, s->ninst);
	free(roots);
	free(all);
}

/* Stop the tree (or the instances); sockets stay unless asked. */
