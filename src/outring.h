/* SPDX-License-Identifier: ISC */
/*
 * outring.h -- a service's last output lines, kept in memory for the
 * status socket's logs verb: one ring of bytes, grown on demand up to a
 * fixed bound, so a service that never wrote costs nothing.
 */
#ifndef ACTIVATOR_OUTRING_H
#define ACTIVATOR_OUTRING_H

#include <stddef.h>
#include <time.h>

/* Bytes of one service's ring, record headers included. */
#define OUTRING_BYTES_MAX	4096
/* Bytes of one line's (escaped) text; longer text is cut to this. */
#define OUTRING_TEXT_MAX	1056

struct outring;			/* opaque: owned by outring.c */

typedef void outring_line_fn(time_t, const char *text, size_t len,
	    void *arg);

struct outring	*outring_new(void);
void		 outring_free(struct outring *);
/* Keep a line of TEXT (LEN bytes) written at T, and at most MAX lines. */
void		 outring_add(struct outring *, size_t max, time_t t,
		    const char *text, size_t len);
/* Drop the oldest lines beyond MAX, and the room they took. */
void		 outring_trim(struct outring *, size_t max);
size_t		 outring_lines(const struct outring *);
size_t		 outring_bytes(const struct outring *);	/* allocated */
/* Call FN with every line, oldest first; the text is not terminated. */
void		 outring_foreach(const struct outring *, outring_line_fn *,
		    void *arg);

#endif /* ACTIVATOR_OUTRING_H */
