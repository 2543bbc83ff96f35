/*
 * test_match_json.c - api/match_json: the shared 30 x 6 example batch solved
 * to its independently computed optimum, defaults, every validation error
 * with its path, the candidates request, and the encoded documents.
 * argv[1] is the example batch (contrib/examples/match-30x6.json).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "match_json.h"

static const char *example_path;

static void test_example_optimum(void **state)
{
	json_error_t jerr;
	json_t *doc = json_load_file(example_path, 0, &jerr), *out;
	struct match_input in;
	struct match_result res;
	struct pp_error err = {0};

	assert_non_null(doc);
	assert_int_equal(match_parse_json(doc, &in, &err), 0);
	assert_int_equal(in.nparents, 30);
	assert_int_equal(in.nspecialists, 6);
	assert_int_equal(match_solve(&in, &res, &err), 0);
	assert_int_equal(res.matched_priority, 28);
	assert_float_equal(res.total_fit, 6.6786666666666665, 1e-9);
	out = match_result_to_json(&in, &res);
	assert_non_null(out);
	assert_string_equal(json_string_value(json_object_get(out, "status")), "optimal");
	assert_int_equal(json_array_size(json_object_get(out, "matches")), res.nmatches);
	assert_int_equal(json_array_size(json_object_get(out, "unmatched")), res.nunmatched);
	json_decref(out);
	match_result_free(&res);
	match_input_free(&in);
	json_decref(doc);
}

static void test_defaults_and_output(void **state)
{
	const char *text =
	    "{\"specialists\": [{\"id\": \"S1\", \"capacity\": 5, \"languages\": [\"en\"],"
	    " \"traits\": {\"lived\": [\"bipolar\"]}, \"expertise\": [\"afterschool\"]}],"
	    " \"parents\": [{\"id\": \"P1\", \"languages\": [\"en\", \"fr\"],"
	    " \"traits\": {\"lived\": [\"bipolar\", \"anxiety\"]}, \"weights\": {\"lived\": 3},"
	    " \"needs\": [\"afterschool\"]}, {\"id\": \"P5\", \"languages\": [\"de\"]}]}";
	struct match_input in;
	struct match_result res;
	struct pp_error err = {0};
	json_t *out, *m;

	assert_int_equal(match_parse(text, strlen(text), &in, &err), 0);
	assert_float_equal(in.policy.expertise_weight, 0.3, 0);
	assert_float_equal(in.policy.max_dimension_share, 0.5, 0);
	assert_true(in.policy.require_language);
	assert_int_equal(in.parents[0].priority, 1);
	assert_int_equal(match_solve(&in, &res, &err), 0);
	out = match_result_to_json(&in, &res);
	/* lived is the only counted dimension: w = min(0.5, lambda * 3) with
	 * one dimension -> cap * n = 0.5 < 1 -> w = 1; J = 1/2;
	 * fit = 0.7 * 0.5 + 0.3 = 0.65. */
	m = json_array_get(json_object_get(out, "matches"), 0);
	assert_string_equal(json_string_value(json_object_get(m, "specialist")), "S1");
	assert_float_equal(json_real_value(json_object_get(m, "fit")), 0.65, 1e-12);
	assert_float_equal(
	    json_real_value(json_object_get(json_object_get(m, "breakdown"), "lived")), 0.35,
	    1e-12);
	m = json_array_get(json_object_get(out, "unmatched"), 0);
	assert_string_equal(json_string_value(json_object_get(m, "parent")), "P5");
	assert_string_equal(json_string_value(json_array_get(json_object_get(m, "reasons"), 0)),
			    "language");
	json_decref(out);
	match_result_free(&res);
	match_input_free(&in);
}

/* Parse text and expect an invalid_input error at path. */
static void expect_error(const char *text, const char *path)
{
	struct match_input in;
	struct pp_error err = {0};

	assert_int_equal(match_parse(text, strlen(text), &in, &err), -1);
	assert_int_equal(err.code, PP_ERR_INVALID_INPUT);
	if (strcmp(err.path, path) != 0)
		fail_msg("path '%s' (message '%s'), expected '%s'", err.path, err.message, path);
	assert_int_equal(in.nparents, 0);
}

#define SPEC "{\"id\": \"S1\", \"capacity\": 1}"
#define PAR  "{\"id\": \"P1\"}"

static void test_validation_paths(void **state)
{
	expect_error("{\"parents\": [], \"extra\": 1}", "extra");
	expect_error("{\"specialists\": [" SPEC "]}", "parents");
	expect_error("{\"parents\": [{\"id\": \"P1\", \"nme\": 1}]}", "parents[0].nme");
	expect_error("{\"parents\": [], \"specialists\": [{\"id\": \"S1\"}]}",
		     "specialists[0].capacity");
	expect_error("{\"parents\": [], \"specialists\": [{\"id\": \"S1\", \"capacity\": -1}]}",
		     "specialists[0].capacity");
	expect_error("{\"parents\": [], \"specialists\": [{\"id\": \"S1\", \"capacity\": 1.5}]}",
		     "specialists[0].capacity");
	expect_error("{\"parents\": [{\"id\": \"P1\", \"priority\": 0}]}", "parents[0].priority");
	expect_error("{\"parents\": [{\"id\": \"P1\", \"priority\": 101}]}", "parents[0].priority");
	expect_error("{\"parents\": [{\"id\": \"P1\", \"weights\": {\"lived\": -1}}]}",
		     "parents[0].weights.lived");
	expect_error("{\"parents\": [{\"id\": \"P1\", \"traits\": {\"lived\": \"x\"}}]}",
		     "parents[0].traits.lived");
	expect_error("{\"parents\": [], \"policy\": {\"max_dimension_share\": 0}}",
		     "policy.max_dimension_share");
	expect_error("{\"parents\": [], \"policy\": {\"expertise_weight\": 1.5}}",
		     "policy.expertise_weight");
	expect_error("{\"parents\": [], \"policy\": {\"default_weights\": {\"zone\": \"1\"}}}",
		     "policy.default_weights.zone");
	expect_error("{\"parents\": [], \"policy\": {\"colour\": 1}}", "policy.colour");
	expect_error("{\"parents\": [" PAR ", " PAR "]}", "parents[1].id");
	expect_error("{\"parents\": [{\"id\": \"bad id\"}]}", "parents[0].id");
	expect_error("{\"parents\": [], \"specialists\": [" SPEC "],"
		     " \"existing\": [{\"parent\": \"X\", \"specialist\": \"S9\"}]}",
		     "existing[0].specialist");
	expect_error("{\"parents\": [" PAR "], \"specialists\": [" SPEC "],"
		     " \"existing\": [{\"parent\": \"P1\", \"specialist\": \"S1\"}]}",
		     "existing[0].parent");
	expect_error("{\"parents\": [], \"specialists\": [" SPEC "],"
		     " \"existing\": [{\"parent\": \"X\", \"specialist\": \"S1\"},"
		     " {\"parent\": \"X\", \"specialist\": \"S1\"}]}",
		     "existing[1].parent");
	expect_error("{\"parents\": [], \"specialists\": [" SPEC "],"
		     " \"existing\": [{\"parent\": \"X\", \"specialist\": \"S1\", \"since\": 1}]}",
		     "existing[0].since");
}

static void test_candidates_request(void **state)
{
	const char *text =
	    "{\"parent\": {\"id\": \"P1\", \"languages\": [\"en\"], \"needs\": [\"a\"]},"
	    " \"k\": 2, \"specialists\": ["
	    "{\"id\": \"S3\", \"capacity\": 2, \"languages\": [\"en\"], \"expertise\": [\"a\"]},"
	    "{\"id\": \"S1\", \"capacity\": 1, \"languages\": [\"en\"], \"expertise\": [\"a\"]},"
	    "{\"id\": \"S2\", \"capacity\": 1, \"languages\": [\"en\"]},"
	    "{\"id\": \"S0\", \"capacity\": 1, \"languages\": [\"en\"], \"expertise\": [\"a\"]}],"
	    " \"existing\": [{\"parent\": \"Q\", \"specialist\": \"S0\"},"
	    " {\"parent\": \"R\", \"specialist\": \"S3\"}]}";
	json_t *doc = json_loads(text, 0, NULL), *out, *arr;
	struct match_input in;
	struct match_parent p;
	struct match_candidate *c;
	struct pp_error err = {0};
	struct match_cand_opts o;
	int n;

	assert_int_equal(match_parse_candidates_json(doc, &in, &p, &o, &err), 0);
	assert_int_equal(o.k, 2);
	assert_int_equal(match_candidates(&in, &p, &o, &c, &n, &err), 0);
	/* S0 is full; S1 and S3 tie at fit 1 (E = 1, no dimensions, beta
	 * 0.3 -> 0.3), ranked by id; S2 (fit 0) is cut by k. */
	assert_int_equal(n, 2);
	out = match_candidates_to_json(&in, &p, &o, c, n);
	arr = json_object_get(out, "candidates");
	assert_string_equal(
	    json_string_value(json_object_get(json_array_get(arr, 0), "specialist")), "S1");
	assert_string_equal(
	    json_string_value(json_object_get(json_array_get(arr, 1), "specialist")), "S3");
	assert_int_equal(
	    json_integer_value(json_object_get(json_array_get(arr, 1), "remaining_capacity")), 1);
	assert_float_equal(json_real_value(json_object_get(json_array_get(arr, 0), "fit")), 0.3,
			   1e-12);
	json_decref(out);
	match_candidates_free(c, n);
	match_parent_free(&p);
	match_input_free(&in);
	json_decref(doc);

	doc = json_loads("{\"parent\": {\"id\": \"P1\"}, \"k\": 0}", 0, NULL);
	assert_int_equal(match_parse_candidates_json(doc, &in, &p, &o, &err), -1);
	assert_string_equal(err.path, "k");
	json_decref(doc);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_example_optimum),
	    cmocka_unit_test(test_defaults_and_output),
	    cmocka_unit_test(test_validation_paths),
	    cmocka_unit_test(test_candidates_request),
	};

	if (argc < 2) {
		fprintf(stderr, "usage: test_match_json EXAMPLE.json\n");
		return 2;
	}
	example_path = argv[1];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
