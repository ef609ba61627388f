/* SPDX-License-Identifier: ISC */
/*
 * service-int.h -- what the files of the service module share: the
 * service structure and helpers. Not for other modules.
 */
#ifndef ACTIVATOR_SERVICE_INT_H
#define ACTIVATOR_SERVICE_INT_H

#include <sys/socket.h>
#include <sys/types.h>
#include <stddef.h>
#include <time.h>

#include <event2/event.h>

#include "proc.h"
#include "service.h"

struct listener;
struct output;
struct service_conf;

struct instance {
	pid_t		 pid;
	struct sockaddr_storage peer;	/* for max-per-source */
};

struct service {
	const struct service_conf *conf;	/* owned by the current config */
	char		*name;
	struct listener	**ls;		/* one per conf->listen, same order */
	size_t		 nls;
	enum service_state state;
	struct timespec	 since;
	struct output	*out;

	pid_t		 sup_pid;	/* supervisor, 0 if none */
	int		 sup_fd;
	struct event	*sup_ev;
	pid_t		 launched_pid;
	pid_t		 main_pid;
	struct timespec	 start_ts;	/* when the current start began */
	double		 ready_time;	/* seconds; <0: never ready */
	int		 start_failed;	/* this start did not become ready */
	int		 run_failed;	/* the ready daemon ended badly */
	int		 exit_pending;	/* what to do when the tree is gone: */
#define EXIT_POLICY	0		/*   apply the restart policy */
#define EXIT_STOP	1		/*   operator stop: stopped */
#define EXIT_RESTART	2		/*   operator restart: start again */
#define EXIT_REMOVE	3		/*   removed by reload: free */
	struct event	*timer;		/* start-timeout or hold-off */
	struct procinfo	*orphans;	/* of a dead supervisor, to KILL */
	size_t		 norphans;
	struct event	*orphan_timer;

	struct timespec	*starts;	/* ring of recent start times */
	size_t		 nstarts;
	int		 holdoff;	/* seconds of the current hold-off */
	int		 holdoff_passed; /* one start allowed after it */

	struct instance	*inst;
	size_t		 ninst;
	struct event	*backoff;	/* accept paused after EMFILE & co */
	int		 backoff_ms;

	unsigned long	 activations, restarts, accepted, refused;
	int		 has_exit, exit_code, exit_signal;
	char		*last_error;
	int		 restart_pending;
};

/* service.c */
void	service_set_error(struct service *, const char *msg);
void	service_record_exit(struct service *, int status);
int	service_timer_make(struct service *, struct event **,
	    void (*)(evutil_socket_t, short, void *));
void	service_watch(struct service *);
void	service_unwatch(struct service *);
int	service_output_fd(struct service *);
void	service_term_trees(struct service *, const struct procinfo *, size_t,
	    const pid_t *roots, size_t nroots);

/* service-accept.c */
void	service_accept(struct service *, int fd);
void	service_instance_exited(struct service *, size_t idx, int status);
void	service_stop_instances(struct service *);

#endif /* ACTIVATOR_SERVICE_INT_H */
