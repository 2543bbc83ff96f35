/*
 * test_month_json.c - unit tests of api/month_json: every class of invalid
 * month document is rejected with the exact error code and path and leaves
 * nothing allocated; every default of MODEL.md section 1 is applied; the
 * example month parses with the right counts; and the encoder writes the
 * output document (ids, dates, reasons, conflicts, changes, rounded money)
 * exactly.  The re-planning fields (from, stability, change_weights,
 * previous) are read with their defaults and every bad `previous` is
 * rejected at its path; plan outputs read back with month_plan_read()
 * (api/plan_json.c) write the same document again.
 *
 * Invalid documents are made from one small valid document by replacing or
 * deleting the value at a path ("rooms[0].available[0].from"), so each test
 * states only what it breaks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "json_read.h"
#include "month_json.h"
#include "plan_json.h"
#include "test_file.h"

#ifndef PP_EXAMPLES_DIR
#define PP_EXAMPLES_DIR "contrib/examples"
#endif

#define WIN_MON "[{\"weekday\": \"mon\", \"from\": \"08:00\", \"to\": \"22:00\"}]"

/* A valid month with one of everything and (nearly) every default. */
static const char base_text[] =
    "{\"month\": \"2026-02\",\n"
    " \"slots\": [{\"id\": \"mon-am\", \"weekday\": \"mon\", \"start\": \"10:00\", \"end\": "
    "\"12:00\"},\n"
    "           {\"id\": \"wed-late\", \"weekday\": \"wed\", \"start\": \"22:30\", \"end\": "
    "\"24:00\"}],\n"
    " \"rooms\": [{\"id\": \"hall\", \"capacity\": 10, \"available\": " WIN_MON "}],\n"
    " \"facilitators\": [{\"id\": \"F1\", \"languages\": [\"en\"], \"available\": " WIN_MON "}],\n"
    " \"childcare_staff\": [{\"id\": \"C1\", \"max_children\": 3, \"available\": " WIN_MON "}],\n"
    " \"parents\": [{\"id\": \"P1\", \"transport\": \"car\", \"languages\": [\"fr\", \"en\", "
    "\"fr\"],\n"
    "               \"children\": [{\"age\": 4}], \"available\": " WIN_MON "}]}";

static json_t *base(void)
{
	json_error_t e;
	json_t *d = json_loads(base_text, JSON_REJECT_DUPLICATES, &e);

	if (d == NULL)
		fail_msg("base document: %s at %d:%d", e.text, e.line, e.column);
	return d;
}

/* Replace (v != NULL, reference stolen) or delete (v == NULL) the value at
 * path in d; the parent must exist.  An index one past the end appends. */
static void set_path(json_t *d, const char *path, json_t *v)
{
	json_t *cur = d;
	const char *p = path;

	for (;;) {
		char key[64];
		size_t n = strcspn(p, ".[");
		bool is_index = false;
		size_t idx = 0;

		if (n > 0) {
			assert_true(n < sizeof key);
			memcpy(key, p, n);
			key[n] = '\0';
			p += n;
		} else {
			assert_true(*p == '[');
			idx = strtoul(p + 1, (char **)&p, 10);
			assert_true(*p == ']');
			p++;
			is_index = true;
		}
		if (*p == '.')
			p++;
		if (*p == '\0') {
			if (is_index && v == NULL)
				json_array_remove(cur, idx);
			else if (is_index && idx == json_array_size(cur))
				json_array_append_new(cur, v);
			else if (is_index)
				json_array_set_new(cur, idx, v);
			else if (v == NULL)
				json_object_del(cur, key);
			else
				json_object_set_new(cur, key, v);
			return;
		}
		cur = is_index ? json_array_get(cur, idx) : json_object_get(cur, key);
		assert_non_null(cur);
	}
}

/* Parse d (consumed) and expect failure with code and path, an error
 * message that starts with a prefix of the path, and an empty input. */
static void expect_error_doc(json_t *d, enum pp_errcode code, const char *path)
{
	static const struct month_input empty;
	struct pp_error err = {0};
	struct month_input in;
	char *text = jr_dumps(d, 0);
	const char *colon;

	assert_non_null(text);
	memset(&in, 0x5a, sizeof in);
	assert_int_equal(month_parse(text, strlen(text), &in, &err), -1);
	if (err.code != code || strcmp(err.path, path) != 0)
		print_error("document %s\nerror %s %s: %s\n", text, pp_errcode_name(err.code),
			    err.path, err.message);
	assert_int_equal(err.code, code);
	assert_string_equal(err.path, path);
	assert_true(err.message[0] != '\0');
	if (path[0] != '\0') {
		colon = strstr(err.message, ": ");
		assert_non_null(colon);
		assert_true(strncmp(err.message, path, (size_t)(colon - err.message)) == 0);
	}
	assert_memory_equal(&in, &empty, sizeof in);
	free(text);
	json_decref(d);
}

/* Break the base document at `at` with v (NULL deletes) and expect an
 * invalid_input error at `path`. */
static void expect_bad(const char *at, json_t *v, const char *path)
{
	json_t *d = base();

	set_path(d, at, v);
	expect_error_doc(d, PP_ERR_INVALID_INPUT, path);
}

/* The same, with the replacement given as JSON text. */
static void expect_bad_text(const char *at, const char *value, const char *path)
{
	json_error_t e;
	json_t *v = json_loads(value, JSON_DECODE_ANY, &e);

	if (v == NULL)
		fail_msg("bad test value %s", value);
	expect_bad(at, v, path);
}

/* Parse d (consumed), expecting success. */
static void parse_ok(json_t *d, struct month_input *in)
{
	struct pp_error err = {0};
	char *text = jr_dumps(d, 0);

	if (month_parse(text, strlen(text), in, &err) != 0)
		fail_msg("unexpected error %s at %s: %s", pp_errcode_name(err.code), err.path,
			 err.message);
	free(text);
	json_decref(d);
}

/* Index of the interned string s, or -1. */
static int str_index(const struct month_input *in, const char *s)
{
	for (int i = 0; i < in->nstrs; i++)
		if (strcmp(in->strs[i], s) == 0)
			return i;
	return -1;
}

/* ---- syntax ---- */

static void test_invalid_json(void **state)
{
	const char *text = "{\"month\": \"2026-02\",\n \"slots\": [}";
	struct month_input in;
	struct pp_error err = {0};

	assert_int_equal(month_parse(text, strlen(text), &in, &err), -1);
	assert_int_equal(err.code, PP_ERR_INVALID_JSON);
	assert_string_equal(err.path, "");
	assert_non_null(strstr(err.message, "line 2, column 12"));
}

static void test_repeated_key(void **state)
{
	const char *text = "{\"month\": \"2026-02\", \"slots\": [], \"rooms\": [{\"id\": \"a\",\n"
			   "\"capacity\": 2, \"capacity\": 3}]}";
	struct month_input in;
	struct pp_error err = {0};

	assert_int_equal(month_parse(text, strlen(text), &in, &err), -1);
	assert_int_equal(err.code, PP_ERR_INVALID_JSON);
	assert_non_null(strstr(err.message, "line 2"));
	assert_non_null(strstr(err.message, "duplicate"));
}

static void test_not_an_object(void **state)
{
	expect_error_doc(json_array(), PP_ERR_INVALID_INPUT, "");
}

/* ---- structure ---- */

static void test_unknown_fields(void **state)
{
	expect_bad("frobnicate", json_true(), "frobnicate");
	expect_bad("rooms[0].frobnicate", json_integer(1), "rooms[0].frobnicate");
	expect_bad("rooms[0].available[0].frobnicate", json_integer(1),
		   "rooms[0].available[0].frobnicate");
	expect_bad("parents[0].children[0].name", json_string("x"), "parents[0].children[0].name");
	expect_bad_text("policy", "{\"budget\": 5, \"budjet\": 5}", "policy.budjet");
	expect_bad("slots[1].room", json_string("hall"), "slots[1].room");
	expect_bad("facilitators[0].trainned", json_true(), "facilitators[0].trainned");
	expect_bad("childcare_staff[0].support", json_array(), "childcare_staff[0].support");
}

static void test_missing_required(void **state)
{
	expect_bad("month", NULL, "month");
	expect_bad("slots", NULL, "slots");
	expect_bad("rooms", NULL, "rooms");
	expect_bad("facilitators", NULL, "facilitators");
	expect_bad("parents", NULL, "parents");
	expect_bad("slots[0].weekday", NULL, "slots[0].weekday");
	expect_bad("slots[1].end", NULL, "slots[1].end");
	expect_bad("rooms[0].id", NULL, "rooms[0].id");
	expect_bad("rooms[0].capacity", NULL, "rooms[0].capacity");
	expect_bad("rooms[0].available", NULL, "rooms[0].available");
	expect_bad("rooms[0].available[0].to", NULL, "rooms[0].available[0].to");
	expect_bad("facilitators[0].languages", NULL, "facilitators[0].languages");
	expect_bad("childcare_staff[0].max_children", NULL, "childcare_staff[0].max_children");
	expect_bad("parents[0].transport", NULL, "parents[0].transport");
	expect_bad("parents[0].available", NULL, "parents[0].available");
	expect_bad("parents[0].children[0].age", NULL, "parents[0].children[0].age");
	/* null is not a value for a required field */
	expect_bad("rooms[0].capacity", json_null(), "rooms[0].capacity");
}

static void test_wrong_types(void **state)
{
	expect_bad("month", json_integer(202602), "month");
	expect_bad("slots", json_object(), "slots");
	expect_bad("slots[0]", json_string("mon-am"), "slots[0]");
	expect_bad("policy", json_array(), "policy");
	expect_bad("closures", json_string("2026-02-03"), "closures");
	expect_bad("closures", json_pack("[i]", 3), "closures[0]");
	expect_bad("rooms[0].capacity", json_string("10"), "rooms[0].capacity");
	expect_bad("rooms[0].capacity", json_real(10.5), "rooms[0].capacity");
	expect_bad("rooms[0].accessible", json_string("yes"), "rooms[0].accessible");
	expect_bad("rooms[0].cost", json_string("40"), "rooms[0].cost");
	expect_bad("rooms[0].zone", json_integer(3), "rooms[0].zone");
	expect_bad("rooms[0].available", json_object(), "rooms[0].available");
	expect_bad("rooms[0].available[0]", json_string("mon"), "rooms[0].available[0]");
	expect_bad("facilitators[0].trained", json_integer(1), "facilitators[0].trained");
	expect_bad("parents[0].children", json_integer(2), "parents[0].children");
	expect_bad("parents[0].children[0]", json_integer(4), "parents[0].children[0]");
	expect_bad("parents[0].priority", json_real(2.0), "parents[0].priority");
	expect_bad_text("policy", "{\"require_trained\": \"no\"}", "policy.require_trained");
	expect_bad_text("policy", "{\"time_limit_s\": \"30\"}", "policy.time_limit_s");
	expect_bad_text("policy", "{\"require_dayparts\": \"morning\"}", "policy.require_dayparts");
}

static void test_ranges(void **state)
{
	expect_bad("parents[0].priority", json_integer(0), "parents[0].priority");
	expect_bad("parents[0].priority", json_integer(101), "parents[0].priority");
	expect_bad("parents[0].seats", json_integer(-1), "parents[0].seats");
	expect_bad("parents[0].children[0].age", json_integer(-1), "parents[0].children[0].age");
	expect_bad("rooms[0].capacity", json_integer(0), "rooms[0].capacity");
	expect_bad("rooms[0].capacity", json_integer(1000001), "rooms[0].capacity");
	expect_bad("rooms[0].childcare", json_integer(-1), "rooms[0].childcare");
	expect_bad("rooms[0].cost", json_real(-0.5), "rooms[0].cost");
	expect_bad("facilitators[0].cost", json_integer(-1), "facilitators[0].cost");
	expect_bad("facilitators[0].max_meetings", json_integer(-1),
		   "facilitators[0].max_meetings");
	expect_bad("childcare_staff[0].max_children", json_integer(-2),
		   "childcare_staff[0].max_children");
	expect_bad("childcare_staff[0].max_meetings", json_integer(-1),
		   "childcare_staff[0].max_meetings");
	expect_bad("childcare_staff[0].cost", json_real(-1e-9), "childcare_staff[0].cost");
	expect_bad_text("policy", "{\"budget\": -1}", "policy.budget");
	expect_bad_text("policy", "{\"time_limit_s\": 0}", "policy.time_limit_s");
	expect_bad_text("policy", "{\"time_limit_s\": -5}", "policy.time_limit_s");
	expect_bad_text("policy", "{\"facilitators_per_series\": 0}",
			"policy.facilitators_per_series");
	expect_bad_text("policy", "{\"min_group\": 0}", "policy.min_group");
	expect_bad_text("policy", "{\"max_series\": -1}", "policy.max_series");
}

static void test_range_messages(void **state)
{
	struct month_input in;
	struct pp_error err = {0};
	json_t *d = base();
	char *text;

	set_path(d, "policy", json_pack("{s:f}", "budget", -3.0));
	text = jr_dumps(d, 0);
	assert_int_equal(month_parse(text, strlen(text), &in, &err), -1);
	assert_string_equal(err.message, "policy.budget: must be a number >= 0");
	free(text);
	pp_error_clear(&err);
	set_path(d, "policy", json_object());
	set_path(d, "parents[0].priority", json_integer(0));
	text = jr_dumps(d, 0);
	assert_int_equal(month_parse(text, strlen(text), &in, &err), -1);
	assert_string_equal(err.message, "parents[0].priority: must be an integer from 1 to 100");
	free(text);
	json_decref(d);
}

static void test_bad_times(void **state)
{
	expect_bad("slots[0].start", json_string("9:00"), "slots[0].start");
	expect_bad("slots[0].start", json_string("10:60"), "slots[0].start");
	expect_bad("slots[0].start", json_string("25:00"), "slots[0].start");
	expect_bad("slots[0].start", json_string("24:00"), "slots[0].start");
	expect_bad("slots[0].start", json_string("10:00:00"), "slots[0].start");
	expect_bad("slots[0].start", json_string("ab:cd"), "slots[0].start");
	expect_bad("slots[0].start", json_integer(600), "slots[0].start");
	expect_bad("slots[1].end", json_string("24:01"), "slots[1].end");
	expect_bad("rooms[0].available[0].from", json_string("24:00"),
		   "rooms[0].available[0].from");
	expect_bad("parents[0].available[0].to", json_string("8 pm"), "parents[0].available[0].to");
}

static void test_order_of_times(void **state)
{
	struct month_input in;
	struct pp_error err = {0};
	json_t *d = base();
	char *text;

	expect_bad("slots[0].end", json_string("10:00"), "slots[0].start");
	expect_bad("slots[0].end", json_string("09:59"), "slots[0].start");
	expect_bad("rooms[0].available[0].to", json_string("08:00"), "rooms[0].available[0].from");
	expect_bad("parents[0].available[0].from", json_string("23:00"),
		   "parents[0].available[0].from");

	set_path(d, "facilitators[0].available[1]",
		 json_pack("{s:s, s:s, s:s}", "weekday", "tue", "from", "12:00", "to", "11:00"));
	text = jr_dumps(d, 0);
	assert_int_equal(month_parse(text, strlen(text), &in, &err), -1);
	assert_string_equal(err.path, "facilitators[0].available[1].from");
	assert_string_equal(err.message,
			    "facilitators[0].available[1]: 'from' must be before 'to'");
	free(text);
	json_decref(d);
}

static void test_bad_weekday(void **state)
{
	expect_bad("slots[0].weekday", json_string("monday"), "slots[0].weekday");
	expect_bad("slots[0].weekday", json_string("Mon"), "slots[0].weekday");
	expect_bad("rooms[0].available[0].weekday", json_integer(0),
		   "rooms[0].available[0].weekday");
}

static void test_bad_month(void **state)
{
	expect_bad("month", json_string("2026-13"), "month");
	expect_bad("month", json_string("2026-00"), "month");
	expect_bad("month", json_string("2026-2"), "month");
	expect_bad("month", json_string("26-02"), "month");
	expect_bad("month", json_string("2026-02-01"), "month");
	expect_bad("month", json_string(""), "month");
}

static void test_bad_closures(void **state)
{
	expect_bad_text("closures", "[\"2026-03-02\"]", "closures[0]");
	expect_bad_text("closures", "[\"2026-02-02\", \"2026-02-29\"]", "closures[1]");
	expect_bad_text("closures", "[\"2026-02-30\"]", "closures[0]");
	expect_bad_text("closures", "[\"2026-02-00\"]", "closures[0]");
	expect_bad_text("closures", "[\"2026-2-3\"]", "closures[0]");
	expect_bad_text("closures", "[\"2025-02-03\"]", "closures[0]");
}

static void test_closures_are_a_sorted_set(void **state)
{
	struct month_input in;
	json_t *d = base();

	set_path(d, "month", json_string("2028-02"));
	set_path(d, "closures", json_pack("[s, s, s]", "2028-02-29", "2028-02-14", "2028-02-29"));
	parse_ok(d, &in);
	assert_int_equal(in.nclosures, 2);
	assert_int_equal(in.closures[0], 14);
	assert_int_equal(in.closures[1], 29);
	month_input_free(&in);
}

static void test_bad_comfort(void **state)
{
	expect_bad_text("rooms[0].comfort", "[0, 5]", "rooms[0].comfort");
	expect_bad_text("rooms[0].comfort", "[6, 5]", "rooms[0].comfort");
	expect_bad_text("rooms[0].comfort", "[1, 11]", "rooms[0].comfort");
	expect_bad_text("rooms[0].comfort", "[3]", "rooms[0].comfort");
	expect_bad_text("rooms[0].comfort", "[1, 2, 3]", "rooms[0].comfort");
	expect_bad_text("rooms[0].comfort", "[\"1\", 2]", "rooms[0].comfort");
	expect_bad_text("rooms[0].comfort", "{\"lo\": 1}", "rooms[0].comfort");
}

static void test_bad_enums(void **state)
{
	expect_bad("parents[0].transport", json_string("bus"), "parents[0].transport");
	expect_bad("parents[0].transport", json_string("Car"), "parents[0].transport");
	expect_bad("parents[0].prefers", json_string("night"), "parents[0].prefers");
	expect_bad_text("policy", "{\"require_dayparts\": [\"morning\", \"noon\"]}",
			"policy.require_dayparts[1]");
	expect_bad_text("policy", "{\"require_dayparts\": [1]}", "policy.require_dayparts[0]");
}

static void test_duplicate_ids(void **state)
{
	expect_bad_text("slots[2]",
			"{\"id\": \"mon-am\", \"weekday\": \"tue\", \"start\": \"10:00\","
			" \"end\": \"11:00\"}",
			"slots[2].id");
	expect_bad_text("rooms[1]", "{\"id\": \"hall\", \"capacity\": 3, \"available\": []}",
			"rooms[1].id");
	expect_bad_text("facilitators[1]",
			"{\"id\": \"F1\", \"languages\": [\"en\"],"
			" \"available\": []}",
			"facilitators[1].id");
	expect_bad_text("childcare_staff[1]",
			"{\"id\": \"C1\", \"max_children\": 1,"
			" \"available\": []}",
			"childcare_staff[1].id");
}

static void test_duplicate_parent_ids(void **state)
{
	json_t *d = base();
	json_t *p = json_deep_copy(json_array_get(json_object_get(d, "parents"), 0));

	json_array_append_new(json_object_get(d, "parents"),
			      json_pack("{s:s, s:s, s:[s], s:[]}", "id", "P2", "transport", "walk",
					"languages", "en", "available"));
	json_array_append_new(json_object_get(d, "parents"), p); /* a second "P1" */
	expect_error_doc(d, PP_ERR_INVALID_INPUT, "parents[2].id");
}

static void test_bad_ids(void **state)
{
	struct month_input in;
	char long_id[66];
	json_t *d;

	memset(long_id, 'a', 65);
	long_id[65] = '\0';
	expect_bad("parents[0].id", json_string("P 1"), "parents[0].id");
	expect_bad("parents[0].id", json_string("P/1"), "parents[0].id");
	expect_bad("parents[0].id", json_string("P@1"), "parents[0].id");
	expect_bad("parents[0].id", json_string(""), "parents[0].id");
	expect_bad("parents[0].id", json_integer(1), "parents[0].id");
	expect_bad("rooms[0].id", json_string(long_id), "rooms[0].id");
	long_id[64] = '\0'; /* 64 characters is the longest valid id */
	d = base();
	set_path(d, "rooms[0].id", json_string(long_id));
	parse_ok(d, &in);
	assert_string_equal(in.rooms[0].id, long_id);
	month_input_free(&in);
}

static void test_bad_tags_and_timezone(void **state)
{
	expect_bad_text("parents[0].languages", "[\"en\", \"\"]", "parents[0].languages[1]");
	expect_bad_text("parents[0].languages", "\"en\"", "parents[0].languages");
	expect_bad_text("childcare_staff[0].supports", "[\"autism\", 3]",
			"childcare_staff[0].supports[1]");
	expect_bad_text("parents[0].children[0].needs", "[null]",
			"parents[0].children[0].needs[0]");
	expect_bad("timezone", json_string("Not A Zone"), "timezone");
	expect_bad("timezone", json_string("/Edmonton"), "timezone");
	expect_bad("timezone", json_string("America/"), "timezone");
	expect_bad("timezone", json_string(""), "timezone");
	expect_bad("timezone", json_integer(7), "timezone");
	expect_bad("timezone", json_string("Europe/../etc"), "timezone");
	/* well formed, but not in the time-zone database */
	expect_bad("timezone", json_string("America/Edmonten"), "timezone");
	expect_bad("timezone", json_string("Mars/Olympus_Mons"), "timezone");
}

static void test_timezone_names(void **state)
{
	static const char *const ok[] = {"UTC", "America/Edmonton", "Etc/GMT+5",
					 "America/Argentina/Buenos_Aires"};
	struct month_input in;

	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		json_t *d = base();

		set_path(d, "timezone", json_string(ok[i]));
		parse_ok(d, &in);
		assert_string_equal(in.timezone, ok[i]);
		month_input_free(&in);
	}
}

/* ---- accepted documents ---- */

static void test_defaults(void **state)
{
	struct month_input in;
	int empty, en, fr;

	parse_ok(base(), &in);
	assert_int_equal(in.year, 2026);
	assert_int_equal(in.month, 2);
	assert_string_equal(in.timezone, "");
	assert_int_equal(in.nclosures, 0);
	assert_int_equal(in.policy.facilitators_per_series, 2);
	assert_true(in.policy.require_trained);
	assert_int_equal(in.policy.min_group, 1);
	assert_int_equal(in.policy.max_series, PP_UNLIMITED);
	assert_int_equal(in.policy.require_dayparts, 0);
	assert_false(in.policy.has_budget);
	assert_true(in.policy.time_limit_s == 60.0);

	empty = str_index(&in, "");
	en = str_index(&in, "en");
	fr = str_index(&in, "fr");
	assert_true(empty >= 0 && en >= 0 && fr >= 0);

	assert_int_equal(in.nslots, 2);
	assert_string_equal(in.slots[0].id, "mon-am");
	assert_int_equal(in.slots[0].weekday, 0);
	assert_int_equal(in.slots[0].start, 600);
	assert_int_equal(in.slots[0].end, 720);
	assert_int_equal(in.slots[1].weekday, 2);
	assert_int_equal(in.slots[1].start, 22 * 60 + 30);
	assert_int_equal(in.slots[1].end, 1440); /* "24:00" */

	assert_int_equal(in.nrooms, 1);
	assert_int_equal(in.rooms[0].capacity, 10);
	assert_int_equal(in.rooms[0].comfort_lo, 1);
	assert_int_equal(in.rooms[0].comfort_hi, 10);
	assert_false(in.rooms[0].accessible);
	assert_int_equal(in.rooms[0].zone, empty);
	assert_int_equal(in.rooms[0].childcare, 0);
	assert_true(in.rooms[0].cost == 0.0);
	assert_int_equal(in.rooms[0].available.n, 1);
	assert_int_equal(in.rooms[0].available.v[0].weekday, 0);
	assert_int_equal(in.rooms[0].available.v[0].from, 480);
	assert_int_equal(in.rooms[0].available.v[0].to, 1320);
	assert_int_equal(in.rooms[0].transit.n, 0);

	assert_int_equal(in.nfacilitators, 1);
	assert_false(in.facilitators[0].trained);
	assert_int_equal(in.facilitators[0].max_meetings, PP_UNLIMITED);
	assert_true(in.facilitators[0].cost == 0.0);
	assert_int_equal(in.facilitators[0].languages.n, 1);
	assert_int_equal(in.facilitators[0].languages.v[0], en);

	assert_int_equal(in.nstaff, 1);
	assert_int_equal(in.staff[0].supports.n, 0);
	assert_int_equal(in.staff[0].max_children, 3);
	assert_int_equal(in.staff[0].max_meetings, PP_UNLIMITED);
	assert_true(in.staff[0].cost == 0.0);

	assert_int_equal(in.nparents, 1);
	assert_int_equal(in.parents[0].transport, PP_CAR);
	assert_int_equal(in.parents[0].zone, empty);
	assert_int_equal(in.parents[0].seats, 0);
	assert_false(in.parents[0].accessible);
	assert_int_equal(in.parents[0].priority, 1);
	assert_int_equal(in.parents[0].prefers, -1);
	assert_int_equal(in.parents[0].languages.n, 2); /* ["fr", "en", "fr"] is a set */
	assert_int_equal(in.parents[0].languages.v[0], en < fr ? en : fr);
	assert_int_equal(in.parents[0].languages.v[1], en < fr ? fr : en);
	assert_int_equal(in.parents[0].nchildren, 1);
	assert_int_equal(in.parents[0].children[0].age, 4);
	assert_int_equal(in.parents[0].children[0].needs.n, 0);
	month_input_free(&in);
}

static void test_optional_lists_and_nulls(void **state)
{
	struct month_input in;
	json_t *d = base();

	json_object_del(d, "childcare_staff");
	set_path(d, "parents[0].children", NULL);
	set_path(d, "parents[0].prefers", json_null());
	set_path(d, "policy", json_pack("{s:n, s:n, s:n}", "max_series", "budget", "time_limit_s"));
	set_path(d, "timezone", json_null());
	parse_ok(d, &in);
	assert_int_equal(in.nstaff, 0);
	assert_null(in.staff);
	assert_int_equal(in.parents[0].nchildren, 0);
	assert_int_equal(in.parents[0].prefers, -1);
	assert_int_equal(in.policy.max_series, PP_UNLIMITED);
	assert_false(in.policy.has_budget);
	assert_true(in.policy.time_limit_s == 60.0);
	month_input_free(&in);
}

static void test_every_field_given(void **state)
{
	struct month_input in;
	json_t *d = base();
	int nw, autism;

	set_path(d, "timezone", json_string("America/Edmonton"));
	set_path(d, "policy",
		 json_pack("{s:i, s:b, s:i, s:i, s:[s, s, s], s:f, s:i}", "facilitators_per_series",
			   1, "require_trained", 0, "min_group", 3, "max_series", 0,
			   "require_dayparts", "evening", "morning", "evening", "budget", 0.0,
			   "time_limit_s", 5));
	set_path(d, "rooms[0].comfort", json_pack("[i, i]", 4, 10));
	set_path(d, "rooms[0].zone", json_string("nw"));
	set_path(d, "rooms[0].accessible", json_true());
	set_path(d, "rooms[0].childcare", json_integer(6));
	set_path(d, "rooms[0].cost", json_real(40.5));
	set_path(d, "rooms[0].transit",
		 json_pack("[{s:s, s:s, s:s}]", "weekday", "sun", "from", "00:00", "to", "24:00"));
	set_path(d, "facilitators[0].trained", json_true());
	set_path(d, "facilitators[0].max_meetings", json_integer(0));
	set_path(d, "childcare_staff[0].supports", json_pack("[s, s]", "mobility", "autism"));
	set_path(d, "parents[0].zone", json_string("nw"));
	set_path(d, "parents[0].seats", json_integer(3));
	set_path(d, "parents[0].transport", json_string("ride"));
	set_path(d, "parents[0].priority", json_integer(100));
	set_path(d, "parents[0].prefers", json_string("afternoon"));
	set_path(d, "parents[0].children[0].needs", json_pack("[s]", "autism"));
	parse_ok(d, &in);

	nw = str_index(&in, "nw");
	autism = str_index(&in, "autism");
	assert_string_equal(in.timezone, "America/Edmonton");
	assert_int_equal(in.policy.facilitators_per_series, 1);
	assert_false(in.policy.require_trained);
	assert_int_equal(in.policy.min_group, 3);
	assert_int_equal(in.policy.max_series, 0);
	assert_int_equal(in.policy.require_dayparts, (1u << PP_MORNING) | (1u << PP_EVENING));
	assert_true(in.policy.has_budget);
	assert_true(in.policy.budget == 0.0);
	assert_true(in.policy.time_limit_s == 5.0);
	assert_int_equal(in.rooms[0].comfort_lo, 4);
	assert_int_equal(in.rooms[0].comfort_hi, 10);
	assert_int_equal(in.rooms[0].zone, nw);
	assert_true(in.rooms[0].accessible);
	assert_int_equal(in.rooms[0].childcare, 6);
	assert_true(in.rooms[0].cost == 40.5);
	assert_int_equal(in.rooms[0].transit.n, 1);
	assert_int_equal(in.rooms[0].transit.v[0].weekday, 6);
	assert_int_equal(in.rooms[0].transit.v[0].from, 0);
	assert_int_equal(in.rooms[0].transit.v[0].to, 1440);
	assert_true(in.facilitators[0].trained);
	assert_int_equal(in.facilitators[0].max_meetings, 0);
	assert_int_equal(in.staff[0].supports.n, 2);
	assert_true(in.staff[0].supports.v[0] < in.staff[0].supports.v[1]);
	assert_int_equal(in.parents[0].zone, nw);
	assert_int_equal(in.parents[0].seats, 3);
	assert_int_equal(in.parents[0].transport, PP_RIDE);
	assert_int_equal(in.parents[0].priority, 100);
	assert_int_equal(in.parents[0].prefers, PP_AFTERNOON);
	assert_int_equal(in.parents[0].children[0].needs.n, 1);
	assert_int_equal(in.parents[0].children[0].needs.v[0], autism);
	month_input_free(&in);
}

static void test_example_month(void **state)
{
	const char *path = PP_EXAMPLES_DIR "/month-agency-40.json";
	struct month_input in;
	struct pp_error err = {0};
	size_t n;
	char *buf = test_read_file(path, &n);

	if (month_parse(buf, n, &in, &err) != 0)
		fail_msg("%s: %s", err.path, err.message);
	free(buf);
	assert_int_equal(in.year, 2026);
	assert_int_equal(in.month, 10);
	assert_string_equal(in.timezone, "America/Edmonton");
	assert_int_equal(in.nclosures, 1);
	assert_int_equal(in.closures[0], 20);
	assert_int_equal(in.nslots, 7);
	assert_int_equal(in.nrooms, 3);
	assert_int_equal(in.nfacilitators, 8);
	assert_int_equal(in.nstaff, 4);
	assert_int_equal(in.nparents, 40);
	assert_int_equal(in.policy.min_group, 2);
	assert_true(in.policy.has_budget);
	assert_true(in.policy.budget == 5980.0);
	assert_int_equal(in.policy.require_dayparts, (1u << PP_MORNING) | (1u << PP_EVENING));
	assert_string_equal(in.rooms[1].id, "r2-library");
	assert_int_equal(in.rooms[1].comfort_lo, 4);
	assert_int_equal(in.rooms[1].comfort_hi, 7);
	assert_string_equal(in.parents[39].id, "P0040");
	assert_int_equal(in.parents[0].transport, PP_RIDE);
	assert_int_equal(in.parents[0].prefers, PP_AFTERNOON);
	month_input_free(&in);
}

/* ---- re-planning: from, stability, change_weights, previous ---- */

/* A previous plan for the base month: two series, a facilitator and a
 * parent who are not in the month (F9, P8), and an unassigned entry with its
 * detail (accepted, not read). */
static const char prev_text[] =
    "{\"status\": \"optimal\", \"series\": ["
    "{\"id\": \"mon-am@hall\", \"facilitators\": [\"F1\"], \"childcare_staff\": [\"C1\"],"
    " \"parents\": [\"P1\"]},"
    "{\"id\": \"wed-late@hall\", \"facilitators\": [\"F9\", \"F1\"], \"parents\": [\"P8\"]}],"
    " \"unassigned\": [{\"parent\": \"P2\", \"reasons\": [\"availability\"],"
    " \"detail\": \"nearest series mon-am@hall fails only availability\"}]}";

/* The base month with prev_text as its previous plan. */
static json_t *base_prev(void)
{
	json_error_t e;
	json_t *d = base(), *prev = json_loads(prev_text, 0, &e);

	if (prev == NULL)
		fail_msg("previous document: %s", e.text);
	set_path(d, "previous", prev);
	return d;
}

/* Break base_prev() at `at` with the JSON text value and expect an
 * invalid_input error at `path`. */
static void expect_bad_prev(const char *at, const char *value, const char *path)
{
	json_error_t e;
	json_t *d = base_prev(), *v = json_loads(value, JSON_DECODE_ANY, &e);

	if (v == NULL)
		fail_msg("bad test value %s", value);
	set_path(d, at, v);
	expect_error_doc(d, PP_ERR_INVALID_INPUT, path);
}

static void test_replan_defaults(void **state)
{
	struct month_input in;
	json_t *d = base();

	parse_ok(base(), &in);
	assert_int_equal(in.from_day, 1);
	assert_false(in.policy.stability_first);
	assert_int_equal(in.policy.change_weights[MCK_PARENT], 3);
	assert_int_equal(in.policy.change_weights[MCK_FACILITATOR], 2);
	assert_int_equal(in.policy.change_weights[MCK_STAFF], 1);
	assert_false(in.has_previous);
	assert_int_equal(in.previous.nseries, 0);
	month_input_free(&in);

	/* null is "not given"; a missing weight keeps its default */
	set_path(d, "from", json_null());
	set_path(d, "previous", json_null());
	set_path(d, "policy",
		 json_pack("{s:n, s:{s:i}}", "stability", "change_weights", "facilitator", 0));
	parse_ok(d, &in);
	assert_int_equal(in.from_day, 1);
	assert_false(in.policy.stability_first);
	assert_int_equal(in.policy.change_weights[MCK_PARENT], 3);
	assert_int_equal(in.policy.change_weights[MCK_FACILITATOR], 0);
	assert_int_equal(in.policy.change_weights[MCK_STAFF], 1);
	assert_false(in.has_previous);
	month_input_free(&in);
}

static void test_replan_fields_given(void **state)
{
	struct month_input in;
	json_t *d = base();

	set_path(d, "from", json_string("2026-02-28"));
	set_path(d, "policy",
		 json_pack("{s:s, s:{s:i, s:i, s:i}}", "stability", "first", "change_weights",
			   "parent", 1000, "facilitator", 7, "childcare_staff", 0));
	set_path(d, "previous", json_object());
	parse_ok(d, &in);
	assert_int_equal(in.from_day, 28);
	assert_true(in.policy.stability_first);
	assert_int_equal(in.policy.change_weights[MCK_PARENT], 1000);
	assert_int_equal(in.policy.change_weights[MCK_FACILITATOR], 7);
	assert_int_equal(in.policy.change_weights[MCK_STAFF], 0);
	assert_true(in.has_previous); /* {} is a previous plan without series */
	assert_int_equal(in.previous.nseries, 0);
	month_input_free(&in);

	d = base();
	set_path(d, "from", json_string("2026-02-01"));
	set_path(d, "policy", json_pack("{s:s}", "stability", "after_coverage"));
	parse_ok(d, &in);
	assert_int_equal(in.from_day, 1);
	assert_false(in.policy.stability_first);
	month_input_free(&in);
}

static void test_bad_replan_fields(void **state)
{
	expect_bad("from", json_string("2026-03-01"), "from");
	expect_bad("from", json_string("2026-01-31"), "from");
	expect_bad("from", json_string("2026-02-29"), "from");
	expect_bad("from", json_string("2026-02-00"), "from");
	expect_bad("from", json_string("2026-2-3"), "from");
	expect_bad("from", json_string("2026-02"), "from");
	expect_bad("from", json_integer(3), "from");
	expect_bad_text("policy", "{\"stability\": \"last\"}", "policy.stability");
	expect_bad_text("policy", "{\"stability\": true}", "policy.stability");
	expect_bad_text("policy", "{\"change_weights\": [3, 2, 1]}", "policy.change_weights");
	expect_bad_text("policy", "{\"change_weights\": {\"foo\": 1}}",
			"policy.change_weights.foo");
	expect_bad_text("policy", "{\"change_weights\": {\"parents\": 1}}",
			"policy.change_weights.parents");
	expect_bad_text("policy", "{\"change_weights\": {\"parent\": 1001}}",
			"policy.change_weights.parent");
	expect_bad_text("policy", "{\"change_weights\": {\"facilitator\": -1}}",
			"policy.change_weights.facilitator");
	expect_bad_text("policy", "{\"change_weights\": {\"childcare_staff\": 1.5}}",
			"policy.change_weights.childcare_staff");
	expect_bad_text("policy", "{\"change_weights\": {\"parent\": \"3\"}}",
			"policy.change_weights.parent");
}

static void test_bad_previous(void **state)
{
	char long_slot[80];

	expect_bad_text("previous", "\"plan-1\"", "previous");
	expect_bad_text("previous", "[]", "previous");
	/* the stored-plan form is the daemon's, not month_parse's */
	expect_bad_text("previous", "{\"plan\": \"a1b2\"}", "previous.plan");
	expect_bad_prev("previous.plan", "\"a1b2\"", "previous.plan");
	expect_bad_prev("previous.colour", "\"red\"", "previous.colour");
	expect_bad_prev("previous.series[0].colour", "\"red\"", "previous.series[0].colour");
	expect_bad_prev("previous.series", "{}", "previous.series");
	expect_bad_prev("previous.series[1]", "\"wed-late@hall\"", "previous.series[1]");
	expect_bad_prev("previous.series[1].parents", "\"P8\"", "previous.series[1].parents");
	expect_bad_prev("previous.series[0].id", "null", "previous.series[0].id");
	expect_bad_prev("previous.series[0].id", "7", "previous.series[0].id");
	expect_bad_prev("previous.series[0].id", "\"mon-am\"", "previous.series[0].id");
	expect_bad_prev("previous.series[0].id", "\"mon-am@hall@2\"", "previous.series[0].id");
	expect_bad_prev("previous.series[0].id", "\"@hall\"", "previous.series[0].id");
	expect_bad_prev("previous.series[0].id", "\"mon-am@\"", "previous.series[0].id");
	expect_bad_prev("previous.series[0].id", "\"mon am@hall\"", "previous.series[0].id");
	memset(long_slot, 'a', 65);
	snprintf(long_slot + 65, sizeof long_slot - 65, "@hall");
	expect_bad("previous", json_pack("{s:[{s:s}]}", "series", "id", long_slot),
		   "previous.series[0].id");
	/* repeats */
	expect_bad_prev("previous.series[1].id", "\"mon-am@hall\"", "previous.series[1].id");
	expect_bad_prev("previous.series[0].parents", "[\"P1\", \"P1\"]",
			"previous.series[0].parents[1]");
	expect_bad_prev("previous.series[1].facilitators", "[\"F9\", \"F1\", \"F9\"]",
			"previous.series[1].facilitators[2]");
	expect_bad_prev("previous.series[0].childcare_staff", "[\"C1\", \"C1\"]",
			"previous.series[0].childcare_staff[1]");
	expect_bad_prev("previous.series[1].parents", "[\"P8\", \"P1\"]",
			"previous.series[1].parents[1]");
	/* people not in the month may still not repeat */
	expect_bad_prev("previous.series[0].parents", "[\"P8\"]", "previous.series[1].parents[0]");
	expect_bad_prev("previous.series[0].parents", "[\"P1\", 3]",
			"previous.series[0].parents[1]");
	expect_bad_prev("previous.series[0].facilitators", "[\"F 1\"]",
			"previous.series[0].facilitators[0]");
}

static void test_bad_previous_messages(void **state)
{
	struct month_input in;
	struct pp_error err = {0};
	json_t *d = base_prev();
	char *text;

	set_path(d, "previous.series[1].parents", json_pack("[s]", "P1"));
	text = jr_dumps(d, 0);
	assert_int_equal(month_parse(text, strlen(text), &in, &err), -1);
	assert_string_equal(err.message,
			    "previous.series[1].parents[0]: parent 'P1' is also in series "
			    "'mon-am@hall'");
	free(text);
	/* the stored-plan form says where it belongs */
	pp_error_clear(&err);
	set_path(d, "previous", json_pack("{s:s}", "plan", "a1b2"));
	text = jr_dumps(d, 0);
	assert_int_equal(month_parse(text, strlen(text), &in, &err), -1);
	assert_string_equal(err.path, "previous.plan");
	assert_non_null(strstr(err.message, "daemon"));
	free(text);
	json_decref(d);
}

static void test_previous_read(void **state)
{
	struct month_input in;
	json_t *d = base_prev(),
	       *series = json_object_get(json_object_get(d, "previous"), "series");
	const struct month_prev_series *ps;

	/* a second parent, so that order is seen */
	set_path(d, "parents[1]",
		 json_pack("{s:s, s:s, s:[s], s:[]}", "id", "P2", "transport", "walk", "languages",
			   "en", "available"));
	set_path(d, "previous.series[0].parents", json_pack("[s, s, s]", "P2", "P7", "P1"));
	/* an id may be in two lists of a series (here F9, in neither list of the month) */
	set_path(d, "previous.series[1].childcare_staff", json_pack("[s]", "F9"));
	/* a slot that is gone, and a series with no lists */
	json_array_append_new(series, json_pack("{s:s}", "id", "fri-pm@hall"));
	json_array_append_new(series, json_pack("{s:s}", "id", "mon-am@attic"));
	parse_ok(d, &in);
	assert_true(in.has_previous);
	assert_int_equal(in.previous.nseries, 4);

	ps = &in.previous.series[0];
	assert_string_equal(ps->id, "mon-am@hall");
	assert_int_equal(ps->slot, 0);
	assert_int_equal(ps->room, 0);
	assert_int_equal(ps->nfacilitators, 1);
	assert_int_equal(ps->facilitators[0], 0);
	assert_int_equal(ps->nstaff, 1);
	assert_int_equal(ps->staff[0], 0);
	assert_int_equal(ps->nparents, 2); /* P7 is not in the month */
	assert_int_equal(ps->parents[0], 1);
	assert_int_equal(ps->parents[1], 0);

	ps = &in.previous.series[1];
	assert_string_equal(ps->id, "wed-late@hall");
	assert_int_equal(ps->slot, 1);
	assert_int_equal(ps->room, 0);
	assert_int_equal(ps->nfacilitators, 1); /* F9 dropped, F1 kept */
	assert_int_equal(ps->facilitators[0], 0);
	assert_int_equal(ps->nstaff, 0);
	assert_int_equal(ps->nparents, 0);

	ps = &in.previous.series[2];
	assert_string_equal(ps->id, "fri-pm@hall");
	assert_int_equal(ps->slot, -1);
	assert_int_equal(ps->room, 0);
	assert_int_equal(ps->nfacilitators + ps->nstaff + ps->nparents, 0);
	assert_int_equal(in.previous.series[3].slot, 0);
	assert_int_equal(in.previous.series[3].room, -1);
	month_input_free(&in);
}

/* A plan output pasted as previous: every output field is accepted. */
static void test_previous_is_a_plan_output(void **state)
{
	struct month_input in;
	json_t *d = base(), *prev;

	prev = json_pack(
	    "{s:s, s:f, s:{s:i, s:i, s:i, s:i, s:f},"
	    " s:[{s:s, s:s, s:s, s:s, s:s, s:[s], s:[s], s:[], s:[s], s:i,"
	    "     s:[{s:s, s:[s]}], s:f}],"
	    " s:[{s:s, s:[s]}], s:[{s:s, s:s, s:s, s:n, s:b}],"
	    " s:[{s:s, s:b, s:s}], s:{s:f, s:i}}",
	    "status", "feasible", "gap", 0.5, "objective", "changes", 2, "coverage", 1,
	    "comfort_deviation", 0, "preference", 1, "cost", 10.0, "series", "id", "mon-am@hall",
	    "slot", "mon-am", "room", "hall", "daypart", "morning", "language", "en", "dates",
	    "2026-01-05", "facilitators", "F1", "childcare_staff", "parents", "P1", "children", 1,
	    "rides", "driver", "P1", "riders", "P9", "cost", 10.0, "unassigned", "parent", "P5",
	    "reasons", "availability", "changes", "kind", "parent", "id", "P5", "series",
	    "tue@hall", "now", "forced", 0, "conflicts", "constraint", "budget",
	    "relaxing_alone_fixes", 1, "detail", "x", "solve", "seconds", 0.5, "nodes", 3);
	assert_non_null(prev);
	set_path(d, "previous", prev);
	parse_ok(d, &in);
	assert_true(in.has_previous);
	assert_int_equal(in.previous.nseries, 1);
	assert_int_equal(in.previous.series[0].nparents, 1);
	month_input_free(&in);
}

static void test_replan_example(void **state)
{
	const char *path = PP_EXAMPLES_DIR "/replan-agency-40.json";
	const struct month_prev_series *ps;
	struct month_input in;
	struct pp_error err = {0};
	size_t n;
	char *buf = test_read_file(path, &n);

	if (month_parse(buf, n, &in, &err) != 0)
		fail_msg("%s: %s", err.path, err.message);
	free(buf);
	assert_int_equal(in.from_day, 19);
	assert_true(in.policy.stability_first);
	assert_int_equal(in.policy.change_weights[MCK_PARENT], 3);
	assert_int_equal(in.nfacilitators, 7); /* F007 cancelled */
	assert_true(in.has_previous);
	assert_int_equal(in.previous.nseries, 7);
	ps = &in.previous.series[5];
	assert_string_equal(ps->id, "wed-1100-1230@r2-library");
	assert_string_equal(in.slots[ps->slot].id, "wed-1100-1230");
	assert_string_equal(in.rooms[ps->room].id, "r2-library");
	assert_int_equal(ps->nfacilitators, 1); /* F006; F007 is gone */
	assert_string_equal(in.facilitators[ps->facilitators[0]].id, "F006");
	assert_int_equal(ps->nparents, 4);
	assert_string_equal(in.parents[ps->parents[0]].id, "P0017");
	assert_string_equal(in.parents[ps->parents[3]].id, "P0039");
	assert_string_equal(in.staff[in.previous.series[6].staff[0]].id, "C002");
	month_input_free(&in);
}

static void test_previous_names_plan(void **state)
{
	const char *id = NULL;
	json_t *d = base();

	assert_false(month_previous_names_plan(d, &id));
	set_path(d, "previous", json_null());
	assert_false(month_previous_names_plan(d, &id));
	set_path(d, "previous", json_pack("{s:s}", "plan", "a1b2"));
	assert_true(month_previous_names_plan(d, &id));
	assert_string_equal(id, "a1b2");
	assert_true(month_previous_names_plan(d, NULL));
	set_path(d, "previous", json_pack("{s:i}", "plan", 12));
	assert_false(month_previous_names_plan(d, &id));
	set_path(d, "previous", json_pack("{s:s, s:[]}", "plan", "a1b2", "series"));
	assert_false(month_previous_names_plan(d, &id));
	set_path(d, "previous", json_pack("{s:[]}", "series"));
	assert_false(month_previous_names_plan(d, &id));
	assert_false(month_previous_names_plan(json_object_get(d, "slots"), &id));
	json_decref(d);
}

/* ---- the encoder ---- */

static const char enc_text[] =
    "{\"month\": \"2026-02\", \"closures\": [\"2026-02-16\"],\n"
    " \"slots\": [{\"id\": \"mon-am\", \"weekday\": \"mon\", \"start\": \"10:00\", \"end\": "
    "\"12:00\"}],\n"
    " \"rooms\": [{\"id\": \"hall\", \"capacity\": 10, \"available\": " WIN_MON "}],\n"
    " \"facilitators\": [{\"id\": \"F1\", \"languages\": [\"en\"], \"available\": " WIN_MON "},\n"
    "                    {\"id\": \"F2\", \"languages\": [\"en\"], \"available\": " WIN_MON "}],\n"
    " \"childcare_staff\": [{\"id\": \"C1\", \"max_children\": 3, \"available\": " WIN_MON "}],\n"
    " \"parents\": [{\"id\": \"P1\", \"transport\": \"walk\", \"languages\": [\"en\"], "
    "\"available\": []},\n"
    "             {\"id\": \"P2\", \"transport\": \"car\", \"seats\": 2, \"languages\": "
    "[\"en\"], \"available\": []},\n"
    "             {\"id\": \"P3\", \"transport\": \"ride\", \"languages\": [\"en\"], "
    "\"available\": []},\n"
    "             {\"id\": \"P4\", \"transport\": \"car\", \"languages\": [\"en\"], "
    "\"available\": []},\n"
    "             {\"id\": \"P5\", \"transport\": \"car\", \"languages\": [\"en\"], "
    "\"available\": []},\n"
    "             {\"id\": \"P6\", \"transport\": \"car\", \"languages\": [\"en\"], "
    "\"available\": []},\n"
    "             {\"id\": \"P7\", \"transport\": \"car\", \"languages\": [\"en\"], "
    "\"available\": []}]}";

/* A hand-made result for enc_text: one series of P1..P3 with P2 driving P3,
 * and P4..P7 left out for each kind of reason. */
static void enc_fixture(struct month_input *in, struct month_result *res)
{
	static int dates[] = {2, 9, 23}, facs[] = {0, 1}, staff[] = {0}, parents[] = {0, 1, 2},
		   riders[] = {2};
	static struct month_ride rides[] = {{.driver = 1, .riders = riders, .nriders = 1}};
	static struct month_series series[1];
	static struct month_unassigned un[4];
	struct pp_error err = {0};

	if (month_parse(enc_text, strlen(enc_text), in, &err) != 0)
		fail_msg("%s: %s", err.path, err.message);
	memset(res, 0, sizeof *res);
	series[0] = (struct month_series){.slot = 0,
					  .room = 0,
					  .daypart = PP_MORNING,
					  .language = str_index(in, "en"),
					  .dates = dates,
					  .ndates = 3,
					  .facilitators = facs,
					  .nfacilitators = 2,
					  .staff = staff,
					  .nstaff = 1,
					  .parents = parents,
					  .nparents = 3,
					  .children = 2,
					  .rides = rides,
					  .nrides = 1,
					  .cost = 0.1 + 0.2 + 479.7};
	un[0] = (struct month_unassigned){
	    .parent = 3,
	    .not_selected = true,
	    .filters = 1u << MF_LANGUAGE,
	    .detail = "passes every filter at 1 series: mon-am@hall (full)"};
	un[1] = (struct month_unassigned){
	    .parent = 4, .multiple = true, .filters = (1u << MF_CHILDCARE) | (1u << MF_TRANSPORT)};
	un[2] = (struct month_unassigned){.parent = 5, .multiple = true};
	un[3] = (struct month_unassigned){.parent = 6,
					  .filters = (1u << MF_AVAILABILITY) | (1u << MF_LANGUAGE),
					  .detail = "any one of these fixes it: \"quoted\""};
	res->status = MONTH_OPTIMAL;
	res->objective = (struct month_objective){
	    .coverage = 3, .comfort_deviation = 1, .preference = 2, .cost = 2915.0000000000005};
	res->series = series;
	res->nseries = 1;
	res->unassigned = un;
	res->nunassigned = 4;
	res->seconds = 0.1234567891;
	res->nodes = 31;
}

/* The compact JSON text of the array v, for compact comparisons. */
static char *compact(const json_t *v)
{
	return jr_dumps(v, 0);
}

static void assert_json_text(const json_t *v, const char *expected)
{
	char *s = compact(v);

	assert_non_null(s);
	assert_string_equal(s, expected);
	free(s);
}

static void test_encode_plan(void **state)
{
	struct month_input in;
	struct month_result res;
	json_t *doc, *s;
	const char *key;
	json_t *val;
	const char *order[] = {"status",     "gap",     "objective", "series",
			       "unassigned", "changes", "solve"};
	int k = 0;

	enc_fixture(&in, &res);
	doc = month_result_to_json(&in, &res);
	assert_non_null(doc);
	json_object_foreach (doc, key, val) {
		assert_true(k < 7);
		assert_string_equal(key, order[k++]);
	}
	assert_int_equal(k, 7); /* no "conflicts" unless infeasible */
	assert_json_text(json_object_get(doc, "objective"),
			 "{\"changes\":0,\"coverage\":3,\"comfort_deviation\":1,\"preference\":2,"
			 "\"cost\":2915.0}");
	assert_json_text(json_object_get(doc, "changes"), "[]");
	assert_string_equal(json_string_value(json_object_get(doc, "status")), "optimal");
	assert_json_text(json_object_get(doc, "gap"), "0.0");
	assert_int_equal(json_array_size(json_object_get(doc, "series")), 1);
	s = json_array_get(json_object_get(doc, "series"), 0);
	assert_json_text(s, "{\"id\":\"mon-am@hall\",\"slot\":\"mon-am\",\"room\":\"hall\","
			    "\"daypart\":\"morning\",\"language\":\"en\","
			    "\"dates\":[\"2026-02-02\",\"2026-02-09\",\"2026-02-23\"],"
			    "\"facilitators\":[\"F1\",\"F2\"],\"childcare_staff\":[\"C1\"],"
			    "\"parents\":[\"P1\",\"P2\",\"P3\"],\"children\":2,"
			    "\"rides\":[{\"driver\":\"P2\",\"riders\":[\"P3\"]}],\"cost\":480.0}");
	assert_json_text(
	    json_object_get(doc, "unassigned"),
	    "[{\"parent\":\"P4\",\"reasons\":[\"not_selected\"],"
	    "\"detail\":\"passes every filter at 1 series: mon-am@hall (full)\"},"
	    "{\"parent\":\"P5\",\"reasons\":[\"multiple\",\"transport\",\"childcare\"]},"
	    "{\"parent\":\"P6\",\"reasons\":[\"multiple\"]},"
	    "{\"parent\":\"P7\",\"reasons\":[\"availability\",\"language\"],"
	    "\"detail\":\"any one of these fixes it: \\\"quoted\\\"\"}]");
	assert_json_text(json_object_get(doc, "solve"), "{\"seconds\":0.123457,\"nodes\":31}");
	json_decref(doc);
	month_input_free(&in);
}

/* The rules test_encode_infeasible relaxes with success. */
#define FIXES(c)                                                                                   \
	((c) == MC_BUDGET || (c) == MC_MIN_GROUP || (c) == MC_REQUIRE_DAYPARTS ||                  \
	 (c) == MC_REQUIRE_TRAINED)

static void test_encode_infeasible(void **state)
{
	static const char *const names[] = {
	    "require_dayparts",        "budget",   "max_series", "require_trained",
	    "facilitators_per_series", "min_group"};
	struct month_input in;
	struct month_result res;
	json_t *doc, *conf;

	enc_fixture(&in, &res);
	res.status = MONTH_INFEASIBLE;
	res.nseries = 0;
	res.nunassigned = 0;
	res.objective = (struct month_objective){0};
	for (int c = 0; c < MC_COUNT; c++) {
		res.conflicts[c].decided = true;
		res.conflicts[c].relaxing_alone_fixes = FIXES(c);
		snprintf(res.conflicts[c].detail, sizeof res.conflicts[c].detail, "detail %d", c);
	}
	/* needed: a number, a daypart list, null when cut short, none for
	 * require_trained */
	res.conflicts[MC_BUDGET].has_needed = true;
	res.conflicts[MC_BUDGET].needed = 1260.5;
	res.conflicts[MC_REQUIRE_DAYPARTS].has_needed = true;
	res.conflicts[MC_REQUIRE_DAYPARTS].needed_dayparts = 1u << PP_EVENING;
	snprintf(res.conflicts[MC_REQUIRE_DAYPARTS].daypart_detail[PP_EVENING],
		 sizeof res.conflicts[0].daypart_detail[0], "no evening slot");
	doc = month_result_to_json(&in, &res);
	assert_non_null(doc);
	assert_string_equal(json_string_value(json_object_get(doc, "status")), "infeasible");
	assert_json_text(json_object_get(doc, "series"), "[]");
	conf = json_object_get(doc, "conflicts");
	assert_int_equal(json_array_size(conf), 6);
	for (int c = 0; c < MC_COUNT; c++) {
		json_t *o = json_array_get(conf, (size_t)c);
		char detail[32];

		snprintf(detail, sizeof detail, "detail %d", c);
		assert_int_equal(json_object_size(o), FIXES(c) && c != MC_REQUIRE_TRAINED ? 4 : 3);
		assert_string_equal(json_string_value(json_object_get(o, "constraint")), names[c]);
		assert_true(json_is_boolean(json_object_get(o, "relaxing_alone_fixes")));
		assert_int_equal(json_is_true(json_object_get(o, "relaxing_alone_fixes")),
				 FIXES(c));
		assert_string_equal(json_string_value(json_object_get(o, "detail")), detail);
	}
	assert_json_text(json_object_get(json_array_get(conf, MC_BUDGET), "needed"), "1260.5");
	assert_json_text(json_object_get(json_array_get(conf, MC_MIN_GROUP), "needed"), "null");
	assert_json_text(json_object_get(json_array_get(conf, MC_REQUIRE_DAYPARTS), "needed"),
			 "[{\"daypart\":\"evening\",\"detail\":\"no evening slot\"}]");
	json_decref(doc);
	month_input_free(&in);
}

static void test_encode_feasible_gap(void **state)
{
	struct month_input in;
	struct month_result res;
	json_t *doc;

	enc_fixture(&in, &res);
	res.status = MONTH_FEASIBLE;
	res.gap = 0.125;
	doc = month_result_to_json(&in, &res);
	assert_string_equal(json_string_value(json_object_get(doc, "status")), "feasible");
	assert_json_text(json_object_get(doc, "gap"), "0.125");
	assert_null(json_object_get(doc, "conflicts"));
	json_decref(doc);
	month_input_free(&in);
}

/* enc_fixture's month with F3 added and a previous plan: mon-am@hall with
 * F1, F3 and P1, P4; mon-am@gone with P3. */
static void enc_replan_fixture(struct month_input *in, struct month_result *res)
{
	static struct month_change changes[3];
	struct month_input plain;
	json_t *d;

	enc_fixture(&plain, res);
	month_input_free(&plain);
	d = json_loads(enc_text, 0, NULL);
	assert_non_null(d);
	set_path(d, "facilitators[2]",
		 json_pack("{s:s, s:[s], s:[]}", "id", "F3", "languages", "en", "available"));
	set_path(d, "previous",
		 json_pack("{s:[{s:s, s:[s, s], s:[s, s]}, {s:s, s:[s]}]}", "series", "id",
			   "mon-am@hall", "facilitators", "F1", "F3", "parents", "P1", "P4", "id",
			   "mon-am@gone", "parents", "P3"));
	parse_ok(d, in);
	res->series[0].language = str_index(in, "en");
	changes[0] = (struct month_change){
	    .kind = MCK_PARENT, .person = 2, .prev = 1, .now = 0, .forced = true};
	changes[1] = (struct month_change){.kind = MCK_PARENT, .person = 3, .prev = 0, .now = -1};
	changes[2] =
	    (struct month_change){.kind = MCK_FACILITATOR, .person = 2, .prev = 0, .now = -1};
	res->changes = changes;
	res->nchanges = 3;
	res->objective.changes = 8;
}

static void test_encode_changes(void **state)
{
	struct month_input in;
	struct month_result res;
	json_t *doc;

	enc_replan_fixture(&in, &res);
	doc = month_result_to_json(&in, &res);
	assert_non_null(doc);
	assert_json_text(json_object_get(doc, "objective"),
			 "{\"changes\":8,\"coverage\":3,\"comfort_deviation\":1,\"preference\":2,"
			 "\"cost\":2915.0}");
	assert_json_text(
	    json_object_get(doc, "changes"),
	    "[{\"kind\":\"parent\",\"id\":\"P3\",\"series\":\"mon-am@gone\",\"now\":\"mon-am@"
	    "hall\","
	    "\"forced\":true},"
	    "{\"kind\":\"parent\",\"id\":\"P4\",\"series\":\"mon-am@hall\",\"now\":null,"
	    "\"forced\":false},"
	    "{\"kind\":\"facilitator\",\"id\":\"F3\",\"series\":\"mon-am@hall\",\"forced\":false}"
	    "]");
	json_decref(doc);

	/* a staff change has no "now" either, and a feasible plan lists its changes */
	res.status = MONTH_FEASIBLE;
	res.changes[2].kind = MCK_STAFF;
	res.changes[2].person = 0;
	doc = month_result_to_json(&in, &res);
	assert_json_text(json_array_get(json_object_get(doc, "changes"), 2),
			 "{\"kind\":\"childcare_staff\",\"id\":\"C1\",\"series\":\"mon-am@hall\","
			 "\"forced\":false}");
	json_decref(doc);

	/* results without a plan list no changes */
	for (int st = MONTH_INFEASIBLE; st <= MONTH_CANCELLED; st++) {
		res.status = (enum month_status)st;
		doc = month_result_to_json(&in, &res);
		assert_json_text(json_object_get(doc, "changes"), "[]");
		json_decref(doc);
	}
	month_input_free(&in);
}

/* ---- plans read back (api/plan_json.c) ---- */

/* month_result_to_json(in, res) as compact text (a new string). */
static char *result_text(const struct month_input *in, const struct month_result *res)
{
	json_t *doc = month_result_to_json(in, res);
	char *s;

	assert_non_null(doc);
	s = jr_dumps(doc, 0);
	json_decref(doc);
	return s;
}

static void test_plan_read_round_trip(void **state)
{
	struct month_input in;
	struct month_result res, back;
	struct pp_error err = {0};
	json_t *doc;
	char *before, *after;

	enc_fixture(&in, &res);
	res.objective.changes = 4;
	doc = month_result_to_json(&in, &res);
	/* people in any order are read ascending */
	set_path(doc, "series[0].facilitators", json_pack("[s, s]", "F2", "F1"));
	if (month_plan_read(doc, &in, &back, &err) != 0)
		fail_msg("%s: %s", err.path, err.message);
	json_decref(doc);
	assert_int_equal(back.status, MONTH_OPTIMAL);
	assert_int_equal(back.objective.changes, 4);
	assert_int_equal(back.nseries, 1);
	assert_int_equal(back.series[0].slot, 0);
	assert_int_equal(back.series[0].room, 0);
	assert_int_equal(back.series[0].language, str_index(&in, "en"));
	assert_int_equal(back.series[0].nfacilitators, 2);
	assert_int_equal(back.series[0].facilitators[0], 0);
	assert_int_equal(back.series[0].facilitators[1], 1);
	assert_int_equal(back.series[0].ndates, 3);
	assert_int_equal(back.series[0].dates[2], 23);
	assert_int_equal(back.series[0].rides[0].driver, 1);
	assert_int_equal(back.nchanges, 0);
	/* details come back as written, an entry without one without */
	assert_string_equal(back.unassigned[0].detail, res.unassigned[0].detail);
	assert_null(back.unassigned[1].detail);
	before = result_text(&in, &res);
	after = result_text(&in, &back);
	assert_string_equal(after, before);
	free(before);
	free(after);
	month_result_free(&back);
	month_input_free(&in);
}

/* An infeasible month's conflicts read back (the daemon's summary of a
 * stored plan prints them): each listed one decided, the same document. */
static void test_plan_read_conflicts(void **state)
{
	struct month_input in;
	struct month_result res, back;
	struct pp_error err = {0};
	json_t *doc;
	char *before, *after;

	enc_fixture(&in, &res);
	res.status = MONTH_INFEASIBLE;
	res.nseries = 0;
	for (int c = 0; c < MC_COUNT; c++)
		res.conflicts[c] = (struct month_conflict_info){
		    .relaxing_alone_fixes = c == 1 || c == 0, .decided = true, .detail = "detail"};
	res.conflicts[MC_BUDGET].has_needed = true;
	res.conflicts[MC_BUDGET].needed = 1260;
	res.conflicts[MC_REQUIRE_DAYPARTS].has_needed = true;
	res.conflicts[MC_REQUIRE_DAYPARTS].needed_dayparts = 1u << PP_MORNING | 1u << PP_EVENING;
	snprintf(res.conflicts[0].daypart_detail[PP_MORNING],
		 sizeof res.conflicts[0].daypart_detail[0], "why not the morning");
	doc = month_result_to_json(&in, &res);
	if (month_plan_read(doc, &in, &back, &err) != 0)
		fail_msg("%s: %s", err.path, err.message);
	json_decref(doc);
	assert_int_equal(back.status, MONTH_INFEASIBLE);
	for (int c = 0; c < MC_COUNT; c++) {
		assert_true(back.conflicts[c].decided);
		assert_int_equal(back.conflicts[c].relaxing_alone_fixes, c == 1 || c == 0);
		assert_string_equal(back.conflicts[c].detail, "detail");
		assert_int_equal(back.conflicts[c].has_needed, c == 1 || c == 0);
	}
	assert_true(back.conflicts[MC_BUDGET].needed == 1260);
	assert_int_equal(back.conflicts[0].needed_dayparts, 1u << PP_MORNING | 1u << PP_EVENING);
	assert_string_equal(back.conflicts[0].daypart_detail[PP_MORNING], "why not the morning");
	assert_string_equal(back.conflicts[0].daypart_detail[PP_EVENING], "");
	before = result_text(&in, &res);
	after = result_text(&in, &back);
	assert_string_equal(after, before);
	free(before);
	free(after);
	month_result_free(&back);
	month_input_free(&in);
}

/* The example month's optimal plan (the re-plan example's previous) read
 * back against the example month writes the same series and unassigned. */
static void test_plan_read_example(void **state)
{
	struct month_input in;
	struct month_result res;
	struct pp_error err = {0};
	size_t n;
	char *buf = test_read_file(PP_EXAMPLES_DIR "/month-agency-40.json", &n);
	char *rbuf = test_read_file(PP_EXAMPLES_DIR "/replan-agency-40.json", NULL);
	json_t *replan = json_loads(rbuf, 0, NULL), *plan, *doc;

	assert_non_null(replan);
	plan = json_object_get(replan, "previous");
	if (month_parse(buf, n, &in, &err) != 0 || month_plan_read(plan, &in, &res, &err) != 0)
		fail_msg("%s: %s", err.path, err.message);
	assert_int_equal(res.nseries, 7);
	assert_int_equal(res.objective.coverage, 45);
	doc = month_result_to_json(&in, &res);
	assert_true(json_equal(json_object_get(doc, "series"), json_object_get(plan, "series")));
	assert_true(
	    json_equal(json_object_get(doc, "unassigned"), json_object_get(plan, "unassigned")));
	assert_true(
	    json_equal(json_object_get(doc, "objective"), json_object_get(plan, "objective")));
	json_decref(doc);
	json_decref(replan);
	month_result_free(&res);
	month_input_free(&in);
	free(buf);
	free(rbuf);
}

/* What GET /v1/plans/{id}/changes?against= does: the example month with
 * its optimal plan as previous, against that plan read back with P0003
 * left out and P0021 moved to the evening: two parent changes. */
static void test_plan_changes_against(void **state)
{
	struct month_input in;
	struct month_result res;
	struct pp_error err = {0};
	char *buf = test_read_file(PP_EXAMPLES_DIR "/month-agency-40.json", NULL);
	char *rbuf = test_read_file(PP_EXAMPLES_DIR "/replan-agency-40.json", NULL);
	json_t *month = json_loads(buf, 0, NULL), *replan = json_loads(rbuf, 0, NULL);
	json_t *plan, *doc;

	assert_non_null(month);
	assert_non_null(replan);
	plan = json_deep_copy(json_object_get(replan, "previous"));
	json_object_set(month, "previous", json_object_get(replan, "previous"));
	if (month_parse_json(month, &in, &err) != 0)
		fail_msg("%s: %s", err.path, err.message);
	set_path(plan, "series[0].parents", json_pack("[s, s]", "P0022", "P0031"));
	set_path(plan, "series[2].parents[6]", json_string("P0021"));
	if (month_plan_read(plan, &in, &res, &err) != 0 || month_changes(&in, &res, &err) != 0)
		fail_msg("%s: %s", err.path, err.message);
	assert_int_equal(res.objective.changes, 6);
	doc = month_result_to_json(&in, &res);
	assert_json_text(json_object_get(doc, "changes"),
			 "[{\"kind\":\"parent\",\"id\":\"P0003\",\"series\":"
			 "\"mon-1100-1230@r2-library\",\"now\":null,\"forced\":false},"
			 "{\"kind\":\"parent\",\"id\":\"P0021\",\"series\":"
			 "\"mon-1100-1230@r2-library\",\"now\":\"mon-1700-1900@r1-hall\","
			 "\"forced\":false}]");
	json_decref(doc);
	json_decref(plan);
	json_decref(month);
	json_decref(replan);
	month_result_free(&res);
	month_input_free(&in);
	free(buf);
	free(rbuf);
}

/* Break the encoded enc_fixture plan at `at` with the JSON text value and
 * expect month_plan_read to fail at `path`, leaving the result empty. */
static void expect_bad_plan(const char *at, const char *value, const char *path)
{
	static const struct month_result empty;
	struct month_input in;
	struct month_result res, out;
	struct pp_error err = {0};
	json_t *doc;

	enc_fixture(&in, &res);
	doc = month_result_to_json(&in, &res);
	set_path(doc, at, value != NULL ? json_loads(value, JSON_DECODE_ANY, NULL) : NULL);
	memset(&out, 0x5a, sizeof out);
	assert_int_equal(month_plan_read(doc, &in, &out, &err), -1);
	if (strcmp(err.path, path) != 0)
		print_error("error %s: %s\n", err.path, err.message);
	assert_int_equal(err.code, PP_ERR_INVALID_INPUT);
	assert_string_equal(err.path, path);
	assert_memory_equal(&out, &empty, sizeof out);
	json_decref(doc);
	month_input_free(&in);
}

static void test_plan_read_errors(void **state)
{
	expect_bad_plan("status", "\"done\"", "status");
	expect_bad_plan("status", NULL, "status");
	expect_bad_plan("series[0].slot", "\"tue-am\"", "series[0].slot");
	expect_bad_plan("series[0].room", "\"attic\"", "series[0].room");
	expect_bad_plan("series[0].id", "\"mon-am@attic\"", "series[0].id");
	expect_bad_plan("series[0].language", "\"fr\"", "series[0].language");
	expect_bad_plan("series[0].daypart", "\"noon\"", "series[0].daypart");
	expect_bad_plan("series[0].dates[1]", "\"2026-03-02\"", "series[0].dates[1]");
	expect_bad_plan("series[0].facilitators[1]", "\"F7\"", "series[0].facilitators[1]");
	expect_bad_plan("series[0].childcare_staff[0]", "\"C2\"", "series[0].childcare_staff[0]");
	expect_bad_plan("series[0].parents[2]", "\"P 3\"", "series[0].parents[2]");
	expect_bad_plan("series[0].rides[0].driver", "\"P9\"", "series[0].rides[0].driver");
	expect_bad_plan("series[0].rides[0].riders[0]", "\"P9\"", "series[0].rides[0].riders[0]");
	expect_bad_plan("unassigned[0].parent", "\"P9\"", "unassigned[0].parent");
	expect_bad_plan("unassigned[1].reasons[1]", "\"weather\"", "unassigned[1].reasons[1]");
	expect_bad_plan("objective.coverage", "3.5", "objective.coverage");
}

static void test_format_helpers(void **state)
{
	struct month_input in = {.year = 2026, .month = 12};
	char t[6], d[11];

	assert_string_equal(month_format_time(0, t), "00:00");
	assert_string_equal(month_format_time(17 * 60 + 5, t), "17:05");
	assert_string_equal(month_format_time(1440, t), "24:00");
	assert_string_equal(month_format_date(&in, 7, d), "2026-12-07");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_invalid_json),
	    cmocka_unit_test(test_repeated_key),
	    cmocka_unit_test(test_not_an_object),
	    cmocka_unit_test(test_unknown_fields),
	    cmocka_unit_test(test_missing_required),
	    cmocka_unit_test(test_wrong_types),
	    cmocka_unit_test(test_ranges),
	    cmocka_unit_test(test_range_messages),
	    cmocka_unit_test(test_bad_times),
	    cmocka_unit_test(test_order_of_times),
	    cmocka_unit_test(test_bad_weekday),
	    cmocka_unit_test(test_bad_month),
	    cmocka_unit_test(test_bad_closures),
	    cmocka_unit_test(test_closures_are_a_sorted_set),
	    cmocka_unit_test(test_bad_comfort),
	    cmocka_unit_test(test_bad_enums),
	    cmocka_unit_test(test_duplicate_ids),
	    cmocka_unit_test(test_duplicate_parent_ids),
	    cmocka_unit_test(test_bad_ids),
	    cmocka_unit_test(test_bad_tags_and_timezone),
	    cmocka_unit_test(test_timezone_names),
	    cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_optional_lists_and_nulls),
	    cmocka_unit_test(test_every_field_given),
	    cmocka_unit_test(test_example_month),
	    cmocka_unit_test(test_replan_defaults),
	    cmocka_unit_test(test_replan_fields_given),
	    cmocka_unit_test(test_bad_replan_fields),
	    cmocka_unit_test(test_bad_previous),
	    cmocka_unit_test(test_bad_previous_messages),
	    cmocka_unit_test(test_previous_read),
	    cmocka_unit_test(test_previous_is_a_plan_output),
	    cmocka_unit_test(test_replan_example),
	    cmocka_unit_test(test_previous_names_plan),
	    cmocka_unit_test(test_encode_plan),
	    cmocka_unit_test(test_encode_infeasible),
	    cmocka_unit_test(test_encode_feasible_gap),
	    cmocka_unit_test(test_encode_changes),
	    cmocka_unit_test(test_plan_read_round_trip),
	    cmocka_unit_test(test_plan_read_conflicts),
	    cmocka_unit_test(test_plan_read_example),
	    cmocka_unit_test(test_plan_changes_against),
	    cmocka_unit_test(test_plan_read_errors),
	    cmocka_unit_test(test_format_helpers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
