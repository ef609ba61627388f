/* SPDX-License-Identifier: ISC */
/* output.h -- a service's stdout and stderr, logged line by line. */
#ifndef ACTIVATOR_OUTPUT_H
#define ACTIVATOR_OUTPUT_H

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

#endif /* ACTIVATOR_OUTPUT_H */
