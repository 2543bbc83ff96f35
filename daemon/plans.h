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

/* Shutdown: answer held ?wait calls (GET with 503, POST with 202) and send
 * the reads waiting for their audit rows.  The caller then stops the
 * solver pool (jobs_stop): running solves are cancelled, and they and the
 * queued plans stay pending in the database. */
void plans_shutdown(struct plans *pl);

/* Free everything; call after jobs_free(). */
void plans_free(struct plans *pl);

#endif
