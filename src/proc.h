/* SPDX-License-Identifier: ISC */
/* proc.h -- what /proc says about processes: parents, sessions, sockets. */
#ifndef ACTIVATOR_PROC_H
#define ACTIVATOR_PROC_H

#include <sys/types.h>
#include <stddef.h>

struct procinfo {
	pid_t		 pid;
	pid_t		 ppid;
	pid_t		 sid;
	char		 state;		/* R, S, Z, ... */
	unsigned long long start;	/* clock ticks after boot */
};

int	 proc_get(pid_t, struct procinfo *);
struct procinfo *proc_scan(size_t *n);
pid_t	*proc_descendants(const struct procinfo *, size_t n, pid_t root,
	    size_t *count);
pid_t	*proc_children(pid_t parent, size_t *count);
int	 proc_holds_socket(pid_t, const ino_t *inodes, size_t ninodes);
int	 proc_pidfd(pid_t);
int	 proc_signal(pid_t, unsigned long long start, int sig);

#endif /* ACTIVATOR_PROC_H */
