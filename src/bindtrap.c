/* SPDX-License-Identifier: ISC */
/*
 * bindtrap.c -- handoff = bind, at the system-call level.
 *
 * The launched process installs, just before exec, a seccomp filter that
 * turns bind(2), listen(2) and, when the service has unix paths,
 * unlink(2)/unlinkat(2) into user notifications, and sends the filter's
 * listener to its supervisor. Every process of the tree inherits the
 * filter, so a grandchild's bind is answered like its grandparent's.
 * Nothing of activator's is in the program's descriptor table until it
 * binds: then the supervisor installs the held socket at the program's
 * descriptor number (SECCOMP_IOCTL_NOTIF_ADDFD, SETFD) and makes the bind
 * return 0. Any other call continues untouched in the kernel. No preload
 * library, so Go and static programs are served like any other.
 *
 * What the supervisor reads from the program (the address, the socket it
 * names) is read while the program is blocked in the call and confirmed
 * with SECCOMP_IOCTL_NOTIF_ID_VALID afterwards, so a pid reused in
 * between is never acted on. A racing thread of the program can only
 * change which of its own service's sockets it gets: no decision here
 * protects anything from the program.
 */
#include "config.h"

#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/kcmp.h>
#include <linux/seccomp.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "addr.h"
#include "bindtrap.h"
#include "conf.h"
#include "xmalloc.h"

#if defined(__x86_64__)
#define NATIVE_ARCH	AUDIT_ARCH_X86_64
#define X32_BIT		0x40000000U	/* x32 calls: same numbers, this bit */
#define COMPAT_I386	1		/* 32-bit programs on a 64-bit kernel */
#elif defined(__i386__)
#define NATIVE_I386	1
#elif defined(__aarch64__)
#define NATIVE_ARCH	AUDIT_ARCH_AARCH64
#elif defined(__riscv) && __riscv_xlen == 64
#define NATIVE_ARCH	AUDIT_ARCH_RISCV64
#endif

/* The i386 numbers (native on i386, compat on x86_64). */
#define I386_UNLINK	10
#define I386_SOCKETCALL	102
#define I386_UNLINKAT	301
#define I386_BIND	361
#define I386_LISTEN	363
#define SOCKETCALL_BIND		2
#define SOCKETCALL_LISTEN	4

#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS	/* Linux 6.6 */
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS	SECCOMP_IOW(4, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP	(1UL << 0)
#endif

#ifndef PIDFD_THREAD
#define PIDFD_THREAD	O_EXCL		/* Linux 6.9 */
#endif

enum call_kind { CALL_OTHER, CALL_BIND, CALL_LISTEN, CALL_UNLINK,
    CALL_UNLINKAT };

/* ---- the filter ---- */

/* Jump targets filled in once the program's end is known. */
#define TO_NOTIFY	0xfe
#define TO_ALLOW	0xff

struct emit {
	struct sock_filter *f;
	size_t		 n, max;
};

static void
emit(struct emit *e, uint16_t code, uint32_t k, uint8_t jt, uint8_t jf)
{
	if (e->n < e->max)
		e->f[e->n] = (struct sock_filter){ code, jt, jf, k };
	e->n++;
}

static void
emit_nr(struct emit *e, uint32_t nr)
{
	emit(e, BPF_JMP | BPF_JEQ | BPF_K, nr, TO_NOTIFY, 0);
}

#if defined(COMPAT_I386) || defined(NATIVE_I386)
/* i386 makes socket calls either directly or through socketcall(2). */
static void
emit_i386(struct emit *e, int paths)
{
	emit(e, BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr),
	    0, 0);
	emit_nr(e, I386_BIND);
	emit_nr(e, I386_LISTEN);
	if (paths) {
		emit_nr(e, I386_UNLINK);
		emit_nr(e, I386_UNLINKAT);
	}
	emit(e, BPF_JMP | BPF_JEQ | BPF_K, I386_SOCKETCALL, 0, TO_ALLOW);
	/* Little-endian: the low word of args[0] is the call number. */
	emit(e, BPF_LD | BPF_W | BPF_ABS,
	    offsetof(struct seccomp_data, args[0]), 0, 0);
	emit_nr(e, SOCKETCALL_BIND);
	emit_nr(e, SOCKETCALL_LISTEN);
	emit(e, BPF_RET | BPF_K, SECCOMP_RET_ALLOW, 0, 0);
}
#endif

/*
 * The filter: the architecture first, then the call number, with no
 * look at arguments on the native architecture, so the kernel's
 * per-call cache answers "allow" for every other call without running
 * the filter at all. Returns the length (0 on an unknown architecture).
 */
size_t
bindtrap_filter(struct sock_filter *f, size_t max, int paths)
{
	struct emit e = { f, 0, max };
	size_t	 i, notify, allow;

#if defined(NATIVE_ARCH)
	size_t	 jump;

	emit(&e, BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch),
	    0, 0);
	jump = e.n;
	emit(&e, BPF_JMP | BPF_JEQ | BPF_K, NATIVE_ARCH, 0, 0);
	emit(&e, BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr),
	    0, 0);
#ifdef X32_BIT
	emit(&e, BPF_ALU | BPF_AND | BPF_K, ~X32_BIT, 0, 0);
#endif
	emit_nr(&e, __NR_bind);
	emit_nr(&e, __NR_listen);
	if (paths) {
#ifdef __NR_unlink
		emit_nr(&e, __NR_unlink);
#endif
		emit_nr(&e, __NR_unlinkat);
	}
	emit(&e, BPF_RET | BPF_K, SECCOMP_RET_ALLOW, 0, 0);
	if (jump < max)
		f[jump].jf = (uint8_t)(e.n - jump - 1);
#ifdef COMPAT_I386
	emit(&e, BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_I386, 0, TO_ALLOW);
	emit_i386(&e, paths);
#endif
#elif defined(NATIVE_I386)
	emit(&e, BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch),
	    0, 0);
	emit(&e, BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_I386, 0, TO_ALLOW);
	emit_i386(&e, paths);
#else
	(void)paths;
	return 0;
#endif
	allow = e.n;
	emit(&e, BPF_RET | BPF_K, SECCOMP_RET_ALLOW, 0, 0);
	notify = e.n;
	emit(&e, BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF, 0, 0);
	if (e.n > max)
		return 0;
	for (i = 0; i < allow; i++) {
		if (BPF_CLASS(f[i].code) != BPF_JMP)
			continue;
		if (f[i].jt == TO_NOTIFY)
			f[i].jt = (uint8_t)(notify - i - 1);
		else if (f[i].jt == TO_ALLOW)
			f[i].jt = (uint8_t)(allow - i - 1);
		if (f[i].jf == TO_NOTIFY)
			f[i].jf = (uint8_t)(notify - i - 1);
		else if (f[i].jf == TO_ALLOW)
			f[i].jf = (uint8_t)(allow - i - 1);
	}
	return e.n;
}

/* ---- the kernel's support ---- */

#define FILTER_FLAGS	(SECCOMP_FILTER_FLAG_NEW_LISTENER | \
	SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV)

/*
 * Install the filter in a throw-away child: that tells whether every
 * piece is there (user notification, the killable wait that keeps Go's
 * preemption signals from restarting a bind forever, ADDFD), and also
 * whether activator already runs under a filter that forbids it.
 */
static int
bindtrap_probe(const char **why)
{
	struct sock_filter insns[BINDTRAP_MAXINSNS];
	struct sock_fprog prog;
	pid_t	 pid;
	int	 status, code;

	prog.len = (unsigned short)bindtrap_filter(insns, BINDTRAP_MAXINSNS, 1);
	prog.filter = insns;
	if (prog.len == 0) {
		*why = "this processor architecture is not supported";
		return 0;
	}
	if (syscall(SYS_pidfd_getfd, -1, 0, 0) == -1 && errno == ENOSYS) {
		*why = "no pidfd_getfd(2) (Linux 5.6)";
		return 0;
	}
	if ((pid = fork()) == -1) {
		*why = "fork failed while checking for seccomp";
		return 0;
	}
	if (pid == 0) {
		struct seccomp_notif_addfd addfd;
		long fd;

		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
			_exit(100);
		fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, FILTER_FLAGS,
		    &prog);
		if (fd == -1)
			_exit(errno == ENOSYS ? 101 : errno == EINVAL ? 102 :
			    errno == EBUSY ? 103 : 104);
		/* ADDFD on an unknown id says ENOENT where it exists. */
		memset(&addfd, 0, sizeof addfd);
		addfd.id = 1;
		addfd.srcfd = (uint32_t)fd;
		if (ioctl((int)fd, SECCOMP_IOCTL_NOTIF_ADDFD, &addfd) == -1 &&
		    errno != ENOENT)
			_exit(105);
		_exit(0);
	}
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR) {
			*why = "waitpid failed while checking for seccomp";
			return 0;
		}
	code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	switch (code) {
	case 0:
		return 1;
	case 100:
		*why = "prctl(PR_SET_NO_NEW_PRIVS) failed";
		break;
	case 101:
		*why = "the kernel has no seccomp filters";
		break;
	case 102:
		*why = "the kernel has no seccomp user notification with "
		    "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (Linux 5.19)";
		break;
	case 103:
		*why = "activator runs under a seccomp filter that already "
		    "has a user-notification listener";
		break;
	case 105:
		*why = "the kernel has no SECCOMP_IOCTL_NOTIF_ADDFD (Linux 5.9)";
		break;
	default:
		*why = "installing a seccomp filter failed";
	}
	return 0;
}

int
bindtrap_supported(const char **why)
{
	static int	 cached = -1;
	static const char *reason = "";

	if (cached == -1)
		cached = bindtrap_probe(&reason);
	if (why != NULL)
		*why = reason;
	return cached;
}

/* ---- the launched process ---- */

void
bindtrap_child_prepare(struct bindtrap_child *c, const struct bindtrap_req *r)
{
	struct cmsghdr *cm;

	memset(c, 0, sizeof *c);
	c->prog.len = (unsigned short)bindtrap_filter(c->insns,
	    BINDTRAP_MAXINSNS, r->paths);
	c->prog.filter = c->insns;
	c->sock = r->sock;
	/* Root needs no no_new_privs, so set-uid programs keep working. */
	c->nnp = geteuid() != 0;
	c->iov.iov_base = &c->byte;
	c->iov.iov_len = 1;
	c->msg.msg_iov = &c->iov;
	c->msg.msg_iovlen = 1;
	c->msg.msg_control = c->cmsg.buf;
	c->msg.msg_controllen = sizeof c->cmsg.buf;
	cm = CMSG_FIRSTHDR(&c->msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	c->slot = (int *)(void *)CMSG_DATA(cm);
}

/*
 * In the vforked child, before credentials are dropped: system calls
 * only. Returns NULL, or the step that failed with errno set.
 */
const char *
bindtrap_child_install(struct bindtrap_child *c)
{
	long	 fd;

	if (c->prog.len == 0) {
		errno = ENOSYS;
		return "seccomp filter (unsupported architecture)";
	}
	if (c->nnp && syscall(SYS_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		return "prctl(PR_SET_NO_NEW_PRIVS)";
	fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, FILTER_FLAGS,
	    &c->prog);
	if (fd == -1 && errno == EACCES && !c->nnp) {
		/* Root without CAP_SYS_ADMIN (a user namespace, say). */
		if (syscall(SYS_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
			return "prctl(PR_SET_NO_NEW_PRIVS)";
		fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
		    FILTER_FLAGS, &c->prog);
	}
	if (fd == -1)
		return "seccomp(SECCOMP_SET_MODE_FILTER)";
	*c->slot = (int)fd;
	if (syscall(SYS_sendmsg, c->sock, &c->msg, MSG_NOSIGNAL) != 1) {
		syscall(SYS_close, fd);
		return "sending the seccomp listener";
	}
	syscall(SYS_close, fd);
	syscall(SYS_close, c->sock);
	return NULL;
}

/* ---- the supervisor ---- */

struct held {
	const struct addr *a;
	int		 fd;
	ino_t		 ino;		/* of the socket */
	dev_t		 fdev;		/* of the file at a unix path */
	ino_t		 fino;
	int		 has_file;
	int		 claimed;
};

#define OTHERS_MAX	8

struct bindtrap {
	const struct service_conf *conf;
	struct held	*held;
	size_t		 nheld;
	int		 backlog;
	int		 paths;
	int		 sv[2];
	int		 listener;
	pid_t		 self;
	pid_t		*claimers;
	size_t		 nclaimers;
	struct {
		int	 family;
		int	 type;
		char	 text[160];
	}		 others[OTHERS_MAX];	/* other binds, for warnings */
	size_t		 nothers;
	bindtrap_claim_cb *cb;
	bindtrap_log_cb	*log;
	void		*arg;
};

struct call {
	enum call_kind	 kind;
	int		 fd;
	uint64_t	 ptr;		/* sockaddr or path */
	uint32_t	 len;
	int		 backlog;
	int		 dirfd;
	int		 flags;
};

static void	tlog(const struct bindtrap *, int, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

/* Messages go to the supervisor, which logs them for the service. */
static void
tlog(const struct bindtrap *t, int level, const char *fmt, ...)
{
	char	 text[256];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	if (t->log != NULL)
		t->log(t->arg, level, text);
	else
		fprintf(stderr, "%s\n", text);
}

struct bindtrap *
bindtrap_new(const struct service_conf *conf, const int *fds, size_t nfds,
    int backlog, bindtrap_claim_cb *cb, bindtrap_log_cb *log, void *arg)
{
	struct bindtrap *t = xcalloc(1, sizeof *t);
	struct stat st;
	size_t	 i;

	t->conf = conf;
	t->backlog = backlog;
	t->cb = cb;
	t->log = log;
	t->arg = arg;
	t->sv[0] = t->sv[1] = t->listener = -1;
	t->self = getpid();
	t->nheld = nfds < conf->nlisten ? nfds : conf->nlisten;
	t->held = xcalloc(t->nheld, sizeof *t->held);
	for (i = 0; i < t->nheld; i++) {
		struct held *h = &t->held[i];
		h->a = &conf->listen[i];
		h->fd = fds[i];
		if (fstat(h->fd, &st) == 0)
			h->ino = st.st_ino;
		if (h->a->family == AF_UNIX && !h->a->abstract) {
			t->paths = 1;
			if (lstat(h->a->path, &st) == 0 && S_ISSOCK(st.st_mode)) {
				h->has_file = 1;
				h->fdev = st.st_dev;
				h->fino = st.st_ino;
			}
		}
	}
	return t;
}

/* Before spawning: the socket on which the child sends the listener. */
int
bindtrap_prepare(struct bindtrap *t, struct bindtrap_req *req, char **cause)
{
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, t->sv) == -1) {
		xasprintf(cause, "socketpair: %s", strerror(errno));
		return -1;
	}
	req->sock = t->sv[1];
	req->paths = t->paths;
	return 0;
}

/* After spawning: take the listener the child sent before its exec. */
int
bindtrap_attach(struct bindtrap *t, char **cause)
{
	union {
		char		 buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr	 align;
	} cbuf;
	struct msghdr msg;
	struct iovec iov;
	struct cmsghdr *cm;
	char	 byte;
	ssize_t	 n;

	close(t->sv[1]);
	t->sv[1] = -1;
	memset(&msg, 0, sizeof msg);
	iov.iov_base = &byte;
	iov.iov_len = 1;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cbuf.buf;
	msg.msg_controllen = sizeof cbuf.buf;
	n = recvmsg(t->sv[0], &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	close(t->sv[0]);
	t->sv[0] = -1;
	cm = n == 1 ? CMSG_FIRSTHDR(&msg) : NULL;
	if (cm == NULL || cm->cmsg_level != SOL_SOCKET ||
	    cm->cmsg_type != SCM_RIGHTS || cm->cmsg_len != CMSG_LEN(sizeof(int))) {
		xasprintf(cause, "no seccomp listener from the launched process");
		return -1;
	}
	memcpy(&t->listener, CMSG_DATA(cm), sizeof(int));
	/*
	 * The program waits while we answer: hand the CPU straight over
	 * both ways instead of going through the scheduler (Linux 6.6;
	 * older kernels just take the long way).
	 */
	ioctl(t->listener, SECCOMP_IOCTL_NOTIF_SET_FLAGS,
	    SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP);
	return 0;
}

int
bindtrap_fd(const struct bindtrap *t)
{
	return t->listener;
}

int
bindtrap_all_claimed(const struct bindtrap *t)
{
	size_t	 i;

	for (i = 0; i < t->nheld; i++)
		if (!t->held[i].claimed)
			return 0;
	return 1;
}

int
bindtrap_is_claimer(const struct bindtrap *t, pid_t pid)
{
	size_t	 i;

	for (i = 0; i < t->nclaimers; i++)
		if (t->claimers[i] == pid)
			return 1;
	return 0;
}

static int
same_kind(int fa, int ta, int fb, int tb)
{
	return ta == tb && (fa == AF_UNIX) == (fb == AF_UNIX);
}

/*
 * For the start-timeout warning: each unclaimed address, and what the
 * program bound instead of it (same kind of socket), if anything.
 */
void
bindtrap_unclaimed(const struct bindtrap *t, char *buf, size_t len)
{
	size_t	 i, j, o = 0;
	int	 any;

	buf[0] = '\0';
	for (i = 0; i < t->nheld && o < len; i++) {
		const struct held *h = &t->held[i];
		if (h->claimed)
			continue;
		o += (size_t)snprintf(buf + o, len - o, "%s%s not claimed",
		    o > 0 ? "; " : "", h->a->spec);
		any = 0;
		for (j = 0; j < t->nothers && o < len; j++) {
			if (!same_kind(h->a->family, h->a->socktype,
			    t->others[j].family, t->others[j].type))
				continue;
			o += (size_t)snprintf(buf + o, len - o, "%s%s",
			    any ? ", " : " (the program bound ",
			    t->others[j].text);
			any = 1;
		}
		if (any && o < len)
			o += (size_t)snprintf(buf + o, len - o, " instead)");
		else if (o < len)
			o += (size_t)snprintf(buf + o, len - o,
			    " (the program bound nothing like it)");
	}
}

static pid_t
tgid_of(pid_t tid)
{
	char	 path[64], line[128];
	FILE	*f;
	long	 v = -1;

	snprintf(path, sizeof path, "/proc/%ld/status", (long)tid);
	if ((f = fopen(path, "re")) == NULL)
		return tid;
	while (fgets(line, sizeof line, f) != NULL)
		if (sscanf(line, "Tgid: %ld", &v) == 1)
			break;
	fclose(f);
	return v > 0 ? (pid_t)v : tid;
}

/* The calling thread's descriptor table, through a pidfd. */
static int
target_pidfd(pid_t tid)
{
	long	 fd;

	fd = syscall(SYS_pidfd_open, tid, PIDFD_THREAD);
	if (fd == -1 && errno == EINVAL)
		fd = syscall(SYS_pidfd_open, tgid_of(tid), 0);
	return (int)fd;
}

static int
mem_read(pid_t tid, uint64_t addr, void *buf, size_t len)
{
	struct iovec local = { buf, len };
	struct iovec remote = { (void *)(uintptr_t)addr, len };
	char	 path[64];
	ssize_t	 n;
	int	 fd;

	n = process_vm_readv(tid, &local, 1, &remote, 1, 0);
	if (n == (ssize_t)len)
		return 0;
	if (n == -1 && errno != ENOSYS)
		return -1;
	snprintf(path, sizeof path, "/proc/%ld/mem", (long)tid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	n = pread(fd, buf, len, (off_t)addr);
	close(fd);
	return n == (ssize_t)len ? 0 : -1;
}

/* A NUL-terminated string, read a page at a time (it may end a mapping). */
static int
mem_read_string(pid_t tid, uint64_t addr, char *buf, size_t len)
{
	size_t	 o = 0, chunk;

	while (o < len - 1) {
		chunk = 4096 - (size_t)((addr + o) & 4095);
		if (chunk > len - 1 - o)
			chunk = len - 1 - o;
		if (mem_read(tid, addr + o, buf + o, chunk) == -1)
			return -1;
		if (memchr(buf + o, '\0', chunk) != NULL)
			return 0;
		o += chunk;
	}
	return -1;		/* longer than PATH_MAX: not ours */
}

static int
id_valid(const struct bindtrap *t, uint64_t id)
{
	return ioctl(t->listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) == 0;
}

static void
respond(const struct bindtrap *t, uint64_t id, int cont, int64_t val, int err)
{
	struct seccomp_notif_resp resp;

	memset(&resp, 0, sizeof resp);
	resp.id = id;
	if (cont)
		resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
	else {
		resp.val = val;
		resp.error = err != 0 ? -err : 0;
	}
	/* ENOENT: the caller is gone or was interrupted; nothing to do. */
	if (ioctl(t->listener, SECCOMP_IOCTL_NOTIF_SEND, &resp) == -1 &&
	    errno != ENOENT)
		tlog(t, LOG_WARNING, "bind handoff: answering a system "
		    "call: %s", strerror(errno));
}

/* Which call, with its arguments, whatever the calling convention. */
static int
decode(const struct seccomp_notif *req, struct call *c)
{
	const struct seccomp_data *d = &req->data;
	uint32_t nr = (uint32_t)d->nr, a[3];

	memset(c, 0, sizeof *c);
	c->kind = CALL_OTHER;
#ifdef NATIVE_ARCH
	if (d->arch == NATIVE_ARCH) {
#ifdef X32_BIT
		nr &= ~X32_BIT;
#endif
		if (nr == __NR_bind)
			c->kind = CALL_BIND;
		else if (nr == __NR_listen)
			c->kind = CALL_LISTEN;
#ifdef __NR_unlink
		else if (nr == __NR_unlink)
			c->kind = CALL_UNLINK;
#endif
		else if (nr == __NR_unlinkat)
			c->kind = CALL_UNLINKAT;
	}
#endif
	if (d->arch == AUDIT_ARCH_I386) {
		if (nr == I386_BIND)
			c->kind = CALL_BIND;
		else if (nr == I386_LISTEN)
			c->kind = CALL_LISTEN;
		else if (nr == I386_UNLINK)
			c->kind = CALL_UNLINK;
		else if (nr == I386_UNLINKAT)
			c->kind = CALL_UNLINKAT;
		else if (nr == I386_SOCKETCALL) {
			/* The arguments are an array in the program's memory. */
			if (mem_read(req->pid, (uint32_t)d->args[1], a,
			    sizeof a) == -1)
				return -1;
			if ((uint32_t)d->args[0] == SOCKETCALL_BIND)
				c->kind = CALL_BIND;
			else if ((uint32_t)d->args[0] == SOCKETCALL_LISTEN)
				c->kind = CALL_LISTEN;
			c->fd = (int)a[0];
			c->ptr = a[1];
			c->len = a[2];
			c->backlog = (int)a[1];
			return 0;
		}
	}
	switch (c->kind) {
	case CALL_BIND:
		c->fd = (int)(uint32_t)d->args[0];
		c->ptr = d->args[1];
		c->len = (uint32_t)d->args[2];
		break;
	case CALL_LISTEN:
		c->fd = (int)(uint32_t)d->args[0];
		c->backlog = (int)(uint32_t)d->args[1];
		break;
	case CALL_UNLINK:
		c->ptr = d->args[0];
		c->dirfd = AT_FDCWD;
		break;
	case CALL_UNLINKAT:
		c->dirfd = (int)(uint32_t)d->args[0];
		c->ptr = d->args[1];
		c->flags = (int)(uint32_t)d->args[2];
		break;
	case CALL_OTHER:
		break;
	}
	return 0;
}

static int
sock_describe(int fd, struct bind_sock *so)
{
	socklen_t len = sizeof(int);

	memset(so, 0, sizeof *so);
	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &so->family, &len) == -1)
		return -1;
	len = sizeof(int);
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &so->type, &len) == -1)
		return -1;
	len = sizeof(int);
	if (getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &so->protocol, &len) == -1)
		return -1;
	len = sizeof(int);
	if (so->family == AF_INET6 && getsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY,
	    &so->v6only, &len) == -1)
		return -1;
	return 0;
}

static int
held_by_inode(const struct bindtrap *t, int fd)
{
	struct stat st;
	size_t	 i;

	if (fstat(fd, &st) == -1)
		return -1;
	for (i = 0; i < t->nheld; i++)
		if (t->held[i].ino == st.st_ino)
			return (int)i;
	return -1;
}

/*
 * Where a path of the program leads, as a path we can stat: through its
 * root, its working directory or the directory descriptor it named.
 */
static int
resolve_path(pid_t tid, int dirfd, const char *path, char *out, size_t len)
{
	int	 n;

	if (path[0] == '/')
		n = snprintf(out, len, "/proc/%ld/root%s", (long)tid, path);
	else if (dirfd == AT_FDCWD)
		n = snprintf(out, len, "/proc/%ld/cwd/%s", (long)tid, path);
	else
		n = snprintf(out, len, "/proc/%ld/fd/%d/%s", (long)tid, dirfd,
		    path);
	return n > 0 && (size_t)n < len ? 0 : -1;
}

/* The held unix socket whose file PATH names, or -1. */
static int
held_by_file(const struct bindtrap *t, pid_t tid, int dirfd, const char *path)
{
	struct stat st;
	char	 full[PATH_MAX + 64];
	size_t	 i;

	if (resolve_path(tid, dirfd, path, full, sizeof full) == -1 ||
	    lstat(full, &st) == -1 || !S_ISSOCK(st.st_mode))
		return -1;
	for (i = 0; i < t->nheld; i++)
		if (t->held[i].has_file && t->held[i].fdev == st.st_dev &&
		    t->held[i].fino == st.st_ino)
			return (int)i;
	return -1;
}

/* ---- copying the program's socket options ---- */

#define FAM_UNIX	1
#define FAM_INET	2	/* both inet families */
#define FAM_IP4		4
#define FAM_IP6		8
#define STREAM_ONLY	16

static const struct sockopt {
	int		 level;
	int		 name;
	int		 where;
	const char	*label;
} sockopts[] = {
	{ SOL_SOCKET, SO_REUSEADDR, FAM_UNIX | FAM_INET, "SO_REUSEADDR" },
	{ SOL_SOCKET, SO_REUSEPORT, FAM_INET, "SO_REUSEPORT" },
	{ SOL_SOCKET, SO_KEEPALIVE, FAM_INET, "SO_KEEPALIVE" },
	{ SOL_SOCKET, SO_RCVBUF, FAM_UNIX | FAM_INET, "SO_RCVBUF" },
	{ SOL_SOCKET, SO_SNDBUF, FAM_UNIX | FAM_INET, "SO_SNDBUF" },
	{ SOL_SOCKET, SO_RCVLOWAT, FAM_UNIX | FAM_INET, "SO_RCVLOWAT" },
	{ SOL_SOCKET, SO_PRIORITY, FAM_UNIX | FAM_INET, "SO_PRIORITY" },
	{ SOL_SOCKET, SO_BROADCAST, FAM_INET, "SO_BROADCAST" },
	{ SOL_SOCKET, SO_OOBINLINE, FAM_INET, "SO_OOBINLINE" },
	{ SOL_SOCKET, SO_PASSCRED, FAM_UNIX, "SO_PASSCRED" },
	{ SOL_SOCKET, SO_TIMESTAMP, FAM_UNIX | FAM_INET, "SO_TIMESTAMP" },
	{ SOL_SOCKET, SO_MARK, FAM_INET, "SO_MARK" },
	{ IPPROTO_TCP, TCP_NODELAY, FAM_INET | STREAM_ONLY, "TCP_NODELAY" },
	{ IPPROTO_TCP, TCP_DEFER_ACCEPT, FAM_INET | STREAM_ONLY,
	    "TCP_DEFER_ACCEPT" },
	{ IPPROTO_TCP, TCP_KEEPIDLE, FAM_INET | STREAM_ONLY, "TCP_KEEPIDLE" },
	{ IPPROTO_TCP, TCP_KEEPINTVL, FAM_INET | STREAM_ONLY, "TCP_KEEPINTVL" },
	{ IPPROTO_TCP, TCP_KEEPCNT, FAM_INET | STREAM_ONLY, "TCP_KEEPCNT" },
	{ IPPROTO_TCP, TCP_MAXSEG, FAM_INET | STREAM_ONLY, "TCP_MAXSEG" },
	{ IPPROTO_TCP, TCP_USER_TIMEOUT, FAM_INET | STREAM_ONLY,
	    "TCP_USER_TIMEOUT" },
	{ IPPROTO_TCP, TCP_FASTOPEN, FAM_INET | STREAM_ONLY, "TCP_FASTOPEN" },
	{ IPPROTO_TCP, TCP_NOTSENT_LOWAT, FAM_INET | STREAM_ONLY,
	    "TCP_NOTSENT_LOWAT" },
	{ IPPROTO_TCP, TCP_WINDOW_CLAMP, FAM_INET | STREAM_ONLY,
	    "TCP_WINDOW_CLAMP" },
	{ IPPROTO_TCP, TCP_LINGER2, FAM_INET | STREAM_ONLY, "TCP_LINGER2" },
	{ IPPROTO_TCP, TCP_SYNCNT, FAM_INET | STREAM_ONLY, "TCP_SYNCNT" },
	{ IPPROTO_IP, IP_TOS, FAM_IP4, "IP_TOS" },
	{ IPPROTO_IP, IP_TTL, FAM_IP4, "IP_TTL" },
	{ IPPROTO_IP, IP_PKTINFO, FAM_IP4, "IP_PKTINFO" },
	{ IPPROTO_IP, IP_RECVTOS, FAM_IP4, "IP_RECVTOS" },
	{ IPPROTO_IP, IP_RECVTTL, FAM_IP4, "IP_RECVTTL" },
	{ IPPROTO_IP, IP_RECVERR, FAM_IP4, "IP_RECVERR" },
	{ IPPROTO_IP, IP_MTU_DISCOVER, FAM_IP4, "IP_MTU_DISCOVER" },
	{ IPPROTO_IP, IP_FREEBIND, FAM_IP4, "IP_FREEBIND" },
	{ IPPROTO_IP, IP_TRANSPARENT, FAM_IP4, "IP_TRANSPARENT" },
	{ IPPROTO_IP, IP_RECVORIGDSTADDR, FAM_IP4, "IP_RECVORIGDSTADDR" },
	{ IPPROTO_IPV6, IPV6_TCLASS, FAM_IP6, "IPV6_TCLASS" },
	{ IPPROTO_IPV6, IPV6_UNICAST_HOPS, FAM_IP6, "IPV6_UNICAST_HOPS" },
	{ IPPROTO_IPV6, IPV6_RECVPKTINFO, FAM_IP6, "IPV6_RECVPKTINFO" },
	{ IPPROTO_IPV6, IPV6_RECVTCLASS, FAM_IP6, "IPV6_RECVTCLASS" },
	{ IPPROTO_IPV6, IPV6_RECVHOPLIMIT, FAM_IP6, "IPV6_RECVHOPLIMIT" },
	{ IPPROTO_IPV6, IPV6_RECVERR, FAM_IP6, "IPV6_RECVERR" },
	{ IPPROTO_IPV6, IPV6_MTU_DISCOVER, FAM_IP6, "IPV6_MTU_DISCOVER" },
	{ IPPROTO_IPV6, IPV6_TRANSPARENT, FAM_IP6, "IPV6_TRANSPARENT" },
};

static int
sockopt_applies(const struct sockopt *o, const struct bind_sock *so)
{
	if ((o->where & STREAM_ONLY) && so->type != SOCK_STREAM)
		return 0;
	switch (so->family) {
	case AF_UNIX:
		return (o->where & FAM_UNIX) != 0;
	case AF_INET:
		return (o->where & (FAM_INET | FAM_IP4)) != 0;
	case AF_INET6:
		return (o->where & (FAM_INET | FAM_IP6)) != 0;
	}
	return 0;
}

/*
 * The options the program set on its own socket, onto ours, where the
 * kernel allows it now that ours is bound. A refusal never fails the
 * bind: it is logged. IPV6_V6ONLY cannot change on a bound socket.
 */
static void
copy_options(const struct bindtrap *t, int from, const struct held *h,
    const struct bind_sock *so, pid_t pid)
{
	struct linger lf, lt;
	char	 cf[32], ct[32];
	socklen_t len, len2;
	size_t	 i;
	int	 vf, vt, ff, ft;

	(void)t;
	for (i = 0; i < sizeof sockopts / sizeof sockopts[0]; i++) {
		const struct sockopt *o = &sockopts[i];
		if (!sockopt_applies(o, so))
			continue;
		len = len2 = sizeof(int);
		if (getsockopt(from, o->level, o->name, &vf, &len) == -1 ||
		    getsockopt(h->fd, o->level, o->name, &vt, &len2) == -1 ||
		    vf == vt)
			continue;
		/* The kernel doubles buffer sizes it is given. */
		if (o->level == SOL_SOCKET && (o->name == SO_RCVBUF ||
		    o->name == SO_SNDBUF))
			vf /= 2;
		if (setsockopt(h->fd, o->level, o->name, &vf, sizeof vf) == -1)
			tlog(t, LOG_NOTICE, "bind handoff: %s: cannot copy %s "
			    "of pid %ld: %s", h->a->spec, o->label, (long)pid,
			    strerror(errno));
	}
	len = len2 = sizeof lf;
	if (so->family != AF_UNIX &&
	    getsockopt(from, SOL_SOCKET, SO_LINGER, &lf, &len) == 0 &&
	    getsockopt(h->fd, SOL_SOCKET, SO_LINGER, &lt, &len2) == 0 &&
	    (lf.l_onoff != lt.l_onoff || lf.l_linger != lt.l_linger))
		setsockopt(h->fd, SOL_SOCKET, SO_LINGER, &lf, sizeof lf);
	len = len2 = sizeof cf;
	if (so->family != AF_UNIX && so->type == SOCK_STREAM &&
	    getsockopt(from, IPPROTO_TCP, TCP_CONGESTION, cf, &len) == 0 &&
	    getsockopt(h->fd, IPPROTO_TCP, TCP_CONGESTION, ct, &len2) == 0 &&
	    strncmp(cf, ct, sizeof cf) != 0 &&
	    setsockopt(h->fd, IPPROTO_TCP, TCP_CONGESTION, cf,
	    (socklen_t)strnlen(cf, sizeof cf)) == -1)
		tlog(t, LOG_NOTICE, "bind handoff: %s: cannot copy "
		    "TCP_CONGESTION of pid %ld: %s", h->a->spec, (long)pid,
		    strerror(errno));
	/*
	 * Blocking or not is a property of the open socket, shared with
	 * activator (which never reads it while the daemon runs) and reset
	 * when the daemon is gone. A program that expects blocking accept
	 * must not get EAGAIN, nor one that expects EAGAIN block.
	 */
	if ((ff = fcntl(from, F_GETFL)) != -1 &&
	    (ft = fcntl(h->fd, F_GETFL)) != -1 &&
	    (ff & O_NONBLOCK) != (ft & O_NONBLOCK))
		fcntl(h->fd, F_SETFL, (ft & ~O_NONBLOCK) | (ff & O_NONBLOCK));
}

/* Was the program's descriptor close-on-exec? fdinfo says. */
static int
fd_cloexec(pid_t tid, int fd)
{
	char	 path[64], line[128];
	unsigned long flags;
	FILE	*f;
	int	 cloexec = 0;

	snprintf(path, sizeof path, "/proc/%ld/fdinfo/%d", (long)tid, fd);
	if ((f = fopen(path, "re")) == NULL)
		return 0;
	while (fgets(line, sizeof line, f) != NULL)
		if (sscanf(line, "flags: %lo", &flags) == 1) {
			cloexec = (flags & O_CLOEXEC) != 0;
			break;
		}
	fclose(f);
	return cloexec;
}

static void
note_other(struct bindtrap *t, const struct bind_sock *so,
    const struct sockaddr *sa, socklen_t len)
{
	char	 text[160];
	size_t	 i;
	int	 port = -1;

	if (so->family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in))
		port = ntohs(((const struct sockaddr_in *)sa)->sin_port);
	else if (so->family == AF_INET6 && len >=
	    (socklen_t)offsetof(struct sockaddr_in6, sin6_scope_id))
		port = ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
	else if (so->family != AF_UNIX ||
	    (size_t)len <= offsetof(struct sockaddr_un, sun_path))
		return;
	if (port == 0)
		return;		/* ephemeral: a client's, not a server's */
	bindmatch_format(so, sa, len, text, sizeof text);
	for (i = 0; i < t->nothers; i++)
		if (strcmp(t->others[i].text, text) == 0)
			return;
	if (t->nothers == OTHERS_MAX)
		return;
	t->others[t->nothers].family = so->family;
	t->others[t->nothers].type = so->type;
	snprintf(t->others[t->nothers].text, sizeof t->others[0].text, "%s",
	    text);
	t->nothers++;
}

/* A bind of [::] that wants IPv4 too: activator's [::] is IPv6 only. */
static int
dual_stack_any(const struct bind_sock *so, const struct sockaddr_storage *ss)
{
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;

	return so->family == AF_INET6 && !so->v6only &&
	    IN6_IS_ADDR_UNSPECIFIED(&sin6->sin6_addr);
}

static void
claim(struct bindtrap *t, size_t idx, pid_t tid)
{
	pid_t	 pid = tgid_of(tid);

	t->held[idx].claimed = 1;
	if (!bindtrap_is_claimer(t, pid)) {
		t->claimers = xreallocarray(t->claimers, t->nclaimers + 1,
		    sizeof *t->claimers);
		t->claimers[t->nclaimers++] = pid;
	}
	if (t->cb != NULL)
		t->cb(t->arg, idx, pid);
}

/*
 * Could this address be one we hold, whatever the socket? Most binds
 * (clients' port 0, other servers' ports) are answered on this alone,
 * without opening the program's descriptor; but while an address is
 * unclaimed, a server's bind elsewhere is noted for the warning.
 */
static int
bind_may_match(const struct bindtrap *t, const struct sockaddr_storage *ss,
    uint32_t len)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;
	size_t	 i;
	int	 family = ss->ss_family == AF_UNSPEC ? AF_INET : ss->ss_family;

	if ((family == AF_INET && len >= sizeof *sin && sin->sin_port == 0) ||
	    (family == AF_INET6 && len >= offsetof(struct sockaddr_in6,
	    sin6_scope_id) && sin6->sin6_port == 0))
		return 0;	/* an ephemeral port: a client's */
	if (!bindtrap_all_claimed(t))
		return 1;
	for (i = 0; i < t->nheld; i++) {
		const struct addr *a = t->held[i].a;
		if (a->family != family)
			continue;
		if (family == AF_UNIX)
			return 1;
		if (family == AF_INET && len >= sizeof *sin &&
		    sin->sin_port == a->u.sin.sin_port)
			return 1;
		if (family == AF_INET6 && len >= offsetof(struct sockaddr_in6,
		    sin6_scope_id) && sin6->sin6_port ==
		    a->u.sin6.sin6_port)
			return 1;
	}
	return 0;
}

static void
on_bind(struct bindtrap *t, const struct seccomp_notif *req,
    const struct call *c)
{
	struct sockaddr_storage ss;
	struct bind_sock so;
	struct seccomp_notif_addfd addfd;
	char	 cwdlink[64], cwd[PATH_MAX], *cwdp = NULL;
	int	 pidfd = -1, sock = -1, idx, mine;
	ssize_t	 n;

	memset(&ss, 0, sizeof ss);
	if (c->len < sizeof(sa_family_t) || c->len > sizeof ss ||
	    mem_read(req->pid, c->ptr, &ss, c->len) == -1 ||
	    !bind_may_match(t, &ss, c->len) ||
	    (pidfd = target_pidfd(req->pid)) == -1)
		goto cont;
	/* The pid and the memory we read are the caller's only if it waits. */
	if (!id_valid(t, req->id))
		goto out;
	if ((sock = (int)syscall(SYS_pidfd_getfd, pidfd, c->fd, 0)) == -1 ||
	    sock_describe(sock, &so) == -1)
		goto cont;	/* the kernel will say EBADF or ENOTSOCK */

	/* Our socket already (a bind restarted after a signal, or again). */
	if ((mine = held_by_inode(t, sock)) != -1) {
		idx = bindmatch(t->held[mine].a, 1, &so,
		    (struct sockaddr *)&ss, (socklen_t)c->len, NULL);
		respond(t, req->id, 0, idx == 0 ? 0 : -1, idx == 0 ? 0 : EINVAL);
		goto out;
	}
	if (so.family == AF_UNIX && ss.ss_family == AF_UNIX) {
		snprintf(cwdlink, sizeof cwdlink, "/proc/%ld/cwd",
		    (long)req->pid);
		if ((n = readlink(cwdlink, cwd, sizeof cwd - 1)) > 0) {
			cwd[n] = '\0';
			cwdp = cwd;
		}
	}
	idx = bindmatch(t->conf->listen, t->nheld, &so, (struct sockaddr *)&ss,
	    (socklen_t)c->len, cwdp);
	if (idx == -1 && so.family == AF_UNIX &&
	    ((struct sockaddr_un *)&ss)->sun_path[0] != '\0' &&
	    c->len > offsetof(struct sockaddr_un, sun_path)) {
		/* Another spelling of a held path (a symbolic link on it). */
		char path[sizeof(((struct sockaddr_un *)0)->sun_path) + 1];
		size_t plen = c->len - offsetof(struct sockaddr_un, sun_path);
		if (plen > sizeof path - 1)
			plen = sizeof path - 1;
		memcpy(path, ((struct sockaddr_un *)&ss)->sun_path, plen);
		path[plen] = '\0';
		idx = held_by_file(t, req->pid, AT_FDCWD, path);
	}
	if (idx == -1) {
		note_other(t, &so, (struct sockaddr *)&ss, (socklen_t)c->len);
		goto cont;
	}
	copy_options(t, sock, &t->held[idx], &so, req->pid);
	memset(&addfd, 0, sizeof addfd);
	addfd.id = req->id;
	addfd.flags = SECCOMP_ADDFD_FLAG_SETFD;
	addfd.srcfd = (uint32_t)t->held[idx].fd;
	addfd.newfd = (uint32_t)c->fd;
	addfd.newfd_flags = fd_cloexec(req->pid, c->fd) ? O_CLOEXEC : 0;
	if (ioctl(t->listener, SECCOMP_IOCTL_NOTIF_ADDFD, &addfd) == -1) {
		if (errno != ENOENT)
			tlog(t, LOG_WARNING, "bind handoff: %s: cannot "
			    "install the socket in pid %ld: %s",
			    t->held[idx].a->spec, (long)req->pid,
			    strerror(errno));
		goto cont;
	}
	respond(t, req->id, 0, 0, 0);
	if (dual_stack_any(&so, &ss))
		tlog(t, LOG_NOTICE, "bind handoff: pid %ld bound %s without "
		    "IPV6_V6ONLY: activator's socket serves IPv6 only",
		    (long)tgid_of(req->pid), t->held[idx].a->spec);
	claim(t, (size_t)idx, req->pid);
	goto out;
cont:
	respond(t, req->id, 1, 0, 0);
out:
	if (sock != -1)
		close(sock);
	if (pidfd != -1)
		close(pidfd);
}

/*
 * listen() on a held socket: it is listening already. A smaller backlog
 * than activator's is not applied, so clients queued now or during a
 * restart find room; a larger one is.
 */
static void
on_listen(struct bindtrap *t, const struct seccomp_notif *req,
    const struct call *c)
{
	int	 pidfd = -1, sock = -1, idx = -1, backlog = c->backlog;
	size_t	 i;
	long	 r = -1;

	/* kcmp compares the program's descriptor with ours in one call. */
	for (i = 0; i < t->nheld; i++) {
		if (t->held[i].a->socktype != SOCK_STREAM)
			continue;
		r = syscall(SYS_kcmp, req->pid, t->self, KCMP_FILE, c->fd,
		    t->held[i].fd);
		if (r == 0)
			idx = (int)i;
		if (r != 1 && r != 2)
			break;
	}
	if (r == -1 && errno != EBADF) {
		/* No kcmp (CONFIG_KCMP) or not allowed: get the socket. */
		if ((pidfd = target_pidfd(req->pid)) != -1 &&
		    id_valid(t, req->id) &&
		    (sock = (int)syscall(SYS_pidfd_getfd, pidfd, c->fd, 0)) != -1)
			idx = held_by_inode(t, sock);
	}
	if (idx == -1 || t->held[idx].a->socktype != SOCK_STREAM)
		respond(t, req->id, 1, 0, 0);
	else {
		if (backlog >= 0 && backlog < t->backlog)
			backlog = t->backlog;
		if (listen(t->held[idx].fd, backlog) == -1)
			respond(t, req->id, 0, -1, errno);
		else
			respond(t, req->id, 0, 0, 0);
	}
	if (sock != -1)
		close(sock);
	if (pidfd != -1)
		close(pidfd);
}

/*
 * Only a name whose last component is a held file's can remove it (a
 * hard link by another name is another entry): most unlinks are told
 * apart without a look at the file system.
 */
static int
unlink_may_match(const struct bindtrap *t, const char *path)
{
	const char *base, *hb;
	size_t	 i, len = strlen(path);

	while (len > 1 && path[len - 1] == '/')
		len--;
	for (base = path + len; base > path && base[-1] != '/'; base--)
		;
	for (i = 0; i < t->nheld; i++) {
		if (!t->held[i].has_file)
			continue;
		hb = strrchr(t->held[i].a->path, '/');
		hb = hb != NULL ? hb + 1 : t->held[i].a->path;
		if (strlen(hb) == (size_t)(path + len - base) &&
		    memcmp(hb, base, (size_t)(path + len - base)) == 0)
			return 1;
	}
	return 0;
}

/* unlink() of a held path: the file stays, and the call says it went. */
static void
on_unlink(struct bindtrap *t, const struct seccomp_notif *req,
    const struct call *c)
{
	char	 path[PATH_MAX];

	if (c->kind == CALL_UNLINKAT && (c->flags & AT_REMOVEDIR))
		goto cont;
	if (mem_read_string(req->pid, c->ptr, path, sizeof path) == -1 ||
	    path[0] == '\0' || !unlink_may_match(t, path) ||
	    held_by_file(t, req->pid, c->dirfd, path) == -1)
		goto cont;
	if (!id_valid(t, req->id))
		return;
	respond(t, req->id, 0, 0, 0);
	return;
cont:
	respond(t, req->id, 1, 0, 0);
}

static void
handle_one(struct bindtrap *t)
{
	struct seccomp_notif req;
	struct call c;

	memset(&req, 0, sizeof req);
	if (ioctl(t->listener, SECCOMP_IOCTL_NOTIF_RECV, &req) == -1) {
		/* ENOENT: the caller was interrupted or died meanwhile. */
		if (errno != ENOENT && errno != EINTR)
			tlog(t, LOG_WARNING, "bind handoff: receiving: %s",
			    strerror(errno));
		return;
	}
	if (decode(&req, &c) == -1) {
		respond(t, req.id, 1, 0, 0);
		return;
	}
	switch (c.kind) {
	case CALL_BIND:
		on_bind(t, &req, &c);
		break;
	case CALL_LISTEN:
		on_listen(t, &req, &c);
		break;
	case CALL_UNLINK:
	case CALL_UNLINKAT:
		on_unlink(t, &req, &c);
		break;
	case CALL_OTHER:
		respond(t, req.id, 1, 0, 0);
		break;
	}
}

/* The listener is readable: answer what is pending, a bounded number. */
void
bindtrap_handle(struct bindtrap *t, short revents)
{
	struct pollfd pfd;
	int	 i;

	if (t->listener == -1)
		return;
	if (!(revents & POLLIN)) {
		/* Hang-up: no process of the tree is left to ask. */
		if (revents & (POLLHUP | POLLERR | POLLNVAL)) {
			close(t->listener);
			t->listener = -1;
		}
		return;
	}
	for (i = 0; i < 64; i++) {
		handle_one(t);
		pfd.fd = t->listener;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 0) != 1 || !(pfd.revents & POLLIN))
			break;
	}
}

void
bindtrap_free(struct bindtrap *t)
{
	size_t	 i;

	if (t == NULL)
		return;
	if (t->listener != -1)
		close(t->listener);
	for (i = 0; i < 2; i++)
		if (t->sv[i] != -1)
			close(t->sv[i]);
	free(t->held);
	free(t->claimers);
	free(t);
}

/* After the daemon: activator's sockets are non-blocking again. */
void
bindtrap_reset_socket(int fd)
{
	int	 fl;

	if ((fl = fcntl(fd, F_GETFL)) != -1 && !(fl & O_NONBLOCK))
		fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}
