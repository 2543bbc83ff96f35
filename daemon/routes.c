/*
 * routes.c - the route table: which method and path reach which handler, and
 * which roles may call it (API.md's endpoint table).  The viewer role may
 * every GET; admin may everything (auth_allows).  Matching endpoints will be
 * new rows here and new res_*.c files.
 */
#include "routes.h"

#define R_SCHED ROLE_SCHEDULER
#define R_VIEW  ROLE_VIEWER

const struct route routes[] = {
	{EVHTTP_REQ_GET, "/v1/health", 0, res_health_get, "health"},
	{EVHTTP_REQ_GET, "/metrics", R_VIEW, res_metrics_get, "metrics"},
	{EVHTTP_REQ_POST, "/v1/plans", R_SCHED, res_plans_submit, "plans_submit"},
	{EVHTTP_REQ_GET, "/v1/plans", R_SCHED | R_VIEW, res_plans_list, "plans_list"},
	{EVHTTP_REQ_GET, "/v1/plans/{id}", R_SCHED | R_VIEW, res_plans_get, "plans_get"},
	{EVHTTP_REQ_GET, "/v1/plans/{id}/calendar.ics", R_SCHED | R_VIEW, res_plans_calendar,
	 "plans_calendar"},
	{EVHTTP_REQ_DELETE, "/v1/plans/{id}", R_SCHED, res_plans_cancel, "plans_cancel"},
};

const int nroutes = sizeof routes / sizeof routes[0];
