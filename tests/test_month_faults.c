/*
 * test_month_faults.c - the month solver under failure: every allocation
 * that fails and every GLPK error ends month_solve() and month_export_lp()
 * with an `internal` error, frees what it allocated and leaves the thread
 * able to solve again.
 *
 * The binary is linked with -Wl,--wrap for malloc, calloc, realloc and a
 * few GLPK functions, so the solver's calls (pp_solver is a static library
 * linked into this binary) come here first; GLPK's own allocations inside
 * libglpk are not intercepted, which is fine: a failure there is a GLPK
 * error, tested separately.  A run with nothing forced records, per call
 * site of an allocation, its first and last call; each of those calls is
 * then made to fail in a run of its own, so every allocating line of the
 * solver fails at least once, early and late in the solve.  The solver's
 * temporaries all come from one line (month_scratch_alloc), so every
 * allocation of the solve fails in turn too (every Nth beyond 1,000: these
 * small months make 170 to 560).  GLPK errors
 * are forced by glp_error() at the Nth call of glp_add_rows (building,
 * fixing levels, releasing lazy columns, the conflict models),
 * glp_simplex (root LPs, pricing, the dive), glp_intopt (the search, the
 * dive's polish, the conflict checks) and glp_write_lp, for N through
 * the whole run in at most ~25 steps.  Leaks are what the sanitizer build
 * (detect_leaks=1) reports at exit.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <glpk.h>

#include "month.h"
#include "month_json.h"
#include "test_file.h"

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
int __real_glp_add_rows(glp_prob *P, int nrs);
int __real_glp_simplex(glp_prob *P, const glp_smcp *parm);
int __real_glp_intopt(glp_prob *P, const glp_iocp *parm);
int __real_glp_write_lp(glp_prob *P, const glp_cpxcp *parm, const char *fname);

void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);
int __wrap_glp_add_rows(glp_prob *P, int nrs);
int __wrap_glp_simplex(glp_prob *P, const glp_smcp *parm);
int __wrap_glp_intopt(glp_prob *P, const glp_iocp *parm);
int __wrap_glp_write_lp(glp_prob *P, const glp_cpxcp *parm, const char *fname);

#define MAX_SITES 1024

/* One call site of an allocation: its first and last call in a clean run. */
struct site {
	void *addr;
	long first, last;
};

enum glpk_fn { G_ADD_ROWS, G_SIMPLEX, G_INTOPT, G_WRITE_LP, G_COUNT };

static const char *const glpk_fn_name[G_COUNT] = {"glp_add_rows", "glp_simplex", "glp_intopt",
						  "glp_write_lp"};

static struct {
	int armed;        /* count (and maybe fail) calls only while the solver runs */
	long nalloc;      /* allocations since armed */
	long fail_alloc;  /* make this allocation fail (1-based), 0 none */
	int alloc_failed; /* it did */
	struct site sites[MAX_SITES];
	int nsites;
	int recording;
	long glpk_calls[G_COUNT];
	int glpk_fail_fn; /* enum glpk_fn, or -1 */
	long glpk_fail_at;
	int glpk_failed;
} fx = {.glpk_fail_fn = -1};

static struct month_input agency, infeasible, replan;
static char lp_path[] = "/tmp/test_month_faults_XXXXXX";

static void record_site(void *addr)
{
	for (int t = 0; t < fx.nsites; t++)
		if (fx.sites[t].addr == addr) {
			fx.sites[t].last = fx.nalloc;
			return;
		}
	if (fx.nsites < MAX_SITES)
		fx.sites[fx.nsites++] = (struct site){addr, fx.nalloc, fx.nalloc};
}

/* Count an allocation from site; true when it is the one to fail. */
static int alloc_fails(void *site)
{
	if (!fx.armed)
		return 0;
	fx.nalloc++;
	if (fx.recording)
		record_site(site);
	if (fx.nalloc != fx.fail_alloc)
		return 0;
	fx.alloc_failed = 1;
	return 1;
}

void *__wrap_malloc(size_t n)
{
	return alloc_fails(__builtin_return_address(0)) ? NULL : __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t size)
{
	return alloc_fails(__builtin_return_address(0)) ? NULL : __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t n)
{
	return alloc_fails(__builtin_return_address(0)) ? NULL : __real_realloc(p, n);
}

/* GLPK's terminal output, swallowed (the forced error's message). */
static int quiet(void *info, const char *s)
{
	(void)info;
	(void)s;
	return 1;
}

/* Count a call of GLPK function f; raise a GLPK error when it is the one. */
static void glpk_call(enum glpk_fn f)
{
	if (!fx.armed)
		return;
	if (++fx.glpk_calls[f] == fx.glpk_fail_at && (int)f == fx.glpk_fail_fn) {
		fx.glpk_failed = 1;
		glp_term_hook(quiet, NULL);
		glp_error("forced failure of %s\n", glpk_fn_name[f]);
	}
}

int __wrap_glp_add_rows(glp_prob *P, int nrs)
{
	glpk_call(G_ADD_ROWS);
	return __real_glp_add_rows(P, nrs);
}

int __wrap_glp_simplex(glp_prob *P, const glp_smcp *parm)
{
	glpk_call(G_SIMPLEX);
	return __real_glp_simplex(P, parm);
}

int __wrap_glp_intopt(glp_prob *P, const glp_iocp *parm)
{
	glpk_call(G_INTOPT);
	return __real_glp_intopt(P, parm);
}

int __wrap_glp_write_lp(glp_prob *P, const glp_cpxcp *parm, const char *fname)
{
	glpk_call(G_WRITE_LP);
	return __real_glp_write_lp(P, parm, fname);
}

/* What one run does. */
struct scenario {
	const char *name;
	const struct month_input *in;
	int price_from; /* 0: the default; 1: every model priced */
	int export_lp;  /* month_export_lp instead of month_solve */
};

/* Run the scenario once with the faults set in fx; returns the solver's
 * return value, with err filled. */
static int run(const struct scenario *sc, struct pp_error *err)
{
	struct month_ctl ctl;
	struct month_result res;
	int rc;

	memset(&ctl, 0, sizeof ctl);
	ctl.price_from = sc->price_from;
	memset(err, 0, sizeof *err);
	fx.nalloc = 0;
	fx.alloc_failed = 0;
	fx.glpk_failed = 0;
	memset(fx.glpk_calls, 0, sizeof fx.glpk_calls);
	fx.armed = 1;
	if (sc->export_lp)
		rc = month_export_lp(sc->in, lp_path, err);
	else
		rc = month_solve(sc->in, &ctl, &res, err);
	fx.armed = 0;
	if (rc == 0 && !sc->export_lp)
		month_result_free(&res);
	return rc;
}

static const struct scenario scenarios[] = {
    {"agency-40", &agency, 0, 0},
    {"agency-40 priced", &agency, 1, 0},
    {"infeasible (conflicts)", &infeasible, 0, 0},
    {"agency-40 export", &agency, 0, 1},
    {"replan-agency-40 (changes level)", &replan, 0, 0},
};

#define NSCENARIOS (sizeof scenarios / sizeof scenarios[0])

/* A run with nothing forced must succeed: it also shows that the failures
 * before it left the thread's GLPK in a usable state. */
static void clean_run(const struct scenario *sc)
{
	struct pp_error err;

	fx.fail_alloc = 0;
	fx.glpk_fail_fn = -1;
	if (run(sc, &err) != 0)
		fail_msg("%s: a clean run failed: %s", sc->name, err.message);
}

static int cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return (x > y) - (x < y);
}

static void test_alloc_failures(void **state)
{
	(void)state;
	for (size_t s = 0; s < NSCENARIOS; s++) {
		const struct scenario *sc = &scenarios[s];
		long at[2 * MAX_SITES + 1000], total, step;
		int nat = 0, forced = 0;

		fx.nsites = 0;
		fx.recording = 1;
		clean_run(sc);
		fx.recording = 0;
		total = fx.nalloc;
		for (int t = 0; t < fx.nsites; t++) {
			at[nat++] = fx.sites[t].first;
			if (fx.sites[t].last != fx.sites[t].first)
				at[nat++] = fx.sites[t].last;
		}
		/* the solver's temporaries share one call site (month_scratch_alloc):
		 * also every step-th allocation through the whole solve (every one
		 * while there are at most 1,000) */
		step = total / 1000 + 1;
		for (long n = step; n <= total && nat < (int)(sizeof at / sizeof at[0]); n += step)
			at[nat++] = n;
		qsort(at, (size_t)nat, sizeof *at, cmp_long);
		for (int t = 0; t < nat; t++) {
			struct pp_error err;
			int rc;

			if (t > 0 && at[t] == at[t - 1])
				continue;
			fx.fail_alloc = at[t];
			rc = run(sc, &err);
			fx.fail_alloc = 0;
			if (!fx.alloc_failed)
				continue; /* the run took another path before it */
			forced++;
			if (rc != -1 || err.code != PP_ERR_INTERNAL)
				fail_msg("%s: allocation %ld failed: returned %d, error '%s' (%s)",
					 sc->name, at[t], rc, pp_errcode_name(err.code),
					 err.message);
		}
		print_message("%s: %ld allocations from %d call sites, %d runs with one failing\n",
			      sc->name, total, fx.nsites, forced);
		assert_true(forced > 0);
		clean_run(sc);
	}
}

static void test_glpk_errors(void **state)
{
	(void)state;
	for (size_t s = 0; s < NSCENARIOS; s++) {
		const struct scenario *sc = &scenarios[s];
		long calls[G_COUNT];

		clean_run(sc);
		memcpy(calls, fx.glpk_calls, sizeof calls);
		for (int f = 0; f < G_COUNT; f++) {
			long step = calls[f] / 25 + 1;
			int forced = 0;

			for (long n = 1; n <= calls[f];
			     n = n < calls[f] && n + step > calls[f] ? calls[f] : n + step) {
				struct pp_error err;
				int rc;

				fx.glpk_fail_fn = f;
				fx.glpk_fail_at = n;
				rc = run(sc, &err);
				fx.glpk_fail_fn = -1;
				if (!fx.glpk_failed)
					continue;
				forced++;
				if (rc != -1 || err.code != PP_ERR_INTERNAL)
					fail_msg("%s: %s call %ld failed: returned %d, error '%s'",
						 sc->name, glpk_fn_name[f], n, rc,
						 pp_errcode_name(err.code));
			}
			if (calls[f] > 0)
				print_message("%s: %s, %ld calls, %d forced errors\n", sc->name,
					      glpk_fn_name[f], calls[f], forced);
		}
		clean_run(sc);
	}
}

/* month_solve() and month_export_lp() free the thread's GLPK environment
 * themselves: glp_free_env() then finds none to free (it returns 1). */
static void test_glpk_env_freed(void **state)
{
	(void)state;
	for (size_t s = 0; s < NSCENARIOS; s++) {
		clean_run(&scenarios[s]);
		if (glp_free_env() != 1)
			fail_msg("%s: the solver left a GLPK environment", scenarios[s].name);
	}
}

static void load(const char *path, struct month_input *in)
{
	struct pp_error err = {0};
	size_t n;
	char *buf = test_read_file(path, &n);

	if (month_parse(buf, n, in, &err) < 0)
		fail_msg("%s: %s: %s", path, err.path, err.message);
	free(buf);
}

static int setup(void **state)
{
	int fd = mkstemp(lp_path);

	(void)state;
	if (fd < 0)
		return -1;
	close(fd);
	load(PP_EXAMPLES_DIR "/month-agency-40.json", &agency);
	load(PP_EXAMPLES_DIR "/month-infeasible.json", &infeasible);
	load(PP_EXAMPLES_DIR "/replan-agency-40.json", &replan);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	month_input_free(&agency);
	month_input_free(&infeasible);
	month_input_free(&replan);
	remove(lp_path);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_alloc_failures),
	    cmocka_unit_test(test_glpk_errors),
	    cmocka_unit_test(test_glpk_env_freed),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
