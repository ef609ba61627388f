/* SPDX-License-Identifier: ISC */
/*
 * sockdiag.h -- how busy a listening socket is, asked of the kernel
 * (NETLINK_SOCK_DIAG): its connections and its accept queue, whoever
 * holds them. For idle-timeout (idle.c).
 */
#ifndef ACTIVATOR_SOCKDIAG_H
#define ACTIVATOR_SOCKDIAG_H

/*
 * For the listening stream socket FD (tcp or unix): *CONNS, the open
 * connections on its address (accepted or being set up), and *QUEUED,
 * the connections waiting in its accept queue. 0, or -1 and errno.
 */
int	sockdiag_count(int fd, unsigned long *conns, unsigned long *queued);

#endif /* ACTIVATOR_SOCKDIAG_H */
