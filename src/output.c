/* SPDX-License-Identifier: ISC */
/*
 * output.c -- collect what a service writes on stdout and stderr and log
 * it line by line with the service's name. Lines are escaped and capped,
 * so a service cannot forge or flood log records.
 *
 * A daemon's tree writes to one pipe whose write end stays open here, so
 * no state depends on its EOF. Each accept = yes instance writes to a
 * pipe of its own (a stream): two instances' partial lines can never be
 * glued into one record that no process wrote, and a partial line is
 * logged, marked, once its writers are gone.
 *
 * Each line also goes to the keeper (service.c), which keeps the last
 * ones for the status socket. It is told the service's name, not handed
 * a pointer: a stream may outlive its service across a reload.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "log.h"
#include "output.h"
#include "outring.h"
#include "xmalloc.h"

#define OUTPUT_LINE_MAX	1024

struct output {
	char		*name;
	int		 rfd;
	int		 wfd;		/* -1 for a stream */
	struct output	*next;		/* streams, to free at exit */
	struct event	*ev;
	char		 line[OUTPUT_LINE_MAX];
	size_t		 len;
	int		 truncated;	/* dropping the rest of a long line */
};

/* Escaped bytes of a line that are kept; its marks come after them. */
#define OUTPUT_KEEP_MAX	1024

static struct output *streams;
static output_keep_fn *keeper;

enum flush_why { FLUSH_LINE, FLUSH_TRUNCATED, FLUSH_PARTIAL };

void
output_set_keeper(output_keep_fn *fn)
{
	keeper = fn;
}

/*
 * Hand the escaped line ESC to the keeper, cut to OUTPUT_KEEP_MAX bytes
 * and marked as in the log. A cut never splits an escape: a backslash in
 * escaped text only ever starts one of four bytes (\xNN).
 */
static void
output_keep(const char *name, const char *esc, enum flush_why why)
{
	char	 text[OUTRING_TEXT_MAX];
	size_t	 n = strlen(esc), j;
	int	 cut = 0;

	if (n > OUTPUT_KEEP_MAX) {
		n = OUTPUT_KEEP_MAX;
		for (j = n - 3; j < n; j++)
			if (esc[j] == '\\') {
				n = j;
				break;
			}
		cut = 1;
	}
	memcpy(text, esc, n);
	snprintf(text + n, sizeof text - n, "%s%s", cut ||
	    why == FLUSH_TRUNCATED ? " [truncated]" : "",
	    why == FLUSH_PARTIAL ? " [partial]" : "");
	keeper(name, time(NULL), text, strlen(text));
}

static void
output_flush(struct output *o, enum flush_why why)
{
	char	buf[OUTPUT_LINE_MAX * 4 + 1];

	if (o->len == 0 && why != FLUSH_TRUNCATED)
		return;
	log_escape(buf, sizeof buf, o->line, o->len);
	log_info("%s: %s%s", o->name, buf, why == FLUSH_TRUNCATED ?
	    " [truncated]" : why == FLUSH_PARTIAL ? " [partial]" : "");
	if (keeper != NULL)
		output_keep(o->name, buf, why);
	o->len = 0;
}

static void	output_stream_free(struct output *);

static void
output_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct output *o = arg;
	char	 buf[4096];
	ssize_t	 n, i;
	int	 rounds;

	(void)what;
	/* Bounded: a chatty service must not starve the loop. */
	for (rounds = 0; rounds < 16; rounds++) {
		n = read(fd, buf, sizeof buf);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == 0 && o->wfd == -1) {
			/* Every writer is gone: the rest is a partial line. */
			output_stream_free(o);
			return;
		}
		if (n <= 0)
			return;
		for (i = 0; i < n; i++) {
			if (buf[i] == '\n') {
				if (o->truncated)
					o->truncated = 0;
				else
					output_flush(o, FLUSH_LINE);
				continue;
			}
			if (o->truncated)
				continue;
			if (o->len == sizeof o->line) {
				output_flush(o, FLUSH_TRUNCATED);
				o->truncated = 1;
				continue;
			}
			o->line[o->len++] = buf[i];
		}
	}
}

struct output *
output_new(struct event_base *base, const char *name, char **cause)
{
	struct output *o;
	int	 fds[2];

	if (pipe2(fds, O_CLOEXEC) == -1) {
		xasprintf(cause, "%s: pipe: %s", name, strerror(errno));
		return NULL;
	}
	if (fcntl(fds[0], F_SETFL, O_NONBLOCK) == -1)
		log_warn("%s: output pipe O_NONBLOCK", name);
	o = xcalloc(1, sizeof *o);
	o->name = xstrdup(name);
	o->rfd = fds[0];
	o->wfd = fds[1];
	o->ev = event_new(base, o->rfd, EV_READ | EV_PERSIST, output_read_cb, o);
	if (o->ev == NULL || event_add(o->ev, NULL) == -1) {
		xasprintf(cause, "%s: cannot watch the output pipe", name);
		output_free(o);
		return NULL;
	}
	return o;
}

int
output_fd(const struct output *o)
{
	return o->wfd;
}

/*
 * A partial line left by a tree that is gone is logged now, marked, so
 * the next start's first line is not glued to it.
 */
void
output_end_of_run(struct output *o)
{
	if (o == NULL)
		return;
	output_read_cb(o->rfd, EV_READ, o);
	if (!o->truncated)
		output_flush(o, FLUSH_PARTIAL);
	o->truncated = 0;
}

void
output_free(struct output *o)
{
	if (o == NULL)
		return;
	output_read_cb(o->rfd, EV_READ, o);
	output_flush(o, FLUSH_PARTIAL);
	if (o->ev != NULL)
		event_free(o->ev);
	close(o->rfd);
	close(o->wfd);
	free(o->name);
	free(o);
}

/* The read end RFD of one process's own pipe; freed at its EOF. */
void
output_stream(struct event_base *base, const char *name, int rfd)
{
	struct output *o;

	if (fcntl(rfd, F_SETFL, O_NONBLOCK) == -1)
		log_warn("%s: output pipe O_NONBLOCK", name);
	o = xcalloc(1, sizeof *o);
	o->name = xstrdup(name);
	o->rfd = rfd;
	o->wfd = -1;
	o->ev = event_new(base, rfd, EV_READ | EV_PERSIST, output_read_cb, o);
	if (o->ev == NULL || event_add(o->ev, NULL) == -1) {
		log_warnx("%s: cannot watch an instance's output", name);
		output_stream_free(o);
		return;
	}
	o->next = streams;
	streams = o;
}

static void
output_stream_free(struct output *o)
{
	struct output **p;

	for (p = &streams; *p != NULL; p = &(*p)->next)
		if (*p == o) {
			*p = o->next;
			break;
		}
	if (!o->truncated)
		output_flush(o, FLUSH_PARTIAL);
	if (o->ev != NULL)
		event_free(o->ev);
	close(o->rfd);
	free(o->name);
	free(o);
}

void
output_streams_free(void)
{
	while (streams != NULL)
		output_stream_free(streams);
}
