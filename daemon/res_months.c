/*
 * res_months.c - GET /v1/months/{month}/report (scheduler, viewer): the
 * month evaluated from its adopted plan and attendance (API.md; the
 * figures and their definitions are program_report()'s, api/program.h).
 *
 * The month must read (400 at `month`) and have an adopted plan (409).  The
 * records that count are those that read against the adopted plan
 * (running_records); the JSON reply is program_report()'s document with
 * `plan` (the adopted plan's id) and `records_set_aside` (records of the
 * month that no longer fit it) added.  ?format=csv answers the per-series
 * table as text/csv instead (program_report_csv); ?format=json is the
 * default, any other format 400 at `format`.  Either is audited as "read report" (object: the month
 * and the plan) before it leaves.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "routes.h"
#include "running.h"

/* The report of the adopted plan rp, as JSON (*csv NULL) or CSV text
 * (into *csv when csv is not NULL).  NULL with err set. */
static json_t *months_report(struct server *srv, const struct running_plan *rp, char **csv,
			     struct pp_error *err)
{
	struct program_attendance *recs = NULL;
	json_t *report = NULL;
	int nrecs = 0, skipped = 0;
	size_t len;

	if (running_records(srv, rp, &recs, &nrecs, &skipped, err) < 0)
		return NULL;
	report = program_report(&rp->in, &rp->res, recs, nrecs);
	running_records_free(recs, nrecs);
	if (report == NULL || json_object_set_new(report, "plan", json_string(rp->row.id)) < 0 ||
	    json_object_set_new(report, "records_set_aside", json_integer(skipped)) < 0 ||
	    (csv != NULL && program_report_csv(report, csv, &len) < 0)) {
		json_decref(report);
		pp_error_set(err, PP_ERR_INTERNAL, "", "out of memory");
		return NULL;
	}
	return report;
}

void res_months_report(struct http_call *c)
{
	const char *format = http_query(c, "format");
	bool csv = format != NULL && strcmp(format, "csv") == 0;
	struct pp_error err = {0};
	struct running_plan rp;
	json_t *report;
	char object[72], *text = NULL;

	if (format != NULL && !csv && strcmp(format, "json") != 0) {
		pp_error_set(&err, PP_ERR_INVALID_INPUT, "format", "format: must be json or csv");
		http_reply_error(c, &err, NULL);
		return;
	}
	if (running_month_check(c->param, "month", &err) < 0 ||
	    running_adopted(c->srv, c->param, &rp, &err) < 0) {
		http_reply_error(c, &err, NULL);
		return;
	}
	snprintf(object, sizeof object, "%.8s: %.60s", c->param, rp.row.id);
	report = months_report(c->srv, &rp, csv ? &text : NULL, &err);
	running_plan_free(&rp);
	if (report == NULL) {
		http_reply_error(c, &err, NULL);
	} else if (csv) {
		json_decref(report);
		running_reply(c, "read report", object, "text/csv", text);
	} else {
		running_reply_json(c, "read report", object, report);
	}
}
