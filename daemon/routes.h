/*
 * routes.h - the handlers of every HTTP resource, listed by routes.c.
 *
 * One file per resource (res_health.c, res_metrics.c, res_audit.c, res_plans.c,
 * res_matches.c, res_specialists.c, res_assignments.c, and for running a
 * month res_adopt.c, res_plan_sheets.c, res_attendance.c, res_followups.c,
 * res_months.c); a new resource adds its file, its prototypes here and its
 * rows to the table in routes.c.
 */
#ifndef PP_ROUTES_H
#define PP_ROUTES_H

#include "http.h"

void res_health_get(struct http_call *c);
void res_metrics_get(struct http_call *c);
void res_audit_get(struct http_call *c);

void res_plans_submit(struct http_call *c);
void res_plans_list(struct http_call *c);
void res_plans_get(struct http_call *c);
void res_plans_calendar(struct http_call *c);
void res_plans_changes(struct http_call *c);
void res_plans_cancel(struct http_call *c);

void res_adopt_post(struct http_call *c);
void res_plan_roster(struct http_call *c);
void res_plan_summary(struct http_call *c);

void res_attendance_put(struct http_call *c);
void res_attendance_list(struct http_call *c);
void res_followups_get(struct http_call *c);
void res_months_report(struct http_call *c);

void res_matches_solve(struct http_call *c);
void res_matches_candidates(struct http_call *c);

void res_specialists_put(struct http_call *c);
void res_specialists_get(struct http_call *c);
void res_specialists_list(struct http_call *c);
void res_specialists_delete(struct http_call *c);

void res_assignments_add(struct http_call *c);
void res_assignments_list(struct http_call *c);
void res_assignments_delete(struct http_call *c);

#endif
