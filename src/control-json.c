/* SPDX-License-Identifier: ISC */
/*
 * control-json.c -- JSON text for the status socket's replies, written
 * straight into a buffer. Strings are checked for UTF-8 the way jansson
 * checks them, and escaped the way it dumps them.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "control-json.h"
#include "log.h"
#include "xmalloc.h"

static void
jbuf_grow(struct jbuf *b, size_t more)
{
	size_t	cap;

	if (b->cap - b->len >= more)
		return;
	cap = b->cap == 0 ? 4096 : b->cap;
	while (cap - b->len < more) {
		if (cap > SIZE_MAX / 2)
			fatalx("control: reply too large");
		cap *= 2;
	}
	b->p = xreallocarray(b->p, cap, 1);
	b->cap = cap;
}

void
jbuf_raw(struct jbuf *b, const char *s, size_t n)
{
	jbuf_grow(b, n);
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

void
jbuf_lit(struct jbuf *b, const char *s)
{
	jbuf_raw(b, s, strlen(s));
}

void
jbuf_free(struct jbuf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

/* Well-formed UTF-8: no overlong forms, surrogates, or past U+10FFFF. */
static int
utf8_valid(const unsigned char *s, size_t n)
{
	size_t		i = 0, k, more;
	uint32_t	cp, min;

	while (i < n) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if ((s[i] & 0xe0) == 0xc0) {
			more = 1;
			cp = s[i] & 0x1f;
			min = 0x80;
		} else if ((s[i] & 0xf0) == 0xe0) {
			more = 2;
			cp = s[i] & 0x0f;
			min = 0x800;
		} else if ((s[i] & 0xf8) == 0xf0) {
			more = 3;
			cp = s[i] & 0x07;
			min = 0x10000;
		} else
			return 0;
		if (n - i <= more)
			return 0;
		for (k = 1; k <= more; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += more + 1;
	}
	return 1;
}

/* Valid UTF-8 to a JSON string body: escape what JSON requires. */
static void
jbuf_escaped(struct jbuf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t	 i, run = 0;
	unsigned char c;
	char	 esc[6];

	jbuf_grow(b, n + 2);
	b->p[b->len++] = '"';
	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		jbuf_raw(b, s + run, i - run);
		run = i + 1;
		esc[0] = '\\';
		switch (c) {
		case '"':
		case '\\':
			esc[1] = (char)c;
			break;
		case '\b':
			esc[1] = 'b';
			break;
		case '\f':
			esc[1] = 'f';
			break;
		case '\n':
			esc[1] = 'n';
			break;
		case '\r':
			esc[1] = 'r';
			break;
		case '\t':
			esc[1] = 't';
			break;
		default:
			memcpy(esc + 1, "u00", 3);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 0xf];
			jbuf_raw(b, esc, 6);
			continue;
		}
		jbuf_raw(b, esc, 2);
	}
	jbuf_raw(b, s + run, n - run);
	jbuf_raw(b, "\"", 1);
}

void
jbuf_strn(struct jbuf *b, const char *s, size_t n)
{
	char	*esc;

	if (utf8_valid((const unsigned char *)s, n)) {
		jbuf_escaped(b, s, n);
		return;
	}
	esc = xmalloc(n * 4 + 1);
	log_escape(esc, n * 4 + 1, s, n);
	jbuf_escaped(b, esc, strlen(esc));
	free(esc);
}

void
jbuf_str(struct jbuf *b, const char *s)
{
	if (s == NULL)
		jbuf_raw(b, "null", 4);
	else
		jbuf_strn(b, s, strlen(s));
}

void
jbuf_int(struct jbuf *b, long long v)
{
	char		 buf[24], *p = buf + sizeof buf;
	unsigned long long u;

	u = v < 0 ? 0 - (unsigned long long)v : (unsigned long long)v;
	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (v < 0)
		*--p = '-';
	jbuf_raw(b, p, (size_t)(buf + sizeof buf - p));
}

void
jbuf_bool(struct jbuf *b, int v)
{
	if (v)
		jbuf_raw(b, "true", 4);
	else
		jbuf_raw(b, "false", 5);
}

void
jbuf_secs(struct jbuf *b, double secs)
{
	long long	 ms;
	char		 frac[5];
	int		 digits = 3;

	if (secs < 0) {
		jbuf_raw(b, "-", 1);
		secs = -secs;
	}
	ms = (long long)(secs * 1000 + 0.5);
	jbuf_int(b, ms / 1000);
	frac[0] = '.';
	frac[1] = (char)('0' + ms / 100 % 10);
	frac[2] = (char)('0' + ms / 10 % 10);
	frac[3] = (char)('0' + ms % 10);
	while (digits > 1 && frac[digits] == '0')
		digits--;
	jbuf_raw(b, frac, (size_t)digits + 1);
}
