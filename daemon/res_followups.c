/*
 * res_followups.c - GET /v1/followups?month=YYYY-MM (scheduler, viewer):
 * the parents someone should call, a facilitator's morning list in one
 * call.
 *
 * Everything program_followups() needs is gathered here from the store:
 * the month's adopted plan (409 without one), its attendance records that
 * read against it (running_records), the `followup-missed` option (a
 * daemon option, read per request, so SIGHUP changes it), the parents
 * placed in a series of the previous month's adopted plan (no first_month
 * reason when that month has none), and the case system's assignments for
 * the contacts.  The reply is program_followups()'s list -- [{"parent",
 * "reasons", "contact"[, "detail"]}] in the plan's parent order -- audited
 * as "read followups" (object: the month) before it leaves.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "routes.h"
#include "running.h"
#include "store.h"

/* The case system's assignments, by parent (as the store lists them). */
struct followup_assignments {
	char **parent, **specialist;
	int n, cap;
};

static int followup_assignment_add(const struct store_assignment *a, void *arg)
{
	struct followup_assignments *fa = arg;

	if (fa->n == fa->cap) {
		int cap = fa->cap ? 2 * fa->cap : 64;
		char **p = realloc(fa->parent, sizeof *p * (size_t)cap);

		if (p == NULL)
			return 1;
		fa->parent = p;
		p = realloc(fa->specialist, sizeof *p * (size_t)cap);
		if (p == NULL)
			return 1;
		fa->specialist = p;
		fa->cap = cap;
	}
	fa->parent[fa->n] = strdup(a->parent);
	fa->specialist[fa->n] = strdup(a->specialist);
	fa->n++;
	return fa->parent[fa->n - 1] == NULL || fa->specialist[fa->n - 1] == NULL;
}

static void followup_assignments_free(struct followup_assignments *fa)
{
	for (int i = 0; i < fa->n; i++) {
		free(fa->parent[i]);
		free(fa->specialist[i]);
	}
	free(fa->parent);
	free(fa->specialist);
}

/* program_specialist_fn: the specialist of parent, by binary search (the
 * store lists assignments by parent, in the byte order strcmp uses). */
static const char *followup_specialist(const char *parent, void *arg)
{
	const struct followup_assignments *fa = arg;
	int lo = 0, hi = fa->n - 1;

	while (lo <= hi) {
		int mid = lo + (hi - lo) / 2, d = strcmp(fa->parent[mid], parent);

		if (d == 0)
			return fa->specialist[mid];
		if (d < 0)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return NULL;
}

/* The month before month ("YYYY-MM"). */
static void followup_month_before(const char *month, char out[16])
{
	int y = atoi(month), m = atoi(month + 5);

	if (--m == 0) {
		m = 12;
		y--;
	}
	snprintf(out, 16, "%04d-%02d", y % 10000, m % 100);
}

/* The ids of the parents in a series of the adopted plan of the month
 * before month, pointing into *doc (a new reference, kept by the caller);
 * *ids NULL when that month has no adopted plan.  0, or -1 with err set. */
static int followup_prev_placed(struct server *srv, const char *month, json_t **doc,
				const char ***ids, int *n, struct pp_error *err)
{
	struct pp_error e = {0};
	struct store_plan p;
	char before[16];
	json_t *series, *s, *id;
	size_t i, k, total = 0;

	*doc = NULL;
	*ids = NULL;
	*n = 0;
	followup_month_before(month, before);
	if (store_plan_adopted(srv->store, before, STORE_PLAN_RESULT, &p, &e) < 0) {
		if (e.code == PP_ERR_NOT_FOUND)
			return 0;
		*err = e;
		return -1;
	}
	*doc = p.result ? json_loads(p.result, 0, NULL) : NULL;
	store_plan_free(&p);
	series = json_object_get(*doc, "series");
	json_array_foreach (series, i, s)
		total += json_array_size(json_object_get(s, "parents"));
	/* never NULL when it succeeds: that month has a plan */
	*ids = *doc != NULL ? malloc(sizeof **ids * (total + 1)) : NULL;
	if (*ids == NULL)
		return pp_error_set(err, PP_ERR_INTERNAL, "",
				    "the adopted plan of %s cannot be read", before);
	json_array_foreach (series, i, s)
		json_array_foreach (json_object_get(s, "parents"), k, id)
			if (json_is_string(id))
				(*ids)[(*n)++] = json_string_value(id);
	return 0;
}

void res_followups_get(struct http_call *c)
{
	const char *month = http_query(c, "month");
	struct followup_assignments fa = {0};
	struct pp_error err = {0};
	struct running_plan rp;
	struct program_attendance *recs = NULL;
	const char **prev = NULL;
	json_t *prev_doc = NULL, *list = NULL;
	int nrecs = 0, skipped = 0, nprev = 0;

	if (running_month_check(month, "month", &err) < 0 ||
	    running_adopted(c->srv, month, &rp, &err) < 0) {
		http_reply_error(c, &err, NULL);
		return;
	}
	if (running_records(c->srv, &rp, &recs, &nrecs, &skipped, &err) == 0 &&
	    followup_prev_placed(c->srv, month, &prev_doc, &prev, &nprev, &err) == 0 &&
	    store_assignment_each(c->srv->store, NULL, followup_assignment_add, &fa, &err) == 0) {
		struct program_followup_ctx ctx = {
		    .recs = recs,
		    .nrecs = nrecs,
		    .missed = (int)c->srv->opts.num[OPT_FOLLOWUP_MISSED],
		    .prev_placed = prev,
		    .nprev_placed = nprev,
		    .specialist = followup_specialist,
		    .specialist_arg = &fa,
		};
		list = program_followups(&rp.in, &rp.res, &ctx);
		if (list == NULL)
			pp_error_set(&err, PP_ERR_INTERNAL, "", "out of memory");
	}
	running_records_free(recs, nrecs);
	running_plan_free(&rp);
	free(prev);
	json_decref(prev_doc);
	followup_assignments_free(&fa);
	if (list == NULL) {
		http_reply_error(c, &err, NULL);
		return;
	}
	running_reply_json(c, "read followups", month, list);
}
