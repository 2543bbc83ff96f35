/*
 * test_json_read.c - unit tests of api/json_read: parsing errors with line
 * and column, the path builder, each typed reader's acceptance and exact
 * error (code, path, message), ids, duplicate ids, tag sets, and the one
 * dump function's printing of reals.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "json_read.h"

/* Parse a literal document that the test knows to be valid. */
static json_t *doc(const char *text)
{
	json_t *v = jr_parse(text, strlen(text), NULL);

	assert_non_null(v);
	return v;
}

static void test_parse_invalid_json_names_line_and_column(void **state)
{
	const char *text = "{\n  \"a\": ,\n}";
	struct pp_error err = {0};

	assert_null(jr_parse(text, strlen(text), &err));
	assert_int_equal(err.code, PP_ERR_INVALID_JSON);
	assert_string_equal(err.path, "");
	assert_non_null(strstr(err.message, "line 2, column 8"));
}

static void test_parse_repeated_key(void **state)
{
	const char *text = "{\"a\": 1,\n \"a\": 2}";
	struct pp_error err = {0};

	assert_null(jr_parse(text, strlen(text), &err));
	assert_int_equal(err.code, PP_ERR_INVALID_JSON);
	assert_non_null(strstr(err.message, "line 2"));
	assert_non_null(strstr(err.message, "duplicate"));
}

static void test_parse_trailing_garbage(void **state)
{
	const char *text = "{} x";
	struct pp_error err = {0};

	assert_null(jr_parse(text, strlen(text), &err));
	assert_int_equal(err.code, PP_ERR_INVALID_JSON);
}

static void test_path_push_pop(void **state)
{
	struct jr r;
	size_t m0, m1, m2;

	jr_init(&r, NULL);
	m0 = jr_push_key(&r, "parents");
	m1 = jr_push_index(&r, 3);
	jr_push_key(&r, "available");
	m2 = jr_push_index(&r, 0);
	jr_push_key(&r, "from");
	assert_string_equal(r.path, "parents[3].available[0].from");
	jr_pop(&r, m2);
	assert_string_equal(r.path, "parents[3].available");
	jr_pop(&r, m1);
	assert_string_equal(r.path, "parents");
	jr_pop(&r, m0);
	assert_string_equal(r.path, "");
	assert_int_equal(r.len, 0);
}

static void test_path_truncates_without_overflow(void **state)
{
	struct jr r;
	size_t first;

	jr_init(&r, NULL);
	first = jr_push_key(&r, "a");
	for (int i = 0; i < 200; i++)
		jr_push_key(&r, "segment");
	assert_int_equal(r.len, JR_PATH_MAX - 1);
	assert_int_equal(strlen(r.path), JR_PATH_MAX - 1);
	jr_pop(&r, first);
	assert_string_equal(r.path, "");
}

static void test_object_unknown_field(void **state)
{
	static const char *const allowed[] = {"id", "capacity", NULL};
	json_t *v = doc("{\"id\": \"x\", \"frobnicate\": 1}");
	struct pp_error err = {0};
	struct jr r;

	jr_init(&r, &err);
	jr_push_key(&r, "rooms");
	jr_push_index(&r, 1);
	assert_int_equal(jr_object(&r, v, allowed), -1);
	assert_int_equal(err.code, PP_ERR_INVALID_INPUT);
	assert_string_equal(err.path, "rooms[1].frobnicate");
	assert_string_equal(err.message, "rooms[1].frobnicate: unknown field");
	assert_string_equal(r.path, "rooms[1]"); /* the reader restored the path */
	json_decref(v);
}

static void test_object_not_object(void **state)
{
	static const char *const allowed[] = {NULL};
	json_t *v = doc("[1]");
	struct pp_error err = {0};
	struct jr r;

	jr_init(&r, &err);
	assert_int_equal(jr_object(&r, v, allowed), -1);
	assert_string_equal(err.path, "");
	assert_string_equal(err.message, "must be an object");
	json_decref(v);

	/* A NULL list accepts any key of an object. */
	v = doc("{\"lived\": [], \"zone\": []}");
	pp_error_clear(&err);
	assert_int_equal(jr_object(&r, v, NULL), 0);
	assert_int_equal(err.code, PP_OK);
	json_decref(v);
}

static void test_int_reader(void **state)
{
	json_t *v = doc("{\"p\": 7, \"q\": 101, \"s\": \"7\", \"f\": 2.0, \"n\": null}");
	struct pp_error err = {0};
	struct jr r;
	int x = -5;

	jr_init(&r, &err);
	assert_int_equal(jr_int(&r, v, "p", JR_REQUIRED, 1, 100, &x), 0);
	assert_int_equal(x, 7);
	x = 42; /* absent and null optional fields keep the default */
	assert_int_equal(jr_int(&r, v, "absent", JR_OPTIONAL, 1, 100, &x), 0);
	assert_int_equal(jr_int(&r, v, "n", JR_OPTIONAL, 1, 100, &x), 0);
	assert_int_equal(x, 42);
	assert_int_equal(err.code, PP_OK);

	jr_push_key(&r, "parents");
	jr_push_index(&r, 0);
	assert_int_equal(jr_int(&r, v, "q", JR_REQUIRED, 1, 100, &x), -1);
	assert_int_equal(err.code, PP_ERR_INVALID_INPUT);
	assert_string_equal(err.path, "parents[0].q");
	assert_string_equal(err.message, "parents[0].q: must be an integer from 1 to 100");
	assert_int_equal(x, 42);

	pp_error_clear(&err);
	assert_int_equal(jr_int(&r, v, "s", JR_REQUIRED, 0, JR_INT_MAX, &x), -1);
	assert_string_equal(err.message, "parents[0].s: must be an integer >= 0");
	pp_error_clear(&err);
	assert_int_equal(jr_int(&r, v, "f", JR_REQUIRED, 0, JR_INT_MAX, &x), -1);
	assert_string_equal(err.path, "parents[0].f");
	pp_error_clear(&err);
	assert_int_equal(jr_int(&r, v, "n", JR_REQUIRED, 0, JR_INT_MAX, &x), -1);
	assert_string_equal(err.message, "parents[0].n: must not be null");
	pp_error_clear(&err);
	assert_int_equal(jr_int(&r, v, "absent", JR_REQUIRED, 0, JR_INT_MAX, &x), -1);
	assert_string_equal(err.path, "parents[0].absent");
	assert_string_equal(err.message, "parents[0].absent: missing required field");
	json_decref(v);
}

static void test_real_reader(void **state)
{
	json_t *v = doc("{\"a\": 3, \"b\": 2.5, \"c\": -0.5, \"d\": true}");
	struct pp_error err = {0};
	struct jr r;
	double x = 0;

	jr_init(&r, &err);
	assert_int_equal(jr_real(&r, v, "a", JR_REQUIRED, 0, JR_NO_MAX, &x), 0);
	assert_true(x == 3.0);
	assert_int_equal(jr_real(&r, v, "b", JR_REQUIRED, 0, JR_NO_MAX, &x), 0);
	assert_true(x == 2.5);
	jr_push_key(&r, "policy");
	assert_int_equal(jr_real(&r, v, "c", JR_OPTIONAL, 0, JR_NO_MAX, &x), -1);
	assert_string_equal(err.path, "policy.c");
	assert_string_equal(err.message, "policy.c: must be a number >= 0");
	assert_true(x == 2.5);
	pp_error_clear(&err);
	assert_int_equal(jr_real(&r, v, "d", JR_OPTIONAL, 0, JR_NO_MAX, &x), -1);
	assert_string_equal(err.message, "policy.d: must be a number >= 0");
	json_decref(v);
}

static void test_first_error_wins(void **state)
{
	json_t *v = doc("{\"a\": -1, \"b\": -2}");
	struct pp_error err = {0};
	struct jr r;
	int x;

	jr_init(&r, &err);
	assert_int_equal(jr_int(&r, v, "a", JR_REQUIRED, 0, 10, &x), -1);
	assert_int_equal(jr_int(&r, v, "b", JR_REQUIRED, 0, 10, &x), -1);
	assert_string_equal(err.path, "a");
	/* A valid optional field after an error still reads as success. */
	assert_int_equal(jr_int(&r, v, "absent", JR_OPTIONAL, 0, 10, &x), 0);
	json_decref(v);
}

static void test_bool_string_enum(void **state)
{
	static const char *const modes[] = {"car", "transit", "walk", "ride"};
	json_t *v = doc("{\"t\": true, \"i\": 1, \"s\": \"abc\", \"e\": \"\", \"m\": \"walk\","
			" \"x\": \"bus\"}");
	struct pp_error err = {0};
	const char *s = NULL;
	struct jr r;
	bool b = false;
	int m = -1;

	jr_init(&r, &err);
	assert_int_equal(jr_bool(&r, v, "t", JR_REQUIRED, &b), 0);
	assert_true(b);
	assert_int_equal(jr_string(&r, v, "s", JR_REQUIRED, 1, 3, &s), 0);
	assert_string_equal(s, "abc");
	assert_int_equal(jr_enum(&r, v, "m", JR_REQUIRED, modes, 4, &m), 0);
	assert_int_equal(m, 2);
	assert_int_equal(err.code, PP_OK);

	assert_int_equal(jr_bool(&r, v, "i", JR_REQUIRED, &b), -1);
	assert_string_equal(err.message, "i: must be true or false");
	pp_error_clear(&err);
	assert_int_equal(jr_string(&r, v, "e", JR_REQUIRED, 1, 3, &s), -1);
	assert_string_equal(err.message, "e: must not be empty");
	pp_error_clear(&err);
	assert_int_equal(jr_string(&r, v, "s", JR_REQUIRED, 1, 2, &s), -1);
	assert_string_equal(err.path, "s");
	pp_error_clear(&err);
	jr_push_key(&r, "parents");
	jr_push_index(&r, 2);
	assert_int_equal(jr_enum(&r, v, "x", JR_REQUIRED, modes, 4, &m), -1);
	assert_string_equal(err.path, "parents[2].x");
	assert_string_equal(err.message, "parents[2].x: must be one of car, transit, walk, ride");
	assert_int_equal(m, 2);
	json_decref(v);
}

static void test_fail_at_parent(void **state)
{
	struct pp_error err = {0};
	struct jr r;

	jr_init(&r, &err);
	jr_push_key(&r, "parents");
	jr_push_index(&r, 3);
	jr_push_key(&r, "available");
	jr_push_index(&r, 0);
	assert_int_equal(jr_fail(&r, "from", true, "'from' must be before 'to'"), -1);
	assert_int_equal(err.code, PP_ERR_INVALID_INPUT);
	assert_string_equal(err.path, "parents[3].available[0].from");
	assert_string_equal(err.message, "parents[3].available[0]: 'from' must be before 'to'");
	assert_string_equal(r.path, "parents[3].available[0]");
}

static void test_ids(void **state)
{
	char long_id[JR_ID_MAX + 2];
	char out[JR_ID_MAX + 1];
	struct pp_error err = {0};
	struct jr r;
	json_t *v;

	assert_true(jr_id_valid("P0001"));
	assert_true(jr_id_valid("a.b_c:d-E9"));
	assert_false(jr_id_valid(""));
	assert_false(jr_id_valid("a b"));
	assert_false(jr_id_valid("a/b"));
	assert_false(jr_id_valid("caf\xc3\xa9"));
	memset(long_id, 'x', JR_ID_MAX);
	long_id[JR_ID_MAX] = '\0';
	assert_true(jr_id_valid(long_id));
	long_id[JR_ID_MAX] = 'x';
	long_id[JR_ID_MAX + 1] = '\0';
	assert_false(jr_id_valid(long_id));

	v = json_pack("{s:s, s:s, s:i}", "ok", "S-1", "long", long_id, "num", 5);
	jr_init(&r, &err);
	assert_int_equal(jr_id(&r, v, "ok", JR_REQUIRED, out), 0);
	assert_string_equal(out, "S-1");
	jr_push_key(&r, "rooms");
	jr_push_index(&r, 0);
	assert_int_equal(jr_id(&r, v, "long", JR_REQUIRED, out), -1);
	assert_string_equal(err.path, "rooms[0].long");
	assert_non_null(strstr(err.message, "rooms[0].long: must be an id"));
	pp_error_clear(&err);
	assert_int_equal(jr_id(&r, v, "num", JR_REQUIRED, out), -1);
	assert_string_equal(err.path, "rooms[0].num");
	json_decref(v);
}

struct named {
	int x;
	char id[JR_ID_MAX + 1];
};

static void test_unique_ids(void **state)
{
	struct named a[5] = {{0, "B"}, {0, "A"}, {0, "C"}, {0, "A"}, {0, "B"}};
	struct pp_error err = {0};
	struct jr r;

	jr_init(&r, &err);
	jr_push_key(&r, "parents");
	assert_int_equal(jr_unique_ids(&r, a, 3, sizeof a[0], offsetof(struct named, id)), 0);
	assert_int_equal(jr_unique_ids(&r, a, 5, sizeof a[0], offsetof(struct named, id)), -1);
	assert_int_equal(err.code, PP_ERR_INVALID_INPUT);
	assert_string_equal(err.path, "parents[3].id");
	assert_string_equal(err.message, "parents[3].id: duplicate id 'A' (also parents[1])");
	assert_string_equal(r.path, "parents");
}

static void test_tags_are_sets(void **state)
{
	json_t *v = doc("{\"a\": [\"en\", \"ar\", \"en\"], \"b\": [\"fr\", \"ar\"], \"c\": [],"
			" \"bad\": [\"en\", \"\"], \"num\": [\"en\", 3], \"str\": \"en\"}");
	struct jr_strtab tab = {0};
	struct pp_error err = {0};
	struct jr r;
	int *t = NULL, n = -1;
	char **strs;
	int nstrs;

	jr_init(&r, &err);
	assert_int_equal(jr_tags(&r, v, "a", JR_REQUIRED, &tab, &t, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(t[0], 0); /* "en" interned first */
	assert_int_equal(t[1], 1);
	free(t);
	assert_int_equal(jr_tags(&r, v, "b", JR_REQUIRED, &tab, &t, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(t[0], 1); /* "ar" */
	assert_int_equal(t[1], 2); /* "fr" */
	free(t);
	assert_int_equal(jr_tags(&r, v, "c", JR_REQUIRED, &tab, &t, &n), 0);
	assert_int_equal(n, 0);
	assert_null(t);
	assert_int_equal(jr_tags(&r, v, "absent", JR_OPTIONAL, &tab, &t, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(err.code, PP_OK);

	jr_push_key(&r, "parents");
	jr_push_index(&r, 4);
	assert_int_equal(jr_tags(&r, v, "bad", JR_REQUIRED, &tab, &t, &n), -1);
	assert_string_equal(err.path, "parents[4].bad[1]");
	assert_null(t);
	assert_string_equal(r.path, "parents[4]");
	pp_error_clear(&err);
	assert_int_equal(jr_tags(&r, v, "num", JR_REQUIRED, &tab, &t, &n), -1);
	assert_string_equal(err.path, "parents[4].num[1]");
	pp_error_clear(&err);
	assert_int_equal(jr_tags(&r, v, "str", JR_REQUIRED, &tab, &t, &n), -1);
	assert_string_equal(err.message, "parents[4].str: must be an array");

	jr_strtab_take(&tab, &strs, &nstrs);
	assert_int_equal(nstrs, 3);
	assert_string_equal(strs[0], "en");
	assert_string_equal(strs[1], "ar");
	assert_string_equal(strs[2], "fr");
	for (int i = 0; i < nstrs; i++)
		free(strs[i]);
	free(strs);
	jr_strtab_free(&tab); /* already empty: must be harmless */
	json_decref(v);
}

static void test_dumps_reals(void **state)
{
	json_t *v = json_pack("{s:o, s:o, s:o, s:o, s:i}", "cost", jr_money(2915.0000000000005),
			      "tiny", jr_money(-1e-9), "fit", jr_money(0.1 + 0.2 + 0.175), "gap",
			      json_real(0.25), "n", 3);
	char *s = jr_dumps(v, 0);

	assert_string_equal(s, "{\"cost\":2915.0,\"tiny\":0.0,\"fit\":0.475,\"gap\":0.25,\"n\":3}");
	free(s);
	s = jr_dumps(v, JR_PRETTY);
	assert_non_null(strstr(s, "\n  \"cost\": 2915.0,\n"));
	free(s);
	assert_true(jr_round6(1.0000004) == 1.0);
	assert_true(jr_round6(1.0000006) == 1.000001);
	json_decref(v);
}

/* Any bytes become a JSON string: valid UTF-8 kept, every other byte as
 * \xNN (a path segment %FF echoed in a 404 made Jansson refuse the whole
 * error document, answered 500 "out of memory"). */
static void test_text_escapes_invalid_utf8(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
	    {"no plan 'abc'", "no plan 'abc'"},
	    {"caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80",
	     "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"},
	    {"no plan '\xFF'", "no plan '\\xFF'"},
	    {"\xC3", "\\xC3"},                            /* truncated sequence */
	    {"\xC0\xAF", "\\xC0\\xAF"},                   /* overlong '/' */
	    {"\xE0\x80\xAF", "\\xE0\\x80\\xAF"},          /* overlong, 3 bytes */
	    {"\xED\xA0\x80", "\\xED\\xA0\\x80"},          /* a surrogate */
	    {"\xF4\x90\x80\x80", "\\xF4\\x90\\x80\\x80"}, /* above U+10FFFF */
	    {"a\x80-\xC3\xA9", "a\\x80-\xC3\xA9"},        /* a stray continuation byte */
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		json_t *v = jr_text(cases[i].in);

		assert_non_null(v);
		assert_string_equal(json_string_value(v), cases[i].out);
		json_decref(v);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_invalid_json_names_line_and_column),
	    cmocka_unit_test(test_parse_repeated_key),
	    cmocka_unit_test(test_parse_trailing_garbage),
	    cmocka_unit_test(test_path_push_pop),
	    cmocka_unit_test(test_path_truncates_without_overflow),
	    cmocka_unit_test(test_object_unknown_field),
	    cmocka_unit_test(test_object_not_object),
	    cmocka_unit_test(test_int_reader),
	    cmocka_unit_test(test_real_reader),
	    cmocka_unit_test(test_first_error_wins),
	    cmocka_unit_test(test_bool_string_enum),
	    cmocka_unit_test(test_fail_at_parent),
	    cmocka_unit_test(test_ids),
	    cmocka_unit_test(test_unique_ids),
	    cmocka_unit_test(test_tags_are_sets),
	    cmocka_unit_test(test_dumps_reals),
	    cmocka_unit_test(test_text_escapes_invalid_utf8),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
