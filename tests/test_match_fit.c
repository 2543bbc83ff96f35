/*
 * test_match_fit.c - the fit of MODEL.md section 2 with values worked out by
 * hand: capped weights (cap not binding, binding at one and at two
 * dimensions, cap * n < 1), parent weights overriding the policy's, weight 0
 * not counted, Jaccard on empty sets, empty needs, and the breakdown
 * summing to the fit.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "match_build.h"

#define EPS 1e-12

/* Capped weights of parent p, looked up by dimension name (-1 = not counted). */
static double weight_of(struct match_input *in, int p, const char *dim)
{
	int dims[16];
	double w[16], scratch[16];
	int n = match_weights(&in->policy, &in->parents[p], dims, w, NULL, scratch);

	for (int i = 0; i < n; i++)
		if (strcmp(in->strs[dims[i]], dim) == 0)
			return w[i];
	return -1;
}

/* MODEL.md's example: lived 3 (parent) and family/culture/zone 1 (policy):
 * lambda = 1/6, lived = 3/6 = 0.5 = cap (just binding), others 1/6.
 * J_lived = |{bipolar}| / |{bipolar, anxiety}| = 1/2; E = 1/1.
 * fit = 0.7 * 0.5 * 0.5 + 0.3 * 1 = 0.175 + 0.3 = 0.475. */
static void test_model_example(void **state)
{
	struct match_input in = {0};
	struct match_fit f;
	int s, p;

	mb_policy(&in, 0.3, 0.5, true);
	mb_default(&in, "lived", 1);
	mb_default(&in, "family", 1);
	mb_default(&in, "culture", 1);
	mb_default(&in, "zone", 1);
	s = mb_spec(&in, "S1", 5, "en", "afterschool,money,time,crisis", "P4");
	mb_spec_trait(&in, s, "lived", "bipolar");
	mb_spec_trait(&in, s, "family", "single-parent");
	mb_spec_trait(&in, s, "zone", "nw");
	p = mb_parent(&in, "P1", 1, "en,fr", "afterschool", "");
	mb_parent_trait(&in, p, "lived", "bipolar,anxiety");
	mb_parent_trait(&in, p, "zone", "ne");
	mb_parent_weight(&in, p, "lived", 3);
	assert_float_equal(weight_of(&in, p, "lived"), 0.5, EPS);
	assert_float_equal(weight_of(&in, p, "family"), 1.0 / 6, EPS);
	assert_int_equal(match_fit(&in, &in.parents[p], &in.specialists[s], &f, NULL), 0);
	assert_float_equal(f.fit, 0.475, EPS);
	assert_int_equal(f.nterms, 5);
	assert_float_equal(mb_term(&in, &f, "lived"), 0.175, EPS);
	assert_float_equal(mb_term(&in, &f, "family"), 0.0, EPS);  /* {} vs {single-parent} */
	assert_float_equal(mb_term(&in, &f, "culture"), 0.0, EPS); /* both empty */
	assert_float_equal(mb_term(&in, &f, "zone"), 0.0, EPS);    /* {ne} vs {nw} */
	assert_float_equal(mb_term(&in, &f, "expertise"), 0.3, EPS);
	assert_int_equal(f.terms[f.nterms - 1].dim, MATCH_EXPERTISE);
	/* breakdown order = order of first appearance: lived, family, culture, zone */
	assert_string_equal(in.strs[f.terms[0].dim], "lived");
	assert_string_equal(in.strs[f.terms[3].dim], "zone");
	match_fit_free(&f);
	match_input_free(&in);
}

/* Not binding: four equal raw weights, cap 0.5 -> 1/4 each. */
static void test_cap_not_binding(void **state)
{
	struct match_input in = {0};
	int p;

	mb_policy(&in, 0.3, 0.5, true);
	mb_default(&in, "a", 2);
	mb_default(&in, "b", 2);
	mb_default(&in, "c", 2);
	mb_default(&in, "d", 2);
	p = mb_parent(&in, "P", 1, "", "", "");
	for (const char *d = "a"; *d <= 'd'; d = d[0] == 'a'   ? "b"
						 : d[0] == 'b' ? "c"
						 : d[0] == 'c' ? "d"
							       : "e")
		assert_float_equal(weight_of(&in, p, d), 0.25, EPS);
	match_input_free(&in);
}

/* Binding at one: raw 6, 1, 1, cap 0.5: lambda = 1/8 would give 0.75, so
 * "a" is capped at 0.5 and b, c share 0.5 as 1:1 -> 0.25 each. */
static void test_cap_binding_one(void **state)
{
	struct match_input in = {0};
	int p;

	mb_policy(&in, 0.3, 0.5, true);
	mb_default(&in, "a", 6);
	mb_default(&in, "b", 1);
	mb_default(&in, "c", 1);
	p = mb_parent(&in, "P", 1, "", "", "");
	assert_float_equal(weight_of(&in, p, "a"), 0.5, EPS);
	assert_float_equal(weight_of(&in, p, "b"), 0.25, EPS);
	assert_float_equal(weight_of(&in, p, "c"), 0.25, EPS);
	match_input_free(&in);
}

/* Binding at two: raw 10, 10, 1, 1, cap 0.3.  k = 0: 10/22 > 0.3; k = 1:
 * 0.7/12 * 10 > 0.3; k = 2: lambda = 0.4/2 = 0.2, 0.2 <= 0.3.  So 0.3, 0.3,
 * 0.2, 0.2. */
static void test_cap_binding_two(void **state)
{
	struct match_input in = {0};
	int p;

	mb_policy(&in, 0.3, 0.3, true);
	mb_default(&in, "a", 10);
	mb_default(&in, "b", 10);
	mb_default(&in, "c", 1);
	mb_default(&in, "d", 1);
	p = mb_parent(&in, "P", 1, "", "", "");
	assert_float_equal(weight_of(&in, p, "a"), 0.3, EPS);
	assert_float_equal(weight_of(&in, p, "b"), 0.3, EPS);
	assert_float_equal(weight_of(&in, p, "c"), 0.2, EPS);
	assert_float_equal(weight_of(&in, p, "d"), 0.2, EPS);
	match_input_free(&in);
}

/* cap * n < 1: cap 0.2, three dimensions (raw 5, 1, 1) -> 1/3 each. */
static void test_cap_times_n_below_one(void **state)
{
	struct match_input in = {0};
	int p;

	mb_policy(&in, 0.3, 0.2, true);
	mb_default(&in, "a", 5);
	mb_default(&in, "b", 1);
	mb_default(&in, "c", 1);
	p = mb_parent(&in, "P", 1, "", "", "");
	assert_float_equal(weight_of(&in, p, "a"), 1.0 / 3, EPS);
	assert_float_equal(weight_of(&in, p, "c"), 1.0 / 3, EPS);
	match_input_free(&in);
}

/* The parent's weight 0 removes a default dimension; its own weight on a
 * dimension the policy lacks adds one.  Raw: a 1 (policy), b 0 (parent
 * over policy 4), x 1 (parent) -> n = 2, 1/2 each. */
static void test_parent_overrides_and_zero(void **state)
{
	struct match_input in = {0};
	int p;

	mb_policy(&in, 0.3, 0.5, true);
	mb_default(&in, "a", 1);
	mb_default(&in, "b", 4);
	p = mb_parent(&in, "P", 1, "", "", "");
	mb_parent_weight(&in, p, "b", 0);
	mb_parent_weight(&in, p, "x", 1);
	assert_float_equal(weight_of(&in, p, "a"), 0.5, EPS);
	assert_float_equal(weight_of(&in, p, "b"), -1, EPS); /* not counted */
	assert_float_equal(weight_of(&in, p, "x"), 0.5, EPS);
	match_input_free(&in);
}

/* No dimension and no needs: S = 0, E = 1, fit = beta = 0.4; with needs
 * {a, b, c} and expertise {b, c, z}: E = 2/3, fit = 0.4 * 2/3. */
static void test_expertise_only(void **state)
{
	struct match_input in = {0};
	struct match_fit f;
	int s, p, q;

	mb_policy(&in, 0.4, 0.5, true);
	s = mb_spec(&in, "S", 1, "en", "b,c,z", "");
	p = mb_parent(&in, "P", 1, "en", "", "");
	q = mb_parent(&in, "Q", 1, "en", "a,b,c", "");
	assert_int_equal(match_fit(&in, &in.parents[p], &in.specialists[s], &f, NULL), 0);
	assert_float_equal(f.fit, 0.4, EPS);
	assert_int_equal(f.nterms, 1);
	match_fit_free(&f);
	assert_int_equal(match_fit(&in, &in.parents[q], &in.specialists[s], &f, NULL), 0);
	assert_float_equal(f.fit, 0.4 * 2 / 3, EPS);
	assert_float_equal(f.expertise, 2.0 / 3, EPS);
	match_fit_free(&f);
	match_input_free(&in);
}

/* Two dimensions at 1/2 each, beta 0.3: J_a = |{x}| / |{x, y, z}| = 1/3,
 * J_b = 1 ({m} vs {m}); S = 1/6 + 1/2 = 2/3; needs empty, E = 1;
 * fit = 0.7 * 2/3 + 0.3 = 0.7666...; the terms sum to it. */
static void test_breakdown_sums_to_fit(void **state)
{
	struct match_input in = {0};
	struct match_fit f;
	double sum = 0;
	int s, p;

	mb_policy(&in, 0.3, 0.5, true);
	mb_default(&in, "a", 1);
	mb_default(&in, "b", 1);
	s = mb_spec(&in, "S", 1, "en", "", "");
	mb_spec_trait(&in, s, "a", "x,y");
	mb_spec_trait(&in, s, "b", "m");
	p = mb_parent(&in, "P", 1, "en", "", "");
	mb_parent_trait(&in, p, "a", "x,z");
	mb_parent_trait(&in, p, "b", "m");
	assert_int_equal(match_fit(&in, &in.parents[p], &in.specialists[s], &f, NULL), 0);
	assert_float_equal(f.fit, 0.7 * 2 / 3 + 0.3, EPS);
	assert_float_equal(mb_term(&in, &f, "a"), 0.7 * 0.5 / 3, EPS);
	assert_float_equal(mb_term(&in, &f, "b"), 0.7 * 0.5, EPS);
	for (int i = 0; i < f.nterms; i++)
		sum += f.terms[i].value;
	assert_float_equal(sum, f.fit, EPS);
	match_fit_free(&f);
	match_input_free(&in);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_model_example),
	    cmocka_unit_test(test_cap_not_binding),
	    cmocka_unit_test(test_cap_binding_one),
	    cmocka_unit_test(test_cap_binding_two),
	    cmocka_unit_test(test_cap_times_n_below_one),
	    cmocka_unit_test(test_parent_overrides_and_zero),
	    cmocka_unit_test(test_expertise_only),
	    cmocka_unit_test(test_breakdown_sums_to_fit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
