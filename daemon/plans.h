/*
 * plans.h - the life of month plans inside the daemon (res_plans.c): the
 * in-memory jobs of queued and running plans, re-queueing on start, and the
 * shutdown that leaves unfinished plans for the next start.
 */
#ifndef PP_PLANS_H
#define PP_PLANS_H

#include "error.h"

struct server;
struct plans;

/* State for the plans resource of srv. */
struct plans *plans_new(struct server *srv);

/* Queue again every plan the database lists as queued or running; returns
 * the number queued, or -1 with err set. */
int plans_requeue(struct plans *pl, struct pp_error *err);

/* Forget the document kept of plan id, whose `adopted` flag has changed. */
void plans_forget(struct plans *pl, const char *id);

/* Shutdown: answer held ?wait calls with 503 and stop the solver pool
 * (running solves are cancelled and stay pending in the database). */
void plans_shutdown(struct plans *pl);

/* Free everything; call after jobs_free(). */
void plans_free(struct plans *pl);

#endif
