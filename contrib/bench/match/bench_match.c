/*
 * bench_match.c - solve one matching batch (MODEL.md section 2) and print
 * how long it took and what it found, as one JSON line:
 *
 *   {"parents": N, "specialists": M, "parse_seconds": ..., "solve_seconds": ...,
 *    "solve_cpu_seconds": ..., "matched_priority": ..., "total_fit": ...,
 *    "matched": ..., "rounds": ..., "arcs": ...}
 *
 * solve_seconds is match_solve() end to end (fits of every pair, the flow
 * with its pricing rounds, the result with breakdowns) on the monotonic
 * clock; solve_cpu_seconds the process CPU time of the same span, which a
 * busy machine inflates less.
 * Used by run.sh; links only api/ and solver/, like `peerplan match`.
 *
 * Exit codes: 0 solved, 1 unreadable file, 2 invalid batch, 4 solve failed,
 * 64 usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "match.h"
#include "match_json.h"

static double clock_s(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double now_s(void)
{
	return clock_s(CLOCK_MONOTONIC);
}

/* Read all of path into a malloc'd buffer; NULL on failure. */
static char *slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *buf = NULL;
	size_t n = 0, cap = 0;

	if (fp == NULL)
		return NULL;
	for (;;) {
		size_t got;

		if (cap - n < 65536) {
			char *nb = realloc(buf, cap = cap ? 2 * cap : 1 << 20);

			if (nb == NULL) {
				free(buf);
				fclose(fp);
				return NULL;
			}
			buf = nb;
		}
		got = fread(buf + n, 1, cap - n, fp);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(fp)) {
		free(buf);
		buf = NULL;
	}
	fclose(fp);
	*len = n;
	return buf;
}

int main(int argc, char **argv)
{
	struct match_input in;
	struct match_result res;
	struct pp_error err = {0};
	double t0, t1, t2, c1, c2;
	size_t len;
	char *buf;

	if (argc != 2) {
		fprintf(stderr, "usage: bench_match BATCH.json\n");
		return 64;
	}
	buf = slurp(argv[1], &len);
	if (buf == NULL) {
		perror(argv[1]);
		return 1;
	}
	t0 = now_s();
	if (match_parse(buf, len, &in, &err) < 0) {
		fprintf(stderr, "bench_match: %s: %s\n", err.path, err.message);
		free(buf);
		return 2;
	}
	free(buf);
	t1 = now_s();
	c1 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
	if (match_solve(&in, &res, &err) < 0) {
		fprintf(stderr, "bench_match: %s\n", err.message);
		match_input_free(&in);
		return 4;
	}
	t2 = now_s();
	c2 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
	printf("{\"parents\": %d, \"specialists\": %d, \"parse_seconds\": %.3f, "
	       "\"solve_seconds\": %.3f, \"solve_cpu_seconds\": %.3f, \"matched_priority\": %ld, "
	       "\"total_fit\": %.10f, \"matched\": %d, \"rounds\": %d, \"arcs\": %ld}\n",
	       in.nparents, in.nspecialists, t1 - t0, t2 - t1, c2 - c1, res.matched_priority,
	       res.total_fit, res.nmatches, res.rounds, res.arcs);
	match_result_free(&res);
	match_input_free(&in);
	return 0;
}
