/* SPDX-License-Identifier: ISC */
/*
 * control-json.h -- a JSON writer for the status socket's replies: text
 * appended to a growing buffer, no tree built, so a reply of a thousand
 * services costs one pass and no per-field allocation.
 */
#ifndef ACTIVATOR_CONTROL_JSON_H
#define ACTIVATOR_CONTROL_JSON_H

#include <stddef.h>

struct jbuf {
	char	*p;
	size_t	 len;
	size_t	 cap;
};

/* Append text as is: punctuation, keys, literals. */
void	jbuf_raw(struct jbuf *, const char *, size_t);
void	jbuf_lit(struct jbuf *, const char *);
/*
 * Append a JSON string of untrusted bytes (null for NULL). Bytes that
 * are not valid UTF-8 make the whole string escaped as \xNN, as in the log.
 */
void	jbuf_str(struct jbuf *, const char *);
void	jbuf_strn(struct jbuf *, const char *, size_t);
void	jbuf_int(struct jbuf *, long long);
void	jbuf_bool(struct jbuf *, int);
/* Seconds rounded to milliseconds, always with a fraction: 1.0, 0.25. */
void	jbuf_secs(struct jbuf *, double);
/* Release the text; the buffer is empty again. */
void	jbuf_free(struct jbuf *);

#endif /* ACTIVATOR_CONTROL_JSON_H */
