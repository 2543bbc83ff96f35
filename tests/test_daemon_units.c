/*
 * test_daemon_units.c - unit tests of the daemon's store, options and
 * calendar export, without a network: the migrations and plan life cycle in
 * a temporary SQLite file, adoption and attendance records, deleting and
 * purging plans and reading the audit log, token expiry and rotation, the
 * answers kept for Idempotency-Key, the options table's readers, and an
 * iCalendar built from a hand-made plan and parsed back with libical, whose recurrence must expand
 * to exactly the series' dates.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <libical/ical.h>
#include <sqlite3.h>
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

/* Insert plan id of month (revising revises, may be NULL, at sequence seq). */
static int put(struct store *st, const char *id, const char *month, const char *revises, int seq,
	       struct pp_error *err)
{
	struct store_plan_new p = {.id = id,
				   .month = month,
				   .request = "{}",
				   .who = "u",
				   .revises = revises,
				   .sequence = seq};
	char sub[32];

	return store_plan_put(st, &p, sub, err);
}

static void test_store_plans(void **state)
{
	struct pp_error err = {0};
	char *path = tmp_db(), *ids[4] = {0};
	struct store *st = store_open(path, &err);
	struct store_plan p;

	assert_non_null(st);
	assert_int_equal(store_schema_version(st), 6);
	assert_int_equal(put(st, "a", "2026-10", NULL, 0, &err), 0);
	assert_int_equal(put(st, "b", "2026-10", "a", 1, &err), 0);
	assert_int_equal(put(st, "c", "2026-11", NULL, 0, &err), 0);
	/* A repeated id is a conflict and changes nothing. */
	assert_int_equal(put(st, "a", "2026-10", NULL, 0, &err), -1);
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
	assert_null(p.revises);
	assert_int_equal(p.sequence, 0);
	store_plan_free(&p);
	/* A revision keeps what it revises and its sequence. */
	assert_int_equal(store_plan_get(st, "b", 0, &p, &err), 0);
	assert_string_equal(p.revises, "a");
	assert_int_equal(p.sequence, 1);
	assert_null(p.result);
	store_plan_free(&p);
	assert_int_equal(store_plan_set_status(st, "zz", "done", NULL, NULL, NULL, &err), -1);
	assert_int_equal(err.code, PP_ERR_NOT_FOUND);
	store_close(st);
	/* Re-opening keeps the rows and the version; pending = b, c. */
	pp_error_clear(&err);
	st = store_open(path, &err);
	assert_non_null(st);
	assert_int_equal(store_schema_version(st), 6);
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

/* Collect "series date plan present absent" lines of attendance records. */
static int attendance_line(const struct store_attendance *a, void *arg)
{
	char *buf = arg;
	size_t n = strlen(buf);

	snprintf(buf + n, 1024 - n, "%s %s %s %s %s\n", a->series, a->date, a->plan, a->present,
		 a->absent);
	return 0;
}

/* Adopted plans (one per month, moved in one transaction, audited) and
 * attendance records (replaced per meeting, only against the adopted plan). */
static void test_store_program(void **state)
{
	struct pp_error err = {0};
	char *path = tmp_db(), replaced[40], lines[1024] = "";
	struct store *st = store_open(path, &err);
	struct store_plan p;
	struct store_attendance a = {.month = "2026-10",
				     .series = "mon@r1",
				     .date = "2026-10-05",
				     .plan = "a",
				     .present = "[\"P1\"]",
				     .absent = "[]",
				     .who = "u"};
	bool again = true;
	long audits;

	assert_non_null(st);
	assert_int_equal(put(st, "a", "2026-10", NULL, 0, &err), 0);
	assert_int_equal(put(st, "b", "2026-10", "a", 1, &err), 0);
	assert_int_equal(put(st, "c", "2026-11", NULL, 0, &err), 0);
	assert_int_equal(store_plan_adopted(st, "2026-10", 0, &p, &err), -1);
	assert_int_equal(err.code, PP_ERR_NOT_FOUND);
	pp_error_clear(&err);
	/* No adopted plan: attendance is refused. */
	assert_int_equal(store_attendance_put(st, &a, &again, &err), -1);
	assert_int_equal(err.code, PP_ERR_CONFLICT);
	pp_error_clear(&err);
	audits = store_audit_count(st);
	assert_int_equal(store_plan_adopt(st, "a", "u", replaced, &err), 0);
	assert_string_equal(replaced, "");
	assert_int_equal(store_plan_adopt(st, "c", "u", replaced, &err), 0);
	assert_int_equal(store_audit_count(st), audits + 2);
	/* Again: nothing written. */
	assert_int_equal(store_plan_adopt(st, "a", "u", replaced, &err), 0);
	assert_string_equal(replaced, "a");
	assert_int_equal(store_audit_count(st), audits + 2);
	assert_int_equal(store_plan_adopt(st, "zz", "u", replaced, &err), -1);
	assert_int_equal(err.code, PP_ERR_NOT_FOUND);
	pp_error_clear(&err);
	assert_int_equal(store_attendance_put(st, &a, &again, &err), 0);
	assert_false(again);
	a.date = "2026-10-12";
	assert_int_equal(store_attendance_put(st, &a, &again, &err), 0);
	a.series = "mon@r0";
	assert_int_equal(store_attendance_put(st, &a, &again, &err), 0);
	a.present = "[]";
	a.absent = "[\"P1\"]";
	assert_int_equal(store_attendance_put(st, &a, &again, &err), 0);
	assert_true(again);
	/* b takes a's place in 2026-10 and leaves 2026-11 alone. */
	assert_int_equal(store_plan_adopt(st, "b", "u", replaced, &err), 0);
	assert_string_equal(replaced, "a");
	assert_int_equal(store_plan_get(st, "a", 0, &p, &err), 0);
	assert_false(p.adopted);
	store_plan_free(&p);
	assert_int_equal(store_plan_adopted(st, "2026-10", STORE_PLAN_REQUEST, &p, &err), 0);
	assert_string_equal(p.id, "b");
	assert_true(p.adopted);
	assert_string_equal(p.request, "{}");
	store_plan_free(&p);
	assert_int_equal(store_plan_adopted(st, "2026-11", 0, &p, &err), 0);
	assert_string_equal(p.id, "c");
	store_plan_free(&p);
	/* a is no longer adopted: a record checked against it is refused. */
	assert_int_equal(store_attendance_put(st, &a, &again, &err), -1);
	assert_int_equal(err.code, PP_ERR_CONFLICT);
	pp_error_clear(&err);
	store_close(st);
	/* Durable, and listed by date then series. */
	st = store_open(path, &err);
	assert_non_null(st);
	assert_int_equal(store_attendance_each(st, "2026-10", attendance_line, lines, &err), 0);
	assert_string_equal(lines, "mon@r1 2026-10-05 a [\"P1\"] []\n"
				   "mon@r0 2026-10-12 a [] [\"P1\"]\n"
				   "mon@r1 2026-10-12 a [\"P1\"] []\n");
	lines[0] = '\0';
	assert_int_equal(store_attendance_each(st, "2026-11", attendance_line, lines, &err), 0);
	assert_string_equal(lines, "");
	store_close(st);
	unlink(path);
}

/* Collect "seq who action object" lines of audit rows. */
static int audit_line(const struct store_audit_entry *e, void *arg)
{
	char *buf = arg;
	size_t n = strlen(buf);

	snprintf(buf + n, 2048 - n, "%lld %s %s %s\n", e->seq, e->who, e->action, e->object);
	return 0;
}

static void forgot(const char *id, void *arg)
{
	strcat(arg, id);
	strcat(arg, " ");
}

/* Deleting a finished plan (its attendance and adoption with it, its
 * revision keeping its output), purging in batches, reading the audit log
 * by filter. */
static void test_store_protect(void **state)
{
	struct pp_error err = {0};
	char *path = tmp_db(), replaced[40], lines[2048] = "", ids[64] = "";
	struct store *st = store_open(path, &err);
	struct store_plan_new rev = {
	    .id = "b",
	    .month = "2026-10",
	    .request = "{\"month\": \"2026-10\", \"previous\": {\"plan\": \"a\"}}",
	    .who = "u",
	    .revises = "a",
	    .sequence = 1};
	struct store_attendance a = {.month = "2026-10",
				     .series = "mon@r1",
				     .date = "2026-10-05",
				     .plan = "a",
				     .present = "[\"P1\"]",
				     .absent = "[]",
				     .who = "u"};
	struct store_plan_removed rm;
	struct store_purge pg = {.plans_before = "9999-01-01T00:00:00.000Z", .batch = 2};
	struct store_purged n;
	struct store_audit_filter f = {.limit = 100};
	struct store_plan p;
	char sub[32];
	bool again;

	assert_non_null(st);
	assert_int_equal(put(st, "a", "2026-10", NULL, 0, &err), 0);
	assert_int_equal(store_plan_set_status(st, "a", "done", NULL,
					       "{\"status\": \"optimal\", \"x\": 1.50}", NULL,
					       &err),
			 0);
	assert_int_equal(store_plan_put(st, &rev, sub, &err), 0);
	assert_int_equal(store_plan_adopt(st, "a", "u", replaced, &err), 0);
	assert_int_equal(store_attendance_put(st, &a, &again, &err), 0);
	/* b is queued: 409; unknown: 404. */
	assert_int_equal(store_plan_delete(st, "b", "root", &rm, &err), -1);
	assert_int_equal(err.code, PP_ERR_CONFLICT);
	pp_error_clear(&err);
	assert_int_equal(store_plan_delete(st, "zz", "root", &rm, &err), -1);
	assert_int_equal(err.code, PP_ERR_NOT_FOUND);
	pp_error_clear(&err);
	assert_int_equal(store_plan_delete(st, "a", "root", &rm, &err), 0);
	assert_true(rm.adopted);
	assert_int_equal(rm.attendance, 1);
	assert_int_equal(rm.revisions, 1);
	assert_int_equal(store_plan_get(st, "a", 0, &p, &err), -1);
	pp_error_clear(&err);
	assert_int_equal(store_plan_adopted(st, "2026-10", 0, &p, &err), -1);
	pp_error_clear(&err);
	assert_int_equal(store_attendance_each(st, "2026-10", attendance_line, lines, &err), 0);
	assert_string_equal(lines, "");
	/* b holds a's output in place of the reference, and still says whom
	 * it revised. */
	assert_int_equal(store_plan_get(st, "b", STORE_PLAN_REQUEST, &p, &err), 0);
	assert_string_equal(p.request, "{\"month\":\"2026-10\",\"previous\":"
				       "{\"status\":\"optimal\",\"x\":1.50}}");
	assert_string_equal(p.revises, "a");
	store_plan_free(&p);
	f.after = 0;
	f.who = "root";
	assert_int_equal(store_audit_list(st, &f, audit_line, lines, &err), 0);
	assert_non_null(strstr(lines, " root delete plan a\n"));

	/* Purge: 3 finished plans, 2 per batch; the queued one stays. */
	assert_int_equal(put(st, "c", "2026-11", NULL, 0, &err), 0);
	assert_int_equal(put(st, "d", "2026-11", NULL, 0, &err), 0);
	assert_int_equal(put(st, "e", "2026-11", NULL, 0, &err), 0);
	assert_int_equal(store_plan_set_status(st, "b", "done", NULL, "{}", NULL, &err), 0);
	assert_int_equal(store_plan_set_status(st, "c", "failed", NULL, NULL, "x", &err), 0);
	assert_int_equal(store_plan_set_status(st, "d", "cancelled", NULL, NULL, NULL, &err), 0);
	assert_int_equal(store_purge_batch(st, &pg, forgot, ids, &n, &err), 0);
	assert_int_equal(n.plans, 2);
	assert_string_equal(ids, "b c ");
	assert_int_equal(store_purge_batch(st, &pg, forgot, ids, &n, &err), 0);
	assert_int_equal(n.plans, 1);
	assert_string_equal(ids, "b c d ");
	assert_int_equal(store_purge_batch(st, &pg, forgot, ids, &n, &err), 0);
	assert_int_equal(n.plans + n.attendance + n.audit, 0);
	assert_int_equal(store_plan_get(st, "e", 0, &p, &err), 0);
	store_plan_free(&p);
	/* Two "purge" rows, by peerpland; nothing purged wrote none. */
	lines[0] = '\0';
	f.who = "peerpland";
	assert_int_equal(store_audit_list(st, &f, audit_line, lines, &err), 0);
	assert_non_null(strstr(lines,
			       "peerpland purge 2 plan(s) and 0 attendance record(s) "
			       "before 9999-01-01T00:00:00.000Z, 0 audit row(s) before -\n"));
	assert_non_null(strstr(strstr(lines, "\n") + 1, "purge 1 plan(s)"));
	assert_null(strstr(strstr(strstr(lines, "\n") + 1, "\n") + 1, "purge"));

	/* Filters: parent as the object or in a ": " list, never a prefix. */
	assert_int_equal(store_audit(st, "cs", "end assignment", "P1", &err), 0);
	assert_int_equal(store_audit(st, "cs", "reassign", "S1: P10,P1", &err), 0);
	assert_int_equal(store_audit(st, "cs", "match solve", "2 parent(s): P10,P2", &err), 0);
	assert_int_equal(store_audit(st, "cs", "match candidates", "P1x", &err), 0);
	lines[0] = '\0';
	f = (struct store_audit_filter){.parent = "P1", .limit = 100};
	assert_int_equal(store_audit_list(st, &f, audit_line, lines, &err), 0);
	assert_non_null(strstr(lines, " cs end assignment P1\n"));
	assert_non_null(strstr(lines, " cs reassign S1: P10,P1\n"));
	assert_null(strstr(lines, "match"));
	lines[0] = '\0';
	f = (struct store_audit_filter){.parent = "P10", .who = "cs", .limit = 1};
	assert_int_equal(store_audit_list(st, &f, audit_line, lines, &err), 0);
	assert_non_null(strstr(lines, " cs reassign S1: P10,P1\n"));
	assert_null(strstr(lines, "match"));
	f.after = atoll(lines);
	lines[0] = '\0';
	assert_int_equal(store_audit_list(st, &f, audit_line, lines, &err), 0);
	assert_non_null(strstr(lines, " cs match solve 2 parent(s): P10,P2\n"));
	lines[0] = '\0';
	f = (struct store_audit_filter){.since = "9000-01-01T00:00:00.000Z", .limit = 100};
	assert_int_equal(store_audit_list(st, &f, audit_line, lines, &err), 0);
	assert_string_equal(lines, "");
	/* Audit rows before a time: all of them, two per batch. */
	pg = (struct store_purge){.audit_before = "9999-01-01T00:00:00.000Z", .batch = 2};
	assert_int_equal(store_purge_batch(st, &pg, NULL, NULL, &n, &err), 0);
	assert_int_equal(n.audit, 2);
	store_close(st);
	unlink(path);
}

/* store_idem_get's hook: "STATUS ROUTE BODY LOCATION" into arg. */
static void idem_line(const struct store_idem *k, void *arg)
{
	snprintf(arg, 256, "%d %s %s %s", k->status, k->route, k->body,
		 k->location ? k->location : "-");
}

/* Run one statement on the database at path, as a test back-dates rows. */
static void raw_sql(const char *path, const char *sql)
{
	sqlite3 *db;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

/* store_assignment_add's hook: the reply of the row, as the idem's body. */
static int idem_made(const struct store_assignment *a, void *arg)
{
	struct store_idem *k = arg;
	static char body[128];

	snprintf(body, sizeof body, "{\"parent\": \"%s\"}", a->parent);
	k->body = body;
	return 0;
}

static void test_store_idem(void **state)
{
	struct pp_error err = {0};
	char *path = tmp_db(), line[256] = "", sub[32];
	struct store *st = store_open(path, &err);
	struct store_idem k = {.who = "alice",
			       .key = "k1",
			       .route = "plans_submit",
			       .hash = {1, 2, 3},
			       .status = 202,
			       .body = "{\"id\": \"a\"}",
			       .location = "/v1/plans/a"};
	struct store_plan_new p = {
	    .id = "a", .month = "2026-10", .request = "{}", .who = "alice", .idem = &k};
	struct store_idem ka = {
	    .who = "cs", .key = "k1", .route = "assignments_add", .status = 201};
	struct store_assignment_new a = {
	    .parent = "P1", .specialist = "S1", .who = "cs", .idem = &ka};
	bool created;

	assert_non_null(st);
	/* The plan and its key in one transaction; the key is alice's. */
	assert_int_equal(store_plan_put(st, &p, sub, &err), 0);
	assert_int_equal(store_idem_get(st, "alice", "k1", idem_line, line, &err), 1);
	assert_string_equal(line, "202 plans_submit {\"id\": \"a\"} /v1/plans/a");
	assert_int_equal(store_idem_get(st, "bob", "k1", idem_line, line, &err), 0);
	/* A live key refuses a second plan, which is not stored either. */
	p.id = "b";
	assert_int_equal(store_plan_put(st, &p, sub, &err), -1);
	assert_int_equal(err.code, PP_ERR_CONFLICT);
	pp_error_clear(&err);
	assert_int_equal(store_plan_get(st, "b", 0, &(struct store_plan){0}, &err), -1);
	pp_error_clear(&err);
	/* A plan that cannot be stored leaves no key. */
	p.id = "a";
	k.key = "k2";
	assert_int_equal(store_plan_put(st, &p, sub, &err), -1);
	pp_error_clear(&err);
	assert_int_equal(store_idem_get(st, "alice", "k2", idem_line, line, &err), 0);
	/* A day old: not read back, replaced by the key's next use, purged. */
	raw_sql(path, "UPDATE idempotency SET created = '2020-01-01T00:00:00.000Z'");
	assert_int_equal(store_idem_get(st, "alice", "k1", idem_line, line, &err), 0);
	p.id = "c";
	k.key = "k1";
	k.body = "{\"id\": \"c\"}";
	assert_int_equal(store_plan_put(st, &p, sub, &err), 0);
	assert_int_equal(store_idem_get(st, "alice", "k1", idem_line, line, &err), 1);
	assert_string_equal(line, "202 plans_submit {\"id\": \"c\"} /v1/plans/a");
	assert_int_equal(store_idem_purge(st, &err), 0);
	raw_sql(path, "UPDATE idempotency SET created = '2020-01-01T00:00:00.000Z'");
	assert_int_equal(store_idem_purge(st, &err), 1);
	/* An assignment's key takes the body its hook made of the row. */
	assert_int_equal(store_specialist_put(st, "S1", 2, "{}", "cs", &created, &err), 0);
	assert_int_equal(store_assignment_add(st, &a, idem_made, &ka, &err), 0);
	assert_int_equal(store_idem_get(st, "cs", "k1", idem_line, line, &err), 1);
	assert_string_equal(line, "201 assignments_add {\"parent\": \"P1\"} -");
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
	assert_int_equal(auth_token_add(st, "sam", "scheduler", NULL, tok, &err), 0);
	assert_int_equal(strlen(tok), AUTH_TOKEN_LEN);
	assert_int_equal(auth_token_add(st, "sam", "viewer", NULL, other, &err), -1);
	pp_error_clear(&err);
	assert_int_equal(auth_token_add(st, "x", "root", NULL, other, &err), -1);
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
	assert_int_equal(auth_role_parse("metrics"), ROLE_METRICS);
	assert_true(auth_allows(ROLE_METRICS, ROLE_VIEWER | ROLE_METRICS));
	assert_false(auth_allows(ROLE_METRICS, ROLE_SCHEDULER | ROLE_VIEWER));
	assert_false(auth_allows(ROLE_VIEWER, ROLE_ADMIN));
	store_close(st);
	unlink(path);
}

/* Token expiry and rotation: an expired token is refused saying so; a
 * rotated token's old secret stops working, its role and expiry stay. */
static void test_token_expiry_rotate(void **state)
{
	struct pp_error err = {0};
	char *path = tmp_db(), tok[AUTH_TOKEN_LEN + 1], old[AUTH_TOKEN_LEN + 1], hdr[80];
	char exp[32], kept[32], now[32];
	struct store *st = store_open(path, &err);
	struct auth_principal who;

	assert_int_equal(auth_init(), 0);
	assert_int_equal(auth_expiry("90d", exp, &err), 0);
	store_now(now);
	assert_true(strcmp(exp, now) > 0 && strlen(exp) == strlen(now));
	assert_int_equal(auth_expiry("12h", exp, &err), 0);
	for (int i = 0; i < 6; i++) {
		const char *bad[] = {"0d", "-3d", "5", "5x", "36501d", ""};

		assert_int_equal(auth_expiry(bad[i], exp, &err), -1);
		assert_int_equal(err.code, PP_ERR_INVALID_INPUT);
		assert_string_equal(err.path, "expires");
		pp_error_clear(&err);
	}
	/* One in the past: expired. */
	assert_int_equal(auth_token_add(st, "old", "viewer", "2001-02-03T04:05:06.000Z", tok, &err),
			 0);
	snprintf(hdr, sizeof hdr, "Bearer %s", tok);
	assert_int_equal(auth_check(st, hdr, &who, &err), -1);
	assert_int_equal(err.code, PP_ERR_UNAUTHORIZED);
	assert_non_null(strstr(err.message, "expired at 2001-02-03T04:05:06.000Z"));
	pp_error_clear(&err);
	/* Rotated with a new expiry: works again, as viewer; the old secret
	 * does not. */
	memcpy(old, tok, sizeof old);
	assert_int_equal(auth_expiry("1d", exp, &err), 0);
	assert_int_equal(auth_token_rotate(st, "old", exp, tok, kept, &err), 0);
	assert_string_equal(kept, exp);
	assert_string_not_equal(tok, old);
	snprintf(hdr, sizeof hdr, "Bearer %s", tok);
	assert_int_equal(auth_check(st, hdr, &who, &err), 0);
	assert_int_equal(who.role, ROLE_VIEWER);
	snprintf(hdr, sizeof hdr, "Bearer %s", old);
	assert_int_equal(auth_check(st, hdr, &who, &err), -1);
	assert_string_equal(err.message, "the token is not valid");
	pp_error_clear(&err);
	/* Rotated again without --expires: the expiry is kept. */
	assert_int_equal(auth_token_rotate(st, "old", NULL, tok, kept, &err), 0);
	assert_string_equal(kept, exp);
	assert_int_equal(auth_token_add(st, "never", "metrics", NULL, tok, &err), 0);
	assert_int_equal(auth_token_rotate(st, "never", NULL, tok, kept, &err), 0);
	assert_string_equal(kept, "");
	assert_int_equal(auth_token_rotate(st, "nobody", NULL, tok, kept, &err), -1);
	assert_int_equal(err.code, PP_ERR_NOT_FOUND);
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
	assert_int_equal(o.num[OPT_FOLLOWUP_MISSED], 2);
	assert_int_equal(npos, 2);
	assert_string_equal(pos[0], "token");
	assert_int_equal(options_set(&o, "workers", "999", &err), -1);
	assert_int_equal(err.code, PP_ERR_INVALID_INPUT);
	pp_error_clear(&err);
	assert_int_equal(options_set(&o, "log-level", "loud", &err), -1);
	pp_error_clear(&err);
	assert_int_equal(options_set(&o, "nope", "1", &err), -1);
	pp_error_clear(&err);
	assert_int_equal(options_set(&o, "followup-missed", "0", &err), -1);
	assert_string_equal(err.path, "followup-missed");
	pp_error_clear(&err);
	assert_int_equal(options_set(&o, "followup-missed", "3", &err), 0);
	assert_int_equal(o.num[OPT_FOLLOWUP_MISSED], 3);
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
	char *text =
	    ics_from_plan(&(struct ics_plan){.id = "p1", .request = req, .result = res}, &err);
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
	assert_string_equal(icalcomponent_get_uid(ev), "2026-12/fri-am/hall@peerplan");
	assert_int_equal(icalcomponent_get_sequence(ev), 0);
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

/* The VEVENT of cal with this UID, or NULL. */
static icalcomponent *ics_event_by_uid(icalcomponent *cal, const char *uid)
{
	for (icalcomponent *ev = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT);
	     ev != NULL; ev = icalcomponent_get_next_component(cal, ICAL_VEVENT_COMPONENT))
		if (strcmp(icalcomponent_get_uid(ev), uid) == 0)
			return ev;
	return NULL;
}

/* A mid-month revision: the kept series keeps its UID and its meetings
 * before `from`, the dropped one is cancelled, both at the new SEQUENCE; a
 * previous plan of another month cancels nothing. */
static void test_ics_revision(void **state)
{
	const char *prev_req = "{\"month\":\"2026-12\",\"slots\":[{\"id\":\"fri-am\","
			       "\"weekday\":\"fri\",\"start\":\"10:00\",\"end\":\"12:00\"}]}";
	const char *prev = "{\"status\":\"optimal\",\"series\":["
			   "{\"id\":\"fri-am@hall\",\"slot\":\"fri-am\",\"room\":\"hall\","
			   "\"dates\":[\"2026-12-04\",\"2026-12-11\",\"2026-12-18\"]},"
			   "{\"id\":\"fri-am@annex\",\"slot\":\"fri-am\",\"room\":\"annex\","
			   "\"dates\":[\"2026-12-04\",\"2026-12-11\",\"2026-12-18\"]}]}";
	/* Revised from the 11th (the slot has left the month: the cancelled
	 * event takes its times from the revised plan's month). */
	const char *req = "{\"month\":\"2026-12\",\"from\":\"2026-12-11\",\"slots\":[],"
			  "\"previous\":{\"plan\":\"p1\"}}";
	const char *res = "{\"status\":\"optimal\",\"series\":[{\"id\":\"fri-am@hall\","
			  "\"slot\":\"fri-am\",\"room\":\"hall\",\"dates\":[\"2026-12-18\"],"
			  "\"facilitators\":[\"F1\"],\"parents\":[\"P1\"],\"children\":0}]}";
	struct ics_plan ip = {.id = "p2",
			      .request = req,
			      .result = res,
			      .sequence = 2,
			      .prev_request = prev_req,
			      .prev_result = prev};
	struct pp_error err = {0};
	char *text;
	icalcomponent *cal, *kept, *gone;

	/* The revised month has no slot fri-am: its series cannot be placed. */
	assert_null(ics_from_plan(&ip, &err));
	assert_int_equal(err.code, PP_ERR_INTERNAL);
	pp_error_clear(&err);
	ip.request = "{\"month\":\"2026-12\",\"from\":\"2026-12-11\",\"slots\":[{\"id\":"
		     "\"fri-am\",\"weekday\":\"fri\",\"start\":\"10:00\",\"end\":\"11:00\"}],"
		     "\"previous\":{\"plan\":\"p1\"}}";
	text = ics_from_plan(&ip, &err);
	assert_non_null(text);
	cal = icalparser_parse_string(text);
	assert_non_null(cal);
	kept = ics_event_by_uid(cal, "2026-12/fri-am/hall@peerplan");
	gone = ics_event_by_uid(cal, "2026-12/fri-am/annex@peerplan");
	assert_non_null(kept);
	assert_non_null(gone);
	assert_int_equal(icalcomponent_get_sequence(kept), 2);
	assert_int_equal(icalcomponent_get_sequence(gone), 2);
	assert_null(icalcomponent_get_first_property(kept, ICAL_STATUS_PROPERTY));
	assert_int_equal(icalcomponent_get_status(gone), ICAL_STATUS_CANCELLED);
	/* The 4th stays (before from), the 11th is gone, the 18th is new. */
	assert_int_equal(icalcomponent_get_dtstart(kept).day, 4);
	assert_non_null(strstr(text, "RRULE:FREQ=WEEKLY;COUNT=3"));
	assert_non_null(strstr(text, "EXDATE:20261211T100000"));
	assert_int_equal(icalcomponent_get_dtend(kept).hour, 11);
	/* The cancelled event is the previous plan's: its slot's end, 12:00. */
	assert_int_equal(icalcomponent_get_dtend(gone).hour, 12);
	icalcomponent_free(cal);
	free(text);

	/* Pasted as previous: a plan of November cancels nothing in December. */
	ip = (struct ics_plan){.id = "p3", .result = res};
	ip.request = "{\"month\":\"2026-12\",\"slots\":[{\"id\":\"fri-am\",\"weekday\":"
		     "\"fri\",\"start\":\"10:00\",\"end\":\"11:00\"}],\"previous\":"
		     "{\"series\":[{\"id\":\"fri-am@annex\",\"slot\":\"fri-am\",\"dates\":"
		     "[\"2026-11-27\"]}]}}";
	text = ics_from_plan(&ip, &err);
	assert_non_null(text);
	assert_null(strstr(text, "annex"));
	assert_null(strstr(text, "CANCELLED"));
	assert_non_null(strstr(text, "SEQUENCE:0"));
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_store_plans),         cmocka_unit_test(test_store_program),
	    cmocka_unit_test(test_store_protect),       cmocka_unit_test(test_tokens),
	    cmocka_unit_test(test_token_expiry_rotate), cmocka_unit_test(test_options),
	    cmocka_unit_test(test_ics_round_trip),      cmocka_unit_test(test_ics_revision),
	    cmocka_unit_test(test_store_idem),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
