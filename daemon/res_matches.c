/*
 * res_matches.c - the /v1/matches resource: batch solves and candidates,
 * and the registry glue the specialists resource shares.
 *
 * A request document is completed from the store at the JSON level before
 * it is parsed (matches_fill): stored specialists when the body
 * names none, stored assignments as `existing` when the body gives none.
 * The one strict parser of api/match_json.c then validates the whole, so a
 * stored document and a posted one obey the same rules.
 *
 * POST /v1/matches/solve copies the body and takes a snapshot of the
 * registry on the loop thread (the only one that touches SQLite), then
 * queues both as a job on the solver pool's matching queue (jobs.h, JOBQ_MATCH),
 * so that neither parsing a large batch nor solving it holds up the loop.
 * The pool is the months' pool too: `workers` bounds month solves and
 * batches together, and a free worker takes the two queues in turn (jobs.c
 * says why).  At most `queue-max` batches wait (429 busy above).  The
 * worker parses, completes and validates the document, runs match_solve()
 * (no GLPK) and encodes the reply as text; the loop's finished hook writes
 * the audit row and replies (or sends the 400).  A 400
 * because a batch parent already has a stored assignment names that
 * parent's specialist, so it is audited too ("match solve refused", the
 * parent) before it is sent.  At shutdown the pool drops the batches still
 * waiting, which the hook answers 503; running ones reply when they end.
 * Solving records nothing else: accepted matches are recorded with
 * POST /v1/assignments.
 *
 * Candidates are cheap (one fit per stored specialist) and run on the loop.
 * The loop keeps the registry snapshot they complete their document from
 * (struct matches.snap), and the same registry parsed and validated once
 * (struct matches.reg, api's struct match_registry): a request that names
 * no specialists and no existing pairs, the usual one, is read against the
 * parsed registry, so only its own parent and policy are parsed (the reply
 * and any error are those of the full document); one that names either is
 * completed from the snapshot and parsed whole.  Both are built on first
 * use and dropped by matches_registry_changed() whenever a handler writes
 * specialists or assignments, so a request sees exactly what reading the
 * store would give it.  Its audit row is committed
 * before the reply, together with those of the other candidates requests
 * answered in the same loop pass (audit_group.h), as plan reads do.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit_group.h"
#include "jobs.h"
#include "json_read.h"
#include "log.h"
#include "match.h"
#include "match_json.h"
#include "matches.h"
#include "routes.h"
#include "store.h"

struct match_job {
	struct job job; /* on the pool's JOBQ_MATCH queue */
	struct matches *ms;
	struct http_call *call;
	char *body; /* a copy of the request body */
	size_t len;
	json_t *snap; /* matches_snapshot() at arrival */
	/* Written by the worker, read by the loop in the finished hook. */
	bool ran; /* false: dropped unrun by shutdown */
	int rc;
	char *result;
	char *audit; /* the audit row's object: the batch's parent ids, or
		      * the parent a refusal names (rc < 0) */
	struct pp_error err;
};

/* A candidates reply waiting for its audit row's commit. */
struct cand_reply {
	struct audit_wait wait; /* first: the call, time and parent id */
	json_t *out;            /* the reply */
};

/* Loop thread only. */
struct matches {
	struct server *srv;
	int pending;                /* batches submitted and not yet answered */
	json_t *snap;               /* matches_snapshot() of the current registry, or NULL */
	struct match_registry *reg; /* snap's specialists and pairs parsed, or NULL */
	bool reg_invalid;           /* snap did not validate: requests take the full path */
	struct audit_group audits;  /* candidates replies waiting for their rows */
};

struct matches *matches_new(struct server *srv)
{
	struct matches *ms = calloc(1, sizeof *ms);

	if (ms == NULL)
		return NULL;
	ms->srv = srv;
	if (audit_group_init(&ms->audits, srv->base, srv->store, "match candidates") < 0) {
		audit_group_free(&ms->audits);
		free(ms);
		return NULL;
	}
	return ms;
}

int matches_pending(struct matches *ms)
{
	return ms == NULL ? 0 : ms->pending;
}

static int matches_fill(json_t *doc, const json_t *snap, struct pp_error *clash,
			struct pp_error *err);

static void match_job_free(struct match_job *mj)
{
	free(mj->body);
	json_decref(mj->snap);
	free(mj->audit);
	free(mj->result);
	free(mj);
}

/* "3 parent(s): P1,P2,P3" for the audit log. */
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
		len +=
		    (size_t)snprintf(s + len, cap - len, "%s%s", i ? "," : " ", in->parents[i].id);
	return s;
}

/* Thread: parse the body, complete it from the snapshot, validate, solve;
 * mj->result (the reply as text) or mj->err (400 or 500). */
static int match_job_solve(struct match_job *mj)
{
	struct pp_error clash = {0};
	struct match_input in;
	struct match_result res;
	json_t *doc = jr_parse(mj->body ? mj->body : "", mj->len, &mj->err), *out;
	int rc;

	if (doc == NULL || matches_fill(doc, mj->snap, &clash, &mj->err) < 0) {
		json_decref(doc);
		return -1;
	}
	rc = match_parse_json(doc, &in, &mj->err);
	json_decref(doc);
	if (rc < 0)
		return -1;
	if (clash.code != PP_OK) {
		/* The 400 names the parent's specialist: its row names the parent. */
		int at = -1;

		mj->err = clash;
		if (sscanf(clash.path, "parents[%d].id", &at) == 1 && at >= 0 && at < in.nparents &&
		    (mj->audit = strdup(in.parents[at].id)) == NULL)
			pp_error_set(&mj->err, PP_ERR_INTERNAL, "", "out of memory");
		match_input_free(&in);
		return -1;
	}
	memset(&res, 0, sizeof res);
	rc = match_solve(&in, &res, &mj->err);
	if (rc == 0) {
		out = match_result_to_json(&in, &res);
		mj->result = out ? jr_dumps(out, 0) : NULL;
		mj->audit = matches_audit_text(&in);
		json_decref(out);
		if (mj->result == NULL || mj->audit == NULL)
			rc = pp_error_set(&mj->err, PP_ERR_INTERNAL, "", "out of memory");
	}
	match_result_free(&res);
	match_input_free(&in);
	return rc;
}

/* Worker: the solve; the loop answers in match_job_finished. */
static void match_job_run(struct job *j)
{
	struct match_job *mj = j->data;

	mj->rc = match_job_solve(mj);
	mj->ran = true;
}

/* Loop: audit and answer the call of a batch that ran; one that shutdown
 * dropped unrun is answered 503. */
static void match_job_finished(struct job *j)
{
	struct match_job *mj = j->data;
	struct matches *ms = mj->ms;
	struct http_call *c = mj->call;
	struct pp_error err = {0};

	ms->pending--;
	if (!mj->ran) {
		http_fail(c, PP_ERR_SHUTTING_DOWN, "the daemon is stopping; solve again later");
	} else if (mj->rc < 0 && mj->audit != NULL &&
		   store_audit(ms->srv->store, c->who.name, "match solve refused", mj->audit,
			       &err) < 0) {
		http_reply_error(c, &err, NULL);
	} else if (mj->rc < 0) {
		if (mj->err.code == PP_ERR_INTERNAL)
			log_warn("match solve for %s failed: %s", c->who.name, mj->err.message);
		http_reply_error(c, &mj->err, NULL);
	} else if (store_audit(ms->srv->store, c->who.name, "match solve", mj->audit, &err) < 0) {
		http_reply_error(c, &err, NULL);
	} else {
		http_reply_bytes(c, 200, "application/json", mj->result, strlen(mj->result));
	}
	match_job_free(mj);
}

/* Send one candidates reply: its own when its row is committed (err NULL),
 * else err. */
static void cand_reply_send(struct audit_wait *w, const struct pp_error *err)
{
	struct cand_reply *r = (struct cand_reply *)w;

	if (err == NULL) {
		http_reply_json(w->call, 200, r->out, NULL);
	} else {
		json_decref(r->out);
		http_reply_error(w->call, err, NULL);
	}
	free(r);
}

void matches_shutdown(struct matches *ms)
{
	if (ms != NULL)
		audit_group_flush(&ms->audits);
}

void matches_free(struct matches *ms)
{
	if (ms == NULL)
		return;
	matches_registry_changed(ms);
	audit_group_free(&ms->audits);
	free(ms);
}

/* --- the registry glue ------------------------------------------------
 * Split in two so that a solve can take a snapshot on the loop thread (the
 * only thread that touches SQLite) and merge it on its own thread:
 * matches_snapshot() reads {"specialists": [docs], "assignments":
 * [[parent, specialist], ...]}, matches_fill() completes a document from
 * it with JSON alone. */

static int snap_add_specialist(const struct store_specialist *s, void *arg)
{
	json_t *doc = json_loads(s->doc, 0, NULL);

	return doc == NULL || json_array_append_new(arg, doc) < 0;
}

static int snap_add_pair(const struct store_assignment *a, void *arg)
{
	return json_array_append_new(arg, json_pack("[s, s]", a->parent, a->specialist)) < 0;
}

/* The registry and the assignments as JSON; NULL with err set. */
static json_t *matches_snapshot(struct store *st, struct pp_error *err)
{
	json_t *specs = json_array(), *pairs = json_array();

	if (specs == NULL || pairs == NULL) {
		pp_error_set(err, PP_ERR_INTERNAL, "", "out of memory");
	} else if (store_specialist_each(st, snap_add_specialist, specs, err) == 0 &&
		   store_assignment_each(st, NULL, snap_add_pair, pairs, err) == 0) {
		json_t *snap = json_pack("{s:o, s:o}", "specialists", specs, "assignments", pairs);

		if (snap == NULL)
			pp_error_set(err, PP_ERR_INTERNAL, "", "out of memory");
		return snap;
	}
	json_decref(specs);
	json_decref(pairs);
	return NULL;
}

/* The string ids of the objects in arr, as a set (object id -> index). */
static json_t *fill_id_set(const json_t *arr)
{
	json_t *set = json_object(), *el;
	size_t i;

	json_array_foreach (arr, i, el) {
		const char *id = json_string_value(json_object_get(el, "id"));

		if (set != NULL && id != NULL && json_object_get(set, id) == NULL)
			json_object_set_new(set, id, json_integer((json_int_t)i));
	}
	return set;
}

/* The first batch parent (in document order) that has a stored assignment,
 * as an error in *clash; batch maps parent id -> index. */
static void fill_clash(const json_t *batch, const json_t *pairs, struct pp_error *clash)
{
	const char *first = NULL, *spec = NULL;
	json_int_t at = 0;
	char path[64];
	json_t *pr;
	size_t i;

	json_array_foreach (pairs, i, pr) {
		const char *parent = json_string_value(json_array_get(pr, 0));
		json_t *idx = json_object_get(batch, parent);

		if (idx != NULL && (first == NULL || json_integer_value(idx) < at)) {
			first = parent;
			spec = json_string_value(json_array_get(pr, 1));
			at = json_integer_value(idx);
		}
	}
	if (first == NULL)
		return;
	snprintf(path, sizeof path, "parents[%lld].id", (long long)at);
	pp_error_set(clash, PP_ERR_INVALID_INPUT, path,
		     "%s: parent '%s' already has specialist '%s'; end that assignment first, "
		     "or give \"existing\" explicitly",
		     path, first, spec);
}

/* doc.existing = the stored pairs whose specialist is in doc and whose
 * parent is not in its batch. */
static int fill_existing(json_t *doc, const json_t *pairs, struct pp_error *clash,
			 struct pp_error *err)
{
	json_t *parents = json_object_get(doc, "parents");
	json_t *specs = fill_id_set(json_object_get(doc, "specialists"));
	json_t *batch = fill_id_set(json_is_array(parents) ? parents : NULL);
	json_t *out = json_array(), *pr;
	int rc = -1;
	size_t i;

	if (specs == NULL || batch == NULL || out == NULL)
		goto done;
	json_array_foreach (pairs, i, pr) {
		const char *parent = json_string_value(json_array_get(pr, 0));
		const char *spec = json_string_value(json_array_get(pr, 1));

		if (json_object_get(batch, parent) == NULL &&
		    json_object_get(specs, spec) != NULL &&
		    json_array_append_new(
			out, json_pack("{s:s, s:s}", "parent", parent, "specialist", spec)) < 0)
			goto done;
	}
	fill_clash(batch, pairs, clash);
	rc = json_object_set(doc, "existing", out);
done:
	if (rc < 0)
		pp_error_set(err, PP_ERR_INTERNAL, "", "out of memory");
	json_decref(specs);
	json_decref(batch);
	json_decref(out);
	return rc;
}

/* Complete doc from snapshot snap (see matches_fill_from_store). */
static int matches_fill(json_t *doc, const json_t *snap, struct pp_error *clash,
			struct pp_error *err)
{
	json_t *v;

	if (!json_is_object(doc))
		return 0; /* the parser says why */
	v = json_object_get(doc, "specialists");
	if ((v == NULL || json_is_null(v)) &&
	    json_object_set(doc, "specialists", json_object_get(snap, "specialists")) < 0)
		return pp_error_set(err, PP_ERR_INTERNAL, "", "out of memory");
	v = json_object_get(doc, "existing");
	if (v == NULL || json_is_null(v))
		return fill_existing(doc, json_object_get(snap, "assignments"), clash, err);
	return 0;
}

int matches_fill_from_store(struct store *st, json_t *doc, struct pp_error *clash,
			    struct pp_error *err)
{
	json_t *snap = matches_snapshot(st, err);
	int rc;

	if (snap == NULL)
		return -1;
	rc = matches_fill(doc, snap, clash, err);
	json_decref(snap);
	return rc;
}

void matches_registry_changed(struct matches *ms)
{
	if (ms != NULL) {
		json_decref(ms->snap);
		ms->snap = NULL;
		match_registry_free(ms->reg);
		ms->reg = NULL;
		ms->reg_invalid = false;
	}
}

int matches_fill_cached(struct matches *ms, struct store *st, json_t *doc, struct pp_error *clash,
			struct pp_error *err)
{
	if (ms->snap == NULL && (ms->snap = matches_snapshot(st, err)) == NULL)
		return -1;
	return matches_fill(doc, ms->snap, clash, err);
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

/* Rank and encode the candidates of a parsed request; NULL with err set. */
static json_t *matches_rank(const struct match_input *in, const struct match_parent *parent,
			    const struct match_cand_opts *o, struct pp_error *err)
{
	struct match_candidate *c = NULL;
	json_t *out = NULL;
	int n = 0;

	if (match_candidates(in, parent, o, &c, &n, err) == 0) {
		out = match_candidates_to_json(in, parent, o, c, n);
		if (out == NULL)
			pp_error_set(err, PP_ERR_INTERNAL, "", "out of memory");
	}
	match_candidates_free(c, n);
	return out;
}

json_t *matches_candidates_doc(const json_t *doc, struct pp_error *err)
{
	struct match_input in;
	struct match_parent parent;
	json_t *out;
	struct match_cand_opts o;

	if (match_parse_candidates_json(doc, &in, &parent, &o, err) < 0)
		return NULL;
	out = matches_rank(&in, &parent, &o, err);
	match_parent_free(&parent);
	match_input_free(&in);
	return out;
}

/* The registry parsed (ms->reg, built from the snapshot on first use), or
 * NULL: err set when the store failed, else the snapshot did not validate
 * (logged once; its requests take the full path, which reports why). */
static struct match_registry *matches_registry(struct matches *ms, struct store *st,
					       struct pp_error *err)
{
	struct pp_error clash = {0}, why = {0};
	json_t *doc;

	if (ms->reg != NULL || ms->reg_invalid)
		return ms->reg;
	if (ms->snap == NULL && (ms->snap = matches_snapshot(st, err)) == NULL)
		return NULL;
	if ((doc = json_object()) == NULL || matches_fill(doc, ms->snap, &clash, err) < 0) {
		if (doc == NULL)
			pp_error_set(err, PP_ERR_INTERNAL, "", "out of memory");
		json_decref(doc);
		return NULL;
	}
	ms->reg = match_registry_parse_json(doc, &why);
	json_decref(doc);
	if (ms->reg == NULL && why.code == PP_ERR_INTERNAL)
		pp_error_set(err, PP_ERR_INTERNAL, "", "%s", why.message);
	else if (ms->reg == NULL) {
		log_warn("the stored registry does not validate (%s); candidates parse it whole",
			 why.message);
		ms->reg_invalid = true;
	}
	return ms->reg;
}

/* The candidates reply for doc (parsed, not filled) from the registry the
 * loop keeps; NULL with err set. */
static json_t *matches_candidates_kept(struct matches *ms, struct store *st, json_t *doc,
				       struct pp_error *err)
{
	struct pp_error clash = {0};
	struct match_registry *reg;
	struct match_input in;
	struct match_parent parent;
	json_t *v, *out = NULL;
	struct match_cand_opts o;

	/* A request with its own specialists or pairs, or no object at all,
	 * is completed and parsed whole. */
	if (!json_is_object(doc) ||
	    ((v = json_object_get(doc, "specialists")) != NULL && !json_is_null(v)) ||
	    ((v = json_object_get(doc, "existing")) != NULL && !json_is_null(v)))
		goto whole;
	reg = matches_registry(ms, st, err);
	if (reg == NULL && err->code != PP_OK)
		return NULL;
	if (reg == NULL)
		goto whole;
	if (match_parse_candidates_cached(doc, reg, &in, &parent, &o, err) == 0)
		out = matches_rank(&in, &parent, &o, err);
	match_registry_release(reg, &in, &parent);
	return out;
whole:
	if (matches_fill_cached(ms, st, doc, &clash, err) < 0)
		return NULL;
	return matches_candidates_doc(doc, err);
}

/* --- the handlers ----------------------------------------------------- */

void res_matches_solve(struct http_call *c)
{
	struct matches *ms = c->srv->matches;
	struct pp_error err = {0};
	struct match_job *mj;
	size_t len;
	const char *body = http_body(c, &len);

	int waiting = jobs_queued(c->srv->jobs, JOBQ_MATCH);

	/* Refuse before anything else: a full queue should cost the loop
	 * nothing. */
	if (waiting >= c->srv->opts.num[OPT_QUEUE_MAX]) {
		http_fail(c, PP_ERR_BUSY, "%d matching solves are waiting; retry later", waiting);
		return;
	}
	mj = calloc(1, sizeof *mj);
	if (mj == NULL || (body != NULL && (mj->body = malloc(len ? len : 1)) == NULL)) {
		free(mj);
		http_fail(c, PP_ERR_INTERNAL, "out of memory");
		return;
	}
	if (body != NULL)
		memcpy(mj->body, body, len);
	mj->len = body ? len : 0;
	mj->snap = matches_snapshot(c->srv->store, &err);
	if (mj->snap == NULL) {
		match_job_free(mj);
		http_reply_error(c, &err, NULL);
		return;
	}
	mj->ms = ms;
	mj->call = c;
	mj->job.queue = JOBQ_MATCH;
	mj->job.run = match_job_run;
	mj->job.finished = match_job_finished;
	mj->job.data = mj;
	if (jobs_submit(c->srv->jobs, &mj->job) < 0) { /* not full (above): stopping */
		match_job_free(mj);
		http_fail(c, PP_ERR_SHUTTING_DOWN, "the daemon is stopping; solve again later");
		return;
	}
	ms->pending++;
	log_debug("match solve for %s: %zu bytes", c->who.name, mj->len);
}

void res_matches_candidates(struct http_call *c)
{
	struct matches *ms = c->srv->matches;
	struct cand_reply *r;
	struct pp_error err = {0};
	size_t len;
	const char *body = http_body(c, &len), *parent;
	json_t *doc = jr_parse(body ? body : "", body ? len : 0, &err), *out = NULL;

	if (doc != NULL)
		out = matches_candidates_kept(ms, c->srv->store, doc, &err);
	if (out == NULL) {
		json_decref(doc);
		http_reply_error(c, &err, NULL);
		return;
	}
	json_decref(doc);
	if ((r = calloc(1, sizeof *r)) == NULL) {
		json_decref(out);
		pp_error_set(&err, PP_ERR_INTERNAL, "", "out of memory");
		http_reply_error(c, &err, NULL);
		return;
	}
	parent = json_string_value(json_object_get(out, "parent"));
	r->out = out;
	audit_group_add(&ms->audits, &r->wait, c, parent ? parent : "", cand_reply_send);
}
