/* SPDX-License-Identifier: ISC */
/* control-request.c -- split and check a status socket request line. */
#include "config.h"

#include <string.h>

#include "control-request.h"

enum verb_arg {
	ARG_NONE,
	ARG_OPTIONAL,
	ARG_REQUIRED,
};

static const struct {
	const char	*name;
	enum control_verb verb;
	enum verb_arg	 arg;
	int		 mutating;
	const char	*usage;
} verbs[] = {
	{ "ping", VERB_PING, ARG_NONE, 0, "ping" },
	{ "version", VERB_VERSION, ARG_NONE, 0, "version" },
	{ "list", VERB_LIST, ARG_NONE, 0, "list" },
	{ "status", VERB_STATUS, ARG_OPTIONAL, 0, "status [NAME [logs]]" },
	{ "start", VERB_START, ARG_REQUIRED, 1, "start NAME" },
	{ "stop", VERB_STOP, ARG_REQUIRED, 1, "stop NAME" },
	{ "restart", VERB_RESTART, ARG_REQUIRED, 1, "restart NAME" },
	{ "reload", VERB_RELOAD, ARG_NONE, 1, "reload" },
	{ "metrics", VERB_METRICS, ARG_NONE, 0, "metrics" },
	{ "logs", VERB_LOGS, ARG_REQUIRED, 0, "logs NAME" },
	{ "watch", VERB_WATCH, ARG_OPTIONAL, 0, "watch [NAME]" },
};

/* The words a verb takes after its argument. */
static const struct {
	enum control_verb verb;
	const char	*word;
} options[] = {
	{ VERB_STATUS, "logs" },	/* status NAME logs: with its lines */
};

static int
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* The next word at or after *POS; its length, 0 at the end of the line. */
static size_t
next_word(const char *line, size_t len, size_t *pos, const char **word)
{
	size_t	start;

	while (*pos < len && is_blank(line[*pos]))
		(*pos)++;
	start = *pos;
	while (*pos < len && !is_blank(line[*pos]))
		(*pos)++;
	*word = line + start;
	return *pos - start;
}

/*
 * After the argument: nothing, or one option word of the verb and then
 * nothing. 0 if so, -1 otherwise.
 */
static int
parse_option(const char *line, size_t len, size_t *pos,
    struct control_request *req)
{
	const char	*word, *extra;
	size_t		 n, i;

	if ((n = next_word(line, len, pos, &word)) == 0)
		return 0;
	for (i = 0; i < sizeof options / sizeof options[0]; i++)
		if (options[i].verb == req->verb &&
		    strlen(options[i].word) == n &&
		    memcmp(options[i].word, word, n) == 0)
			break;
	if (i == sizeof options / sizeof options[0] ||
	    next_word(line, len, pos, &extra) != 0)
		return -1;
	req->opt = word;
	req->optlen = n;
	return 0;
}

enum control_parse
control_parse_request(const char *line, size_t len,
    struct control_request *req)
{
	size_t		 pos = 0, n;

	memset(req, 0, sizeof *req);
	if (len > 0 && line[len - 1] == '\r')
		len--;
	/* A NUL would cut a name short: "status echo\0x" is not echo. */
	if (memchr(line, '\0', len) != NULL)
		return CONTROL_PARSE_UNKNOWN;
	if ((req->wordlen = next_word(line, len, &pos, &req->word)) == 0)
		return CONTROL_PARSE_BLANK;
	req->arglen = next_word(line, len, &pos, &req->arg);
	if (req->arglen == 0)
		req->arg = NULL;
	for (n = 0; n < sizeof verbs / sizeof verbs[0]; n++)
		if (strlen(verbs[n].name) == req->wordlen &&
		    memcmp(verbs[n].name, req->word, req->wordlen) == 0)
			break;
	if (n == sizeof verbs / sizeof verbs[0])
		return CONTROL_PARSE_UNKNOWN;
	req->verb = verbs[n].verb;
	req->name = verbs[n].name;
	req->usage = verbs[n].usage;
	req->mutating = verbs[n].mutating;
	if ((req->arg != NULL && parse_option(line, len, &pos, req) == -1) ||
	    (req->arg != NULL && verbs[n].arg == ARG_NONE) ||
	    (req->arg == NULL && verbs[n].arg == ARG_REQUIRED))
		return CONTROL_PARSE_USAGE;
	return CONTROL_PARSE_OK;
}
