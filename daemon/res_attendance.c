/*
 * res_attendance.c - /v1/attendance: who came to each meeting of a month.
 *
 * PUT /v1/attendance/{month}/{series}/{date} (scheduler) records one
 * meeting, {"present": [...], "absent": [...]}.  The month in the path
 * must read (400 at `month`) and have an adopted plan (409); the body is
 * then checked against that plan by program_attendance_read() -- the
 * series is one of its series (400 at `series`), the date one it meets on
 * (`date`), every parent one of its parents, listed once in both lists
 * (`present[i]`, `absent[i]`).  The record is stored as its lists of ids,
 * with the plan it was checked against, replacing any earlier record of
 * that meeting, committed before the reply: 201 with the record when it
 * is new, 200 when it replaced one.
 *
 * GET /v1/attendance/{month} (scheduler, viewer) lists every record of the
 * month as stored, [{"series", "date", "present", "absent"}] by date then
 * series -- also one recorded against a plan adopted before -- audited as
 * "read attendance" (object: the month) before the reply.
 */
#include <stdlib.h>
#include <string.h>

#include "json_read.h"
#include "log.h"
#include "routes.h"
#include "running.h"
#include "store.h"

void res_attendance_put(struct http_call *c)
{
	const char *month = http_param(c, 0), *series = http_param(c, 1), *date = http_param(c, 2);
	struct pp_error err = {0};
	struct running_plan rp;
	struct program_attendance rec = {0};
	json_t *body = NULL, *doc = NULL;
	char *present = NULL, *absent = NULL;
	bool replaced = false;
	size_t len;
	const char *buf = http_body(c, &len);

	if (running_month_check(month, "month", &err) < 0 ||
	    running_adopted(c->srv, month, &rp, &err) < 0) {
		http_reply_error(c, &err, NULL);
		return;
	}
	body = jr_parse(buf ? buf : "", len, &err);
	if (body != NULL &&
	    program_attendance_read(body, &rp.in, &rp.res, series, date, &rec, &err) == 0) {
		doc = program_attendance_to_json(&rp.in, &rp.res, &rec);
		present = doc ? jr_dumps(json_object_get(doc, "present"), 0) : NULL;
		absent = doc ? jr_dumps(json_object_get(doc, "absent"), 0) : NULL;
		if (present == NULL || absent == NULL) {
			pp_error_set(&err, PP_ERR_INTERNAL, "", "out of memory");
		} else {
			struct store_attendance a = {
			    .month = rp.row.month,
			    .series = series,
			    .date = json_string_value(json_object_get(doc, "date")),
			    .plan = rp.row.id,
			    .present = present,
			    .absent = absent,
			    .who = c->who.name,
			};
			if (store_attendance_put(c->srv->store, &a, &replaced, &err) == 0)
				log_info("attendance of %s on %s recorded by %s", series, a.date,
					 c->who.name);
		}
	}
	json_decref(body);
	free(present);
	free(absent);
	program_attendance_free(&rec);
	running_plan_free(&rp);
	if (err.code != PP_OK) {
		json_decref(doc);
		http_reply_error(c, &err, NULL);
		return;
	}
	http_reply_json(c, replaced ? 200 : 201, doc, NULL);
}

/* One stored record as listed, appended to the array arg. */
static int attendance_row_add(const struct store_attendance *a, void *arg)
{
	json_t *present = json_loads(a->present, 0, NULL), *absent = json_loads(a->absent, 0, NULL);

	if (!json_is_array(present) || !json_is_array(absent)) {
		json_decref(present);
		json_decref(absent);
		return 1;
	}
	return json_array_append_new(arg,
				     json_pack("{s:s, s:s, s:o, s:o}", "series", a->series, "date",
					       a->date, "present", present, "absent", absent)) < 0;
}

void res_attendance_list(struct http_call *c)
{
	struct pp_error err = {0};
	json_t *arr = json_array();

	if (running_month_check(c->param, "month", &err) < 0 ||
	    store_attendance_each(c->srv->store, c->param, attendance_row_add, arr, &err) < 0) {
		json_decref(arr);
		http_reply_error(c, &err, NULL);
		return;
	}
	running_reply_json(c, "read attendance", c->param, arr);
}
