/* SPDX-License-Identifier: ISC */
/*
 * spawn.c -- the one path by which activator starts a program, whatever
 * the kind of service: descriptors, environment, credentials, limits,
 * signal state, exec. Knows nothing about libevent.
 *
 * The child is made with vfork(): no page tables are copied, which is
 * the whole cost of a per-connection service. The child shares our
 * memory until it execs, so everything is prepared here beforehand and
 * the child makes raw system calls only: no allocation, no stdio, no
 * libc wrapper that a sanitizer or a signal handler could intercept.
 */
#include "config.h"

#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bindtrap.h"
#include "conf.h"
#include "log.h"
#include "spawn.h"
#include "xmalloc.h"

#define SPAWN_PATH	"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define SPAWN_MAXFDS	64
#define PIDBUF_LEN	24

/* The kernel's struct sigaction for rt_sigaction(2). */
struct kernel_sigaction {
	void		(*handler)(int);
	unsigned long	 flags;
	void		(*restorer)(void);
	unsigned long	 mask;
};

/* Everything the child needs, ready before vfork. */
struct spawn_ctx {
	const struct service_conf *conf;
	int		 src[SPAWN_MAXFDS];	/* fd to place at each index */
	int		 ntargets;
	char		**envp;
	char		*pidbuf;	/* digits of LISTEN_PID go here */
	int		 drop;		/* change credentials */
	gid_t		*groups;
	int		 ngroups;
	uid_t		 uid;
	gid_t		 gid;
	struct rlimit	 nofile;
	int		 has_trap;	/* handoff = bind */
	struct bindtrap_child trap;
	int		 restore_nofile;
	int		 nofile_first;	/* raise before moving descriptors */
	/* Written by the child on failure, read by the parent. */
	const char *volatile fail_step;
	volatile int	 fail_errno;
};

static int	 devnull = -1;
/* Signals whose disposition is not the default, to reset in the child. */
static int	 reset[64];
static int	 nreset = -1;
static struct rlimit spawn_nofile;
static int	 spawn_nofile_set;

/* Open what every spawn needs, so a spawn needs no descriptor of its own. */
int
spawn_init(void)
{
	if (devnull == -1)
		devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	return devnull == -1 ? -1 : 0;
}

/*
 * Which signals have a handler or are ignored: only those need a reset
 * in the child (exec resets handlers, but a signal may arrive before it).
 * Dispositions are set once at start-up, so this is looked up once.
 */
static void
spawn_find_handled(void)
{
	struct sigaction sa;
	int	 sig;

	if (nreset != -1)
		return;
	nreset = 0;
	for (sig = 1; sig < 65 && nreset < 64; sig++) {
		if (sig == SIGKILL || sig == SIGSTOP)
			continue;
		/* libc hides its own signals (32, 33): reset them anyway. */
		if (sigaction(sig, NULL, &sa) == -1 || sa.sa_handler != SIG_DFL)
			reset[nreset++] = sig;
	}
}

/* Look up now what the first spawn would (a spare supervisor). */
void
spawn_prepare(void)
{
	spawn_find_handled();
}

/* After a fork that closed every inherited descriptor: open afresh. */
void
spawn_forget(void)
{
	devnull = -1;
	nreset = -1;
}

/* Children get activator's original descriptor limit, not the raised one. */
void
spawn_set_nofile(const struct rlimit *rl)
{
	spawn_nofile = *rl;
	spawn_nofile_set = 1;
}

static void __attribute__((noreturn))
child_fail(struct spawn_ctx *c, const char *step)
{
	c->fail_step = step;
	c->fail_errno = errno;
	syscall(SYS_exit_group, 127);
	for (;;)
		;
}

/* Write PID's digits into buf (async-signal-safe). */
static void
child_format_pid(char *buf, long pid)
{
	char	tmp[PIDBUF_LEN];
	int	n = 0, i = 0;

	do {
		tmp[n++] = (char)('0' + pid % 10);
		pid /= 10;
	} while (pid > 0 && n < PIDBUF_LEN - 1);
	while (n > 0)
		buf[i++] = tmp[--n];
	buf[i] = '\0';
}

/*
 * In the vforked child. The order matters: signal state first (a signal
 * must not run one of activator's handlers here), then a new session,
 * the descriptor limit (so the sockets can be put in place even when
 * activator is at its own limit), descriptors, credentials last but
 * before exec, dropped in the order groups, gid, uid, and verified.
 */
static void __attribute__((noreturn))
spawn_exec(struct spawn_ctx *c)
{
	struct kernel_sigaction ksa;
	unsigned long empty = 0;
	uid_t	 r, e, s;
	gid_t	 rg, eg, sg;
	int	 copy[SPAWN_MAXFDS];
	int	 i;
	long	 ret;
	const char *step;

	memset(&ksa, 0, sizeof ksa);
	ksa.handler = SIG_DFL;
	for (i = 0; i < nreset; i++)
		syscall(SYS_rt_sigaction, reset[i], &ksa, NULL, 8);
	if (syscall(SYS_setsid) == -1)
		child_fail(c, "setsid");
	/*
	 * handoff = bind: the filter goes in while we may still be root, so
	 * no_new_privs is not needed and set-uid programs keep working.
	 */
	if (c->has_trap && (step = bindtrap_child_install(&c->trap)) != NULL)
		child_fail(c, step);

	/*
	 * Moving the sockets needs free descriptor numbers: under the higher
	 * of activator's limit and the child's, so set a higher child limit
	 * first and a lower one only once the table is trimmed.
	 */
	if (c->restore_nofile && c->nofile_first &&
	    syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, &c->nofile, NULL) == -1)
		child_fail(c, "setrlimit RLIMIT_NOFILE");

	/* Copy sources above every target, then put each in place. */
	for (i = 0; i < c->ntargets; i++) {
		ret = syscall(SYS_fcntl, c->src[i], F_DUPFD, c->ntargets);
		if (ret == -1)
			child_fail(c, "dup");
		copy[i] = (int)ret;
	}
	for (i = 0; i < c->ntargets; i++)
		if (syscall(SYS_dup3, copy[i], i, 0) == -1)
			child_fail(c, "dup3");
	if (syscall(SYS_close_range, c->ntargets, ~0U, 0) == -1) {
		for (i = c->ntargets; i < 1024; i++)
			syscall(SYS_close, i);
	}
	if (c->restore_nofile && !c->nofile_first &&
	    syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, &c->nofile, NULL) == -1)
		child_fail(c, "setrlimit RLIMIT_NOFILE");

	if (c->drop) {
		if (syscall(SYS_setgroups, c->ngroups, c->groups) == -1)
			child_fail(c, "setgroups");
		if (syscall(SYS_setresgid, c->gid, c->gid, c->gid) == -1)
			child_fail(c, "setgid");
		if (syscall(SYS_setresuid, c->uid, c->uid, c->uid) == -1)
			child_fail(c, "setuid");
		if (syscall(SYS_getresuid, &r, &e, &s) == -1 || r != c->uid ||
		    e != c->uid || s != c->uid ||
		    syscall(SYS_getresgid, &rg, &eg, &sg) == -1 ||
		    rg != c->gid || eg != c->gid || sg != c->gid) {
			errno = EPERM;
			child_fail(c, "verify credentials");
		}
		if (c->uid != 0 && syscall(SYS_setuid, 0) != -1) {
			errno = EPERM;
			child_fail(c, "verify credentials (setuid 0 worked)");
		}
	}
	syscall(SYS_umask, 022);
	if (syscall(SYS_chdir, c->conf->chdir) == -1)
		child_fail(c, "chdir");
	if (c->pidbuf != NULL)
		child_format_pid(c->pidbuf, syscall(SYS_getpid));
	syscall(SYS_rt_sigprocmask, SIG_SETMASK, &empty, NULL, 8);
	syscall(SYS_execve, c->conf->argv[0], c->conf->argv, c->envp);
	child_fail(c, "exec");
}

static int
env_configured(const struct service_conf *sc, const char *name)
{
	size_t	i, len = strlen(name);

	for (i = 0; i < sc->nenv; i++)
		if (strncmp(sc->env[i], name, len) == 0 && sc->env[i][len] == '=')
			return 1;
	return 0;
}

static void
env_add(char ***envp, size_t *n, char *entry)
{
	*envp = xreallocarray(*envp, *n + 2, sizeof **envp);
	(*envp)[(*n)++] = entry;
	(*envp)[*n] = NULL;
}

/*
 * A clean environment: activator's own is never passed on (LD_PRELOAD,
 * BASH_ENV and the like would reach every service).
 */
static char **
spawn_env(const struct spawn_req *req, struct spawn_ctx *c)
{
	const struct service_conf *sc = req->conf;
	char	**envp = NULL, *e, *names;
	size_t	  n = 0, i, len;
	int	  nfds = req->mode == SPAWN_CONNECTION ? 1 : (int)req->nfds;

	/* Defaults first; an `environment` entry of the same name wins. */
	if (!env_configured(sc, "PATH"))
		env_add(&envp, &n, xstrdup(SPAWN_PATH));
	if (sc->user != NULL) {
		const char *defaults[][2] = { { "HOME", sc->home },
		    { "USER", sc->user }, { "LOGNAME", sc->user },
		    { "SHELL", sc->shell } };
		for (i = 0; i < 4; i++) {
			if (env_configured(sc, defaults[i][0]))
				continue;
			xasprintf(&e, "%s=%s", defaults[i][0], defaults[i][1]);
			env_add(&envp, &n, e);
		}
	}
	for (i = 0; i < sc->nenv; i++)
		env_add(&envp, &n, xstrdup(sc->env[i]));
	/* No socket (handoff = proxy): no LISTEN_* either. */
	if (req->mode != SPAWN_STDIO && req->mode != SPAWN_BIND && nfds > 0) {
		xasprintf(&e, "LISTEN_FDS=%d", nfds);
		env_add(&envp, &n, e);
		e = xcalloc(1, sizeof "LISTEN_PID=" + PIDBUF_LEN);
		memcpy(e, "LISTEN_PID=", sizeof "LISTEN_PID=" - 1);
		c->pidbuf = e + sizeof "LISTEN_PID=" - 1;
		env_add(&envp, &n, e);
		len = (strlen(sc->name) + 1) * (size_t)nfds + 1;
		names = xcalloc(1, len);
		for (i = 0; i < (size_t)nfds; i++) {
			if (i > 0)
				strcat(names, ":");
			strcat(names, sc->name);
		}
		xasprintf(&e, "LISTEN_FDNAMES=%s", names);
		free(names);
		env_add(&envp, &n, e);
	}
	if (req->notify_socket != NULL) {
		xasprintf(&e, "NOTIFY_SOCKET=%s", req->notify_socket);
		env_add(&envp, &n, e);
	}
	if (req->remote_addr != NULL) {
		xasprintf(&e, "REMOTE_ADDR=%s", req->remote_addr);
		env_add(&envp, &n, e);
		xasprintf(&e, "REMOTE_PORT=%d", req->remote_port);
		env_add(&envp, &n, e);
	}
	return envp;
}

/*
 * Start the service's program as described by REQ; return its pid, or -1
 * with *cause ("exec: No such file or directory", ...). A child that
 * failed before exec has been reaped here.
 */
pid_t
spawn_child(const struct spawn_req *req, char **cause)
{
	const struct service_conf *sc = req->conf;
	struct spawn_ctx c;
	struct rlimit cur;
	sigset_t all, old;
	pid_t	 pid;
	int	 out, i, saved;
	char	**e;

	memset(&c, 0, sizeof c);
	c.conf = sc;
	if (req->nfds + 3 > SPAWN_MAXFDS) {
		xasprintf(cause, "too many sockets (%zu)", req->nfds);
		errno = EINVAL;
		return -1;
	}
	/* Kept open: one descriptor less to find per connection. */
	if (spawn_init() == -1) {
		saved = errno;
		xasprintf(cause, "open /dev/null: %s", strerror(saved));
		errno = saved;
		return -1;
	}
	out = req->out_fd != -1 ? req->out_fd : devnull;
	switch (req->mode) {
	case SPAWN_LISTEN_FDS:
		c.src[0] = devnull;
		c.src[1] = c.src[2] = out;
		for (i = 0; i < (int)req->nfds; i++)
			c.src[3 + i] = req->fds[i];
		c.ntargets = 3 + (int)req->nfds;
		break;
	case SPAWN_STDIO:
		c.src[0] = c.src[1] = req->fds[0];
		c.src[2] = out;
		c.ntargets = 3;
		break;
	case SPAWN_CONNECTION:
		c.src[0] = c.src[1] = c.src[3] = req->fds[0];
		c.src[2] = out;
		c.ntargets = 4;
		break;
	case SPAWN_BIND:
		c.src[0] = devnull;
		c.src[1] = c.src[2] = out;
		c.ntargets = 3;
		break;
	}
	if (req->bindtrap != NULL && req->bindtrap->sock != -1) {
		c.has_trap = 1;
		bindtrap_child_prepare(&c.trap, req->bindtrap);
	}
	if (sc->user != NULL || sc->group != NULL) {
		c.drop = 1;
		c.uid = sc->user != NULL ? sc->uid : getuid();
		c.gid = sc->gid;
		if (sc->user != NULL) {
			c.groups = sc->groups;
			c.ngroups = sc->ngroups;
		} else {
			c.groups = &c.gid;
			c.ngroups = 1;
		}
	}
	c.nofile = spawn_nofile;
	c.restore_nofile = spawn_nofile_set;
	/* Our hard limit may have been lowered since (prlimit): fit under it. */
	if (c.restore_nofile && getrlimit(RLIMIT_NOFILE, &cur) == 0) {
		if (cur.rlim_max != RLIM_INFINITY) {
			if (c.nofile.rlim_max == RLIM_INFINITY ||
			    c.nofile.rlim_max > cur.rlim_max)
				c.nofile.rlim_max = cur.rlim_max;
			if (c.nofile.rlim_cur == RLIM_INFINITY ||
			    c.nofile.rlim_cur > c.nofile.rlim_max)
				c.nofile.rlim_cur = c.nofile.rlim_max;
		}
		c.nofile_first = c.nofile.rlim_cur > cur.rlim_cur;
	}
	spawn_find_handled();
	c.envp = spawn_env(req, &c);

	/* Blocked until the child has reset every disposition. */
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	pid = vfork();
	if (pid == 0)
		spawn_exec(&c);
	sigprocmask(SIG_SETMASK, &old, NULL);

	for (e = c.envp; *e != NULL; e++)
		free(*e);
	free(c.envp);
	if (pid == -1) {
		saved = errno;
		xasprintf(cause, "fork: %s", strerror(saved));
		errno = saved;
		return -1;
	}
	if (c.fail_step != NULL) {
		xasprintf(cause, "%s failed: %s", c.fail_step,
		    strerror(c.fail_errno));
		while (waitpid(pid, NULL, 0) == -1 && errno == EINTR)
			;
		errno = c.fail_errno;
		return -1;
	}
	return pid;
}
