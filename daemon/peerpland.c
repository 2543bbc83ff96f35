/*
 * peerpland.c - the daemon's main: options, the token and backup commands,
 * start-up, signals, systemd notification, shutdown.
 *
 * Start-up is the only place that may fail fatally: options, database,
 * listeners (sockets passed by systemd are taken instead of binding, for
 * socket activation).  Then READY=1 goes to systemd and the loop runs until SIGTERM
 * or SIGINT, which stop the listeners, answer held calls with 503, cancel
 * running solves (their plans stay queued/running in the database and are
 * solved again on the next start), let replies in flight drain, and exit 0.
 * SIGHUP re-reads the options and applies the reloadable ones (log level,
 * limits, queue size, the solver threads' nice value, the retention, which
 * it purges by at once).  Signals are libevent events, so their handlers
 * run on the loop thread like everything else.
 */
#include <event2/event.h>
#include <event2/thread.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "auth.h"
#include "http.h"
#include "jobs.h"
#include "log.h"
#include "matches.h"
#include "metrics.h"
#include "options.h"
#include "plans.h"
#include "retention.h"
#include "running.h"
#include "store.h"

struct daemon_ctx {
	struct server srv;
	int argc;
	char **argv;
	struct event *sig[3];
	struct event *watchdog;
	struct event *drain;
	double stop_at;
};

static int daemon_token_print(const struct store_token *t, void *arg)
{
	printf("%-24s %-11s %s %s\n", t->name, t->role, t->created,
	       t->expires ? t->expires : "never");
	return 0;
}

/* `token add NAME --role R [--expires LIFE]` and `token rotate NAME
 * [--expires LIFE]`: print the new token; 0, or -1 with err set. */
static int daemon_token_secret(struct store *st, struct options *o, bool rotate, const char *name,
			       struct pp_error *err)
{
	char token[AUTH_TOKEN_LEN + 1], expires[32] = "", kept[32];
	const char *life = o->str[OPT_EXPIRES];

	if (life[0] != '\0' && auth_expiry(life, expires, err) < 0)
		return -1;
	if (rotate) {
		if (auth_token_rotate(st, name, life[0] ? expires : NULL, token, kept, err) < 0)
			return -1;
		printf("%s\n", token);
		if (kept[0] != '\0') {
			char now[32];

			store_now(now);
			if (strcmp(now, kept) >= 0)
				fprintf(stderr,
					"peerpland: token %s expired at %s and still has; give "
					"--expires to extend it\n",
					name, kept);
		}
		return 0;
	}
	if (o->str[OPT_ROLE][0] == '\0')
		return pp_error_set(err, PP_ERR_INVALID_INPUT, "role",
				    "token add needs --role "
				    "scheduler|casesystem|viewer|admin|metrics");
	if (auth_token_add(st, name, o->str[OPT_ROLE], life[0] ? expires : NULL, token, err) < 0)
		return -1;
	printf("%s\n", token);
	return 0;
}

/* `peerpland token ...`: manage tokens in the database and exit. */
static int daemon_token_cmd(struct options *o, char **pos, int npos)
{
	struct pp_error err = {0};
	struct store *st;
	int rc = 1;

	if (auth_init() < 0) {
		fprintf(stderr, "peerpland: libsodium cannot be initialised\n");
		return 1;
	}
	st = store_open(o->str[OPT_DATABASE], &err);
	if (st == NULL) {
		fprintf(stderr, "peerpland: %s\n", err.message);
		return 1;
	}
	if (npos == 3 && (strcmp(pos[1], "add") == 0 || strcmp(pos[1], "rotate") == 0)) {
		if (daemon_token_secret(st, o, strcmp(pos[1], "rotate") == 0, pos[2], &err) == 0)
			rc = 0;
	} else if (npos == 2 && strcmp(pos[1], "list") == 0) {
		rc = 0;
		if (store_token_each(st, daemon_token_print, NULL, &err) < 0)
			rc = 1;
	} else if (npos == 3 && strcmp(pos[1], "revoke") == 0) {
		if (store_token_revoke(st, pos[2], &err) == 0) {
			printf("revoked %s\n", pos[2]);
			rc = 0;
		}
	} else {
		pp_error_set(&err, PP_ERR_INVALID_INPUT, "",
			     "usage: peerpland token add NAME --role ROLE [--expires LIFE] | "
			     "token rotate NAME [--expires LIFE] | token list | token revoke NAME");
	}
	if (rc != 0)
		fprintf(stderr, "peerpland: %s\n", err.message);
	store_close(st);
	return rc;
}

/* `peerpland backup FILE`: copy the database, live or not, to FILE. */
static int daemon_backup_cmd(struct options *o, char **pos, int npos)
{
	struct pp_error err = {0};

	if (npos != 2) {
		fprintf(stderr, "peerpland: usage: peerpland backup FILE\n");
		return 1;
	}
	if (store_backup(o->str[OPT_DATABASE], pos[1], &err) < 0) {
		fprintf(stderr, "peerpland: %s\n", err.message);
		return 1;
	}
	printf("backed up %s to %s\n", o->str[OPT_DATABASE], pos[1]);
	return 0;
}

/* The commands that act on the database and exit, as tmux's cmd_table[]. */
static const struct daemon_command {
	const char *name;
	int (*fn)(struct options *o, char **pos, int npos);
} daemon_commands[] = {
    {"token", daemon_token_cmd},
    {"backup", daemon_backup_cmd},
};

/* Run the command named by pos[0]: its exit status, or -1 if unknown. */
static int daemon_command(struct options *o, char **pos, int npos)
{
	for (size_t i = 0; i < sizeof daemon_commands / sizeof daemon_commands[0]; i++)
		if (strcmp(pos[0], daemon_commands[i].name) == 0)
			return daemon_commands[i].fn(o, pos, npos);
	return -1;
}

/* Loop: exit once no solve is running (they were told to stop). */
static void daemon_drain_cb(evutil_socket_t fd, short what, void *arg)
{
	struct daemon_ctx *d = arg;

	if ((jobs_running(d->srv.jobs, JOBQ_ALL) == 0 && matches_pending(d->srv.matches) == 0) ||
	    http_now() > d->stop_at) {
		struct timeval flush = {0, 200000}; /* let replies in flight leave */

		event_del(d->drain);
		event_base_loopexit(d->srv.base, &flush);
	}
}

static void daemon_stop(struct daemon_ctx *d, const char *why)
{
	struct timeval tick = {0, 50000};

	if (d->srv.stopping)
		return;
	log_info("%s: stopping", why);
	sd_notify(0, "STOPPING=1");
	d->srv.stopping = true;
	http_stop_accepting(&d->srv);
	plans_shutdown(d->srv.plans);
	matches_shutdown(d->srv.matches);
	running_shutdown(d->srv.running);
	jobs_stop(d->srv.jobs); /* plans and batches: see jobs.h */
	d->stop_at = http_now() + 3;
	d->drain = event_new(d->srv.base, -1, EV_PERSIST, daemon_drain_cb, d);
	event_add(d->drain, &tick);
}

/* SIGHUP: re-read the options; apply those that may change while running. */
static void daemon_reload(struct daemon_ctx *d)
{
	struct options fresh = {0}; /* freed below even when pos is NULL */
	struct pp_error err = {0};
	char **pos = calloc((size_t)d->argc + 1, sizeof *pos);
	int npos;

	sd_notify(0, "RELOADING=1");
	if (pos == NULL)
		pp_error_set(&err, PP_ERR_INTERNAL, "", "out of memory");
	if (pos == NULL ||
	    options_parse_args(&fresh, d->argc, d->argv, pos, &npos, stderr, &err) != 0) {
		log_error("reload failed, keeping the old options: %s", err.message);
	} else {
		options_copy_reloadable(&d->srv.opts, &fresh);
		log_set_level_name(d->srv.opts.str[OPT_LOG_LEVEL]);
		http_apply_limits(&d->srv);
		jobs_set_queue_max(d->srv.jobs, (int)d->srv.opts.num[OPT_QUEUE_MAX]);
		jobs_set_nice(d->srv.jobs, (int)d->srv.opts.num[OPT_WORKER_NICE]);
		retention_kick(d->srv.retention);
		log_info("reloaded options");
	}
	options_free(&fresh);
	free(pos);
	sd_notify(0, "READY=1");
}

static void daemon_signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct daemon_ctx *d = arg;

	if (sig == SIGHUP)
		daemon_reload(d);
	else
		daemon_stop(d, sig == SIGTERM ? "SIGTERM" : "SIGINT");
}

static void daemon_watchdog_cb(evutil_socket_t fd, short what, void *arg)
{
	sd_notify(0, "WATCHDOG=1");
}

/* Warn when the database file (created 0600, but an older one keeps its
 * mode) may be read or written by others than its owner: it holds every
 * request, profile and token hash, and its -wal and -shm files take its
 * mode. */
static void daemon_check_mode(const char *path)
{
	struct stat sb;

	if (stat(path, &sb) == 0 && S_ISREG(sb.st_mode) && (sb.st_mode & 077) != 0)
		log_warn("database %s is mode %04o: others than its owner may read it; chmod 600 "
			 "it (and its -wal and -shm files)",
			 path, (unsigned)(sb.st_mode & 07777));
}

/* Raise the soft limit of open files to what max-connections needs (plus
 * room for the database, listeners and logs), as far as the hard limit
 * allows; warn when it cannot. */
static void daemon_raise_nofile(const struct options *o)
{
	rlim_t want = (rlim_t)o->num[OPT_MAX_CONNECTIONS] + 64;
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur >= want)
		return;
	rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > want ? want : rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur < want)
		log_warn("open files limited to %lu: fewer than max-connections (%ld) may open",
			 (unsigned long)rl.rlim_cur, o->num[OPT_MAX_CONNECTIONS]);
}

/* Take the listening sockets systemd passes (socket activation, also
 * systemd-socket-activate): LISTEN_FDS/LISTEN_PID, unset for children.
 * 0 (none is fine), or -1 with err set when one is not a listening stream
 * socket or there are too many. */
static int daemon_passed_sockets(struct server *srv, struct pp_error *err)
{
	int n = sd_listen_fds(1);

	if (n < 0)
		return pp_error_set(err, PP_ERR_INTERNAL, "", "LISTEN_FDS: %s", strerror(-n));
	if (n > HTTP_MAX_LISTENERS)
		return pp_error_set(err, PP_ERR_INVALID_INPUT, "",
				    "%d sockets passed; at most %d are served", n,
				    HTTP_MAX_LISTENERS);
	for (int i = 0; i < n; i++) {
		int fd = SD_LISTEN_FDS_START + i;

		if (sd_is_socket(fd, AF_UNSPEC, SOCK_STREAM, 1) <= 0)
			return pp_error_set(err, PP_ERR_INVALID_INPUT, "",
					    "fd %d passed by systemd is not a listening stream "
					    "socket",
					    fd);
		srv->passed[srv->npassed++] = fd;
	}
	if (n > 0)
		log_info("socket activation: %d socket(s) passed; listen and socket options "
			 "ignored",
			 n);
	return 0;
}

/* The event base.  With epoll's change list, the changes a loop pass makes
 * to a socket's events are applied once, as their net result, before the
 * next wait: a request read, answered and written in one pass (see
 * http_reply_bytes) then costs one epoll_ctl, where it took four.  The
 * change list must not see two descriptors of one open file (dup()): the
 * daemon never makes such a pair. */
static struct event_base *event_base_open(void)
{
	struct event_config *cfg = event_config_new();
	struct event_base *base;

	if (cfg == NULL)
		return NULL;
	event_config_set_flag(cfg, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
	base = event_base_new_with_config(cfg);
	event_config_free(cfg);
	return base;
}

/* Start everything; 0 on success, -1 with err set (and partial state that
 * daemon_cleanup frees). */
static int daemon_start(struct daemon_ctx *d, struct pp_error *err)
{
	struct server *srv = &d->srv;
	const int sigs[3] = {SIGTERM, SIGINT, SIGHUP};
	uint64_t usec = 0;
	int n;

	if (auth_init() < 0)
		return pp_error_set(err, PP_ERR_INTERNAL, "", "libsodium cannot be initialised");
	if (evthread_use_pthreads() < 0)
		return pp_error_set(err, PP_ERR_INTERNAL, "", "libevent has no thread support");
	/* Every reply of a plan allocates and frees buffers of its size; with
	 * glibc's default 128 KiB trim threshold a pass of such replies gave
	 * the heap top back to the kernel and took it again (brk) each time,
	 * about 12 % of the loop's CPU under load.  Keep up to 32 MiB. */
	mallopt(M_TRIM_THRESHOLD, 32 << 20);
	srv->base = event_base_open();
	srv->metrics = metrics_new();
	if (srv->base == NULL || srv->metrics == NULL)
		return pp_error_set(err, PP_ERR_INTERNAL, "", "out of memory");
	srv->store = store_open(srv->opts.str[OPT_DATABASE], err);
	if (srv->store == NULL)
		return -1;
	daemon_check_mode(srv->opts.str[OPT_DATABASE]);
	srv->nworkers = (int)srv->opts.num[OPT_WORKERS];
	if (srv->nworkers == 0)
		srv->nworkers = (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (srv->nworkers < 1)
		srv->nworkers = 1;
	srv->jobs = jobs_new(srv->base, srv->nworkers, (int)srv->opts.num[OPT_QUEUE_MAX]);
	if (srv->jobs != NULL)
		jobs_set_nice(srv->jobs, (int)srv->opts.num[OPT_WORKER_NICE]);
	srv->plans = plans_new(srv);
	srv->matches = matches_new(srv);
	srv->running = running_new(srv);
	srv->retention = retention_new(srv);
	if (srv->jobs == NULL || srv->plans == NULL || srv->matches == NULL ||
	    srv->running == NULL || srv->retention == NULL)
		return pp_error_set(err, PP_ERR_INTERNAL, "", "cannot start the solver threads");
	retention_kick(srv->retention); /* a first purge, as soon as the loop runs */
	n = plans_requeue(srv->plans, err);
	if (n < 0)
		return -1;
	if (n > 0)
		log_info("re-queued %d unfinished plan(s)", n);
	daemon_raise_nofile(&srv->opts);
	if (daemon_passed_sockets(srv, err) < 0 || http_start(srv, err) < 0)
		return -1;
	for (int i = 0; i < 3; i++) {
		d->sig[i] = evsignal_new(srv->base, sigs[i], daemon_signal_cb, d);
		if (d->sig[i] == NULL || event_add(d->sig[i], NULL) < 0)
			return pp_error_set(err, PP_ERR_INTERNAL, "", "cannot watch signals");
	}
	if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) {
		struct timeval tv = {(time_t)(usec / 2000000), (suseconds_t)(usec / 2 % 1000000)};

		d->watchdog = event_new(srv->base, -1, EV_PERSIST, daemon_watchdog_cb, d);
		if (d->watchdog != NULL)
			event_add(d->watchdog, &tv);
	}
	return 0;
}

static void daemon_cleanup(struct daemon_ctx *d)
{
	struct server *srv = &d->srv;

	if (srv->jobs != NULL) {
		jobs_stop(srv->jobs);
		jobs_free(srv->jobs); /* joins: running solves were cancelled */
		srv->jobs = NULL;
	}
	plans_free(srv->plans);
	matches_free(srv->matches);
	running_free(srv->running);
	retention_free(srv->retention);
	http_free(srv);
	for (int i = 0; i < 3; i++)
		if (d->sig[i] != NULL)
			event_free(d->sig[i]);
	if (d->watchdog != NULL)
		event_free(d->watchdog);
	if (d->drain != NULL)
		event_free(d->drain);
	store_close(srv->store);
	metrics_free(srv->metrics);
	if (srv->base != NULL)
		event_base_free(srv->base);
	options_free(&srv->opts);
}

int main(int argc, char **argv)
{
	struct daemon_ctx d;
	struct pp_error err = {0};
	char **pos = calloc((size_t)argc + 1, sizeof *pos);
	int npos = 0, rc;

	memset(&d, 0, sizeof d);
	d.argc = argc;
	d.argv = argv;
	if (pos == NULL)
		return 1;
	rc = options_parse_args(&d.srv.opts, argc, argv, pos, &npos, stdout, &err);
	if (rc != 0) {
		if (rc < 0)
			fprintf(stderr, "peerpland: %s\n", err.message);
		options_free(&d.srv.opts);
		free(pos);
		return rc < 0 ? 2 : 0;
	}
	log_set_level_name(d.srv.opts.str[OPT_LOG_LEVEL]);
	if (npos > 0) {
		rc = daemon_command(&d.srv.opts, pos, npos);
		if (rc < 0)
			fprintf(stderr, "peerpland: unknown command '%s' (see --help)\n", pos[0]);
		options_free(&d.srv.opts);
		free(pos);
		return rc < 0 ? 2 : rc;
	}
	free(pos);
	signal(SIGPIPE, SIG_IGN);
	if (daemon_start(&d, &err) < 0) {
		log_error("cannot start: %s", err.message);
		daemon_cleanup(&d);
		return 1;
	}
	log_info("peerpland %s ready: database %s, %d solver thread(s)", PEERPLAN_VERSION,
		 d.srv.opts.str[OPT_DATABASE], d.srv.nworkers);
	sd_notify(0, "READY=1");
	event_base_dispatch(d.srv.base);
	if (jobs_running(d.srv.jobs, JOBQ_ALL) > 0 || matches_pending(d.srv.matches) > 0) {
		/* GLPK is inside a simplex that does not poll the cancel flag,
		 * or a large matching batch is still solving.  Leave the threads
		 * to die with the process; a plan is still pending in the
		 * database and runs again on the next start. */
		log_warn("%d plan solve(s) and %d matching solve(s) did not stop in time",
			 jobs_running(d.srv.jobs, JOBQ_PLAN), jobs_running(d.srv.jobs, JOBQ_MATCH));
		store_close(d.srv.store);
		return 0;
	}
	daemon_cleanup(&d);
	log_info("stopped");
	return 0;
}
