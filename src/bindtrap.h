/* SPDX-License-Identifier: ISC */
/*
 * bindtrap.h -- handoff = bind: a seccomp filter in the launched process
 * turns bind(2), listen(2) and, for unix paths, unlink(2) into requests
 * that the service's supervisor answers, putting activator's own socket
 * in place when the program binds a listen address.
 */
#ifndef ACTIVATOR_BINDTRAP_H
#define ACTIVATOR_BINDTRAP_H

#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <linux/filter.h>
#include <stddef.h>

struct addr;
struct service_conf;
struct bindtrap;		/* supervisor side: opaque */

#define BINDTRAP_MAXINSNS	32

/* What spawn_child needs: where to send the filter's listener. */
struct bindtrap_req {
	int		 sock;		/* -1: no interception */
	int		 paths;		/* intercept unlink too */
};

/* Built before vfork; the child only makes system calls with it. */
struct bindtrap_child {
	struct sock_filter insns[BINDTRAP_MAXINSNS];
	struct sock_fprog prog;
	int		 sock;
	int		 nnp;		/* set no_new_privs first */
	struct msghdr	 msg;
	struct iovec	 iov;
	char		 byte;
	union {
		char		 buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr	 align;
	}		 cmsg;
	int		*slot;		/* the listener's number goes here */
};

/* What the supervisor learned about the program's socket. */
struct bind_sock {
	int		 family;	/* SO_DOMAIN */
	int		 type;		/* SO_TYPE */
	int		 protocol;	/* SO_PROTOCOL */
	int		 v6only;	/* IPV6_V6ONLY, AF_INET6 only */
};

/* Matching (pure). */
int	 bindmatch(const struct addr *listen, size_t n, const struct bind_sock *,
	    const struct sockaddr *, socklen_t, const char *cwd);
int	 bindmatch_path(const char *cwd, const char *path, size_t pathlen,
	    char *out, size_t outlen);
void	 bindmatch_format(const struct bind_sock *, const struct sockaddr *,
	    socklen_t, char *buf, size_t len);

/* The filter; returns its length. */
size_t	 bindtrap_filter(struct sock_filter *, size_t max, int paths);

/* Can this kernel do it? Cached; *why says why not. */
int	 bindtrap_supported(const char **why);

/* Child side, called by spawn.c. */
void	 bindtrap_child_prepare(struct bindtrap_child *,
	    const struct bindtrap_req *);
const char *bindtrap_child_install(struct bindtrap_child *);

/* Supervisor side. */
typedef void bindtrap_claim_cb(void *arg, size_t idx, pid_t pid);
typedef void bindtrap_log_cb(void *arg, int level, const char *msg);

struct bindtrap *bindtrap_new(const struct service_conf *, const int *fds,
	    size_t nfds, int backlog, bindtrap_claim_cb *, bindtrap_log_cb *,
	    void *arg);
int	 bindtrap_prepare(struct bindtrap *, struct bindtrap_req *,
	    char **cause);
int	 bindtrap_attach(struct bindtrap *, char **cause);
int	 bindtrap_fd(const struct bindtrap *);
void	 bindtrap_handle(struct bindtrap *, short revents);
int	 bindtrap_all_claimed(const struct bindtrap *);
int	 bindtrap_is_claimer(const struct bindtrap *, pid_t);
void	 bindtrap_unclaimed(const struct bindtrap *, char *buf, size_t len);
void	 bindtrap_free(struct bindtrap *);

/* Core side: a held socket back to activator's own settings. */
void	 bindtrap_reset_socket(int fd);

#endif /* ACTIVATOR_BINDTRAP_H */
