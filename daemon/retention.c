/*
 * retention.c - the purge of what is past its retention, run on the event
 * loop: at start, every hour, and after SIGHUP.
 *
 * The cut-offs are taken when a purge starts: finished plans (with their
 * attendance) and attendance records older than `retain-days`, audit rows
 * older than `audit-retain-days`; 0 keeps that kind for ever.  A purge is
 * a chain of batches, each one transaction of at most RETENTION_BATCH rows
 * of each kind (store_purge_batch, which also commits the audit row
 * "purge").  A batch that reached the limit schedules the next one on a
 * timer a millisecond away, so the loop polls its sockets between two
 * batches: a large first purge delays a request by one batch at most,
 * never by the whole purge.  Deleted plans are forgotten by the plans
 * resource (plans_forget), which may keep their documents.  The answers
 * kept for Idempotency-Key go once a day old, whatever the options (one
 * statement: an hour's keys at most).
 */
#include "retention.h"

#include <event2/event.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http.h"
#include "log.h"
#include "plans.h"
#include "store.h"

#define RETENTION_BATCH  200
#define RETENTION_PERIOD 3600 /* seconds between two purges */

struct retention {
	struct server *srv;
	struct event *hourly, *batch;
	bool running;
	char plans_before[32], audit_before[32]; /* "" keeps that kind */
	struct store_purged total;
};

/* The store_now() time `days` days ago into out; "" for 0 days. */
static void retention_cutoff(long days, char out[32])
{
	time_t t = time(NULL) - (time_t)days * 86400;
	struct tm tm;

	out[0] = '\0';
	if (days <= 0)
		return;
	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%S.000Z", &tm);
}

static void retention_forget(const char *id, void *arg)
{
	struct server *srv = arg;

	plans_forget(srv->plans, id);
}

/* Timer: one batch; then the next, or the purge's summary. */
static void retention_batch_cb(evutil_socket_t fd, short what, void *arg)
{
	struct retention *r = arg;
	struct store_purge p = {
	    .plans_before = r->plans_before[0] ? r->plans_before : NULL,
	    .audit_before = r->audit_before[0] ? r->audit_before : NULL,
	    .batch = RETENTION_BATCH,
	};
	struct store_purged n;
	struct pp_error err = {0};
	struct timeval soon = {0, 1000};

	if (store_purge_batch(r->srv->store, &p, retention_forget, r->srv, &n, &err) < 0) {
		log_error("purge stopped: %s", err.message);
		r->running = false;
		return;
	}
	r->total.plans += n.plans;
	r->total.attendance += n.attendance;
	r->total.audit += n.audit;
	if (n.plans == p.batch || n.attendance >= p.batch || n.audit == p.batch) {
		evtimer_add(r->batch, &soon);
		return;
	}
	r->running = false;
	if (r->total.plans + r->total.attendance + r->total.audit > 0)
		log_info("purged %d plan(s) and %d attendance record(s) finished or recorded "
			 "before %s, %d audit row(s) before %s",
			 r->total.plans, r->total.attendance,
			 r->plans_before[0] ? r->plans_before : "-", r->total.audit,
			 r->audit_before[0] ? r->audit_before : "-");
}

/* Start a purge with the options in force, unless one is running. */
static void retention_start(struct retention *r)
{
	const struct options *o = &r->srv->opts;
	struct timeval now = {0, 0};
	struct pp_error err = {0};
	int keys = store_idem_purge(r->srv->store, &err);

	if (keys < 0)
		log_error("idempotency keys not purged: %s", err.message);
	else if (keys > 0)
		log_debug("purged %d idempotency key(s) a day old", keys);
	if (r->running)
		return;
	retention_cutoff(o->num[OPT_RETAIN_DAYS], r->plans_before);
	retention_cutoff(o->num[OPT_AUDIT_RETAIN_DAYS], r->audit_before);
	if (r->plans_before[0] == '\0' && r->audit_before[0] == '\0')
		return;
	memset(&r->total, 0, sizeof r->total);
	r->running = true;
	evtimer_add(r->batch, &now);
}

static void retention_hourly_cb(evutil_socket_t fd, short what, void *arg)
{
	retention_start(arg);
}

struct retention *retention_new(struct server *srv)
{
	struct retention *r = calloc(1, sizeof *r);
	struct timeval period = {RETENTION_PERIOD, 0};

	if (r == NULL)
		return NULL;
	r->srv = srv;
	r->hourly = event_new(srv->base, -1, EV_PERSIST, retention_hourly_cb, r);
	r->batch = evtimer_new(srv->base, retention_batch_cb, r);
	if (r->hourly == NULL || r->batch == NULL || event_add(r->hourly, &period) < 0) {
		retention_free(r);
		return NULL;
	}
	return r;
}

void retention_kick(struct retention *r)
{
	long data = r->srv->opts.num[OPT_RETAIN_DAYS],
	     audit = r->srv->opts.num[OPT_AUDIT_RETAIN_DAYS];

	if (audit > 0 && (data == 0 || audit < data))
		log_warn("audit-retain-days (%ld) is shorter than retain-days (%ld%s): audit rows "
			 "go before the data whose reads they record",
			 audit, data, data == 0 ? ", for ever" : "");
	retention_start(r);
}

void retention_free(struct retention *r)
{
	if (r == NULL)
		return;
	if (r->hourly != NULL)
		event_free(r->hourly);
	if (r->batch != NULL)
		event_free(r->batch);
	free(r);
}
