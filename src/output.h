/* SPDX-License-Identifier: ISC */
/* output.h -- a service's stdout and stderr, logged line by line. */
#ifndef ACTIVATOR_OUTPUT_H
#define ACTIVATOR_OUTPUT_H

#include <stddef.h>
#include <time.h>

struct event_base;
struct output;			/* opaque: owned by output.c */

struct output	*output_new(struct event_base *, const char *name,
		    char **cause);
int		 output_fd(const struct output *);	/* the write end */
/* The tree that wrote is gone: log a partial line now, marked. */
void		 output_end_of_run(struct output *);
void		 output_free(struct output *);
/* One process's own pipe (read end, owned from now on), until its EOF. */
void		 output_stream(struct event_base *, const char *name, int rfd);
void		 output_streams_free(void);

/*
 * Who keeps the lines for later: called with every line logged (escaped,
 * marked, at most OUTRING_TEXT_MAX bytes, not terminated) and the name
 * of the service that wrote it.
 */
typedef void	 output_keep_fn(const char *name, time_t, const char *text,
		    size_t len);
void		 output_set_keeper(output_keep_fn *);

#endif /* ACTIVATOR_OUTPUT_H */
