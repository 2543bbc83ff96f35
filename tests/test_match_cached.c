/*
 * test_match_cached.c - api/match_json's parsed registry: a candidates
 * request read against a struct match_registry must give the very bytes
 * (or the very error) that the whole document gives through
 * match_parse_candidates_json(), for hand-made requests (tags and
 * dimensions the registry never names, weights overriding defaults in an
 * order the registry does not share, exclusions both ways, full
 * specialists left out and listed with include_full, a fit 0 with its
 * note, shared tags in an order of their own, bad requests) and for every parent of the shared 30 x
 * 6 example read against its specialists.  Each request is read twice, to show that nothing of one
 * request stays in the registry for the next. argv[1] is the example batch
 * (contrib/examples/match-30x6.json).
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

/* The registry names "zone" before "lived" and never "age", "fr" or "art". */
static const char *const registry_text =
    "{\"specialists\": ["
    "{\"id\": \"S3\", \"capacity\": 2, \"languages\": [\"en\", \"es\"],"
    " \"traits\": {\"zone\": [\"n\"], \"lived\": [\"ptsd\", \"ocd\"]},"
    " \"expertise\": [\"school\"]},"
    "{\"id\": \"S1\", \"capacity\": 1, \"languages\": [\"en\"],"
    " \"traits\": {\"lived\": [\"ptsd\"], \"family\": [\"kin\"]},"
    " \"expertise\": [\"school\", \"money\"], \"exclude\": [\"P7\"]},"
    "{\"id\": \"S2\", \"capacity\": 1, \"languages\": [\"es\"],"
    " \"traits\": {\"zone\": [\"s\"]}},"
    "{\"id\": \"S0\", \"capacity\": 1, \"languages\": [\"en\"], \"expertise\": [\"money\"]},"
    "{\"id\": \"S4\", \"capacity\": 3, \"languages\": [\"en\"],"
    " \"traits\": {\"family\": [\"kin\", \"single\"], \"lived\": [\"ocd\"]}}],"
    " \"existing\": [{\"parent\": \"Q\", \"specialist\": \"S0\"},"
    " {\"parent\": \"R\", \"specialist\": \"S3\"},"
    " {\"parent\": \"P7\", \"specialist\": \"S4\"}]}";

/* Requests without specialists: valid ones first, then bad ones. */
static const char *const requests[] = {
    /* defaults only, no weights: the expertise term alone */
    "{\"parent\": {\"id\": \"P1\", \"languages\": [\"en\"], \"needs\": [\"school\"]}}",
    /* weights in an order the registry does not share, a dimension it never names */
    "{\"parent\": {\"id\": \"P2\", \"languages\": [\"en\", \"es\"],"
    " \"traits\": {\"lived\": [\"ptsd\"], \"zone\": [\"n\", \"s\"], \"age\": [\"30s\"]},"
    " \"weights\": {\"lived\": 2, \"age\": 1, \"zone\": 1}, \"needs\": [\"school\", \"art\"]},"
    " \"k\": 5}",
    /* policy defaults overridden by the parent (zone 0 drops it), new tags */
    "{\"policy\": {\"default_weights\": {\"family\": 1, \"zone\": 3, \"lived\": 0.5},"
    " \"max_dimension_share\": 0.6, \"expertise_weight\": 0.25},"
    " \"parent\": {\"id\": \"P3\", \"languages\": [\"fr\", \"en\"],"
    " \"traits\": {\"family\": [\"kin\"], \"lived\": [\"ocd\", \"new\"]},"
    " \"weights\": {\"zone\": 0, \"lived\": 4}, \"needs\": [\"money\"]}, \"k\": 2}",
    /* exclusions both ways (S1 excludes P7; P7 excludes S3), k = 1 */
    "{\"parent\": {\"id\": \"P7\", \"languages\": [\"en\"], \"exclude\": [\"S3\"],"
    " \"traits\": {\"family\": [\"kin\"]}, \"weights\": {\"family\": 1}}, \"k\": 1}",
    /* no common language required; the parent's id is a registry tag */
    "{\"policy\": {\"require_language\": false, \"default_weights\": {\"lived\": 1}},"
    " \"parent\": {\"id\": \"kin\", \"traits\": {\"lived\": [\"ocd\"]}}, \"k\": 1000,"
    " \"specialists\": null, \"existing\": null}",
    /* every string new */
    "{\"parent\": {\"id\": \"Z9\", \"languages\": [\"xx\"], \"traits\": {\"dd\": [\"t\"]},"
    " \"weights\": {\"dd\": 1}}}",
    /* full specialists too (S0), flagged and ranked among the others; a
     * fit 0 with its note; shared tags and needs named in a new order */
    "{\"parent\": {\"id\": \"P8\", \"languages\": [\"en\"], \"needs\": [\"zz\", \"art\"],"
    " \"traits\": {\"lived\": [\"zeta\", \"ocd\", \"ptsd\"]}, \"weights\": {\"lived\": 1}},"
    " \"include_full\": true, \"k\": 1000}",
    "{\"parent\": {\"id\": \"P8\", \"languages\": [\"en\"]}, \"include_full\": null}",
    /* bad requests: the same error as the whole document */
    "{\"parent\": {\"id\": \"P1\"}, \"k\": 0}",
    "{\"parent\": {\"id\": \"P1\"}, \"colour\": 1}",
    "{\"parent\": {\"id\": \"P1\"}, \"include_full\": \"yes\"}",
    "{\"k\": 3}",
    "{\"parent\": {\"id\": \"P1\", \"traits\": {\"lived\": \"ptsd\"}}}",
    "{\"parent\": {\"id\": \"P1\", \"weights\": {\"zone\": -1}}}",
    "{\"policy\": {\"max_dimension_share\": 0}, \"parent\": {\"id\": \"P1\"}}",
    "{\"policy\": {\"default_weights\": {\"\": 1}}, \"parent\": {\"id\": \"P1\"}}",
    "{\"parent\": {\"id\": \"bad id\"}}",
    "{\"parent\": {\"id\": \"P1\", \"exclude\": [\"not valid\"]}}",
    "[1, 2]",
};

/* The full path: doc completed with reg_doc's specialists and existing.
 * Returns the reply as text, or NULL with *err set. */
static char *full_reply(const json_t *req, const json_t *reg_doc, struct pp_error *err)
{
	json_t *doc = json_deep_copy(req), *out;
	struct match_input in;
	struct match_parent p;
	struct match_candidate *c = NULL;
	char *text = NULL;
	struct match_cand_opts o;
	int n = 0;

	assert_non_null(doc);
	if (json_is_object(doc)) {
		json_object_set(doc, "specialists", json_object_get(reg_doc, "specialists"));
		json_object_set(doc, "existing", json_object_get(reg_doc, "existing"));
	}
	if (match_parse_candidates_json(doc, &in, &p, &o, err) == 0) {
		assert_int_equal(match_candidates(&in, &p, &o, &c, &n, err), 0);
		out = match_candidates_to_json(&in, &p, &o, c, n);
		text = jr_dumps(out, 0);
		json_decref(out);
		match_candidates_free(c, n);
		match_parent_free(&p);
		match_input_free(&in);
	}
	json_decref(doc);
	return text;
}

/* The cached path; *nstrs gets the view's string count. */
static char *cached_reply(const json_t *req, struct match_registry *reg, struct pp_error *err,
			  int *nstrs)
{
	struct match_input in;
	struct match_parent p;
	struct match_candidate *c = NULL;
	char *text = NULL;
	json_t *out;
	struct match_cand_opts o;
	int n = 0;

	*nstrs = -1;
	if (match_parse_candidates_cached(req, reg, &in, &p, &o, err) == 0) {
		*nstrs = in.nstrs;
		assert_int_equal(match_candidates(&in, &p, &o, &c, &n, err), 0);
		out = match_candidates_to_json(&in, &p, &o, c, n);
		text = jr_dumps(out, 0);
		json_decref(out);
		match_candidates_free(c, n);
	}
	match_registry_release(reg, &in, &p);
	return text;
}

/* Compare both paths on req (twice through reg); returns the reply or NULL. */
static char *compare(const char *req_text, const json_t *reg_doc, struct match_registry *reg)
{
	json_t *req = json_loads(req_text, 0, NULL);
	struct pp_error ef = {0}, ec = {0};
	char *full, *cached = NULL;
	int nstrs[2];

	assert_non_null(req);
	full = full_reply(req, reg_doc, &ef);
	for (int round = 0; round < 2; round++) {
		free(cached);
		memset(&ec, 0, sizeof ec);
		cached = cached_reply(req, reg, &ec, &nstrs[round]);
		if (full != NULL) {
			if (cached == NULL)
				fail_msg("%s: cached path failed: %s", req_text, ec.message);
			if (strcmp(full, cached) != 0)
				fail_msg("%s:\n full   %s\n cached %s", req_text, full, cached);
		} else {
			if (cached != NULL)
				fail_msg("%s: cached path accepted it: %s", req_text, cached);
			assert_int_equal(ec.code, ef.code);
			assert_string_equal(ec.path, ef.path);
			assert_string_equal(ec.message, ef.message);
		}
	}
	assert_int_equal(nstrs[0], nstrs[1]); /* nothing stayed from round 0 */
	free(cached);
	json_decref(req);
	return full;
}

static void test_requests_match_full_path(void **state)
{
	json_t *reg_doc = json_loads(registry_text, 0, NULL);
	struct pp_error err = {0};
	struct match_registry *reg = match_registry_parse_json(reg_doc, &err);
	size_t nvalid = 0;

	assert_non_null(reg);
	assert_int_equal(match_registry_size(reg), 5);
	for (size_t i = 0; i < sizeof requests / sizeof requests[0]; i++) {
		char *reply = compare(requests[i], reg_doc, reg);

		nvalid += reply != NULL;
		free(reply);
	}
	assert_int_equal(nvalid, 8);
	match_registry_free(reg);
	json_decref(reg_doc);
}

/* Values worked out by hand, so that the comparison is not of two wrongs. */
static void test_hand_checked_reply(void **state)
{
	json_t *reg_doc = json_loads(registry_text, 0, NULL);
	struct match_registry *reg = match_registry_parse_json(reg_doc, NULL);
	char *reply;
	json_t *out, *cands, *bd;
	const char *key;
	json_t *val;
	const char *order[4];
	int nkeys = 0;

	assert_non_null(reg);
	/* P2 (en, es): eligible S1, S3 (1 of 2 taken), S2, S4; S0 is full.
	 * Raw weights lived 2, age 1, zone 1, cap 0.5: lambda = 1/4, so
	 * lived 0.5, age and zone 0.25 each; beta 0.3; needs {school, art}.
	 * S1: J(lived) = 1, J(zone) = J(age) = 0 -> S = 0.5; E = 1/2;
	 *     fit = 0.7 * 0.5 + 0.3 * 0.5 = 0.5.
	 * S3: J(lived) = |{ptsd}| / |{ptsd, ocd}| = 1/2, J(zone) = 1/2 ->
	 *     S = 0.25 + 0.125 = 0.375; E = 1/2; fit = 0.2625 + 0.15 = 0.4125.
	 * S2: J(zone) = 1/2 -> S = 0.125, E = 0 -> fit = 0.0875.
	 * S4: J(lived) = 0, E = 0 -> fit = 0. */
	reply = compare(requests[1], reg_doc, reg);
	out = json_loads(reply, 0, NULL);
	cands = json_object_get(out, "candidates");
	assert_int_equal(json_array_size(cands), 4);
	{
		static const char *const ids[] = {"S1", "S3", "S2", "S4"};
		static const double fits[] = {0.5, 0.4125, 0.0875, 0};

		for (int i = 0; i < 4; i++) {
			json_t *ci = json_array_get(cands, (size_t)i);

			assert_string_equal(json_string_value(json_object_get(ci, "specialist")),
					    ids[i]);
			assert_float_equal(json_real_value(json_object_get(ci, "fit")), fits[i],
					   1e-12);
		}
	}
	assert_int_equal(
	    json_integer_value(json_object_get(json_array_get(cands, 1), "remaining_capacity")), 1);
	/* The breakdown follows the request's first appearance: lived, zone,
	 * age (its traits name them so), then expertise; the registry names
	 * zone before lived. */
	bd = json_object_get(json_array_get(cands, 1), "breakdown");
	json_object_foreach (bd, key, val) {
		if (nkeys < 4)
			order[nkeys] = key;
		nkeys++;
	}
	assert_int_equal(nkeys, 4);
	assert_string_equal(order[0], "lived");
	assert_string_equal(order[1], "zone");
	assert_string_equal(order[2], "age");
	assert_string_equal(order[3], "expertise");
	assert_float_equal(json_real_value(json_object_get(bd, "lived")), 0.7 * 0.25, 1e-12);
	assert_float_equal(json_real_value(json_object_get(bd, "zone")), 0.7 * 0.125, 1e-12);
	assert_float_equal(json_real_value(json_object_get(bd, "expertise")), 0.15, 1e-12);
	json_decref(out);
	free(reply);
	match_registry_free(reg);
	json_decref(reg_doc);
}

static void test_example_parents(void **state)
{
	json_error_t jerr;
	json_t *ex = json_load_file(example_path, 0, &jerr), *reg_doc, *par;
	struct pp_error err = {0};
	struct match_registry *reg;
	size_t i;

	assert_non_null(ex);
	reg_doc = json_pack("{s:O, s:O}", "specialists", json_object_get(ex, "specialists"),
			    "existing", json_object_get(ex, "existing"));
	reg = match_registry_parse_json(reg_doc, &err);
	assert_non_null(reg);
	assert_int_equal(match_registry_size(reg), 6);
	json_array_foreach (json_object_get(ex, "parents"), i, par) {
		json_t *req = json_pack("{s:O, s:O, s:i}", "policy", json_object_get(ex, "policy"),
					"parent", par, "k", 3);
		char *text = jr_dumps(req, 0), *reply = compare(text, reg_doc, reg);

		assert_non_null(reply);
		free(reply);
		free(text);
		json_decref(req);
	}
	match_registry_free(reg);
	json_decref(reg_doc);
	json_decref(ex);
}

/* A registry that does not validate is refused with the document's path. */
static void test_registry_errors(void **state)
{
	static const struct {
		const char *text, *path;
	} cases[] = {
	    {"{\"specialists\": [{\"id\": \"S1\", \"capacity\": 1}, {\"id\": \"S2\"}]}",
	     "specialists[1].capacity"},
	    {"{\"specialists\": [{\"id\": \"S1\", \"capacity\": 1}],"
	     " \"existing\": [{\"parent\": \"X\", \"specialist\": \"S9\"}]}",
	     "existing[0].specialist"},
	    {"{\"specialists\": [{\"id\": \"S1\", \"capacity\": 1},"
	     " {\"id\": \"S1\", \"capacity\": 2}]}",
	     "specialists[1].id"},
	    {"{\"parents\": []}", "parents"},
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		json_t *doc = json_loads(cases[i].text, 0, NULL);
		struct pp_error err = {0};

		assert_null(match_registry_parse_json(doc, &err));
		assert_int_equal(err.code, PP_ERR_INVALID_INPUT);
		assert_string_equal(err.path, cases[i].path);
		json_decref(doc);
	}
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_requests_match_full_path),
	    cmocka_unit_test(test_hand_checked_reply),
	    cmocka_unit_test(test_example_parents),
	    cmocka_unit_test(test_registry_errors),
	};

	if (argc < 2) {
		fprintf(stderr, "usage: test_match_cached EXAMPLE.json\n");
		return 2;
	}
	example_path = argv[1];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
