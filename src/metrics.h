/* SPDX-License-Identifier: ISC */
/*
 * metrics.h -- the status socket's metrics verb: every service's counters
 * and gauges in the Prometheus text exposition format (version 0.0.4).
 */
#ifndef ACTIVATOR_METRICS_H
#define ACTIVATOR_METRICS_H

#include <stdint.h>

#include "instance.h"
#include "service.h"

struct jbuf;

/* One service's numbers, as service_metrics() reads them. */
struct service_metrics {
	const char	*name;
	enum service_state state;
	int		 accept;
	int		 proxy;		/* handoff = proxy */
	uint64_t	 activations;	/* as status counts them */
	uint64_t	 restarts;
	uint64_t	 start_failures;
	uint64_t	 accepted;	/* accept = yes: accepted; proxy: relayed */
	uint64_t	 refused[REFUSED_NREASONS];	/* accept = yes */
	uint64_t	 instances;	/* live accept = yes instances */
	uint64_t	 proxy_conns;	/* live relayed connections */
	uint64_t	 proxy_bytes_in, proxy_bytes_out;
	double		 ready_wall;	/* Unix time it was last ready; 0: never */
	double		 ready_time;	/* seconds that start took; <0: none */
};

/* Defined in service.c, which owns the numbers. */
void	service_metrics(const struct service *, struct service_metrics *);

/* Note activator's start time: activator_start_time_seconds. */
void	metrics_start(void);
/* Append the whole exposition text to B. */
void	metrics_render(struct jbuf *b);

#endif /* ACTIVATOR_METRICS_H */
