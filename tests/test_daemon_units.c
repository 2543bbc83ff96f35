/*
 * test_daemon_units.c - unit tests of the daemon's store, options and
 * calendar export, without a network: the migrations and plan life cycle in
 * a temporary SQLite file, the options table's readers, and an iCalendar
 * built from a hand-made plan and parsed back with libical, whose
 * recurrence must expand to exactly the series' dates.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <libical/ical.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth.h"
#include "ics.h"
#include "options.h"
#include "store.h"

static char *tmp_db(void)
{
	static char path[64];

	snprintf(path, sizeof path, "/tmp/pp-store-XXXXXX");
	close(mkstemp(path));
	unlink(path);
	return path;
}

static int count_plan(const struct store_plan *p, void *arg)
{
	char **ids = arg;

	while (*ids != NULL)
		ids++;
	*ids = strdup(p->id);
	return 0;
}

static void test_store_plans(void **state)
{
	struct pp_error err = {0};
	char *path = tmp_db(), sub[32], *ids[4] = {0};
	struct store *st = store_open(path, &err);
	struct store_plan p;

	assert_non_null(st);
	assert_int_equal(store_schema_version(st), 2);
	assert_int_equal(store_plan_put(st, "a", "2026-10", "{}", "u", sub, &err), 0);
	assert_int_equal(store_plan_put(st, "b", "2026-10", "{}", "u", sub, &err), 0);
	assert_int_equal(store_plan_put(st, "c", "2026-11", "{}", "u", sub, &err), 0);
	/* A repeated id is a conflict and changes nothing. */
	assert_int_equal(store_plan_put(st, "a", "2026-10", "{}", "u", sub, &err), -1);
	assert_int_equal(err.code, PP_ERR_CONFLICT);
	pp_error_clear(&err);
	/* Newest first, by month. */
	assert_int_equal(store_plan_list(st, "2026-10", count_plan, ids, &err), 0);
	assert_string_equal(ids[0], "b");
	assert_string_equal(ids[1], "a");
	assert_null(ids[2]);
	free(ids[0]);
	free(ids[1]);
	assert_int_equal(store_plan_set_status(st, "a", "running", NULL, NULL, NULL, &err), 0);
	assert_int_equal(
	    store_plan_set_status(st, "a", "done", "{\"stage\":\"x\"}", "{\"r\":1}", NULL, &err),
	    0);
	assert_int_equal(store_plan_get(st, "a", true, &p, &err), 0);
	assert_string_equal(p.status, "done");
	assert_non_null(p.started);
	assert_non_null(p.finished);
	assert_string_equal(p.result, "{\"r\":1}");
	store_plan_free(&p);
	assert_int_equal(store_plan_set_status(st, "zz", "done", NULL, NULL, NULL, &err), -1);
	assert_int_equal(err.code, PP_ERR_NOT_FOUND);
	store_close(st);
	/* Re-opening keeps the rows and the version; pending = b, c. */
	pp_error_clear(&err);
	st = store_open(path, &err);
	assert_non_null(st);
	assert_int_equal(store_schema_version(st), 2);
	memset(ids, 0, sizeof ids);
	assert_int_equal(store_plan_pending(st, count_plan, ids, &err), 0);
	assert_string_equal(ids[0], "b");
	assert_string_equal(ids[1], "c");
	assert_null(ids[2]);
	free(ids[0]);
	free(ids[1]);
	store_close(st);
	unlink(path);
}

static void test_tokens(void **state)
{
	struct pp_error err = {0};
	char *path = tmp_db(), tok[AUTH_TOKEN_LEN + 1], other[AUTH_TOKEN_LEN + 1], hdr[80];
	struct store *st = store_open(path, &err);
	struct auth_principal who;

	assert_int_equal(auth_init(), 0);
	assert_int_equal(auth_token_add(st, "sam", "scheduler", tok, &err), 0);
	assert_int_equal(strlen(tok), AUTH_TOKEN_LEN);
	assert_int_equal(auth_token_add(st, "sam", "viewer", other, &err), -1);
	pp_error_clear(&err);
	assert_int_equal(auth_token_add(st, "x", "root", other, &err), -1);
	pp_error_clear(&err);
	snprintf(hdr, sizeof hdr, "Bearer %s", tok);
	assert_int_equal(auth_check(st, hdr, &who, &err), 0);
	assert_string_equal(who.name, "sam");
	assert_int_equal(who.role, ROLE_SCHEDULER);
	hdr[strlen(hdr) - 1] ^= 1;
	assert_int_equal(auth_check(st, hdr, &who, &err), -1);
	assert_int_equal(err.code, PP_ERR_UNAUTHORIZED);
	assert_true(auth_allows(ROLE_ADMIN, ROLE_SCHEDULER));
	assert_true(auth_allows(ROLE_VIEWER, ROLE_SCHEDULER | ROLE_VIEWER));
	assert_false(auth_allows(ROLE_CASESYSTEM, ROLE_SCHEDULER | ROLE_VIEWER));
	assert_true(auth_allows(ROLE_CASESYSTEM, 0));
	store_close(st);
	unlink(path);
}

static void test_options(void **state)
{
	struct options o;
	struct pp_error err = {0};
	char conf[] = "/tmp/pp-conf-XXXXXX", *pos[8];
	int npos;
	FILE *f;

	close(mkstemp(conf));
	f = fopen(conf, "w");
	fputs("# comment\nmax-body = 2M\nworkers = 3\nlisten = \"127.0.0.1:9\"\n", f);
	fclose(f);
	char *argv[] = {"peerpland", "--config", conf, "--workers=5", "token", "list", NULL};
	assert_int_equal(options_parse_args(&o, 6, argv, pos, &npos, stdout, &err), 0);
	assert_int_equal(o.num[OPT_MAX_BODY], 2 << 20);
	assert_int_equal(o.num[OPT_WORKERS], 5); /* the command line wins */
	assert_string_equal(o.str[OPT_LISTEN], "127.0.0.1:9");
	assert_string_equal(o.str[OPT_DATABASE], "peerplan.db");
	assert_int_equal(npos, 2);
	assert_string_equal(pos[0], "token");
	assert_int_equal(options_set(&o, "workers", "999", &err), -1);
	assert_int_equal(err.code, PP_ERR_INVALID_INPUT);
	pp_error_clear(&err);
	assert_int_equal(options_set(&o, "log-level", "loud", &err), -1);
	pp_error_clear(&err);
	assert_int_equal(options_set(&o, "nope", "1", &err), -1);
	options_free(&o);
	f = fopen(conf, "w");
	fputs("max-body 2M\n", f);
	fclose(f);
	pp_error_clear(&err);
	assert_int_equal(options_parse_args(&o, 3, argv, pos, &npos, stdout, &err), -1);
	assert_non_null(strstr(err.message, ":1:"));
	options_free(&o);
	unlink(conf);
}

static void test_ics_round_trip(void **state)
{
	const char *req = "{\"month\":\"2026-12\",\"timezone\":\"America/Edmonton\","
			  "\"slots\":[{\"id\":\"fri-am\",\"weekday\":\"fri\",\"start\":\"10:00\","
			  "\"end\":\"12:00\"}]}";
	/* Fridays of December 2026: 4, 11, 18, 25; the 25th is closed. */
	const char *res = "{\"status\":\"optimal\",\"series\":[{\"id\":\"fri-am@hall\","
			  "\"slot\":\"fri-am\",\"room\":\"hall\",\"daypart\":\"morning\","
			  "\"language\":\"en\",\"dates\":[\"2026-12-04\",\"2026-12-18\"],"
			  "\"facilitators\":[\"F1\",\"F2\"],\"childcare_staff\":[],"
			  "\"parents\":[\"P1\",\"P2\",\"P3\"],\"children\":2}]}";
	struct pp_error err = {0};
	char *text = ics_from_plan("p1", req, res, &err);
	icalcomponent *cal, *ev;
	icalrecur_iterator *it;
	struct icaltimetype t, start;
	int days[8], n = 0;

	assert_non_null(text);
	cal = icalparser_parse_string(text);
	assert_non_null(cal);
	ev = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT);
	assert_non_null(ev);
	assert_null(icalcomponent_get_next_component(cal, ICAL_VEVENT_COMPONENT));
	assert_string_equal(icalcomponent_get_location(ev), "hall");
	assert_non_null(strstr(icalcomponent_get_description(ev), "F1, F2"));
	start = icalcomponent_get_dtstart(ev);
	assert_int_equal(start.hour, 10);
	assert_non_null(strstr(text, "DTSTART;TZID=America/Edmonton:20261204T100000"));
	/* Expand the RRULE and drop the EXDATEs: exactly the series' dates. */
	it = icalrecur_iterator_new(
	    icalproperty_get_rrule(icalcomponent_get_first_property(ev, ICAL_RRULE_PROPERTY)),
	    start);
	while (!icaltime_is_null_time(t = icalrecur_iterator_next(it)) && n < 8) {
		bool excluded = false;

		for (icalproperty *x = icalcomponent_get_first_property(ev, ICAL_EXDATE_PROPERTY);
		     x != NULL; x = icalcomponent_get_next_property(ev, ICAL_EXDATE_PROPERTY))
			excluded |= icalproperty_get_exdate(x).day == t.day;
		if (!excluded)
			days[n++] = t.day;
	}
	icalrecur_iterator_free(it);
	assert_int_equal(n, 2);
	assert_int_equal(days[0], 4);
	assert_int_equal(days[1], 18);
	icalcomponent_free(cal);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_store_plans),
	    cmocka_unit_test(test_tokens),
	    cmocka_unit_test(test_options),
	    cmocka_unit_test(test_ics_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
