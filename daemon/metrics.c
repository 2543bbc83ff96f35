/*
 * metrics.c - request, latency and solve counters, rendered as Prometheus
 * text exposition (version 0.0.4).
 *
 * Request counters live in a small array of (route, status) cells found by
 * linear search: there are a dozen routes and a handful of statuses, so the
 * array stays tiny.  Route names come from the route table.
 */
#include "metrics.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

#define METRICS_CELLS       256
#define METRICS_SOLVE_KINDS 8

static const double metrics_buckets[] = {0.001, 0.005, 0.01, 0.025, 0.05, 0.1,
					 0.25,  0.5,   1,    2.5,   5,    10};
#define METRICS_NBUCKETS ((int)(sizeof metrics_buckets / sizeof metrics_buckets[0]))

/* The `kind` label of the pool's queues. */
static const char *const metrics_kinds[JOBQ_COUNT] = {[JOBQ_PLAN] = "plan", [JOBQ_MATCH] = "match"};

struct metrics_cell {
	int route, status;
	unsigned long count;
};

struct metrics {
	struct metrics_cell cells[METRICS_CELLS];
	int ncells;
	unsigned long bucket[METRICS_NBUCKETS + 1]; /* last = +Inf */
	double latency_sum;
	unsigned long latency_count;
	char solve_status[METRICS_SOLVE_KINDS][16];
	unsigned long solves[METRICS_SOLVE_KINDS];
	int nsolve;
	double solve_seconds;
	unsigned long solve_count;
};

struct metrics *metrics_new(void)
{
	return calloc(1, sizeof(struct metrics));
}

void metrics_free(struct metrics *m)
{
	free(m);
}

void metrics_request(struct metrics *m, int route, int status, double seconds)
{
	int i;

	if (m == NULL)
		return;
	for (i = 0; i < m->ncells; i++)
		if (m->cells[i].route == route && m->cells[i].status == status)
			break;
	if (i == m->ncells && m->ncells < METRICS_CELLS)
		m->cells[m->ncells++] = (struct metrics_cell){route, status, 0};
	if (i < m->ncells)
		m->cells[i].count++;
	for (i = 0; i < METRICS_NBUCKETS && seconds > metrics_buckets[i]; i++)
		;
	m->bucket[i]++;
	m->latency_sum += seconds;
	m->latency_count++;
}

void metrics_solve(struct metrics *m, const char *status, double seconds)
{
	int i;

	for (i = 0; i < m->nsolve; i++)
		if (strcmp(m->solve_status[i], status) == 0)
			break;
	if (i == m->nsolve && m->nsolve < METRICS_SOLVE_KINDS)
		snprintf(m->solve_status[m->nsolve++], sizeof m->solve_status[0], "%s", status);
	if (i < m->nsolve)
		m->solves[i]++;
	m->solve_seconds += seconds;
	m->solve_count++;
}

char *metrics_render(struct metrics *m, const int queued[JOBQ_COUNT], const int running[JOBQ_COUNT],
		     int workers, int inflight)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	unsigned long cum = 0;

	if (f == NULL)
		return NULL;
	fprintf(f, "# HELP peerplan_requests_total HTTP requests answered, by route and status.\n"
		   "# TYPE peerplan_requests_total counter\n");
	for (int i = 0; i < m->ncells; i++)
		fprintf(f, "peerplan_requests_total{route=\"%s\",status=\"%d\"} %lu\n",
			m->cells[i].route >= 0 ? routes[m->cells[i].route].name : "none",
			m->cells[i].status, m->cells[i].count);
	fprintf(f, "# HELP peerplan_request_seconds Time from request to reply.\n"
		   "# TYPE peerplan_request_seconds histogram\n");
	for (int i = 0; i <= METRICS_NBUCKETS; i++) {
		cum += m->bucket[i];
		if (i < METRICS_NBUCKETS)
			fprintf(f, "peerplan_request_seconds_bucket{le=\"%g\"} %lu\n",
				metrics_buckets[i], cum);
		else
			fprintf(f, "peerplan_request_seconds_bucket{le=\"+Inf\"} %lu\n", cum);
	}
	fprintf(f, "peerplan_request_seconds_sum %.6f\npeerplan_request_seconds_count %lu\n",
		m->latency_sum, m->latency_count);
	fprintf(f, "# HELP peerplan_queue_depth Solves waiting for a solver thread, by kind.\n"
		   "# TYPE peerplan_queue_depth gauge\n");
	for (int q = 0; q < JOBQ_COUNT; q++)
		fprintf(f, "peerplan_queue_depth{kind=\"%s\"} %d\n", metrics_kinds[q], queued[q]);
	fprintf(f, "# HELP peerplan_solves_running Solves running now, by kind (all together "
		   "at most peerplan_workers).\n"
		   "# TYPE peerplan_solves_running gauge\n");
	for (int q = 0; q < JOBQ_COUNT; q++)
		fprintf(f, "peerplan_solves_running{kind=\"%s\"} %d\n", metrics_kinds[q],
			running[q]);
	fprintf(f,
		"# HELP peerplan_workers Solver threads.\n"
		"# TYPE peerplan_workers gauge\npeerplan_workers %d\n"
		"# HELP peerplan_requests_in_progress Requests being handled or held.\n"
		"# TYPE peerplan_requests_in_progress gauge\npeerplan_requests_in_progress %d\n",
		workers, inflight);
	fprintf(f, "# HELP peerplan_solves_total Finished solves, by outcome.\n"
		   "# TYPE peerplan_solves_total counter\n");
	for (int i = 0; i < m->nsolve; i++)
		fprintf(f, "peerplan_solves_total{status=\"%s\"} %lu\n", m->solve_status[i],
			m->solves[i]);
	fprintf(f,
		"# HELP peerplan_solve_seconds Solver time of finished solves.\n"
		"# TYPE peerplan_solve_seconds summary\n"
		"peerplan_solve_seconds_sum %.6f\npeerplan_solve_seconds_count %lu\n",
		m->solve_seconds, m->solve_count);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}
