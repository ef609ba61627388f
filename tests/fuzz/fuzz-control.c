/* SPDX-License-Identifier: ISC */
/*
 * fuzz-control.c -- the status socket's request line: any bytes are
 * either blank, an unknown command, a usage error, or one verb with at
 * most one argument that lies inside the line, holds no blank and no NUL,
 * and matches the verb's arity, and after it at most the one option word
 * the verb knows (status NAME logs). The JSON writer runs on the same bytes:
 * whatever they are, its text is one line of valid-looking JSON string.
 *
 * Seeds in tests/fuzz/corpus/control/ (see fuzz.h).
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control-json.h"
#include "control-request.h"
#include "fuzz.h"

#define CHECK(cond)	FUZZ_CHECK(cond)

static int
inside(const char *p, size_t n, const char *line, size_t len)
{
	return p >= line && n <= len && (size_t)(p - line) <= len - n;
}

static int
blank_free(const char *p, size_t n)
{
	return memchr(p, ' ', n) == NULL && memchr(p, '\t', n) == NULL &&
	    memchr(p, '\0', n) == NULL;
}

static void
check_json(const char *line, size_t len)
{
	struct jbuf	 b = { NULL, 0, 0 };
	size_t		 i;

	jbuf_strn(&b, line, len);
	CHECK(b.len >= 2 && b.p[0] == '"' && b.p[b.len - 1] == '"');
	for (i = 1; i < b.len - 1; i++) {
		/* No raw control byte, no unescaped quote. */
		CHECK((unsigned char)b.p[i] >= 0x20);
		if (b.p[i] == '\\') {
			CHECK(i + 1 < b.len - 1);
			CHECK(strchr("\"\\bfnrtu", b.p[++i]) != NULL);
		} else
			CHECK(b.p[i] != '"');
	}
	jbuf_free(&b);
}

FUZZ_TARGET(control)
{
	struct control_request req;
	const char	*line;
	char		*copy;
	enum control_parse r;

	/* A copy of exactly SIZE bytes, so ASan sees any read past it. */
	copy = malloc(size > 0 ? size : 1);
	if (copy == NULL)
		abort();
	if (size > 0)
		memcpy(copy, data, size);
	line = copy;
	r = control_parse_request(line, size, &req);
	switch (r) {
	case CONTROL_PARSE_BLANK:
		CHECK(req.wordlen == 0 && req.arg == NULL);
		break;
	case CONTROL_PARSE_UNKNOWN:
		CHECK(req.name == NULL);
		break;
	case CONTROL_PARSE_USAGE:
	case CONTROL_PARSE_OK:
		CHECK(req.name != NULL && req.usage != NULL);
		CHECK(inside(req.word, req.wordlen, line, size));
		CHECK(blank_free(req.word, req.wordlen));
		CHECK(strlen(req.name) == req.wordlen &&
		    memcmp(req.name, req.word, req.wordlen) == 0);
		if (req.arg != NULL) {
			CHECK(req.arglen > 0);
			CHECK(inside(req.arg, req.arglen, line, size));
			CHECK(blank_free(req.arg, req.arglen));
			CHECK(req.arg > req.word);
		} else
			CHECK(req.arglen == 0);
		if (req.opt != NULL) {
			CHECK(req.arg != NULL && req.opt > req.arg);
			CHECK(inside(req.opt, req.optlen, line, size));
			CHECK(blank_free(req.opt, req.optlen));
		} else
			CHECK(req.optlen == 0);
		if (r == CONTROL_PARSE_OK) {
			CHECK(req.opt == NULL || (req.verb == VERB_STATUS &&
			    req.optlen == 4 &&
			    memcmp(req.opt, "logs", 4) == 0));
			CHECK(memchr(line, '\0', size) == NULL);
			switch (req.verb) {
			case VERB_PING:
			case VERB_VERSION:
			case VERB_LIST:
			case VERB_RELOAD:
				CHECK(req.arg == NULL);
				break;
			case VERB_METRICS:
				CHECK(req.arg == NULL && !req.mutating);
				break;
			case VERB_START:
			case VERB_STOP:
			case VERB_RESTART:
				CHECK(req.arg != NULL && req.mutating);
				break;
			case VERB_LOGS:
				CHECK(req.arg != NULL && !req.mutating);
				break;
			case VERB_STATUS:
			case VERB_WATCH:
				CHECK(!req.mutating);
				break;
			}
		}
		break;
	}
	check_json(line, size);
	free(copy);
	return 0;
}
