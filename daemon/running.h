/*
 * running.h - what the resources of a running month share (API.md,
 * "Running the program"): a month's adopted plan read back from the store,
 * its attendance records read against that plan, the month in a path or
 * query, and replies that wait for their audit rows.
 *
 * The resources are res_adopt.c (POST /v1/plans/{id}/adopt),
 * res_attendance.c, res_followups.c, res_months.c (the month's report) and
 * res_plan_sheets.c (roster and summary); the computations are api/program.c's.
 * Loop thread only.
 */
#ifndef PP_RUNNING_H
#define PP_RUNNING_H

#include <stdbool.h>

#include "error.h"
#include "http.h"
#include "month.h"
#include "program.h"
#include "store.h"

struct running;

/* State for srv's running-month resources (their audit group); NULL when
 * out of memory. */
struct running *running_new(struct server *srv);

/* Shutdown: commit the queued audit rows and send their replies. */
void running_shutdown(struct running *r);

void running_free(struct running *r);

/* Is s a month "YYYY-MM" (01..12)?  0, or -1 with err set: invalid_input
 * at path. */
int running_month_check(const char *s, const char *path, struct pp_error *err);

/* A stored plan read back (replan_read): its row with request and result,
 * the month it was solved from, and its result. */
struct running_plan {
	struct store_plan row;
	struct month_input in;
	struct month_result res;
	json_t *previous; /* the resolved previous plan output, or NULL */
};

/* Read plan id back.  need_plan: it must hold a plan (done, optimal or
 * feasible), else CONFLICT; otherwise it must only be done.  Returns 0 (free
 * with running_plan_free), or -1 with err set: NOT_FOUND, CONFLICT,
 * INTERNAL. */
int running_plan_read(struct server *srv, const char *id, bool need_plan, struct running_plan *rp,
		      struct pp_error *err);

/* Read the adopted plan of month back.  Returns 0, or -1 with err set:
 * CONFLICT when the month has no adopted plan, INTERNAL. */
int running_adopted(struct server *srv, const char *month, struct running_plan *rp,
		    struct pp_error *err);

void running_plan_free(struct running_plan *rp);

/* The attendance records of rp's month that read against rp (the adopted
 * plan): each stored record checked again by program_attendance_read, so
 * one recorded against an earlier adopted plan counts only when its series,
 * date and parents are in this one.  *skipped counts the others.  Returns 0
 * with *recs (free with running_records_free) and *n, or -1 with err set. */
int running_records(struct server *srv, const struct running_plan *rp,
		    struct program_attendance **recs, int *n, int *skipped, struct pp_error *err);

void running_records_free(struct program_attendance *recs, int n);

/* Reply to c with text (malloc'd, NUL-terminated, taken over) of
 * content_type (static) and status 200, after the audit row (action,
 * object) by c's caller is committed; a 500 when the commit fails. */
void running_reply(struct http_call *c, const char *action, const char *object,
		   const char *content_type, char *text);

/* The same with a JSON document (stolen); NULL is out of memory. */
void running_reply_json(struct http_call *c, const char *action, const char *object, json_t *doc);

#endif
