/*
 * test_match_solve.c - the batch matching of solver/match_flow.c: small
 * batches whose optimum is worked out by hand, every unmatched reason,
 * capacity taken by existing pairs, a brute-force cross-check over 300
 * random small batches (every feasible matching enumerated, both objective
 * levels compared), and a cross-check of larger batches against GLPK's
 * simplex (level 1: the assignment LP is totally unimodular) and branch and
 * bound (level 2, with the priority row added), where the sparse pricing of
 * the flow is exercised.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <glpk.h>
#include <math.h>

#include "match_build.h"

/* Solve and check the invariants every result must satisfy. */
static void solve(const struct match_input *in, struct match_result *res)
{
	struct pp_error err = {0};
	int *load = calloc((size_t)in->nspecialists + 1, sizeof(int));
	long prio = 0;
	double fit = 0;

	assert_int_equal(match_solve(in, res, &err), 0);
	assert_int_equal(res->status, MATCH_OPTIMAL);
	assert_int_equal(res->nmatches + res->nunmatched, in->nparents);
	match_caseload(in, load);
	for (int i = 0; i < res->nmatches; i++) {
		const struct match_assignment *m = &res->matches[i];

		assert_true(match_eligible(in, &in->parents[m->parent],
					   &in->specialists[m->specialist], NULL));
		load[m->specialist]++;
		prio += in->parents[m->parent].priority;
		fit += m->fit.fit;
		if (i > 0)
			assert_true(res->matches[i - 1].parent < m->parent);
	}
	/* New pairs never push a specialist over capacity (existing ones may
	 * already be over it). */
	{
		int *old = calloc((size_t)in->nspecialists + 1, sizeof(int));

		match_caseload(in, old);
		for (int s = 0; s < in->nspecialists; s++)
			if (load[s] > old[s])
				assert_true(load[s] <= in->specialists[s].capacity);
		free(old);
	}
	assert_int_equal(res->matched_priority, prio);
	assert_float_equal(res->total_fit, fit, 1e-12);
	/* An optimal batch never leaves a parent out while an eligible
	 * specialist has room. */
	for (int i = 0; i < res->nunmatched; i++) {
		const struct match_parent *p = &in->parents[res->unmatched[i].parent];

		assert_true(res->unmatched[i].reasons != 0);
		for (int s = 0; s < in->nspecialists; s++)
			if (match_eligible(in, p, &in->specialists[s], NULL))
				assert_true(load[s] >= in->specialists[s].capacity);
	}
	free(load);
}

static int matched_to(const struct match_result *res, int parent)
{
	for (int i = 0; i < res->nmatches; i++)
		if (res->matches[i].parent == parent)
			return res->matches[i].specialist;
	return -1;
}

static unsigned reasons_of(const struct match_result *res, int parent)
{
	for (int i = 0; i < res->nunmatched; i++)
		if (res->unmatched[i].parent == parent)
			return res->unmatched[i].reasons;
	return 0;
}

/* One seat, two parents: priority 2 beats a better fit at priority 1. */
static void test_priority_before_fit(void **state)
{
	struct match_input in = {0};
	struct match_result res;
	int s, a, b;

	mb_policy(&in, 1.0, 0.5, true); /* fit = E */
	s = mb_spec(&in, "S1", 1, "en", "money", "");
	a = mb_parent(&in, "A", 1, "en", "money", "");  /* fit 1 */
	b = mb_parent(&in, "B", 2, "en", "crisis", ""); /* fit 0 */
	solve(&in, &res);
	assert_int_equal(matched_to(&res, b), s);
	assert_int_equal(reasons_of(&res, a), MR_CAPACITY);
	assert_int_equal(res.matched_priority, 2);
	assert_float_equal(res.total_fit, 0.0, 1e-12);
	match_result_free(&res);
	match_input_free(&in);
}

/* Greedy by best fit gives A-S1 (1) + B-S2 (0) = 1; the optimum is
 * A-S2 (1) + B-S1 (1) = 2. */
static void test_total_fit_not_greedy(void **state)
{
	struct match_input in = {0};
	struct match_result res;
	int s1, s2, a, b;

	mb_policy(&in, 1.0, 0.5, true);
	s1 = mb_spec(&in, "S1", 1, "en", "p,q", "");
	s2 = mb_spec(&in, "S2", 1, "en", "p", "");
	a = mb_parent(&in, "A", 1, "en", "p", "");
	b = mb_parent(&in, "B", 1, "en", "q", "");
	solve(&in, &res);
	assert_int_equal(matched_to(&res, a), s2);
	assert_int_equal(matched_to(&res, b), s1);
	assert_float_equal(res.total_fit, 2.0, 1e-12);
	match_result_free(&res);
	match_input_free(&in);
}

/* S1 has two seats, one taken by an existing pair; A and B (priority 1,
 * fit 1/2 each) compete with C (priority 2, fit 1) for the last one. */
static void test_priority_sum_tie_then_fit(void **state)
{
	struct match_input in = {0};
	struct match_result res;
	int s1, a, b, c;

	mb_policy(&in, 1.0, 0.5, true);
	s1 = mb_spec(&in, "S1", 2, "en", "x,y", "");
	mb_spec(&in, "S2", 1, "fr", "", "");
	a = mb_parent(&in, "A", 1, "en", "x,z", ""); /* E = 1/2 */
	b = mb_parent(&in, "B", 1, "en", "y,z", ""); /* E = 1/2 */
	c = mb_parent(&in, "C", 2, "en", "x,y", ""); /* E = 1 */
	mb_existing(&in, "OLD", s1);                 /* one seat left */
	solve(&in, &res);
	/* One seat: C (priority 2) beats A or B (priority 1). */
	assert_int_equal(matched_to(&res, c), s1);
	assert_int_equal(reasons_of(&res, a), MR_CAPACITY);
	assert_int_equal(reasons_of(&res, b), MR_CAPACITY);
	assert_int_equal(res.matched_priority, 2);
	assert_float_equal(res.total_fit, 1.0, 1e-12);
	match_result_free(&res);
	match_input_free(&in);
}

/* language, excluded (both directions), capacity, and their combination. */
static void test_every_reason(void **state)
{
	struct match_input in = {0};
	struct match_result res;
	int lang, excl, both, byspec, full;

	mb_policy(&in, 0.3, 0.5, true);
	mb_spec(&in, "S1", 1, "en", "", "P-BYSPEC");
	mb_spec(&in, "S2", 1, "fr", "", "");
	mb_existing(&in, "OLD1", 1);                           /* S2 is full */
	lang = mb_parent(&in, "P-LANG", 1, "de", "", "");      /* fails language with both */
	excl = mb_parent(&in, "P-EXCL", 5, "en,fr", "", "S1"); /* S1 excluded, S2 full */
	both = mb_parent(&in, "P-BOTH", 5, "en", "", "S1");    /* S1 excluded, S2 language */
	byspec = mb_parent(&in, "P-BYSPEC", 5, "en", "", "");  /* S1 excludes it; S2 language */
	full = mb_parent(&in, "P-FULL", 1, "en", "", "");      /* takes or loses S1 */
	solve(&in, &res);
	assert_int_equal(reasons_of(&res, lang), MR_LANGUAGE);
	assert_int_equal(reasons_of(&res, excl), MR_CAPACITY); /* S2 eligible but full */
	assert_int_equal(reasons_of(&res, both), MR_LANGUAGE | MR_EXCLUDED);
	assert_int_equal(reasons_of(&res, byspec), MR_LANGUAGE | MR_EXCLUDED);
	assert_int_equal(matched_to(&res, full), 0);
	assert_string_equal(match_reason_name(MR_LANGUAGE), "language");
	assert_string_equal(match_reason_name(MR_EXCLUDED), "excluded");
	assert_string_equal(match_reason_name(MR_CAPACITY), "capacity");
	assert_string_equal(match_reason_name(MR_NO_SPECIALISTS), "no_specialists");
	match_result_free(&res);

	/* Without require_language only exclusions and capacity remain. */
	in.policy.require_language = false;
	solve(&in, &res);
	assert_int_equal(res.nmatches, 1); /* S1 has one seat, S2 none */
	assert_int_equal(reasons_of(&res, both), MR_CAPACITY);
	match_result_free(&res);
	match_input_free(&in);
}

static void test_no_specialists(void **state)
{
	struct match_input in = {0};
	struct match_result res;

	mb_policy(&in, 0.3, 0.5, true);
	mb_parent(&in, "P1", 1, "en", "", "");
	solve(&in, &res);
	assert_int_equal(res.nunmatched, 1);
	assert_int_equal(res.unmatched[0].reasons, MR_NO_SPECIALISTS);
	assert_int_equal(res.matched_priority, 0);
	match_result_free(&res);
	match_input_free(&in);
}

static void test_empty_batch(void **state)
{
	struct match_input in = {0};
	struct match_result res;

	mb_policy(&in, 0.3, 0.5, true);
	mb_spec(&in, "S1", 1, "en", "", "");
	solve(&in, &res);
	assert_int_equal(res.nmatches, 0);
	assert_int_equal(res.nunmatched, 0);
	match_result_free(&res);
	match_input_free(&in);
}

/* Existing pairs take seats, even beyond capacity; capacity 0 takes none. */
static void test_capacity_with_existing(void **state)
{
	struct match_input in = {0};
	struct match_result res;
	int s1, s2, s3;

	mb_policy(&in, 0.3, 0.5, true);
	s1 = mb_spec(&in, "S1", 3, "en", "", "");
	s2 = mb_spec(&in, "S2", 1, "en", "", "");
	s3 = mb_spec(&in, "S3", 0, "en", "", "");
	mb_existing(&in, "E1", s1);
	mb_existing(&in, "E2", s1);
	mb_existing(&in, "E3", s2);
	mb_existing(&in, "E4", s2); /* S2 is over capacity already */
	for (int i = 0; i < 4; i++) {
		char id[8];

		snprintf(id, sizeof id, "P%d", i);
		mb_parent(&in, id, 1, "en", "", "");
	}
	solve(&in, &res);
	assert_int_equal(res.nmatches, 1); /* only S1's third seat */
	assert_int_equal(res.matches[0].specialist, s1);
	for (int i = 0; i < res.nunmatched; i++)
		assert_int_equal(res.unmatched[i].reasons, MR_CAPACITY);
	(void)s3;
	match_result_free(&res);
	match_input_free(&in);
}

/* --- random instances --- */

static unsigned rnd_state;

static unsigned rnd(unsigned n)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return (rnd_state >> 16) % n;
}

/* A random subset of pool (comma-joined) of at most max elements. */
static void rnd_set(char *out, size_t len, const char *const *pool, int npool, int max)
{
	int k = (int)rnd((unsigned)max + 1);

	out[0] = '\0';
	for (int i = 0; i < k; i++) {
		size_t l = strlen(out);

		snprintf(out + l, len - l, "%s%s", l ? "," : "", pool[rnd((unsigned)npool)]);
	}
}

static void rnd_instance(struct match_input *in, int np, int ns, int nexisting)
{
	static const char *const langs[] = {"en", "fr", "es"};
	static const char *const dims[] = {"lived", "family", "zone"};
	static const char *const tags[] = {"a", "b", "c", "d"};
	static const char *const needs[] = {"money", "time", "school", "crisis"};
	static const double caps[] = {0.3, 0.4, 0.5, 1.0};
	static const double betas[] = {0.0, 0.3, 0.5, 1.0};
	char buf[128], ex[128];

	memset(in, 0, sizeof *in);
	mb_policy(in, betas[rnd(4)], caps[rnd(4)], rnd(4) != 0);
	for (int d = 0; d < 3; d++)
		if (rnd(3))
			mb_default(in, dims[d], rnd(4));
	for (int s = 0; s < ns; s++) {
		char id[16], l[64], e[64];

		snprintf(id, sizeof id, "S%d", s);
		rnd_set(l, sizeof l, langs, 3, 2);
		rnd_set(e, sizeof e, needs, 4, 3);
		ex[0] = '\0';
		if (rnd(4) == 0)
			snprintf(ex, sizeof ex, "P%u", rnd((unsigned)np + 1));
		mb_spec(in, id, (int)rnd(4), l, e, ex);
		for (int d = 0; d < 3; d++)
			if (rnd(3)) {
				rnd_set(buf, sizeof buf, tags, 4, 2);
				mb_spec_trait(in, s, dims[d], buf);
			}
	}
	for (int p = 0; p < np; p++) {
		char id[16], l[64], n[64];

		snprintf(id, sizeof id, "P%d", p);
		rnd_set(l, sizeof l, langs, 3, 2);
		rnd_set(n, sizeof n, needs, 4, 2);
		ex[0] = '\0';
		if (ns > 0 && rnd(4) == 0)
			snprintf(ex, sizeof ex, "S%u", rnd((unsigned)ns));
		mb_parent(in, id, 1 + (int)rnd(5), l, n, ex);
		for (int d = 0; d < 3; d++) {
			if (rnd(3)) {
				rnd_set(buf, sizeof buf, tags, 4, 2);
				mb_parent_trait(in, p, dims[d], buf);
			}
			if (rnd(4) == 0)
				mb_parent_weight(in, p, dims[d], rnd(4));
		}
	}
	for (int i = 0; ns > 0 && i < nexisting; i++) {
		char id[16];

		snprintf(id, sizeof id, "OLD%d", i);
		mb_existing(in, id, (int)rnd((unsigned)ns));
	}
}

struct brute {
	const struct match_input *in;
	double *fit; /* np x ns, < 0 = ineligible */
	int *room;
	long cur_prio, best_prio;
	double cur_fit, best_fit;
};

static void brute_rec(struct brute *b, int p)
{
	const struct match_input *in = b->in;

	if (p == in->nparents) {
		if (b->cur_prio > b->best_prio ||
		    (b->cur_prio == b->best_prio && b->cur_fit > b->best_fit)) {
			b->best_prio = b->cur_prio;
			b->best_fit = b->cur_fit;
		}
		return;
	}
	brute_rec(b, p + 1);
	for (int s = 0; s < in->nspecialists; s++) {
		double f = b->fit[p * in->nspecialists + s];

		if (f < 0 || b->room[s] <= 0)
			continue;
		b->room[s]--;
		b->cur_prio += in->parents[p].priority;
		b->cur_fit += f;
		brute_rec(b, p + 1);
		b->cur_fit -= f;
		b->cur_prio -= in->parents[p].priority;
		b->room[s]++;
	}
}

static void test_brute_force_random(void **state)
{
	rnd_state = 12345;
	for (int it = 0; it < 300; it++) {
		struct match_input in;
		struct match_result res;
		struct brute b = {0};
		int np = 1 + (int)rnd(6), ns = (int)rnd(4);

		rnd_instance(&in, np, ns, (int)rnd(3));
		b.in = &in;
		b.fit = calloc((size_t)(np * ns + 1), sizeof(double));
		b.room = calloc((size_t)ns + 1, sizeof(int));
		match_caseload(&in, b.room);
		for (int s = 0; s < ns; s++)
			b.room[s] = in.specialists[s].capacity - b.room[s];
		for (int p = 0; p < np; p++)
			for (int s = 0; s < ns; s++) {
				struct match_fit f;

				b.fit[p * ns + s] = -1;
				if (!match_eligible(&in, &in.parents[p], &in.specialists[s], NULL))
					continue;
				assert_int_equal(
				    match_fit(&in, &in.parents[p], &in.specialists[s], &f, NULL),
				    0);
				b.fit[p * ns + s] = f.fit;
				match_fit_free(&f);
			}
		b.best_prio = -1;
		brute_rec(&b, 0);
		solve(&in, &res);
		assert_int_equal(res.matched_priority, b.best_prio);
		assert_float_equal(res.total_fit, b.best_fit, 1e-9);
		match_result_free(&res);
		free(b.fit);
		free(b.room);
		match_input_free(&in);
	}
}

/* The lexicographic optimum by GLPK's simplex on the assignment LP (its
 * vertices are integral): maximise priority, then fix it and maximise fit. */
static void lp_optimum(const struct match_input *in, long *prio, double *fit)
{
	int np = in->nparents, ns = in->nspecialists, ncols = 0;
	int *room = calloc((size_t)ns + 1, sizeof(int));
	glp_prob *lp = glp_create_prob();
	glp_smcp parm;
	glp_iocp iocp;
	int *ind = malloc(sizeof(int) * (size_t)(np * ns + 2));
	double *val = malloc(sizeof(double) * (size_t)(np * ns + 2));

	glp_init_smcp(&parm);
	parm.msg_lev = GLP_MSG_OFF;
	match_caseload(in, room);
	glp_add_rows(lp, np + ns + 1);
	for (int p = 0; p < np; p++)
		glp_set_row_bnds(lp, 1 + p, GLP_UP, 0, 1);
	for (int s = 0; s < ns; s++) {
		int r = in->specialists[s].capacity - room[s];

		glp_set_row_bnds(lp, 1 + np + s, GLP_UP, 0, r > 0 ? r : 0);
	}
	glp_set_row_bnds(lp, np + ns + 1, GLP_FR, 0, 0);
	for (int p = 0; p < np; p++)
		for (int s = 0; s < ns; s++) {
			struct match_fit f;
			int j, rows[4];
			double one[4] = {0, 1, 1, 0};

			if (!match_eligible(in, &in->parents[p], &in->specialists[s], NULL))
				continue;
			match_fit(in, &in->parents[p], &in->specialists[s], &f, NULL);
			j = glp_add_cols(lp, 1);
			ncols++;
			glp_set_col_bnds(lp, j, GLP_DB, 0, 1);
			glp_set_obj_coef(lp, j, f.fit);
			rows[1] = 1 + p;
			rows[2] = 1 + np + s;
			rows[3] = np + ns + 1;
			one[3] = in->parents[p].priority;
			glp_set_mat_col(lp, j, 3, rows, one);
			match_fit_free(&f);
		}
	*prio = 0;
	*fit = 0;
	if (ncols > 0) {
		/* level 1: maximise the priority row */
		double *save = malloc(sizeof(double) * (size_t)(ncols + 1));

		for (int j = 1; j <= ncols; j++) {
			save[j] = glp_get_obj_coef(lp, j);
			glp_set_obj_coef(lp, j, 0);
		}
		glp_set_obj_dir(lp, GLP_MAX);
		for (int j = 1; j <= ncols; j++) {
			int len = glp_get_mat_col(lp, j, ind, val);

			for (int k = 1; k <= len; k++)
				if (ind[k] == np + ns + 1)
					glp_set_obj_coef(lp, j, val[k]);
		}
		assert_int_equal(glp_simplex(lp, &parm), 0);
		*prio = lround(glp_get_obj_val(lp));
		glp_set_row_bnds(lp, np + ns + 1, GLP_LO, (double)*prio - 0.5, 0);
		for (int j = 1; j <= ncols; j++) {
			glp_set_obj_coef(lp, j, save[j]);
			glp_set_col_kind(lp, j, GLP_BV);
		}
		/* The priority row breaks total unimodularity: level 2 is a MIP. */
		assert_int_equal(glp_simplex(lp, &parm), 0);
		glp_init_iocp(&iocp);
		iocp.msg_lev = GLP_MSG_OFF;
		iocp.mip_gap = 0;
		assert_int_equal(glp_intopt(lp, &iocp), 0);
		*fit = glp_mip_obj_val(lp);
		free(save);
	}
	glp_delete_prob(lp);
	free(ind);
	free(val);
	free(room);
}

/* Batches large enough that each parent starts with fewer arcs than it has
 * eligible specialists, so the pricing rounds decide optimality. */
static void test_against_lp(void **state)
{
	rnd_state = 777;
	for (int it = 0; it < 20; it++) {
		struct match_input in;
		struct match_result res;
		long prio;
		double fit;

		rnd_instance(&in, 30 + (int)rnd(30), 8 + (int)rnd(6), (int)rnd(6));
		lp_optimum(&in, &prio, &fit);
		solve(&in, &res);
		assert_int_equal(res.matched_priority, prio);
		if (getenv("H3DEBUG"))
			fprintf(stderr, "it %d np %d ns %d prio %ld fit %.9f lp %.9f rounds %d\n",
				it, in.nparents, in.nspecialists, prio, res.total_fit, fit,
				res.rounds);
		/* rounding to 1e-6 units: within matched * 1e-6 of the optimum */
		assert_true(res.total_fit >= fit - 1e-6 * res.nmatches - 1e-9);
		assert_true(res.total_fit <= fit + 1e-9);
		match_result_free(&res);
		match_input_free(&in);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_priority_before_fit),
	    cmocka_unit_test(test_total_fit_not_greedy),
	    cmocka_unit_test(test_priority_sum_tie_then_fit),
	    cmocka_unit_test(test_every_reason),
	    cmocka_unit_test(test_no_specialists),
	    cmocka_unit_test(test_empty_batch),
	    cmocka_unit_test(test_capacity_with_existing),
	    cmocka_unit_test(test_brute_force_random),
	    cmocka_unit_test(test_against_lp),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
