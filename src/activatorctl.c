/* SPDX-License-Identifier: ISC */
/*
 * activatorctl.c -- the status socket's client: send one request line,
 * wait a bounded time for one JSON reply line, print it for a human or
 * as is. Exit 0 ok, 1 the server said no, 2 usage or no usable answer.
 * watch is the exception: a stream of lines, printed as they come.
 *
 * A list of a thousand services is a few hundred kilobytes: -j passes it
 * through untouched, and the tables read it with a small scanner that
 * checks the whole text once and decodes only the fields they print.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The same default as activator's: $(runstatedir)/activator.sock. */
#ifndef ACTIVATOR_SOCKET
#error "ACTIVATOR_SOCKET is defined by src/Makefile.am"
#endif

#define CTL_TIMEOUT_MS		10000	/* for connect, send and reply */
#define CTL_REPLY_MAX		(64 * 1024 * 1024)
#define CTL_RECV_SIZE		(256 * 1024)
#define JSON_DEPTH_MAX		64
#define CTL_WATCH_LINE_MAX	(1024 * 1024)	/* one event, generously */

enum ctl_arg {
	ARG_NONE,
	ARG_OPTIONAL,
	ARG_REQUIRED,
};

static const struct command {
	const char	*name;
	enum ctl_arg	 arg;
} commands[] = {
	{ "list", ARG_NONE },
	{ "status", ARG_OPTIONAL },
	{ "start", ARG_REQUIRED },
	{ "stop", ARG_REQUIRED },
	{ "restart", ARG_REQUIRED },
	{ "reload", ARG_NONE },
	{ "ping", ARG_NONE },
	{ "version", ARG_NONE },
	{ "metrics", ARG_NONE },
	{ "logs", ARG_REQUIRED },
	{ "watch", ARG_OPTIONAL },
};

static const char	*socket_path = ACTIVATOR_SOCKET;
static long long	 deadline;	/* CLOCK_MONOTONIC ms */

static void
usage(FILE *f)
{
	fprintf(f, "usage: activatorctl [-hjV] [-s socket] command [name]\n"
	    "commands: list | status [name] | start name | stop name |\n"
	    "          restart name | reload | ping | version | logs name |\n"
	    "          watch [name] | metrics\n"
	    "  -j  print the server's JSON reply as is\n"
	    "  -s  status socket (default " ACTIVATOR_SOCKET ")\n");
}

static void __attribute__((noreturn, format(printf, 1, 2)))
usage_error(const char *fmt, ...)
{
	va_list	ap;

	fputs("activatorctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	usage(stderr);
	exit(2);
}

static void __attribute__((noreturn, format(printf, 2, 3)))
die(int code, const char *fmt, ...)
{
	va_list	ap;

	fputs("activatorctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(code);
}

static void *
xrealloc(void *p, size_t n, size_t size)
{
	void	*q;

	if ((q = reallocarray(p, n, size)) == NULL)
		die(2, "out of memory");
	return q;
}

/* A malloc'd string from a format. */
static char * __attribute__((format(printf, 1, 2)))
aprintf(const char *fmt, ...)
{
	va_list	 ap;
	char	*s;
	int	 n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n == -1)
		die(2, "out of memory");
	return s;
}

static long long
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait for EVENTS on FD until the deadline; 0 ready, -1 timed out. */
static int
wait_fd(int fd, short events)
{
	struct pollfd	pfd = { .fd = fd, .events = events };
	long long	left;
	int		n;

	for (;;) {
		if ((left = deadline - now_ms()) <= 0)
			return -1;
		n = poll(&pfd, 1, (int)left);
		if (n > 0)
			return 0;
		if (n == -1 && errno != EINTR)
			return 0;	/* let the read or write report it */
	}
}

static int
ctl_connect(void)
{
	struct sockaddr_un sun;
	struct timeval	 tv = { CTL_TIMEOUT_MS / 1000, 0 };
	int		 fd;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (strlen(socket_path) >= sizeof sun.sun_path)
		die(2, "cannot connect to %s: %s", socket_path,
		    strerror(ENAMETOOLONG));
	memcpy(sun.sun_path, socket_path, strlen(socket_path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		die(2, "socket: %s", strerror(errno));
	/* A UNIX connect to a full backlog waits; SO_SNDTIMEO bounds it. */
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	if (connect(fd, (struct sockaddr *)&sun, sizeof sun) == -1)
		die(2, "cannot connect to %s: %s", socket_path,
		    strerror(errno == EAGAIN ? ETIMEDOUT : errno));
	return fd;
}

static void
ctl_send(int fd, const char *req, size_t len)
{
	ssize_t	n;

	while (len > 0) {
		if (wait_fd(fd, POLLOUT) == -1)
			die(2, "no reply from %s", socket_path);
		/* MSG_NOSIGNAL: a server gone away is an error, not death. */
		n = send(fd, req, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n == -1) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			die(2, "cannot send to %s: %s", socket_path,
			    strerror(errno));
		}
		req += n;
		len -= (size_t)n;
	}
}

/* Read one reply line; return it without the LF, NUL-terminated. */
static char *
ctl_receive(int fd, size_t *lenp)
{
	char	*buf = NULL, *nl;
	size_t	 len = 0, size = 0;
	ssize_t	 n;

	for (;;) {
		if (size - len < CTL_RECV_SIZE / 2) {
			size = size == 0 ? CTL_RECV_SIZE : size * 2;
			if (size > CTL_REPLY_MAX)
				die(2, "invalid reply from %s: too long",
				    socket_path);
			buf = xrealloc(buf, size, 1);
		}
		if (wait_fd(fd, POLLIN) == -1)
			die(2, "no reply from %s", socket_path);
		n = recv(fd, buf + len, size - len - 1, MSG_DONTWAIT);
		if (n == -1) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			die(2, "no reply from %s: %s", socket_path,
			    strerror(errno));
		}
		if (n == 0)
			die(2, len == 0 ? "no reply from %s: connection "
			    "closed" : "invalid reply from %s: no end of "
			    "line", socket_path);
		nl = memchr(buf + len, '\n', (size_t)n);
		len += (size_t)n;
		if (nl != NULL) {
			*nl = '\0';
			*lenp = (size_t)(nl - buf);
			return buf;
		}
	}
}

/*
 * The JSON scanner. A value is the span of its text in the reply; the
 * whole reply is checked once (json_check), after which the spans are
 * walked again only for the members that are printed.
 */
struct jval {
	const char	*p;		/* first byte; NULL: missing */
	const char	*end;		/* one past the last */
};

static const char *
json_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' ||
	    *p == '\r'))
		p++;
	return p;
}

static int
json_hex4(const char *p, const char *end, unsigned *v)
{
	int	 i;

	*v = 0;
	if (end - p < 4)
		return -1;
	for (i = 0; i < 4; i++) {
		*v <<= 4;
		if (p[i] >= '0' && p[i] <= '9')
			*v |= (unsigned)(p[i] - '0');
		else if (p[i] >= 'a' && p[i] <= 'f')
			*v |= (unsigned)(p[i] - 'a' + 10);
		else if (p[i] >= 'A' && p[i] <= 'F')
			*v |= (unsigned)(p[i] - 'A' + 10);
		else
			return -1;
	}
	return 0;
}

/*
 * The code point of the escape at P (after the backslash and 'u'); a
 * surrogate pair is two escapes. Advances *PP; -1 if invalid or U+0000.
 */
static long
json_unicode(const char **pp, const char *end)
{
	const char	*p = *pp;
	unsigned	 hi, lo;

	if (json_hex4(p, end, &hi) == -1 || hi == 0)
		return -1;
	p += 4;
	if (hi >= 0xdc00 && hi <= 0xdfff)
		return -1;
	if (hi >= 0xd800 && hi <= 0xdbff) {
		if (end - p < 6 || p[0] != '\\' || p[1] != 'u' ||
		    json_hex4(p + 2, end, &lo) == -1 ||
		    lo < 0xdc00 || lo > 0xdfff)
			return -1;
		p += 6;
		hi = 0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00);
	}
	*pp = p;
	return (long)hi;
}

/* Past the string at P (at its opening quote); NULL if malformed. */
static const char *
json_skip_string(const char *p, const char *end)
{
	for (p++; p < end; p++) {
		if (*p == '"')
			return p + 1;
		if ((unsigned char)*p < 0x20)
			return NULL;
		if (*p != '\\')
			continue;
		if (++p == end)
			return NULL;
		if (*p == 'u') {
			p++;
			if (json_unicode(&p, end) == -1)
				return NULL;
			p--;
		} else if (strchr("\"\\/bfnrt", *p) == NULL || *p == '\0')
			return NULL;
	}
	return NULL;
}

static const char *
json_skip_digits(const char *p, const char *end)
{
	const char	*start = p;

	while (p < end && *p >= '0' && *p <= '9')
		p++;
	return p == start ? NULL : p;
}

static const char *
json_skip_number(const char *p, const char *end)
{
	if (p < end && *p == '-')
		p++;
	if (p < end && *p == '0')
		p++;
	else if ((p = json_skip_digits(p, end)) == NULL)
		return NULL;
	if (p < end && *p == '.' &&
	    (p = json_skip_digits(p + 1, end)) == NULL)
		return NULL;
	if (p < end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		if ((p = json_skip_digits(p, end)) == NULL)
			return NULL;
	}
	return p;
}

/* Past the value at P (no blanks before it); NULL if malformed. */
static const char *
json_skip(const char *p, const char *end, int depth)
{
	char	 close;

	if (p == end)
		return NULL;
	switch (*p) {
	case '"':
		return json_skip_string(p, end);
	case 't':
		return end - p >= 4 && memcmp(p, "true", 4) == 0 ? p + 4 :
		    NULL;
	case 'f':
		return end - p >= 5 && memcmp(p, "false", 5) == 0 ? p + 5 :
		    NULL;
	case 'n':
		return end - p >= 4 && memcmp(p, "null", 4) == 0 ? p + 4 :
		    NULL;
	case '{':
	case '[':
		if (depth >= JSON_DEPTH_MAX)
			return NULL;
		close = *p == '{' ? '}' : ']';
		p = json_ws(p + 1, end);
		if (p < end && *p == close)
			return p + 1;
		for (;;) {
			if (close == '}') {
				if (p == end || *p != '"' ||
				    (p = json_skip_string(p, end)) == NULL)
					return NULL;
				p = json_ws(p, end);
				if (p == end || *p++ != ':')
					return NULL;
				p = json_ws(p, end);
			}
			if ((p = json_skip(p, end, depth + 1)) == NULL)
				return NULL;
			p = json_ws(p, end);
			if (p == end)
				return NULL;
			if (*p == close)
				return p + 1;
			if (*p++ != ',')
				return NULL;
			p = json_ws(p, end);
		}
	default:
		return json_skip_number(p, end);
	}
}

/* Is the whole text one well-formed JSON object? */
static int
json_check(const char *p, size_t len, struct jval *top)
{
	const char	*end = p + len;

	p = json_ws(p, end);
	top->p = p;
	if (p == end || *p != '{' || (p = json_skip(p, end, 0)) == NULL)
		return 0;
	top->end = p;
	return json_ws(p, end) == end;
}

/*
 * Each member of the checked object OBJ whose key is one of KEYS (plain
 * ASCII, compared unescaped) into VALS, the first one wins; the others
 * are missing.
 */
static void
json_members(struct jval obj, const char *const *keys, size_t nkeys,
    struct jval *vals)
{
	const char	*p, *key, *end = obj.end;
	size_t		 i, klen;

	for (i = 0; i < nkeys; i++)
		vals[i].p = vals[i].end = NULL;
	if (obj.p == NULL || *obj.p != '{')
		return;
	p = json_ws(obj.p + 1, end);
	while (p < end && *p == '"') {
		key = p + 1;
		p = json_skip_string(p, end);
		klen = (size_t)(p - 1 - key);
		p = json_ws(p, end) + 1;	/* the colon */
		p = json_ws(p, end);
		for (i = 0; i < nkeys; i++)
			if (vals[i].p == NULL && strlen(keys[i]) == klen &&
			    memcmp(keys[i], key, klen) == 0)
				break;
		if (i < nkeys)
			vals[i].p = p;
		p = json_skip(p, end, 0);
		if (i < nkeys)
			vals[i].end = p;
		p = json_ws(p, end);
		if (p < end && *p == ',')
			p = json_ws(p + 1, end);
	}
}

/* The next element of checked array A after *IT (start with it.p NULL). */
static int
json_next(struct jval a, struct jval *it)
{
	const char	*p;

	if (a.p == NULL || *a.p != '[')
		return 0;
	p = json_ws(it->p == NULL ? a.p + 1 : it->end, a.end);
	if (it->p != NULL && p < a.end && *p == ',')
		p = json_ws(p + 1, a.end);
	if (p >= a.end || *p == ']')
		return 0;
	it->p = p;
	it->end = json_skip(p, a.end, 0);
	return 1;
}

static void
utf8_put(char **o, unsigned long cp)
{
	unsigned char	*q = (unsigned char *)*o;

	if (cp < 0x80)
		*q++ = (unsigned char)cp;
	else if (cp < 0x800) {
		*q++ = (unsigned char)(0xc0 | cp >> 6);
		*q++ = (unsigned char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		*q++ = (unsigned char)(0xe0 | cp >> 12);
		*q++ = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		*q++ = (unsigned char)(0x80 | (cp & 0x3f));
	} else {
		*q++ = (unsigned char)(0xf0 | cp >> 18);
		*q++ = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
		*q++ = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		*q++ = (unsigned char)(0x80 | (cp & 0x3f));
	}
	*o = (char *)q;
}

/* The checked string V decoded, malloc'd; NULL if V is no string. */
static char *
json_string(struct jval v)
{
	const char	*p;
	char		*out, *o;

	if (v.p == NULL || *v.p != '"')
		return NULL;
	/* An escape never decodes to more bytes than it takes. */
	o = out = xrealloc(NULL, (size_t)(v.end - v.p), 1);
	for (p = v.p + 1; p < v.end - 1; p++) {
		if (*p != '\\') {
			*o++ = *p;
			continue;
		}
		switch (*++p) {
		case 'b':
			*o++ = '\b';
			break;
		case 'f':
			*o++ = '\f';
			break;
		case 'n':
			*o++ = '\n';
			break;
		case 'r':
			*o++ = '\r';
			break;
		case 't':
			*o++ = '\t';
			break;
		case 'u':
			p++;
			utf8_put(&o, (unsigned long)json_unicode(&p, v.end));
			p--;
			break;
		default:
			*o++ = *p;
		}
	}
	*o = '\0';
	return out;
}

static int
json_is(struct jval v, const char *literal)
{
	size_t	n = strlen(literal);

	return v.p != NULL && (size_t)(v.end - v.p) == n &&
	    memcmp(v.p, literal, n) == 0;
}

static int
json_is_number(struct jval v)
{
	return v.p != NULL && (*v.p == '-' || (*v.p >= '0' && *v.p <= '9'));
}

/*
 * Print S for a terminal: control characters from the server as \xNN,
 * except line feeds if NL (a reload error lists one error per line).
 */
static void
put_safe(FILE *f, const char *s, int nl)
{
	const unsigned char *p;

	if (s == NULL)
		s = "-";
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if ((*p < 0x20 && !(nl && *p == '\n')) || *p == 0x7f)
			fprintf(f, "\\x%02x", *p);
		else
			putc(*p, f);
	}
}

/* Width of S as put_safe prints it (bytes, which suits ASCII names). */
static size_t
safe_width(const char *s)
{
	const unsigned char *p;
	size_t	 w = 0;

	if (s == NULL)
		return 1;
	for (p = (const unsigned char *)s; *p != '\0'; p++)
		w += *p < 0x20 || *p == 0x7f ? 4 : 1;
	return w;
}

static void
put_padded(const char *s, size_t width)
{
	size_t	w = safe_width(s);

	put_safe(stdout, s, 0);
	while (w++ < width)
		putchar(' ');
}

/* A JSON scalar as text: "-" for null or missing. malloc'd. */
static char *
scalar(struct jval v)
{
	char	*s;

	if ((s = json_string(v)) != NULL)
		return s;
	if (json_is_number(v)) {
		if (memchr(v.p, '.', (size_t)(v.end - v.p)) != NULL ||
		    memchr(v.p, 'e', (size_t)(v.end - v.p)) != NULL ||
		    memchr(v.p, 'E', (size_t)(v.end - v.p)) != NULL)
			return aprintf("%.3f", strtod(v.p, NULL));
		return aprintf("%.*s", (int)(v.end - v.p), v.p);
	}
	if (json_is(v, "true"))
		return aprintf("yes");
	if (json_is(v, "false"))
		return aprintf("no");
	return aprintf("-");
}

/* The elements of array V joined by SEP; "-" if empty or not an array. */
static char *
joined(struct jval v, const char *sep)
{
	struct jval	 it = { NULL, NULL };
	size_t		 len = 0;
	char		*out = NULL, *item;
	int		 first = 1;

	while (json_next(v, &it)) {
		item = scalar(it);
		out = xrealloc(out, len + strlen(sep) + strlen(item) + 1, 1);
		len += (size_t)sprintf(out + len, "%s%s", first ? "" : sep,
		    item);
		first = 0;
		free(item);
	}
	return out != NULL ? out : aprintf("-");
}

static char *
seconds(struct jval v, int decimals)
{
	if (!json_is_number(v))
		return aprintf("-");
	return aprintf("%.*fs", decimals, strtod(v.p, NULL));
}

/* {"code":N} as "code N", {"signal":"TERM"} as "signal TERM". */
static char *
last_exit(struct jval v)
{
	static const char *const keys[] = { "code", "signal" };
	struct jval	 m[2];
	char		*s, *val;
	int		 k;

	json_members(v, keys, 2, m);
	if (m[k = 0].p == NULL && m[k = 1].p == NULL)
		return aprintf("-");
	val = scalar(m[k]);
	s = aprintf("%s %s", keys[k], val);
	free(val);
	return s;
}

/* handoff = proxy's counters as "N live, N in all, N bytes in, N out". */
static char *
relayed(struct jval v)
{
	static const char *const keys[] = {
		"connections", "relayed", "bytes_in", "bytes_out"
	};
	struct jval	 m[4];
	char		*f[4], *s;
	int		 k;

	json_members(v, keys, 4, m);
	for (k = 0; k < 4; k++)
		f[k] = scalar(m[k]);
	s = aprintf("%s live, %s in all, %s bytes in, %s bytes out", f[0],
	    f[1], f[2], f[3]);
	for (k = 0; k < 4; k++)
		free(f[k]);
	return s;
}

/* list: NAME STATE PID ACTIVATIONS LISTEN, columns as wide as the data. */
static void
print_list(struct jval services)
{
	static const char *const head[] = {
		"NAME", "STATE", "PID", "ACTIVATIONS", "LISTEN"
	};
	static const char *const keys[] = {
		"name", "state", "main_pid", "activations", "listen"
	};
	enum { NCOL = sizeof head / sizeof head[0] };
	struct jval	 it = { NULL, NULL }, m[NCOL];
	char		*(*cell)[NCOL] = NULL;
	size_t		 width[NCOL], n, col, rows = 0, cap = 0;

	for (;;) {
		if (rows + 1 >= cap) {
			cap = cap == 0 ? 256 : cap * 2;
			cell = xrealloc(cell, cap, sizeof *cell);
		}
		if (rows == 0) {
			for (col = 0; col < NCOL; col++)
				cell[0][col] = aprintf("%s", head[col]);
		}
		if (!json_next(services, &it))
			break;
		rows++;
		json_members(it, keys, NCOL, m);
		for (col = 0; col < NCOL - 1; col++)
			cell[rows][col] = scalar(m[col]);
		cell[rows][NCOL - 1] = joined(m[NCOL - 1], ",");
	}
	memset(width, 0, sizeof width);
	for (n = 0; n <= rows; n++)
		for (col = 0; col < NCOL; col++)
			if (safe_width(cell[n][col]) > width[col])
				width[col] = safe_width(cell[n][col]);
	for (n = 0; n <= rows; n++) {
		for (col = 0; col < NCOL; col++) {
			if (col == NCOL - 1)
				put_safe(stdout, cell[n][col], 0);
			else {
				put_padded(cell[n][col], width[col]);
				fputs("  ", stdout);
			}
			free(cell[n][col]);
		}
		putchar('\n');
	}
	free(cell);
}

static void
print_field(const char *key, char *value)
{
	printf("  %s: ", key);
	put_safe(stdout, value, 0);
	putchar('\n');
	free(value);
}

/*
 * Kept output lines, one "Mon DD HH:MM:SS text" line each (local time,
 * as journalctl prints them), oldest first.
 */
static void
print_lines(struct jval lines)
{
	static const char *const keys[] = { "time", "text" };
	struct jval	 it = { NULL, NULL }, m[2];
	struct tm	 tm;
	time_t		 t;
	char		 when[32], *text;

	while (json_next(lines, &it)) {
		json_members(it, keys, 2, m);
		t = json_is_number(m[0]) ? (time_t)strtoll(m[0].p, NULL, 10) :
		    0;
		if (localtime_r(&t, &tm) == NULL ||
		    strftime(when, sizeof when, "%b %d %H:%M:%S", &tm) == 0)
			snprintf(when, sizeof when, "%lld", (long long)t);
		text = json_string(m[1]);
		printf("%s ", when);
		put_safe(stdout, text != NULL ? text : "", 0);
		putchar('\n');
		free(text);
	}
}

/* status: a "name:" line, then one indented "key: value" line per field. */
static void
print_status(struct jval services)
{
	enum { NAME, STATE, ACCEPT, TYPE, LISTEN, MAIN_PID, PIDS, ACTIVATIONS,
	    RESTARTS, INSTANCES, ACCEPTED, REFUSED, LAST_EXIT, SINCE,
	    READY_TIME, RESTART_PENDING, LAST_ERROR, CLAIMED, PROXY, LINES,
	    NKEYS };
	static const char *const keys[NKEYS] = {
		"name", "state", "accept", "type", "listen", "main_pid",
		"pids", "activations", "restarts", "instances", "accepted",
		"refused", "last_exit", "since", "ready_time",
		"restart_pending", "last_error", "claimed", "proxy", "lines"
	};
	struct jval	 it = { NULL, NULL }, m[NKEYS], line;
	char		*name;
	int		 first = 1;

	while (json_next(services, &it)) {
		if (!first)
			putchar('\n');
		first = 0;
		json_members(it, keys, NKEYS, m);
		name = json_string(m[NAME]);
		put_safe(stdout, name, 0);
		free(name);
		fputs(":\n", stdout);
		print_field("state", scalar(m[STATE]));
		print_field("accept", scalar(m[ACCEPT]));
		print_field("type", scalar(m[TYPE]));
		print_field("listen", joined(m[LISTEN], ", "));
		print_field("main pid", scalar(m[MAIN_PID]));
		print_field("pids", joined(m[PIDS], " "));
		print_field("activations", scalar(m[ACTIVATIONS]));
		print_field("restarts", scalar(m[RESTARTS]));
		print_field("instances", scalar(m[INSTANCES]));
		print_field("accepted", scalar(m[ACCEPTED]));
		print_field("refused", scalar(m[REFUSED]));
		print_field("last exit", last_exit(m[LAST_EXIT]));
		print_field("since", seconds(m[SINCE], 1));
		print_field("ready time", seconds(m[READY_TIME], 3));
		print_field("restart pending", scalar(m[RESTART_PENDING]));
		print_field("last error", scalar(m[LAST_ERROR]));
		/* Only for handoff = bind and handoff = proxy. */
		if (m[CLAIMED].p != NULL)
			print_field("claimed", joined(m[CLAIMED], ", "));
		if (m[PROXY].p != NULL)
			print_field("relayed", relayed(m[PROXY]));
		/* status NAME: its last output, below, as systemctl does. */
		line.p = line.end = NULL;
		if (json_next(m[LINES], &line)) {
			putchar('\n');
			print_lines(m[LINES]);
		}
	}
}

/*
 * metrics: the exposition text as is, for a file that node_exporter's
 * textfile collector reads. It is text activator wrote for a parser, not
 * for a terminal, so it goes out unfiltered.
 */
static void
print_metrics(struct jval top)
{
	static const char *const keys[] = { "metrics" };
	struct jval	 m[1];
	char		*text;

	json_members(top, keys, 1, m);
	if ((text = json_string(m[0])) == NULL)
		die(2, "invalid reply from %s: no metrics", socket_path);
	fputs(text, stdout);
	free(text);
}

/* "LABEL: a b c" for the elements of array V, if there are any. */
static void
print_names(const char *label, struct jval v)
{
	struct jval	 it = { NULL, NULL };
	char		*item;
	int		 first = 1;

	while (json_next(v, &it)) {
		fputs(first ? label : " ", stdout);
		if (first)
			fputs(": ", stdout);
		first = 0;
		item = scalar(it);
		put_safe(stdout, item, 0);
		free(item);
	}
	if (!first)
		putchar('\n');
}

/*
 * reload: what changed, a line per kind that is not empty:
 * "changed: c (restart needed) d", "sockets opened: tcp://...".
 */
static void
print_reload(struct jval top)
{
	enum { ADDED, REMOVED, CHANGED, UNCHANGED, SOCKETS, NKEYS };
	static const char *const keys[NKEYS] = {
		"added", "removed", "changed", "unchanged", "sockets"
	};
	static const char *const skeys[] = { "kept", "opened", "closed" };
	static const char *const change_keys[] = { "name", "restart_needed" };
	struct jval	 m[NKEYS], s[3], c[2], it = { NULL, NULL };
	char		*name;
	int		 first = 1;

	json_members(top, keys, NKEYS, m);
	print_names("added", m[ADDED]);
	print_names("removed", m[REMOVED]);
	while (json_next(m[CHANGED], &it)) {
		json_members(it, change_keys, 2, c);
		fputs(first ? "changed: " : " ", stdout);
		first = 0;
		name = json_string(c[0]);
		put_safe(stdout, name, 0);
		free(name);
		if (json_is(c[1], "true"))
			fputs(" (restart needed)", stdout);
	}
	if (!first)
		putchar('\n');
	print_names("unchanged", m[UNCHANGED]);
	json_members(m[SOCKETS], skeys, 3, s);
	print_names("sockets kept", s[0]);
	print_names("sockets opened", s[1]);
	print_names("sockets closed", s[2]);
}

/*
 * The first line of a watch stream is the answer: an error is reported
 * as for any command (exit 1). Every line is printed as is and flushed,
 * so a pipe sees each event as it happens.
 */
static int
watch_line(const char *line, size_t len, int first, int raw)
{
	static const char *const keys[] = { "ok", "error" };
	struct jval	 top, m[2];
	char		*s;

	if (first) {
		if (!json_check(line, len, &top))
			die(2, "invalid reply from %s", socket_path);
		json_members(top, keys, 2, m);
		if (json_is(m[0], "false")) {
			if (raw) {
				fwrite(line, 1, len, stdout);
				putchar('\n');
				return 1;
			}
			s = json_string(m[1]);
			fputs("activatorctl: ", stderr);
			put_safe(stderr, s != NULL ? s : "unknown error", 1);
			fputc('\n', stderr);
			free(s);
			return 1;
		}
		if (!json_is(m[0], "true"))
			die(2, "invalid reply from %s", socket_path);
	}
	fwrite(line, 1, len, stdout);
	putchar('\n');
	if (fflush(stdout) == EOF || ferror(stdout))
		die(1, "cannot write the output: %s", strerror(errno));
	return 0;
}

/*
 * watch [NAME]: the answer within the usual time, then events for as
 * long as the server sends them; 0 when it closes the stream.
 */
static int
ctl_watch(int fd, int raw)
{
	char	*buf, *nl;
	size_t	 len = 0, used;
	ssize_t	 n;
	int	 first = 1;

	buf = xrealloc(NULL, CTL_WATCH_LINE_MAX + 1, 1);
	for (;;) {
		while ((nl = memchr(buf, '\n', len)) != NULL) {
			used = (size_t)(nl - buf) + 1;
			if (watch_line(buf, used - 1, first, raw) != 0) {
				free(buf);
				return 1;
			}
			first = 0;
			memmove(buf, buf + used, len - used);
			len -= used;
		}
		if (len == CTL_WATCH_LINE_MAX)
			die(2, "invalid reply from %s: a line too long",
			    socket_path);
		if (first && wait_fd(fd, POLLIN) == -1)
			die(2, "no reply from %s", socket_path);
		n = recv(fd, buf + len, CTL_WATCH_LINE_MAX - len, 0);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			die(2, "%s: %s", socket_path, strerror(errno));
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	free(buf);
	if (first)
		die(2, "no reply from %s: connection closed", socket_path);
	if (len > 0)
		die(2, "invalid reply from %s: no end of line", socket_path);
	return 0;
}

/* Refuse names that would change the request line's framing. */
static int
name_ok(const char *name)
{
	const unsigned char *p;

	if (*name == '\0')
		return 0;
	for (p = (const unsigned char *)name; *p != '\0'; p++)
		if (*p <= 0x20 || *p == 0x7f)
			return 0;
	return 1;
}

/*
 * The exit code a reply starts with, {"ok":true or {"ok":false, as
 * activator writes it: 0 or 1; -1 if it starts otherwise.
 */
static int
ok_prefix(const char *p, size_t len)
{
	const char	*end = p + len;
	int		 code;

	p = json_ws(p, end);
	if (p == end || *p++ != '{')
		return -1;
	p = json_ws(p, end);
	if (end - p < 4 || memcmp(p, "\"ok\"", 4) != 0)
		return -1;
	p = json_ws(p + 4, end);
	if (p == end || *p++ != ':')
		return -1;
	p = json_ws(p, end);
	if (end - p >= 4 && memcmp(p, "true", 4) == 0) {
		code = 0;
		p += 4;
	} else if (end - p >= 5 && memcmp(p, "false", 5) == 0) {
		code = 1;
		p += 5;
	} else
		return -1;
	p = json_ws(p, end);
	return p < end && (*p == ',' || *p == '}') ? code : -1;
}

int
main(int argc, char **argv)
{
	static const char *const keys[] = { "ok", "error", "services",
	    "version", "lines" };
	enum { M_OK, M_ERROR, M_SERVICES, M_VERSION, M_LINES, M_N };
	const struct command *cmd = NULL;
	const char	*name;
	struct jval	 top, m[M_N];
	char		*req, *line, *s;
	size_t		 n, len;
	int		 ch, raw = 0, fd, code;

	while ((ch = getopt(argc, argv, "hjs:V")) != -1) {
		switch (ch) {
		case 'h':
			usage(stdout);
			return 0;
		case 'j':
			raw = 1;
			break;
		case 's':
			socket_path = optarg;
			break;
		case 'V':
			printf("activatorctl %s\n", PACKAGE_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		usage_error("no command given");
	for (n = 0; n < sizeof commands / sizeof commands[0]; n++)
		if (strcmp(argv[0], commands[n].name) == 0)
			cmd = &commands[n];
	if (cmd == NULL)
		usage_error("unknown command '%s'", argv[0]);
	if (argc > 2 || (argc == 2 && cmd->arg == ARG_NONE))
		usage_error("too many arguments for %s", cmd->name);
	if (argc == 1 && cmd->arg == ARG_REQUIRED)
		usage_error("%s needs a service name", cmd->name);
	name = argc == 2 ? argv[1] : NULL;
	if (name != NULL && !name_ok(name))
		usage_error("invalid service name");
	if (*socket_path == '\0')
		usage_error("empty socket path");

	/* status NAME asks for the service's last output lines too. */
	req = aprintf("%s%s%s%s\n", cmd->name, name != NULL ? " " : "",
	    name != NULL ? name : "", name != NULL &&
	    strcmp(cmd->name, "status") == 0 ? " logs" : "");
	deadline = now_ms() + CTL_TIMEOUT_MS;
	fd = ctl_connect();
	ctl_send(fd, req, strlen(req));
	if (strcmp(cmd->name, "watch") == 0) {
		code = ctl_watch(fd, raw);
		close(fd);
		free(req);
		return code;
	}
	line = ctl_receive(fd, &len);
	close(fd);
	free(req);

	/* -j: the reply as it came; only its first member is looked at. */
	if (raw && (code = ok_prefix(line, len)) != -1) {
		fwrite(line, 1, len, stdout);
		putchar('\n');
		goto out;
	}
	if (!json_check(line, len, &top))
		die(2, "invalid reply from %s", socket_path);
	json_members(top, keys, M_N, m);
	if (json_is(m[M_OK], "true"))
		code = 0;
	else if (json_is(m[M_OK], "false"))
		code = 1;
	else
		die(2, "invalid reply from %s", socket_path);

	if (raw) {
		fwrite(line, 1, len, stdout);
		putchar('\n');
	} else if (code != 0) {
		s = json_string(m[M_ERROR]);
		fputs("activatorctl: ", stderr);
		put_safe(stderr, s != NULL ? s : "unknown error", 1);
		fputc('\n', stderr);
		free(s);
	} else if (strcmp(cmd->name, "list") == 0)
		print_list(m[M_SERVICES]);
	else if (strcmp(cmd->name, "status") == 0)
		print_status(m[M_SERVICES]);
	else if (strcmp(cmd->name, "logs") == 0)
		print_lines(m[M_LINES]);
	else if (strcmp(cmd->name, "ping") == 0)
		puts("pong");
	else if (strcmp(cmd->name, "metrics") == 0)
		print_metrics(top);
	else if (strcmp(cmd->name, "reload") == 0)
		print_reload(top);
	else if (strcmp(cmd->name, "version") == 0) {
		s = json_string(m[M_VERSION]);
		put_safe(stdout, s, 0);
		putchar('\n');
		free(s);
	}
out:
	free(line);
	if (fflush(stdout) == EOF || ferror(stdout))
		die(1, "cannot write the output: %s", strerror(errno));
	return code;
}
