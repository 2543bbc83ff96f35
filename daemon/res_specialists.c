/*
 * res_specialists.c - the /v1/specialists resource: the registry of parent
 * peer specialists that matching draws on.
 *
 * PUT validates one specialist of MODEL.md section 2 with the matching
 * parser (match_read_specialist) and stores its document, re-serialised,
 * with the id of the path; the reply waits for the commit.  Reads wrap the
 * stored document with its caseload (stored assignments) and remaining
 * capacity, so the document itself can be PUT back unchanged:
 *
 *	{"specialist": {...}, "caseload": 2, "remaining_capacity": 3,
 *	 "created": "...", "updated": "..."}
 *
 * DELETE refuses (409) while parents are assigned, unless ?reassign=true:
 * then the assignments end in the same transaction, and the affected
 * parents are matched again together: one batch of MODEL.md section 2 of
 * those with a stored profile, each fitted under the policy stored with
 * its assignment, over the remaining specialists and the room their
 * stored assignments leave.  Each parent's "suggestions" is that batch's
 * pick ([] when it leaves the parent out, with "reasons"), so two parents
 * are never pointed at one free place; "alternatives" keeps the top k
 * candidates of each parent on its own, and "objective" is the batch's.
 * Nothing is recorded: the case system accepts a suggestion with
 * POST /v1/assignments.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_read.h"
#include "log.h"
#include "match_json.h"
#include "matches.h"
#include "routes.h"
#include "store.h"

/* The read view of one stored row; NULL on out of memory. */
static json_t *specialist_view(const struct store_specialist *s)
{
	json_t *doc = json_loads(s->doc, 0, NULL);
	int left = s->capacity - s->caseload;

	if (doc == NULL)
		return NULL;
	return json_pack("{s:o, s:i, s:i, s:s, s:s}", "specialist", doc, "caseload", s->caseload,
			 "remaining_capacity", left > 0 ? left : 0, "created", s->created,
			 "updated", s->updated);
}

static int specialist_view_one(const struct store_specialist *s, void *arg)
{
	json_t **out = arg;

	*out = specialist_view(s);
	return *out == NULL;
}

static int specialist_view_add(const struct store_specialist *s, void *arg)
{
	return json_array_append_new(arg, specialist_view(s)) < 0;
}

/* The view of specialist id; NULL with err set. */
static json_t *specialist_read(struct store *st, const char *id, struct pp_error *err)
{
	json_t *view = NULL;

	if (store_specialist_get(st, id, specialist_view_one, &view, err) < 0)
		return NULL;
	if (view == NULL)
		pp_error_set(err, PP_ERR_INTERNAL, "", "out of memory");
	return view;
}

/* Validate doc as one specialist; its capacity goes to *capacity. */
static int specialist_validate(const json_t *doc, int *capacity, struct pp_error *err)
{
	struct jr_strtab t = {0};
	struct match_specialist s;
	struct jr r;
	int rc;

	jr_init(&r, err);
	rc = match_read_specialist(&r, doc, &t, &s);
	*capacity = s.capacity;
	match_specialist_free(&s);
	jr_strtab_free(&t);
	return rc;
}

void res_specialists_put(struct http_call *c)
{
	struct pp_error err = {0};
	size_t len;
	const char *body = http_body(c, &len);
	json_t *doc = NULL, *view;
	char *text = NULL, location[160];
	bool created = false;
	int capacity = 0;

	matches_registry_changed(c->srv->matches); /* the loop runs the write next */
	if (!jr_id_valid(c->param))
		pp_error_set(&err, PP_ERR_INVALID_INPUT, "",
			     "the path's id is not 1 to 64 characters of [A-Za-z0-9._:-]");
	else if ((doc = jr_parse(body ? body : "", body ? len : 0, &err)) != NULL &&
		 matches_doc_id(&doc, "id", c->param, "", &err) == 0 &&
		 specialist_validate(doc, &capacity, &err) == 0 &&
		 (text = jr_dumps(doc, 0)) == NULL)
		pp_error_set(&err, PP_ERR_INTERNAL, "", "out of memory");
	json_decref(doc);
	if (text == NULL ||
	    store_specialist_put(c->srv->store, c->param, capacity, text, c->who.name, &created,
				 &err) < 0 ||
	    (view = specialist_read(c->srv->store, c->param, &err)) == NULL) {
		free(text);
		http_reply_error(c, &err, NULL);
		return;
	}
	free(text);
	log_info("specialist %s %s by %s", c->param, created ? "added" : "replaced", c->who.name);
	snprintf(location, sizeof location, "/v1/specialists/%s", c->param);
	http_reply_json(c, created ? 201 : 200, view, location);
}

void res_specialists_get(struct http_call *c)
{
	struct pp_error err = {0};
	json_t *view = specialist_read(c->srv->store, c->param, &err);

	if (view == NULL)
		http_reply_error(c, &err, NULL);
	else
		http_reply_json(c, 200, view, NULL);
}

void res_specialists_list(struct http_call *c)
{
	struct pp_error err = {0};
	json_t *arr = json_array();

	if (arr == NULL ||
	    store_specialist_each(c->srv->store, specialist_view_add, arr, &err) < 0) {
		json_decref(arr);
		if (err.code == PP_OK)
			pp_error_set(&err, PP_ERR_INTERNAL, "", "out of memory");
		http_reply_error(c, &err, NULL);
		return;
	}
	http_reply_json(c, 200, json_pack("{s:o}", "specialists", arr), NULL);
}

/* ended: each assignment that a reassigning DELETE ends, with its profile. */
static int specialist_collect_ended(const struct store_assignment *a, void *arg)
{
	json_t *e = json_pack("{s:s}", "parent", a->parent);

	if (e != NULL && a->profile != NULL)
		json_object_set_new(e, "profile", json_string(a->profile));
	if (e != NULL && a->policy != NULL)
		json_object_set_new(e, "policy", json_string(a->policy));
	return json_array_append_new(arg, e) < 0;
}

/* The alternatives for one ended assignment e (with the stored profile and
 * policy texts): its top k candidates on its own, over what the store holds
 * now; [] without a profile. */
static json_t *specialist_alternatives(struct store *st, const json_t *e, int k)
{
	const char *profile = json_string_value(json_object_get(e, "profile"));
	const char *policy = json_string_value(json_object_get(e, "policy"));
	struct pp_error err = {0}, clash = {0};
	json_t *req, *out, *list;

	if (profile == NULL)
		return json_array();
	req = json_pack("{s:o, s:i}", "parent", json_loads(profile, 0, NULL), "k", k);
	if (req != NULL && policy != NULL)
		json_object_set_new(req, "policy", json_loads(policy, 0, NULL));
	out = req && matches_fill_from_store(st, req, &clash, &err) == 0
		  ? matches_candidates_doc(req, &err)
		  : NULL;
	json_decref(req);
	if (out == NULL) {
		/* The message may quote the stored profile: its path alone. */
		log_warn("no alternatives for a parent whose assignment ended: %s at '%s'",
			 pp_errcode_name(err.code), err.path);
		return json_array();
	}
	list = json_incref(json_object_get(out, "candidates"));
	json_decref(out);
	return list ? list : json_array();
}

/* The reassignment batch of ended (entries {"parent", "profile"?,
 * "policy"?} with the stored texts): {"parents": [the profiles]} and in
 * *pols the parallel policies (null: the default one); NULL on out of
 * memory. */
static json_t *reassign_doc(const json_t *ended, json_t **pols)
{
	json_t *parents = json_array(), *e;
	size_t i;

	*pols = json_array();
	if (parents == NULL || *pols == NULL)
		goto oom;
	json_array_foreach (ended, i, e) {
		const char *profile = json_string_value(json_object_get(e, "profile"));
		const char *policy = json_string_value(json_object_get(e, "policy"));
		json_t *pd = profile ? json_loads(profile, 0, NULL) : NULL;
		json_t *pl = policy ? json_loads(policy, 0, NULL) : json_null();

		if (profile == NULL) {
			json_decref(pl);
			continue;
		}
		if (json_array_append_new(parents, pd) < 0 || json_array_append_new(*pols, pl) < 0)
			goto oom;
	}
	return json_pack("{s:o}", "parents", parents);
oom:
	json_decref(parents);
	json_decref(*pols);
	*pols = NULL;
	return NULL;
}

/* Set each batch parent's "suggestions" (its pick, with the room its
 * specialist had before the batch) and, when left out, "reasons" in its
 * entry of byid (parent id -> reply entry); -1 on out of memory. */
static int reassign_put(const struct match_input *in, const struct match_result *res, json_t *byid)
{
	int *load = calloc((size_t)in->nspecialists + 1, sizeof *load), rc = 0;

	if (load == NULL)
		return -1;
	match_caseload(in, load);
	for (int i = 0; i < res->nmatches && rc == 0; i++) {
		const struct match_assignment *m = &res->matches[i];
		const struct match_parent *p = &in->parents[m->parent];
		json_t *c = match_candidate_json(
		    in, p, m->specialist, &m->fit,
		    in->specialists[m->specialist].capacity - load[m->specialist], NULL);

		rc = json_object_set_new(json_object_get(byid, p->id), "suggestions",
					 json_pack("[o]", c));
	}
	for (int i = 0; i < res->nunmatched && rc == 0; i++) {
		const struct match_unmatched *u = &res->unmatched[i];

		rc = json_object_set_new(json_object_get(byid, in->parents[u->parent].id),
					 "reasons", match_reasons_json(u->reasons));
	}
	free(load);
	return rc;
}

/* Match the parents of ended again as one batch and fill their entries in
 * byid (see reassign_put); the batch's objective, or NULL with err set. */
static json_t *specialist_reassign(struct store *st, const json_t *ended, json_t *byid,
				   struct pp_error *err)
{
	struct pp_error clash = {0};
	struct match_input in;
	struct match_result res;
	json_t *pols = NULL, *doc = reassign_doc(ended, &pols), *obj = NULL;

	memset(&in, 0, sizeof in);
	memset(&res, 0, sizeof res);
	if (doc == NULL) {
		pp_error_set(err, PP_ERR_INTERNAL, "", "out of memory");
	} else if (matches_fill_from_store(st, doc, &clash, err) < 0) {
		/* err says why */
	} else if (clash.code != PP_OK) {
		*err = clash; /* a profile names a parent who is still assigned */
	} else if (match_parse_json_policies(doc, pols, &in, err) == 0 &&
		   match_solve(&in, &res, err) == 0) {
		if (reassign_put(&in, &res, byid) == 0)
			obj =
			    json_pack("{s:I, s:f}", "matched_priority",
				      (json_int_t)res.matched_priority, "total_fit", res.total_fit);
		if (obj == NULL)
			pp_error_set(err, PP_ERR_INTERNAL, "", "out of memory");
	}
	match_result_free(&res);
	match_input_free(&in);
	json_decref(doc);
	json_decref(pols);
	return obj;
}

/* ?reassign=true|false and ?k=1..1000; -1 with err set. */
static int specialist_delete_params(struct http_call *c, bool *reassign, int *k,
				    struct pp_error *err)
{
	const char *r = http_query(c, "reassign"), *ks = http_query(c, "k");
	char *end;
	long v;

	*reassign = false;
	*k = 5;
	if (r != NULL && strcmp(r, "true") != 0 && strcmp(r, "false") != 0)
		return pp_error_set(err, PP_ERR_INVALID_INPUT, "reassign",
				    "reassign: must be true or false");
	*reassign = r != NULL && strcmp(r, "true") == 0;
	if (ks != NULL) {
		v = strtol(ks, &end, 10);
		if (end == ks || *end != '\0' || v < 1 || v > 1000)
			return pp_error_set(err, PP_ERR_INVALID_INPUT, "k",
					    "k: must be an integer from 1 to 1000");
		*k = (int)v;
	}
	return 0;
}

void res_specialists_delete(struct http_call *c)
{
	struct store *st = c->srv->store;
	struct pp_error err = {0};
	json_t *ended = json_array(), *out, *e, *byid, *reply, *objective = NULL;
	bool reassign;
	size_t i;
	int k;

	matches_registry_changed(c->srv->matches); /* the loop runs the write next */
	if (ended == NULL || specialist_delete_params(c, &reassign, &k, &err) < 0 ||
	    store_specialist_delete(st, c->param, reassign, c->who.name, specialist_collect_ended,
				    ended, &err) < 0) {
		json_decref(ended);
		if (err.code == PP_OK)
			pp_error_set(&err, PP_ERR_INTERNAL, "", "out of memory");
		http_reply_error(c, &err, NULL);
		return;
	}
	log_info("specialist %s deleted by %s (%zu assignment(s) ended)", c->param, c->who.name,
		 json_array_size(ended));
	/* Committed: from here on the reply reports what happened. */
	out = json_array();
	byid = json_object();
	json_array_foreach (ended, i, e) {
		json_t *entry =
		    json_pack("{s:O, s:[]}", "parent", json_object_get(e, "parent"), "suggestions");

		json_array_append_new(out, entry);
		json_object_set(byid, json_string_value(json_object_get(e, "parent")), entry);
		json_object_set_new(entry, "alternatives", specialist_alternatives(st, e, k));
		if (json_object_get(e, "profile") == NULL)
			json_object_set_new(entry, "reasons", json_pack("[s]", "no_profile"));
	}
	reply = json_pack("{s:s, s:b, s:o}", "id", c->param, "deleted", 1, "ended", out);
	/* The message may quote a stored profile: its code and path alone. */
	if (reassign && (objective = specialist_reassign(st, ended, byid, &err)) == NULL)
		log_warn("no joint suggestions after deleting %s: %s at '%s'", c->param,
			 pp_errcode_name(err.code), err.path);
	if (reassign)
		json_object_set_new(reply, "objective", objective ? objective : json_null());
	json_decref(byid);
	json_decref(ended);
	http_reply_json(c, 200, reply, NULL);
}
