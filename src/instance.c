/* SPDX-License-Identifier: ISC */
/*
 * instance.c -- accept = yes, the core's part: accept, check deny, allow
 * and max-per-source before anything is created, count instances against
 * max-instances, and pass each connection to the service's supervisor,
 * which spawns the instance. Spawning off the core's loop lets accepting
 * and process creation run on different cores, and makes the supervisor,
 * a subreaper, the parent of whatever an instance leaves behind.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/types.h>
#include <netinet/in.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "addr.h"
#include "conf.h"
#include "instance.h"
#include "log.h"
#include "suplink.h"
#include "xmalloc.h"

#define BACKOFF_MIN_MS		100
#define BACKOFF_MAX_MS		2000
#define ACCEPT_BATCH		64

struct instance {
	uint32_t	 id;		/* connection id given to the supervisor */
	pid_t		 pid;		/* 0 until the supervisor reports it */
	const struct suplink *link;
	struct sockaddr_storage peer;	/* for max-per-source */
	struct timespec	 accepted;	/* log-connections: the duration */
};

struct instances {
	char		*name;
	const struct service_conf *conf;
	struct event_base *base;
	instances_watch_fn *watch;
	void		*arg;
	struct instance	*inst;
	size_t		 ninst;
	uint32_t	 next_id;
	struct event	*backoff;	/* accept paused after EMFILE & co */
	int		 backoff_ms;
	unsigned long	 accepted, refused, started;
	uint32_t	 refused_by[REFUSED_NREASONS];	/* for metrics */
};

struct instances *
instances_new(struct event_base *base, const char *name,
    instances_watch_fn *watch, void *arg)
{
	struct instances *is = xcalloc(1, sizeof *is);

	is->name = xstrdup(name);
	is->base = base;
	is->watch = watch;
	is->arg = arg;
	return is;
}

void
instances_free(struct instances *is)
{
	if (is == NULL)
		return;
	if (is->backoff != NULL)
		event_free(is->backoff);
	free(is->inst);
	free(is->name);
	free(is);
}

void
instances_set_conf(struct instances *is, const struct service_conf *sc)
{
	is->conf = sc;
}

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

/*
 * allow/deny, before anything is created for the peer: REFUSED_NREASONS
 * if it may connect, else which rule refuses it.
 */
static enum instances_refusal
peer_refusal(const struct service_conf *sc, const struct sockaddr *sa)
{
	size_t	i;

	if (sa->sa_family != AF_INET && sa->sa_family != AF_INET6)
		return REFUSED_NREASONS;
	for (i = 0; i < sc->ndeny; i++)
		if (cidr_match(&sc->deny[i], sa))
			return REFUSED_DENY;
	if (sc->nallow == 0)
		return REFUSED_NREASONS;
	for (i = 0; i < sc->nallow; i++)
		if (cidr_match(&sc->allow[i], sa))
			return REFUSED_NREASONS;
	return REFUSED_ALLOW;
}

int
instances_may_accept(const struct instances *is)
{
	return (int)is->ninst < is->conf->max_instances &&
	    (is->backoff == NULL || !event_pending(is->backoff, EV_TIMEOUT,
	    NULL));
}

static void
backoff_cb(evutil_socket_t fd, short what, void *arg)
{
	struct instances *is = arg;

	(void)fd;
	(void)what;
	is->watch(is->arg, 1);
}

/*
 * Out of descriptors, buffers or processes: the pending connection
 * keeps the socket readable, so accepting again at once would spin.
 */
void
instances_pause(struct instances *is, const char *why)
{
	struct timeval tv;

	if (is->backoff_ms == 0) {
		is->backoff_ms = BACKOFF_MIN_MS;
		log_warnx("%s: pausing accept while resources are short: %s",
		    is->name, why);
	} else if (is->backoff_ms < BACKOFF_MAX_MS)
		is->backoff_ms = is->backoff_ms * 2 > BACKOFF_MAX_MS ?
		    BACKOFF_MAX_MS : is->backoff_ms * 2;
	is->watch(is->arg, 0);
	tv.tv_sec = is->backoff_ms / 1000;
	tv.tv_usec = (is->backoff_ms % 1000) * 1000;
	if (is->backoff == NULL && (is->backoff = evtimer_new(is->base,
	    backoff_cb, is)) == NULL) {
		log_warn("%s: cannot create a timer", is->name);
		return;
	}
	if (evtimer_add(is->backoff, &tv) == -1)
		log_warn("%s: cannot arm a timer", is->name);
}

static void
refuse(struct instances *is, const struct sockaddr_storage *peer,
    enum instances_refusal reason, const char *why)
{
	char	host[64] = "?";
	int	port;

	is->refused++;
	is->refused_by[reason]++;
	sockaddr_format((const struct sockaddr *)peer, host, sizeof host,
	    &port);
	log_info("%s: refused %s: %s", is->name, host, why);
}

/* Checks, then the connection goes to the supervisor. */
static void
instances_pass(struct instances *is, int cfd,
    const struct sockaddr_storage *peer, struct suplink *link)
{
	char	 host[64] = "", why[64];
	int	 port = 0, n = 0;
	size_t	 i;
	enum instances_refusal reason;

	reason = peer_refusal(is->conf, (const struct sockaddr *)peer);
	if (reason != REFUSED_NREASONS) {
		refuse(is, peer, reason, "by allow/deny");
		close(cfd);
		return;
	}
	if (is->conf->max_per_source > 0) {
		for (i = 0; i < is->ninst; i++)
			n += same_source(&is->inst[i].peer, peer);
		if (n >= is->conf->max_per_source) {
			snprintf(why, sizeof why, "max-per-source %d reached",
			    is->conf->max_per_source);
			refuse(is, peer, REFUSED_MAX_PER_SOURCE, why);
			close(cfd);
			return;
		}
	}
	if (sockaddr_format((const struct sockaddr *)peer, host, sizeof host,
	    &port) != 0)
		host[0] = '\0';
	if (suplink_send_conn(link, cfd, is->next_id, host, port) == -1) {
		log_warn("%s: cannot pass a connection from %s to the "
		    "supervisor", is->name, host[0] != '\0' ? host : "local");
		is->refused_by[REFUSED_ERROR]++;
		close(cfd);
		if (errno == EAGAIN || errno == ENOBUFS || errno == ENOMEM)
			instances_pause(is, "supervisor busy");
		return;
	}
	close(cfd);
	is->inst = xreallocarray(is->inst, is->ninst + 1, sizeof *is->inst);
	is->inst[is->ninst].id = is->next_id++;
	is->inst[is->ninst].pid = 0;
	is->inst[is->ninst].link = link;
	is->inst[is->ninst].peer = *peer;
	if (clock_gettime(CLOCK_MONOTONIC, &is->inst[is->ninst].accepted) == -1)
		memset(&is->inst[is->ninst].accepted, 0, sizeof(struct timespec));
	is->ninst++;
}

void
instances_accept(struct instances *is, int fd, struct suplink *link)
{
	struct sockaddr_storage peer;
	socklen_t len;
	int	 cfd, i;

	for (i = 0; i < ACCEPT_BATCH; i++) {
		if ((int)is->ninst >= is->conf->max_instances) {
			/* Wait in the backlog until an instance exits. */
			is->watch(is->arg, 0);
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
				instances_pause(is, strerror(errno));
				return;
			}
			log_warn("%s: accept4", is->name);
			return;
		}
		if (is->backoff_ms != 0) {
			log_notice("%s: accepting again", is->name);
			is->backoff_ms = 0;
		}
		if (len == 0 || len > sizeof peer)
			memset(&peer, 0, sizeof peer);
		is->accepted++;
		instances_pass(is, cfd, &peer, link);
	}
}

static ssize_t
instances_find_id(const struct instances *is, uint32_t id)
{
	size_t	i;

	for (i = 0; i < is->ninst; i++)
		if (is->inst[i].id == id)
			return (ssize_t)i;
	return -1;
}

/*
 * log-connections: one line when a connection's instance ends, with what
 * an administrator asks of it afterwards (who, which process, how it
 * ended, how long it took), as xinetd's log_on_success and
 * log_on_failure. Refusals are logged where they happen.
 */
static void
instances_log_end(const struct instances *is, const struct instance *in,
    const char *how)
{
	char	 host[64];
	int	 port = 0;
	struct timespec now;
	double	 secs = 0;

	if (!is->conf->log_connections)
		return;
	if (sockaddr_format((const struct sockaddr *)&in->peer, host,
	    sizeof host, &port) != 0 || host[0] == '\0')
		snprintf(host, sizeof host, "local");
	if (in->accepted.tv_sec != 0 &&
	    clock_gettime(CLOCK_MONOTONIC, &now) == 0)
		secs = (double)(now.tv_sec - in->accepted.tv_sec) +
		    (double)(now.tv_nsec - in->accepted.tv_nsec) / 1e9;
	if (port > 0)
		log_info("%s: connection from %s port %d: pid %ld, %s, "
		    "%.3f s", is->name, host, port, (long)in->pid, how, secs);
	else
		log_info("%s: connection from %s: pid %ld, %s, %.3f s",
		    is->name, host, (long)in->pid, how, secs);
}

static void
instances_remove(struct instances *is, size_t i)
{
	int	was_full = (int)is->ninst >= is->conf->max_instances;

	is->inst[i] = is->inst[--is->ninst];
	if (was_full && instances_may_accept(is))
		is->watch(is->arg, 1);
}

void
instances_spawned(struct instances *is, uint32_t id, pid_t pid)
{
	ssize_t	i = instances_find_id(is, id);

	is->started++;
	if (i >= 0)
		is->inst[i].pid = pid;
	if (is->backoff_ms != 0 && is->backoff != NULL &&
	    !event_pending(is->backoff, EV_TIMEOUT, NULL)) {
		log_notice("%s: spawning again", is->name);
		is->backoff_ms = 0;
	}
}

void
instances_spawn_failed(struct instances *is, uint32_t id, int err,
    const char *cause)
{
	ssize_t	i = instances_find_id(is, id);

	if (i >= 0) {
		instances_log_end(is, &is->inst[i], "not started");
		instances_remove(is, (size_t)i);
	}
	/* Out of processes or descriptors: pause, as for accept. */
	if (err == EAGAIN || err == EMFILE || err == ENFILE || err == ENOMEM)
		instances_pause(is, cause);
	else
		log_error("%s: cannot start an instance: %s", is->name, cause);
}

int
instances_exited(struct instances *is, pid_t pid, int status)
{
	char	 how[64];
	const char *sig;
	size_t	 i;

	for (i = 0; i < is->ninst; i++)
		if (is->inst[i].pid == pid) {
			if (status == -1)
				snprintf(how, sizeof how, "exit unknown");
			else if (WIFSIGNALED(status)) {
				sig = sigabbrev_np(WTERMSIG(status));
				if (sig != NULL)
					snprintf(how, sizeof how, "signal %s",
					    sig);
				else
					snprintf(how, sizeof how, "signal %d",
					    WTERMSIG(status));
			} else
				snprintf(how, sizeof how, "exit %d",
				    WEXITSTATUS(status));
			instances_log_end(is, &is->inst[i], how);
			instances_remove(is, i);
			return 1;
		}
	return 0;
}

void
instances_forget(struct instances *is, const struct suplink *link)
{
	size_t	i;

	for (i = 0; i < is->ninst; )
		if (is->inst[i].link == link) {
			instances_log_end(is, &is->inst[i],
			    "ended with its supervisor");
			instances_remove(is, i);
		} else
			i++;
}

size_t
instances_live(const struct instances *is)
{
	return is->ninst;
}

pid_t
instances_pid(const struct instances *is, size_t i)
{
	return i < is->ninst ? is->inst[i].pid : 0;
}

unsigned long
instances_accepted(const struct instances *is)
{
	return is->accepted;
}

unsigned long
instances_refused(const struct instances *is)
{
	return is->refused;
}

unsigned long
instances_started(const struct instances *is)
{
	return is->started;
}

const char *
instances_refusal_name(enum instances_refusal r)
{
	switch (r) {
	case REFUSED_DENY:
		return "deny";
	case REFUSED_ALLOW:
		return "allow";
	case REFUSED_MAX_PER_SOURCE:
		return "max_per_source";
	case REFUSED_ERROR:
		return "error";
	case REFUSED_NREASONS:
		break;
	}
	return "unknown";
}

unsigned long
instances_refused_by(const struct instances *is, enum instances_refusal r)
{
	return r < REFUSED_NREASONS ? is->refused_by[r] : 0;
}
