/*
 * running.c - the store and reply side of a running month (running.h).
 *
 * A plan is read back from its stored request and result by replan_read(),
 * the path GET /v1/plans/{id}/changes takes, so the month and the plan the
 * program's computations see are those the solve saw.  Attendance is
 * stored as recorded (the JSON lists of ids), so each read checks every
 * record of the month again against the month's adopted plan: a record
 * made against a plan adopted earlier still counts where the adopted plan
 * has its series, date and parents, and is set aside (counted) where not.
 *
 * Every reply here names parents, so it is audited before it leaves, by
 * group commit as plan reads are (audit_group.h): one group for all the
 * running-month resources, each row with its own action.
 */
#include "running.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit_group.h"
#include "json_read.h"
#include "replan.h"

struct running {
	struct audit_group audits;
};

struct running *running_new(struct server *srv)
{
	struct running *r = calloc(1, sizeof *r);

	if (r == NULL)
		return NULL;
	if (audit_group_init(&r->audits, srv->base, srv->store, "read program") < 0) {
		audit_group_free(&r->audits);
		free(r);
		return NULL;
	}
	return r;
}

void running_shutdown(struct running *r)
{
	if (r != NULL)
		audit_group_flush(&r->audits);
}

void running_free(struct running *r)
{
	if (r == NULL)
		return;
	audit_group_free(&r->audits);
	free(r);
}

int running_month_check(const char *s, const char *path, struct pp_error *err)
{
	int y, m, n = 0;

	if (s == NULL || sscanf(s, "%4d-%2d%n", &y, &m, &n) != 2 || n != 7 || strlen(s) != 7 ||
	    s[4] != '-' || m < 1 || m > 12 || y < 1)
		return pp_error_set(err, PP_ERR_INVALID_INPUT, path, "%s: must be a month YYYY-MM",
				    path);
	return 0;
}

void running_plan_free(struct running_plan *rp)
{
	month_result_free(&rp->res);
	month_input_free(&rp->in);
	json_decref(rp->previous);
	store_plan_free(&rp->row);
	memset(rp, 0, sizeof *rp);
}

/* Read rp->row (with its documents) back into the rest of rp, if it is in
 * the state asked for (running_plan_read). */
static int running_read_row(struct server *srv, bool need_plan, struct running_plan *rp,
			    struct pp_error *err)
{
	if (need_plan ? !replan_has_plan(&rp->row, NULL)
		      : strcmp(rp->row.status, "done") != 0 || rp->row.result == NULL)
		return pp_error_set(err, PP_ERR_CONFLICT, "",
				    need_plan ? "plan %s is %s without a plan; it must be done "
						"with an optimal or feasible result"
					      : "plan %s is %s; it has no result yet",
				    rp->row.id, rp->row.status);
	return replan_read(srv->store, &rp->row, &rp->in, &rp->res, &rp->previous, err);
}

int running_plan_read(struct server *srv, const char *id, bool need_plan, struct running_plan *rp,
		      struct pp_error *err)
{
	memset(rp, 0, sizeof *rp);
	if (store_plan_get(srv->store, id, STORE_PLAN_REQUEST | STORE_PLAN_RESULT, &rp->row, err) <
		0 ||
	    running_read_row(srv, need_plan, rp, err) < 0) {
		running_plan_free(rp);
		return -1;
	}
	return 0;
}

int running_adopted(struct server *srv, const char *month, struct running_plan *rp,
		    struct pp_error *err)
{
	struct pp_error e = {0};

	memset(rp, 0, sizeof *rp);
	if (store_plan_adopted(srv->store, month, STORE_PLAN_REQUEST | STORE_PLAN_RESULT, &rp->row,
			       &e) < 0) {
		running_plan_free(rp);
		if (e.code != PP_ERR_NOT_FOUND) {
			if (err != NULL)
				*err = e;
			return -1;
		}
		return pp_error_set(err, PP_ERR_CONFLICT, "",
				    "month %s has no adopted plan (POST /v1/plans/{id}/adopt)",
				    month);
	}
	/* Only a plan with a plan is ever adopted (res_adopt.c). */
	if (running_read_row(srv, true, rp, err) < 0) {
		running_plan_free(rp);
		return -1;
	}
	return 0;
}

void running_records_free(struct program_attendance *recs, int n)
{
	for (int i = 0; i < n; i++)
		program_attendance_free(&recs[i]);
	free(recs);
}

/* Records being read (running_records). */
struct running_recs {
	const struct running_plan *rp;
	struct program_attendance *recs;
	int n, cap, skipped;
};

static int running_record_one(const struct store_attendance *a, void *arg)
{
	struct running_recs *rr = arg;
	struct pp_error err = {0};
	json_t *body = json_pack("{s:o?, s:o?}", "present", json_loads(a->present, 0, NULL),
				 "absent", json_loads(a->absent, 0, NULL));
	int rc;

	if (body == NULL)
		return 1;
	if (rr->n == rr->cap) {
		int cap = rr->cap ? 2 * rr->cap : 16;
		struct program_attendance *p = realloc(rr->recs, sizeof *p * (size_t)cap);

		if (p == NULL) {
			json_decref(body);
			return 1;
		}
		rr->recs = p;
		rr->cap = cap;
	}
	rc = program_attendance_read(body, &rr->rp->in, &rr->rp->res, a->series, a->date,
				     &rr->recs[rr->n], &err);
	json_decref(body);
	if (rc == 0)
		rr->n++;
	else if (err.code == PP_ERR_INTERNAL)
		return 1;
	else
		rr->skipped++;
	return 0;
}

int running_records(struct server *srv, const struct running_plan *rp,
		    struct program_attendance **recs, int *n, int *skipped, struct pp_error *err)
{
	struct running_recs rr = {.rp = rp};

	if (store_attendance_each(srv->store, rp->row.month, running_record_one, &rr, err) < 0) {
		running_records_free(rr.recs, rr.n);
		return -1;
	}
	*recs = rr.recs;
	*n = rr.n;
	*skipped = rr.skipped;
	return 0;
}

void running_reply(struct http_call *c, const char *action, const char *object,
		   const char *content_type, char *text)
{
	struct http_doc *doc = text != NULL ? http_doc_adopt(text) : NULL;

	if (doc == NULL) {
		http_fail(c, PP_ERR_INTERNAL, "out of memory");
		return;
	}
	audit_group_reply(&c->srv->running->audits, c, action, object, 200, content_type, doc);
}

void running_reply_json(struct http_call *c, const char *action, const char *object, json_t *doc)
{
	char *text = doc != NULL ? jr_dumps(doc, 0) : NULL;

	json_decref(doc);
	running_reply(c, action, object, "application/json", text);
}
