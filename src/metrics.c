/* SPDX-License-Identifier: ISC */
/*
 * metrics.c -- the metrics verb's text: every service's counters and
 * gauges in the Prometheus text exposition format, for node_exporter's
 * textfile collector or anything that reads it. Each family gets its
 * HELP and TYPE lines once, then one sample per service (and label);
 * label values are escaped as the format says, whatever the names are.
 * The numbers are read once per request, then written family by family.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "control-json.h"
#include "metrics.h"
#include "service.h"
#include "xmalloc.h"

static double	 start_wall;	/* when activator started, Unix seconds */

/* The states `status` shows, for the one-hot state gauge. */
static const enum service_state shown_states[] = {
	SERVICE_LISTENING, SERVICE_STARTING, SERVICE_RUNNING,
	SERVICE_STOPPING, SERVICE_FAILED, SERVICE_STOPPED,
};
#define NSHOWN	(sizeof shown_states / sizeof shown_states[0])

void
metrics_start(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	start_wall = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
family(struct jbuf *b, const char *name, const char *type, const char *help)
{
	jbuf_lit(b, "# HELP ");
	jbuf_lit(b, name);
	jbuf_lit(b, " ");
	jbuf_lit(b, help);
	jbuf_lit(b, "\n# TYPE ");
	jbuf_lit(b, name);
	jbuf_lit(b, " ");
	jbuf_lit(b, type);
	jbuf_lit(b, "\n");
}

/* A label value: backslash, double quote and line feed escaped. */
static void
label_value(struct jbuf *b, const char *v)
{
	const char	*p;

	for (p = v; *p != '\0'; p++) {
		if (*p == '\\')
			jbuf_lit(b, "\\\\");
		else if (*p == '"')
			jbuf_lit(b, "\\\"");
		else if (*p == '\n')
			jbuf_lit(b, "\\n");
		else
			jbuf_raw(b, p, 1);
	}
}

/* NAME{service="SVC"[,LABEL="VALUE"]} , the value to follow. */
static void
series(struct jbuf *b, const char *name, const char *svc, const char *label,
    const char *value)
{
	jbuf_lit(b, name);
	if (svc != NULL || label != NULL)
		jbuf_lit(b, "{");
	if (svc != NULL) {
		jbuf_lit(b, "service=\"");
		label_value(b, svc);
		jbuf_lit(b, "\"");
	}
	if (label != NULL) {
		if (svc != NULL)
			jbuf_lit(b, ",");
		jbuf_lit(b, label);
		jbuf_lit(b, "=\"");
		label_value(b, value);
		jbuf_lit(b, "\"");
	}
	if (svc != NULL || label != NULL)
		jbuf_lit(b, "}");
}

static void
sample_u(struct jbuf *b, const char *name, const char *svc,
    const char *label, const char *value, uint64_t v)
{
	char	num[32];

	series(b, name, svc, label, value);
	snprintf(num, sizeof num, " %llu\n", (unsigned long long)v);
	jbuf_lit(b, num);
}

static void
sample_d(struct jbuf *b, const char *name, const char *svc, double v)
{
	char	num[64];

	series(b, name, svc, NULL, NULL);
	snprintf(num, sizeof num, " %.3f\n", v);
	jbuf_lit(b, num);
}

/* The counters: one family each, a sample per service it applies to. */
static void
render_counters(struct jbuf *b, const struct service_metrics *m, size_t n)
{
	size_t	i;
	int	r;

	family(b, "activator_service_activations_total", "counter",
	    "Starts of the daemon (accept = no) or instances started "
	    "(accept = yes).");
	for (i = 0; i < n; i++)
		sample_u(b, "activator_service_activations_total", m[i].name,
		    NULL, NULL, m[i].activations);
	family(b, "activator_service_restarts_total", "counter",
	    "Restarts by the restart policy or the operator.");
	for (i = 0; i < n; i++)
		sample_u(b, "activator_service_restarts_total", m[i].name,
		    NULL, NULL, m[i].restarts);
	family(b, "activator_service_start_failures_total", "counter",
	    "Starts that failed before the service was ready, and "
	    "instances that could not be started.");
	for (i = 0; i < n; i++)
		sample_u(b, "activator_service_start_failures_total",
		    m[i].name, NULL, NULL, m[i].start_failures);
	family(b, "activator_service_connections_accepted_total", "counter",
	    "Connections accepted by activator (accept = yes) or relayed "
	    "(handoff = proxy).");
	for (i = 0; i < n; i++)
		if (m[i].accept || m[i].proxy)
			sample_u(b,
			    "activator_service_connections_accepted_total",
			    m[i].name, NULL, NULL, m[i].accepted);
	family(b, "activator_service_connections_refused_total", "counter",
	    "Accepted connections closed unserved (accept = yes), by "
	    "reason.");
	for (i = 0; i < n; i++)
		if (m[i].accept)
			for (r = 0; r < REFUSED_NREASONS; r++)
				sample_u(b, "activator_service_connections_"
				    "refused_total", m[i].name, "reason",
				    instances_refusal_name(
				    (enum instances_refusal)r),
				    m[i].refused[r]);
	family(b, "activator_service_proxy_received_bytes_total", "counter",
	    "Bytes relayed from clients to the program (handoff = proxy).");
	for (i = 0; i < n; i++)
		if (m[i].proxy)
			sample_u(b, "activator_service_proxy_received_bytes_"
			    "total", m[i].name, NULL, NULL,
			    m[i].proxy_bytes_in);
	family(b, "activator_service_proxy_sent_bytes_total", "counter",
	    "Bytes relayed from the program to clients (handoff = proxy).");
	for (i = 0; i < n; i++)
		if (m[i].proxy)
			sample_u(b, "activator_service_proxy_sent_bytes_total",
			    m[i].name, NULL, NULL, m[i].proxy_bytes_out);
}

/* Serving without a start: running, or an accept = yes one listening. */
static int
service_up(const struct service_metrics *m)
{
	return m->state == SERVICE_RUNNING ||
	    (m->accept && m->state == SERVICE_LISTENING);
}

static void
render_gauges(struct jbuf *b, const struct service_metrics *m, size_t n)
{
	size_t	i, k;

	family(b, "activator_service_up", "gauge",
	    "1 if the service serves without a start: running, or accept = "
	    "yes and listening.");
	for (i = 0; i < n; i++)
		sample_u(b, "activator_service_up", m[i].name, NULL, NULL,
		    service_up(&m[i]));
	family(b, "activator_service_state", "gauge",
	    "1 for the state the service is in, as status shows it.");
	for (i = 0; i < n; i++)
		for (k = 0; k < NSHOWN; k++)
			sample_u(b, "activator_service_state", m[i].name,
			    "state", service_state_name(shown_states[k]),
			    m[i].state == shown_states[k]);
	family(b, "activator_service_instances", "gauge",
	    "Live instances (accept = yes).");
	for (i = 0; i < n; i++)
		sample_u(b, "activator_service_instances", m[i].name, NULL,
		    NULL, m[i].instances);
	family(b, "activator_service_proxy_connections", "gauge",
	    "Live relayed connections (handoff = proxy).");
	for (i = 0; i < n; i++)
		if (m[i].proxy)
			sample_u(b, "activator_service_proxy_connections",
			    m[i].name, NULL, NULL, m[i].proxy_conns);
	family(b, "activator_service_last_ready_timestamp_seconds", "gauge",
	    "When the service was last ready, in Unix time; absent if never "
	    "since activator started.");
	for (i = 0; i < n; i++)
		if (m[i].ready_wall > 0)
			sample_d(b, "activator_service_last_ready_timestamp_"
			    "seconds", m[i].name, m[i].ready_wall);
	family(b, "activator_service_last_ready_duration_seconds", "gauge",
	    "How long the last start took from launch to readiness.");
	for (i = 0; i < n; i++)
		if (m[i].ready_time >= 0)
			sample_d(b, "activator_service_last_ready_duration_"
			    "seconds", m[i].name, m[i].ready_time);
}

void
metrics_render(struct jbuf *b)
{
	struct service_metrics *m;
	struct service	*s;
	size_t		 i, n = 0, count = services_count();

	m = xcalloc(count > 0 ? count : 1, sizeof *m);
	for (i = 0; i < count; i++)
		if ((s = service_at(i)) != NULL)
			service_metrics(s, &m[n++]);
	family(b, "activator_build_info", "gauge",
	    "Always 1; the version label says which activator.");
	sample_u(b, "activator_build_info", NULL, "version", PACKAGE_VERSION,
	    1);
	family(b, "activator_start_time_seconds", "gauge",
	    "When activator started, in Unix time.");
	sample_d(b, "activator_start_time_seconds", NULL, start_wall);
	family(b, "activator_services", "gauge",
	    "Services in the configuration.");
	sample_u(b, "activator_services", NULL, NULL, NULL, n);
	render_counters(b, m, n);
	render_gauges(b, m, n);
	free(m);
}
