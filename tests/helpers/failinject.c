/* SPDX-License-Identifier: ISC */
/*
 * failinject.c -- an LD_PRELOAD shim for tests: makes one credential
 * system call fail with EPERM, so a test can prove that a failed drop
 * means no exec (SEC-04). activator's child makes raw syscall(2) calls,
 * so that is what is interposed. FAILINJECT names the call: setgroups,
 * setgid or setuid. The real syscall() is looked up at load time, since
 * the caller may be a vforked child where dlsym() is not safe.
 */
#define _GNU_SOURCE 1

#include <sys/syscall.h>

#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef long syscall_fn(long, ...);

static syscall_fn *real_syscall;
static long	 fail_nr = -1;

__attribute__((constructor)) static void
failinject_init(void)
{
	const char *what = getenv("FAILINJECT");

	real_syscall = (syscall_fn *)dlsym(RTLD_NEXT, "syscall");
	if (what == NULL)
		return;
	if (strcmp(what, "setgroups") == 0)
		fail_nr = SYS_setgroups;
	else if (strcmp(what, "setgid") == 0)
		fail_nr = SYS_setresgid;
	else if (strcmp(what, "setuid") == 0)
		fail_nr = SYS_setresuid;
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
