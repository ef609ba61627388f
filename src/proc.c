/* SPDX-License-Identifier: ISC */
/*
 * proc.c -- read process relations from /proc, and signal processes
 * through pidfds. A subreaper gets no event when an orphan is reparented
 * to it, and /proc/PID/task/TID/children is missing on some kernels
 * (CONFIG_PROC_CHILDREN) and unreliable while the tree changes, so the
 * tree is found by scanning every /proc/PID/stat for its parent.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "proc.h"
#include "xmalloc.h"

/* Parse /proc/PID/stat; the command name may hold spaces and ')'. */
int
proc_get(pid_t pid, struct procinfo *pi)
{
	char	 path[64], buf[1024], *p;
	int	 fd, field;
	ssize_t	 n;

	snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	if ((p = strrchr(buf, ')')) == NULL || p[1] != ' ')
		return -1;
	memset(pi, 0, sizeof *pi);
	pi->pid = pid;
	pi->state = p[2];
	p += 3;
	/* Fields after the state: 4 ppid, 5 pgrp, 6 session, ... 22 start. */
	for (field = 4; field <= 22 && *p != '\0'; field++) {
		char *end;
		unsigned long long v = strtoull(p, &end, 10);
		if (field == 4)
			pi->ppid = (pid_t)v;
		else if (field == 6)
			pi->sid = (pid_t)v;
		else if (field == 22)
			pi->start = v;
		p = end;
		while (*p == ' ')
			p++;
	}
	return 0;
}

static int
proc_by_ppid(const void *a, const void *b)
{
	const struct procinfo *x = a, *y = b;

	if (x->ppid != y->ppid)
		return x->ppid < y->ppid ? -1 : 1;
	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

/*
 * Every live process, with parent, session and start time, sorted by
 * parent: a tree below any process is then found without a second scan.
 */
struct procinfo *
proc_scan(size_t *n)
{
	struct procinfo *all = NULL;
	struct dirent *de;
	size_t	 cap = 0;
	DIR	*d;

	*n = 0;
	if ((d = opendir("/proc")) == NULL) {
		log_warn("opendir /proc");
		return NULL;
	}
	while ((de = readdir(d)) != NULL) {
		struct procinfo pi;
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		if (proc_get((pid_t)atol(de->d_name), &pi) == -1)
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 256;
			all = xreallocarray(all, cap, sizeof *all);
		}
		all[(*n)++] = pi;
	}
	closedir(d);
	if (*n > 1)
		qsort(all, *n, sizeof *all, proc_by_ppid);
	return all;
}

/* The first entry of ALL (sorted by parent) whose parent is PPID. */
static size_t
proc_first_child(const struct procinfo *all, size_t n, pid_t ppid)
{
	size_t	lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (all[mid].ppid < ppid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * Every process below ROOT (ROOT excluded), breadth first over ALL as
 * proc_scan() returns it: each level is one binary search per parent.
 */
pid_t *
proc_descendants(const struct procinfo *all, size_t n, pid_t root,
    size_t *count)
{
	pid_t	*out = NULL;
	size_t	 found = 0, cap = 0, next = 0, i;
	pid_t	 parent = root;

	for (;;) {
		for (i = proc_first_child(all, n, parent);
		    i < n && all[i].ppid == parent; i++) {
			if (all[i].pid == root || all[i].pid == parent)
				continue;
			if (found == cap) {
				cap = cap ? cap * 2 : 8;
				out = xreallocarray(out, cap, sizeof *out);
			}
			out[found++] = all[i].pid;
		}
		if (next == found)
			break;
		parent = out[next++];
	}
	*count = found;
	return out;
}

pid_t *
proc_children(pid_t parent, size_t *count)
{
	struct procinfo *all;
	pid_t	*out = NULL;
	size_t	 n, i;

	*count = 0;
	all = proc_scan(&n);
	for (i = 0; i < n; i++)
		if (all[i].ppid == parent) {
			out = xreallocarray(out, *count + 1, sizeof *out);
			out[(*count)++] = all[i].pid;
		}
	free(all);
	return out;
}

/* Does PID hold one of the sockets (by inode)? */
int
proc_holds_socket(pid_t pid, const ino_t *inodes, size_t ninodes)
{
	char	 path[64], link[64], want[64];
	struct dirent *de;
	DIR	*d;
	size_t	 i;
	ssize_t	 n;
	int	 found = 0;

	snprintf(path, sizeof path, "/proc/%ld/fd", (long)pid);
	if ((d = opendir(path)) == NULL)
		return 0;
	while (!found && (de = readdir(d)) != NULL) {
		char fdpath[64 + sizeof de->d_name];
		snprintf(fdpath, sizeof fdpath, "%s/%s", path, de->d_name);
		if ((n = readlink(fdpath, link, sizeof link - 1)) <= 0)
			continue;
		link[n] = '\0';
		for (i = 0; i < ninodes && !found; i++) {
			snprintf(want, sizeof want, "socket:[%lu]",
			    (unsigned long)inodes[i]);
			found = strcmp(link, want) == 0;
		}
	}
	closedir(d);
	return found;
}

int
proc_pidfd(pid_t pid)
{
#ifdef SYS_pidfd_open
	return (int)syscall(SYS_pidfd_open, pid, 0);
#else
	(void)pid;
	errno = ENOSYS;
	return -1;
#endif
}

/*
 * Signal through a pidfd, so a pid reused since we looked it up is never
 * hit: once the pidfd pins the process, its start time (when given) must
 * still be the one we saw. Only where the kernel has no pidfds fall back
 * to kill(2). Refuses the pids that mean "many processes" to kill(2).
 */
int
proc_signal(pid_t pid, unsigned long long start, int sig)
{
	struct procinfo pi;
	int	 fd, r;

	if (pid <= 1) {
		errno = EINVAL;
		return -1;
	}
	if ((fd = proc_pidfd(pid)) == -1) {
		if (errno != ENOSYS)
			return -1;
		return kill(pid, sig);
	}
	if (start != 0 && (proc_get(pid, &pi) == -1 || pi.start != start)) {
		close(fd);
		errno = ESRCH;
		return -1;
	}
#ifdef SYS_pidfd_send_signal
	r = (int)syscall(SYS_pidfd_send_signal, fd, sig, NULL, 0);
#else
	r = kill(pid, sig);
#endif
	close(fd);
	return r;
}
