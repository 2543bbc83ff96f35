/*
 * res_assignments.c - the /v1/assignments resource: the matches the case
 * system has accepted, one specialist per parent.
 *
 * POST {"parent", "specialist", "profile"?, "policy"?} records a pair.  The
 * optional profile is the parent's document of MODEL.md section 2 (its id,
 * if given, must be the parent) and policy a matching policy; both are
 * validated with the matching parser and kept with the pair, so that when
 * the specialist leaves (DELETE /v1/specialists/{id}?reassign=true) the
 * parent can be offered new candidates.  The store checks and inserts in one
 * transaction: 404 for an unknown specialist, 409 when the parent already
 * has one or the specialist's assignments reach its capacity.
 *
 * Rows read back as {"parent", "specialist", "created", "profile",
 * "policy"} (the last two null when not given).  Every reply that tells
 * whom a parent has is audited before it leaves, the rows being parent
 * data: the list ("read assignments"), DELETE ("end assignment", in the
 * transaction that ends it) and the 409 of a parent who already has a
 * specialist ("assign refused", committed by the store before the 409).
 *
 * An Idempotency-Key (idempotency.h) makes POST safe to retry: the 201
 * row is stored with the assignment, in its transaction, and a retry
 * within a day is answered that row again, marked, after the audit row
 * "assign replayed" (object the parent) since it too tells whom the
 * parent has; a retry whose first try failed runs again.
 */
#include <stdlib.h>
#include <string.h>

#include "idempotency.h"
#include "json_read.h"
#include "log.h"
#include "match_json.h"
#include "matches.h"
#include "routes.h"
#include "store.h"

static const char *const assignment_keys[] = {"parent", "specialist", "profile", "policy", NULL};

/* A stored JSON text as a value (null when absent). */
static json_t *assignment_text_json(const char *text)
{
	json_t *v = text ? json_loads(text, 0, NULL) : NULL;

	return v ? v : json_null();
}

static json_t *assignment_row(const struct store_assignment *a)
{
	return json_pack("{s:s, s:s, s:s, s:o, s:o}", "parent", a->parent, "specialist",
			 a->specialist, "created", a->created, "profile",
			 assignment_text_json(a->profile), "policy",
			 assignment_text_json(a->policy));
}

static int assignment_row_one(const struct store_assignment *a, void *arg)
{
	json_t **out = arg;

	*out = assignment_row(a);
	return *out == NULL;
}

/* What store_assignment_add's hook makes of the new row: its reply, and
 * the answer an Idempotency-Key keeps with it. */
struct assignment_made {
	json_t *row;
	struct idempotency *key;
};

static int assignment_row_made(const struct store_assignment *a, void *arg)
{
	struct assignment_made *m = arg;

	m->row = assignment_row(a);
	return m->row == NULL || (m->key->state == IDEMPOTENCY_NEW &&
				  idempotency_answer(m->key, 201, m->row, NULL) < 0);
}

static int assignment_row_add(const struct store_assignment *a, void *arg)
{
	return json_array_append_new(arg, assignment_row(a)) < 0;
}

/* Validate the optional profile (a parent, id = parent) and policy of body
 * doc and serialise them into *profile / *policy (NULL when absent). */
static int assignment_extras(json_t *doc, const char *parent, char **profile, char **policy,
			     struct pp_error *err)
{
	struct jr_strtab t = {0};
	struct match_parent p;
	struct match_policy pol;
	json_t *v;
	struct jr r;
	size_t mark;
	int rc = 0;

	jr_init(&r, err);
	v = json_object_get(doc, "profile");
	if (v != NULL && !json_is_null(v)) {
		json_incref(v);
		if (matches_doc_id(&v, "id", parent, "profile", err) < 0) {
			json_decref(v);
			return -1;
		}
		mark = jr_push_key(&r, "profile");
		rc = match_read_parent(&r, v, &t, &p);
		match_parent_free(&p);
		jr_pop(&r, mark);
		if (rc == 0 && (*profile = jr_dumps(v, 0)) == NULL)
			rc = pp_error_set(err, PP_ERR_INTERNAL, "", "out of memory");
		json_decref(v);
	}
	v = json_object_get(doc, "policy");
	if (rc == 0 && v != NULL && !json_is_null(v)) {
		mark = jr_push_key(&r, "policy");
		rc = match_read_policy(&r, v, &t, &pol);
		free(pol.default_weights);
		jr_pop(&r, mark);
		if (rc == 0 && (*policy = jr_dumps(v, 0)) == NULL)
			rc = pp_error_set(err, PP_ERR_INTERNAL, "", "out of memory");
	}
	jr_strtab_free(&t);
	return rc;
}

/* A retry of a POST with its Idempotency-Key: the first 201 again, once
 * its audit row is committed. */
static void assignment_replay(struct http_call *c, const struct idempotency *key)
{
	struct pp_error err = {0};
	char parent[JR_ID_MAX + 1];

	idempotency_answer_field(key, "parent", parent, sizeof parent);
	if (store_audit(c->srv->store, c->who.name, "assign replayed", parent, &err) < 0) {
		http_reply_error(c, &err, NULL);
		return;
	}
	idempotency_replay(c, key);
}

/* A POST's body, read and validated. */
struct assignment_body {
	char parent[JR_ID_MAX + 1], specialist[JR_ID_MAX + 1];
	char *profile, *policy; /* serialised; NULL when absent */
};

static int assignment_read(struct http_call *c, struct assignment_body *b, struct pp_error *err)
{
	size_t len;
	const char *body = http_body(c, &len);
	json_t *doc = jr_parse(body ? body : "", body ? len : 0, err);
	struct jr r;
	int rc;

	jr_init(&r, err);
	rc = doc == NULL || jr_object(&r, doc, assignment_keys) < 0 ||
		     jr_id(&r, doc, "parent", JR_REQUIRED, b->parent) < 0 ||
		     jr_id(&r, doc, "specialist", JR_REQUIRED, b->specialist) < 0 ||
		     assignment_extras(doc, b->parent, &b->profile, &b->policy, err) < 0
		 ? -1
		 : 0;
	json_decref(doc);
	return rc;
}

/* Store b as c's caller's assignment, with the answer of its
 * Idempotency-Key when the key is new; made->row is the reply. */
static int assignment_store(struct http_call *c, const struct assignment_body *b,
			    struct assignment_made *made, struct pp_error *err)
{
	struct store_assignment_new a = {
	    .parent = b->parent,
	    .specialist = b->specialist,
	    .profile = b->profile,
	    .policy = b->policy,
	    .who = c->who.name,
	    .idem = made->key->state == IDEMPOTENCY_NEW ? &made->key->rec : NULL,
	};

	return store_assignment_add(c->srv->store, &a, assignment_row_made, made, err);
}

void res_assignments_add(struct http_call *c)
{
	struct pp_error err = {0};
	struct idempotency key;
	struct assignment_body b = {0};
	struct assignment_made made = {NULL, &key};

	matches_registry_changed(c->srv->matches); /* the loop runs the write next */
	if (idempotency_check(c, &key, &err) == 0 && key.state == IDEMPOTENCY_REPLAY) {
		assignment_replay(c, &key);
	} else if (err.code == PP_OK && assignment_read(c, &b, &err) == 0 &&
		   assignment_store(c, &b, &made, &err) == 0) {
		/* No parent code in the log: the audit table is where parent data goes. */
		log_info("an assignment recorded by %s", c->who.name);
		http_reply_json(c, 201, made.row, NULL);
		made.row = NULL;
	} else {
		http_reply_error(c, &err, NULL);
	}
	json_decref(made.row); /* read before a commit that then failed */
	free(b.profile);
	free(b.policy);
	idempotency_free(&key);
}

static int assignment_exists(const struct store_specialist *s, void *arg)
{
	return 0;
}

void res_assignments_list(struct http_call *c)
{
	const char *spec = http_query(c, "specialist");
	struct store *st = c->srv->store;
	struct pp_error err = {0};
	json_t *arr = json_array();

	if (arr == NULL)
		pp_error_set(&err, PP_ERR_INTERNAL, "", "out of memory");
	else if (spec != NULL && !jr_id_valid(spec))
		pp_error_set(&err, PP_ERR_INVALID_INPUT, "specialist",
			     "specialist: not 1 to 64 characters of [A-Za-z0-9._:-]");
	if (err.code != PP_OK ||
	    (spec != NULL && store_specialist_get(st, spec, assignment_exists, NULL, &err) < 0) ||
	    store_assignment_each(st, spec, assignment_row_add, arr, &err) < 0 ||
	    store_audit(st, c->who.name, "read assignments", spec ? spec : "*", &err) < 0) {
		json_decref(arr);
		http_reply_error(c, &err, NULL);
		return;
	}
	http_reply_json(c, 200, json_pack("{s:o}", "assignments", arr), NULL);
}

void res_assignments_delete(struct http_call *c)
{
	struct pp_error err = {0};
	json_t *row = NULL;

	matches_registry_changed(c->srv->matches); /* the loop runs the write next */
	if (store_assignment_delete(c->srv->store, c->param, c->who.name, assignment_row_one, &row,
				    &err) < 0) {
		json_decref(row); /* read before a commit that then failed */
		http_reply_error(c, &err, NULL);
		return;
	}
	log_info("an assignment ended by %s", c->who.name);
	json_object_del(row, "profile");
	json_object_del(row, "policy");
	http_reply_json(c, 200, row, NULL);
}
