/*
 * test_match_json.c - api/match_json: the shared 30 x 6 example batch solved
 * to its independently computed optimum, defaults, every validation error
 * with its path, the candidates request (include_full too), the encoded
 * documents with their explanations and notes, and a batch with a policy
 * per parent.
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

/* The candidates of request text, encoded; asserts it parses. */
static json_t *candidates_of(const char *text)
{
	json_t *doc = json_loads(text, 0, NULL), *out;
	struct match_input in;
	struct match_parent p;
	struct match_candidate *c;
	struct match_cand_opts o;
	struct pp_error err = {0};
	int n;

	assert_non_null(doc);
	assert_int_equal(match_parse_candidates_json(doc, &in, &p, &o, &err), 0);
	assert_int_equal(match_candidates(&in, &p, &o, &c, &n, &err), 0);
	out = match_candidates_to_json(&in, &p, &o, c, n);
	assert_non_null(out);
	match_candidates_free(c, n);
	match_parent_free(&p);
	match_input_free(&in);
	json_decref(doc);
	return json_object_get(out, "candidates") ? out : NULL;
}

/* Expect the candidates request text to be refused at path. */
static void expect_cand_error(const char *text, const char *path)
{
	json_t *doc = json_loads(text, 0, NULL);
	struct match_input in;
	struct match_parent p;
	struct match_cand_opts o;
	struct pp_error err = {0};

	assert_non_null(doc);
	assert_int_equal(match_parse_candidates_json(doc, &in, &p, &o, &err), -1);
	assert_int_equal(err.code, PP_ERR_INVALID_INPUT);
	assert_string_equal(err.path, path);
	json_decref(doc);
}

#define CAND_SPECS                                                                                 \
	" \"specialists\": ["                                                                      \
	"{\"id\": \"S3\", \"capacity\": 1, \"languages\": [\"en\"], \"expertise\": [\"a\"]},"      \
	"{\"id\": \"S1\", \"capacity\": 2, \"languages\": [\"en\"]},"                              \
	"{\"id\": \"S2\", \"capacity\": 0, \"languages\": [\"en\"], \"expertise\": [\"a\"]},"      \
	"{\"id\": \"S0\", \"capacity\": 1, \"languages\": [\"fr\"], \"expertise\": [\"a\"]}],"     \
	" \"existing\": [{\"parent\": \"Q\", \"specialist\": \"S3\"}]"

/* include_full lists the full S3 (fit 0.3) and S2 (capacity 0) among the
 * others by fit, then id, each flagged; without it (or false, or null)
 * only S1 is offered, and no candidate carries "full".  S0 is ineligible
 * (language) either way.  S1's fit is 0, and says why. */
static void test_include_full(void **state)
{
	const char *with = "{\"parent\": {\"id\": \"P1\", \"languages\": [\"en\"],"
			   " \"needs\": [\"a\"]}, \"include_full\": true," CAND_SPECS "}";
	const char *without[] = {
	    "{\"parent\": {\"id\": \"P1\", \"languages\": [\"en\"], \"needs\": [\"a\"]}," CAND_SPECS
	    "}",
	    "{\"parent\": {\"id\": \"P1\", \"languages\": [\"en\"], \"needs\": [\"a\"]},"
	    " \"include_full\": false," CAND_SPECS "}",
	    "{\"parent\": {\"id\": \"P1\", \"languages\": [\"en\"], \"needs\": [\"a\"]},"
	    " \"include_full\": null," CAND_SPECS "}",
	};
	static const char *const order[] = {"S2", "S3", "S1"};
	static const int full[] = {1, 1, 0}, left[] = {0, 0, 2};
	json_t *out = candidates_of(with), *arr = json_object_get(out, "candidates"), *e;
	char *first = NULL;

	assert_int_equal(json_array_size(arr), 3);
	for (size_t i = 0; i < 3; i++) {
		e = json_array_get(arr, i);
		assert_string_equal(json_string_value(json_object_get(e, "specialist")), order[i]);
		assert_true(json_is_boolean(json_object_get(e, "full")));
		assert_int_equal(json_is_true(json_object_get(e, "full")), full[i]);
		assert_int_equal(json_integer_value(json_object_get(e, "remaining_capacity")),
				 left[i]);
	}
	assert_string_equal(json_string_value(json_object_get(json_array_get(arr, 2), "note")),
			    "fit 0: no dimension is weighted, and none of the needs (a) is in "
			    "the specialist's expertise");
	assert_null(json_object_get(json_array_get(arr, 0), "note"));
	json_decref(out);
	for (size_t i = 0; i < 3; i++) {
		char *text;

		out = candidates_of(without[i]);
		arr = json_object_get(out, "candidates");
		assert_int_equal(json_array_size(arr), 1);
		assert_null(json_object_get(json_array_get(arr, 0), "full"));
		text = json_dumps(out, 0);
		if (first == NULL) {
			first = text;
		} else {
			assert_string_equal(text, first);
			free(text);
		}
		json_decref(out);
	}
	free(first);
	expect_cand_error("{\"parent\": {\"id\": \"P1\"}, \"include_full\": \"yes\"}",
			  "include_full");
	expect_cand_error("{\"parent\": {\"id\": \"P1\"}, \"include_full\": 1}", "include_full");
	expect_cand_error("{\"parent\": {\"id\": \"P1\"}, \"include_full\": [true]}",
			  "include_full");
}

/* The explain object of a match: one entry per breakdown term, in its
 * order, with the weight, the capped flag (dimensions only) and the shared
 * tags sorted by text; a fit 0 gets its note, a positive fit none. */
static void test_explain_encoded(void **state)
{
	const char *text =
	    "{\"policy\": {\"max_dimension_share\": 0.6, \"expertise_weight\": 0.2,"
	    " \"default_weights\": {\"zone\": 1, \"lived\": 4}},"
	    " \"specialists\": [{\"id\": \"S1\", \"capacity\": 1, \"languages\": [\"en\"],"
	    " \"traits\": {\"lived\": [\"ptsd\", \"bipolar\", \"ocd\"]}, \"expertise\": [\"m\"]},"
	    " {\"id\": \"S2\", \"capacity\": 1, \"languages\": [\"fr\"],"
	    " \"traits\": {\"zone\": [\"n\"]}}],"
	    " \"parents\": [{\"id\": \"P1\", \"languages\": [\"en\"], \"needs\": [\"m\", \"k\"],"
	    " \"traits\": {\"lived\": [\"ptsd\", \"bipolar\"], \"zone\": [\"s\"]}},"
	    " {\"id\": \"P2\", \"languages\": [\"fr\"], \"needs\": [\"z\", \"b\"],"
	    " \"traits\": {\"zone\": [\"s\"]}}]}";
	struct match_input in;
	struct match_result res;
	struct pp_error err = {0};
	json_t *out, *m, *ex;
	char *dump;

	assert_int_equal(match_parse(text, strlen(text), &in, &err), 0);
	assert_int_equal(match_solve(&in, &res, &err), 0);
	out = match_result_to_json(&in, &res);
	/* P1 -> S1: raw zone 1, lived 4 at cap 0.6: lived held at 0.6, zone 0.4. */
	m = json_array_get(json_object_get(out, "matches"), 0);
	ex = json_object_get(m, "explain");
	dump = json_dumps(ex, JSON_COMPACT | JSON_REAL_PRECISION(6));
	assert_string_equal(dump, "{\"zone\":{\"weight\":0.4,\"capped\":false,\"shared\":[]},"
				  "\"lived\":{\"weight\":0.6,\"capped\":true,"
				  "\"shared\":[\"bipolar\",\"ptsd\"]},"
				  "\"expertise\":{\"weight\":0.2,\"shared\":[\"m\"]}}");
	free(dump);
	assert_null(json_object_get(m, "note"));
	/* P2 -> S2: no zone shared, neither need covered. */
	m = json_array_get(json_object_get(out, "matches"), 1);
	assert_string_equal(json_string_value(json_object_get(m, "parent")), "P2");
	assert_float_equal(json_real_value(json_object_get(m, "fit")), 0.0, 0);
	assert_string_equal(json_string_value(json_object_get(m, "note")),
			    "fit 0: no tag is shared in any weighted dimension (zone, lived), and "
			    "none of the needs (b, z) is in the specialist's expertise");
	json_decref(out);
	match_result_free(&res);
	match_input_free(&in);
}

/* Policies per parent: P1 under its own (require_language false) reaches
 * the French-speaking S1; P2 under the batch's does not.  Errors are at
 * policies[i], and the list must match the parents. */
static void test_parent_policies(void **state)
{
	json_t *doc =
	    json_loads("{\"specialists\": [{\"id\": \"S1\", \"capacity\": 2,"
		       " \"languages\": [\"fr\"]}], \"parents\": [{\"id\": \"P1\","
		       " \"languages\": [\"en\"]}, {\"id\": \"P2\", \"languages\": [\"en\"]}]}",
		       0, NULL);
	json_t *pols =
	    json_loads("[{\"require_language\": false, \"expertise_weight\": 0.5}, null]", 0, NULL);
	json_t *bad = json_loads("[null, {\"expertise_weight\": 2}]", 0, NULL);
	json_t *short_ = json_loads("[null]", 0, NULL);
	struct match_input in;
	struct match_result res;
	struct pp_error err = {0};

	assert_int_equal(match_parse_json_policies(doc, pols, &in, &err), 0);
	assert_int_equal(match_solve(&in, &res, &err), 0);
	assert_int_equal(res.nmatches, 1);
	assert_string_equal(in.parents[res.matches[0].parent].id, "P1");
	assert_float_equal(res.matches[0].fit.fit, 0.5, 1e-12);
	assert_int_equal(res.unmatched[0].reasons, MR_LANGUAGE);
	match_result_free(&res);
	match_input_free(&in);
	assert_int_equal(match_parse_json_policies(doc, bad, &in, &err), -1);
	assert_string_equal(err.path, "policies[1].expertise_weight");
	memset(&err, 0, sizeof err);
	assert_int_equal(match_parse_json_policies(doc, short_, &in, &err), -1);
	assert_string_equal(err.path, "policies");
	json_decref(doc);
	json_decref(pols);
	json_decref(bad);
	json_decref(short_);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_example_optimum),  cmocka_unit_test(test_defaults_and_output),
	    cmocka_unit_test(test_validation_paths), cmocka_unit_test(test_candidates_request),
	    cmocka_unit_test(test_include_full),     cmocka_unit_test(test_explain_encoded),
	    cmocka_unit_test(test_parent_policies),
	};

	if (argc < 2) {
		fprintf(stderr, "usage: test_match_json EXAMPLE.json\n");
		return 2;
	}
	example_path = argv[1];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
