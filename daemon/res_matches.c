/*
 * res_matches.c - the /v1/matches resource: batch solves and candidates,
 * and the registry glue the specialists resource shares.
 *
 * A request document is completed from the store at the JSON level before
 * it is parsed (matches_fill_from_store): stored specialists when the body
 * names none, stored assignments as `existing` when the body gives none.
 * The one strict parser of api/match_json.c then validates the whole, so a
 * stored document and a posted one obey the same rules.
 *
 * POST /v1/matches/solve validates on the loop thread, then hands the
 * struct match_input to a thread of its own: at most `workers` solve at
 * once, the rest wait in a FIFO of at most `queue-max` (429 busy above).
 * Matching solves never wait behind month plans, whose pool is separate.
 * The thread runs match_solve(), encodes the reply as text, frees its GLPK
 * environment and wakes the loop (event_active on a libevent built with
 * pthreads); the loop joins the thread, writes the audit row and replies.
 * Solving records nothing else: accepted matches are recorded with
 * POST /v1/assignments.
 *
 * Candidates are cheap (one fit per stored specialist) and run on the loop.
 */
#include <event2/event.h>
#include <glpk.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_read.h"
#include "log.h"
#include "match.h"
#include "match_json.h"
#include "matches.h"
#include "routes.h"
#include "store.h"

struct match_job {
	struct matches *ms;
	struct http_call *call;
	struct match_input in;
	char *audit; /* the audit row's object: the batch's parent ids */
	pthread_t thread;
	bool started;
	/* Written by the thread, read by the loop after the wake-up. */
	int rc;
	char *result;
	struct pp_error err;
	struct match_job *next;
};

struct matches {
	struct server *srv;
	int nthreads;
	struct event *wake;
	pthread_mutex_t lock;
	struct match_job *done; /* under lock: finished threads */
	/* Loop thread only. */
	struct match_job *queue, *queue_tail;
	int nqueued, nrunning;
};

static void matches_wake_cb(evutil_socket_t fd, short what, void *arg);

struct matches *matches_new(struct server *srv, int nthreads)
{
	struct matches *ms = calloc(1, sizeof *ms);

	if (ms == NULL)
		return NULL;
	ms->srv = srv;
	ms->nthreads = nthreads > 0 ? nthreads : 1;
	ms->wake = event_new(srv->base, -1, 0, matches_wake_cb, ms);
	if (ms->wake == NULL) {
		free(ms);
		return NULL;
	}
	pthread_mutex_init(&ms->lock, NULL);
	return ms;
}

int matches_pending(struct matches *ms)
{
	return ms == NULL ? 0 : ms->nqueued + ms->nrunning;
}

static void match_job_free(struct match_job *mj)
{
	match_input_free(&mj->in);
	free(mj->audit);
	free(mj->result);
	free(mj);
}

/* Thread: solve, keep the reply as text, free this thread's GLPK env. */
static void *match_job_run(void *arg)
{
	struct match_job *mj = arg;
	struct matches *ms = mj->ms;
	struct match_result res;

	memset(&res, 0, sizeof res);
	mj->rc = match_solve(&mj->in, &res, &mj->err);
	if (mj->rc == 0) {
		json_t *doc = match_result_to_json(&mj->in, &res);

		mj->result = doc ? jr_dumps(doc, 0) : NULL;
		json_decref(doc);
		if (mj->result == NULL)
			mj->rc = pp_error_set(&mj->err, PP_ERR_INTERNAL, "", "out of memory");
	}
	match_result_free(&res);
	glp_free_env();
	pthread_mutex_lock(&ms->lock);
	mj->next = ms->done;
	ms->done = mj;
	pthread_mutex_unlock(&ms->lock);
	event_active(ms->wake, EV_READ, 0);
	return NULL;
}

/* Start queued jobs while threads are free; a job whose thread cannot be
 * created is answered 503 busy. */
static void matches_start_queued(struct matches *ms)
{
	while (ms->queue != NULL && ms->nrunning < ms->nthreads) {
		struct match_job *mj = ms->queue;

		ms->queue = mj->next;
		if (ms->queue == NULL)
			ms->queue_tail = NULL;
		ms->nqueued--;
		if (pthread_create(&mj->thread, NULL, match_job_run, mj) != 0) {
			http_fail(mj->call, PP_ERR_BUSY, "cannot start a solver thread; retry later");
			match_job_free(mj);
			continue;
		}
		mj->started = true;
		ms->nrunning++;
	}
}

/* Loop: join finished threads, audit and answer their calls. */
static void matches_wake_cb(evutil_socket_t fd, short what, void *arg)
{
	struct matches *ms = arg;
	struct match_job *mj, *next;

	pthread_mutex_lock(&ms->lock);
	mj = ms->done;
	ms->done = NULL;
	pthread_mutex_unlock(&ms->lock);
	for (; mj != NULL; mj = next) {
		struct http_call *c = mj->call;
		struct pp_error err = {0};

		next = mj->next;
		pthread_join(mj->thread, NULL);
		ms->nrunning--;
		if (mj->rc < 0) {
			log_warn("match solve for %s failed: %s", c->who.name, mj->err.message);
			http_reply_error(c, &mj->err, NULL);
		} else if (store_audit(ms->srv->store, c->who.name, "match solve", mj->audit,
				       &err) < 0) {
			http_reply_error(c, &err, NULL);
		} else {
			http_reply_bytes(c, 200, "application/json", mj->result,
					 strlen(mj->result));
		}
		match_job_free(mj);
	}
	matches_start_queued(ms);
}

/* Answer every queued job with 503 and forget it. */
static void matches_flush_queue(struct matches *ms)
{
	struct match_job *mj, *next;

	for (mj = ms->queue; mj != NULL; mj = next) {
		next = mj->next;
		http_fail(mj->call, PP_ERR_SHUTTING_DOWN, "the daemon is stopping; solve again later");
		match_job_free(mj);
	}
	ms->queue = ms->queue_tail = NULL;
	ms->nqueued = 0;
}

void matches_shutdown(struct matches *ms)
{
	if (ms != NULL)
		matches_flush_queue(ms);
}

void matches_free(struct matches *ms)
{
	if (ms == NULL)
		return;
	matches_flush_queue(ms);
	matches_wake_cb(-1, 0, ms); /* threads that finished after the loop ended */
	event_free(ms->wake);
	pthread_mutex_destroy(&ms->lock);
	free(ms);
}

/* --- the registry glue ------------------------------------------------ */

static int fill_add_specialist(const struct store_specialist *s, void *arg)
{
	json_t *doc = json_loads(s->doc, 0, NULL);

	return doc == NULL || json_array_append_new(arg, doc) < 0;
}

/* The string ids of the objects in arr, as a set (object id -> index). */
static json_t *fill_id_set(const json_t *arr)
{
	json_t *set = json_object(), *el;
	size_t i;

	json_array_foreach(arr, i, el) {
		const char *id = json_string_value(json_object_get(el, "id"));

		if (set != NULL && id != NULL && json_object_get(set, id) == NULL)
			json_object_set_new(set, id, json_integer((json_int_t)i));
	}
	return set;
}

struct fill_existing {
	json_t *specs, *batch, *pairs, *clashes; /* clashes: parent -> specialist */
	bool oom;
};

static int fill_add_pair(const struct store_assignment *a, void *arg)
{
	struct fill_existing *f = arg;

	if (json_object_get(f->batch, a->parent) != NULL) {
		if (json_object_set_new(f->clashes, a->parent, json_string(a->specialist)) < 0)
			f->oom = true;
	} else if (json_object_get(f->specs, a->specialist) != NULL) {
		if (json_array_append_new(f->pairs, json_pack("{s:s, s:s}", "parent", a->parent,
							      "specialist", a->specialist)) < 0)
			f->oom = true;
	}
	return f->oom;
}

/* The first batch parent (in document order) of f->clashes, as an error. */
static void fill_clash(const struct fill_existing *f, struct pp_error *clash)
{
	const char *id, *first = NULL;
	json_int_t at = 0;
	char path[64];
	json_t *s;

	json_object_foreach(f->clashes, id, s) {
		json_int_t i = json_integer_value(json_object_get(f->batch, id));

		if (first == NULL || i < at) {
			first = id;
			at = i;
		}
	}
	if (first == NULL)
		return;
	snprintf(path, sizeof path, "parents[%lld].id", (long long)at);
	pp_error_set(clash, PP_ERR_INVALID_INPUT, path,
		     "%s: parent '%s' already has specialist '%s'; end that assignment first, "
		     "or give \"existing\" explicitly",
		     path, first, json_string_value(json_object_get(f->clashes, first)));
}

/* doc.existing = the stored assignments that belong to this document. */
static int fill_existing(struct store *st, json_t *doc, struct pp_error *clash,
			 struct pp_error *err)
{
	json_t *parents = json_object_get(doc, "parents");
	struct fill_existing f = {
		.specs = fill_id_set(json_object_get(doc, "specialists")),
		.batch = fill_id_set(json_is_array(parents) ? parents : NULL),
		.pairs = json_array(),
		.clashes = json_object(),
	};
	int rc = -1;

	if (f.specs == NULL || f.batch == NULL || f.pairs == NULL || f.clashes == NULL)
		pp_error_set(err, PP_ERR_INTERNAL, "", "out of memory");
	else if (store_assignment_each(st, NULL, fill_add_pair, &f, err) == 0) {
		fill_clash(&f, clash);
		if (json_object_set(doc, "existing", f.pairs) < 0)
			pp_error_set(err, PP_ERR_INTERNAL, "", "out of memory");
		else
			rc = 0;
	}
	json_decref(f.specs);
	json_decref(f.batch);
	json_decref(f.pairs);
	json_decref(f.clashes);
	return rc;
}

int matches_fill_from_store(struct store *st, json_t *doc, struct pp_error *clash,
			    struct pp_error *err)
{
	json_t *v;

	if (!json_is_object(doc))
		return 0; /* the parser says why */
	v = json_object_get(doc, "specialists");
	if (v == NULL || json_is_null(v)) {
		json_t *arr = json_array();

		if (arr == NULL || json_object_set_new(doc, "specialists", arr) < 0)
			return pp_error_set(err, PP_ERR_INTERNAL, "", "out of memory");
		if (store_specialist_each(st, fill_add_specialist, arr, err) < 0)
			return -1;
	}
	v = json_object_get(doc, "existing");
	if (v == NULL || json_is_null(v))
		return fill_existing(st, doc, clash, err);
	return 0;
}

int matches_doc_id(json_t **doc, const char *key, const char *id, const char *where,
		   struct pp_error *err)
{
	json_t *v = json_is_object(*doc) ? json_object_get(*doc, key) : NULL;
	char path[96];

	snprintf(path, sizeof path, "%s%s%s", where, where[0] ? "." : "", key);
	if (!json_is_object(*doc))
		return 0; /* the parser says why */
	if (v == NULL || json_is_null(v)) {
		json_t *nd = json_pack("{s:s}", key, id);

		if (nd == NULL || json_object_update(nd, *doc) < 0 ||
		    json_object_set_new(nd, key, json_string(id)) < 0) {
			json_decref(nd);
			return pp_error_set(err, PP_ERR_INTERNAL, "", "out of memory");
		}
		json_decref(*doc);
		*doc = nd;
		return 0;
	}
	if (json_is_string(v) && strcmp(json_string_value(v), id) != 0)
		return pp_error_set(err, PP_ERR_INVALID_INPUT, path,
				    "%s: '%s' differs from '%s'; leave it out or make them equal",
				    path, json_string_value(v), id);
	return 0;
}

json_t *matches_candidates_doc(const json_t *doc, struct pp_error *err)
{
	struct match_input in;
	struct match_parent parent;
	struct match_candidate *c = NULL;
	json_t *out = NULL;
	int k, n = 0;

	if (match_parse_candidates_json(doc, &in, &parent, &k, err) < 0)
		return NULL;
	if (match_candidates(&in, &parent, k, &c, &n, err) == 0) {
		out = match_candidates_to_json(&in, &parent, c, n);
		if (out == NULL)
			pp_error_set(err, PP_ERR_INTERNAL, "", "out of memory");
	}
	match_candidates_free(c, n);
	match_parent_free(&parent);
	match_input_free(&in);
	return out;
}

/* --- the handlers ----------------------------------------------------- */

/* The body as a JSON document completed from the store; NULL with err set
 * (the parse error, a store failure) or *clash set (see above). */
static json_t *matches_body(struct http_call *c, struct pp_error *clash, struct pp_error *err)
{
	size_t len;
	const char *body = http_body(c, &len);
	json_t *doc = jr_parse(body ? body : "", body ? len : 0, err);

	if (doc != NULL && matches_fill_from_store(c->srv->store, doc, clash, err) < 0) {
		json_decref(doc);
		return NULL;
	}
	return doc;
}

/* "3 parents: P1,P2,P3" for the audit log. */
static char *matches_audit_text(const struct match_input *in)
{
	size_t cap = 32, len;
	char *s;

	for (int i = 0; i < in->nparents; i++)
		cap += strlen(in->parents[i].id) + 1;
	s = malloc(cap);
	if (s == NULL)
		return NULL;
	len = (size_t)snprintf(s, cap, "%d parent(s):", in->nparents);
	for (int i = 0; i < in->nparents; i++)
		len += (size_t)snprintf(s + len, cap - len, "%s%s", i ? "," : " ",
					in->parents[i].id);
	return s;
}

void res_matches_solve(struct http_call *c)
{
	struct matches *ms = c->srv->matches;
	struct pp_error err = {0}, clash = {0};
	struct match_job *mj;
	json_t *doc = matches_body(c, &clash, &err);

	if (doc == NULL) {
		http_reply_error(c, &err, NULL);
		return;
	}
	if (ms->nqueued >= c->srv->opts.num[OPT_QUEUE_MAX]) {
		json_decref(doc);
		http_fail(c, PP_ERR_BUSY, "%d matching solves are waiting; retry later",
			  ms->nqueued);
		return;
	}
	mj = calloc(1, sizeof *mj);
	if (mj == NULL) {
		json_decref(doc);
		http_fail(c, PP_ERR_INTERNAL, "out of memory");
		return;
	}
	if (match_parse_json(doc, &mj->in, &err) < 0 || clash.code != PP_OK) {
		json_decref(doc);
		match_job_free(mj);
		http_reply_error(c, err.code != PP_OK ? &err : &clash, NULL);
		return;
	}
	json_decref(doc);
	mj->ms = ms;
	mj->call = c;
	mj->audit = matches_audit_text(&mj->in);
	if (mj->audit == NULL) {
		match_job_free(mj);
		http_fail(c, PP_ERR_INTERNAL, "out of memory");
		return;
	}
	log_debug("match solve for %s: %d parents, %d specialists, %d existing", c->who.name,
		  mj->in.nparents, mj->in.nspecialists, mj->in.nexisting);
	if (ms->queue_tail != NULL)
		ms->queue_tail->next = mj;
	else
		ms->queue = mj;
	ms->queue_tail = mj;
	ms->nqueued++;
	matches_start_queued(ms);
}

void res_matches_candidates(struct http_call *c)
{
	struct pp_error err = {0}, clash = {0};
	json_t *doc = matches_body(c, &clash, &err), *out = NULL;
	const char *parent;

	if (doc != NULL)
		out = matches_candidates_doc(doc, &err);
	if (out == NULL) {
		json_decref(doc);
		http_reply_error(c, &err, NULL);
		return;
	}
	json_decref(doc);
	parent = json_string_value(json_object_get(out, "parent"));
	if (store_audit(c->srv->store, c->who.name, "match candidates", parent ? parent : "",
			&err) < 0) {
		json_decref(out);
		http_reply_error(c, &err, NULL);
		return;
	}
	http_reply_json(c, 200, out, NULL);
}
