/* SPDX-License-Identifier: ISC */
/*
 * log.c -- the one place that writes log records: stderr in the
 * foreground, syslog otherwise. Every record is one line.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <time.h>

#include "log.h"

static int	 log_foreground = 1;
static int	 log_level = LOG_INFO;
static const char *log_ident = "activator";

static const struct {
	const char	*name;
	int		 level;
} log_levels[] = {
	{ "error", LOG_ERR },
	{ "warning", LOG_WARNING },
	{ "notice", LOG_NOTICE },
	{ "info", LOG_INFO },
	{ "debug", LOG_DEBUG },
};

void
log_init(int foreground, int level, const char *ident)
{
	log_foreground = foreground;
	log_level = level;
	log_ident = ident;
	if (!foreground)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void
log_setlevel(int level)
{
	log_level = level;
}

int
log_getlevel(void)
{
	return log_level;
}

int
log_parse_level(const char *name)
{
	size_t	i;

	for (i = 0; i < sizeof log_levels / sizeof log_levels[0]; i++)
		if (strcasecmp(name, log_levels[i].name) == 0)
			return log_levels[i].level;
	return -1;
}

const char *
log_level_name(int level)
{
	size_t	i;

	for (i = 0; i < sizeof log_levels / sizeof log_levels[0]; i++)
		if (log_levels[i].level == level)
			return log_levels[i].name;
	return "info";
}

void
log_escape(char *dst, size_t dstlen, const char *src, size_t srclen)
{
	static const char hex[] = "0123456789abcdef";
	size_t	i, o = 0;
	unsigned char c;

	if (dstlen == 0)
		return;
	for (i = 0; i < srclen; i++) {
		c = (unsigned char)src[i];
		if (c >= 0x20 && c < 0x7f && c != '\\') {
			if (o + 1 >= dstlen)
				break;
			dst[o++] = (char)c;
		} else {
			if (o + 4 >= dstlen)
				break;
			dst[o++] = '\\';
			dst[o++] = 'x';
			dst[o++] = hex[c >> 4];
			dst[o++] = hex[c & 0xf];
		}
	}
	dst[o] = '\0';
}

/* Write one record; errors while logging are ignored on purpose. */
static void
log_vwrite(int level, const char *fmt, va_list ap, int with_errno)
{
	char	 msg[2048];
	int	 saved = errno;
	struct timespec ts;
	struct tm tm;
	char	 stamp[32];

	if (level > log_level)
		return;
	vsnprintf(msg, sizeof msg, fmt, ap);
	if (with_errno) {
		size_t n = strlen(msg);
		snprintf(msg + n, sizeof msg - n, ": %s", strerror(saved));
	}
	if (log_foreground) {
		clock_gettime(CLOCK_REALTIME, &ts);
		localtime_r(&ts.tv_sec, &tm);
		strftime(stamp, sizeof stamp, "%H:%M:%S", &tm);
		fprintf(stderr, "%s.%03ld %s[%s]: %s\n", stamp,
		    ts.tv_nsec / 1000000, log_ident, log_level_name(level), msg);
		fflush(stderr);
	} else
		syslog(level, "%s", msg);
	errno = saved;
}

#define LOG_FN(name, level, with_errno)			\
void							\
name(const char *fmt, ...)				\
{							\
	va_list	ap;					\
							\
	va_start(ap, fmt);				\
	log_vwrite(level, fmt, ap, with_errno);		\
	va_end(ap);					\
}

LOG_FN(log_warn, LOG_WARNING, 1)
LOG_FN(log_warnx, LOG_WARNING, 0)
LOG_FN(log_error, LOG_ERR, 0)
LOG_FN(log_notice, LOG_NOTICE, 0)
LOG_FN(log_info, LOG_INFO, 0)
LOG_FN(log_debug, LOG_DEBUG, 0)

/* At a level chosen at run time (records relayed from a supervisor). */
void
log_at(int level, const char *fmt, ...)
{
	va_list	ap;

	if (level < LOG_EMERG || level > LOG_DEBUG)
		level = LOG_INFO;
	va_start(ap, fmt);
	log_vwrite(level, fmt, ap, 0);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vwrite(LOG_ERR, fmt, ap, 1);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vwrite(LOG_ERR, fmt, ap, 0);
	va_end(ap);
	exit(1);
}
