/* SPDX-License-Identifier: ISC */
/*
 * sockdiag.c -- count a listening socket's connections with the kernel's
 * socket diagnostics (NETLINK_SOCK_DIAG), the interface ss(8) uses.
 *
 * The daemon holds the accepted connections, not us, and it may have
 * passed them to children; the kernel sees them all, whoever holds them.
 * tcp: one inet_diag dump of the listener's family; a connection is a
 * socket whose local port (and address, unless the listener is a
 * wildcard) is the listener's, and the listener's rqueue is its accept
 * queue. unix: one unix_diag dump; an accepted socket carries the
 * listener's name, so a connection is a connected socket of that name,
 * and a listener's rqueue is the connections it has not accepted yet.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/inet_diag.h>
#include <linux/unix_diag.h>

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "sockdiag.h"

#define DIAG_BUF	32768
#define DIAG_TIMEOUT_MS	1000	/* a dump never takes this long */

struct diag_target {
	int		 family;
	int		 type;
	ino_t		 ino;		/* the listening socket's inode */
	uint16_t	 port;		/* network order (tcp) */
	int		 wildcard;	/* tcp: bound to any address */
	unsigned char	 addr[16];	/* tcp: bound address */
	char		 name[sizeof(((struct sockaddr_un *)0)->sun_path)];
	size_t		 namelen;	/* unix: bytes of name */
	unsigned long	 conns, queued;
};

/* One dump request; the answers go to EACH, one message at a time. */
static int
diag_dump(void *req, size_t reqlen, struct diag_target *t,
    void (*each)(struct diag_target *, const struct nlmsghdr *))
{
	struct sockaddr_nl nl = { .nl_family = AF_NETLINK };
	struct timeval tv = { 0, DIAG_TIMEOUT_MS * 1000 };
	struct nlmsghdr *h = req;
	char	 buf[DIAG_BUF] __attribute__((aligned(NLMSG_ALIGNTO)));
	ssize_t	 n;
	int	 fd, saved, done = 0;
	uint32_t seq = 1;

	if ((fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC,
	    NETLINK_SOCK_DIAG)) == -1)
		return -1;
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	h->nlmsg_len = (uint32_t)reqlen;
	h->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	h->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	h->nlmsg_seq = seq;
	if (sendto(fd, req, reqlen, 0, (struct sockaddr *)&nl, sizeof nl) ==
	    -1)
		goto fail;
	while (!done) {
		do
			n = recv(fd, buf, sizeof buf, 0);
		while (n == -1 && errno == EINTR);
		if (n == -1)
			goto fail;
		if (n == 0) {
			errno = EPROTO;
			goto fail;
		}
		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n);
		    h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_seq != seq)
				continue;
			if (h->nlmsg_type == NLMSG_DONE) {
				done = 1;
				break;
			}
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);
				errno = h->nlmsg_len >= NLMSG_LENGTH(sizeof *e)
				    && e->error < 0 ? -e->error : EPROTO;
				goto fail;
			}
			each(t, h);
		}
	}
	close(fd);
	return 0;
fail:
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

/* ---- tcp ---- */

static void
diag_inet_each(struct diag_target *t, const struct nlmsghdr *h)
{
	const struct inet_diag_msg *m = NLMSG_DATA(h);
	size_t	 alen = t->family == AF_INET ? 4 : 16;

	if (h->nlmsg_len < NLMSG_LENGTH(sizeof *m))
		return;
	if (m->idiag_state == TCP_LISTEN) {
		if (m->idiag_inode == t->ino)
			t->queued += m->idiag_rqueue;
		return;
	}
	if (m->id.idiag_sport != t->port || (!t->wildcard &&
	    memcmp(m->id.idiag_src, t->addr, alen) != 0))
		return;
	/*
	 * Being set up or open: ours. Closing ones count while a process
	 * still holds them; those the daemon closed (no inode) do not.
	 */
	switch (m->idiag_state) {
	case TCP_SYN_RECV:
	case TCP_ESTABLISHED:
	case TCP_CLOSE_WAIT:
		t->conns++;
		break;
	default:
		if (m->idiag_inode != 0)
			t->conns++;
	}
}

static int
diag_inet(struct diag_target *t)
{
	struct {
		struct nlmsghdr	 h;
		struct inet_diag_req_v2 r;
	} req;

	memset(&req, 0, sizeof req);
	req.r.sdiag_family = (uint8_t)t->family;
	req.r.sdiag_protocol = IPPROTO_TCP;
	req.r.idiag_states = ~(uint32_t)((1U << TCP_TIME_WAIT) |
	    (1U << TCP_CLOSE) | (1U << TCP_SYN_SENT));
	return diag_dump(&req, sizeof req, t, diag_inet_each);
}

/* ---- unix ---- */

/* A path name may come with its NUL or without: compare up to it. */
static size_t
diag_name_len(const char *name, size_t len)
{
	if (len > 0 && name[0] != '\0')
		return strnlen(name, len);
	return len;
}

static void
diag_unix_each(struct diag_target *t, const struct nlmsghdr *h)
{
	const struct unix_diag_msg *m = NLMSG_DATA(h);
	const struct rtattr *a;
	const struct unix_diag_rqlen *rq = NULL;
	const char *name = NULL;
	size_t	 namelen = 0;
	int	 len;

	if (h->nlmsg_len < NLMSG_LENGTH(sizeof *m) || m->udiag_type != t->type)
		return;
	len = (int)(h->nlmsg_len - NLMSG_LENGTH(sizeof *m));
	for (a = (const struct rtattr *)(m + 1); RTA_OK(a, len);
	    a = RTA_NEXT(a, len)) {
		if (a->rta_type == UNIX_DIAG_NAME) {
			name = RTA_DATA(a);
			namelen = diag_name_len(name, RTA_PAYLOAD(a));
		} else if (a->rta_type == UNIX_DIAG_RQLEN &&
		    RTA_PAYLOAD(a) >= sizeof *rq)
			rq = RTA_DATA(a);
	}
	if (m->udiag_state == TCP_LISTEN) {
		if (m->udiag_ino == t->ino && rq != NULL)
			t->queued += rq->udiag_rqueue;
		return;
	}
	if (m->udiag_state == TCP_ESTABLISHED && name != NULL &&
	    namelen == t->namelen && memcmp(name, t->name, namelen) == 0)
		t->conns++;
}

static int
diag_unix(struct diag_target *t)
{
	struct {
		struct nlmsghdr	 h;
		struct unix_diag_req r;
	} req;

	memset(&req, 0, sizeof req);
	req.r.sdiag_family = AF_UNIX;
	req.r.udiag_states = (1U << TCP_LISTEN) | (1U << TCP_ESTABLISHED);
	req.r.udiag_show = UDIAG_SHOW_NAME | UDIAG_SHOW_RQLEN;
	return diag_dump(&req, sizeof req, t, diag_unix_each);
}

/* ---- the target: what the listening socket is ---- */

static int
diag_target(int fd, struct diag_target *t)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss, tlen = sizeof t->type;
	struct stat st;
	static const unsigned char any6[16];

	memset(t, 0, sizeof *t);
	if (fstat(fd, &st) == -1 || getsockname(fd, (struct sockaddr *)&ss,
	    &len) == -1 || getsockopt(fd, SOL_SOCKET, SO_TYPE, &t->type,
	    &tlen) == -1)
		return -1;
	t->ino = st.st_ino;
	t->family = ss.ss_family;
	switch (ss.ss_family) {
	case AF_INET: {
		const struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
		t->port = sin->sin_port;
		memcpy(t->addr, &sin->sin_addr, 4);
		t->wildcard = sin->sin_addr.s_addr == htonl(INADDR_ANY);
		break;
	}
	case AF_INET6: {
		const struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
		t->port = sin6->sin6_port;
		memcpy(t->addr, &sin6->sin6_addr, 16);
		t->wildcard = memcmp(t->addr, any6, 16) == 0;
		break;
	}
	case AF_UNIX: {
		const struct sockaddr_un *sun = (struct sockaddr_un *)&ss;
		size_t	 n = len > offsetof(struct sockaddr_un, sun_path) ?
		    len - offsetof(struct sockaddr_un, sun_path) : 0;
		if (n > sizeof t->name)
			n = sizeof t->name;
		memcpy(t->name, sun->sun_path, n);
		t->namelen = diag_name_len(t->name, n);
		/* Unnamed: accepted sockets carry no name to tell by. */
		if (t->namelen == 0) {
			errno = EINVAL;
			return -1;
		}
		break;
	}
	default:
		errno = EAFNOSUPPORT;
		return -1;
	}
	if (t->type != SOCK_STREAM && !(t->family == AF_UNIX &&
	    t->type == SOCK_SEQPACKET)) {
		errno = ESOCKTNOSUPPORT;
		return -1;
	}
	return 0;
}

int
sockdiag_count(int fd, unsigned long *conns, unsigned long *queued)
{
	struct diag_target t;

	if (diag_target(fd, &t) == -1)
		return -1;
	if ((t.family == AF_UNIX ? diag_unix(&t) : diag_inet(&t)) == -1)
		return -1;
	*conns = t.conns;
	*queued = t.queued;
	return 0;
}
