/*
 * res_metrics.c - GET /metrics: the Prometheus text of metrics.c, with the
 * live queue gauges read from the solver pool.
 */
#include <stdlib.h>
#include <string.h>

#include "jobs.h"
#include "metrics.h"
#include "routes.h"

void res_metrics_get(struct http_call *c)
{
	struct server *srv = c->srv;
	char *text = metrics_render(srv->metrics, jobs_queued(srv->jobs), jobs_running(srv->jobs),
				    srv->nworkers, srv->inflight);

	if (text == NULL) {
		http_fail(c, PP_ERR_INTERNAL, "out of memory");
		return;
	}
	http_reply_bytes(c, 200, "text/plain; version=0.0.4", text, strlen(text));
	free(text);
}
