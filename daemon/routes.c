/*
 * routes.c - the route table: which method and path reach which handler, and
 * which roles may call it (API.md's endpoint table).  The viewer role may
 * every GET but the audit log; admin may everything (auth_allows).  Two
 * additions to API.md's roles (docs/daemon.md): metrics, which may read
 * /metrics and nothing else, and admin alone for the audit log.
 */
#include "routes.h"

#define R_SCHED ROLE_SCHEDULER
#define R_VIEW  ROLE_VIEWER
#define R_CASE  ROLE_CASESYSTEM
#define R_ADMIN ROLE_ADMIN
#define R_METR  ROLE_METRICS

const struct route routes[] = {
    {EVHTTP_REQ_GET, "/v1/health", 0, res_health_get, "health"},
    {EVHTTP_REQ_GET, "/metrics", R_VIEW | R_METR, res_metrics_get, "metrics"},
    {EVHTTP_REQ_GET, "/v1/audit", R_ADMIN, res_audit_get, "audit_list"},
    {EVHTTP_REQ_POST, "/v1/plans", R_SCHED, res_plans_submit, "plans_submit"},
    {EVHTTP_REQ_GET, "/v1/plans", R_SCHED | R_VIEW, res_plans_list, "plans_list"},
    {EVHTTP_REQ_GET, "/v1/plans/{id}", R_SCHED | R_VIEW, res_plans_get, "plans_get"},
    {EVHTTP_REQ_GET, "/v1/plans/{id}/calendar.ics", R_SCHED | R_VIEW, res_plans_calendar,
     "plans_calendar"},
    {EVHTTP_REQ_GET, "/v1/plans/{id}/changes", R_SCHED | R_VIEW, res_plans_changes,
     "plans_changes"},
    {EVHTTP_REQ_DELETE, "/v1/plans/{id}", R_SCHED, res_plans_cancel, "plans_cancel"},
    {EVHTTP_REQ_POST, "/v1/plans/{id}/adopt", R_SCHED, res_adopt_post, "plans_adopt"},
    {EVHTTP_REQ_GET, "/v1/plans/{id}/roster.csv", R_SCHED | R_VIEW, res_plan_roster,
     "plans_roster"},
    {EVHTTP_REQ_GET, "/v1/plans/{id}/summary", R_SCHED | R_VIEW, res_plan_summary, "plans_summary"},
    {EVHTTP_REQ_PUT, "/v1/attendance/{id}/{id}/{id}", R_SCHED, res_attendance_put,
     "attendance_put"},
    {EVHTTP_REQ_GET, "/v1/attendance/{id}", R_SCHED | R_VIEW, res_attendance_list,
     "attendance_list"},
    {EVHTTP_REQ_GET, "/v1/followups", R_SCHED | R_VIEW, res_followups_get, "followups"},
    {EVHTTP_REQ_GET, "/v1/months/{id}/report", R_SCHED | R_VIEW, res_months_report,
     "months_report"},
    {EVHTTP_REQ_POST, "/v1/matches/solve", R_CASE, res_matches_solve, "matches_solve"},
    {EVHTTP_REQ_POST, "/v1/matches/candidates", R_CASE, res_matches_candidates,
     "matches_candidates"},
    {EVHTTP_REQ_GET, "/v1/specialists", R_CASE | R_VIEW, res_specialists_list, "specialists_list"},
    {EVHTTP_REQ_GET, "/v1/specialists/{id}", R_CASE | R_VIEW, res_specialists_get,
     "specialists_get"},
    {EVHTTP_REQ_PUT, "/v1/specialists/{id}", R_CASE, res_specialists_put, "specialists_put"},
    {EVHTTP_REQ_DELETE, "/v1/specialists/{id}", R_CASE, res_specialists_delete,
     "specialists_delete"},
    {EVHTTP_REQ_POST, "/v1/assignments", R_CASE, res_assignments_add, "assignments_add"},
    {EVHTTP_REQ_GET, "/v1/assignments", R_CASE | R_VIEW, res_assignments_list, "assignments_list"},
    {EVHTTP_REQ_DELETE, "/v1/assignments/{id}", R_CASE, res_assignments_delete,
     "assignments_delete"},
};

const int nroutes = sizeof routes / sizeof routes[0];
