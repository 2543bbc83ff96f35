/*
 * metrics.h - counters for GET /metrics, in the Prometheus text format.
 *
 * Touched only by the loop thread, so no locking.  Requests are counted by
 * route and status, with one latency histogram over all routes; solves by
 * final status, with their total seconds.
 */
#ifndef PP_METRICS_H
#define PP_METRICS_H

#include "jobs.h"

struct metrics;

struct metrics *metrics_new(void);
void metrics_free(struct metrics *m);

/* Count a reply: route index (-1 = unrouted), status, seconds taken. */
void metrics_request(struct metrics *m, int route, int status, double seconds);

/* Count a finished solve: status ("optimal", "infeasible", "failed", ...). */
void metrics_solve(struct metrics *m, const char *status, double seconds);

/* The exposition text (malloc'd) given the live gauges: solves waiting and
 * running by queue of the solver pool, its threads, requests in progress. */
char *metrics_render(struct metrics *m, const int queued[JOBQ_COUNT], const int running[JOBQ_COUNT],
		     int workers, int inflight);

#endif
