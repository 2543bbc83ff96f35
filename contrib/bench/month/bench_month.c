/*
 * bench_month.c - solve one month document and print one JSON line of
 * measurements: the benchmark driver behind contrib/bench/month/run.sh.
 *
 * Usage: bench_month FILE.json [--time-limit S]
 *
 * The document is parsed with api/month_json.c exactly as `peerplan solve`
 * parses it, then solved with month_solve().  The per-level timing comes
 * from the progress callback: month_solve() reports once, forced, when each
 * objective starts (stage "coverage", "comfort+preference", "cost", and
 * "changes" in a re-plan) and once when it is done, so the first report of
 * an objective is the time it starts, and it lasts until the next one
 * starts (or the solve ends).  Comfort and preference are solved as one
 * objective: its time is comfort's, and preference's stays null.  A
 * re-plan's changes level is timed the same way (changes_start,
 * changes_seconds), whether it comes first or second.  Everything before
 * the first objective starts -- candidates, static filters, the model
 * build and the greedy first plan -- is `build_seconds`.
 * Peak memory is getrusage()'s ru_maxrss (kilobytes on Linux) for the
 * whole process, parsing included.
 *
 * The output line (keys in this order): file, parents, time_limit, status,
 * levels_proven, gap, parse_seconds, build_seconds, level_start[4],
 * level_seconds[4] (coverage, comfort, preference, cost; null for a level
 * never started), changes_start, changes_seconds, seconds (month_solve's
 * own total), nodes, objective, peak_rss_kb, cpu_seconds (user + system
 * time of the whole process: on a loaded machine the wall-clock seconds
 * above include time the solve waited for a core).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <jansson.h>

#include "month.h"
#include "month_json.h"

#define BENCH_LEVELS  5
#define BENCH_CHANGES 4 /* the index of the changes level below */

/* The stage month_solve() reports for each objective (preference is solved
 * with comfort, so its own stage never comes). */
static const char *const bench_level_stage[BENCH_LEVELS] = {"coverage", "comfort+preference",
							    "preference", "cost", "changes"};

/* What the progress callback records: first report of each level, and the end. */
struct bench_timing {
	double level_start[BENCH_LEVELS]; /* < 0 until the level starts */
	double done;                      /* < 0 until "done" is reported */
};

static double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Progress callback: keep the first time each level is reported, and "done". */
static void bench_progress(const struct month_progress *p, void *arg)
{
	struct bench_timing *t = arg;

	if (p->stage == NULL)
		return;
	if (strcmp(p->stage, "done") == 0) {
		t->done = p->seconds;
		return;
	}
	for (int l = 0; l < BENCH_LEVELS; l++)
		if (strcmp(p->stage, bench_level_stage[l]) == 0 && t->level_start[l] < 0)
			t->level_start[l] = p->seconds;
}

/* A JSON number, or null for a negative (absent) value. */
static json_t *bench_seconds(double s)
{
	return s < 0 ? json_null() : json_real(s);
}

/* The measurement line for one solved month; a new reference or NULL. */
static json_t *bench_report(const char *path, const struct month_input *in,
			    const struct month_result *res, const struct bench_timing *t,
			    double parse_seconds)
{
	json_t *starts = json_array(), *lengths = json_array(), *obj, *line;
	double end = t->done >= 0 ? t->done : res->seconds, cpu, len[BENCH_LEVELS];
	double first = -1;
	struct rusage ru;

	memset(&ru, 0, sizeof ru);
	getrusage(RUSAGE_SELF, &ru);
	/* an objective lasts until the next one to start (or the end) */
	for (int l = 0; l < BENCH_LEVELS; l++) {
		double next = end;

		len[l] = -1;
		if (t->level_start[l] < 0)
			continue;
		for (int u = 0; u < BENCH_LEVELS; u++)
			if (t->level_start[u] > t->level_start[l] && t->level_start[u] < next)
				next = t->level_start[u];
		len[l] = next - t->level_start[l];
		if (first < 0 || t->level_start[l] < first)
			first = t->level_start[l];
	}
	for (int l = 0; l < BENCH_CHANGES; l++) {
		json_array_append_new(starts, bench_seconds(t->level_start[l]));
		json_array_append_new(lengths, bench_seconds(len[l]));
	}
	obj = json_pack("{s:I, s:I, s:I, s:I, s:f}", "changes", (json_int_t)res->objective.changes,
			"coverage", (json_int_t)res->objective.coverage, "comfort_deviation",
			(json_int_t)res->objective.comfort_deviation, "preference",
			(json_int_t)res->objective.preference, "cost", res->objective.cost);
	cpu = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	      (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
	line = json_pack(
	    "{s:s, s:i, s:f, s:s, s:i, s:f, s:f, s:o, s:o, s:o, s:o, s:o, s:f, s:I, s:o, s:I, s:f}",
	    "file", path, "parents", in->nparents, "time_limit", in->policy.time_limit_s, "status",
	    month_status_name(res->status), "levels_proven", res->levels_proven, "gap", res->gap,
	    "parse_seconds", parse_seconds, "build_seconds", bench_seconds(first), "level_start",
	    starts, "level_seconds", lengths, "changes_start",
	    bench_seconds(t->level_start[BENCH_CHANGES]), "changes_seconds",
	    bench_seconds(len[BENCH_CHANGES]), "seconds", res->seconds, "nodes",
	    (json_int_t)res->nodes, "objective", obj, "peak_rss_kb", (json_int_t)ru.ru_maxrss,
	    "cpu_seconds", cpu);
	return line;
}

static int bench_usage(const char *why)
{
	fprintf(stderr, "bench_month: %s\nusage: bench_month FILE.json [--time-limit S]\n", why);
	return 64;
}

int main(int argc, char **argv)
{
	struct bench_timing timing = {{-1, -1, -1, -1, -1}, -1};
	struct month_ctl ctl = {.progress = bench_progress, .progress_arg = &timing};
	struct month_input in;
	struct month_result res;
	struct pp_error err = {0};
	json_error_t jerr;
	const char *path = NULL;
	double limit = 0, t0;
	json_t *doc, *line;
	char *s, *end;
	int rc = 1;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--time-limit") == 0 && i + 1 < argc) {
			errno = 0;
			limit = strtod(argv[++i], &end);
			if (errno != 0 || *end != '\0' || !(limit > 0))
				return bench_usage("--time-limit needs a number of seconds > 0");
		} else if (argv[i][0] == '-' || path != NULL) {
			return bench_usage("bad arguments");
		} else {
			path = argv[i];
		}
	}
	if (path == NULL)
		return bench_usage("missing FILE");

	t0 = bench_now();
	doc = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (doc == NULL) {
		fprintf(stderr, "bench_month: %s: %s\n", path, jerr.text);
		return 1;
	}
	rc = month_parse_json(doc, &in, &err);
	json_decref(doc);
	if (rc < 0) {
		fprintf(stderr, "bench_month: %s: %s\n", path, err.message);
		return 1;
	}
	if (limit > 0)
		in.policy.time_limit_s = limit;
	t0 = bench_now() - t0;

	rc = 1;
	if (month_solve(&in, &ctl, &res, &err) < 0) {
		fprintf(stderr, "bench_month: %s: %s\n", path, err.message);
		month_input_free(&in);
		return 1;
	}
	line = bench_report(path, &in, &res, &timing, t0);
	s = line != NULL
		? json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6))
		: NULL;
	if (s != NULL && printf("%s\n", s) > 0 && fflush(stdout) == 0)
		rc = 0;
	else
		fprintf(stderr, "bench_month: could not write the result\n");
	free(s);
	json_decref(line);
	month_result_free(&res);
	month_input_free(&in);
	return rc;
}
