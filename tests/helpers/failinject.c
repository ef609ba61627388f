/* SPDX-License-Identifier: ISC */
/*
 * failinject.c -- an LD_PRELOAD shim for tests: make a chosen call fail.
 *
 * 1. The Nth call (N = FAILINJECT_NTH) of any of the functions listed in
 *    FAILINJECT_CALL (comma-separated: accept, accept4, socket,
 *    socketpair, fork, vfork, pipe, pipe2, malloc, calloc, realloc, send,
 *    sendto, sendmsg, recv, recvfrom, recvmsg, epoll_ctl) fails with
 *    FAILINJECT_ERRNO (a name such as EMFILE, or a number; default
 *    ENOMEM), once. Calls are counted only in the process that loaded
 *    the shim (its pid at load time), not in its forks, nor in a vfork
 *    child, which shares its memory. Without FAILINJECT_NTH the calls are
 *    only counted. FAILINJECT_REPORT names a file that gets, appended,
 *    "inject CALL N ERRNO CALLER" (CALLER: the file of the code that made
 *    the call) when a call is made to fail and "count N" when
 *    the process exits, and "count NAME N" for each function called:
 *    the fault sweep learns how many calls a scenario
 *    makes, and whether the Nth happened. With FAILINJECT_PROG set, only
 *    a program of that name counts (not the tools a test runs meanwhile).
 * 2. FAILINJECT=setgroups, setgid or setuid makes that credential call
 *    fail with EPERM, in any process (SEC-04): activator's vforked child
 *    makes raw syscall(2) calls, so syscall() is what is interposed.
 *
 * Every real function is looked up at load time: the caller may be a
 * vforked child, where dlsym() is not safe, and dlsym() itself may
 * allocate; what it allocates meanwhile comes from a static arena.
 */
#define _GNU_SOURCE 1

#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/types.h>

#include <dlfcn.h>
#include <errno.h>
#include <execinfo.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define HIDDEN	__attribute__((visibility("hidden")))

typedef long syscall_fn(long, ...);

static syscall_fn *real_syscall;
static long	 fail_nr = -1;

static int	(*real_accept)(int, struct sockaddr *, socklen_t *);
static int	(*real_accept4)(int, struct sockaddr *, socklen_t *, int);
static int	(*real_socket)(int, int, int);
static int	(*real_socketpair)(int, int, int, int *);
static pid_t	(*real_fork)(void);
HIDDEN void	*failinject_real_vfork;
static int	(*real_pipe)(int *);
static int	(*real_pipe2)(int *, int);
static void	*(*real_malloc)(size_t);
static void	*(*real_calloc)(size_t, size_t);
static void	*(*real_realloc)(void *, size_t);
static void	(*real_free)(void *);
static ssize_t	(*real_send)(int, const void *, size_t, int);
static ssize_t	(*real_sendto)(int, const void *, size_t, int,
		    const struct sockaddr *, socklen_t);
static ssize_t	(*real_sendmsg)(int, const struct msghdr *, int);
static ssize_t	(*real_recv)(int, void *, size_t, int);
static ssize_t	(*real_recvfrom)(int, void *, size_t, int, struct sockaddr *,
		    socklen_t *);
static ssize_t	(*real_recvmsg)(int, struct msghdr *, int);
static int	(*real_epoll_ctl)(int, int, int, struct epoll_event *);

static pid_t	 self;		/* the process that counts */
static int	 ready;		/* real functions known */
static char	 calls[512];	/* ",accept4,socket," */
static long	 nth;		/* 0: count only */
static long	 count;
static struct {			/* calls of each function, for the report */
	const char	*name;
	long		 n;
} counts[32];
static int	 inject_errno = ENOMEM;
static char	 report[4096];	/* report file, "" for none */

/* dlsym may allocate before real_malloc is known: serve it from here. */
static char	 arena[16384] __attribute__((aligned(16)));
static size_t	 arena_used;

static int
in_arena(const void *p)
{
	return (const char *)p >= arena && (const char *)p < arena + sizeof arena;
}

static void *
arena_alloc(size_t n)
{
	void	*p;

	n = (n + 15) & ~(size_t)15;
	if (arena_used + n > sizeof arena)
		return NULL;
	p = arena + arena_used;
	arena_used += n;
	return p;
}

/* Append LINE to the report file with system calls only. */
static void
report_line(const char *line)
{
	int	fd;

	if (report[0] == '\0')
		return;
	fd = (int)syscall(SYS_openat, AT_FDCWD, report,
	    O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd == -1)
		return;
	if (write(fd, line, strlen(line)) == -1) {
		/* Nothing to do: the sweep will see no line. */
	}
	close(fd);
}

static void
fmt_long(char *buf, long v)
{
	char	tmp[24];
	int	n = 0, i = 0;

	if (v < 0) {
		buf[i++] = '-';
		v = -v;
	}
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0);
	while (n > 0)
		buf[i++] = tmp[--n];
	buf[i] = '\0';
}

/*
 * Whether this call of NAME is the one to fail: then errno is set. Only
 * the loading process counts; a recursive call (malloc inside the
 * report) does not.
 */
static int
should_fail_from(const char *name, const void *caller)
{
	static int busy;
	char	 key[40], line[256], num[24];
	size_t	 len = strlen(name), i;
	Dl_info	 info;
	void	*frames[24];
	int	 nf, k;

	if (!ready || busy || calls[0] == '\0' || len + 3 > sizeof key)
		return 0;
	key[0] = ',';
	memcpy(key + 1, name, len);
	key[len + 1] = ',';
	key[len + 2] = '\0';
	if (strstr(calls, key) == NULL)
		return 0;
	if ((pid_t)syscall(SYS_getpid) != self)
		return 0;
	for (i = 0; i < 32 && counts[i].name != NULL &&
	    strcmp(counts[i].name, name) != 0; i++)
		;
	if (i < 32) {
		counts[i].name = name;
		counts[i].n++;
	}
	if (++count != nth)
		return 0;
	busy = 1;
	snprintf(line, sizeof line, "inject %s ", name);
	fmt_long(num, count);
	strcat(line, num);
	strcat(line, " ");
	fmt_long(num, inject_errno);
	strcat(line, num);
	/*
	 * Who made the call: the sweep tells activator from its libraries.
	 * libc's own wrappers (strdup, vasprintf) pass the failure on, so
	 * the first frame outside libc and this shim is the one.
	 */
	nf = backtrace(frames, 24);
	for (k = 0; k <= nf; k++) {
		const void *pc = k == 0 ? caller : frames[k - 1];
		const char *base;
		if (dladdr(pc, &info) == 0 || info.dli_fname == NULL)
			continue;
		base = strrchr(info.dli_fname, '/');
		base = base != NULL ? base + 1 : info.dli_fname;
		if (strncmp(base, "libc.so", 7) == 0 ||
		    strncmp(base, "failinject", 10) == 0)
			continue;
		strcat(line, " ");
		strncat(line, base, sizeof line - strlen(line) - 2);
		break;
	}
	strcat(line, "\n");
	report_line(line);
	busy = 0;
	errno = inject_errno;
	return 1;
}

#define should_fail(name)	should_fail_from(name, __builtin_return_address(0))

static int
errno_by_name(const char *s)
{
	static const struct { const char *name; int value; } names[] = {
		{ "EMFILE", EMFILE }, { "ENFILE", ENFILE },
		{ "ENOMEM", ENOMEM }, { "ENOBUFS", ENOBUFS },
		{ "EAGAIN", EAGAIN }, { "EINTR", EINTR }, { "EPERM", EPERM },
		{ "EACCES", EACCES }, { "ENOSPC", ENOSPC }, { "EIO", EIO },
		{ "ECONNABORTED", ECONNABORTED }, { "ECONNRESET", ECONNRESET },
		{ "EINVAL", EINVAL }, { "EBADF", EBADF },
	};
	size_t	i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcmp(s, names[i].name) == 0)
			return names[i].value;
	return atoi(s) > 0 ? atoi(s) : ENOMEM;
}

#define LOOKUP(fn)	(real_##fn = (__typeof__(real_##fn))dlsym(RTLD_NEXT, #fn))

__attribute__((constructor)) static void
failinject_init(void)
{
	const char *what = getenv("FAILINJECT"), *v;

	real_syscall = (syscall_fn *)dlsym(RTLD_NEXT, "syscall");
	LOOKUP(malloc);
	LOOKUP(calloc);
	LOOKUP(realloc);
	LOOKUP(free);
	LOOKUP(accept);
	LOOKUP(accept4);
	LOOKUP(socket);
	LOOKUP(socketpair);
	LOOKUP(fork);
	failinject_real_vfork = dlsym(RTLD_NEXT, "vfork");
	LOOKUP(pipe);
	LOOKUP(pipe2);
	LOOKUP(send);
	LOOKUP(sendto);
	LOOKUP(sendmsg);
	LOOKUP(recv);
	LOOKUP(recvfrom);
	LOOKUP(recvmsg);
	LOOKUP(epoll_ctl);

	if (what != NULL) {
		if (strcmp(what, "setgroups") == 0)
			fail_nr = SYS_setgroups;
		else if (strcmp(what, "setgid") == 0)
			fail_nr = SYS_setresgid;
		else if (strcmp(what, "setuid") == 0)
			fail_nr = SYS_setresuid;
	}
	/* Other programs that inherit the environment are left alone. */
	if ((v = getenv("FAILINJECT_PROG")) != NULL &&
	    strcmp(v, program_invocation_short_name) != 0)
		v = NULL;
	else
		v = getenv("FAILINJECT_CALL");
	if (v != NULL && strlen(v) + 3 < sizeof calls)
		snprintf(calls, sizeof calls, ",%s,", v);
	if ((v = getenv("FAILINJECT_NTH")) != NULL)
		nth = atol(v);
	if ((v = getenv("FAILINJECT_ERRNO")) != NULL)
		inject_errno = errno_by_name(v);
	if ((v = getenv("FAILINJECT_REPORT")) != NULL && strlen(v) <
	    sizeof report)
		snprintf(report, sizeof report, "%s", v);
	self = (pid_t)syscall(SYS_getpid);
	if (calls[0] != '\0') {
		void *warm[2];
		backtrace(warm, 2);	/* it loads libgcc_s: not mid-malloc */
	}
	ready = 1;
}

__attribute__((destructor)) static void
failinject_fini(void)
{
	char	line[64], num[24];
	size_t	i;

	if (calls[0] == '\0' || (pid_t)syscall(SYS_getpid) != self)
		return;
	for (i = 0; i < 32 && counts[i].name != NULL; i++) {
		fmt_long(num, counts[i].n);
		snprintf(line, sizeof line, "count %s %s\n", counts[i].name,
		    num);
		report_line(line);
	}
	fmt_long(num, count);
	snprintf(line, sizeof line, "count %s\n", num);
	report_line(line);
}

long
syscall(long nr, ...)
{
	va_list	ap;
	long	a[6];
	int	i;

	va_start(ap, nr);
	for (i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);
	if (nr == fail_nr) {
		errno = EPERM;
		return -1;
	}
	return real_syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
}

void *
malloc(size_t n)
{
	if (real_malloc == NULL)
		return arena_alloc(n);
	if (should_fail("malloc"))
		return NULL;
	return real_malloc(n);
}

void *
calloc(size_t n, size_t size)
{
	if (real_calloc == NULL)
		return arena_alloc(n * size);	/* zeroed: static */
	if (should_fail("calloc"))
		return NULL;
	return real_calloc(n, size);
}

void *
realloc(void *p, size_t n)
{
	void	*q;

	if (in_arena(p) || real_realloc == NULL) {
		size_t left = p != NULL ? (size_t)(arena + sizeof arena -
		    (char *)p) : 0;
		if ((q = malloc(n)) != NULL && p != NULL)
			memcpy(q, p, n < left ? n : left);
		return q;
	}
	if (should_fail("realloc"))
		return NULL;
	return real_realloc(p, n);
}

void
free(void *p)
{
	if (p == NULL || in_arena(p))
		return;
	if (real_free != NULL)
		real_free(p);
}

int
accept(int fd, struct sockaddr *sa, socklen_t *len)
{
	if (should_fail("accept"))
		return -1;
	return real_accept(fd, sa, len);
}

int
accept4(int fd, struct sockaddr *sa, socklen_t *len, int flags)
{
	if (should_fail("accept4"))
		return -1;
	return real_accept4(fd, sa, len, flags);
}

int
socket(int domain, int type, int protocol)
{
	if (should_fail("socket"))
		return -1;
	return real_socket(domain, type, protocol);
}

int
socketpair(int domain, int type, int protocol, int sv[2])
{
	if (should_fail("socketpair"))
		return -1;
	return real_socketpair(domain, type, protocol, sv);
}

pid_t
fork(void)
{
	if (should_fail("fork"))
		return -1;
	return real_fork();
}

/* For vfork's trampoline below: 1 if this call is to fail. */
HIDDEN int failinject_vfork_fails(const void *);

HIDDEN int
failinject_vfork_fails(const void *caller)
{
	return should_fail_from("vfork", caller);
}

#if defined(__x86_64__)
/*
 * vfork cannot be wrapped by a C function: the child would return
 * through the wrapper's frame and the parent find it clobbered. This
 * decides first, then jumps to the real vfork with the caller's frame.
 */
__asm__(
	".text\n"
	".globl vfork\n"
	".type vfork, @function\n"
	"vfork:\n"
	"	mov (%rsp), %rdi\n"
	"	sub $8, %rsp\n"
	"	call failinject_vfork_fails\n"
	"	add $8, %rsp\n"
	"	test %eax, %eax\n"
	"	jnz 1f\n"
	"	jmp *failinject_real_vfork(%rip)\n"
	"1:	mov $-1, %eax\n"
	"	ret\n"
	".size vfork, .-vfork\n");
#endif

int
pipe(int fds[2])
{
	if (should_fail("pipe"))
		return -1;
	return real_pipe(fds);
}

int
pipe2(int fds[2], int flags)
{
	if (should_fail("pipe2"))
		return -1;
	return real_pipe2(fds, flags);
}

ssize_t
send(int fd, const void *buf, size_t len, int flags)
{
	if (should_fail("send"))
		return -1;
	return real_send(fd, buf, len, flags);
}

ssize_t
sendto(int fd, const void *buf, size_t len, int flags,
    const struct sockaddr *sa, socklen_t salen)
{
	if (should_fail("sendto"))
		return -1;
	return real_sendto(fd, buf, len, flags, sa, salen);
}

ssize_t
sendmsg(int fd, const struct msghdr *msg, int flags)
{
	if (should_fail("sendmsg"))
		return -1;
	return real_sendmsg(fd, msg, flags);
}

ssize_t
recv(int fd, void *buf, size_t len, int flags)
{
	if (should_fail("recv"))
		return -1;
	return real_recv(fd, buf, len, flags);
}

ssize_t
recvfrom(int fd, void *buf, size_t len, int flags, struct sockaddr *sa,
    socklen_t *salen)
{
	if (should_fail("recvfrom"))
		return -1;
	return real_recvfrom(fd, buf, len, flags, sa, salen);
}

ssize_t
recvmsg(int fd, struct msghdr *msg, int flags)
{
	if (should_fail("recvmsg"))
		return -1;
	return real_recvmsg(fd, msg, flags);
}

int
epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev)
{
	if (should_fail("epoll_ctl"))
		return -1;
	return real_epoll_ctl(epfd, op, fd, ev);
}
