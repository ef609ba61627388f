/* SPDX-License-Identifier: ISC */
/*
 * conf.c -- read activator.conf with libconfuse and turn it into an
 * immutable, validated struct config. The only file that includes
 * <confuse.h>. Every value passes through a parse callback, which both
 * checks it and remembers its line, so that errors found after parsing
 * (missing options, conflicts) still point at a line.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/types.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <confuse.h>

#include "addr.h"
#include "argv.h"
#include "bindtrap.h"
#include "conf.h"
#include "log.h"
#include "xmalloc.h"

#define CONF_MAX_DEPTH	8

/* Where each option was set: the parse callbacks fill this in. */
struct optline {
	char		*svc;		/* NULL for a global option */
	const char	*opt;		/* static option name */
	unsigned	 idx;		/* list element */
	int		 line;
};

/* State of one load; loads do not nest. */
static struct {
	const char	*path;
	char		*errors;
	size_t		 nerrors;
	char		*warnings;
	struct optline	*lines;
	size_t		 nlines;
	size_t		 linecap;	/* allocated records, grown by halves */
	size_t		 range_lo;	/* records of the service last */
	size_t		 range_hi;	/*   looked up by line_of() */
	char		*prog_ok;	/* last program found executable:
					   many services run the same one */
} ld;

static int	has_control_chars(const char *);
static void	service_conf_clear_fields(struct service_conf *);

static void
msg_append(char **buf, const char *line)
{
	char	*old = *buf;

	if (old == NULL)
		*buf = xstrdup(line);
	else {
		xasprintf(buf, "%s\n%s", old, line);
		free(old);
	}
}

/*
 * Messages quote values from the file: write control characters as \xNN
 * so that each message stays one line and no escape reaches a terminal.
 */
static char *
escape_controls(char *msg)
{
	static const char hex[] = "0123456789abcdef";
	char	*out, *o;
	const char *p;

	if (!has_control_chars(msg))
		return msg;
	o = out = xmalloc(strlen(msg) * 4 + 1);
	for (p = msg; *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;
		if (c < 0x20 || c == 0x7f) {
			*o++ = '\\';
			*o++ = 'x';
			*o++ = hex[c >> 4];
			*o++ = hex[c & 0xf];
		} else
			*o++ = (char)c;
	}
	*o = '\0';
	free(msg);
	return out;
}

/* Record "FILE:LINE: message" (or "FILE: message" when line is 0). */
static void __attribute__((format(printf, 3, 0)))
conf_vmsg(int warning, int line, const char *fmt, va_list ap)
{
	char	*msg, *full;

	if (vasprintf(&msg, fmt, ap) == -1)
		fatal("vasprintf");
	msg = escape_controls(msg);
	if (line > 0)
		xasprintf(&full, "%s:%d: %s%s", ld.path, line,
		    warning ? "warning: " : "", msg);
	else
		xasprintf(&full, "%s: %s%s", ld.path,
		    warning ? "warning: " : "", msg);
	if (warning)
		msg_append(&ld.warnings, full);
	else {
		msg_append(&ld.errors, full);
		ld.nerrors++;
	}
	free(msg);
	free(full);
}

static void __attribute__((format(printf, 2, 3)))
conf_error(int line, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	conf_vmsg(0, line, fmt, ap);
	va_end(ap);
}

static void __attribute__((format(printf, 2, 3)))
conf_warning(int line, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	conf_vmsg(1, line, fmt, ap);
	va_end(ap);
}

/* libconfuse's own messages (syntax, unknown options) arrive here. */
static void __attribute__((format(printf, 2, 0)))
conf_errfunc(cfg_t *cfg, const char *fmt, va_list ap)
{
	conf_vmsg(0, cfg != NULL ? cfg->line : 0, fmt, ap);
}

/*
 * A new record at the end. The array grows geometrically: growing it by
 * one each time copied it for every option, quadratic in the services.
 */
static struct optline *
line_push(void)
{
	if (ld.nlines == ld.linecap) {
		ld.linecap = ld.linecap < 64 ? 64 : ld.linecap + ld.linecap / 2;
		ld.lines = xreallocarray(ld.lines, ld.linecap,
		    sizeof *ld.lines);
	}
	return &ld.lines[ld.nlines++];
}

static void
line_record(cfg_t *cfg, cfg_opt_t *opt)
{
	struct optline *l;
	const char *title = cfg_title(cfg);

	l = line_push();
	l->svc = title != NULL ? xstrdup(title) : NULL;
	l->opt = opt->name;
	/* libconfuse adds the value before it calls the parse callback. */
	l->idx = cfg_opt_size(opt) > 0 ? cfg_opt_size(opt) - 1 : 0;
	l->line = cfg->line;
}

/*
 * The records of one service are contiguous (a section is parsed in one
 * go) and services are checked in file order, so finding a service's run
 * of records from where the previous one ended keeps a load linear in
 * the number of services.
 */
static void
line_range(const char *svc, size_t *lo, size_t *hi)
{
	size_t	 i = 0, start, n = ld.nlines, next = *hi;

	if (next > n)
		next = 0;
	for (start = 0; start < n; start++) {
		i = (next + start) % n;
		if (ld.lines[i].svc != NULL && strcmp(ld.lines[i].svc, svc) == 0)
			break;
	}
	if (start == n) {
		*lo = *hi = 0;
		return;
	}
	*lo = i;
	while (i > 0 && ld.lines[i - 1].svc != NULL &&
	    strcmp(ld.lines[i - 1].svc, svc) == 0)
		*lo = --i;
	for (i = *lo; i < n && ld.lines[i].svc != NULL &&
	    strcmp(ld.lines[i].svc, svc) == 0; i++)
		;
	*hi = i;
}

/* Line where SVC (NULL: global) set OPT's element IDX; 0 if never set. */
static int
line_of(const char *svc, const char *opt, unsigned idx)
{
	size_t	i;
	int	line = 0;

	if (svc == NULL) {
		for (i = 0; i < ld.nlines; i++)
			if (ld.lines[i].svc == NULL &&
			    strcmp(ld.lines[i].opt, opt) == 0 &&
			    ld.lines[i].idx == idx)
				line = ld.lines[i].line;
		return line;
	}
	if (ld.range_lo >= ld.range_hi || ld.range_hi > ld.nlines ||
	    ld.lines[ld.range_lo].svc == NULL ||
	    strcmp(ld.lines[ld.range_lo].svc, svc) != 0)
		line_range(svc, &ld.range_lo, &ld.range_hi);
	for (i = ld.range_lo; i < ld.range_hi; i++)
		if (strcmp(ld.lines[i].opt, opt) == 0 && ld.lines[i].idx == idx)
			line = ld.lines[i].line;
	return line;
}

static int
is_set(const char *svc, const char *opt)
{
	return line_of(svc, opt, 0) != 0;
}

/* "service NAME: " for messages about a service option, "" for globals. */
static const char *
scope(cfg_t *cfg)
{
	static char buf[256];
	const char *title = cfg_title(cfg);

	if (title == NULL)
		return "";
	snprintf(buf, sizeof buf, "service %s: ", title);
	return buf;
}

static int
has_control_chars(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

static int
is_reserved_env(const char *name, size_t len)
{
	static const char *reserved[] = { "LISTEN_FDS", "LISTEN_PID",
	    "LISTEN_FDNAMES", "NOTIFY_SOCKET", "REMOTE_ADDR", "REMOTE_PORT" };
	size_t	i;

	for (i = 0; i < sizeof reserved / sizeof reserved[0]; i++)
		if (strlen(reserved[i]) == len &&
		    strncmp(reserved[i], name, len) == 0)
			return 1;
	return 0;
}

/* Check one environment entry; NULL if fine, else a static reason. */
static const char *
env_problem(const char *s)
{
	const char *eq = strchr(s, '=');
	const char *p;

	if (eq == NULL)
		return "expected NAME=VALUE";
	if (eq == s)
		return "empty variable name";
	if (!isalpha((unsigned char)*s) && *s != '_')
		return "variable name must start with a letter or _";
	for (p = s; p < eq; p++)
		if (!isalnum((unsigned char)*p) && *p != '_')
			return "variable name may hold only letters, digits "
			    "and _";
	if (is_reserved_env(s, (size_t)(eq - s)))
		return "reserved variable: activator sets it";
	return NULL;
}

/* Every string value: control characters are refused, then per option. */
static int
conf_parse_string(cfg_t *cfg, cfg_opt_t *opt, const char *value,
    void *result)
{
	const char *name = opt->name;
	char	*cause = NULL;
	const char *why;

	line_record(cfg, opt);
	if (has_control_chars(value)) {
		cfg_error(cfg, "%s%s: control characters are not allowed",
		    scope(cfg), name);
		return -1;
	}
	if (strcmp(name, "listen") == 0) {
		struct addr a;
		if (addr_parse(value, &a, &cause) == -1)
			goto fail;
		addr_clear(&a);
	} else if (strcmp(name, "allow") == 0 || strcmp(name, "deny") == 0) {
		struct cidr c;
		if (cidr_parse(value, &c, &cause) == -1)
			goto fail;
	} else if (strcmp(name, "command") == 0) {
		char **argv = argv_split(value, &cause);
		if (argv == NULL)
			goto fail;
		if (argv[0][0] != '/')
			xasprintf(&cause, "program '%s' must be an absolute "
			    "path", argv[0]);
		argv_free(argv);
		if (cause != NULL)
			goto fail;
	} else if (strcmp(name, "environment") == 0) {
		if ((why = env_problem(value)) != NULL) {
			xasprintf(&cause, "'%s': %s", value, why);
			goto fail;
		}
	} else if (strcmp(name, "user") == 0) {
		if (*value == '\0' || getpwnam(value) == NULL) {
			xasprintf(&cause, "unknown user '%s'", value);
			goto fail;
		}
	} else if (strcmp(name, "group") == 0) {
		if (*value == '\0' || getgrnam(value) == NULL) {
			xasprintf(&cause, "unknown group '%s'", value);
			goto fail;
		}
	} else if (strcmp(name, "status-socket") == 0 ||
	    strcmp(name, "pidfile") == 0 || strcmp(name, "chdir") == 0) {
		if (value[0] != '/') {
			xasprintf(&cause, "'%s' must be an absolute path",
			    value);
			goto fail;
		}
	}
	*(const char **)result = value;
	return 0;
fail:
	cfg_error(cfg, "%s%s: %s", scope(cfg), name, cause);
	free(cause);
	return -1;
}

static const struct {
	const char	*name;
	long long	 min, max;
} int_ranges[] = {
	{ "backlog", 1, 65535 },
	{ "start-timeout", 1, 86400 },
	{ "stop-timeout", 1, 86400 },
	{ "start-limit-burst", 1, 1000 },
	{ "start-limit-interval", 1, 86400 },
	{ "max-instances", 1, 65536 },
	{ "max-per-source", 0, 65536 },
	{ "idle-timeout", 0, 86400 },
	{ "output-lines", 0, CONF_OUTPUT_LINES_MAX },
};

/* Integers are decimal only: "010" must not quietly mean 8. */
static int
conf_parse_int(cfg_t *cfg, cfg_opt_t *opt, const char *value, void *result)
{
	size_t	 i;
	long long v;

	line_record(cfg, opt);
	for (i = 0; i < sizeof int_ranges / sizeof int_ranges[0]; i++) {
		if (strcmp(int_ranges[i].name, opt->name) != 0)
			continue;
		if (!parse_decimal(value, int_ranges[i].min, int_ranges[i].max,
		    &v)) {
			cfg_error(cfg, "%s%s: invalid value '%s' (a decimal "
			    "number from %lld to %lld)", scope(cfg), opt->name,
			    value, int_ranges[i].min, int_ranges[i].max);
			return -1;
		}
		*(long *)result = (long)v;
		return 0;
	}
	cfg_error(cfg, "%s%s: no range known", scope(cfg), opt->name);
	return -1;
}

/*
 * Modes are octal, permission bits only: at most four digits, checked
 * before any arithmetic, so no spelling can overflow.
 */
static int
conf_parse_mode(cfg_t *cfg, cfg_opt_t *opt, const char *value, void *result)
{
	size_t	 i, n = strlen(value);
	long	 v = 0;

	line_record(cfg, opt);
	for (i = 0; i < n && value[i] >= '0' && value[i] <= '7'; i++)
		;
	if (n == 0 || n > 4 || i != n) {
		v = -1;
	} else {
		for (i = 0; i < n; i++)
			v = v * 8 + (value[i] - '0');
	}
	if (v < 0 || v > 0777) {
		cfg_error(cfg, "%s%s: invalid mode '%s' (octal, at most 0777)",
		    scope(cfg), opt->name, value);
		return -1;
	}
	*(long *)result = v;
	return 0;
}

static const struct {
	const char	*opt;
	const char	*word;
	long		 value;
} keywords[] = {
	{ "type", "simple", TYPE_SIMPLE },
	{ "type", "daemon", TYPE_DAEMON },
	{ "type", "forking", TYPE_DAEMON },
	{ "type", "notify", TYPE_NOTIFY },
	{ "handoff", "listen-fds", HANDOFF_LISTEN_FDS },
	{ "handoff", "stdio", HANDOFF_STDIO },
	{ "handoff", "bind", HANDOFF_BIND },
	{ "handoff", "proxy", HANDOFF_PROXY },
	{ "restart", "on-demand", RESTART_ON_DEMAND },
	{ "restart", "always", RESTART_ALWAYS },
	{ "restart", "on-failure", RESTART_ON_FAILURE },
	{ "accept", "yes", 1 }, { "accept", "true", 1 }, { "accept", "on", 1 },
	{ "accept", "no", 0 }, { "accept", "false", 0 }, { "accept", "off", 0 },
	{ "log-connections", "yes", 1 }, { "log-connections", "true", 1 },
	{ "log-connections", "on", 1 }, { "log-connections", "no", 0 },
	{ "log-connections", "false", 0 }, { "log-connections", "off", 0 },
	{ "log-level", "error", LOG_ERR },
	{ "log-level", "warning", LOG_WARNING },
	{ "log-level", "notice", LOG_NOTICE },
	{ "log-level", "info", LOG_INFO },
	{ "log-level", "debug", LOG_DEBUG },
};

static int
conf_parse_keyword(cfg_t *cfg, cfg_opt_t *opt, const char *value,
    void *result)
{
	size_t	i, n = 0;
	char	choices[256] = "";

	line_record(cfg, opt);
	for (i = 0; i < sizeof keywords / sizeof keywords[0]; i++) {
		if (strcmp(keywords[i].opt, opt->name) != 0)
			continue;
		if (strcmp(keywords[i].word, value) == 0) {
			*(long *)result = keywords[i].value;
			return 0;
		}
		n += (size_t)snprintf(choices + n, sizeof choices - n, "%s%s",
		    n > 0 ? " | " : "", keywords[i].word);
	}
	cfg_error(cfg, "%s%s: invalid value '%s' (%s)", scope(cfg), opt->name,
	    value, choices);
	return -1;
}

/* Remember where a service section ended, for errors about it as a whole. */
static int
conf_validate_service(cfg_t *cfg, cfg_opt_t *opt)
{
	cfg_t	*sec = cfg_opt_getnsec(opt, cfg_opt_size(opt) - 1);

	*line_push() = (struct optline){ xstrdup(cfg_title(sec)),
	    "}", 0, cfg->line };
	return 0;
}

#define S(n)	CFG_STR_CB(n, NULL, CFGF_NODEFAULT, conf_parse_string)
#define SL(n)	CFG_STR_LIST_CB(n, NULL, CFGF_NODEFAULT, conf_parse_string)
#define I(n, d)	CFG_INT_CB(n, d, CFGF_NONE, conf_parse_int)
#define M(n, d)	CFG_INT_CB(n, d, CFGF_NONE, conf_parse_mode)
#define K(n, d)	CFG_INT_CB(n, d, CFGF_NONE, conf_parse_keyword)

static cfg_opt_t service_opts[] = {
	SL("listen"),
	S("command"),
	K("accept", 0),
	K("type", TYPE_DAEMON),
	S("pidfile"),
	K("handoff", HANDOFF_LISTEN_FDS),
	S("proxy-to"),
	S("user"),
	S("group"),
	S("chdir"),
	SL("environment"),
	K("restart", RESTART_ON_DEMAND),
	I("start-timeout", CONF_START_TIMEOUT_DEFAULT),
	I("stop-timeout", CONF_STOP_TIMEOUT_DEFAULT),
	I("start-limit-burst", CONF_START_LIMIT_BURST_DEFAULT),
	I("start-limit-interval", CONF_START_LIMIT_INTERVAL_DEFAULT),
	I("max-instances", CONF_MAX_INSTANCES_DEFAULT),
	I("max-per-source", 0),
	SL("allow"),
	SL("deny"),
	M("socket-mode", CONF_SOCKET_MODE_DEFAULT),
	K("log-connections", 0),
	I("idle-timeout", 0),
	I("output-lines", CONF_OUTPUT_LINES_DEFAULT),
	CFG_END()
};

static cfg_opt_t global_opts[] = {
	S("status-socket"),
	M("status-mode", CONF_STATUS_MODE_DEFAULT),
	K("log-level", LOG_INFO),
	I("backlog", CONF_BACKLOG_DEFAULT),
	CFG_SEC("service", service_opts,
	    CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES),
	CFG_END()
};

/*
 * Whether buf[i] continues an unquoted word, as in tcp://host:port, where
 * libconfuse's lexer does not take "//" or slash-star for a comment. These are
 * the characters its words cannot hold.
 */
static int
in_word(const char *buf, size_t i)
{
	return i > 0 && strchr(" \t\r\n#\"'={}()+,*", buf[i - 1]) == NULL;
}

/*
 * If buf[i] starts a ${NAME} or ${NAME:-word} that libconfuse replaces
 * (outside strings and in double-quoted ones), the index of its '}',
 * else i: quotes and braces inside it are not syntax.
 */
static size_t
var_end(const char *buf, size_t i, size_t len)
{
	size_t	j;

	if (buf[i] != '$' || i + 1 >= len || buf[i + 1] != '{')
		return i;
	for (j = i + 2; j < len; j++)
		if (buf[j] == '}')
			return j;
	return i;
}

/*
 * Whether the escape at buf[i] in a double-quoted string is one that
 * libconfuse turns into a NUL byte (\0, \00, \000, \x0, \x00), which
 * would silently cut the value short.
 */
static int
nul_escape(const char *buf, size_t i, size_t len)
{
	size_t	j, n;

	if (buf[i] != '\\' || i + 1 >= len)
		return 0;
	if (buf[i + 1] >= '0' && buf[i + 1] <= '7') {
		for (j = i + 1, n = 0; j < len && n < 3 && buf[j] >= '0' &&
		    buf[j] <= '7'; j++, n++)
			if (buf[j] != '0')
				return 0;
		return 1;
	}
	if (buf[i + 1] == 'x' && i + 2 < len &&
	    isxdigit((unsigned char)buf[i + 2])) {
		for (j = i + 2, n = 0; j < len && n < 2 &&
		    isxdigit((unsigned char)buf[j]); j++, n++)
			if (buf[j] != '0')
				return 0;
		return 1;
	}
	return 0;
}

/*
 * Check a ${...} at buf[i] (ending at END): libconfuse does not count
 * the lines inside one, so one that spans lines would shift every line
 * number after it.
 */
static int
var_check(const char *buf, size_t i, size_t end, int line)
{
	if (memchr(buf + i, '\n', end - i) != NULL) {
		conf_error(line, "a ${...} variable may not span lines");
		return -1;
	}
	return 0;
}

/*
 * Make the text something libconfuse 3.3 reads with exact line numbers,
 * in place; *len may shrink. A UTF-8 byte order mark and the CR of each
 * CRLF are dropped. Comments are blanked out, newlines kept: libconfuse
 * counts one line too many after # and // comments, loses count in
 * block comments, and refuses a comment inside a list, although
 * activator.conf(5) allows them anywhere. Strings (with their escapes)
 * and ${...} variables are left as they are: a comment marker in them is
 * text. Also refused here, with their line: NUL bytes and NUL escapes
 * (libconfuse would cut the value short), deep nesting (libconfuse
 * recurses without a bound, its #182), an unterminated string or block
 * comment. A file that ends inside a block, which libconfuse accepts,
 * sets *unclosed_line to where that block opened. Returns -1 after
 * recording an error.
 */
static int
conf_preprocess(char *buf, size_t *len, int *unclosed_line)
{
	int	 line = 1, depth = 0, open_line[CONF_MAX_DEPTH + 1], start;
	size_t	 i, j, n = 0;

	*unclosed_line = 0;
	i = *len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;
	for (; i < *len; i++) {
		if (buf[i] == '\0') {
			conf_error(line, "NUL byte in file");
			return -1;
		}
		if (buf[i] == '\n')
			line++;
		if (buf[i] != '\r' || i + 1 >= *len || buf[i + 1] != '\n')
			buf[n++] = buf[i];
	}
	*len = n;
	buf[n] = '\0';

	for (line = 1, i = 0; i < n; i++) {
		char c = buf[i];

		if (c == '\n')
			line++;
		else if (c == '$' && !in_word(buf, i) &&
		    (j = var_end(buf, i, n)) != i) {
			if (var_check(buf, i, j, line) == -1)
				return -1;
			i = j;
		} else if (c == '#' || (c == '/' && i + 1 < n &&
		    buf[i + 1] == '/' && !in_word(buf, i))) {
			for (; i < n && buf[i] != '\n'; i++)
				buf[i] = ' ';
			i--;
		} else if (c == '/' && i + 1 < n && buf[i + 1] == '*' &&
		    !in_word(buf, i)) {
			start = line;
			buf[i++] = ' ';
			buf[i++] = ' ';
			for (; i < n && !(buf[i] == '*' && i + 1 < n &&
			    buf[i + 1] == '/'); i++)
				if (buf[i] == '\n')
					line++;
				else
					buf[i] = ' ';
			if (i >= n) {
				conf_error(start, "unterminated comment: the "
				    "/* opened here is never closed");
				return -1;
			}
			buf[i++] = ' ';
			buf[i] = ' ';
		} else if (c == '"' || c == '\'') {
			start = line;
			for (i++; i < n && buf[i] != c; i++) {
				if (c == '"' && nul_escape(buf, i, n)) {
					conf_error(line, "NUL character (escape "
					    "\\0 or \\x0) in a string");
					return -1;
				}
				if (c == '"' && (j = var_end(buf, i, n)) != i) {
					if (var_check(buf, i, j, line) == -1)
						return -1;
					i = j;
					continue;
				}
				if (buf[i] == '\\' && i + 1 < n)
					i++;
				if (buf[i] == '\n')
					line++;
			}
			if (i >= n) {
				conf_error(start, "unterminated string: the "
				    "quote opened here is never closed");
				return -1;
			}
		} else if (c == '{') {
			if (depth == CONF_MAX_DEPTH) {
				conf_error(line, "blocks nested too deeply");
				return -1;
			}
			open_line[depth++] = line;
		} else if (c == '}' && depth > 0)
			depth--;
	}
	if (depth > 0)
		*unclosed_line = open_line[depth - 1];
	return 0;
}

/* Copy the user's identity: uid, primary gid, groups, home, shell. */
static int
conf_resolve_user(struct service_conf *s, int line)
{
	struct passwd *pw;
	struct group *gr;
	int	 n = 64;

	if (s->user != NULL) {
		if ((pw = getpwnam(s->user)) == NULL) {
			conf_error(line, "service %s: user: unknown user '%s'",
			    s->name, s->user);
			return -1;
		}
		s->uid = pw->pw_uid;
		s->gid = pw->pw_gid;
		s->home = xstrdup(pw->pw_dir);
		s->shell = xstrdup(pw->pw_shell);
		for (;;) {
			s->groups = xreallocarray(s->groups, (size_t)n,
			    sizeof *s->groups);
			if (getgrouplist(s->user, s->gid, s->groups, &n) != -1)
				break;
		}
		s->ngroups = n;
	}
	if (s->group != NULL) {
		if ((gr = getgrnam(s->group)) == NULL) {
			conf_error(line, "service %s: group: unknown group "
			    "'%s'", s->name, s->group);
			return -1;
		}
		s->gid = gr->gr_gid;
	}
	return 0;
}

static int
valid_service_name(const char *name)
{
	const char *p;

	if (*name == '\0')
		return 0;
	for (p = name; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && strchr("_.@-", *p) == NULL)
			return 0;
	return 1;
}

/* Warn when a directory others can write holds a file we trust. */
static void
warn_open_dir(const char *path, const char *what, int line)
{
	char	*dir = xstrdup(path), *slash;
	struct stat st;

	if ((slash = strrchr(dir, '/')) != NULL)
		*(slash == dir ? slash + 1 : slash) = '\0';
	if (stat(dir, &st) == 0 && (st.st_mode & 0022))
		conf_warning(line, "%s '%s' is in %s, which other users may "
		    "write", what, path, dir);
	free(dir);
}

/*
 * handoff = proxy and proxy-to: activator accepts on stream sockets and
 * relays each connection to proxy-to, an address the program binds
 * itself. Errors are recorded, -1 returned.
 */
static int
conf_check_proxy(cfg_t *sec, struct service_conf *s)
{
	const char *name = s->name, *to = cfg_getstr(sec, "proxy-to");
	int	 line = line_of(name, "proxy-to", 0), bad = 0;
	char	*cause = NULL;
	size_t	 i;

	if (s->handoff != HANDOFF_PROXY) {
		if (to != NULL) {
			conf_error(line, "service %s: proxy-to needs handoff = "
			    "proxy", name);
			return -1;
		}
		return 0;
	}
	if (s->accept) {
		conf_error(line_of(name, "handoff", 0), "service %s: handoff = "
		    "proxy needs accept = no: activator accepts and relays "
		    "each connection itself", name);
		bad = 1;
	}
	for (i = 0; i < s->nlisten; i++)
		if (s->listen[i].socktype != SOCK_STREAM) {
			conf_error(line_of(name, "listen", (unsigned)i),
			    "service %s: handoff = proxy relays stream "
			    "connections: '%s' is a datagram address", name,
			    s->listen[i].spec);
			bad = 1;
		}
	if (to == NULL) {
		conf_error(line_of(name, "handoff", 0), "service %s: handoff = "
		    "proxy needs proxy-to, the address the program binds",
		    name);
		return -1;
	}
	s->proxy_to = xcalloc(1, sizeof *s->proxy_to);
	if (addr_parse(to, s->proxy_to, &cause) == -1) {
		conf_error(line, "service %s: proxy-to: %s", name, cause);
		free(cause);
		return -1;
	}
	if (s->proxy_to->socktype != SOCK_STREAM) {
		conf_error(line, "service %s: proxy-to: '%s' is not a stream "
		    "address (tcp:// or unix:)", name, to);
		bad = 1;
	} else if (s->proxy_to->wildcard) {
		conf_error(line, "service %s: proxy-to: '%s' is a wildcard: "
		    "give the address to connect to", name, to);
		bad = 1;
	}
	for (i = 0; i < s->nlisten; i++)
		if (addr_conflict(s->proxy_to, &s->listen[i])) {
			conf_error(line, "service %s: proxy-to '%s' is the "
			    "service's own listen address '%s': the program "
			    "must bind another one", name, to,
			    s->listen[i].spec);
			bad = 1;
		}
	/* Relayed connections are bounded by descriptors unless told. */
	if (!is_set(name, "max-instances"))
		s->max_instances = 0;
	return bad ? -1 : 0;
}

/*
 * idle-timeout stops a daemon that holds no connection: only accept = no
 * has such a daemon, and only stream sockets have connections to count.
 */
static int
conf_check_idle(cfg_t *sec, struct service_conf *s)
{
	const char *name = cfg_title(sec);
	int	 line = line_of(name, "idle-timeout", 0);
	size_t	 i;

	s->idle_timeout = (int)cfg_getint(sec, "idle-timeout");
	if (!is_set(name, "idle-timeout") || s->idle_timeout == 0)
		return 0;
	if (s->accept) {
		conf_error(line, "service %s: idle-timeout needs accept = no: "
		    "an accept = yes instance ends with its connection", name);
		return -1;
	}
	for (i = 0; i < s->nlisten; i++)
		if (s->listen[i].socktype != SOCK_STREAM) {
			conf_error(line, "service %s: idle-timeout needs stream "
			    "sockets: '%s' has no connections to tell a client "
			    "by", name, s->listen[i].spec);
			return -1;
		}
	return 0;
}

/* Build and check one service; errors are recorded, -1 returned. */
static int
conf_build_service(cfg_t *sec, struct service_conf *s)
{
	const char *name = cfg_title(sec);
	int	 endline = line_of(name, "}", 0), line, has_path = 0;
	int	 has_abstract = 0, bad = 0;
	unsigned i;
	char	*cause = NULL;
	const char *why;
	struct stat st;

	s->name = xstrdup(name);
	if (!valid_service_name(name)) {
		conf_error(endline, "service '%s': name may hold only letters, "
		    "digits and _ . @ -", name);
		return -1;
	}
	if (cfg_size(sec, "listen") == 0) {
		conf_error(endline, "service %s: listen is required", name);
		bad = 1;
	}
	if (cfg_getstr(sec, "command") == NULL) {
		conf_error(endline, "service %s: command is required", name);
		bad = 1;
	}
	/* fds 3 and up, below the limit of what one spawn can place. */
	if (cfg_size(sec, "listen") > CONF_MAX_LISTEN) {
		conf_error(line_of(name, "listen", CONF_MAX_LISTEN), "service "
		    "%s: listen: at most %d addresses", name, CONF_MAX_LISTEN);
		bad = 1;
	}
	if (bad)
		return -1;
	s->nlisten = cfg_size(sec, "listen");
	s->listen = xcalloc(s->nlisten, sizeof *s->listen);
	for (i = 0; i < s->nlisten; i++) {
		if (addr_parse(cfg_getnstr(sec, "listen", i), &s->listen[i],
		    &cause) == -1)
			fatalx("%s", cause);	/* checked while parsing */
		if (s->listen[i].family == AF_UNIX) {
			if (s->listen[i].abstract)
				has_abstract = 1;
			else
				has_path = 1;
		}
	}
	s->command = xstrdup(cfg_getstr(sec, "command"));
	s->argv = argv_split(s->command, &cause);
	s->accept = (int)cfg_getint(sec, "accept");
	s->log_connections = (int)cfg_getint(sec, "log-connections");
	s->output_lines = (int)cfg_getint(sec, "output-lines");
	s->type = (enum service_type)cfg_getint(sec, "type");
	s->handoff = (enum handoff)cfg_getint(sec, "handoff");
	s->restart = (enum restart_policy)cfg_getint(sec, "restart");
	s->start_timeout = (int)cfg_getint(sec, "start-timeout");
	s->stop_timeout = (int)cfg_getint(sec, "stop-timeout");
	s->start_limit_burst = (int)cfg_getint(sec, "start-limit-burst");
	s->start_limit_interval = (int)cfg_getint(sec, "start-limit-interval");
	s->max_instances = (int)cfg_getint(sec, "max-instances");
	s->max_per_source = (int)cfg_getint(sec, "max-per-source");
	s->socket_mode = (mode_t)cfg_getint(sec, "socket-mode");
	if (cfg_getstr(sec, "pidfile") != NULL)
		s->pidfile = xstrdup(cfg_getstr(sec, "pidfile"));
	if (cfg_getstr(sec, "user") != NULL)
		s->user = xstrdup(cfg_getstr(sec, "user"));
	if (cfg_getstr(sec, "group") != NULL)
		s->group = xstrdup(cfg_getstr(sec, "group"));
	s->chdir = xstrdup(cfg_getstr(sec, "chdir") != NULL ?
	    cfg_getstr(sec, "chdir") : "/");
	s->nenv = cfg_size(sec, "environment");
	s->env = xcalloc(s->nenv + 1, sizeof *s->env);
	for (i = 0; i < s->nenv; i++)
		s->env[i] = xstrdup(cfg_getnstr(sec, "environment", i));
	s->nallow = cfg_size(sec, "allow");
	s->allow = xcalloc(s->nallow, sizeof *s->allow);
	for (i = 0; i < s->nallow; i++)
		cidr_parse(cfg_getnstr(sec, "allow", i), &s->allow[i], &cause);
	s->ndeny = cfg_size(sec, "deny");
	s->deny = xcalloc(s->ndeny, sizeof *s->deny);
	for (i = 0; i < s->ndeny; i++)
		cidr_parse(cfg_getnstr(sec, "deny", i), &s->deny[i], &cause);

	/* The program must exist now: a typo should fail -t, not a client. */
	line = line_of(name, "command", 0);
	if (ld.prog_ok != NULL && strcmp(ld.prog_ok, s->argv[0]) == 0)
		;	/* checked for the service before */
	else if (stat(s->argv[0], &st) == -1) {
		conf_error(line, "service %s: command: program '%s': %s", name,
		    s->argv[0], strerror(errno));
		bad = 1;
	} else if (!S_ISREG(st.st_mode) || access(s->argv[0], X_OK) == -1) {
		conf_error(line, "service %s: command: program '%s' is not an "
		    "executable file", name, s->argv[0]);
		bad = 1;
	} else {
		free(ld.prog_ok);
		ld.prog_ok = xstrdup(s->argv[0]);
	}

	if (s->accept) {
		for (i = 0; i < s->nlisten; i++)
			if (s->listen[i].socktype != SOCK_STREAM) {
				conf_error(line_of(name, "listen", i),
				    "service %s: accept = yes needs a stream "
				    "socket, not '%s' (use accept = no for "
				    "udp)", name, s->listen[i].spec);
				bad = 1;
			}
		if (is_set(name, "type") && s->type != TYPE_SIMPLE) {
			conf_error(line_of(name, "type", 0), "service %s: "
			    "accept = yes runs one instance per connection: "
			    "only type = simple applies", name);
			bad = 1;
		}
		s->type = TYPE_SIMPLE;
		if (s->handoff == HANDOFF_BIND) {
			conf_error(line_of(name, "handoff", 0), "service %s: "
			    "handoff = bind needs accept = no: with accept = "
			    "yes activator accepts every connection itself",
			    name);
			bad = 1;
		} else if ((is_set(name, "handoff") &&
		    s->handoff != HANDOFF_PROXY) || is_set(name, "pidfile")) {
			conf_error(line_of(name, is_set(name, "handoff") ?
			    "handoff" : "pidfile", 0), "service %s: %s has no "
			    "meaning with accept = yes", name,
			    is_set(name, "handoff") ? "handoff" : "pidfile");
			bad = 1;
		}
	} else {
		static const char *only_accept[] = { "max-instances",
		    "max-per-source", "allow", "deny", "log-connections" };
		/* handoff = proxy: max-instances bounds the relays. */
		for (i = s->handoff == HANDOFF_PROXY ? 1 : 0; i < 5; i++)
			if (is_set(name, only_accept[i])) {
				conf_error(line_of(name, only_accept[i], 0),
				    "service %s: %s needs accept = yes", name,
				    only_accept[i]);
				bad = 1;
			}
		if (s->handoff == HANDOFF_STDIO && s->type == TYPE_DAEMON) {
			conf_error(line_of(name, "handoff", 0), "service %s: "
			    "handoff = stdio needs type = simple or notify: a "
			    "daemon that backgrounds itself points fds 0-2 at "
			    "/dev/null and loses its socket", name);
			bad = 1;
		}
		if (s->handoff == HANDOFF_STDIO && s->nlisten > 1) {
			conf_error(line_of(name, "handoff", 0), "service %s: "
			    "handoff = stdio passes one socket: give exactly "
			    "one listen address", name);
			bad = 1;
		}
		if (s->pidfile != NULL && s->type != TYPE_DAEMON) {
			conf_error(line_of(name, "pidfile", 0), "service %s: "
			    "pidfile needs type = daemon", name);
			bad = 1;
		}
	}
	if (s->handoff == HANDOFF_BIND && !bindtrap_supported(&why)) {
		conf_error(line_of(name, "handoff", 0), "service %s: handoff = "
		    "bind is not possible here: %s (handoff = proxy serves a "
		    "daemon that binds its own port without it)", name, why);
		bad = 1;
	}
	if (conf_check_proxy(sec, s) == -1)
		bad = 1;
	if (conf_check_idle(sec, s) == -1)
		bad = 1;
	if (is_set(name, "socket-mode")) {
		line = line_of(name, "socket-mode", 0);
		if (has_abstract && !has_path) {
			conf_error(line, "service %s: socket-mode has no effect "
			    "on abstract sockets (anyone may connect)", name);
			bad = 1;
		} else if (!has_path) {
			conf_error(line, "service %s: socket-mode needs a "
			    "unix:/path listen address", name);
			bad = 1;
		}
	}
	if ((s->user != NULL || s->group != NULL) && geteuid() != 0) {
		conf_error(line_of(name, s->user != NULL ? "user" : "group", 0),
		    "service %s: cannot change user or group when not running "
		    "as root", name);
		bad = 1;
	}
	if (conf_resolve_user(s, line_of(name, "user", 0)) == -1)
		bad = 1;
	if (s->pidfile != NULL)
		warn_open_dir(s->pidfile, "pidfile", line_of(name, "pidfile", 0));
	free(cause);
	return bad ? -1 : 0;
}

/* One listen address of one service, for finding conflicts. */
struct listen_ref {
	const struct addr *a;
	size_t		 svc;		/* index in conf->services */
	size_t		 idx;		/* index in its listen */
};

/* Config order. */
static int
ref_order(const struct listen_ref *x, const struct listen_ref *y)
{
	if (x->svc != y->svc)
		return x->svc < y->svc ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/*
 * Order in which addresses that may conflict are adjacent: family, type,
 * then the port (inet) or the path (unix); config order breaks ties.
 */
static int
listen_ref_cmp(const void *pa, const void *pb)
{
	const struct listen_ref *x = pa, *y = pb;
	const struct addr *a = x->a, *b = y->a;
	int	 c;

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	if (a->socktype != b->socktype)
		return a->socktype < b->socktype ? -1 : 1;
	if (a->family == AF_UNIX) {
		if (a->abstract != b->abstract)
			return a->abstract < b->abstract ? -1 : 1;
		if ((c = strcmp(a->path, b->path)) != 0)
			return c;
	} else if (addr_port(a) != addr_port(b))
		return addr_port(a) < addr_port(b) ? -1 : 1;
	return ref_order(x, y);
}

/* Same family, type and port or path: the only ones that may conflict. */
static int
listen_ref_near(const struct listen_ref *x, const struct listen_ref *y)
{
	struct listen_ref a = *x, b = *y;

	a.svc = b.svc = a.idx = b.idx = 0;
	return listen_ref_cmp(&a, &b) == 0;
}

/* A conflicting pair: the later address first, as messages name them. */
struct conflict {
	struct listen_ref later, earlier;
};

static int
conflict_cmp(const void *pa, const void *pb)
{
	const struct conflict *x = pa, *y = pb;
	int	 c;

	if ((c = ref_order(&x->later, &y->later)) != 0)
		return c;
	return ref_order(&x->earlier, &y->earlier);
}

/*
 * Two addresses that would collide, in one service or across services.
 * Sorted, only neighbours of the same family, type and port (or path) are
 * compared: O(n log n) in the addresses rather than every pair. The
 * messages come out in config order, the later address of each pair
 * named first, as a pairwise scan would give them.
 */
static int
conf_check_conflicts(struct config *conf)
{
	struct listen_ref *refs;
	struct conflict *found = NULL;
	size_t	 i, j, k, n = 0, nfound = 0, capfound = 0;

	for (i = 0; i < conf->nservices; i++)
		n += conf->services[i].nlisten;
	refs = xcalloc(n, sizeof *refs);
	n = 0;
	for (i = 0; i < conf->nservices; i++)
		for (k = 0; k < conf->services[i].nlisten; k++)
			refs[n++] = (struct listen_ref){
			    &conf->services[i].listen[k], i, k };
	if (n > 1)
		qsort(refs, n, sizeof *refs, listen_ref_cmp);
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && listen_ref_near(&refs[i], &refs[j]);
		    j++)
			;
		/* refs[i..j) are in config order: later ones conflict back. */
		for (k = i + 1; k < j; k++) {
			size_t	 e;
			for (e = i; e < k; e++) {
				if (!addr_conflict(refs[k].a, refs[e].a))
					continue;
				if (nfound == capfound) {
					capfound = capfound < 16 ? 16 :
					    capfound * 2;
					found = xreallocarray(found, capfound,
					    sizeof *found);
				}
				found[nfound++] = (struct conflict){ refs[k],
				    refs[e] };
			}
		}
	}
	if (nfound > 1)
		qsort(found, nfound, sizeof *found, conflict_cmp);
	for (i = 0; i < nfound; i++) {
		const struct service_conf *a =
		    &conf->services[found[i].later.svc];
		const struct service_conf *b =
		    &conf->services[found[i].earlier.svc];
		conf_error(line_of(a->name, "listen",
		    (unsigned)found[i].later.idx), "service %s: listen: "
		    "'%s' conflicts with '%s' of service %s", a->name,
		    found[i].later.a->spec, found[i].earlier.a->spec, b->name);
	}
	free(refs);
	free(found);
	return nfound > 0 ? -1 : 0;
}

/* ---- packing: one allocation per service ---- */

/*
 * Lays strings and arrays out in one block: run once with base NULL to
 * measure (nothing is written, every pointer comes back NULL), then on a
 * block of the measured size to copy.
 */
struct packer {
	char	*base;
	size_t	 off;
};

static void *
pk_take(struct packer *p, size_t size, size_t align)
{
	void	*r;

	p->off = (p->off + align - 1) / align * align;
	r = p->base != NULL ? p->base + p->off : NULL;
	p->off += size;
	return r;
}

static char *
pk_str(struct packer *p, const char *s)
{
	size_t	 n;
	char	*d;

	if (s == NULL)
		return NULL;
	n = strlen(s) + 1;
	if ((d = pk_take(p, n, 1)) != NULL)
		memcpy(d, s, n);
	return d;
}

/* A copy of N elements of SIZE bytes; NULL when there are none. */
static void *
pk_array(struct packer *p, const void *src, size_t n, size_t size)
{
	void	*d;

	if (src == NULL || n == 0)
		return NULL;
	if ((d = pk_take(p, n * size, _Alignof(max_align_t))) != NULL)
		memcpy(d, src, n * size);
	return d;
}

/*
 * A NULL-terminated string vector (argv, env); NULL stays NULL. An element
 * equal to SAME is not copied again but points at SAME_COPY: the usual
 * command is one word, its own argv[0].
 */
static char **
pk_strv(struct packer *p, char **v, const char *same, char *same_copy)
{
	size_t	 i, n;
	char	**d;

	if (v == NULL)
		return NULL;
	for (n = 0; v[n] != NULL; n++)
		;
	d = pk_take(p, (n + 1) * sizeof *d, _Alignof(char *));
	for (i = 0; i < n; i++) {
		char *str = same != NULL && strcmp(v[i], same) == 0 ?
		    same_copy : pk_str(p, v[i]);
		if (d != NULL)
			d[i] = str;
	}
	if (d != NULL)
		d[n] = NULL;
	return d;
}

/* DST (in the block) gets SRC's spec and, for unix, its sockaddr. */
static void
pk_addr(struct packer *p, struct addr *dst, const struct addr *src)
{
	struct addr a = *src;

	a.spec = pk_str(p, src->spec);
	if (src->family == AF_UNIX && src->u.sun != NULL) {
		size_t	 off = (size_t)(src->path - (const char *)src->u.sun);
		size_t	 len = off + strlen(src->path) + 1;
		char	*d = pk_take(p, len, _Alignof(struct sockaddr_un));

		if (d != NULL)
			memcpy(d, src->u.sun, len);
		a.u.sun = (struct sockaddr_un *)(void *)d;
		a.path = d != NULL ? d + off : NULL;
	}
	if (dst != NULL)
		*dst = a;
}

/* Every owned field of S, laid out by P; D gets the new pointers. */
static void
pk_service(struct packer *p, struct service_conf *d,
    const struct service_conf *s)
{
	size_t	 i;

	*d = *s;
	d->name = pk_str(p, s->name);
	d->listen = pk_take(p, s->nlisten * sizeof *d->listen,
	    _Alignof(struct addr));
	for (i = 0; i < s->nlisten; i++)
		pk_addr(p, d->listen != NULL ? &d->listen[i] : NULL,
		    &s->listen[i]);
	if (s->nlisten == 0)
		d->listen = NULL;
	d->proxy_to = NULL;
	if (s->proxy_to != NULL) {
		d->proxy_to = pk_take(p, sizeof *d->proxy_to,
		    _Alignof(struct addr));
		pk_addr(p, d->proxy_to, s->proxy_to);
	}
	d->command = pk_str(p, s->command);
	d->argv = pk_strv(p, s->argv, s->command, d->command);
	d->pidfile = pk_str(p, s->pidfile);
	d->user = pk_str(p, s->user);
	d->group = pk_str(p, s->group);
	d->groups = pk_array(p, s->groups, (size_t)(s->ngroups > 0 ?
	    s->ngroups : 0), sizeof *s->groups);
	d->home = pk_str(p, s->home);
	d->shell = pk_str(p, s->shell);
	d->chdir = pk_str(p, s->chdir);
	d->env = pk_strv(p, s->env, NULL, NULL);
	d->allow = pk_array(p, s->allow, s->nallow, sizeof *s->allow);
	d->deny = pk_array(p, s->deny, s->ndeny, sizeof *s->deny);
}

/*
 * Copy a built service's strings and arrays into one allocation and free
 * the pieces. With a thousand services the pieces' own headers and
 * rounding, and empty arrays allocated anyway, were a third of the heap.
 */
static void
conf_pack(struct service_conf *s)
{
	struct packer p = { NULL, 0 };
	struct service_conf packed;

	if (s->pack != NULL)
		return;
	pk_service(&p, &packed, s);
	p.base = xcalloc(1, p.off);
	p.off = 0;
	pk_service(&p, &packed, s);
	service_conf_clear_fields(s);
	*s = packed;
	s->pack = p.base;
}

static struct config *
conf_build(cfg_t *cfg)
{
	struct config *conf = xcalloc(1, sizeof *conf);
	const char *sock;
	size_t	 i;
	int	 bad = 0;

	conf->path = xstrdup(ld.path);
	sock = cfg_getstr(cfg, "status-socket");
	conf->status_socket = xstrdup(sock != NULL ? sock : ACTIVATOR_SOCKET);
	if (sock != NULL)
		warn_open_dir(sock, "status-socket",
		    line_of(NULL, "status-socket", 0));
	conf->status_mode = (mode_t)cfg_getint(cfg, "status-mode");
	if (conf->status_mode & 0006)
		conf_warning(line_of(NULL, "status-mode", 0), "status-mode "
		    "%04o lets every local user read service status",
		    (unsigned)conf->status_mode);
	conf->log_level = (int)cfg_getint(cfg, "log-level");
	conf->backlog = (int)cfg_getint(cfg, "backlog");
	conf->nservices = cfg_size(cfg, "service");
	conf->services = xcalloc(conf->nservices, sizeof *conf->services);
	for (i = 0; i < conf->nservices; i++) {
		if (conf_build_service(cfg_getnsec(cfg, "service", (unsigned)i),
		    &conf->services[i]) == -1)
			bad = 1;
		conf_pack(&conf->services[i]);
	}
	if (!bad && conf_check_conflicts(conf) == -1)
		bad = 1;
	if (conf->nservices == 0)
		conf_warning(0, "no services configured");
	if (bad) {
		conf_free(conf);
		return NULL;
	}
	return conf;
}

static void
ld_reset(void)
{
	size_t	i;

	for (i = 0; i < ld.nlines; i++)
		free(ld.lines[i].svc);
	free(ld.lines);
	free(ld.prog_ok);
	memset(&ld, 0, sizeof ld);
}

static void
ld_finish(char **errors, char **warnings)
{
	if (errors != NULL)
		*errors = ld.errors;
	else
		free(ld.errors);
	if (warnings != NULL)
		*warnings = ld.warnings;
	else
		free(ld.warnings);
	ld.errors = ld.warnings = NULL;
	ld_reset();
}

/* Parse a buffer named NAME in messages; see conf_load(). */
struct config *
conf_load_buf(const char *buf, size_t len, const char *name, char **errors,
    char **warnings)
{
	struct config *conf = NULL;
	cfg_t	*cfg;
	char	*copy;
	int	 unclosed;

	ld_reset();
	ld.path = name;
	copy = xmalloc(len + 1);
	memcpy(copy, buf, len);
	if (conf_preprocess(copy, &len, &unclosed) == -1)
		goto out;
	/* libconfuse fails without a word when it runs out of memory. */
	errno = 0;
	if ((cfg = cfg_init(global_opts, CFGF_NONE)) == NULL) {
		conf_error(0, "cannot parse: %s", strerror(errno != 0 ? errno :
		    ENOMEM));
		goto out;
	}
	cfg_set_error_function(cfg, conf_errfunc);
	cfg_set_validate_func(cfg, "service", conf_validate_service);
	if (cfg_parse_buf(cfg, copy) == CFG_SUCCESS) {
		if (unclosed > 0)
			conf_error(unclosed, "unexpected end of file: '{' "
			    "opened here is never closed");
		else
			conf = conf_build(cfg);
	} else if (ld.nerrors == 0 && errno == ENOMEM)
		conf_error(0, "cannot parse: %s", strerror(errno));
	else if (ld.nerrors == 0)
		conf_error(0, "syntax error");
	cfg_free(cfg);
out:
	free(copy);
	ld_finish(errors, warnings);
	return conf;
}

/* Read and check PATH as root would trust it, then parse it. */
struct config *
conf_load(const char *path, char **errors, char **warnings)
{
	struct config *conf;
	struct stat st;
	char	*buf = NULL;
	ssize_t	 n;
	size_t	 len = 0;
	int	 fd;

	ld_reset();
	ld.path = path;
	/* O_NONBLOCK: a FIFO given as the config must not hang us. */
	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)) ==
	    -1) {
		conf_error(0, "%s", strerror(errno));
		goto fail;
	}
	if (fstat(fd, &st) == -1) {
		conf_error(0, "%s", strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		conf_error(0, "not a regular file");
		goto fail;
	}
	if (geteuid() == 0 && (st.st_uid != 0 || (st.st_mode & 0022))) {
		conf_error(0, "refusing a config file that is not owned by "
		    "root or that group or others may write");
		goto fail;
	}
	if (st.st_size > CONF_MAX_FILE_SIZE) {
		conf_error(0, "file too large (max %d bytes)",
		    CONF_MAX_FILE_SIZE);
		goto fail;
	}
	buf = xmalloc((size_t)st.st_size + 1);
	while (len < (size_t)st.st_size + 1) {
		n = read(fd, buf + len, (size_t)st.st_size + 1 - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			conf_error(0, "%s", strerror(errno));
			goto fail;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > (size_t)st.st_size) {
		conf_error(0, "file changed while being read");
		goto fail;
	}
	close(fd);
	conf = conf_load_buf(buf, len, path, errors, warnings);
	free(buf);
	return conf;
fail:
	if (fd != -1)
		close(fd);
	free(buf);
	ld_finish(errors, warnings);
	return NULL;
}

/* Free a service's fields one by one: while it is built, before packing. */
static void
service_conf_clear_fields(struct service_conf *s)
{
	size_t	i;

	free(s->name);
	for (i = 0; i < s->nlisten; i++)
		addr_clear(&s->listen[i]);
	free(s->listen);
	if (s->proxy_to != NULL)
		addr_clear(s->proxy_to);
	free(s->proxy_to);
	free(s->command);
	argv_free(s->argv);
	free(s->pidfile);
	free(s->user);
	free(s->group);
	free(s->groups);
	free(s->home);
	free(s->shell);
	free(s->chdir);
	argv_free(s->env);
	free(s->allow);
	free(s->deny);
}

static void
service_conf_clear(struct service_conf *s)
{
	if (s->pack != NULL)
		free(s->pack);
	else
		service_conf_clear_fields(s);
	memset(s, 0, sizeof *s);
}

void
conf_free(struct config *conf)
{
	size_t	i;

	if (conf == NULL)
		return;
	for (i = 0; i < conf->nservices; i++)
		service_conf_clear(&conf->services[i]);
	free(conf->services);
	free(conf->path);
	free(conf->status_socket);
	free(conf);
}

const struct service_conf *
conf_find(const struct config *conf, const char *name)
{
	size_t	i;

	for (i = 0; i < conf->nservices; i++)
		if (strcmp(conf->services[i].name, name) == 0)
			return &conf->services[i];
	return NULL;
}

static int
str_eq(const char *a, const char *b)
{
	return (a == NULL && b == NULL) ||
	    (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* Same listen addresses in the same order. */
int
conf_listen_equal(const struct service_conf *a, const struct service_conf *b)
{
	size_t	i;

	if (a->nlisten != b->nlisten)
		return 0;
	for (i = 0; i < a->nlisten; i++)
		if (strcmp(a->listen[i].spec, b->listen[i].spec) != 0)
			return 0;
	return 1;
}

/* Everything a running service was started with is the same. */
int
conf_service_equal(const struct service_conf *a, const struct service_conf *b)
{
	size_t	i;

	if (!conf_listen_equal(a, b) || strcmp(a->command, b->command) != 0 ||
	    a->accept != b->accept || a->type != b->type ||
	    !str_eq(a->pidfile, b->pidfile) || a->handoff != b->handoff ||
	    !str_eq(a->proxy_to != NULL ? a->proxy_to->spec : NULL,
	    b->proxy_to != NULL ? b->proxy_to->spec : NULL) ||
	    !str_eq(a->user, b->user) || !str_eq(a->group, b->group) ||
	    a->uid != b->uid || a->gid != b->gid ||
	    strcmp(a->chdir, b->chdir) != 0 || a->nenv != b->nenv ||
	    a->restart != b->restart || a->start_timeout != b->start_timeout ||
	    a->stop_timeout != b->stop_timeout ||
	    a->start_limit_burst != b->start_limit_burst ||
	    a->start_limit_interval != b->start_limit_interval ||
	    a->max_instances != b->max_instances ||
	    a->max_per_source != b->max_per_source ||
	    a->nallow != b->nallow || a->ndeny != b->ndeny ||
	    a->socket_mode != b->socket_mode ||
	    a->log_connections != b->log_connections ||
	    a->output_lines != b->output_lines ||
	    a->idle_timeout != b->idle_timeout)
		return 0;
	for (i = 0; i < a->nenv; i++)
		if (strcmp(a->env[i], b->env[i]) != 0)
			return 0;
	if ((a->nallow > 0 && memcmp(a->allow, b->allow,
	    a->nallow * sizeof *a->allow) != 0) || (a->ndeny > 0 &&
	    memcmp(a->deny, b->deny, a->ndeny * sizeof *a->deny) != 0))
		return 0;
	return 1;
}

const char *
conf_type_name(enum service_type t)
{
	switch (t) {
	case TYPE_SIMPLE:
		return "simple";
	case TYPE_NOTIFY:
		return "notify";
	default:
		return "daemon";
	}
}

const char *
conf_restart_name(enum restart_policy r)
{
	switch (r) {
	case RESTART_ALWAYS:
		return "always";
	case RESTART_ON_FAILURE:
		return "on-failure";
	default:
		return "on-demand";
	}
}
