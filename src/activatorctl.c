/* SPDX-License-Identifier: ISC */
/*
 * activatorctl.c -- the status socket's client: send one request line,
 * wait a bounded time for one JSON reply line, print it for a human or
 * as is. Exit 0 ok, 1 the server said no, 2 usage or no usable answer.
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

#include <jansson.h>

/* The same default as activator's: $(runstatedir)/activator.sock. */
#ifndef ACTIVATOR_SOCKET
#error "ACTIVATOR_SOCKET is defined by src/Makefile.am"
#endif

#define CTL_TIMEOUT_MS		10000	/* for connect, send and reply */
#define CTL_REPLY_MAX		(64 * 1024 * 1024)

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
};

static const char	*socket_path = ACTIVATOR_SOCKET;
static long long	 deadline;	/* CLOCK_MONOTONIC ms */

static void
usage(FILE *f)
{
	fprintf(f, "usage: activatorctl [-hjV] [-s socket] command [name]\n"
	    "commands: list | status [name] | start name | stop name |\n"
	    "          restart name | reload | ping | version\n"
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
		if (size - len < 4096) {
			size = size == 0 ? 8192 : size * 2;
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
scalar(json_t *j)
{
	if (json_is_string(j))
		return aprintf("%s", json_string_value(j));
	if (json_is_integer(j))
		return aprintf("%lld", (long long)json_integer_value(j));
	if (json_is_real(j))
		return aprintf("%.3f", json_real_value(j));
	if (json_is_boolean(j))
		return aprintf("%s", json_is_true(j) ? "yes" : "no");
	return aprintf("-");
}

/* The elements of array J joined by SEP; "-" if empty or not an array. */
static char *
joined(json_t *j, const char *sep)
{
	json_t	*v;
	size_t	 i, len = 0;
	char	*out = NULL, *item;

	if (!json_is_array(j) || json_array_size(j) == 0)
		return scalar(NULL);
	json_array_foreach(j, i, v) {
		item = scalar(v);
		out = xrealloc(out, len + strlen(sep) + strlen(item) + 1, 1);
		len += (size_t)sprintf(out + len, "%s%s", i == 0 ? "" : sep,
		    item);
		free(item);
	}
	return out;
}

static char *
seconds(json_t *j, int decimals)
{
	if (!json_is_number(j))
		return scalar(NULL);
	return aprintf("%.*fs", decimals, json_number_value(j));
}

/* {"code":N} as "code N", {"signal":"TERM"} as "signal TERM". */
static char *
last_exit(json_t *j)
{
	const char	*key;
	json_t		*v;
	char		*s, *val;

	if ((v = json_object_get(j, key = "code")) == NULL &&
	    (v = json_object_get(j, key = "signal")) == NULL)
		return scalar(NULL);
	val = scalar(v);
	s = aprintf("%s %s", key, val);
	free(val);
	return s;
}

/* list: NAME STATE PID ACTIVATIONS LISTEN, columns as wide as the data. */
static void
print_list(json_t *services)
{
	static const char *head[] = {
		"NAME", "STATE", "PID", "ACTIVATIONS", "LISTEN"
	};
	enum { NCOL = sizeof head / sizeof head[0] };
	json_t	*svc;
	char	*(*cell)[NCOL];
	size_t	 width[NCOL], n, i, col, rows;

	rows = json_array_size(services);
	cell = xrealloc(NULL, rows + 1, sizeof *cell);
	for (col = 0; col < NCOL; col++)
		cell[0][col] = aprintf("%s", head[col]);
	json_array_foreach(services, i, svc) {
		cell[i + 1][0] = scalar(json_object_get(svc, "name"));
		cell[i + 1][1] = scalar(json_object_get(svc, "state"));
		cell[i + 1][2] = scalar(json_object_get(svc, "main_pid"));
		cell[i + 1][3] = scalar(json_object_get(svc, "activations"));
		cell[i + 1][4] = joined(json_object_get(svc, "listen"), ",");
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

/* status: a "name:" line, then one indented "key: value" line per field. */
static void
print_status(json_t *services)
{
	json_t	*s;
	size_t	 i;

	json_array_foreach(services, i, s) {
		if (i > 0)
			putchar('\n');
		put_safe(stdout, json_string_value(json_object_get(s,
		    "name")), 0);
		fputs(":\n", stdout);
		print_field("state", scalar(json_object_get(s, "state")));
		print_field("accept", scalar(json_object_get(s, "accept")));
		print_field("type", scalar(json_object_get(s, "type")));
		print_field("listen", joined(json_object_get(s, "listen"),
		    ", "));
		print_field("main pid", scalar(json_object_get(s,
		    "main_pid")));
		print_field("pids", joined(json_object_get(s, "pids"), " "));
		print_field("activations", scalar(json_object_get(s,
		    "activations")));
		print_field("restarts", scalar(json_object_get(s,
		    "restarts")));
		print_field("instances", scalar(json_object_get(s,
		    "instances")));
		print_field("accepted", scalar(json_object_get(s,
		    "accepted")));
		print_field("refused", scalar(json_object_get(s, "refused")));
		print_field("last exit", last_exit(json_object_get(s,
		    "last_exit")));
		print_field("since", seconds(json_object_get(s, "since"), 1));
		print_field("ready time", seconds(json_object_get(s,
		    "ready_time"), 3));
		print_field("restart pending", scalar(json_object_get(s,
		    "restart_pending")));
		print_field("last error", scalar(json_object_get(s,
		    "last_error")));
	}
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

int
main(int argc, char **argv)
{
	const struct command *cmd = NULL;
	const char	*name;
	json_t		*reply, *ok, *err;
	char		*req, *line;
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

	req = aprintf("%s%s%s\n", cmd->name, name != NULL ? " " : "",
	    name != NULL ? name : "");
	deadline = now_ms() + CTL_TIMEOUT_MS;
	fd = ctl_connect();
	ctl_send(fd, req, strlen(req));
	line = ctl_receive(fd, &len);
	close(fd);
	free(req);

	reply = json_loadb(line, len, JSON_REJECT_DUPLICATES, NULL);
	if (reply == NULL || !json_is_object(reply) ||
	    !json_is_boolean(ok = json_object_get(reply, "ok")))
		die(2, "invalid reply from %s", socket_path);

	code = json_is_true(ok) ? 0 : 1;
	if (raw)
		printf("%s\n", line);
	else if (code != 0) {
		err = json_object_get(reply, "error");
		fputs("activatorctl: ", stderr);
		put_safe(stderr, json_is_string(err) ?
		    json_string_value(err) : "unknown error", 1);
		fputc('\n', stderr);
	} else if (strcmp(cmd->name, "list") == 0)
		print_list(json_object_get(reply, "services"));
	else if (strcmp(cmd->name, "status") == 0)
		print_status(json_object_get(reply, "services"));
	else if (strcmp(cmd->name, "ping") == 0)
		puts("pong");
	else if (strcmp(cmd->name, "version") == 0) {
		put_safe(stdout, json_string_value(json_object_get(reply,
		    "version")), 0);
		putchar('\n');
	}
	json_decref(reply);
	free(line);
	if (fflush(stdout) == EOF || ferror(stdout))
		die(1, "cannot write the output: %s", strerror(errno));
	return code;
}
