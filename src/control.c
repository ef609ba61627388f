/* SPDX-License-Identifier: ISC */
/*
 * control.c -- the status socket: a UNIX stream socket in the core's event
 * loop, guarded by a singleton lock, answering one JSON line per request
 * line. It reads state through service.h and changes nothing itself.
 */
#include "config.h"

#include <sys/file.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <jansson.h>

#include "control.h"
#include "listen.h"
#include "log.h"
#include "proc.h"
#include "service.h"
#include "xmalloc.h"

#define CONTROL_BACKLOG		1024
#define CONTROL_MAX_CLIENTS	1024
#define CONTROL_LINE_MAX	4096	/* bytes of a request, LF excluded */
#define CONTROL_OUT_HIGH	(1024 * 1024)	/* stop answering above */
#define CONTROL_OUT_MAX		(4 * 1024 * 1024) /* drop the client above */
#define CONTROL_TIMEOUT		10	/* s: idle, unfinished line, no write */
#define CONTROL_BACKOFF_MIN	100	/* ms, after EMFILE and the like */
#define CONTROL_BACKOFF_MAX	2000
#define CONTROL_ACCEPT_BURST	64	/* accepts per wakeup: stay fair */
#define CONTROL_LOG_ARG		128	/* bytes of an escaped argument */

struct client {
	struct bufferevent *bev;
	struct event	*partial;	/* an unfinished line is due by now */
	uid_t		 uid;		/* SO_PEERCRED at accept; -1 unknown */
	pid_t		 pid;
	int		 flags;
#define CLIENT_PAUSED	0x1	/* too much unread output: not reading */
#define CLIENT_EOF	0x2	/* the peer will send nothing more */
#define CLIENT_CLOSING	0x4	/* free once the output is flushed */
#define CLIENT_LAST	0x8	/* control_close ran during its request */
	TAILQ_ENTRY(client) entry;
};
TAILQ_HEAD(clients, client);

enum verb_arg {
	ARG_NONE,
	ARG_OPTIONAL,
	ARG_REQUIRED,
};

struct verb {
	const char	*name;
	enum verb_arg	 arg;
	int		 mutating;	/* needs root or our own uid */
	json_t		*(*fn)(const struct verb *, const char *);
	int		(*op)(struct service *, char **);
	const char	*usage;
};

static json_t	*verb_ping(const struct verb *, const char *);
static json_t	*verb_version(const struct verb *, const char *);
static json_t	*verb_status(const struct verb *, const char *);
static json_t	*verb_service(const struct verb *, const char *);
static json_t	*verb_reload(const struct verb *, const char *);

static const struct verb verbs[] = {
	{ "ping", ARG_NONE, 0, verb_ping, NULL, "ping" },
	{ "version", ARG_NONE, 0, verb_version, NULL, "version" },
	{ "list", ARG_NONE, 0, verb_status, NULL, "list" },
	{ "status", ARG_OPTIONAL, 0, verb_status, NULL, "status [NAME]" },
	{ "start", ARG_REQUIRED, 1, verb_service, service_start, "start NAME" },
	{ "stop", ARG_REQUIRED, 1, verb_service, service_stop, "stop NAME" },
	{ "restart", ARG_REQUIRED, 1, verb_service, service_restart,
	    "restart NAME" },
	{ "reload", ARG_NONE, 1, verb_reload, NULL, "reload" },
};

static struct event_base *ctl_base;
static char		*ctl_path;	/* NULL while closed */
static int		 ctl_fd = -1;
static int		 ctl_lockfd = -1;	/* flock'd PATH.lock */
static dev_t		 ctl_dev;	/* the socket file we bound */
static ino_t		 ctl_ino;
static struct event	*ctl_ev;	/* accept */
static struct event	*ctl_backoff;	/* re-arms ctl_ev */
static int		 ctl_backoff_ms;	/* next pause; 0 after accept */
static int		 ctl_starved;	/* accept failing; logged once */
static int		 ctl_full;	/* at CONTROL_MAX_CLIENTS, logged */
static control_reload_fn *ctl_reload;
static struct clients	 ctl_clients = TAILQ_HEAD_INITIALIZER(ctl_clients);
static u_int		 ctl_nclients;
static struct client	*ctl_busy;	/* whose request is being answered */

static void	client_process(struct client *);

/* Make a JSON string of untrusted bytes; invalid UTF-8 is escaped. */
static json_t *
control_jstr(const char *s)
{
	json_t	*j;
	char	*buf;
	size_t	 len;

	if (s == NULL)
		return json_null();
	if ((j = json_string(s)) != NULL)
		return j;
	len = strlen(s);
	buf = xmalloc(len * 4 + 1);
	log_escape(buf, len * 4 + 1, s, len);
	j = json_string(buf);
	free(buf);
	return j;
}

static json_t *
control_ok(void)
{
	json_t	*o = json_object();

	json_object_set_new(o, "ok", json_true());
	return o;
}

static json_t * __attribute__((format(printf, 1, 2)))
control_error(const char *fmt, ...)
{
	json_t	*o = json_object();
	va_list	 ap;
	char	*msg;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) == -1)
		fatal("vasprintf");
	va_end(ap);
	json_object_set_new(o, "ok", json_false());
	json_object_set_new(o, "error", control_jstr(msg));
	free(msg);
	return o;
}

/* Seconds rounded to milliseconds, so replies do not show 0.1000000001. */
static json_t *
control_secs(double secs)
{
	return json_real((double)(long long)(secs * 1000 + 0.5) / 1000);
}

static json_t *
control_last_exit(const struct service_info *i)
{
	json_t		*o;
	const char	*name;
	char		 num[16];

	if (!i->has_exit)
		return json_null();
	o = json_object();
	if (i->exit_signal == 0) {
		json_object_set_new(o, "code", json_integer(i->exit_code));
		return o;
	}
	if ((name = sigabbrev_np(i->exit_signal)) == NULL) {
		snprintf(num, sizeof num, "%d", i->exit_signal);
		name = num;
	}
	json_object_set_new(o, "signal", json_string(name));
	return o;
}

/*
 * One service as JSON. command and environment are left out on purpose:
 * every local user allowed to connect may read this (SEC-18).
 */
static json_t *
control_service_json(struct service *s, const struct procinfo *all,
    size_t nall)
{
	struct service_info i;
	json_t	*o, *a;
	size_t	 n;

	memset(&i, 0, sizeof i);
	service_info(s, &i, all, nall);
	o = json_object();
	json_object_set_new(o, "name", control_jstr(i.name));
	json_object_set_new(o, "state",
	    control_jstr(service_state_name(i.state)));
	json_object_set_new(o, "accept", json_boolean(i.accept));
	json_object_set_new(o, "type", control_jstr(i.type));
	a = json_array();
	for (n = 0; n < i.nlisten; n++)
		json_array_append_new(a, control_jstr(i.listen[n]));
	json_object_set_new(o, "listen", a);
	json_object_set_new(o, "main_pid",
	    i.main_pid > 0 ? json_integer(i.main_pid) : json_null());
	a = json_array();
	for (n = 0; n < i.npids; n++)
		json_array_append_new(a, json_integer(i.pids[n]));
	json_object_set_new(o, "pids", a);
	json_object_set_new(o, "activations", json_integer(i.activations));
	json_object_set_new(o, "restarts", json_integer(i.restarts));
	json_object_set_new(o, "instances", json_integer(i.instances));
	json_object_set_new(o, "accepted", json_integer(i.accepted));
	json_object_set_new(o, "refused", json_integer(i.refused));
	json_object_set_new(o, "last_exit", control_last_exit(&i));
	json_object_set_new(o, "since", control_secs(i.since));
	json_object_set_new(o, "ready_time",
	    i.ready_time < 0 ? json_null() : control_secs(i.ready_time));
	json_object_set_new(o, "restart_pending",
	    json_boolean(i.restart_pending));
	json_object_set_new(o, "last_error", control_jstr(i.last_error));
	/* PROXY HOOK: handoff = proxy's relays. */
	if (i.proxy) {
		a = json_object();
		json_object_set_new(a, "connections",
		    json_integer((json_int_t)i.proxy_conns));
		json_object_set_new(a, "relayed",
		    json_integer((json_int_t)i.proxy_total));
		json_object_set_new(a, "bytes_in",
		    json_integer((json_int_t)i.proxy_bytes_in));
		json_object_set_new(a, "bytes_out",
		    json_integer((json_int_t)i.proxy_bytes_out));
		json_object_set_new(o, "proxy", a);
	}
	service_info_free(&i);
	return o;
}

static json_t *
verb_ping(const struct verb *v, const char *arg)
{
	json_t	*o = control_ok();

	(void)v;
	(void)arg;
	json_object_set_new(o, "pong", json_true());
	return o;
}

static json_t *
verb_version(const struct verb *v, const char *arg)
{
	json_t	*o = control_ok();

	(void)v;
	(void)arg;
	json_object_set_new(o, "version", json_string(PACKAGE_VERSION));
	return o;
}

/* list, status and status NAME. */
static json_t *
verb_status(const struct verb *v, const char *arg)
{
	struct service	*s = NULL;
	struct procinfo	*all;
	json_t		*o, *a;
	size_t		 n, count, nall;

	(void)v;
	a = json_array();
	if (arg != NULL && (s = service_find(arg)) == NULL) {
		json_decref(a);
		return control_error("no such service: %s", arg);
	}
	/* /proc once for the whole request, and only if there is a tree. */
	all = NULL;
	nall = 0;
	count = services_count();
	for (n = 0; n < count && all == NULL; n++)
		if (service_has_tree(arg != NULL ? s : service_at(n)))
			all = proc_scan(&nall);
	if (arg != NULL)
		json_array_append_new(a, control_service_json(s, all, nall));
	else
		for (n = 0; n < count; n++)
			json_array_append_new(a,
			    control_service_json(service_at(n), all, nall));
	free(all);
	o = control_ok();
	json_object_set_new(o, "services", a);
	return o;
}

/* start, stop and restart NAME. */
static json_t *
verb_service(const struct verb *v, const char *arg)
{
	struct service	*s = NULL;
	char		*cause = NULL;
	json_t		*o;

	if ((s = service_find(arg)) == NULL)
		return control_error("no such service: %s", arg);
	if (v->op(s, &cause) == -1) {
		o = control_error("%s", cause != NULL ? cause :
		    "failed");
		free(cause);
		return o;
	}
	return control_ok();
}

static json_t *
verb_reload(const struct verb *v, const char *arg)
{
	char	*cause = NULL;
	json_t	*o;

	(void)v;
	(void)arg;
	if (ctl_reload == NULL)
		return control_error("reload is not supported");
	if (ctl_reload(&cause) == -1) {
		o = control_error("%s", cause != NULL ? cause : "failed");
		free(cause);
		return o;
	}
	return control_ok();
}

/* Answer one request line (NUL-free, no LF); NULL for a blank line. */
static json_t *
control_request(struct client *c, char *line)
{
	const struct verb *v;
	char		*save, *verb, *arg, *extra, earg[CONTROL_LOG_ARG];
	size_t		 n;
	int		 allowed;

	if ((verb = strtok_r(line, " \t", &save)) == NULL)
		return NULL;
	arg = strtok_r(NULL, " \t", &save);
	extra = arg != NULL ? strtok_r(NULL, " \t", &save) : NULL;

	earg[0] = '\0';
	if (arg != NULL)
		log_escape(earg, sizeof earg, arg, strlen(arg));
	for (n = 0; n < sizeof verbs / sizeof verbs[0]; n++)
		if (strcmp(verb, verbs[n].name) == 0)
			break;
	if (n == sizeof verbs / sizeof verbs[0]) {
		log_escape(earg, sizeof earg, verb, strlen(verb));
		log_debug("control: unknown command '%s' from uid %ld", earg,
		    (long)c->uid);
		return control_error("unknown command");
	}
	v = &verbs[n];
	if (extra != NULL || (arg != NULL && v->arg == ARG_NONE) ||
	    (arg == NULL && v->arg == ARG_REQUIRED))
		return control_error("usage: %s", v->usage);

	if (v->mutating) {
		allowed = c->uid == 0 || c->uid == geteuid();
		log_info("control: %s%s%s by uid %ld%s", v->name,
		    arg != NULL ? " " : "", earg, (long)c->uid,
		    allowed ? "" : ": permission denied");
		if (!allowed)
			return control_error("permission denied");
	}
	return v->fn(v, arg);
}

/* Queue one reply line. */
static void
client_reply(struct client *c, json_t *reply)
{
	char	*s;

	s = json_dumps(reply, JSON_COMPACT | JSON_REAL_PRECISION(15));
	json_decref(reply);
	if (s == NULL)
		fatalx("control: cannot encode a reply");
	bufferevent_write(c->bev, s, strlen(s));
	bufferevent_write(c->bev, "\n", 1);
	free(s);
}

/* Stop reading and free the client once its output is flushed. */
static void
client_close_after_flush(struct client *c)
{
	c->flags |= CLIENT_CLOSING;
	bufferevent_disable(c->bev, EV_READ);
	evtimer_del(c->partial);
}

static void
client_free(struct client *c)
{
	TAILQ_REMOVE(&ctl_clients, c, entry);
	ctl_nclients--;
	event_free(c->partial);
	bufferevent_free(c->bev);
	free(c);
}

static void
client_too_long(struct client *c)
{
	struct evbuffer	*in = bufferevent_get_input(c->bev);

	log_debug("control: request over %d bytes from uid %ld, closing",
	    CONTROL_LINE_MAX, (long)c->uid);
	evbuffer_drain(in, evbuffer_get_length(in));
	client_reply(c, control_error("request too long"));
	client_close_after_flush(c);
}

/* Handle one line of LEN bytes; the LF is gone, a CR may remain. */
static void
client_line(struct client *c, char *line, size_t len)
{
	json_t	*reply;

	if (len > 0 && line[len - 1] == '\r')
		line[--len] = '\0';
	/* A NUL would cut the name short: "status echo\0x" is not echo. */
	if (memchr(line, '\0', len) != NULL)
		reply = control_error("unknown command");
	else {
		ctl_busy = c;
		reply = control_request(c, line);
		ctl_busy = NULL;
	}
	if (reply != NULL)
		client_reply(c, reply);
	if (c->flags & CLIENT_LAST)
		client_close_after_flush(c);
}

/*
 * Answer every complete line in order. Requests stay unread while the
 * client's unread output is above CONTROL_OUT_HIGH, so a client that
 * pipelines without reading costs a bounded amount of memory; the write
 * callback resumes us. May free the client.
 */
static void
client_process(struct client *c)
{
	struct evbuffer	*in = bufferevent_get_input(c->bev);
	struct evbuffer	*out = bufferevent_get_output(c->bev);
	struct timeval	 tv = { CONTROL_TIMEOUT, 0 };
	char		*line;
	size_t		 len;
	int		 consumed = 0;

	while (!(c->flags & CLIENT_CLOSING)) {
		if (evbuffer_get_length(out) >= CONTROL_OUT_HIGH) {
			if (!(c->flags & CLIENT_PAUSED)) {
				c->flags |= CLIENT_PAUSED;
				bufferevent_disable(c->bev, EV_READ);
			}
			break;
		}
		if (c->flags & CLIENT_PAUSED) {
			c->flags &= ~CLIENT_PAUSED;
			if (!(c->flags & CLIENT_EOF))
				bufferevent_enable(c->bev, EV_READ);
		}
		line = evbuffer_readln(in, &len, EVBUFFER_EOL_LF);
		if (line == NULL) {
			len = evbuffer_get_length(in);
			if (len > CONTROL_LINE_MAX) {
				client_too_long(c);
				break;
			}
			if (len == 0 || !(c->flags & CLIENT_EOF))
				break;
			/* The peer shut down after a last line with no LF. */
			line = xmalloc(len + 1);
			evbuffer_remove(in, line, len);
			line[len] = '\0';
		}
		consumed = 1;
		if (len > CONTROL_LINE_MAX) {
			free(line);
			client_too_long(c);
			break;
		}
		client_line(c, line, len);
		free(line);
		if (evbuffer_get_length(out) > CONTROL_OUT_MAX) {
			log_debug("control: client uid %ld not reading, "
			    "dropped", (long)c->uid);
			client_free(c);
			return;
		}
	}

	if (!(c->flags & CLIENT_CLOSING) && (c->flags & CLIENT_EOF) &&
	    !(c->flags & CLIENT_PAUSED))
		client_close_after_flush(c);
	if (c->flags & CLIENT_CLOSING) {
		if (evbuffer_get_length(out) == 0)
			client_free(c);
		return;
	}

	/*
	 * The read timeout only sees silence; a slow trickle with no LF
	 * (slowloris) must also end, so each line has its own deadline.
	 */
	if (consumed || evbuffer_get_length(in) == 0 ||
	    (c->flags & CLIENT_PAUSED))
		evtimer_del(c->partial);
	if (evbuffer_get_length(in) != 0 && !(c->flags & CLIENT_PAUSED) &&
	    !evtimer_pending(c->partial, NULL))
		evtimer_add(c->partial, &tv);
}

static void
client_read_cb(struct bufferevent *bev, void *arg)
{
	(void)bev;
	client_process(arg);
}

/* Output drained below CONTROL_OUT_HIGH, or (closing) all sent. */
static void
client_write_cb(struct bufferevent *bev, void *arg)
{
	struct client	*c = arg;

	if (c->flags & CLIENT_CLOSING) {
		if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
			client_free(c);
	} else if (c->flags & CLIENT_PAUSED)
		client_process(c);
}

static void
client_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct client	*c = arg;

	(void)bev;
	if (what & BEV_EVENT_TIMEOUT) {
		log_debug("control: client uid %ld timed out while %s",
		    (long)c->uid, (what & BEV_EVENT_READING) ? "idle" :
		    "not reading");
		client_free(c);
	} else if ((what & BEV_EVENT_EOF) && (what & BEV_EVENT_READING)) {
		c->flags |= CLIENT_EOF;
		client_process(c);
	} else
		client_free(c);
}

static void
client_partial_cb(evutil_socket_t fd, short what, void *arg)
{
	struct client	*c = arg;

	(void)fd;
	(void)what;
	log_debug("control: client uid %ld left a request unfinished for "
	    "%d seconds, closing", (long)c->uid, CONTROL_TIMEOUT);
	client_free(c);
}

static void
client_new(int fd)
{
	struct client	*c;
	struct ucred	 cred;
	socklen_t	 len = sizeof cred;
	struct timeval	 tv = { CONTROL_TIMEOUT, 0 };

	if (ctl_nclients >= CONTROL_MAX_CLIENTS) {
		if (!ctl_full)
			log_warnx("control: %d clients connected, closing "
			    "new ones", CONTROL_MAX_CLIENTS);
		ctl_full = 1;
		close(fd);
		return;
	}
	ctl_full = 0;

	c = xcalloc(1, sizeof *c);
	c->uid = (uid_t)-1;
	c->pid = -1;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0) {
		c->uid = cred.uid;
		c->pid = cred.pid;
	} else
		log_warn("control: SO_PEERCRED");
	if ((c->bev = bufferevent_socket_new(ctl_base, fd,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		log_warnx("control: cannot create a buffer for a client");
		close(fd);
		free(c);
		return;
	}
	if ((c->partial = evtimer_new(ctl_base, client_partial_cb, c)) == NULL)
		fatalx("control: evtimer_new failed");
	bufferevent_setcb(c->bev, client_read_cb, client_write_cb,
	    client_event_cb, c);
	/* The write callback then says when a paused client drained. */
	bufferevent_setwatermark(c->bev, EV_WRITE, CONTROL_OUT_HIGH, 0);
	bufferevent_set_timeouts(c->bev, &tv, &tv);
	bufferevent_enable(c->bev, EV_READ);
	TAILQ_INSERT_TAIL(&ctl_clients, c, entry);
	ctl_nclients++;
	log_debug("control: client fd %d uid %ld pid %ld", fd, (long)c->uid,
	    (long)c->pid);
}

/*
 * Out of descriptors (or kernel memory): the pending connection stays in
 * the backlog and the socket stays readable, so polling it now would spin.
 * Stop watching it for a while instead, longer each time no accept got
 * through in between. The episode, logged once, ends when the backlog is
 * empty.
 */
static void
control_pause(void)
{
	struct timeval	 tv;

	if (!ctl_starved) {
		log_warn("control: accept on %s", ctl_path);
		ctl_starved = 1;
	}
	if (ctl_backoff_ms == 0)
		ctl_backoff_ms = CONTROL_BACKOFF_MIN;
	else if ((ctl_backoff_ms *= 2) > CONTROL_BACKOFF_MAX)
		ctl_backoff_ms = CONTROL_BACKOFF_MAX;
	event_del(ctl_ev);
	tv.tv_sec = ctl_backoff_ms / 1000;
	tv.tv_usec = (ctl_backoff_ms % 1000) * 1000;
	evtimer_add(ctl_backoff, &tv);
}

static void
control_backoff_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	event_add(ctl_ev, NULL);
}

static void
control_accept_cb(evutil_socket_t fd, short what, void *arg)
{
	int	 cfd, n;

	(void)what;
	(void)arg;
	for (n = 0; n < CONTROL_ACCEPT_BURST; n++) {
		cfd = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (cfd == -1) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK) {
				control_pause();
				return;
			}
			if (ctl_starved) {
				log_info("control: accepting again on %s",
				    ctl_path);
				ctl_starved = 0;
			}
			return;
		}
		ctl_backoff_ms = 0;
		client_new(cfd);
	}
}

/* Take PATH.lock; it stays held, and open, until control_close. */
static int
control_lock(const char *path, char **cause)
{
	struct stat	 sb;
	char		*lockpath;
	int		 fd;

	xasprintf(&lockpath, "%s.lock", path);
	/* O_NONBLOCK: a FIFO planted there must not hang us. */
	fd = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW |
	    O_NOCTTY | O_NONBLOCK, 0600);
	if (fd == -1) {
		xasprintf(cause, "%s: %s", lockpath, strerror(errno));
		goto fail;
	}
	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode)) {
		xasprintf(cause, "%s: not a regular file", lockpath);
		goto fail;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		if (errno == EWOULDBLOCK)
			xasprintf(cause, "another activator is running on %s",
			    path);
		else
			xasprintf(cause, "%s: flock: %s", lockpath,
			    strerror(errno));
		goto fail;
	}
	free(lockpath);
	return fd;

fail:
	if (fd != -1)
		close(fd);
	free(lockpath);
	return -1;
}

int
control_open(struct event_base *base, const char *path, mode_t mode,
    control_reload_fn *reload, char **cause)
{
	struct sockaddr_un sun;
	struct stat	 sb;
	mode_t		 omask;
	int		 fd = -1, lockfd = -1, bound = 0, rc, saved;

	if (ctl_path != NULL) {
		xasprintf(cause, "status socket already open on %s", ctl_path);
		return -1;
	}
	/* Relative would follow chdir; abstract has no permissions. */
	if (path[0] != '/') {
		xasprintf(cause, "%s: not an absolute path", path);
		return -1;
	}
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof sun.sun_path) {
		xasprintf(cause, "%s: path too long (max %zu bytes)", path,
		    sizeof sun.sun_path - 1);
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);

	if ((lockfd = control_lock(path, cause)) == -1)
		return -1;
	/* We hold the lock: a socket there was left by one that died. */
	if (listen_clear_path(path, cause) == -1)
		goto fail;

	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0)) == -1) {
		xasprintf(cause, "socket: %s", strerror(errno));
		goto fail;
	}
	/* The umask gives the file its final mode at creation: no window. */
	omask = umask(~mode & 0777);
	rc = bind(fd, (struct sockaddr *)&sun, sizeof sun);
	saved = errno;
	umask(omask);
	if (rc == -1) {
		xasprintf(cause, "bind %s: %s", path, strerror(saved));
		goto fail;
	}
	bound = 1;
	if (lstat(path, &sb) == -1) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if (listen(fd, CONTROL_BACKLOG) == -1) {
		xasprintf(cause, "listen %s: %s", path, strerror(errno));
		goto fail;
	}

	/* Replies are built only here; let OOM end us like xmalloc does. */
	json_set_alloc_funcs(xmalloc, free);

	ctl_ev = event_new(base, fd, EV_READ | EV_PERSIST, control_accept_cb,
	    NULL);
	ctl_backoff = evtimer_new(base, control_backoff_cb, NULL);
	if (ctl_ev == NULL || ctl_backoff == NULL ||
	    event_add(ctl_ev, NULL) == -1) {
		xasprintf(cause, "cannot watch %s", path);
		if (ctl_ev != NULL)
			event_free(ctl_ev);
		if (ctl_backoff != NULL)
			event_free(ctl_backoff);
		ctl_ev = ctl_backoff = NULL;
		goto fail;
	}
	ctl_base = base;
	ctl_path = xstrdup(path);
	ctl_fd = fd;
	ctl_lockfd = lockfd;
	ctl_dev = sb.st_dev;
	ctl_ino = sb.st_ino;
	ctl_reload = reload;
	log_debug("control: listening on %s mode %04o fd %d", path,
	    (unsigned)(mode & 0777), fd);
	return 0;

fail:
	if (fd != -1)
		close(fd);
	if (bound)
		unlink(path);
	close(lockfd);
	return -1;
}

void
control_close(void)
{
	struct client	*c, *next;
	struct stat	 sb;

	for (c = TAILQ_FIRST(&ctl_clients); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		/* The reload that moved the socket still gets its answer. */
		if (c == ctl_busy)
			c->flags |= CLIENT_LAST;
		else
			client_free(c);
	}
	if (ctl_ev != NULL) {
		event_free(ctl_ev);
		event_free(ctl_backoff);
		ctl_ev = ctl_backoff = NULL;
	}
	if (ctl_fd != -1) {
		close(ctl_fd);
		ctl_fd = -1;
	}
	/* Unlink before unlocking, and only the file we created. */
	if (ctl_path != NULL) {
		if (lstat(ctl_path, &sb) == 0 && S_ISSOCK(sb.st_mode) &&
		    sb.st_dev == ctl_dev && sb.st_ino == ctl_ino)
			unlink(ctl_path);
		free(ctl_path);
		ctl_path = NULL;
	}
	if (ctl_lockfd != -1) {
		close(ctl_lockfd);
		ctl_lockfd = -1;
	}
	ctl_reload = NULL;
	ctl_backoff_ms = 0;
	ctl_starved = 0;
	ctl_full = 0;
}
