/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The activator authors
 *
 * fakedaemon -- a configurable service for activator's integration tests.
 * It serves the sockets it is handed (listen-fds, stdio) or one connection
 * (nowait), daemonizes the ways real daemons do, and reports the process
 * state it inherited.  It is a test double, not a model daemon.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_SOCKS	64
#define LINE_MAX_LEN	1024

enum mode { MODE_LISTEN_FDS, MODE_STDIO, MODE_NOWAIT };

static struct {
	enum mode	 mode;
	long		 fork;		/* 0..3 forks before serving */
	long		 parent_exit;	/* exit code of the launched process */
	long		 workers;
	long		 pidfile_delay;	/* ms after daemonizing */
	long		 ready_delay;	/* ms after daemonizing */
	long		 exit_after;	/* ms after serving starts; -1: never */
	long		 exit_code;	/* -1: the situation's default */
	long		 sleep_ms;
	int		 split;
	int		 serve_once;
	int		 crash;
	int		 notify;
	int		 notify_from_child;
	int		 ignore_term;
	int		 echo;
	int		 check_listen_pid;
	const char	*pid_out;
	const char	*pidfile;
	const char	*report;
	const char	*tag;
} opt = { .exit_after = -1, .exit_code = -1 };

struct sock {
	int		 fd;
	int		 type;		/* SOCK_STREAM, SOCK_DGRAM, ... */
};

/*
 * /proc/self/status fields as inherited at exec: read before we install
 * signal handlers, so a report shows what activator passed on, not what
 * fakedaemon changed.
 */
static const char *status_keys[] = {
	"SigBlk", "SigIgn", "CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb",
	"NoNewPrivs",
};
#define NSTATUS (sizeof(status_keys) / sizeof(status_keys[0]))
static char	 status_vals[NSTATUS][64];
static mode_t	 inherited_umask;

extern char **environ;

static void vlogmsg(const char *, va_list)
    __attribute__((format(printf, 1, 0)));
static void logmsg(const char *, ...) __attribute__((format(printf, 1, 2)));
static void fatal(const char *, ...)
    __attribute__((format(printf, 1, 2), noreturn));

static void
vlogmsg(const char *fmt, va_list ap)
{
	char	 buf[512];

	vsnprintf(buf, sizeof buf, fmt, ap);
	/* One write per line, so lines from several processes do not mix. */
	dprintf(STDERR_FILENO, "fakedaemon[%d]: %s\n", (int)getpid(), buf);
}

static void
logmsg(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vlogmsg(fmt, ap);
	va_end(ap);
}

static void
fatal(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vlogmsg(fmt, ap);
	va_end(ap);
	exit(1);
}

static int64_t
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Sleep MS milliseconds; SIGCHLD may interrupt, so sleep to a deadline. */
static void
sleep_ms(long ms)
{
	int64_t		 end = now_ms() + ms;
	int64_t		 left;
	struct timespec	 ts;

	while ((left = end - now_ms()) > 0) {
		ts.tv_sec = left / 1000;
		ts.tv_nsec = (left % 1000) * 1000000;
		nanosleep(&ts, NULL);
	}
}

static void
sleep_forever(void)
{
	for (;;)
		pause();
}

static void
on_term(int sig)
{
	(void)sig;
	_exit(0);
}

/* Reap our own children at once: fakedaemon must never leave zombies. */
static void
on_chld(int sig)
{
	int	 saved = errno;

	(void)sig;
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	errno = saved;
}

static long
parse_num(const char *s, long min, long max, const char *what)
{
	char	*end;
	long	 v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
		fatal("%s: invalid value '%s' (%ld..%ld)", what, s, min, max);
	return v;
}

/* Send everything; MSG_NOSIGNAL so a vanished client is no SIGPIPE death. */
static int
send_all(int fd, const char *buf, size_t len)
{
	ssize_t	 n;

	while (len > 0) {
		n = send(fd, buf, len, MSG_NOSIGNAL);
		if (n == -1 && errno == ENOTSOCK)
			n = write(fd, buf, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Write FILE.tmp and rename it, so readers never see partial content. */
static void
write_file(const char *path, const char *buf, size_t len)
{
	char	 tmp[4096];
	int	 fd;

	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd == -1 || send_all(fd, buf, len) == -1 || close(fd) == -1 ||
	    rename(tmp, path) == -1)
		logmsg("cannot write %s: %s", path, strerror(errno));
}

static void
write_pid(const char *path)
{
	char	 buf[32];
	int	 len;

	len = snprintf(buf, sizeof buf, "%d\n", (int)getpid());
	write_file(path, buf, (size_t)len);
}

static void
capture_inherited(void)
{
	FILE	*f;
	char	 line[256];
	size_t	 i, klen;

	inherited_umask = umask(022);
	umask(inherited_umask);
	if ((f = fopen("/proc/self/status", "re")) == NULL)
		return;
	while (fgets(line, sizeof line, f) != NULL) {
		for (i = 0; i < NSTATUS; i++) {
			klen = strlen(status_keys[i]);
			if (strncmp(line, status_keys[i], klen) != 0 ||
			    line[klen] != ':')
				continue;
			sscanf(line + klen + 1, "%63s", status_vals[i]);
		}
	}
	fclose(f);
}

/* The controlling terminal from /proc/self/stat; 0 when there is none. */
static int
tty_nr(void)
{
	FILE	*f;
	char	 buf[1024], *p;
	int	 tty = -1;

	if ((f = fopen("/proc/self/stat", "re")) == NULL)
		return -1;
	/* The command name may contain anything: parse after its ')'. */
	if (fgets(buf, sizeof buf, f) != NULL &&
	    (p = strrchr(buf, ')')) != NULL)
		sscanf(p + 1, " %*c %*d %*d %*d %d", &tty);
	fclose(f);
	return tty;
}

static int
cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* Write key=value lines describing this process (see README). */
static void
write_report(const char *path)
{
	char		*buf = NULL, link[4096], fdpath[64];
	const char	*p;
	size_t		 len = 0, i;
	FILE		*f;
	DIR		*d;
	struct dirent	*de;
	struct rlimit	 rl;
	uid_t		 ru, eu, su;
	gid_t		 rg, eg, sg, groups[256];
	int		 fds[1024], nfds = 0, ngroups, j;
	ssize_t		 n;
	char		 cwd[4096];

	/* Read /proc/self/fd before opening anything else. */
	if ((d = opendir("/proc/self/fd")) != NULL) {
		while ((de = readdir(d)) != NULL && nfds < 1024) {
			if (de->d_name[0] == '.' ||
			    atoi(de->d_name) == dirfd(d))
				continue;
			fds[nfds++] = atoi(de->d_name);
		}
		closedir(d);
	}
	qsort(fds, (size_t)nfds, sizeof fds[0], cmp_int);

	if ((f = open_memstream(&buf, &len)) == NULL)
		fatal("open_memstream: %s", strerror(errno));
	getresuid(&ru, &eu, &su);
	getresgid(&rg, &eg, &sg);
	fprintf(f, "pid=%d\nppid=%d\nsid=%d\npgid=%d\n", (int)getpid(),
	    (int)getppid(), (int)getsid(0), (int)getpgrp());
	fprintf(f, "uid=%u\neuid=%u\nsuid=%u\ngid=%u\negid=%u\nsgid=%u\n",
	    ru, eu, su, rg, eg, sg);
	fputs("groups=", f);
	ngroups = getgroups(256, groups);
	for (j = 0; j < ngroups; j++)
		fprintf(f, "%s%u", j ? "," : "", groups[j]);
	fprintf(f, "\numask=%04o\n", (unsigned)inherited_umask);
	fprintf(f, "cwd=%s\n", getcwd(cwd, sizeof cwd) ? cwd : "?");
	getrlimit(RLIMIT_NOFILE, &rl);
	fprintf(f, "nofile_soft=%llu\nnofile_hard=%llu\n",
	    (unsigned long long)rl.rlim_cur, (unsigned long long)rl.rlim_max);
	fprintf(f, "nice=%d\ntty=%d\n", getpriority(PRIO_PROCESS, 0),
	    tty_nr());
	for (i = 0; i < NSTATUS; i++) {
		for (p = status_keys[i]; *p != '\0'; p++)
			fputc(tolower((unsigned char)*p), f);
		fprintf(f, "=%s\n", status_vals[i]);
	}
	fputs("fds=", f);
	for (j = 0; j < nfds; j++)
		fprintf(f, "%s%d", j ? "," : "", fds[j]);
	fputc('\n', f);
	for (j = 0; j < nfds; j++) {
		snprintf(fdpath, sizeof fdpath, "/proc/self/fd/%d", fds[j]);
		n = readlink(fdpath, link, sizeof link - 1);
		link[n < 0 ? 0 : n] = '\0';
		fprintf(f, "fd.%d=%s\n", fds[j], link);
	}
	/* A newline inside a value would split the record: write it as \n. */
	for (i = 0; environ[i] != NULL; i++) {
		fputs("env.", f);
		for (p = environ[i]; *p != '\0'; p++)
			if (*p == '\n')
				fputs("\\n", f);
			else
				fputc(*p, f);
		fputc('\n', f);
	}
	fclose(f);
	write_file(path, buf, len);
	free(buf);
}

/* Send READY=1 to $NOTIFY_SOCKET as the sd_notify protocol does. */
static void
send_notify(pid_t mainpid)
{
	struct sockaddr_un	 sun;
	const char		*path = getenv("NOTIFY_SOCKET");
	char			 msg[64];
	socklen_t		 slen;
	size_t			 plen;
	int			 fd, len;

	if (path == NULL || (path[0] != '/' && path[0] != '@')) {
		logmsg("--notify: NOTIFY_SOCKET unset or invalid");
		return;
	}
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	plen = strlen(path);
	if (plen >= sizeof sun.sun_path) {
		logmsg("--notify: NOTIFY_SOCKET too long");
		return;
	}
	memcpy(sun.sun_path, path, plen);
	if (path[0] == '@')
		sun.sun_path[0] = '\0';	/* abstract: no trailing NUL */
	slen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + plen +
	    (path[0] == '@' ? 0 : 1));
	len = snprintf(msg, sizeof msg, "READY=1\nMAINPID=%d\n", (int)mainpid);
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1 ||
	    sendto(fd, msg, (size_t)len, MSG_NOSIGNAL, (struct sockaddr *)&sun,
	    slen) == -1)
		logmsg("--notify: %s: %s", path, strerror(errno));
	if (fd != -1)
		close(fd);
}

static pid_t
xfork(void)
{
	pid_t	 pid;

	if ((pid = fork()) == -1)
		fatal("fork: %s", strerror(errno));
	return pid;
}

/*
 * Daemonize the ways real daemons do.  Standard descriptors are left alone:
 * in listen-fds mode stderr is activator's log, and in stdio mode fd 0 is
 * the socket.  _exit() in parents so stdio buffers are not flushed twice.
 */
static void
daemonize(struct sock *socks, int nsocks)
{
	int	 i, nul;

	if (opt.fork < 1)
		return;
	if (xfork() > 0)
		_exit((int)opt.parent_exit);
	setsid();
	if (opt.fork < 2)
		return;
	if (opt.split && xfork() == 0) {
		/*
		 * Child A: the oldest adopted process, without the sockets,
		 * so the supervisor has to pick the socket holder (B).
		 */
		nul = open("/dev/null", O_RDWR | O_CLOEXEC);
		for (i = 0; i < nsocks; i++) {
			if (socks[i].fd >= 3)
				close(socks[i].fd);
			else
				dup2(nul, socks[i].fd);
		}
		if (opt.mode == MODE_STDIO)
			dup2(nul, STDOUT_FILENO);
		sleep_forever();
	}
	if (xfork() > 0)
		_exit(0);
	if (opt.fork >= 3 && xfork() > 0)
		_exit(0);
}

static void
spawn_workers(void)
{
	int	 i;

	for (i = 0; i < opt.workers; i++)
		if (xfork() == 0)
			sleep_forever();
}

/* The serving process is up: report, announce its pid, notify. */
static void
announce(void)
{
	pid_t	 self = getpid();

	if (opt.report != NULL)
		write_report(opt.report);
	if (opt.pid_out != NULL)
		write_pid(opt.pid_out);
	if (opt.notify || opt.notify_from_child) {
		if (!opt.notify_from_child)
			send_notify(self);
		else if (xfork() == 0) {
			send_notify(self);
			_exit(0);
		}
	}
}

/* Reply to one accepted connection, then close it gracefully. */
static void
serve_conn(int fd)
{
	struct timeval	 tv = { 5, 0 };
	char		 line[LINE_MAX_LEN], reply[LINE_MAX_LEN + 64], *nl;
	size_t		 have = 0;
	ssize_t		 n;
	int		 len;

	/* The connection is ours alone: bound every wait on it. */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	if (opt.echo) {
		while (have < sizeof line - 1 && (n = recv(fd, line + have,
		    sizeof line - 1 - have, 0)) > 0) {
			have += (size_t)n;
			line[have] = '\0';
			if (memchr(line, '\n', have) != NULL)
				break;
		}
		line[have] = '\0';
		if ((nl = strpbrk(line, "\r\n")) != NULL)
			*nl = '\0';
		len = snprintf(reply, sizeof reply, "OK %d %s\n",
		    (int)getpid(), line);
	} else
		len = snprintf(reply, sizeof reply, "OK %d\n", (int)getpid());
	send_all(fd, reply, (size_t)len);
	/*
	 * Closing with unread input makes the kernel send RST, which can
	 * destroy the reply before the client reads it.  So half-close and
	 * drain until the client closes (bounded to about a second).
	 */
	shutdown(fd, SHUT_WR);
	tv.tv_sec = 1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	while (recv(fd, line, sizeof line, 0) > 0)
		;
	close(fd);
}

/* Handle one readable listener; return how many clients were answered. */
static int
serve_sock(const struct sock *s)
{
	struct sockaddr_storage	 from;
	socklen_t		 fromlen;
	char			 buf[65536], reply[64];
	int			 fd, len, answered = 0;

	if (s->type != SOCK_DGRAM) {
		/*
		 * One accept per poll wakeup: the listener's O_NONBLOCK is
		 * shared with activator and not ours to set, so a second
		 * accept could block.
		 */
		fd = accept4(s->fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != EINTR && errno != ECONNABORTED)
				logmsg("accept: %s", strerror(errno));
			return 0;
		}
		serve_conn(fd);
		return 1;
	}
	len = snprintf(reply, sizeof reply, "OK %d\n", (int)getpid());
	for (;;) {
		fromlen = sizeof from;
		if (recvfrom(s->fd, buf, sizeof buf, MSG_DONTWAIT,
		    (struct sockaddr *)&from, &fromlen) == -1)
			break;
		/* An unbound unix sender has no address to answer. */
		if (fromlen > sizeof(sa_family_t))
			sendto(s->fd, reply, (size_t)len,
			    MSG_DONTWAIT | MSG_NOSIGNAL,
			    (struct sockaddr *)&from, fromlen);
		answered++;
		if (opt.serve_once)
			break;
	}
	return answered;
}

/*
 * The serving process's loop: timers for the late pidfile, the end of
 * --ready-delay and --exit-after, and poll() over every listener once
 * serving has started.
 */
static void
serve(struct sock *socks, int nsocks)
{
	struct pollfd	 pfd[MAX_SOCKS];
	int64_t		 t0 = now_ms(), t, next;
	int64_t		 pidfile_at = opt.pidfile ? t0 + opt.pidfile_delay : -1;
	int64_t		 serve_at = t0 + opt.ready_delay, exit_at = -1;
	int		 i, serving = 0;

	for (i = 0; i < nsocks; i++) {
		pfd[i].fd = socks[i].fd;
		pfd[i].events = POLLIN;
	}
	for (;;) {
		t = now_ms();
		if (pidfile_at >= 0 && t >= pidfile_at) {
			write_pid(opt.pidfile);
			pidfile_at = -1;
		}
		if (!serving && t >= serve_at) {
			serving = 1;
			announce();
			logmsg("serving %d socket(s)", nsocks);
			if (opt.exit_after >= 0)
				exit_at = t + opt.exit_after;
		}
		if (exit_at >= 0 && t >= exit_at) {
			logmsg("exiting after %ld ms", opt.exit_after);
			exit(opt.exit_code >= 0 ? (int)opt.exit_code : 0);
		}
		next = -1;
		if (pidfile_at >= 0)
			next = pidfile_at;
		if (!serving && (next < 0 || serve_at < next))
			next = serve_at;
		if (exit_at >= 0 && (next < 0 || exit_at < next))
			next = exit_at;
		if (poll(pfd, serving ? (nfds_t)nsocks : 0,
		    next < 0 ? -1 : (int)(next > t ? next - t : 0)) <= 0)
			continue;
		for (i = 0; i < nsocks; i++) {
			if (pfd[i].revents & POLLNVAL)
				fatal("fd %d was closed under us", pfd[i].fd);
			if ((pfd[i].revents & (POLLIN | POLLERR)) &&
			    serve_sock(&socks[i]) > 0 && opt.serve_once) {
				logmsg("served once, exiting");
				exit(0);
			}
		}
	}
}

/* inetd nowait / accept = yes: one connected socket on fds 0 and 1. */
static void
serve_nowait(void)
{
	const char	*addr = getenv("REMOTE_ADDR");
	const char	*port = getenv("REMOTE_PORT");
	char		 buf[4096];
	ssize_t		 n;
	int		 len;

	sleep_ms(opt.ready_delay);
	if (opt.pidfile != NULL) {
		sleep_ms(opt.pidfile_delay);
		write_pid(opt.pidfile);
	}
	announce();
	len = snprintf(buf, sizeof buf, "OK %d %s %s\n", (int)getpid(),
	    addr ? addr : "-", port ? port : "-");
	send_all(STDOUT_FILENO, buf, (size_t)len);
	while (opt.echo && (n = read(STDIN_FILENO, buf, sizeof buf)) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 || send_all(STDOUT_FILENO, buf, (size_t)n) == -1)
			break;
	}
	sleep_ms(opt.sleep_ms);
	exit(opt.exit_code >= 0 ? (int)opt.exit_code : 0);
}

/* Find the sockets we were handed and check they are sockets. */
static int
collect_socks(struct sock *socks)
{
	const char	*s;
	socklen_t	 len;
	int		 i, n;

	if (opt.mode == MODE_STDIO)
		n = 1;
	else {
		if ((s = getenv("LISTEN_FDS")) == NULL)
			fatal("LISTEN_FDS is not set");
		n = (int)parse_num(s, 1, MAX_SOCKS, "LISTEN_FDS");
		if (opt.check_listen_pid) {
			s = getenv("LISTEN_PID");
			if (s == NULL || strtol(s, NULL, 10) != getpid())
				fatal("LISTEN_PID=%s is not our pid %d",
				    s ? s : "(unset)", (int)getpid());
		}
	}
	for (i = 0; i < n; i++) {
		socks[i].fd = opt.mode == MODE_STDIO ? 0 : 3 + i;
		len = sizeof socks[i].type;
		if (getsockopt(socks[i].fd, SOL_SOCKET, SO_TYPE,
		    &socks[i].type, &len) == -1)
			fatal("fd %d: %s", socks[i].fd, strerror(errno));
	}
	return n;
}

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr,
"usage: fakedaemon listen-fds|stdio|nowait [--fork N] [--parent-exit CODE]\n"
"           [--split] [--workers N] [--pid-out FILE] [--pidfile FILE]\n"
"           [--pidfile-delay MS] [--ready-delay MS] [--exit-after MS]\n"
"           [--exit-code CODE] [--serve-once] [--crash] [--notify]\n"
"           [--notify-from-child] [--ignore-term] [--report FILE]\n"
"           [--sleep-ms MS] [--echo] [--check-listen-pid] [--tag ANY]\n");
	exit(2);
}

/* Parse the command line into opt; every option is --name [VALUE]. */
static void
parse_args(int argc, char **argv)
{
	static const struct {
		const char	*name;
		long		*num;	/* numeric option: value, range */
		long		 min, max;
		int		*flag;	/* flag option */
		const char	**str;	/* string option */
	} opts[] = {
		{ "fork", &opt.fork, 0, 3, NULL, NULL },
		{ "parent-exit", &opt.parent_exit, 0, 255, NULL, NULL },
		{ "workers", &opt.workers, 0, 1000, NULL, NULL },
		{ "pidfile-delay", &opt.pidfile_delay, 0, 3600000, NULL, NULL },
		{ "ready-delay", &opt.ready_delay, 0, 3600000, NULL, NULL },
		{ "exit-after", &opt.exit_after, 0, 3600000, NULL, NULL },
		{ "exit-code", &opt.exit_code, 0, 255, NULL, NULL },
		{ "sleep-ms", &opt.sleep_ms, 0, 3600000, NULL, NULL },
		{ "split", NULL, 0, 0, &opt.split, NULL },
		{ "serve-once", NULL, 0, 0, &opt.serve_once, NULL },
		{ "crash", NULL, 0, 0, &opt.crash, NULL },
		{ "notify", NULL, 0, 0, &opt.notify, NULL },
		{ "notify-from-child", NULL, 0, 0, &opt.notify_from_child,
		    NULL },
		{ "ignore-term", NULL, 0, 0, &opt.ignore_term, NULL },
		{ "echo", NULL, 0, 0, &opt.echo, NULL },
		{ "check-listen-pid", NULL, 0, 0, &opt.check_listen_pid, NULL },
		{ "pid-out", NULL, 0, 0, NULL, &opt.pid_out },
		{ "pidfile", NULL, 0, 0, NULL, &opt.pidfile },
		{ "report", NULL, 0, 0, NULL, &opt.report },
		{ "tag", NULL, 0, 0, NULL, &opt.tag },	/* marks argv only */
	};
	const char	*mode = NULL;
	size_t		 j;
	int		 i;

	for (i = 1; i < argc; i++) {
		if (strncmp(argv[i], "--", 2) != 0) {
			if (mode != NULL)
				usage();
			mode = argv[i];
			continue;
		}
		for (j = 0; j < sizeof opts / sizeof opts[0]; j++)
			if (strcmp(argv[i] + 2, opts[j].name) == 0)
				break;
		if (j == sizeof opts / sizeof opts[0])
			usage();
		if (opts[j].flag != NULL) {
			*opts[j].flag = 1;
			continue;
		}
		if (++i == argc)
			usage();
		if (opts[j].str != NULL)
			*opts[j].str = argv[i];
		else
			*opts[j].num = parse_num(argv[i], opts[j].min,
			    opts[j].max, argv[i - 1]);
	}
	if (mode == NULL)
		usage();
	else if (strcmp(mode, "listen-fds") == 0)
		opt.mode = MODE_LISTEN_FDS;
	else if (strcmp(mode, "stdio") == 0)
		opt.mode = MODE_STDIO;
	else if (strcmp(mode, "nowait") == 0)
		opt.mode = MODE_NOWAIT;
	else
		usage();
	if (opt.split && opt.fork < 2)
		fatal("--split needs --fork 2 or 3");
}

int
main(int argc, char **argv)
{
	struct sigaction	 sa;
	struct sock		 socks[MAX_SOCKS];
	int			 nsocks = 0;

	capture_inherited();
	parse_args(argc, argv);
	if (opt.crash) {
		logmsg("crashing as asked");
		exit(opt.exit_code >= 0 ? (int)opt.exit_code : 1);
	}
	/* Check what we were handed in the launched process, before forking. */
	if (opt.mode != MODE_NOWAIT)
		nsocks = collect_socks(socks);

	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = opt.ignore_term ? SIG_IGN : on_term;
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = on_chld;
	sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
	sigaction(SIGCHLD, &sa, NULL);

	daemonize(socks, nsocks);
	spawn_workers();
	if (opt.mode == MODE_NOWAIT)
		serve_nowait();
	serve(socks, nsocks);
	return 0;
}
