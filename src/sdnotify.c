/* SPDX-License-Identifier: ISC */
/*
 * sdnotify.c -- the sd_notify(3) protocol without libsystemd: one datagram
 * on the UNIX socket named by $NOTIFY_SOCKET, a path or, with a leading
 * '@', an abstract name. Under systemd this ends a Type=notify start-up.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "sdnotify.h"
#include "xmalloc.h"

void
sdnotify_ready(const char *status)
{
	struct sockaddr_un sun;
	const char *path = getenv("NOTIFY_SOCKET");
	socklen_t len;
	char	*msg;
	int	 fd;

	if (path == NULL || *path == '\0')
		return;
	if ((path[0] != '/' && path[0] != '@') ||
	    strlen(path) >= sizeof sun.sun_path) {
		log_warnx("NOTIFY_SOCKET: not a socket path or @name");
		return;
	}
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, strlen(path));
	if (path[0] == '@')
		sun.sun_path[0] = '\0';
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path));
	/* MAINPID: without -n, the process that reports is not the one
	 * that was started. */
	xasprintf(&msg, "READY=1\nMAINPID=%ld\nSTATUS=%s\n", (long)getpid(),
	    status != NULL ? status : "running");
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		log_warn("NOTIFY_SOCKET %s: socket", path);
	else if (sendto(fd, msg, strlen(msg), MSG_NOSIGNAL,
	    (struct sockaddr *)&sun, len) == -1)
		log_warn("NOTIFY_SOCKET %s: sendto", path);
	else
		log_debug("told %s: ready", path);
	if (fd != -1)
		close(fd);
	free(msg);
}
