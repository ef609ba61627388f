/* SPDX-License-Identifier: ISC */
/*
 * defaults.h -- the built-in status socket as a user meets it: its
 * directory, made when missing, and the activatorctl line that reaches it.
 */
#ifndef ACTIVATOR_DEFAULTS_H
#define ACTIVATOR_DEFAULTS_H

/* Make the missing directories above PATH if it is the built-in socket. */
int	 defaults_socket_dir(const char *path);

/* The activatorctl command line that lists the services on PATH. */
char	*defaults_ctl_hint(const char *path);

#endif /* ACTIVATOR_DEFAULTS_H */
