/* SPDX-License-Identifier: ISC */
/*
 * control-request.h -- the status socket's request line: one verb, at
 * most one argument, and after it at most one option word the verb knows
 * (status NAME logs). Pure parsing, no I/O: the fuzz target calls it too.
 */
#ifndef ACTIVATOR_CONTROL_REQUEST_H
#define ACTIVATOR_CONTROL_REQUEST_H

#include <stddef.h>

enum control_verb {
	VERB_PING,
	VERB_VERSION,
	VERB_LIST,
	VERB_STATUS,
	VERB_START,
	VERB_STOP,
	VERB_RESTART,
	VERB_RELOAD,
	VERB_METRICS,
	VERB_LOGS,
	VERB_WATCH,
};

enum control_parse {
	CONTROL_PARSE_OK,
	CONTROL_PARSE_BLANK,	/* only blanks: no reply at all */
	CONTROL_PARSE_UNKNOWN,	/* no such verb, or a NUL in the line */
	CONTROL_PARSE_USAGE,	/* a known verb with the wrong arguments */
};

struct control_request {
	enum control_verb verb;		/* valid unless UNKNOWN or BLANK */
	const char	*name;		/* the verb's name, NUL-terminated */
	const char	*usage;		/* e.g. "status [NAME]" */
	int		 mutating;	/* needs root or activator's own uid */
	const char	*word;		/* first word as sent (not terminated) */
	size_t		 wordlen;
	const char	*arg;		/* the argument in LINE, or NULL */
	size_t		 arglen;	/* > 0 if arg != NULL */
	const char	*opt;		/* the option word after arg, or NULL */
	size_t		 optlen;	/* > 0 if opt != NULL */
};

/*
 * Parse one request line of LEN bytes, its LF removed (a CR before it is
 * allowed). Words are separated by blanks (space, tab). The pointers in
 * REQ point into LINE, which is not modified.
 */
enum control_parse control_parse_request(const char *line, size_t len,
	    struct control_request *req);

#endif /* ACTIVATOR_CONTROL_REQUEST_H */
