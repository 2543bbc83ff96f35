/*
 * res_plan_sheets.c - a stored plan printed for people: the front desk's
 * roster (GET /v1/plans/{id}/roster.csv, API.md) and the coordinator's
 * report (GET /v1/plans/{id}/summary, this daemon's addition).
 *
 * Both read the plan back as it was solved (running_plan_read: its request
 * parsed with any previous {"plan": id} resolved, its result read against
 * it, its changes recomputed with a previous), so the roster is
 * program_roster_csv()'s and the summary is summary_print()'s -- the very
 * report `peerplan solve --summary` prints, with the re-planning section
 * of a revision -- written to memory.  What the stored output does not
 * keep cannot be printed: a feasible plan's summary gives its gap without
 * the level it was cut short on.
 *
 * The roster needs a plan (done, optimal or feasible: 409 otherwise); the
 * summary any finished solve (done: an infeasible month's summary explains
 * its conflicts).  Both name parents and are audited before they leave:
 * "read roster" and "read summary", object the plan id.  Content types:
 * text/csv and text/plain; charset=utf-8.
 */
#include <stdio.h>
#include <stdlib.h>

#include "routes.h"
#include "running.h"
#include "summary.h"

void res_plan_roster(struct http_call *c)
{
	struct pp_error err = {0};
	struct running_plan rp;
	char *text = NULL;
	size_t len;
	int rc;

	if (running_plan_read(c->srv, c->param, true, &rp, &err) < 0) {
		http_reply_error(c, &err, NULL);
		return;
	}
	rc = program_roster_csv(&rp.in, &rp.res, &text, &len);
	running_plan_free(&rp);
	if (rc < 0) {
		http_fail(c, PP_ERR_INTERNAL, "out of memory");
		return;
	}
	running_reply(c, "read roster", c->param, "text/csv", text);
}

void res_plan_summary(struct http_call *c)
{
	struct pp_error err = {0};
	struct running_plan rp;
	char *text = NULL;
	size_t len = 0;
	FILE *out;
	int rc;

	if (running_plan_read(c->srv, c->param, false, &rp, &err) < 0) {
		http_reply_error(c, &err, NULL);
		return;
	}
	out = open_memstream(&text, &len);
	rc = out != NULL ? summary_print(&rp.in, &rp.res, rp.previous, out) : -1;
	if (out != NULL && fclose(out) != 0)
		rc = -1;
	running_plan_free(&rp);
	if (rc < 0) {
		free(text);
		http_fail(c, PP_ERR_INTERNAL, "out of memory");
		return;
	}
	running_reply(c, "read summary", c->param, "text/plain; charset=utf-8", text);
}
