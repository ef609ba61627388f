/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The activator authors
 *
 * freeport -- print free loopback ports: let the kernel pick (bind port 0)
 * and report its choice.  With -n, every socket stays open until all ports
 * are chosen, so the K ports are distinct.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include <sys/socket.h>

#include <netinet/in.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: freeport [-u] [-6] [-n K]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in	*sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&ss;
	socklen_t		 len;
	char			*end;
	int			 ch, i, fd, family = AF_INET;
	int			 type = SOCK_STREAM;
	long			 count = 1;
	unsigned		*ports;

	while ((ch = getopt(argc, argv, "6n:u")) != -1) {
		switch (ch) {
		case '6':
			family = AF_INET6;
			break;
		case 'n':
			count = strtol(optarg, &end, 10);
			if (*end != '\0' || count < 1 || count > 1000)
				usage();
			break;
		case 'u':
			type = SOCK_DGRAM;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	if ((ports = calloc((size_t)count, sizeof *ports)) == NULL)
		exit(1);
	/* The sockets are left open (no CLOEXEC needed) until we exit. */
	for (i = 0; i < count; i++) {
		memset(&ss, 0, sizeof ss);
		if (family == AF_INET) {
			sin->sin_family = AF_INET;
			sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
			len = sizeof *sin;
		} else {
			sin6->sin6_family = AF_INET6;
			sin6->sin6_addr = in6addr_loopback;
			len = sizeof *sin6;
		}
		if ((fd = socket(family, type, 0)) == -1 ||
		    bind(fd, (struct sockaddr *)&ss, len) == -1 ||
		    getsockname(fd, (struct sockaddr *)&ss, &len) == -1) {
			fprintf(stderr, "freeport: %s\n", strerror(errno));
			exit(1);
		}
		ports[i] = ntohs(family == AF_INET ? sin->sin_port :
		    sin6->sin6_port);
	}
	for (i = 0; i < count; i++)
		printf("%u\n", ports[i]);
	free(ports);
	return 0;
}
