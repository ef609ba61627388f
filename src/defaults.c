/* SPDX-License-Identifier: ISC */
/*
 * defaults.c -- the built-in status socket as a user meets it.
 *
 * Its directory, $(runstatedir), may not exist on a fresh machine (it is
 * /usr/local/var/run with a plain ./configure), so activator makes it, as
 * daemons make their run directories. The line that activator prints to
 * show its state must run as printed: from the build tree that means the
 * built activatorctl by its full name, once installed the one on PATH.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "defaults.h"
#include "log.h"
#include "xmalloc.h"

int
defaults_socket_dir(const char *path)
{
	char	*dir, *p;
	int	 rc = 0;

	/* Only the built-in path: a configured one is the user's to make. */
	if (strcmp(path, ACTIVATOR_SOCKET) != 0)
		return 0;
	dir = xstrdup(path);
	for (p = strchr(dir + 1, '/'); p != NULL; p = strchr(p + 1, '/')) {
		*p = '\0';
		if (mkdir(dir, 0755) == 0) {
			/* Whatever our umask, clients must reach the socket. */
			if (chmod(dir, 0755) == -1)
				log_warn("chmod %s", dir);
			log_notice("created %s for the status socket", dir);
		} else if (errno != EEXIST) {
			log_warn("mkdir %s for the status socket", dir);
			rc = -1;
			break;
		}
		*p = '/';
	}
	free(dir);
	return rc;
}

/* S quoted for a POSIX shell, if it needs to be. */
static char *
shell_quote(const char *s)
{
	const char *p;
	char	*q, *out;

	if (*s != '\0' && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789_@%+=:,./-") == strlen(s))
		return xstrdup(s);
	out = q = xmalloc(4 * strlen(s) + 3);
	*q++ = '\'';
	for (p = s; *p != '\0'; p++) {
		if (*p == '\'') {
			memcpy(q, "'\\''", 4);
			q += 4;
		} else
			*q++ = *p;
	}
	*q++ = '\'';
	*q = '\0';
	return out;
}

/* Whether the first activatorctl on $PATH is the file CTL. */
static int
first_on_path(const char *ctl)
{
	struct stat ours, st;
	const char *path = getenv("PATH");
	char	*copy, *dir, *save = NULL, *cand;
	int	 found = 0, same = 0;

	if (path == NULL || stat(ctl, &ours) == -1)
		return 0;
	copy = xstrdup(path);
	for (dir = strtok_r(copy, ":", &save); dir != NULL && !found;
	    dir = strtok_r(NULL, ":", &save)) {
		/* A relative entry depends on where the line is pasted. */
		if (dir[0] != '/')
			continue;
		xasprintf(&cand, "%s/activatorctl", dir);
		if (stat(cand, &st) == 0 && S_ISREG(st.st_mode) &&
		    access(cand, X_OK) == 0) {
			found = 1;
			same = st.st_dev == ours.st_dev &&
			    st.st_ino == ours.st_ino;
		}
		free(cand);
	}
	free(copy);
	return same;
}

char *
defaults_ctl_hint(const char *path)
{
	char	 exe[PATH_MAX], *ctl = NULL, *slash, *qctl, *qpath, *hint;
	ssize_t	 n;

	/* The activatorctl beside us was built with our defaults. */
	if ((n = readlink("/proc/self/exe", exe, sizeof exe - 1)) > 0) {
		exe[n] = '\0';
		if ((slash = strrchr(exe, '/')) != NULL) {
			*slash = '\0';
			xasprintf(&ctl, "%s/activatorctl", exe);
			if (access(ctl, X_OK) == -1 || first_on_path(ctl)) {
				free(ctl);
				ctl = NULL;
			}
		}
	}
	qctl = shell_quote(ctl != NULL ? ctl : "activatorctl");
	if (strcmp(path, ACTIVATOR_SOCKET) == 0)
		xasprintf(&hint, "%s list", qctl);
	else {
		qpath = shell_quote(path);
		xasprintf(&hint, "%s -s %s list", qctl, qpath);
		free(qpath);
	}
	free(qctl);
	free(ctl);
	return hint;
}
