/* SPDX-License-Identifier: ISC */
/*
 * supervise.c -- the per-service supervisor process.
 *
 * A single subreaper sees orphans arrive but not whose they were: when
 * two services daemonize at once, nothing says which grandchild came
 * from which. So each accept = no service runs under its own supervisor,
 * a fork of activator that marks itself a subreaper: every orphan of the
 * service is reparented to it, and attribution is exact. The supervisor
 * launches the program, decides readiness, follows the main process down
 * the fork chain, stops the tree, and reports to the core over a
 * socketpair. It never touches the core's libevent state (a fork shares
 * the epoll fd and the signal socketpair): it closes every inherited
 * descriptor it does not need and runs a plain poll() loop.
 */
#include "config.h"

#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <syslog.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "bindtrap.h"
#include "conf.h"
#include "proc.h"
#include "proxy.h"
#include "spawn.h"
#include "supervise.h"
#include "xmalloc.h"

/* How long a session leader must live before fork-once counts as done. */
#define SUP_SETTLE_MS	200
#define SUP_TICK_MS	100
#define FREEZE_CHECK_MS	10	/* idle stop: look for the tree stopped */
#define FREEZE_TRIES	100	/* ... this many times, then give up */
/* Exit status after a failure already reported to the core. */
#define SUP_EXIT_REPORTED	0

struct sup {
	const struct service_conf *conf;
	int		 fd;		/* to the core */
	int		 core_gone;
	pid_t		 self;
	pid_t		 launched;
	pid_t		 main;
	int		 main_pidfd;	/* -1 unless main is not our child */
	int		 ready;
	int		 stopping;
	long long	 settle_at;	/* ms; 0: not settling */
	int		 rechoose;	/* several orphans: choose at settle */
	long long	 pidfile_at;	/* ms; 0: no pidfile to read */
	long long	 kill_at;	/* ms: SIGKILL the tree then */
	ino_t		 inodes[64];
	size_t		 ninodes;
	pid_t		*known;		/* children already considered */
	size_t		 nknown;
	pid_t		*termed;	/* sent SIGTERM already */
	size_t		 ntermed;
	pid_t		 gone_pid;	/* youngest orphan that ended */
	int		 gone_status;	/* ... before readiness, and how */
	int		 notify_fd;
	char		 notify_name[64];
	char		 last_pidfile[64];
	int		 sig_fd;	/* signalfd: SIGCHLD, SIGTERM */
	int		 draining;	/* exit once no process is left */
	int		 out_fd;	/* the service's output, or -1 */
	struct sup_instance {		/* accept = yes */
		pid_t	 pid;
		uint32_t id;
	}		*inst;
	size_t		 ninst;
	struct bindtrap	*trap;		/* handoff = bind, else NULL */
	int		 type_ready;	/* ... ready by type, claims missing */
	struct proxy	*proxy;		/* handoff = proxy, else NULL */
	int		 frozen;	/* idle stop: the tree was SIGSTOPped */
	int		 freeze_tries;
	long long	 freeze_check_at; /* ms; 0: no freeze to confirm */
};

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
supervise_send(int fd, enum sup_msg_type type, pid_t pid, int status,
    const char *text, int pass_fd)
{
	union {
		char	 buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct sup_msg m;
	struct msghdr msg;
	struct iovec iov;
	struct cmsghdr *cm;
	ssize_t	 n;

	memset(&m, 0, sizeof m);
	m.version = SUP_MSG_VERSION;
	m.type = type;
	m.pid = pid;
	m.status = status;
	if (text != NULL)
		snprintf(m.text, sizeof m.text, "%s", text);
	memset(&msg, 0, sizeof msg);
	iov.iov_base = &m;
	iov.iov_len = sizeof m;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	if (pass_fd != -1) {
		memset(&u, 0, sizeof u);
		msg.msg_control = u.buf;
		msg.msg_controllen = sizeof u.buf;
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &pass_fd, sizeof(int));
	}
	do
		n = sendmsg(fd, &msg, MSG_NOSIGNAL);
	while (n == -1 && errno == EINTR);
	return n == (ssize_t)sizeof m ? 0 : -1;
}

ssize_t
supervise_recv(int fd, struct sup_msg *m, int *passed_fd)
{
	union {
		char	 buf[CMSG_SPACE(sizeof(int) * 4)];
		struct cmsghdr align;
	} u;
	struct msghdr msg;
	struct iovec iov;
	struct cmsghdr *cm;
	ssize_t	 n;
	size_t	 i, nfd;
	int	 fds[4];

	*passed_fd = -1;
	memset(&msg, 0, sizeof msg);
	iov.iov_base = m;
	iov.iov_len = sizeof *m;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = u.buf;
	msg.msg_controllen = sizeof u.buf;
	n = recvmsg(fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	if (n == -1)
		return -1;
	for (cm = CMSG_FIRSTHDR(&msg); cm != NULL; cm = CMSG_NXTHDR(&msg, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		nfd = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		if (nfd > 4)
			nfd = 4;
		memcpy(fds, CMSG_DATA(cm), nfd * sizeof(int));
		for (i = 0; i < nfd; i++) {
			if (*passed_fd == -1)
				*passed_fd = fds[i];
			else
				close(fds[i]);
		}
	}
	return n;
}

static void
sup_report(struct sup *s, enum sup_msg_type type, pid_t pid, int status,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void
sup_report(struct sup *s, enum sup_msg_type type, pid_t pid, int status,
    const char *fmt, ...)
{
	char	 text[256] = "";
	va_list	 ap;

	if (fmt != NULL) {
		va_start(ap, fmt);
		vsnprintf(text, sizeof text, fmt, ap);
		va_end(ap);
	}
	if (!s->core_gone)
		supervise_send(s->fd, type, pid, status, text, -1);
}

/* Our own diagnostics go to the core as log records of the service. */
static void
sup_log(struct sup *s, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
sup_log(struct sup *s, int level, const char *fmt, ...)
{
	char	 text[256];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	sup_report(s, SUP_LOG, 0, level, "%s", text);
}

static int
pid_in(const pid_t *set, size_t n, pid_t pid)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (set[i] == pid)
			return 1;
	return 0;
}

static int
sup_in_tree(struct sup *s, pid_t pid)
{
	struct procinfo *all;
	pid_t	*tree;
	size_t	 n, ntree;
	int	 in;

	all = proc_scan(&n);
	tree = proc_descendants(all, n, s->self, &ntree);
	in = pid_in(tree, ntree, pid);
	free(tree);
	free(all);
	return in;
}

static int
proc_alive(pid_t pid)
{
	struct procinfo pi;

	return proc_get(pid, &pi) == 0 && pi.state != 'Z';
}

static void
sup_set_main(struct sup *s, pid_t pid, int child)
{
	if (s->main_pidfd != -1) {
		close(s->main_pidfd);
		s->main_pidfd = -1;
	}
	s->main = pid;
	/* A main that is not our child dies without a SIGCHLD for us. */
	if (!child)
		s->main_pidfd = proc_pidfd(pid);
	sup_report(s, SUP_MAIN, pid, 0, NULL);
}

static void
sup_ready_now(struct sup *s, const char *warning)
{
	s->ready = 1;
	s->settle_at = s->pidfile_at = 0;
	/* PROXY HOOK: up by its type; ready once proxy-to answers. */
	if (s->proxy != NULL) {
		proxy_probe(s->proxy);
		return;
	}
	sup_report(s, SUP_READY, s->main, 0, "%s", warning);
}

static void
sup_ready(struct sup *s)
{
	if (s->ready)
		return;
	/* BINDTRAP HOOK: with handoff = bind, every address claimed too. */
	if (s->trap != NULL && !bindtrap_all_claimed(s->trap)) {
		if (!s->type_ready) {
			s->type_ready = 1;
			s->settle_at = s->pidfile_at = 0;
			sup_report(s, SUP_WAITING, s->main, 0, NULL);
		}
		return;
	}
	sup_ready_now(s, "");
}

/* BINDTRAP HOOK: a process of the tree bound listen address IDX. */
static void
sup_claimed(void *arg, size_t idx, pid_t pid)
{
	struct sup *s = arg;

	sup_report(s, SUP_CLAIMED, pid, (int)idx, "%s",
	    s->conf->listen[idx].spec);
	if (s->type_ready && !s->ready && !s->stopping &&
	    bindtrap_all_claimed(s->trap))
		sup_ready(s);
}

/* BINDTRAP HOOK: its messages are the service's log records. */
static void
sup_bindtrap_log(void *arg, int level, const char *msg)
{
	sup_log(arg, level, "%s", msg);
}

/* BINDTRAP HOOK: start-timeout with addresses unclaimed: ready anyway. */
static void
sup_claim_timeout(struct sup *s)
{
	char	 warning[256];

	if (s->trap == NULL || !s->type_ready || s->ready || s->stopping)
		return;
	bindtrap_unclaimed(s->trap, warning, sizeof warning);
	sup_ready_now(s, warning);
}

/* Start stopping: TERM the tree now, KILL whatever is left later. */
static void
sup_stop(struct sup *s)
{
	if (s->stopping)
		return;
	s->stopping = 1;
	s->settle_at = s->pidfile_at = 0;
	/* PROXY HOOK: no new connections; relayed ones go on for now. */
	if (s->proxy != NULL)
		proxy_stop(s->proxy);
	s->kill_at = now_ms() + (long long)s->conf->stop_timeout * 1000;
}

static void
sup_fail(struct sup *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void	sup_main_gone(struct sup *, int);

static void
sup_fail(struct sup *s, const char *fmt, ...)
{
	char	 text[256];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	sup_report(s, SUP_FAILED, s->main, -1, "%s", text);
	sup_stop(s);
}

/*
 * Is the fork chain complete for CAND? A process in a session that
 * neither it nor the launched process leads was forked after a setsid():
 * the classic double fork is done. A session leader (daemon(3), fork
 * once) or a child still in the launched process's session may fork
 * again, so it must first live for a settle time.
 */
static void
sup_check_forked(struct sup *s, pid_t cand)
{
	struct procinfo pi;

	if (proc_get(cand, &pi) == -1)
		return;
	if (pi.sid != cand && pi.sid != s->launched)
		sup_ready(s);
	else
		s->settle_at = now_ms() + SUP_SETTLE_MS;
}

/*
 * An orphan ended before the service was ready. If the fork chain ends
 * with nobody left (a daemon that served its client and exited before
 * we looked), the youngest of these was the daemon.
 */
static void
sup_orphan_gone(struct sup *s, pid_t pid, int status)
{
	if (!s->ready && pid > s->gone_pid) {
		s->gone_pid = pid;
		s->gone_status = status;
	}
}

/*
 * Our children, once no zombie is among them. A scan of /proc is not
 * atomic: an intermediate that exits while we read may show up alive
 * with its child still its own, and then as a zombie. Reaping the
 * zombies (intermediates of the fork chain) and scanning again gives a
 * view in which every orphan has reached us.
 */
static pid_t *
sup_adopted(struct sup *s, size_t *n)
{
	struct procinfo pi;
	pid_t	*kids;
	size_t	 i;
	int	 tries, reaped, status;

	for (tries = 0;; tries++) {
		kids = proc_children(s->self, n);
		reaped = 0;
		for (i = 0; i < *n && tries < 100; i++)
			if (proc_get(kids[i], &pi) == 0 && pi.state == 'Z' &&
			    kids[i] != s->main &&
			    waitpid(kids[i], &status, WNOHANG) == kids[i]) {
				sup_orphan_gone(s, kids[i], status);
				reaped++;
			}
		if (reaped == 0)
			return kids;
		free(kids);
	}
}

/*
 * Among live children KIDS (not yet seen ones only, if UNSEEN), the one
 * holding a listening socket of the service, else the oldest, in *best.
 * Returns how many were considered.
 */
static int
sup_pick(struct sup *s, const pid_t *kids, size_t n, int unseen,
    struct procinfo *best)
{
	struct procinfo pi;
	size_t	 i;
	int	 found = 0, holds, best_holds = 0;

	memset(best, 0, sizeof *best);
	for (i = 0; i < n; i++) {
		if ((unseen && pid_in(s->known, s->nknown, kids[i])) ||
		    proc_get(kids[i], &pi) == -1 || pi.state == 'Z')
			continue;
		holds = proc_holds_socket(kids[i], s->inodes, s->ninodes);
		/* BINDTRAP HOOK: the process that bound them is stronger. */
		if (s->trap != NULL && bindtrap_is_claimer(s->trap, kids[i]))
			holds = 2;
		if (!found || holds > best_holds || (holds == best_holds &&
		    pi.start < best->start)) {
			*best = pi;
			best_holds = holds;
		}
		found++;
	}
	return found;
}

/*
 * The main process exited 0: if it left orphans, one of them is the
 * daemon now. The holder of the service's socket wins, else the oldest.
 */
static int
sup_follow_chain(struct sup *s)
{
	struct procinfo best;
	pid_t	*kids;
	size_t	 n, i;
	int	 found;

	kids = sup_adopted(s, &n);
	found = sup_pick(s, kids, n, 1, &best);
	for (i = 0; i < n; i++) {
		s->known = xreallocarray(s->known, s->nknown + 1,
		    sizeof *s->known);
		s->known[s->nknown++] = kids[i];
	}
	free(kids);
	if (!found && !s->ready && s->gone_pid != 0) {
		/* It did daemonize, and its daemon is already gone. */
		sup_set_main(s, s->gone_pid, 1);
		sup_ready(s);
		sup_main_gone(s, s->gone_status);
		return 1;
	}
	if (!found)
		return 0;
	sup_set_main(s, best.pid, 1);
	if (s->ready)
		return 1;
	if (s->conf->type == TYPE_DAEMON) {
		if (s->conf->pidfile != NULL)
			s->pidfile_at = now_ms();
		else if (found > 1) {
			/*
			 * Several orphans: one just forked may still hold the
			 * sockets it is about to close. Choose again once the
			 * tree has settled.
			 */
			s->rechoose = 1;
			s->settle_at = now_ms() + SUP_SETTLE_MS;
		} else
			sup_check_forked(s, best.pid);
	}
	return 1;
}

/* After the settle time: the socket holder among the live orphans. */
static void
sup_rechoose(struct sup *s)
{
	struct procinfo best;
	pid_t	*kids;
	size_t	 n;

	s->rechoose = 0;
	kids = proc_children(s->self, &n);
	if (sup_pick(s, kids, n, 0, &best) > 0 && best.pid != s->main)
		sup_set_main(s, best.pid, 1);
	free(kids);
}

static void
describe_status(int status, char *buf, size_t len)
{
	if (status == -1)
		snprintf(buf, len, "ended (status unknown)");
	else if (WIFEXITED(status))
		snprintf(buf, len, "exited with status %d",
		    WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "was killed by signal %s",
		    sigabbrev_np(WTERMSIG(status)) != NULL ?
		    sigabbrev_np(WTERMSIG(status)) : "?");
	else
		snprintf(buf, len, "ended");
}

/* The main process is gone for good (not a step of the fork chain). */
static void
sup_main_gone(struct sup *s, int status)
{
	char	 how[64];

	describe_status(status, how, sizeof how);
	/* PROXY HOOK: not ready until proxy-to answered. */
	if ((!s->ready || (s->proxy != NULL && !proxy_ready(s->proxy))) &&
	    !s->stopping) {
		if (s->main == s->launched && status == 0 &&
		    s->conf->type == TYPE_DAEMON)
			sup_fail(s, "launched process exited 0 leaving no "
			    "process behind: it did not daemonize (type = "
			    "simple fits a program that stays in the "
			    "foreground)");
		else
			sup_fail(s, "%s %ld %s before it was ready",
			    s->main == s->launched ? "launched process" :
			    "main process", (long)s->main, how);
	} else
		sup_report(s, SUP_EXITED, s->main, status, NULL);
	s->main = 0;
	sup_stop(s);
}

static void
sup_reaped(struct sup *s, pid_t pid, int status)
{
	size_t	i;

	for (i = 0; i < s->ninst; i++)
		if (s->inst[i].pid == pid) {
			s->inst[i] = s->inst[--s->ninst];
			sup_report(s, SUP_INSTANCE_EXITED, pid, status, NULL);
			return;
		}
	if (pid != s->main) {
		sup_orphan_gone(s, pid, status);
		return;
	}
	if (!s->stopping && s->conf->type != TYPE_SIMPLE &&
	    WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
	    sup_follow_chain(s))
		return;
	sup_main_gone(s, status);
}

static void
sup_reap(struct sup *s)
{
	pid_t	 pid;
	int	 status;

	for (;;) {
		pid = waitpid(-1, &status, WNOHANG);
		if (pid == -1 && errno == EINTR)
			continue;
		if (pid <= 0)
			break;
		sup_reaped(s, pid, status);
	}
}

/*
 * Read the pidfile: a small regular file, no symlink, a strict decimal
 * pid that belongs to this service's tree. Anything else is rejected.
 */
static void
sup_read_pidfile(struct sup *s)
{
	char	 buf[64];
	long long pid;
	ssize_t	 n;
	int	 fd;

	s->pidfile_at = now_ms() + SUP_TICK_MS;
	fd = open(s->conf->pidfile, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC);
	if (fd == -1)
		return;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	if (n > 0 && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	if (strcmp(buf, s->last_pidfile) == 0)
		return;
	snprintf(s->last_pidfile, sizeof s->last_pidfile, "%s", buf);
	if (!parse_decimal(buf, 1, 1 << 22, &pid)) {
		sup_log(s, LOG_WARNING, "pidfile %s: invalid content, ignored",
		    s->conf->pidfile);
		return;
	}
	if (!sup_in_tree(s, (pid_t)pid)) {
		sup_log(s, LOG_WARNING, "pidfile %s: pid %lld is not a "
		    "process of this service, ignored", s->conf->pidfile, pid);
		return;
	}
	{
		struct procinfo pi;
		sup_set_main(s, (pid_t)pid, proc_get((pid_t)pid, &pi) == 0 &&
		    pi.ppid == s->self);
	}
	sup_ready(s);
}

/*
 * A sender of this tree is trusted. One that already exited cannot be
 * placed in the tree any more (its parent reaped it before we read the
 * datagram): it is trusted only if it ran as the service's user, and
 * only for READY=1, since MAINPID= must name a live process of the tree.
 */
static int
sup_notify_sender_ok(struct sup *s, const struct ucred *cred)
{
	struct procinfo pi;
	uid_t	 uid = s->conf->user != NULL ? s->conf->uid : getuid();

	if (sup_in_tree(s, cred->pid))
		return 1;
	return proc_get(cred->pid, &pi) == -1 && cred->uid == uid;
}

/*
 * Before a start: remove a pidfile whose pid is not a live process (or
 * that holds no pid at all). One naming a live process is left alone:
 * whether to start over it is the daemon's decision.
 */
static void
sup_remove_stale_pidfile(struct sup *s, const char *path)
{
	struct procinfo pi;
	char	 buf[64];
	long long pid;
	ssize_t	 n;
	int	 fd;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC)) == -1)
		return;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	if (n > 0 && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	if (parse_decimal(buf, 2, 1 << 22, &pid) &&
	    proc_get((pid_t)pid, &pi) == 0 && pi.state != 'Z')
		return;
	if (unlink(path) == 0)
		sup_log(s, LOG_NOTICE, "removed stale pidfile %s", path);
}

/* sd_notify: READY=1 and MAINPID= from processes of this tree only. */
static void
sup_notify_read(struct sup *s)
{
	char	 buf[4096], cbuf[CMSG_SPACE(sizeof(struct ucred)) +
		    CMSG_SPACE(sizeof(int) * 32)];
	struct msghdr msg;
	struct iovec iov;
	struct cmsghdr *cm;
	struct ucred *cred = NULL;
	ssize_t	 n;
	char	*line, *next;
	int	 rounds;

	for (rounds = 0; rounds < 64; rounds++) {
		memset(&msg, 0, sizeof msg);
		iov.iov_base = buf;
		iov.iov_len = sizeof buf - 1;
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		msg.msg_control = cbuf;
		msg.msg_controllen = sizeof cbuf;
		n = recvmsg(s->notify_fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
		if (n == -1)
			return;
		cred = NULL;
		for (cm = CMSG_FIRSTHDR(&msg); cm != NULL;
		    cm = CMSG_NXTHDR(&msg, cm)) {
			if (cm->cmsg_level != SOL_SOCKET)
				continue;
			if (cm->cmsg_type == SCM_CREDENTIALS)
				cred = (struct ucred *)CMSG_DATA(cm);
			else if (cm->cmsg_type == SCM_RIGHTS) {
				int *fds = (int *)CMSG_DATA(cm);
				size_t k, nfd = (cm->cmsg_len - CMSG_LEN(0)) /
				    sizeof(int);
				for (k = 0; k < nfd; k++)
					close(fds[k]);
			}
		}
		if (n == 0 || cred == NULL || (msg.msg_flags & MSG_TRUNC) ||
		    !sup_notify_sender_ok(s, cred))
			continue;
		buf[n] = '\0';
		for (line = buf; line != NULL; line = next) {
			long long pid;
			if ((next = strchr(line, '\n')) != NULL)
				*next++ = '\0';
			if (strncmp(line, "MAINPID=", 8) == 0 &&
			    parse_decimal(line + 8, 2, 1 << 22, &pid) &&
			    sup_in_tree(s, (pid_t)pid)) {
				struct procinfo pi;
				sup_set_main(s, (pid_t)pid,
				    proc_get((pid_t)pid, &pi) == 0 &&
				    pi.ppid == s->self);
			}
		}
		for (line = buf; line < buf + n; line += strlen(line) + 1)
			if (strcmp(line, "READY=1") == 0 && !s->stopping)
				sup_ready(s);
	}
}

static int
sup_notify_open(struct sup *s)
{
	struct sockaddr_un sun;
	socklen_t len;
	int	 one = 1;

	snprintf(s->notify_name, sizeof s->notify_name,
	    "@activator/notify/%ld", (long)s->self);
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path + 1, s->notify_name + 1,
	    strlen(s->notify_name) - 1);
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
	    strlen(s->notify_name));
	s->notify_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, 0);
	if (s->notify_fd == -1 ||
	    setsockopt(s->notify_fd, SOL_SOCKET, SO_PASSCRED, &one,
	    sizeof one) == -1 ||
	    bind(s->notify_fd, (struct sockaddr *)&sun, len) == -1)
		return -1;
	return 0;
}

/* Signal every process of the tree; TERM each one once. */
static size_t
sup_signal_tree(struct sup *s, int sig)
{
	struct procinfo *all;
	pid_t	*tree;
	size_t	 n, ntree, i, j;

	all = proc_scan(&n);
	tree = proc_descendants(all, n, s->self, &ntree);
	for (i = 0; i < ntree; i++) {
		if (sig == SIGTERM && pid_in(s->termed, s->ntermed, tree[i]))
			continue;
		for (j = 0; j < n && all[j].pid != tree[i]; j++)
			;
		if (j < n && all[j].state == 'Z')
			continue;
		proc_signal(tree[i], j < n ? all[j].start : 0, sig);
		if (sig == SIGTERM) {
			s->termed = xreallocarray(s->termed, s->ntermed + 1,
			    sizeof *s->termed);
			s->termed[s->ntermed++] = tree[i];
		}
	}
	free(tree);
	free(all);
	return ntree;
}

/* Close every inherited descriptor but the ones in KEEP. */
static void
sup_close_inherited(const int *keep, size_t nkeep)
{
	struct dirent *de;
	DIR	*d;
	int	 fd, *close_list = NULL;
	size_t	 n = 0, i;

	if ((d = opendir("/proc/self/fd")) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		fd = atoi(de->d_name);
		if (fd <= 2 || fd == dirfd(d))
			continue;
		for (i = 0; i < nkeep && keep[i] != fd; i++)
			;
		if (i < nkeep)
			continue;
		close_list = xreallocarray(close_list, n + 1, sizeof *close_list);
		close_list[n++] = fd;
	}
	closedir(d);
	for (i = 0; i < n; i++)
		close(close_list[i]);
	free(close_list);
}

/* PROXY HOOKS: what the proxy reports, passed on to the core. */
static void
sup_proxy_ready(void *arg)
{
	struct sup *s = arg;

	sup_report(s, SUP_READY, s->main, 0, NULL);
}

static void
sup_proxy_failed(void *arg, const char *why)
{
	sup_fail(arg, "%s", why);
}

static void
sup_proxy_stats(void *arg, const struct relay_stats *st)
{
	char	 text[128];

	proxy_stats_format(st, text, sizeof text);
	sup_report(arg, SUP_PROXY, 0, 0, "%s", text);
}

static void
sup_proxy_log(void *arg, int level, const char *msg)
{
	sup_log(arg, level, "%s", msg);
}

static void
sup_on_proxy(struct sup *s)
{
	proxy_run(s->proxy);
}

/* The tree is gone: deliver what is here, close every relay, exit. */
static void __attribute__((noreturn))
sup_exit(struct sup *s, int status)
{
	proxy_free(s->proxy);
	s->proxy = NULL;
	_exit(status);
}

/* IDLE HOOK: is every process of the tree stopped (or ended)? */
static int
sup_tree_stopped(struct sup *s)
{
	struct procinfo *all;
	pid_t	*tree;
	size_t	 n, ntree, i, j;
	int	 stopped = 1;

	all = proc_scan(&n);
	tree = proc_descendants(all, n, s->self, &ntree);
	for (i = 0; i < ntree && stopped; i++) {
		for (j = 0; j < n && all[j].pid != tree[i]; j++)
			;
		if (j < n && all[j].state != 'T' && all[j].state != 't' &&
		    all[j].state != 'Z' && all[j].state != 'X')
			stopped = 0;
	}
	free(tree);
	free(all);
	return stopped;
}

/*
 * IDLE HOOK: freeze the tree for the core's final look before an idle
 * stop, so no process can accept a client meanwhile. SIGSTOP is not
 * synchronous: the answer waits until every process shows as stopped
 * (a process forked meanwhile is stopped at the next look). handoff =
 * proxy: the program sees no client but through us, so holding new
 * clients back is enough, and the answer is the live relays.
 */
static void
sup_freeze(struct sup *s, int on)
{
	if (on && s->stopping) {
		sup_report(s, SUP_FROZEN, 0, -1, NULL);
		return;
	}
	if (s->proxy != NULL) {
		size_t	 n = proxy_hold(s->proxy, on);
		if (on)
			sup_report(s, SUP_FROZEN, 0, n > INT32_MAX ? INT32_MAX :
			    (int)n, NULL);
		return;
	}
	if (on) {
		s->frozen = 1;
		s->freeze_tries = 0;
		sup_signal_tree(s, SIGSTOP);
		s->freeze_check_at = now_ms();
	} else if (s->frozen) {
		s->frozen = 0;
		s->freeze_check_at = 0;
		sup_signal_tree(s, SIGCONT);
	}
}

static void
sup_freeze_check(struct sup *s)
{
	if (sup_tree_stopped(s)) {
		s->freeze_check_at = 0;
		sup_report(s, SUP_FROZEN, 0, 0, NULL);
		return;
	}
	if (++s->freeze_tries >= FREEZE_TRIES) {
		/* The core thaws the tree on this answer. */
		s->freeze_check_at = 0;
		sup_log(s, LOG_WARNING, "idle stop: the tree did not stop "
		    "within %d ms", FREEZE_TRIES * FREEZE_CHECK_MS);
		sup_report(s, SUP_FROZEN, 0, -1, NULL);
		return;
	}
	sup_signal_tree(s, SIGSTOP);
	s->freeze_check_at = now_ms() + FREEZE_CHECK_MS;
}

/* Is anything of ours left: a process below us, or a child to reap? */
static int
sup_tree_empty(struct sup *s)
{
	struct procinfo *all;
	pid_t	*tree;
	size_t	 n, ntree;

	sup_reap(s);
	all = proc_scan(&n);
	tree = proc_descendants(all, n, s->self, &ntree);
	free(tree);
	free(all);
	return ntree == 0 && waitpid(-1, NULL, WNOHANG) == -1 &&
	    errno == ECHILD;
}

/*
 * Deadlines: the settle time of a fork-once daemon, the pidfile poll,
 * and while stopping or draining, the progress of the tree (TERM each
 * new process once, KILL at the deadline, exit when nothing is left).
 * Returns the next deadline (ms), or 0 for none.
 */
static long long
sup_on_deadlines(struct sup *s)
{
	long long now = now_ms(), next = 0;

	if (s->settle_at && s->settle_at <= now && !s->stopping) {
		/* The candidate may have forked on meanwhile. */
		sup_reap(s);
		if (s->settle_at && s->settle_at <= now && !s->stopping) {
			if (s->rechoose)
				sup_rechoose(s);
			sup_ready(s);
		}
	}
	if (s->pidfile_at && s->pidfile_at <= now && !s->ready &&
	    !s->stopping)
		sup_read_pidfile(s);
	if (s->freeze_check_at && s->freeze_check_at <= now && !s->stopping)
		sup_freeze_check(s);
	if (s->stopping) {
		sup_signal_tree(s, s->kill_at <= now ? SIGKILL : SIGTERM);
		/* IDLE HOOK: frozen processes see their TERM once thawed. */
		if (s->frozen) {
			s->frozen = 0;
			s->freeze_check_at = 0;
			sup_signal_tree(s, SIGCONT);
		}
		if (sup_tree_empty(s))
			sup_exit(s, 0);
		next = now + SUP_TICK_MS;
	} else if (s->draining) {
		if (sup_tree_empty(s))
			sup_exit(s, 0);
		next = now + SUP_TICK_MS;
	}
	if (s->settle_at && (next == 0 || s->settle_at < next))
		next = s->settle_at;
	if (s->pidfile_at && (next == 0 || s->pidfile_at < next))
		next = s->pidfile_at;
	if (s->freeze_check_at && (next == 0 || s->freeze_check_at < next))
		next = s->freeze_check_at;
	return next;
}

static void
sup_on_signal(struct sup *s)
{
	struct signalfd_siginfo si;

	while (read(s->sig_fd, &si, sizeof si) > 0)
		if (si.ssi_signo == SIGTERM)
			sup_stop(s);
	sup_reap(s);
}

/*
 * accept = yes: spawn an instance for a connection the core accepted.
 * Its output goes to a pipe of its own, whose read end goes to the core
 * with the report: lines of different instances are never mixed.
 */
static void
sup_spawn_instance(struct sup *s, const struct sup_msg *m, int cfd)
{
	struct spawn_req req;
	char	*cause = NULL;
	int	 out[2] = { -1, -1 }, err;
	pid_t	 pid;

	if (cfd == -1 || s->stopping || s->draining || !s->conf->accept) {
		sup_report(s, SUP_INSTANCE_FAILED, ECANCELED, m->pid,
		    "connection not taken: %s", cfd == -1 ?
		    "no descriptor passed" : "supervisor stopping");
		if (cfd != -1)
			close(cfd);
		return;
	}
	if (pipe2(out, O_CLOEXEC) == -1) {
		sup_log(s, LOG_WARNING, "instance output pipe: %s",
		    strerror(errno));
		out[0] = out[1] = -1;
	}
	memset(&req, 0, sizeof req);
	req.conf = s->conf;
	req.mode = SPAWN_CONNECTION;
	req.fds = &cfd;
	req.nfds = 1;
	req.out_fd = out[1] != -1 ? out[1] : s->out_fd;
	if (m->text[0] != '\0') {
		req.remote_addr = m->text;
		req.remote_port = m->status;
	}
	pid = spawn_child(&req, &cause);
	err = errno;
	close(cfd);
	if (out[1] != -1)
		close(out[1]);
	if (pid == -1) {
		if (out[0] != -1)
			close(out[0]);
		sup_report(s, SUP_INSTANCE_FAILED, err, m->pid, "%s", cause);
		free(cause);
		return;
	}
	s->inst = xreallocarray(s->inst, s->ninst + 1, sizeof *s->inst);
	s->inst[s->ninst].pid = pid;
	s->inst[s->ninst].id = (uint32_t)m->pid;
	s->ninst++;
	if (!s->core_gone)
		supervise_send(s->fd, SUP_INSTANCE, pid, m->pid, NULL, out[0]);
	if (out[0] != -1)
		close(out[0]);
}

static void
sup_on_core(struct sup *s)
{
	struct sup_msg m;
	ssize_t	 r;
	int	 fd, i;

	for (i = 0; i < 64; i++) {
		r = supervise_recv(s->fd, &m, &fd);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (r <= 0) {
			/* activator is gone: stop the tree. */
			s->core_gone = 1;
			sup_stop(s);
			return;
		}
		if (r != (ssize_t)sizeof m || m.version != SUP_MSG_VERSION) {
			if (fd != -1)
				close(fd);
			continue;
		}
		m.text[sizeof m.text - 1] = '\0';
		switch (m.type) {
		case SUP_STOP:
			if (m.status == 1)	/* drain */
				s->draining = 1;
			else
				sup_stop(s);
			break;
		case SUP_CONN:
			sup_spawn_instance(s, &m, fd);
			fd = -1;
			break;
		case SUP_CLAIM_TIMEOUT:		/* BINDTRAP HOOK */
			sup_claim_timeout(s);
			break;
		case SUP_FREEZE:		/* IDLE HOOK */
			sup_freeze(s, m.status == 1);
			break;
		default:
			break;
		}
		if (fd != -1)
			close(fd);
	}
}

static void
sup_on_notify(struct sup *s)
{
	sup_notify_read(s);
}

/* A main process that is not our child ended. */
static void
sup_on_main_pidfd(struct sup *s)
{
	close(s->main_pidfd);
	s->main_pidfd = -1;
	/* Not our child: its status is not ours. */
	sup_reap(s);
	if (s->main != 0 && !proc_alive(s->main))
		sup_main_gone(s, -1);
}

/* BINDTRAP HOOK: the program's bind, listen and unlink calls. */
static void
sup_on_bindtrap(struct sup *s)
{
	struct pollfd pfd = { bindtrap_fd(s->trap), POLLIN, 0 };

	if (poll(&pfd, 1, 0) == 1)
		bindtrap_handle(s->trap, pfd.revents);
}

typedef void sup_handler(struct sup *);

/* One poll over every source, each with its handler. */
static void __attribute__((noreturn))
sup_loop(struct sup *s)
{
	struct pollfd pfd[5];
	sup_handler *handler[5];
	long long next, now;
	int	 np, i, timeout;

	for (;;) {
		next = sup_on_deadlines(s);
		now = now_ms();
		timeout = next == 0 ? -1 : (int)(next > now ? next - now : 0);
		np = 0;
#define SUP_SOURCE(f, h) do {						\
		pfd[np].fd = (f);					\
		pfd[np].events = POLLIN;				\
		pfd[np].revents = 0;					\
		handler[np++] = (h);					\
	} while (0)
		SUP_SOURCE(s->sig_fd, sup_on_signal);
		if (!s->core_gone)
			SUP_SOURCE(s->fd, sup_on_core);
		if (s->notify_fd != -1)
			SUP_SOURCE(s->notify_fd, sup_on_notify);
		if (s->main_pidfd != -1)
			SUP_SOURCE(s->main_pidfd, sup_on_main_pidfd);
		if (s->trap != NULL && bindtrap_fd(s->trap) != -1)
			SUP_SOURCE(bindtrap_fd(s->trap), sup_on_bindtrap);
		/* PROXY HOOK: the relay, its sockets and timers. */
		if (s->proxy != NULL)
			SUP_SOURCE(proxy_fd(s->proxy), sup_on_proxy);
#undef SUP_SOURCE
		if (poll(pfd, (nfds_t)np, timeout) == -1 && errno != EINTR)
			_exit(1);
		for (i = 0; i < np; i++)
			if (pfd[i].revents != 0)
				handler[i](s);
	}
}

/* Activator's handlers must never run here: all back to default. */
static void
sup_reset_signals(sigset_t *mask)
{
	struct sigaction sa;
	int	 sig;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_DFL;
	for (sig = 1; sig < NSIG; sig++)
		sigaction(sig, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	/* SIGTERM stops the tree like a stop request; others are ignored. */
	sigemptyset(mask);
	sigaddset(mask, SIGCHLD);
	sigaddset(mask, SIGTERM);
	sigprocmask(SIG_SETMASK, mask, NULL);
}

static void
sup_init_state(struct sup *s, int fd)
{
	memset(s, 0, sizeof *s);
	s->fd = fd;
	s->self = getpid();
	s->main_pidfd = s->notify_fd = s->sig_fd = -1;
	s->out_fd = -1;
}

/* Subreaper and signalfd: what makes this process a supervisor. */
static void
sup_become(struct sup *s, const sigset_t *mask)
{
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) == -1) {
		sup_report(s, SUP_FAILED, 0, -1, "supervisor: "
		    "PR_SET_CHILD_SUBREAPER: %s", strerror(errno));
		_exit(SUP_EXIT_REPORTED);
	}
	if ((s->sig_fd = signalfd(-1, mask, SFD_CLOEXEC | SFD_NONBLOCK)) ==
	    -1) {
		sup_report(s, SUP_FAILED, 0, -1, "supervisor: signalfd: %s",
		    strerror(errno));
		_exit(SUP_EXIT_REPORTED);
	}
}

/* The service's part: its config, output and sockets' inodes. */
static void
sup_adopt(struct sup *s, const struct sup_params *p)
{
	char	 name[16];
	size_t	 k;

	s->conf = p->conf;
	s->out_fd = p->out_fd;
	for (k = 0; k < p->nfds && k < CONF_MAX_LISTEN; k++) {
		struct stat st;
		if (fstat(p->fds[k], &st) == 0 && s->ninodes < 64)
			s->inodes[s->ninodes++] = st.st_ino;
	}
	snprintf(name, sizeof name, "sup:%s", p->conf->name);
	prctl(PR_SET_NAME, name);
}

/* Before the loop: reset what a fork of activator inherited. */
static void
sup_setup(struct sup *s, const struct sup_params *p, int fd)
{
	sigset_t mask;
	int	 keep[CONF_MAX_LISTEN + 2], nkeep = 0;
	size_t	 k;

	sup_reset_signals(&mask);
	sup_init_state(s, fd);
	keep[nkeep++] = fd;
	if (p->out_fd != -1)
		keep[nkeep++] = p->out_fd;
	for (k = 0; k < p->nfds && k < CONF_MAX_LISTEN; k++)
		keep[nkeep++] = p->fds[k];
	sup_close_inherited(keep, (size_t)nkeep);
	spawn_forget();
	sup_adopt(s, p);
	sup_become(s, &mask);
}

/*
 * accept = no: launch the program; it gets the sockets, we keep none
 * (handoff = bind: we keep them until it binds).
 */
static void
sup_launch(struct sup *s, const struct sup_params *p)
{
	struct spawn_req req;
	struct bindtrap_req trapreq;
	char	*cause = NULL;
	size_t	 k;
	pid_t	 pid;

	if (p->conf->type == TYPE_NOTIFY && sup_notify_open(s) == -1) {
		sup_report(s, SUP_FAILED, 0, -1, "supervisor: notify socket: "
		    "%s", strerror(errno));
		_exit(SUP_EXIT_REPORTED);
	}
	/* A pidfile left by a dead daemon would be read as ours. */
	if (p->conf->pidfile != NULL)
		sup_remove_stale_pidfile(s, p->conf->pidfile);
	/*
	 * PROXY HOOK: the supervisor keeps the sockets and relays; the
	 * program gets none of them.
	 */
	if (p->conf->handoff == HANDOFF_PROXY) {
		struct proxy_hooks ph = { sup_proxy_ready, sup_proxy_failed,
		    sup_proxy_stats, sup_proxy_log, s };
		if ((s->proxy = proxy_new(p->conf, p->fds, p->nfds, &ph,
		    &cause)) == NULL) {
			sup_report(s, SUP_FAILED, 0, -1, "supervisor: proxy: "
			    "%s", cause);
			_exit(SUP_EXIT_REPORTED);
		}
	}
	memset(&req, 0, sizeof req);
	req.conf = p->conf;
	req.mode = p->mode;
	req.fds = p->fds;
	req.nfds = s->proxy != NULL ? 0 : p->nfds;
	req.out_fd = p->out_fd;
	req.notify_socket = s->notify_fd != -1 ? s->notify_name : NULL;
	/* BINDTRAP HOOK: the sockets stay here until the program binds. */
	if (p->conf->handoff == HANDOFF_BIND) {
		s->trap = bindtrap_new(p->conf, p->fds, p->nfds, p->backlog,
		    sup_claimed, sup_bindtrap_log, s);
		if (bindtrap_prepare(s->trap, &trapreq, &cause) == -1) {
			sup_report(s, SUP_FAILED, 0, -1, "%s", cause);
			_exit(SUP_EXIT_REPORTED);
		}
		req.mode = SPAWN_BIND;
		req.fds = NULL;
		req.nfds = 0;
		req.bindtrap = &trapreq;
	}
	pid = spawn_child(&req, &cause);
	if (pid == -1) {
		sup_report(s, SUP_FAILED, 0, -1, "%s", cause);
		_exit(SUP_EXIT_REPORTED);
	}
	for (k = 0; k < p->nfds && s->trap == NULL && s->proxy == NULL; k++)
		close(p->fds[k]);
	s->launched = pid;
	s->main = pid;
	sup_report(s, SUP_LAUNCHED, pid, 0, NULL);
	if (s->trap != NULL && bindtrap_attach(s->trap, &cause) == -1)
		sup_fail(s, "%s", cause);
	if (p->conf->type == TYPE_SIMPLE)
		sup_ready(s);
}

static void __attribute__((noreturn))
sup_main(const struct sup_params *p, int fd)
{
	struct sup s;

	sup_setup(&s, p, fd);
	if (!p->conf->accept)
		sup_launch(&s, p);
	sup_loop(&s);
}

static void	sup_spare_main(int) __attribute__((noreturn));

/*
 * Fork a supervisor: for one start of the service P, or a spare when P
 * is NULL. Returns its pid and the core's end of the socketpair in
 * *core_fd.
 */
static pid_t
supervise_fork(const struct sup_params *p, int *core_fd, char **cause)
{
	sigset_t all, old;
	int	 sv[2], sndbuf = 1 << 20, saved;
	pid_t	 pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1) {
		saved = errno;
		xasprintf(cause, "socketpair: %s", strerror(saved));
		errno = saved;
		return -1;
	}
	/* The core never blocks on a supervisor; a supervisor may. */
	if (fcntl(sv[0], F_SETFL, O_NONBLOCK) == -1) {
		saved = errno;
		xasprintf(cause, "socketpair O_NONBLOCK: %s", strerror(saved));
		close(sv[0]);
		close(sv[1]);
		errno = saved;
		return -1;
	}
	/*
	 * Room for many connections in flight (accept = yes; a spare may
	 * be assigned one).
	 */
	if ((p == NULL || p->conf->accept) && setsockopt(sv[0], SOL_SOCKET,
	    SO_SNDBUFFORCE, &sndbuf, sizeof sndbuf) == -1)
		(void)setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sndbuf,
		    sizeof sndbuf);
	/* No signal may reach activator's handlers in the child. */
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	pid = fork();
	if (pid == 0) {
		close(sv[0]);
		if (p == NULL)
			sup_spare_main(sv[1]);
		sup_main(p, sv[1]);
	}
	saved = errno;
	sigprocmask(SIG_SETMASK, &old, NULL);
	close(sv[1]);
	if (pid == -1) {
		xasprintf(cause, "fork: %s", strerror(saved));
		close(sv[0]);
		errno = saved;
		return -1;
	}
	*core_fd = sv[0];
	return pid;
}

pid_t
supervise_start(const struct sup_params *p, int *core_fd, char **cause)
{
	return supervise_fork(p, core_fd, cause);
}

/*
 * SUP_ASSIGN's text. The config is named by its address: the spare is a
 * fork of the core, and the core only assigns a spare forked after the
 * config was loaded, so the address holds the same config in both. The
 * name is checked all the same.
 */
struct sup_assign {
	uint64_t	 conf;
	int32_t		 mode;
	int32_t		 nfds;
	int32_t		 has_out;
	int32_t		 backlog;
	char		 name[200];
};

#define SUP_ASSIGN_MAXFDS	(CONF_MAX_LISTEN + 1)
_Static_assert(sizeof(struct sup_assign) <= sizeof(((struct sup_msg *)0)->text),
    "struct sup_assign must fit in a record's text");

int
supervise_assign(int fd, const struct sup_params *p)
{
	union {
		char	 buf[CMSG_SPACE(sizeof(int) * SUP_ASSIGN_MAXFDS)];
		struct cmsghdr align;
	} u;
	struct sup_assign a;
	struct sup_msg m;
	struct msghdr msg;
	struct iovec iov;
	struct cmsghdr *cm;
	int	 fds[SUP_ASSIGN_MAXFDS], nfds = 0;
	size_t	 k;
	ssize_t	 n;

	if (p->nfds > CONF_MAX_LISTEN ||
	    strlen(p->conf->name) >= sizeof a.name) {
		errno = EINVAL;
		return -1;
	}
	memset(&a, 0, sizeof a);
	a.conf = (uint64_t)(uintptr_t)p->conf;
	a.mode = (int32_t)p->mode;
	a.nfds = (int32_t)p->nfds;
	a.has_out = p->out_fd != -1;
	a.backlog = p->backlog;
	memcpy(a.name, p->conf->name, strlen(p->conf->name));
	if (p->out_fd != -1)
		fds[nfds++] = p->out_fd;
	for (k = 0; k < p->nfds; k++)
		fds[nfds++] = p->fds[k];

	memset(&m, 0, sizeof m);
	m.version = SUP_MSG_VERSION;
	m.type = SUP_ASSIGN;
	memcpy(m.text, &a, sizeof a);
	memset(&msg, 0, sizeof msg);
	iov.iov_base = &m;
	iov.iov_len = sizeof m;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	if (nfds > 0) {
		memset(&u, 0, sizeof u);
		msg.msg_control = u.buf;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)nfds);
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)nfds);
		memcpy(CMSG_DATA(cm), fds, sizeof(int) * (size_t)nfds);
	}
	do
		n = sendmsg(fd, &msg, MSG_NOSIGNAL);
	while (n == -1 && errno == EINTR);
	return n == (ssize_t)sizeof m ? 0 : -1;
}

/* The assignment and its descriptors; -1 on EOF or error. */
static int
sup_spare_recv(int fd, struct sup_msg *m, int *fds, size_t *nfds)
{
	union {
		char	 buf[CMSG_SPACE(sizeof(int) * SUP_ASSIGN_MAXFDS)];
		struct cmsghdr align;
	} u;
	struct msghdr msg;
	struct iovec iov;
	struct cmsghdr *cm;
	size_t	 n;
	ssize_t	 r;

	*nfds = 0;
	memset(&msg, 0, sizeof msg);
	iov.iov_base = m;
	iov.iov_len = sizeof *m;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = u.buf;
	msg.msg_controllen = sizeof u.buf;
	do
		r = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
	while (r == -1 && errno == EINTR);
	if (r <= 0)
		return -1;
	for (cm = CMSG_FIRSTHDR(&msg); cm != NULL; cm = CMSG_NXTHDR(&msg, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		if (*nfds + n > SUP_ASSIGN_MAXFDS)
			n = SUP_ASSIGN_MAXFDS - *nfds;
		memcpy(fds + *nfds, CMSG_DATA(cm), n * sizeof(int));
		*nfds += n;
	}
	if (r != (ssize_t)sizeof *m || m->version != SUP_MSG_VERSION ||
	    m->type != SUP_ASSIGN || (msg.msg_flags & MSG_CTRUNC))
		return -1;
	return 0;
}

/*
 * The spare: everything a supervisor does before it knows its service,
 * done ahead; then wait for the assignment and be that supervisor.
 */
static void __attribute__((noreturn))
sup_spare_main(int fd)
{
	struct sup s;
	struct sup_params p;
	struct sup_assign a;
	struct sup_msg m;
	struct pollfd pfd[2];
	struct signalfd_siginfo si;
	sigset_t mask;
	int	 fds[SUP_ASSIGN_MAXFDS];
	size_t	 nfds;

	sup_reset_signals(&mask);
	sup_init_state(&s, fd);
	sup_close_inherited(&fd, 1);
	spawn_forget();
	/* What the first spawn would look up: now, not on the way. */
	if (spawn_init() == -1)
		_exit(1);
	spawn_prepare();
	prctl(PR_SET_NAME, SUP_SPARE_NAME);
	sup_become(&s, &mask);

	for (;;) {
		pfd[0].fd = fd;
		pfd[1].fd = s.sig_fd;
		pfd[0].events = pfd[1].events = POLLIN;
		if (poll(pfd, 2, -1) == -1 && errno != EINTR)
			_exit(1);
		if (pfd[1].revents != 0)
			while (read(s.sig_fd, &si, sizeof si) > 0)
				if (si.ssi_signo == SIGTERM)
					_exit(0);
		if (pfd[0].revents != 0)
			break;
	}
	/* The core closed its end (shutdown, reload) or said nonsense. */
	if (sup_spare_recv(fd, &m, fds, &nfds) == -1)
		_exit(0);
	memcpy(&a, m.text, sizeof a);
	a.name[sizeof a.name - 1] = '\0';
	memset(&p, 0, sizeof p);
	p.conf = (const struct service_conf *)(uintptr_t)a.conf;
	p.mode = (enum spawn_mode)a.mode;
	p.backlog = a.backlog;
	p.out_fd = a.has_out ? fds[0] : -1;
	p.fds = fds + (a.has_out ? 1 : 0);
	p.nfds = nfds - (a.has_out ? 1 : 0);
	if (nfds < (size_t)a.has_out || p.nfds != (size_t)a.nfds ||
	    strcmp(p.conf->name, a.name) != 0) {
		sup_report(&s, SUP_FAILED, 0, -1, "supervisor: bad "
		    "assignment for %s", a.name);
		_exit(SUP_EXIT_REPORTED);
	}
	sup_adopt(&s, &p);
	if (!p.conf->accept)
		sup_launch(&s, &p);
	sup_loop(&s);
}

pid_t
supervise_spare(int *core_fd, char **cause)
{
	return supervise_fork(NULL, core_fd, cause);
}
