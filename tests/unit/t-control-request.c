/* SPDX-License-Identifier: ISC */
/*
 * t-control-request.c -- the status socket's request line parser
 * (control_parse_request) and its JSON writer (control-json.c): verbs,
 * arity, the option word (status NAME logs), blanks, CR and NUL;
 * strings escaped like jansson dumps them, invalid UTF-8 escaped as in
 * the log, numbers and seconds.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control-json.h"
#include "control-request.h"
#include "tap.h"

/* Parse LINE (LEN bytes); the result, and "verb|arg" in OUT. */
static enum control_parse
parse(const char *line, size_t len, char *out, size_t outlen)
{
	struct control_request req;
	enum control_parse r;

	r = control_parse_request(line, len, &req);
	snprintf(out, outlen, "%s|%.*s", req.name != NULL ? req.name : "-",
	    (int)req.arglen, req.arg != NULL ? req.arg : "");
	return r;
}

static void
parse_is(const char *line, enum control_parse want, const char *wantout,
    const char *desc)
{
	char	out[256];

	tap_is_int(parse(line, strlen(line), out, sizeof out), want, desc);
	if (wantout != NULL)
		tap_is_str(out, wantout, desc);
}

static void
json_is(const char *in, size_t len, const char *want, const char *desc)
{
	struct jbuf	b = { NULL, 0, 0 };
	char		*got;

	jbuf_strn(&b, in, len);
	got = strndup(b.p, b.len);
	tap_is_str(got, want, desc);
	free(got);
	jbuf_free(&b);
}

static void
secs_is(double secs, const char *want)
{
	struct jbuf	b = { NULL, 0, 0 };
	char		*got, desc[64];

	jbuf_secs(&b, secs);
	got = strndup(b.p, b.len);
	snprintf(desc, sizeof desc, "%g seconds as %s", secs, want);
	tap_is_str(got, want, desc);
	free(got);
	jbuf_free(&b);
}

int
main(void)
{
	struct control_request req;
	struct jbuf	b = { NULL, 0, 0 };
	char		out[256], *got;

	parse_is("ping", CONTROL_PARSE_OK, "ping|", "ping");
	parse_is("list\r", CONTROL_PARSE_OK, "list|", "a CR before the LF");
	parse_is("list\r\r", CONTROL_PARSE_UNKNOWN, NULL,
	    "only one CR is taken off");
	parse_is("status", CONTROL_PARSE_OK, "status|", "status, no name");
	parse_is("status a.b@c-d_e", CONTROL_PARSE_OK, "status|a.b@c-d_e",
	    "status NAME");
	parse_is(" \tstop \t echo  ", CONTROL_PARSE_OK, "stop|echo",
	    "blanks around and between words");
	parse_is("", CONTROL_PARSE_BLANK, NULL, "empty line");
	parse_is(" \t \r", CONTROL_PARSE_BLANK, NULL, "blanks and CR only");
	parse_is("PING", CONTROL_PARSE_UNKNOWN, "-|", "verbs are case-sensitive");
	parse_is("pingx", CONTROL_PARSE_UNKNOWN, NULL, "no prefix match");
	parse_is("pin", CONTROL_PARSE_UNKNOWN, NULL, "no abbreviation");
	parse_is("ping x", CONTROL_PARSE_USAGE, "ping|x", "ping takes no name");
	parse_is("status a b", CONTROL_PARSE_USAGE, NULL,
	    "status takes one name at most");
	parse_is("status a logs", CONTROL_PARSE_OK, "status|a",
	    "status NAME logs");
	control_parse_request("status a \tlogs ", 15, &req);
	tap_ok(req.opt != NULL && req.optlen == 4 &&
	    memcmp(req.opt, "logs", 4) == 0, "... the option word, blanks "
	    "around it");
	control_parse_request("status a", 8, &req);
	tap_ok(req.opt == NULL && req.optlen == 0, "no option: opt is NULL");
	parse_is("status logs", CONTROL_PARSE_OK, "status|logs",
	    "status logs: a service named logs");
	parse_is("status a logs x", CONTROL_PARSE_USAGE, NULL,
	    "nothing after the option");
	parse_is("status a log", CONTROL_PARSE_USAGE, NULL,
	    "no abbreviated option");
	parse_is("status a LOGS", CONTROL_PARSE_USAGE, NULL,
	    "options are case-sensitive");
	parse_is("logs echo", CONTROL_PARSE_OK, "logs|echo", "logs NAME");
	parse_is("logs", CONTROL_PARSE_USAGE, "logs|", "logs needs a name");
	parse_is("logs echo logs", CONTROL_PARSE_USAGE, NULL,
	    "logs takes no option");
	parse_is("stop echo logs", CONTROL_PARSE_USAGE, NULL,
	    "neither does stop");
	control_parse_request("logs x", 6, &req);
	tap_ok(!req.mutating && req.verb == VERB_LOGS &&
	    strcmp(req.usage, "logs NAME") == 0,
	    "logs: reading, with its usage");
	control_parse_request("status", 6, &req);
	tap_is_str(req.usage, "status [NAME [logs]]", "status's usage");
	parse_is("start", CONTROL_PARSE_USAGE, "start|", "start needs a name");
	parse_is("reload now", CONTROL_PARSE_USAGE, NULL, "reload takes none");
	tap_is_int(parse("status echo\0x", 13, out, sizeof out),
	    CONTROL_PARSE_UNKNOWN, "a NUL anywhere is an unknown command");
	tap_is_int(parse("ping\0", 5, out, sizeof out),
	    CONTROL_PARSE_UNKNOWN, "... even at the end");
	control_parse_request("restart x", 9, &req);
	tap_ok(req.mutating && req.verb == VERB_RESTART &&
	    strcmp(req.usage, "restart NAME") == 0,
	    "restart: mutating, with its usage");
	control_parse_request("list", 4, &req);
	tap_ok(!req.mutating && req.verb == VERB_LIST, "list: reading");
	control_parse_request("metrics", 7, &req);
	tap_ok(!req.mutating && req.verb == VERB_METRICS, "metrics: reading");
	parse_is("metrics x", CONTROL_PARSE_USAGE, "metrics|x",
	    "metrics takes no argument");
	parse_is("watch", CONTROL_PARSE_OK, "watch|", "watch, no name");
	parse_is("watch echo", CONTROL_PARSE_OK, "watch|echo", "watch NAME");
	control_parse_request("watch", 5, &req);
	tap_ok(!req.mutating && req.verb == VERB_WATCH &&
	    strcmp(req.usage, "watch [NAME]") == 0, "watch: reading");
	/* The line need not be NUL-terminated: only LEN bytes are read. */
	tap_is_int(parse("status echoXYZ", 11, out, sizeof out),
	    CONTROL_PARSE_OK, "only LEN bytes are parsed");
	tap_is_str(out, "status|echo", "... the name ends there");

	json_is("plain", 5, "\"plain\"", "a plain string");
	json_is("a\"b\\c", 5, "\"a\\\"b\\\\c\"", "quote and backslash");
	json_is("\n\t\r\b\f\x01\x1f\x7f/", 9,
	    "\"\\n\\t\\r\\b\\f\\u0001\\u001f\x7f/\"",
	    "control characters; DEL and / as is");
	json_is("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14,
	    "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"",
	    "valid UTF-8 as is");
	json_is("a\xff", 2, "\"a\\\\xff\"", "invalid UTF-8: escaped as \\xNN");
	json_is("\xc0\xaf", 2, "\"\\\\xc0\\\\xaf\"", "an overlong form");
	json_is("\xed\xa0\x80", 3, "\"\\\\xed\\\\xa0\\\\x80\"", "a surrogate");
	json_is("\xf4\x90\x80\x80", 4, "\"\\\\xf4\\\\x90\\\\x80\\\\x80\"",
	    "past U+10FFFF");
	json_is("\xe2\x82", 2, "\"\\\\xe2\\\\x82\"", "a truncated sequence");
	json_is("", 0, "\"\"", "the empty string");

	jbuf_str(&b, NULL);
	jbuf_lit(&b, ",");
	jbuf_int(&b, 0);
	jbuf_lit(&b, ",");
	jbuf_int(&b, -42);
	jbuf_lit(&b, ",");
	jbuf_int(&b, 9223372036854775807LL);
	jbuf_lit(&b, ",");
	jbuf_int(&b, -9223372036854775807LL - 1);
	jbuf_lit(&b, ",");
	jbuf_bool(&b, 1);
	jbuf_lit(&b, ",");
	jbuf_bool(&b, 0);
	got = strndup(b.p, b.len);
	tap_is_str(got, "null,0,-42,9223372036854775807,"
	    "-9223372036854775808,true,false", "null, integers, booleans");
	free(got);
	jbuf_free(&b);

	secs_is(0, "0.0");
	secs_is(5, "5.0");
	secs_is(0.1, "0.1");
	secs_is(1.25, "1.25");
	secs_is(12.3456, "12.346");
	secs_is(0.0004, "0.0");
	secs_is(0.0005, "0.001");
	secs_is(86400.5, "86400.5");
	return tap_done();
}
