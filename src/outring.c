/* SPDX-License-Identifier: ISC */
/*
 * outring.c -- a service's last output lines in one ring of bytes. Each
 * line is a record: its time (8 bytes), its length (2 bytes), its text.
 * The oldest records make room for a new one, so the ring never holds
 * more than its line limit or OUTRING_BYTES_MAX bytes. The buffer starts
 * small and doubles when a line does not fit: a service that wrote two
 * short lines holds 256 bytes, not the bound. Knows nothing of services
 * or of libevent.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "outring.h"
#include "xmalloc.h"

#define OUTRING_HEAD		10	/* int64 time, uint16 length */
#define OUTRING_BYTES_MIN	256

struct outring {
	char		*buf;		/* NULL while empty */
	size_t		 cap;		/* bytes of buf, a power of two */
	size_t		 head;		/* offset of the oldest record */
	size_t		 used;		/* bytes of records from head on */
	size_t		 nlines;
};

/* Copy N bytes in at offset OFF, wrapping at the end of the buffer. */
static void
ring_put(struct outring *r, size_t off, const void *src, size_t n)
{
	size_t	first;

	off %= r->cap;
	first = r->cap - off < n ? r->cap - off : n;
	memcpy(r->buf + off, src, first);
	memcpy(r->buf, (const char *)src + first, n - first);
}

static void
ring_get(const struct outring *r, size_t off, void *dst, size_t n)
{
	size_t	first;

	off %= r->cap;
	first = r->cap - off < n ? r->cap - off : n;
	memcpy(dst, r->buf + off, first);
	memcpy((char *)dst + first, r->buf, n - first);
}

static size_t
record_size(const struct outring *r, size_t off)
{
	uint16_t len;

	ring_get(r, off + 8, &len, sizeof len);
	return OUTRING_HEAD + len;
}

static void
drop_oldest(struct outring *r)
{
	size_t	n = record_size(r, r->head);

	r->head = (r->head + n) % r->cap;
	r->used -= n;
	if (--r->nlines == 0)
		r->head = r->used = 0;
}

/* Move the records to a buffer of CAP bytes, the oldest at offset 0. */
static void
ring_resize(struct outring *r, size_t cap)
{
	char	*buf = NULL;

	if (cap > 0) {
		buf = xmalloc(cap);
		if (r->used > 0)
			ring_get(r, r->head, buf, r->used);
	}
	free(r->buf);
	r->buf = buf;
	r->cap = cap;
	r->head = 0;
}

struct outring *
outring_new(void)
{
	return xcalloc(1, sizeof (struct outring));
}

void
outring_free(struct outring *r)
{
	if (r == NULL)
		return;
	free(r->buf);
	free(r);
}

void
outring_add(struct outring *r, size_t max, time_t t, const char *text,
    size_t len)
{
	int64_t	 when = (int64_t)t;
	uint16_t n;
	size_t	 need, cap;

	if (max == 0)
		return;
	if (len > OUTRING_TEXT_MAX)
		len = OUTRING_TEXT_MAX;
	need = OUTRING_HEAD + len;
	while (r->nlines > 0 &&
	    (r->nlines >= max || r->used + need > OUTRING_BYTES_MAX))
		drop_oldest(r);
	if (r->used + need > r->cap) {
		for (cap = r->cap > 0 ? r->cap : OUTRING_BYTES_MIN;
		    cap < r->used + need; cap *= 2)
			;
		ring_resize(r, cap);
	}
	n = (uint16_t)len;
	ring_put(r, r->head + r->used, &when, sizeof when);
	ring_put(r, r->head + r->used + 8, &n, sizeof n);
	ring_put(r, r->head + r->used + OUTRING_HEAD, text, len);
	r->used += need;
	r->nlines++;
}

void
outring_trim(struct outring *r, size_t max)
{
	size_t	cap;

	while (r->nlines > max)
		drop_oldest(r);
	if (r->nlines == 0) {
		ring_resize(r, 0);
		return;
	}
	/* Give back what the dropped lines took beyond the next size. */
	for (cap = OUTRING_BYTES_MIN; cap < r->used; cap *= 2)
		;
	if (cap < r->cap)
		ring_resize(r, cap);
}

size_t
outring_lines(const struct outring *r)
{
	return r->nlines;
}

size_t
outring_bytes(const struct outring *r)
{
	return sizeof *r + r->cap;
}

void
outring_foreach(const struct outring *r, outring_line_fn *fn, void *arg)
{
	char	 text[OUTRING_TEXT_MAX];
	int64_t	 when;
	uint16_t len;
	size_t	 i, off = r->head;

	for (i = 0; i < r->nlines; i++) {
		ring_get(r, off, &when, sizeof when);
		ring_get(r, off + 8, &len, sizeof len);
		ring_get(r, off + OUTRING_HEAD, text, len);
		fn((time_t)when, text, len, arg);
		off += OUTRING_HEAD + len;
	}
}
