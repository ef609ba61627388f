/* SPDX-License-Identifier: ISC */
/* sdnotify.h -- tell systemd (or any sd_notify(3) peer) that we are ready. */
#ifndef ACTIVATOR_SDNOTIFY_H
#define ACTIVATOR_SDNOTIFY_H

/* Send READY=1, MAINPID and STATUS to $NOTIFY_SOCKET, if it is set. */
void	 sdnotify_ready(const char *status);

#endif /* ACTIVATOR_SDNOTIFY_H */
