/* SPDX-License-Identifier: ISC */
/*
 * activator.c -- main: the command line, the one event base, signals,
 * configuration loading and reloading, and the exit codes.
 */
#include "config.h"

#include <sys/prctl.h>
#include <sys/resource.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "conf.h"
#include "control.h"
#include "defaults.h"
#include "log.h"
#include "metrics.h"
#include "reload.h"
#include "sdnotify.h"
#include "service.h"
#include "spawn.h"
#include "watch.h"
#include "xmalloc.h"

static struct event_base *base;
static struct config *conf;
static const char *conf_path = ACTIVATOR_CONF;
static const char *socket_override;
static int	 level_override = -1;
static int	 exit_code;

static void __attribute__((noreturn))
usage(int code)
{
	fprintf(code == 0 ? stdout : stderr,
	    "usage: activator [-ntVh] [-f file] [-s socket] [-l level]\n"
	    "  -n  stay in the foreground, log to stderr\n"
	    "  -f  config file (default " ACTIVATOR_CONF ")\n"
	    "  -s  status socket path (overrides status-socket, default\n"
	    "      " ACTIVATOR_SOCKET ")\n"
	    "  -l  log level: error|warning|notice|info|debug\n"
	    "  -t  check the config and exit\n"
	    "  -V  print the version\n"
	    "  -h  this help\n");
	exit(code);
}

static const char *
status_socket(const struct config *c)
{
	return socket_override != NULL ? socket_override : c->status_socket;
}

/* Print each line of MSGS through LOGFN. */
static void
log_lines(void (*logfn)(const char *, ...), const char *msgs)
{
	char	*copy, *line, *next;

	if (msgs == NULL)
		return;
	copy = xstrdup(msgs);
	for (line = copy; line != NULL; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		logfn("%s", line);
	}
	free(copy);
}

/*
 * Validate-then-swap: the new file is parsed and checked in full and its
 * new sockets opened before anything changes; on failure nothing does.
 */
static int
main_reload(char **cause)
{
	struct config *new_conf;
	char	*errors = NULL, *warnings = NULL;
	int	 moved;

	log_notice("reloading %s", conf_path);
	new_conf = conf_load(conf_path, &errors, &warnings);
	log_lines(log_warnx, warnings);
	free(warnings);
	if (new_conf == NULL) {
		log_lines(log_error, errors);
		log_error("reload failed: keeping the running configuration");
		*cause = errors;
		watch_emit_reload(errors != NULL ? errors : "failed");
		return -1;
	}
	free(errors);
	moved = socket_override == NULL &&
	    strcmp(new_conf->status_socket, conf->status_socket) != 0;
	if (services_reload(new_conf, cause) == -1) {
		log_error("reload failed: %s", *cause);
		watch_emit_reload(*cause != NULL ? *cause : "failed");
		conf_free(new_conf);
		return -1;
	}
	if (moved) {
		char *ccause = NULL;
		control_close();
		defaults_socket_dir(new_conf->status_socket);
		if (control_open(base, new_conf->status_socket,
		    new_conf->status_mode, main_reload, &ccause) == -1) {
			log_error("status socket %s: %s",
			    new_conf->status_socket, ccause);
			free(ccause);
		}
	}
	if (level_override == -1)
		log_setlevel(new_conf->log_level);
	conf = new_conf;	/* owned by service.c now */
	log_notice("reloaded: %zu services", conf->nservices);
	watch_emit_reload(NULL);
	malloc_trim(0);		/* parsing's garbage, not our steady state */
	return 0;
}

static void
main_sighup_cb(evutil_socket_t sig, short what, void *arg)
{
	char	*cause = NULL;

	(void)sig;
	(void)what;
	(void)arg;
	main_reload(&cause);
	free(cause);
}

static void
main_shutdown_done(void)
{
	/* loopexit allocates; without memory, break out all the same. */
	if (event_base_loopexit(base, NULL) == -1)
		event_base_loopbreak(base);
}

static void
main_sigterm_cb(evutil_socket_t sig, short what, void *arg)
{
	static int stopping;

	(void)what;
	(void)arg;
	if (stopping++) {
		log_notice("signal %d again: still stopping services", (int)sig);
		return;
	}
	log_notice("signal %d: stopping every service", (int)sig);
	control_close();
	services_shutdown(main_shutdown_done);
}

static void
main_sigchld_cb(evutil_socket_t sig, short what, void *arg)
{
	(void)sig;
	(void)what;
	(void)arg;
	services_sigchld();
}

static void
main_event_log_cb(int severity, const char *msg)
{
	if (severity >= EVENT_LOG_ERR)
		log_error("libevent: %s", msg);
	else if (severity >= EVENT_LOG_WARN)
		log_warnx("libevent: %s", msg);
	else
		log_debug("libevent: %s", msg);
}

/*
 * Raise our own descriptor limit to the hard limit: an accept = yes
 * service may hold many connections. Children get the original back.
 */
static void
main_raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1) {
		log_warn("getrlimit RLIMIT_NOFILE");
		return;
	}
	spawn_set_nofile(&rl);
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
		log_warn("setrlimit RLIMIT_NOFILE");
}

/*
 * Go to the background, but let the caller's exit status say whether
 * start-up worked: the parent waits on a pipe until the child has bound
 * every socket (one byte) or failed (EOF), and exits 0 or 1 accordingly.
 * Start-up errors still reach stderr; the child returns the write end.
 */
static int
main_background(void)
{
	int	 fds[2];
	char	 c;
	ssize_t	 n;

	if (pipe2(fds, O_CLOEXEC) == -1)
		fatal("pipe");
	switch (fork()) {
	case -1:
		fatal("fork");
	case 0:
		close(fds[0]);
		if (setsid() == -1)
			fatal("setsid");
		return fds[1];
	default:
		close(fds[1]);
		do
			n = read(fds[0], &c, 1);
		while (n == -1 && errno == EINTR);
		_exit(n == 1 ? 0 : 1);
	}
}

/* Start-up is done: tell the waiting parent, log to syslog from now on. */
static void
main_detach(int ready_fd)
{
	int	 fd;

	log_init(0, log_getlevel(), "activator");
	if ((fd = open("/dev/null", O_RDWR | O_CLOEXEC)) != -1) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		close(fd);
	}
	if (chdir("/") == -1)
		log_warn("chdir /");
	if (write(ready_fd, "k", 1) != 1)
		log_warn("cannot tell the parent that start-up is done");
	close(ready_fd);
}

int
main(int argc, char **argv)
{
	struct event *ev_hup, *ev_term, *ev_int, *ev_chld;
	struct sigaction sa;
	char	*errors = NULL, *warnings = NULL, *cause = NULL, *hint;
	char	 abspath[PATH_MAX];
	int	 ch, foreground = 0, check_only = 0, ready_fd = -1;

	while ((ch = getopt(argc, argv, "f:hl:ns:tV")) != -1) {
		switch (ch) {
		case 'f':
			conf_path = optarg;
			break;
		case 'h':
			usage(0);
		case 'l':
			if ((level_override = log_parse_level(optarg)) == -1) {
				fprintf(stderr, "activator: unknown log level "
				    "'%s'\n", optarg);
				usage(2);
			}
			break;
		case 'n':
			foreground = 1;
			break;
		case 's':
			if (optarg[0] != '/') {
				fprintf(stderr, "activator: -s needs an "
				    "absolute path\n");
				usage(2);
			}
			socket_override = optarg;
			break;
		case 't':
			check_only = 1;
			break;
		case 'V':
			printf("activator %s\n", PACKAGE_VERSION);
			return 0;
		default:
			usage(2);
		}
	}
	if (optind != argc)
		usage(2);
	/* Reloads happen after chdir("/"): keep the file's absolute name. */
	if (!check_only && conf_path[0] != '/' &&
	    realpath(conf_path, abspath) != NULL)
		conf_path = abspath;

	log_init(1, level_override != -1 ? level_override : LOG_INFO,
	    "activator");
	conf = conf_load(conf_path, &errors, &warnings);
	if (check_only) {
		if (warnings != NULL)
			fprintf(stderr, "%s\n", warnings);
		free(warnings);
		if (conf == NULL) {
			fprintf(stderr, "%s\n", errors);
			free(errors);
			return 1;
		}
		printf("%s: configuration valid, %zu service%s\n", conf_path,
		    conf->nservices, conf->nservices == 1 ? "" : "s");
		conf_free(conf);
		return 0;
	}
	log_lines(log_warnx, warnings);
	free(warnings);
	if (conf == NULL) {
		log_lines(log_error, errors);
		free(errors);
		return 1;
	}
	free(errors);
	if (level_override == -1)
		log_setlevel(conf->log_level);

	if (!foreground)
		ready_fd = main_background();
	/* Every orphan below us, whatever it forked, stays ours to reap. */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) == -1)
		fatal("prctl PR_SET_CHILD_SUBREAPER");
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	main_raise_nofile();
	if (spawn_init() == -1)
		fatal("open /dev/null");

	event_set_log_callback(main_event_log_cb);
	if ((base = event_base_new()) == NULL)
		fatal("event_base_new failed");
	ev_hup = evsignal_new(base, SIGHUP, main_sighup_cb, NULL);
	ev_term = evsignal_new(base, SIGTERM, main_sigterm_cb, NULL);
	ev_int = evsignal_new(base, SIGINT, main_sigterm_cb, NULL);
	ev_chld = evsignal_new(base, SIGCHLD, main_sigchld_cb, NULL);
	if (ev_hup == NULL || ev_term == NULL || ev_int == NULL ||
	    ev_chld == NULL || event_add(ev_hup, NULL) == -1 ||
	    event_add(ev_term, NULL) == -1 || event_add(ev_int, NULL) == -1 ||
	    event_add(ev_chld, NULL) == -1)
		fatal("cannot install signal events");

	/* A failed start frees what it made: leak checkers see real leaks. */
	defaults_socket_dir(status_socket(conf));
	if (control_open(base, status_socket(conf), conf->status_mode,
	    main_reload, &cause) == -1) {
		log_error("status socket %s: %s", status_socket(conf), cause);
		conf_free(conf);
		exit_code = 1;
		goto out;
	}
	if (services_init(base, conf, &cause) == -1) {
		log_error("%s", cause);
		control_close();
		services_free();	/* and conf, which it owns now */
		exit_code = 1;
		goto out;
	}
	metrics_start();
	log_notice("activator %s running with %zu service%s, status socket %s",
	    PACKAGE_VERSION, conf->nservices, conf->nservices == 1 ? "" : "s",
	    status_socket(conf));
	hint = defaults_ctl_hint(status_socket(conf));
	log_notice("inspect with: %s", hint);
	free(hint);
	sdnotify_ready("running");
	if (ready_fd != -1)
		main_detach(ready_fd);
	/* Give back what parsing used: an idle activator stays small. */
	malloc_trim(0);

	event_base_dispatch(base);

	log_notice("stopped");
	services_free();
out:
	event_free(ev_hup);
	event_free(ev_term);
	event_free(ev_int);
	event_free(ev_chld);
	event_base_free(base);
	free(cause);
	return exit_code;
}
