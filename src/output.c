/* SPDX-License-Identifier: ISC */
/*
 * output.c -- collect what a service writes on stdout and stderr through
 * one pipe and log it line by line with the service's name. Lines are
 * escaped and capped, so a service cannot forge or flood log records.
 * The write end stays open here, so no state ever depends on pipe EOF.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "log.h"
#include "output.h"
#include "xmalloc.h"

#define OUTPUT_LINE_MAX	1024

struct output {
	char		*name;
	int		 rfd;
	int		 wfd;
	struct event	*ev;
	char		 line[OUTPUT_LINE_MAX];
	size_t		 len;
	int		 truncated;	/* dropping the rest of a long line */
};

static void
output_flush(struct output *o, int partial)
{
	char	buf[OUTPUT_LINE_MAX * 4 + 1];

	if (o->len == 0 && !partial)
		return;
	log_escape(buf, sizeof buf, o->line, o->len);
	log_info("%s: %s%s", o->name, buf, partial ? " [truncated]" : "");
	o->len = 0;
}

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
		if (n <= 0)
			return;
		for (i = 0; i < n; i++) {
			if (buf[i] == '\n') {
				if (o->truncated)
					o->truncated = 0;
				else
					output_flush(o, 0);
				continue;
			}
			if (o->truncated)
				continue;
			if (o->len == sizeof o->line) {
				output_flush(o, 1);
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
void
output_free(struct output *o)
{
	if (o == NULL)
		return;
	output_read_cb(o->rfd, EV_READ, o);
	output_flush(o, 0);
	if (o->ev != NULL)
		event_free(o->ev);
	close(o->rfd);
	close(o->wfd);
	free(o->name);
	free(o);
}
