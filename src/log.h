/* SPDX-License-Identifier: ISC */
/* log.h -- logging to stderr or syslog, with levels. */
#ifndef ACTIVATOR_LOG_H
#define ACTIVATOR_LOG_H

#include <stddef.h>
#include <syslog.h>

void	log_init(int foreground, int level, const char *ident);
void	log_setlevel(int level);
int	log_getlevel(void);
int	log_parse_level(const char *name);	/* -1 if unknown */
const char *log_level_name(int level);
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_error(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_notice(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_at(int level, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
__attribute__((noreturn, format(printf, 1, 2))) void fatal(const char *, ...);
__attribute__((noreturn, format(printf, 1, 2))) void fatalx(const char *, ...);

/* Escape untrusted bytes (service output, peer input) into dst. */
void	log_escape(char *dst, size_t dstlen, const char *src, size_t srclen);

#endif /* ACTIVATOR_LOG_H */
