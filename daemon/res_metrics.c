/*
 * res_metrics.c - GET /metrics: the Prometheus text of metrics.c, with the
 * live queue gauges read from the solver pool, by queue.
 */
#include <stdlib.h>
#include <string.h>

#include "jobs.h"
#include "metrics.h"
#include "routes.h"

void res_metrics_get(struct http_call *c)
{
	struct server *srv = c->srv;
	int queued[JOBQ_COUNT], running[JOBQ_COUNT];
	char *text;

	for (int q = 0; q < JOBQ_COUNT; q++) {
		queued[q] = jobs_queued(srv->jobs, (enum job_queue)q);
		running[q] = jobs_running(srv->jobs, (enum job_queue)q);
	}
	text = metrics_render(srv->metrics, queued, running, srv->nworkers, srv->inflight);

	if (text == NULL) {
		http_fail(c, PP_ERR_INTERNAL, "out of memory");
		return;
	}
	http_reply_bytes(c, 200, "text/plain; version=0.0.4", text, strlen(text));
	free(text);
}
