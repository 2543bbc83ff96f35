/*
 * replan.c - plans that revise stored plans (see replan.h).
 *
 * The daemon's form of a month's previous, {"plan": id}, is resolved here
 * and nowhere else: the named plan's stored output is put in its place in
 * the parsed document, which month_parse_json() then reads as any pasted
 * plan.  The request is stored as the client sent it, and a re-queue after
 * a restart resolves it again (a done plan never changes, so to the same
 * previous).  The changes of a plan against another are computed from the
 * two stored plans alone, with the function the solver uses for a plan's
 * own list.  A stored plan is read back the same way for what is computed
 * from it later (replan_read: the program's resources, the summary).  Loop
 * thread: store reads and JSON work, no solve.
 */
#include "replan.h"

#include <stdio.h>
#include <string.h>

#include "json_read.h"
#include "month_json.h"
#include "plan_json.h"

bool replan_has_plan(const struct store_plan *p, json_t **parsed)
{
	json_t *res = p->result != NULL && strcmp(p->status, "done") == 0
			  ? json_loads(p->result, 0, NULL)
			  : NULL;
	const char *st = json_string_value(json_object_get(res, "status"));
	bool ok = st != NULL && (strcmp(st, "optimal") == 0 || strcmp(st, "feasible") == 0);

	if (parsed != NULL && ok)
		*parsed = res;
	else
		json_decref(res);
	return ok;
}

/* When doc's previous names a stored plan, replace it with that plan's
 * output and say which plan in *rev; otherwise leave doc and empty *rev.
 * The named plan must exist and hold a plan (replan_has_plan), else
 * invalid_input at previous.plan.  Returns 0, or -1 with err set. */
static int replan_resolve(struct store *st, json_t *doc, struct replan_from *rev,
			  struct pp_error *err)
{
	struct store_plan row;
	json_t *res = NULL;
	const char *pid;

	memset(rev, 0, sizeof *rev);
	if (!month_previous_names_plan(doc, &pid)) {
		json_t *prev = json_object_get(doc, "previous");

		/* {"plan": 5}: month_parse would say a plan can be named only
		 * here; here the mistake is the id's type. */
		if (json_object_size(prev) == 1 && json_object_get(prev, "plan") != NULL)
			return pp_error_set(err, PP_ERR_INVALID_INPUT, "previous.plan",
					    "previous.plan: must be a string, the id of a plan");
		return 0;
	}
	if (store_plan_get(st, pid, STORE_PLAN_RESULT, &row, err) < 0) {
		if (err == NULL || err->code != PP_ERR_NOT_FOUND)
			return -1;
		pp_error_clear(err);
		return pp_error_set(err, PP_ERR_INVALID_INPUT, "previous.plan",
				    "previous.plan: no plan '%s'", pid);
	}
	if (!replan_has_plan(&row, &res)) {
		pp_error_set(err, PP_ERR_INVALID_INPUT, "previous.plan",
			     "previous.plan: plan %s is %s without a plan; a previous plan must be "
			     "done with an optimal or feasible result",
			     row.id, row.status);
		store_plan_free(&row);
		return -1;
	}
	snprintf(rev->revises, sizeof rev->revises, "%s", row.id);
	snprintf(rev->month, sizeof rev->month, "%s", row.month);
	rev->sequence = row.sequence;
	store_plan_free(&row);
	/* pid points into doc's previous, which this replaces: it is not used
	 * after here. */
	if (json_object_set_new(doc, "previous", res) < 0)
		return pp_error_set(err, PP_ERR_INTERNAL, "", "out of memory");
	return 0;
}

/* replan_parse, keeping the document parsed (previous resolved) in *doc
 * when doc is not NULL (a new reference; NULL on failure). */
static int replan_parse_doc(struct store *st, const char *buf, size_t len, struct month_input *in,
			    struct replan_from *rev, json_t **doc, struct pp_error *err)
{
	json_t *d;
	int rc;

	memset(in, 0, sizeof *in);
	memset(rev, 0, sizeof *rev);
	if (doc != NULL)
		*doc = NULL;
	d = jr_parse(buf, len, err);
	if (d == NULL)
		return -1;
	rc = replan_resolve(st, d, rev, err);
	if (rc == 0)
		rc = month_parse_json(d, in, err);
	if (rc == 0 && doc != NULL)
		*doc = json_incref(d);
	json_decref(d);
	return rc;
}

int replan_parse(struct store *st, const char *buf, size_t len, struct month_input *in,
		 struct replan_from *rev, struct pp_error *err)
{
	return replan_parse_doc(st, buf, len, in, rev, NULL, err);
}

/* The stored request parsed as it was solved, its result read back against
 * it, and its changes recomputed with a previous: what a solve gave, as far
 * as the output keeps it. */
int replan_read(struct store *st, const struct store_plan *p, struct month_input *in,
		struct month_result *res, json_t **previous, struct pp_error *err)
{
	struct pp_error why = {0};
	struct replan_from rev;
	json_t *doc = NULL, *result = NULL;

	memset(res, 0, sizeof *res);
	if (previous != NULL)
		*previous = NULL;
	if (p->request == NULL || p->result == NULL)
		return pp_error_set(err, PP_ERR_INTERNAL, "", "plan %s: read without its documents",
				    p->id);
	result = json_loads(p->result, 0, NULL);
	if (replan_parse_doc(st, p->request, strlen(p->request), in, &rev, &doc, &why) < 0) {
		json_decref(result);
		if (why.code == PP_ERR_INTERNAL)
			return pp_error_set(err, PP_ERR_INTERNAL, "", "%s", why.message);
		return pp_error_set(err, PP_ERR_INTERNAL, "",
				    "plan %s: its stored request does not read: %s", p->id,
				    why.message);
	}
	if (result == NULL || month_plan_read(result, in, res, &why) < 0 ||
	    (in->has_previous && month_changes(in, res, &why) < 0)) {
		pp_error_set(err, PP_ERR_INTERNAL, "",
			     "plan %s: its stored documents do not read: %s", p->id,
			     why.message[0] ? why.message : "out of memory");
		month_result_free(res);
		month_input_free(in);
		json_decref(result);
		json_decref(doc);
		return -1;
	}
	/* The output keeps no count of proven levels: unknown. */
	res->levels_proven = -1;
	if (previous != NULL)
		*previous = json_incref(json_object_get(doc, "previous"));
	json_decref(result);
	json_decref(doc);
	return 0;
}

int replan_sequence(const struct replan_from *from, const char *month)
{
	return from->revises[0] != '\0' && strcmp(from->month, month) == 0 ? from->sequence + 1 : 0;
}

/* a's request is parsed again with its previous replaced by b_res, a_res
 * read back against it (month_plan_read), and month_changes() run on the
 * two -- the function that fills a plan's own list, so a revision against
 * the plan it revises gives exactly its own changes. */
json_t *replan_changes(const struct store_plan *a, json_t *a_res, const struct store_plan *b,
		       json_t *b_res, struct pp_error *err)
{
	struct pp_error why = {0};
	json_t *doc = jr_parse(a->request, strlen(a->request), &why), *out = NULL;
	struct month_input in;
	struct month_result res;

	memset(&in, 0, sizeof in);
	memset(&res, 0, sizeof res);
	if (doc == NULL || json_object_set(doc, "previous", b_res) < 0 ||
	    month_parse_json(doc, &in, &why) < 0 || month_plan_read(a_res, &in, &res, &why) < 0 ||
	    month_changes(&in, &res, &why) < 0) {
		pp_error_set(err, PP_ERR_INTERNAL, "",
			     "plan %s: its stored documents do not read: %s", a->id,
			     why.message[0] ? why.message : "out of memory");
		goto done;
	}
	out = json_pack("{s:s, s:s, s:I, s:o}", "plan", a->id, "against", b->id, "changes",
			(json_int_t)res.objective.changes, "list", month_changes_json(&in, &res));
	if (out == NULL)
		pp_error_set(err, PP_ERR_INTERNAL, "", "out of memory");
done:
	month_result_free(&res);
	month_input_free(&in);
	json_decref(doc);
	return out;
}
