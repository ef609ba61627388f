/* SPDX-License-Identifier: ISC */
/* output.h -- a service's stdout and stderr, logged line by line. */
#ifndef ACTIVATOR_OUTPUT_H
#define ACTIVATOR_OUTPUT_H

struct event_base;
struct output;			/* opaque: owned by output.c */

struct output	*output_new(struct event_base *, const char *name,
		    char **cause);
int		 output_fd(const struct output *);	/* the write end */
void		 output_free(struct output *);

#endif /* ACTIVATOR_OUTPUT_H */
