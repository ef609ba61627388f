/* SPDX-License-Identifier: ISC */
/*
 * t-outring.c -- a service's kept output lines (outring.c): oldest
 * first, at most the line limit and OUTRING_BYTES_MAX bytes, records
 * that wrap around the end of the buffer, a buffer that starts small and
 * gives room back when trimmed, text cut at OUTRING_TEXT_MAX.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "outring.h"
#include "tap.h"

struct seen {
	char	 text[64][OUTRING_TEXT_MAX + 1];
	time_t	 when[64];
	size_t	 n;
	size_t	 maxlen;
};

static void
collect(time_t t, const char *text, size_t len, void *arg)
{
	struct seen *s = arg;

	if (len > s->maxlen)
		s->maxlen = len;
	if (s->n == 64)
		return;
	memcpy(s->text[s->n], text, len);
	s->text[s->n][len] = '\0';
	s->when[s->n++] = t;
}

static struct seen *
all(const struct outring *r)
{
	static struct seen s;

	memset(&s, 0, sizeof s);
	outring_foreach(r, collect, &s);
	return &s;
}

static void __attribute__((format(printf, 2, 3)))
okf(int cond, const char *fmt, ...)
{
	char	desc[256];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(desc, sizeof desc, fmt, ap);
	va_end(ap);
	tap_ok(cond, desc);
}

static void
add(struct outring *r, size_t max, time_t t, const char *text)
{
	outring_add(r, max, t, text, strlen(text));
}

/* Lines FIRST..LAST as "line N", in order? */
static int
lines_are(const struct seen *s, int first, int last)
{
	char	want[32];
	int	i;

	if (s->n != (size_t)(last - first + 1))
		return 0;
	for (i = first; i <= last; i++) {
		snprintf(want, sizeof want, "line %d", i);
		if (strcmp(s->text[i - first], want) != 0)
			return 0;
	}
	return 1;
}

int
main(void)
{
	struct outring	*r;
	struct seen	*s;
	char		 text[2000], want[32];
	size_t		 bytes, i, n;
	int		 ok;

	r = outring_new();
	tap_is_int((long long)outring_lines(r), 0, "a new ring is empty");
	okf(outring_bytes(r) < 64, "... and holds no buffer (%zu bytes)",
	    outring_bytes(r));
	tap_is_int((long long)all(r)->n, 0, "... nothing to walk");

	add(r, 20, 1000, "hello");
	s = all(r);
	tap_ok(s->n == 1 && strcmp(s->text[0], "hello") == 0 &&
	    s->when[0] == 1000, "one line, with its time");
	okf(outring_bytes(r) <= 256 + 64,
	    "a line costs the small first buffer (%zu bytes)",
	    outring_bytes(r));
	outring_add(r, 20, 1001, "", 0);
	s = all(r);
	tap_ok(s->n == 2 && s->text[1][0] == '\0' && s->when[1] == 1001,
	    "an empty line is a line");
	outring_free(r);

	r = outring_new();
	for (i = 1; i <= 30; i++) {
		snprintf(want, sizeof want, "line %zu", i);
		add(r, 20, (time_t)i, want);
	}
	tap_ok(lines_are(all(r), 11, 30), "30 lines, limit 20: the last "
	    "20, oldest first");
	/* Every record has wrapped by now: the order must hold across it. */
	for (i = 31, ok = 1; i <= 500 && ok; i++) {
		snprintf(want, sizeof want, "line %zu", i);
		add(r, 20, (time_t)i, want);
		ok = lines_are(all(r), (int)i - 19, (int)i);
	}
	tap_ok(ok, "500 lines one by one: always the last 20, in order "
	    "(wrapping records)");
	tap_ok(all(r)->when[19] == 500, "... with their times");
	outring_trim(r, 3);
	tap_ok(lines_are(all(r), 498, 500), "trimmed to 3: the newest 3");
	okf(outring_bytes(r) <= 256 + 64,
	    "... and the buffer shrinks back (%zu bytes)", outring_bytes(r));
	add(r, 3, 501, "line 501");
	tap_ok(lines_are(all(r), 499, 501), "the limit of 3 holds after");
	outring_trim(r, 0);
	tap_is_int((long long)outring_lines(r), 0, "trimmed to 0: empty");
	tap_ok(outring_bytes(r) < 64, "... and no buffer");
	add(r, 3, 502, "line 502");
	tap_ok(lines_are(all(r), 502, 502), "usable again after");
	outring_add(r, 0, 503, "x", 1);
	tap_ok(lines_are(all(r), 502, 502), "a limit of 0 keeps nothing new");
	outring_free(r);

	/* The byte bound: 200-byte lines, a limit of 1000 lines. */
	r = outring_new();
	memset(text, 'y', sizeof text);
	for (i = 0; i < 300; i++) {
		snprintf(text, 8, "%05zu", i);
		text[5] = ' ';
		outring_add(r, 1000, (time_t)i, text, 200);
	}
	s = all(r);
	for (i = 0, bytes = 0; i < s->n; i++)
		bytes += 10 + strlen(s->text[i]);
	okf(bytes <= OUTRING_BYTES_MAX && s->n >= OUTRING_BYTES_MAX / 210,
	    "200-byte lines: %zu lines, %zu bytes of records, at most %d",
	    s->n, bytes, OUTRING_BYTES_MAX);
	okf(outring_bytes(r) <= OUTRING_BYTES_MAX + 64,
	    "the buffer is at most the bound (%zu bytes)", outring_bytes(r));
	n = s->n;
	ok = strncmp(s->text[n - 1], "00299", 5) == 0;
	for (i = 1; i < n; i++)
		ok = ok && atoi(s->text[i]) == atoi(s->text[i - 1]) + 1;
	tap_ok(ok, "... the newest, consecutive, oldest first");

	/* Text longer than OUTRING_TEXT_MAX is cut, and still fits. */
	memset(text, 'z', sizeof text);
	for (i = 0; i < 10; i++)
		outring_add(r, 1000, 7, text, sizeof text);
	s = all(r);
	tap_is_int((long long)s->maxlen, OUTRING_TEXT_MAX,
	    "a 2000-byte text is cut to OUTRING_TEXT_MAX");
	okf(s->n == (size_t)(OUTRING_BYTES_MAX / (10 + OUTRING_TEXT_MAX)),
	    "... %zu such lines fit", s->n);
	outring_free(r);
	outring_free(NULL);
	return tap_done();
}
