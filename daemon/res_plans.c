/*
 * res_plans.c - the /v1/plans resource: submit, read, list, calendar, cancel,
 * delete.
 *
 * A submitted month is validated at once (month_parse), stored as `queued`
 * and only then acknowledged (202), so an accepted plan survives a crash.
 * POST ?validate=true stops after the validation, storing nothing.  With
 * an Idempotency-Key (idempotency.h) the 202 is stored with the plan row,
 * in its transaction, and a retry within a day is answered it again --
 * or, with ?wait, held on that plan as the first POST ?wait was.
 * Each queued or running plan has a struct plan_job in memory, linked in
 * plans->active; the pool runs plan_run() on a worker thread, which calls
 * month_solve() with the job's cancel flag and a progress hook, turns the
 * result into its JSON text (month_solve() frees the thread's GLPK
 * environment itself).  Back on
 * the loop thread, plan_started() and plan_finished() write the new status to
 * the database and answer any held ?wait calls.
 *
 * Outcomes: a solve that returns (optimal, feasible, infeasible or timeout)
 * makes the plan `done` with MODEL.md's output as `result` -- an infeasible
 * month is a finished plan whose result explains the conflicts.  Only a
 * POST ?wait that ends infeasible answers 422 (API.md), with the conflicts in
 * the error object.  A solver failure makes the plan `failed` with `error`.
 * DELETE stores `cancelled` first, then stops the job; a solve stopped by
 * shutdown (job.stopped) leaves the row queued/running for the next start.
 * DELETE of a finished plan (done, failed or cancelled) is admin's: it
 * deletes the plan with its attendance and adoption (store_plan_delete),
 * and a scheduler is answered 403.  A plan whose revised plan was deleted
 * has that plan's output in its request, from which its calendar takes
 * the previous series.
 *
 * Reads of a plan with a result are audited, durably, before their reply --
 * by group commit (audit_group.h): each such read takes its audit time and
 * queues its reply (struct plan_reply); the rows queued in one loop pass are
 * written in one transaction (one sync), and only then are the replies sent
 * -- or, if the commit fails, a 500 to each.  So a burst of reads costs one
 * fsync, not one each, and no reply leaves before its row is on disk.
 *
 * A `done` plan never changes again (no transition leaves `done`, and only
 * this daemon writes plans) but for its `adopted` flag, so the document of
 * one read without a job in memory is kept in a small direct-mapped cache
 * keyed by id, which adoption clears for the plans it changes
 * (plans_forget): later reads of it skip the database and the encoding,
 * and are audited as any other.
 */
#include <event2/event.h>
#include <math.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit_group.h"
#include "ics.h"
#include "idempotency.h"
#include "jobs.h"
#include "json_read.h"
#include "log.h"
#include "metrics.h"
#include "month_json.h"
#include "plans.h"
#include "replan.h"
#include "routes.h"
#include "running.h"
#include "store.h"

struct plan_waiter {
	struct http_call *call;
	struct event *timer;
	struct plan_job *pj;
	bool is_post;
	struct plan_waiter *next;
};

struct plan_job {
	struct job job;
	struct plans *pl;
	struct month_input in;
	/* Written by the worker, read by the loop after finished(). */
	int rc;
	enum month_status mstatus;
	char *result;
	char error[512];
	double seconds;
	/* Loop thread only. */
	bool cancelled;
	struct plan_waiter *waiters;
	struct plan_job *next;
};

/* A read whose reply waits for the commit of its audit row. */
struct plan_reply {
	struct audit_wait wait; /* first: the call, time and plan id */
	char location[96];      /* Location header, "" for none */
	int status;
	struct http_doc *doc; /* the JSON reply (a reference); NULL: the error below */
	struct pp_error error;
	json_t *extra; /* merged into the error object */
};

/* Documents of finished plans: PLAN_CACHE_SLOTS slots by a hash of the id,
 * a newcomer replaces the slot's holder; none larger than PLAN_CACHE_MAX. */
#define PLAN_CACHE_SLOTS 64
#define PLAN_CACHE_MAX   (1 << 20)

struct plan_cached {
	char id[40];
	struct http_doc *doc; /* a reference */
};

struct plans {
	struct server *srv;
	struct plan_cached cache[PLAN_CACHE_SLOTS];
	struct plan_job *active;
	struct audit_group audits;   /* reads waiting for their rows */
	struct audit_group compares; /* changes?against= replies, likewise */
};

static struct plan_cached *plan_cache_slot(struct plans *pl, const char *id)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	for (const char *p = id; *p != '\0'; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	return &pl->cache[h % PLAN_CACHE_SLOTS];
}

/* The cached document of plan id (not a new reference), or NULL. */
static struct http_doc *plan_cache_get(struct plans *pl, const char *id)
{
	struct plan_cached *e = plan_cache_slot(pl, id);

	return e->doc != NULL && strcmp(e->id, id) == 0 ? e->doc : NULL;
}

/* Keep a reference to doc as the document of the done plan id, unless
 * either is too large for the cache. */
static void plan_cache_put(struct plans *pl, const char *id, struct http_doc *doc)
{
	struct plan_cached *e = plan_cache_slot(pl, id);

	if (strlen(id) >= sizeof e->id || http_doc_len(doc) > PLAN_CACHE_MAX)
		return;
	http_doc_ref(doc); /* first: doc may be the slot's own */
	http_doc_unref(e->doc);
	e->doc = doc;
	strcpy(e->id, id);
}

void plans_forget(struct plans *pl, const char *id)
{
	struct plan_cached *e = plan_cache_slot(pl, id);

	if (e->doc != NULL && strcmp(e->id, id) == 0) {
		http_doc_unref(e->doc);
		e->doc = NULL;
	}
}

struct plans *plans_new(struct server *srv)
{
	struct plans *pl = calloc(1, sizeof *pl);

	if (pl == NULL)
		return NULL;
	pl->srv = srv;
	if (audit_group_init(&pl->audits, srv->base, srv->store, "read plan") < 0 ||
	    audit_group_init(&pl->compares, srv->base, srv->store, "read changes") < 0) {
		audit_group_free(&pl->audits);
		audit_group_free(&pl->compares);
		free(pl);
		return NULL;
	}
	return pl;
}

/* Send one queued reply: its own when its row is committed (err NULL),
 * else err. */
static void plan_reply_send(struct audit_wait *w, const struct pp_error *err)
{
	struct plan_reply *r = (struct plan_reply *)w;
	struct http_call *c = w->call;

	if (err != NULL) {
		json_decref(r->extra);
		http_reply_error(c, err, NULL);
	} else {
		if (r->location[0] != '\0')
			evhttp_add_header(evhttp_request_get_output_headers(c->req), "Location",
					  r->location);
		if (r->doc != NULL)
			http_reply_doc(c, r->status, "application/json", r->doc);
		else
			http_reply_error(c, &r->error, r->extra);
	}
	http_doc_unref(r->doc);
	free(r);
}

/* Reply to c, after a committed audit row of g (pl->audits: "read plan")
 * about object by c's caller: with the JSON document doc (a reference,
 * stolen) and status, or, when doc is NULL, with the error e and extra
 * (stolen); location may be NULL. */
static void plan_reply_audited(struct audit_group *g, struct http_call *c, const char *object,
			       int status, struct http_doc *doc, const struct pp_error *e,
			       json_t *extra, const char *location)
{
	struct plan_reply *r = calloc(1, sizeof *r);

	if (r == NULL) {
		struct pp_error oom = {0};

		http_doc_unref(doc);
		json_decref(extra);
		pp_error_set(&oom, PP_ERR_INTERNAL, "", "out of memory");
		http_reply_error(c, &oom, NULL);
		return;
	}
	snprintf(r->location, sizeof r->location, "%s", location ? location : "");
	r->status = status;
	r->doc = doc;
	if (e != NULL)
		r->error = *e;
	r->extra = extra;
	audit_group_add(g, &r->wait, c, object, plan_reply_send);
}

static struct plan_job *plan_find(struct plans *pl, const char *id)
{
	for (struct plan_job *pj = pl->active; pj != NULL; pj = pj->next)
		if (strcmp(pj->job.id, id) == 0)
			return pj;
	return NULL;
}

static void plan_job_free(struct plan_job *pj)
{
	month_input_free(&pj->in);
	free(pj->result);
	free(pj);
}

static void plan_unlink(struct plans *pl, struct plan_job *pj)
{
	for (struct plan_job **pp = &pl->active; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == pj) {
			*pp = pj->next;
			return;
		}
	}
}

/* Worker thread: copy the solver's progress into the job. */
static void plan_progress(const struct month_progress *p, void *arg)
{
	struct plan_job *pj = arg;
	struct job_progress jp = {
	    .has_incumbent = p->has_incumbent,
	    .incumbent = p->incumbent,
	    .bound = p->bound,
	    .gap = p->gap,
	    .nodes = p->nodes,
	    .seconds = p->seconds,
	};

	snprintf(jp.stage, sizeof jp.stage, "%s", p->stage ? p->stage : "preparing");
	jobs_progress_set(pj->pl->srv->jobs, &pj->job, &jp);
}

/* Worker thread: solve, and keep the output as JSON text for the loop. */
static void plan_run(struct job *j)
{
	struct plan_job *pj = j->data;
	struct month_ctl ctl = {
	    .cancel = &j->cancel, .progress = plan_progress, .progress_arg = pj};
	struct month_result res;
	struct pp_error err = {0};

	memset(&res, 0, sizeof res);
	pj->rc = month_solve(&pj->in, &ctl, &res, &err);
	if (pj->rc == 0) {
		pj->mstatus = res.status;
		pj->seconds = res.seconds;
		if (res.status != MONTH_CANCELLED) {
			json_t *doc = month_result_to_json(&pj->in, &res);

			pj->result = doc ? jr_dumps(doc, 0) : NULL;
			json_decref(doc);
			if (pj->result == NULL) {
				pj->rc = -1;
				snprintf(pj->error, sizeof pj->error, "out of memory");
			}
		}
		struct job_progress jp = {
		    .nodes = res.nodes, .seconds = res.seconds, .has_incumbent = false};
		snprintf(jp.stage, sizeof jp.stage, "finished");
		jobs_progress_set(pj->pl->srv->jobs, j, &jp);
	} else {
		snprintf(pj->error, sizeof pj->error, "%s", err.message);
	}
	month_result_free(&res);
}

/* A JSON real, or null when x is not finite (Jansson refuses those). */
static json_t *plan_real(double x)
{
	return isfinite(x) ? json_real(x) : json_null();
}

/* The progress object of API.md from a job's live progress. */
static json_t *plan_progress_json(const struct job_progress *p)
{
	json_t *o = json_object();

	json_object_set_new(o, "stage", json_string(p->stage[0] ? p->stage : "preparing"));
	json_object_set_new(o, "incumbent",
			    p->has_incumbent ? plan_real(p->incumbent) : json_null());
	json_object_set_new(o, "bound", p->has_incumbent ? plan_real(p->bound) : json_null());
	json_object_set_new(o, "gap", p->has_incumbent ? plan_real(p->gap) : json_null());
	json_object_set_new(o, "nodes", json_integer(p->nodes));
	json_object_set_new(o, "seconds", plan_real(jr_round6(p->seconds)));
	return o;
}

static void plan_set_str(json_t *o, const char *key, const char *v)
{
	json_object_set_new(o, key, v ? json_string(v) : json_null());
}

/* The plan document of API.md from a stored row (and the live job, if any),
 * without `result`. */
static json_t *plan_doc(const struct store_plan *p, struct plans *pl)
{
	struct plan_job *pj = pl ? plan_find(pl, p->id) : NULL;
	json_t *o = json_object();

	plan_set_str(o, "id", p->id);
	plan_set_str(o, "month", p->month);
	plan_set_str(o, "status", p->status);
	plan_set_str(o, "submitted", p->submitted);
	plan_set_str(o, "started", p->started);
	plan_set_str(o, "finished", p->finished);
	if (pj != NULL && !pj->cancelled && strcmp(p->status, "running") == 0) {
		struct job_progress jp;

		jobs_progress_get(pl->srv->jobs, &pj->job, &jp);
		json_object_set_new(o, "progress", plan_progress_json(&jp));
	} else if (p->progress != NULL) {
		json_t *pr = json_loads(p->progress, 0, NULL);

		json_object_set_new(o, "progress", pr ? pr : json_null());
	} else {
		json_object_set_new(o, "progress", json_null());
	}
	if (p->error != NULL)
		plan_set_str(o, "error", p->error);
	if (p->revises != NULL)
		plan_set_str(o, "revises", p->revises);
	json_object_set_new(o, "adopted", json_boolean(p->adopted));
	return o;
}

/* Read plan id (with its result, without its request) into *row and write
 * its document as JSON text: plan_doc's fields, then `result`, the stored
 * text as it is -- the worker wrote it with jr_dumps, so parsing and encoding
 * it again would give the same bytes.  A read that carries a result must be
 * audited before its reply (plan_reply_audited).  NULL with err set (and
 * *row empty). */
static char *plan_read(struct plans *pl, const char *id, struct pp_error *err,
		       struct store_plan *row)
{
	static const char key[] = ",\"result\":";
	json_t *doc;
	char *head, *text;
	size_t nhead, nres;
	const char *res;

	if (store_plan_get(pl->srv->store, id, STORE_PLAN_RESULT, row, err) < 0)
		return NULL;
	doc = plan_doc(row, pl);
	head = doc ? jr_dumps(doc, 0) : NULL;
	json_decref(doc);
	res = row->result ? row->result : "null";
	nhead = head ? strlen(head) : 0;
	nres = strlen(res);
	text = nhead >= 2 ? malloc(nhead - 1 + sizeof key - 1 + nres + 2) : NULL;
	if (text == NULL) {
		free(head);
		store_plan_free(row);
		pp_error_set(err, PP_ERR_INTERNAL, "", "out of memory");
		return NULL;
	}
	/* head is "{...}" with at least "id": drop its '}', append the result. */
	memcpy(text, head, nhead - 1);
	memcpy(text + nhead - 1, key, sizeof key - 1);
	memcpy(text + nhead - 1 + sizeof key - 1, res, nres);
	memcpy(text + nhead - 1 + sizeof key - 1 + nres, "}", 2);
	free(head);
	return text;
}

/* Answer c, a call held on plan id (or a retried POST ?wait whose plan has
 * finished), with the plan document and Location: 200, or the 422 of a
 * plan that ended infeasible; audited once the plan has a result. */
static void plan_answer(struct plans *pl, struct http_call *c, const char *id)
{
	struct pp_error err = {0};
	struct store_plan row;
	char location[96];
	struct http_doc *doc;
	char *body = plan_read(pl, id, &err, &row);

	if (body == NULL) {
		http_reply_error(c, &err, NULL);
		return;
	}
	snprintf(location, sizeof location, "/v1/plans/%s", row.id);
	if (row.result == NULL) {
		store_plan_free(&row);
		evhttp_add_header(evhttp_request_get_output_headers(c->req), "Location", location);
		http_reply_bytes(c, 200, "application/json", body, strlen(body));
		free(body);
		return;
	}
	if (strcmp(row.status, "done") == 0) {
		/* Only here is the result parsed: a held call ending infeasible. */
		json_t *res = json_loads(row.result, 0, NULL);
		const char *st = json_string_value(json_object_get(res, "status"));

		if (st != NULL && strcmp(st, "infeasible") == 0) {
			struct pp_error inf = {.code = PP_ERR_INFEASIBLE};

			snprintf(inf.message, sizeof inf.message,
				 "the plan's hard constraints cannot all hold; see conflicts");
			plan_reply_audited(&pl->audits, c, row.id, 0, NULL, &inf,
					   json_pack("{s:s, s:O}", "plan", row.id, "conflicts",
						     json_object_get(res, "conflicts")),
					   location);
			json_decref(res);
			free(body);
			store_plan_free(&row);
			return;
		}
		json_decref(res);
	}
	doc = http_doc_adopt(body);
	if (doc != NULL)
		plan_reply_audited(&pl->audits, c, row.id, 200, doc, NULL, NULL, location);
	else
		http_fail(c, PP_ERR_INTERNAL, "out of memory");
	store_plan_free(&row);
}

/* Answer one held call with the plan's current state, and forget it. */
static void plan_waiter_reply(struct plan_waiter *w, bool final)
{
	struct http_call *c = w->call;
	struct plans *pl = w->pj->pl;
	char location[96];

	event_free(w->timer);
	snprintf(location, sizeof location, "/v1/plans/%s", w->pj->job.id);
	if (pl->srv->stopping && !final && !w->is_post) {
		free(w);
		http_fail(c, PP_ERR_SHUTTING_DOWN,
			  "the daemon is stopping; the plan stays queued (GET %s later)", location);
		return;
	}
	if (w->is_post && !final) {
		/* The plan is stored: a POST is accepted (202) whatever happens
		 * next, also when the daemon stops (it is solved on the next start). */
		struct job_progress jp;
		const char *st = w->pj->cancelled    ? "cancelled"
				 : pl->srv->stopping ? "queued"
				 : jobs_progress_get(pl->srv->jobs, &w->pj->job, &jp) != JOB_QUEUED
				     ? "running"
				     : "queued";

		free(w);
		http_reply_json(c, 202, json_pack("{s:s, s:s}", "id", location + 10, "status", st),
				location);
		return;
	}
	free(w);
	plan_answer(pl, c, location + 10);
}

/* Timer of a held call: the wait is over, answer with what there is. */
static void plan_waiter_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct plan_waiter *w = arg;

	for (struct plan_waiter **pp = &w->pj->waiters; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == w) {
			*pp = w->next;
			break;
		}
	}
	plan_waiter_reply(w, false);
}

/* Answer every held call of pj. */
static void plan_waiters_flush(struct plan_job *pj, bool final)
{
	struct plan_waiter *w = pj->waiters, *next;

	pj->waiters = NULL;
	for (; w != NULL; w = next) {
		next = w->next;
		plan_waiter_reply(w, final);
	}
}

/* Hold c until pj finishes or `seconds` pass. */
static int plan_hold(struct plan_job *pj, struct http_call *c, double seconds, bool is_post)
{
	struct plan_waiter *w = calloc(1, sizeof *w);
	struct timeval tv = {(time_t)seconds, (suseconds_t)((seconds - (time_t)seconds) * 1e6)};

	if (w == NULL)
		return -1;
	w->timer = evtimer_new(pj->pl->srv->base, plan_waiter_timeout, w);
	if (w->timer == NULL) {
		free(w);
		return -1;
	}
	w->call = c;
	w->pj = pj;
	w->is_post = is_post;
	w->next = pj->waiters;
	pj->waiters = w;
	evtimer_add(w->timer, &tv);
	return 0;
}

/* Loop thread: a worker took the plan. */
static void plan_started(struct job *j)
{
	struct plan_job *pj = j->data;
	struct pp_error err = {0};

	if (pj->cancelled)
		return;
	if (store_plan_set_status(pj->pl->srv->store, j->id, "running", NULL, NULL, NULL, &err) < 0)
		log_error("plan %s: cannot record 'running': %s", j->id, err.message);
}

/* Loop thread: the solve ended (or the queued job was cancelled). */
static void plan_finished(struct job *j)
{
	struct plan_job *pj = j->data;
	struct plans *pl = pj->pl;
	struct server *srv = pl->srv;
	struct pp_error err = {0};
	struct job_progress jp;
	json_t *pjson;
	char *ptext;

	if (j->stopped)
		return; /* shutdown: the row stays pending; plans_free frees pj */
	plan_unlink(pl, pj);
	if (pj->cancelled) {
		metrics_solve(srv->metrics, "cancelled", 0);
		log_info("plan %s: the cancelled solve has stopped", j->id);
	} else {
		jobs_progress_get(srv->jobs, j, &jp);
		pjson = plan_progress_json(&jp);
		ptext = jr_dumps(pjson, 0);
		json_decref(pjson);
		if (pj->rc == 0 && pj->mstatus != MONTH_CANCELLED) {
			if (store_plan_set_status(srv->store, j->id, "done", ptext, pj->result,
						  NULL, &err) < 0)
				log_error("plan %s: cannot store the result: %s", j->id,
					  err.message);
			metrics_solve(srv->metrics, month_status_name(pj->mstatus), pj->seconds);
			log_info("plan %s: %s in %.2f s", j->id, month_status_name(pj->mstatus),
				 pj->seconds);
		} else {
			const char *msg = pj->rc == 0 ? "the solve was cancelled" : pj->error;

			if (store_plan_set_status(srv->store, j->id, "failed", ptext, NULL, msg,
						  &err) < 0)
				log_error("plan %s: cannot record the failure: %s", j->id,
					  err.message);
			metrics_solve(srv->metrics, "failed", pj->seconds);
			log_warn("plan %s: failed: %s", j->id, msg);
		}
		free(ptext);
	}
	plan_waiters_flush(pj, true);
	plan_job_free(pj);
}

/* A new in-memory job for a stored plan; takes over *in. */
static struct plan_job *plan_job_new(struct plans *pl, const char *id, struct month_input *in)
{
	struct plan_job *pj = calloc(1, sizeof *pj);

	if (pj == NULL)
		return NULL;
	snprintf(pj->job.id, sizeof pj->job.id, "%s", id);
	pj->job.queue = JOBQ_PLAN;
	pj->job.run = plan_run;
	pj->job.started = plan_started;
	pj->job.finished = plan_finished;
	pj->job.data = pj;
	pj->pl = pl;
	pj->in = *in;
	memset(in, 0, sizeof *in);
	pj->next = pl->active;
	pl->active = pj;
	return pj;
}

/* Parse ?wait=S: 0 when absent; -1 when malformed or over max-wait. */
static double plan_wait_param(struct http_call *c, struct pp_error *err)
{
	const char *s = http_query(c, "wait");
	char *end;
	double v;

	if (s == NULL)
		return 0;
	v = strtod(s, &end);
	if (end == s || *end != '\0' || !(v >= 0) || v > (double)c->srv->opts.num[OPT_MAX_WAIT])
		return pp_error_set(err, PP_ERR_INVALID_INPUT, "wait",
				    "wait: must be a number of seconds from 0 to %ld",
				    c->srv->opts.num[OPT_MAX_WAIT]);
	return v;
}

/* ?validate=true|false: 1, 0 (also when absent), or -1 with err set. */
static int plan_validate_param(struct http_call *c, struct pp_error *err)
{
	const char *s = http_query(c, "validate");

	if (s == NULL || strcmp(s, "false") == 0)
		return 0;
	if (strcmp(s, "true") == 0)
		return 1;
	return pp_error_set(err, PP_ERR_INVALID_INPUT, "validate",
			    "validate: must be true or false");
}

/* POST ?validate=true: the month document read as a submitted one is
 * (previous {"plan": id} resolved), then nothing stored or queued: 200
 * {"valid": true, "month", "revises", "counts"}, or its 400. */
static void plan_validate(struct http_call *c)
{
	struct pp_error err = {0};
	struct month_input in;
	struct replan_from rev;
	size_t len;
	const char *body = http_body(c, &len);
	char month[16];

	if (replan_parse(c->srv->store, body ? body : "", len, &in, &rev, &err) < 0) {
		http_reply_error(c, &err, NULL);
		return;
	}
	snprintf(month, sizeof month, "%04d-%02d", in.year % 10000, in.month % 100);
	http_reply_json(c, 200,
			json_pack("{s:b, s:s, s:s?, s:{s:i, s:i, s:i, s:i, s:i, s:i}}", "valid", 1,
				  "month", month, "revises", rev.revises[0] ? rev.revises : NULL,
				  "counts", "slots", in.nslots, "rooms", in.nrooms, "facilitators",
				  in.nfacilitators, "staff", in.nstaff, "parents", in.nparents,
				  "closures", in.nclosures),
			NULL);
	month_input_free(&in);
}

/* A retry of a POST with its Idempotency-Key: without ?wait, its first
 * answer (the 202) again; with ?wait, held on the same plan as the first
 * POST ?wait was, or answered with the plan at once when it has finished
 * (as that POST would be now).  Marked as a replay either way. */
static void plan_replay(struct http_call *c, const struct idempotency *key, double wait)
{
	struct plan_job *pj;
	char id[40];

	if (wait <= 0) {
		idempotency_replay(c, key);
		return;
	}
	idempotency_answer_field(key, "id", id, sizeof id);
	pj = plan_find(c->srv->plans, id);
	if (pj != NULL && !pj->cancelled) {
		if (plan_hold(pj, c, wait, true) < 0)
			idempotency_replay(c, key);
		else
			idempotency_mark(c);
		return;
	}
	idempotency_mark(c);
	plan_answer(c->srv->plans, c, id);
}

/* Store the month of body as a new plan, with the 202 that acknowledges
 * it as key's answer when the key is new; queue it; answer 202, or hold
 * the call for ?wait. */
static void plan_submit(struct http_call *c, struct idempotency *key, double wait)
{
	struct server *srv = c->srv;
	struct pp_error err = {0};
	struct month_input in;
	struct replan_from rev;
	struct store_plan_new row;
	struct plan_job *pj;
	unsigned char rnd[8];
	char id[17], month[16], submitted[32], location[64], *body_copy;
	size_t len;
	const char *body = http_body(c, &len);
	json_t *ack;

	if (replan_parse(srv->store, body ? body : "", len, &in, &rev, &err) < 0) {
		http_reply_error(c, &err, NULL);
		return;
	}
	if (jobs_queued(srv->jobs, JOBQ_PLAN) >= srv->opts.num[OPT_QUEUE_MAX]) {
		month_input_free(&in);
		http_fail(c, PP_ERR_BUSY, "the solve queue is full (%ld plans); retry later",
			  srv->opts.num[OPT_QUEUE_MAX]);
		return;
	}
	randombytes_buf(rnd, sizeof rnd);
	sodium_bin2hex(id, sizeof id, rnd, sizeof rnd);
	snprintf(month, sizeof month, "%04d-%02d", in.year % 10000, in.month % 100);
	snprintf(location, sizeof location, "/v1/plans/%s", id);
	ack = json_pack("{s:s, s:s}", "id", id, "status", "queued");
	body_copy = strndup(body ? body : "", len);
	/* Stored as given: a re-queue after a restart resolves previous again
	 * (a done plan never changes). */
	row = (struct store_plan_new){
	    .id = id,
	    .month = month,
	    .request = body_copy,
	    .who = c->who.name,
	    .revises = rev.revises[0] ? rev.revises : NULL,
	    .sequence = replan_sequence(&rev, month),
	    .idem = key->state == IDEMPOTENCY_NEW ? &key->rec : NULL,
	};
	if (body_copy == NULL || ack == NULL ||
	    (row.idem != NULL && idempotency_answer(key, 202, ack, location) < 0) ||
	    store_plan_put(srv->store, &row, submitted, &err) < 0) {
		free(body_copy);
		json_decref(ack);
		month_input_free(&in);
		if (err.code == PP_OK)
			pp_error_set(&err, PP_ERR_INTERNAL, "", "out of memory");
		http_reply_error(c, &err, NULL);
		return;
	}
	free(body_copy);
	/* Durable from here on: any failure below leaves it for the next start. */
	pj = plan_job_new(srv->plans, id, &in);
	month_input_free(&in);
	if (pj == NULL) {
		log_error("plan %s: out of memory; it runs after the next start", id);
	} else {
		jobs_submit_force(srv->jobs, &pj->job);
		if (rev.revises[0] != '\0')
			log_info("plan %s (%s, revising %s) queued by %s", id, month, rev.revises,
				 c->who.name);
		else
			log_info("plan %s (%s) queued by %s", id, month, c->who.name);
		if (wait > 0 && plan_hold(pj, c, wait, true) == 0) {
			json_decref(ack);
			return;
		}
	}
	http_reply_json(c, 202, ack, location);
}

void res_plans_submit(struct http_call *c)
{
	struct pp_error err = {0};
	struct idempotency key = {0};
	double wait = plan_wait_param(c, &err);
	int validate = plan_validate_param(c, &err);

	/* validate=true stores nothing, so its key has nothing to keep. */
	if (wait < 0 || validate < 0 || (validate == 0 && idempotency_check(c, &key, &err) < 0))
		http_reply_error(c, &err, NULL);
	else if (validate)
		plan_validate(c);
	else if (key.state == IDEMPOTENCY_REPLAY)
		plan_replay(c, &key, wait);
	else
		plan_submit(c, &key, wait);
	idempotency_free(&key);
}

void res_plans_get(struct http_call *c)
{
	struct pp_error err = {0};
	struct plan_job *pj = plan_find(c->srv->plans, c->param);
	double wait = plan_wait_param(c, &err);
	struct store_plan row;
	struct http_doc *doc;
	char *body;

	if (wait < 0) {
		http_reply_error(c, &err, NULL);
		return;
	}
	if (pj != NULL && !pj->cancelled && wait > 0 && plan_hold(pj, c, wait, false) == 0)
		return;
	if (pj == NULL && (doc = plan_cache_get(c->srv->plans, c->param)) != NULL) {
		plan_reply_audited(&c->srv->plans->audits, c, c->param, 200, http_doc_ref(doc),
				   NULL, NULL, NULL);
		return;
	}
	body = plan_read(c->srv->plans, c->param, &err, &row);
	if (body == NULL) {
		http_reply_error(c, &err, NULL);
		return;
	}
	if (row.result != NULL) {
		doc = http_doc_adopt(body);
		if (doc == NULL) {
			http_fail(c, PP_ERR_INTERNAL, "out of memory");
		} else {
			if (pj == NULL && strcmp(row.status, "done") == 0)
				plan_cache_put(c->srv->plans, row.id, doc);
			plan_reply_audited(&c->srv->plans->audits, c, row.id, 200, doc, NULL, NULL,
					   NULL);
		}
	} else {
		http_reply_bytes(c, 200, "application/json", body, strlen(body));
		free(body);
	}
	store_plan_free(&row);
}

struct plan_list {
	json_t *arr;
	struct plans *pl;
};

static int plan_list_add(const struct store_plan *p, void *arg)
{
	struct plan_list *l = arg;

	return json_array_append_new(l->arr, plan_doc(p, l->pl)) < 0;
}

void res_plans_list(struct http_call *c)
{
	const char *month = http_query(c, "month");
	struct plan_list l = {json_array(), c->srv->plans};
	struct pp_error err = {0};

	if (month != NULL && running_month_check(month, "month", &err) < 0) {
		json_decref(l.arr);
		http_reply_error(c, &err, NULL);
		return;
	}
	if (store_plan_list(c->srv->store, month, plan_list_add, &l, &err) < 0) {
		json_decref(l.arr);
		http_reply_error(c, &err, NULL);
		return;
	}
	http_reply_json(c, 200, json_pack("{s:o}", "plans", l.arr), NULL);
}

/* DELETE of a finished plan, by admin: the plan, its attendance and its
 * adoption go, with the audit row "delete plan" (store_plan_delete); its
 * kept document is forgotten.  200 {"id", "deleted", "adopted",
 * "attendance"}: whether it was its month's adopted plan, and how many
 * attendance records went with it. */
static void plan_delete(struct http_call *c)
{
	struct server *srv = c->srv;
	struct store_plan_removed rm;
	struct pp_error err = {0};

	if (store_plan_delete(srv->store, c->param, c->who.name, &rm, &err) < 0) {
		http_reply_error(c, &err, NULL);
		return;
	}
	plans_forget(srv->plans, c->param);
	log_info("plan %s deleted by %s", c->param, c->who.name);
	http_reply_json(c, 200,
			json_pack("{s:s, s:b, s:b, s:i}", "id", c->param, "deleted", 1, "adopted",
				  rm.adopted, "attendance", rm.attendance),
			NULL);
}

void res_plans_cancel(struct http_call *c)
{
	struct server *srv = c->srv;
	struct plan_job *pj = plan_find(srv->plans, c->param);
	struct pp_error err = {0};
	struct job_progress jp;
	struct store_plan p;

	if (pj != NULL && !pj->cancelled &&
	    jobs_progress_get(srv->jobs, &pj->job, &jp) != JOB_FINISHED) {
		if (store_plan_set_status(srv->store, pj->job.id, "cancelled", NULL, NULL, NULL,
					  &err) < 0) {
			http_reply_error(c, &err, NULL);
			return;
		}
		pj->cancelled = true;
		jobs_cancel(srv->jobs, &pj->job);
		plan_waiters_flush(pj, true); /* held calls see it cancelled now */
		log_info("plan %s cancelled by %s", pj->job.id, c->who.name);
		http_reply_json(
		    c, 200, json_pack("{s:s, s:s}", "id", pj->job.id, "status", "cancelled"), NULL);
		return;
	}
	if (store_plan_get(srv->store, c->param, 0, &p, &err) < 0) {
		http_reply_error(c, &err, NULL);
		return;
	}
	if (strcmp(p.status, "queued") == 0 || strcmp(p.status, "running") == 0)
		pp_error_set(&err, PP_ERR_CONFLICT, "", "plan %s is already %s", p.id,
			     pj != NULL ? "finished" : p.status);
	else if (c->who.role != ROLE_ADMIN)
		pp_error_set(&err, PP_ERR_FORBIDDEN, "",
			     "plan %s is %s; deleting a finished plan needs the admin role", p.id,
			     p.status);
	store_plan_free(&p);
	if (err.code != PP_OK)
		http_reply_error(c, &err, NULL);
	else
		plan_delete(c);
}

/* The plan p revises was deleted (err: NOT_FOUND), which wrote its output
 * into p's request as previous (store_plan_delete): take that as prev's
 * result, without its month document.  0, or -1 with err as it was. */
static int plan_previous_kept(const struct store_plan *p, struct store_plan *prev,
			      struct pp_error *err)
{
	json_t *doc, *was;

	if (err->code != PP_ERR_NOT_FOUND)
		return -1;
	doc = json_loads(p->request, 0, NULL);
	was = json_object_get(doc, "previous");
	if (json_is_object(was) && json_object_get(was, "plan") == NULL)
		prev->result = jr_dumps(was, 0);
	json_decref(doc);
	if (prev->result == NULL)
		return -1;
	pp_error_clear(err);
	return 0;
}

void res_plans_calendar(struct http_call *c)
{
	struct pp_error err = {0};
	struct store_plan p, prev = {0};
	struct ics_plan ip;
	char *ics = NULL;

	if (store_plan_get(c->srv->store, c->param, STORE_PLAN_REQUEST | STORE_PLAN_RESULT, &p,
			   &err) < 0) {
		http_reply_error(c, &err, NULL);
		return;
	}
	if (strcmp(p.status, "done") != 0 || p.result == NULL) {
		pp_error_set(&err, PP_ERR_CONFLICT, "", "plan %s is %s; it has no calendar yet",
			     p.id, p.status);
	} else if (p.revises == NULL ||
		   store_plan_get(c->srv->store, p.revises, STORE_PLAN_REQUEST | STORE_PLAN_RESULT,
				  &prev, &err) == 0 ||
		   plan_previous_kept(&p, &prev, &err) == 0) {
		ip = (struct ics_plan){.id = p.id,
				       .request = p.request,
				       .result = p.result,
				       .sequence = p.sequence,
				       .prev_request = prev.request,
				       .prev_result = prev.result};
		ics = ics_from_plan(&ip, &err);
	}
	if (ics == NULL ||
	    store_audit(c->srv->store, c->who.name, "read calendar", p.id, &err) < 0) {
		free(ics);
		store_plan_free(&p);
		store_plan_free(&prev);
		http_reply_error(c, &err, NULL);
		return;
	}
	store_plan_free(&p);
	store_plan_free(&prev);
	http_reply_bytes(c, 200, "text/calendar; charset=utf-8", ics, strlen(ics));
	free(ics);
}

void res_plans_changes(struct http_call *c)
{
	const char *against = http_query(c, "against");
	struct pp_error err = {0};
	struct store_plan a = {0}, b = {0};
	json_t *a_res = NULL, *b_res = NULL, *doc = NULL;
	struct http_doc *hd = NULL;
	char object[72], *text;

	if (against == NULL || against[0] == '\0') {
		pp_error_set(&err, PP_ERR_INVALID_INPUT, "against",
			     "against: the id of the plan to compare with is required");
	} else if (store_plan_get(c->srv->store, c->param, STORE_PLAN_REQUEST | STORE_PLAN_RESULT,
				  &a, &err) == 0 &&
		   store_plan_get(c->srv->store, against, STORE_PLAN_RESULT, &b, &err) == 0) {
		/* 409, as for a calendar: the plans exist, their state is wrong. */
		if (!replan_has_plan(&a, &a_res) || !replan_has_plan(&b, &b_res))
			pp_error_set(&err, PP_ERR_CONFLICT, "",
				     "plan %s is %s without a plan; changes compare two plans that "
				     "are done with an optimal or feasible result",
				     a_res == NULL ? a.id : b.id,
				     a_res == NULL ? a.status : b.status);
		else
			doc = replan_changes(&a, a_res, &b, b_res, &err);
	}
	text = doc != NULL ? jr_dumps(doc, 0) : NULL;
	hd = text != NULL ? http_doc_adopt(text) : NULL;
	if (hd != NULL) {
		snprintf(object, sizeof object, "%s against %s", a.id, b.id);
		plan_reply_audited(&c->srv->plans->compares, c, object, 200, hd, NULL, NULL, NULL);
	} else {
		if (doc != NULL)
			pp_error_set(&err, PP_ERR_INTERNAL, "", "out of memory");
		http_reply_error(c, &err, NULL);
	}
	json_decref(doc);
	json_decref(a_res);
	json_decref(b_res);
	store_plan_free(&a);
	store_plan_free(&b);
}

/* Queue one pending row again; a request that no longer parses fails. */
static int plan_requeue_one(const struct store_plan *p, void *arg)
{
	struct plans *pl = arg;
	struct pp_error err = {0};
	struct month_input in;
	struct replan_from rev;
	struct plan_job *pj;

	if (replan_parse(pl->srv->store, p->request, strlen(p->request), &in, &rev, &err) < 0) {
		if (err.code == PP_ERR_INTERNAL) { /* the database, not the request */
			log_error("plan %s: not queued again (%s); it stays for the next start",
				  p->id, err.message);
			return 0;
		}
		/* The message may quote parent codes: the path alone. */
		log_warn("plan %s: stored request no longer valid (%s at '%s')", p->id,
			 pp_errcode_name(err.code), err.path);
		pp_error_clear(&err);
		store_plan_set_status(pl->srv->store, p->id, "failed", NULL, NULL,
				      "the stored request is no longer valid", &err);
		return 0;
	}
	pj = plan_job_new(pl, p->id, &in);
	month_input_free(&in);
	if (pj == NULL)
		return 1;
	jobs_submit_force(pl->srv->jobs, &pj->job);
	return 0;
}

int plans_requeue(struct plans *pl, struct pp_error *err)
{
	int n = 0;

	if (store_plan_pending(pl->srv->store, plan_requeue_one, pl, err) < 0)
		return -1;
	for (struct plan_job *pj = pl->active; pj != NULL; pj = pj->next) {
		store_plan_set_status(pl->srv->store, pj->job.id, "queued", NULL, NULL, NULL, NULL);
		n++;
	}
	return n;
}

void plans_shutdown(struct plans *pl)
{
	audit_group_flush(&pl->audits);
	audit_group_flush(&pl->compares);
	for (struct plan_job *pj = pl->active; pj != NULL; pj = pj->next)
		plan_waiters_flush(pj, false);
}

void plans_free(struct plans *pl)
{
	struct plan_job *pj, *next;

	if (pl == NULL)
		return;
	for (pj = pl->active; pj != NULL; pj = next) {
		next = pj->next;
		plan_waiters_flush(pj, false);
		plan_job_free(pj);
	}
	audit_group_free(&pl->audits);
	audit_group_free(&pl->compares);
	for (int i = 0; i < PLAN_CACHE_SLOTS; i++)
		http_doc_unref(pl->cache[i].doc);
	free(pl);
}
