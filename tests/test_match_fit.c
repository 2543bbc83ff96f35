/*
 * test_match_fit.c - the fit of MODEL.md section 2 with values worked out by
 * hand: capped weights (cap not binding, binding at one and at two
 * dimensions, cap * n < 1), parent weights overriding the policy's, weight 0
 * not counted, Jaccard on empty sets, empty needs, and the breakdown
 * summing to the fit; and the explanations beside it: each term's weight,
 * whether the cap held it down, the tags behind it, why a fit is 0, and a
 * parent's own policy.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "match_build.h"

#define EPS 1e-12

/* Capped weights of parent p, looked up by dimension name (-1 = not
 * counted); *held (unless NULL) gets whether the cap held it down. */
static double weight_held(struct match_input *in, int p, const char *dim, bool *held)
{
	int dims[16];
	double w[16], scratch[16];
	bool capped[16];
	int n = match_weights(&in->policy, &in->parents[p], dims, w, capped, scratch);

	for (int i = 0; i < n; i++)
		if (strcmp(in->strs[dims[i]], dim) == 0) {
			if (held != NULL)
				*held = capped[i];
			return w[i];
		}
	return -1;
}

static double weight_of(struct match_input *in, int p, const char *dim)
{
	return weight_held(in, p, dim, NULL);
}

/* Whether the cap held dimension dim of parent p down. */
static bool held_of(struct match_input *in, int p, const char *dim)
{
	bool held = false;

	assert_true(weight_held(in, p, dim, &held) > 0);
	return held;
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
	/* Explained: lived at 0.5 = cap exactly (lambda * 3 = 0.5, not held
	 * down), sharing "bipolar"; zone shares nothing; expertise beta 0.3
	 * with "afterschool" covered; not a fit 0. */
	assert_float_equal(f.terms[0].weight, 0.5, EPS);
	assert_false(f.terms[0].capped);
	assert_int_equal(f.terms[0].shared.n, 1);
	assert_string_equal(in.strs[f.terms[0].shared.v[0]], "bipolar");
	assert_float_equal(f.terms[1].weight, 1.0 / 6, EPS);
	assert_int_equal(f.terms[3].shared.n, 0);
	assert_float_equal(f.terms[4].weight, 0.3, EPS);
	assert_int_equal(f.terms[4].shared.n, 1);
	assert_string_equal(in.strs[f.terms[4].shared.v[0]], "afterschool");
	assert_int_equal(f.zero, 0);
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

/* Capped flags: the dimensions the cap holds down, and only those.  Raw
 * 6, 1, 1 at cap 0.5: "a".  Raw 10, 5, 1 at 0.35: lambda = 1/16 would
 * give 0.625, 0.3125; with "a" held, lambda = 0.65/6 gives "b" 0.54, so
 * "b" is held too (its proportional share 0.3125 was below the cap);
 * "c" gets 0.3.  cap * n < 1 holds nothing (1/n each); four equal
 * weights under the cap hold nothing. */
static void test_capped_flags(void **state)
{
	struct match_input in = {0};
	int p, q, r;

	mb_policy(&in, 0.3, 0.5, true);
	mb_default(&in, "a", 6);
	mb_default(&in, "b", 1);
	mb_default(&in, "c", 1);
	p = mb_parent(&in, "P", 1, "", "", "");
	assert_true(held_of(&in, p, "a"));
	assert_false(held_of(&in, p, "b"));
	assert_false(held_of(&in, p, "c"));
	in.policy.max_dimension_share = 0.35;
	q = mb_parent(&in, "Q", 1, "", "", "");
	mb_parent_weight(&in, q, "b", 5);
	mb_parent_weight(&in, q, "a", 10);
	assert_float_equal(weight_of(&in, q, "a"), 0.35, EPS);
	assert_float_equal(weight_of(&in, q, "b"), 0.35, EPS);
	assert_float_equal(weight_of(&in, q, "c"), 0.3, EPS);
	assert_true(held_of(&in, q, "a"));
	assert_true(held_of(&in, q, "b"));
	assert_false(held_of(&in, q, "c"));
	in.policy.max_dimension_share = 0.2; /* cap * 3 < 1 */
	assert_float_equal(weight_of(&in, p, "a"), 1.0 / 3, EPS);
	assert_false(held_of(&in, p, "a"));
	in.policy.max_dimension_share = 0.5;
	r = mb_parent(&in, "R", 1, "", "", "");
	mb_parent_weight(&in, r, "a", 1);
	mb_parent_weight(&in, r, "d", 1);
	mb_parent_weight(&in, r, "b", 1);
	mb_parent_weight(&in, r, "c", 1);
	assert_false(held_of(&in, r, "a"));
	assert_false(held_of(&in, r, "d"));
	match_input_free(&in);
}

/* The zero bits of p's fit to s (asserting the fit is 0 exactly then). */
static unsigned zero_of(struct match_input *in, int p, int s)
{
	struct match_fit f;
	unsigned z;

	assert_int_equal(match_fit(in, &in->parents[p], &in->specialists[s], &f, NULL), 0);
	z = f.zero;
	if (z != 0)
		assert_true(f.fit == 0.0);
	else
		assert_true(f.fit > 0.0);
	match_fit_free(&f);
	return z;
}

/* Why a fit is 0, each way, and no reason when it is not. */
static void test_zero_reasons(void **state)
{
	struct match_input in = {0};
	int s, none, apart, cover, empty, near;

	mb_policy(&in, 0.3, 0.5, true);
	s = mb_spec(&in, "S", 1, "en", "money", "");
	mb_spec_trait(&in, s, "lived", "ocd");
	none = mb_parent(&in, "P1", 1, "en", "housing", ""); /* no weights at all */
	apart = mb_parent(&in, "P2", 1, "en", "housing", "");
	mb_parent_weight(&in, apart, "lived", 1);
	mb_parent_trait(&in, apart, "lived", "ptsd");
	cover = mb_parent(&in, "P3", 1, "en", "money", ""); /* E = 1 */
	mb_parent_weight(&in, cover, "lived", 1);
	empty = mb_parent(&in, "P4", 1, "en", "", ""); /* no needs: E = 1 */
	mb_parent_weight(&in, empty, "lived", 1);
	near = mb_parent(&in, "P5", 1, "en", "housing", ""); /* shares ocd */
	mb_parent_weight(&in, near, "lived", 1);
	mb_parent_trait(&in, near, "lived", "ocd,ptsd");
	assert_int_equal(zero_of(&in, none, s), MZ_NO_DIMENSIONS | MZ_NO_NEEDS_COVERED);
	assert_int_equal(zero_of(&in, apart, s), MZ_NO_SHARED | MZ_NO_NEEDS_COVERED);
	assert_int_equal(zero_of(&in, cover, s), 0);
	assert_int_equal(zero_of(&in, empty, s), 0);
	assert_int_equal(zero_of(&in, near, s), 0);
	in.policy.expertise_weight = 0; /* needs do not count */
	assert_int_equal(zero_of(&in, apart, s), MZ_NO_SHARED | MZ_EXPERTISE_OFF);
	assert_int_equal(zero_of(&in, empty, s), MZ_NO_SHARED | MZ_EXPERTISE_OFF);
	assert_int_equal(zero_of(&in, near, s), 0);
	in.policy.expertise_weight = 1; /* shared tags do not count */
	assert_int_equal(zero_of(&in, near, s), MZ_SIMILARITY_OFF | MZ_NO_NEEDS_COVERED);
	assert_int_equal(zero_of(&in, cover, s), 0);
	match_input_free(&in);
}

/* A parent's own policy replaces the batch's for its fits and its
 * language rule (the daemon's reassignment batch); others keep the batch's. */
static void test_parent_policy(void **state)
{
	struct match_input in = {0};
	struct match_policy own = {0};
	struct match_fit f;
	int s, p, q;

	mb_policy(&in, 0.3, 0.5, true);
	s = mb_spec(&in, "S", 1, "fr", "money", "");
	p = mb_parent(&in, "P", 1, "en", "money", "");
	q = mb_parent(&in, "Q", 1, "en", "money", "");
	assert_false(match_eligible(&in, &in.parents[p], &in.specialists[s], NULL));
	own.expertise_weight = 0.8;
	own.max_dimension_share = 0.5;
	own.require_language = false;
	in.parents[p].policy = &own;
	assert_true(match_eligible(&in, &in.parents[p], &in.specialists[s], NULL));
	assert_false(match_eligible(&in, &in.parents[q], &in.specialists[s], NULL));
	assert_int_equal(match_fit(&in, &in.parents[p], &in.specialists[s], &f, NULL), 0);
	assert_float_equal(f.fit, 0.8, EPS); /* no dimension, E = 1 */
	assert_float_equal(f.terms[0].weight, 0.8, EPS);
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
	    cmocka_unit_test(test_capped_flags),
	    cmocka_unit_test(test_zero_reasons),
	    cmocka_unit_test(test_parent_policy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
