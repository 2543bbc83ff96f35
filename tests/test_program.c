/*
 * test_program.c - unit tests of api/program.c on the example month: its
 * optimal plan is solved, written and read back as the daemon stores it,
 * then attendance records are checked (every bad one rejected at its path),
 * and the follow-up list, the report and the two CSV files are recomputed
 * here from the plan and the records.  The CSV files are read back with
 * libcsv's parser, field by field.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <csv.h>

#include "month_json.h"
#include "plan_json.h"
#include "program.h"
#include "test_file.h"

#ifndef PP_EXAMPLES_DIR
#define PP_EXAMPLES_DIR "contrib/examples"
#endif

static struct month_input in;
static struct month_result plan;

static int setup(void **state)
{
	size_t len;
	char *buf = test_read_file(PP_EXAMPLES_DIR "/month-agency-40.json", &len);
	struct pp_error err = {0};
	struct month_result solved;
	json_t *out;
	int rc;

	(void)state;
	if (buf == NULL || month_parse(buf, len, &in, &err) < 0)
		return -1;
	free(buf);
	if (month_solve(&in, NULL, &solved, &err) < 0)
		return -1;
	/* as the daemon has it: the stored output, read back */
	out = month_result_to_json(&in, &solved);
	month_result_free(&solved);
	rc = month_plan_read(out, &in, &plan, &err);
	json_decref(out);
	return rc;
}

static int teardown(void **state)
{
	(void)state;
	month_result_free(&plan);
	month_input_free(&in);
	return 0;
}

static const char *sid(int s, char buf[2 * PP_ID_MAX + 2])
{
	snprintf(buf, 2 * PP_ID_MAX + 2, "%s@%s", in.slots[plan.series[s].slot].id,
		 in.rooms[plan.series[s].room].id);
	return buf;
}

/* A parent of no series s, or NULL. */
static const char *outsider(int s)
{
	for (int p = 0; p < in.nparents; p++) {
		bool inside = false;

		for (int t = 0; t < plan.series[s].nparents; t++)
			inside |= plan.series[s].parents[t] == p;
		if (!inside)
			return in.parents[p].id;
	}
	return NULL;
}

/* Read body (JSON text) for meeting (series s, date) and expect rc, and
 * on failure the error path. */
static int attend(const char *series, const char *date, const char *body,
		  struct program_attendance *rec, const char *want_path)
{
	json_error_t e;
	json_t *doc = json_loads(body, 0, &e);
	struct pp_error err = {0};
	int rc;

	assert_non_null(doc);
	rc = program_attendance_read(doc, &in, &plan, series, date, rec, &err);
	json_decref(doc);
	if (want_path != NULL) {
		assert_int_equal(rc, -1);
		assert_int_equal(err.code, PP_ERR_INVALID_INPUT);
		assert_string_equal(err.path, want_path);
	} else if (rc != 0) {
		fail_msg("rejected: %s", err.message);
	}
	return rc;
}

static void test_attendance_errors(void **state)
{
	struct program_attendance rec;
	char id[2 * PP_ID_MAX + 2], date[11], body[512];
	const struct month_series *s = &plan.series[0];
	const char *p0 = in.parents[s->parents[0]].id;

	(void)state;
	assert_true(plan.nseries > 0 && s->nparents >= 2);
	month_format_date(&in, s->dates[0], date);
	sid(0, id);
	attend("nowhere@hall", date, "{}", &rec, "series");
	attend(id, "2026-10-31", "{}", &rec, "date");
	attend(id, "2026-13-01", "{}", &rec, "date");
	snprintf(body, sizeof body, "{\"present\": [\"%s\"]}", outsider(0));
	attend(id, date, body, &rec, "present[0]");
	snprintf(body, sizeof body, "{\"present\": [\"%s\", \"%s\"]}", p0, p0);
	attend(id, date, body, &rec, "present[1]");
	snprintf(body, sizeof body, "{\"present\": [\"%s\"], \"absent\": [\"%s\"]}", p0, p0);
	attend(id, date, body, &rec, "absent[0]");
	attend(id, date, "{\"late\": []}", &rec, "late");
	attend(id, date, "{\"absent\": [7]}", &rec, "absent[0]");
	/* and a good one, read as given */
	snprintf(body, sizeof body, "{\"present\": [\"%s\"], \"absent\": [\"%s\"]}", p0,
		 in.parents[s->parents[1]].id);
	attend(id, date, body, &rec, NULL);
	assert_int_equal(rec.series, 0);
	assert_int_equal(rec.day, s->dates[0]);
	assert_int_equal(rec.npresent, 1);
	assert_int_equal(rec.present[0], s->parents[0]);
	assert_int_equal(rec.nabsent, 1);
	assert_int_equal(rec.absent[0], s->parents[1]);
	{
		json_t *j = program_attendance_to_json(&in, &plan, &rec);

		assert_string_equal(json_string_value(json_object_get(j, "date")), date);
		assert_string_equal(json_string_value(json_object_get(j, "series")), id);
		assert_string_equal(
		    json_string_value(json_array_get(json_object_get(j, "absent"), 0)),
		    in.parents[s->parents[1]].id);
		json_decref(j);
	}
	program_attendance_free(&rec);
}

/* A record of series s at its d-th date: present/absent as parent indices. */
static struct program_attendance record(int s, int d, int *present, int np, int *absent, int na)
{
	struct program_attendance r = {s, plan.series[s].dates[d], NULL, np, NULL, na};

	r.present = malloc(sizeof(int) * (size_t)(np + 1));
	r.absent = malloc(sizeof(int) * (size_t)(na + 1));
	if (np > 0)
		memcpy(r.present, present, sizeof(int) * (size_t)np);
	if (na > 0)
		memcpy(r.absent, absent, sizeof(int) * (size_t)na);
	return r;
}

static const char *spec_of(const char *parent, void *arg)
{
	return strcmp(parent, (const char *)arg) == 0 ? "S0001" : NULL;
}

static json_t *entry_of(json_t *list, const char *parent)
{
	size_t i;
	json_t *e;

	json_array_foreach (list, i, e)
		if (strcmp(json_string_value(json_object_get(e, "parent")), parent) == 0)
			return e;
	return NULL;
}

static void test_followups(void **state)
{
	const struct month_series *s = &plan.series[0];
	int a = s->parents[0], b = s->parents[1];
	/* a: absent, absent (missed); b: absent then present (not missed) */
	struct program_attendance recs[3];
	const char *prev[] = {in.parents[a].id};
	struct program_followup_ctx ctx = {recs, 3, 2, prev, 1, spec_of, NULL};
	json_t *list, *e;
	size_t i;
	int last = -1;

	(void)state;
	assert_true(s->ndates >= 3 && plan.nunassigned > 0);
	recs[0] = record(0, 0, (int[]){b}, 1, (int[]){a}, 1);
	recs[1] = record(0, 2, (int[]){b}, 1, (int[]){a}, 1);
	recs[2] = record(0, 1, NULL, 0, (int[]){b}, 1);
	ctx.specialist_arg = (void *)in.parents[plan.unassigned[0].parent].id;
	list = program_followups(&in, &plan, &ctx);
	assert_non_null(list);
	/* a missed its last two, placed last month: "missed" only */
	e = entry_of(list, in.parents[a].id);
	assert_non_null(e);
	assert_int_equal(json_array_size(json_object_get(e, "reasons")), 1);
	assert_string_equal(json_string_value(json_array_get(json_object_get(e, "reasons"), 0)),
			    "missed");
	assert_int_equal(
	    json_array_size(json_object_get(json_object_get(e, "contact"), "facilitators")),
	    (size_t)s->nfacilitators);
	/* b came to the last meeting: first month only */
	e = entry_of(list, in.parents[b].id);
	assert_non_null(e);
	assert_int_equal(json_array_size(json_object_get(e, "reasons")), 1);
	assert_string_equal(json_string_value(json_array_get(json_object_get(e, "reasons"), 0)),
			    "first_month");
	/* every left-out parent: left_out with its reasons; the one with a
	 * specialist has that contact, the others none */
	for (int u = 0; u < plan.nunassigned; u++) {
		e = entry_of(list, in.parents[plan.unassigned[u].parent].id);
		assert_non_null(e);
		assert_string_equal(
		    json_string_value(json_array_get(json_object_get(e, "reasons"), 0)),
		    "left_out");
		assert_true(json_array_size(json_object_get(e, "detail")) >= 1);
		if (u == 0)
			assert_string_equal(json_string_value(json_object_get(
						json_object_get(e, "contact"), "specialist")),
					    "S0001");
		else
			assert_true(json_is_null(json_object_get(e, "contact")));
	}
	/* placed parents other than a and b are first_month (one entry each),
	 * and the list is in input order */
	json_array_foreach (list, i, e) {
		int p = -1;

		for (int t = 0; t < in.nparents && p < 0; t++)
			if (strcmp(in.parents[t].id,
				   json_string_value(json_object_get(e, "parent"))) == 0)
				p = t;
		assert_true(p > last);
		last = p;
	}
	/* a (missed), b and the other placed (first_month), the left out */
	assert_int_equal(json_array_size(list), (size_t)in.nparents);
	json_decref(list);
	/* no previous month: no first_month; nobody missed with missed = 3 */
	ctx.prev_placed = NULL;
	ctx.missed = 3;
	list = program_followups(&in, &plan, &ctx);
	assert_int_equal(json_array_size(list), (size_t)plan.nunassigned);
	json_decref(list);
	for (int r = 0; r < 3; r++)
		program_attendance_free(&recs[r]);
}

/* CSV rows read back with libcsv. */
struct rows {
	char cells[400][16][256];
	int nrows, ncol;
};

static void on_field(void *s, size_t len, void *arg)
{
	struct rows *r = arg;

	assert_true(r->nrows < 400 && r->ncol < 16 && len < 256);
	memcpy(r->cells[r->nrows][r->ncol], s, len);
	r->cells[r->nrows][r->ncol++][len] = '\0';
}

static void on_row(int c, void *arg)
{
	struct rows *r = arg;

	(void)c;
	r->nrows++;
	r->ncol = 0;
}

static struct rows *read_csv(const char *text, size_t len)
{
	struct csv_parser p;
	struct rows *r = calloc(1, sizeof *r);

	assert_int_equal(csv_init(&p, CSV_STRICT | CSV_STRICT_FINI), 0);
	assert_int_equal(csv_parse(&p, text, len, on_field, on_row, r), len);
	assert_int_equal(csv_fini(&p, on_field, on_row, r), 0);
	csv_free(&p);
	return r;
}

static void test_report(void **state)
{
	const struct month_series *s = &plan.series[0];
	struct program_attendance recs[2];
	json_t *rep, *r0, *tot;
	char *csv;
	size_t len;
	struct rows *rows;
	int placed = 0;

	(void)state;
	recs[0] = record(0, 0, (int[]){s->parents[0], s->parents[1]}, 2, (int[]){s->parents[2]}, 1);
	recs[1] = record(0, 1, (int[]){s->parents[0]}, 1, NULL, 0);
	rep = program_report(&in, &plan, recs, 2);
	assert_non_null(rep);
	r0 = json_array_get(json_object_get(rep, "series"), 0);
	assert_int_equal(json_integer_value(json_object_get(r0, "meetings_planned")), s->ndates);
	assert_int_equal(json_integer_value(json_object_get(r0, "meetings_recorded")), 2);
	assert_int_equal(json_integer_value(json_object_get(r0, "present")), 3);
	assert_int_equal(json_integer_value(json_object_get(r0, "absent")), 1);
	assert_float_equal(json_real_value(json_object_get(r0, "attendance_rate")), 0.75, 1e-12);
	assert_float_equal(json_real_value(json_object_get(r0, "mean_present")), 1.5, 1e-12);
	assert_int_equal(json_integer_value(json_object_get(r0, "children")), s->children);
	assert_true(json_is_null(
	    json_object_get(json_array_get(json_object_get(rep, "series"), 1), "attendance_rate")));
	tot = json_object_get(rep, "totals");
	for (int t = 0; t < plan.nseries; t++)
		placed += plan.series[t].nparents;
	assert_int_equal(json_integer_value(json_object_get(tot, "parents_placed")), placed);
	assert_int_equal(json_integer_value(json_object_get(tot, "parents_left_out")),
			 plan.nunassigned);
	/* two meetings of series 0 held, three parents present in all */
	assert_float_equal(json_real_value(json_object_get(tot, "cost_per_present_parent_meeting")),
			   s->cost / s->ndates * 2 / 3, 1e-9);
	/* the per-series CSV: a header and one row per series, as in the JSON */
	assert_int_equal(program_report_csv(rep, &csv, &len), 0);
	rows = read_csv(csv, len);
	assert_int_equal(rows->nrows, plan.nseries + 1);
	assert_string_equal(rows->cells[0][0], "series");
	assert_string_equal(rows->cells[1][0], json_string_value(json_object_get(r0, "series")));
	assert_string_equal(rows->cells[1][6], "3");    /* present */
	assert_string_equal(rows->cells[1][8], "0.75"); /* attendance_rate */
	assert_string_equal(rows->cells[2][8], "");     /* none recorded */
	free(rows);
	free(csv);
	json_decref(rep);
	program_attendance_free(&recs[0]);
	program_attendance_free(&recs[1]);
}

static void test_roster(void **state)
{
	char *csv, date[11], t[6], id[2 * PP_ID_MAX + 2];
	size_t len;
	struct rows *rows;
	int meetings = 0;

	(void)state;
	assert_int_equal(program_roster_csv(&in, &plan, &csv, &len), 0);
	rows = read_csv(csv, len);
	for (int s = 0; s < plan.nseries; s++)
		meetings += plan.series[s].ndates;
	assert_int_equal(rows->nrows, meetings + 1);
	assert_string_equal(rows->cells[0][10], "rides");
	/* every meeting of every series once, with its people */
	for (int s = 0; s < plan.nseries; s++) {
		const struct month_series *se = &plan.series[s];

		for (int d = 0; d < se->ndates; d++) {
			int found = 0;

			month_format_date(&in, se->dates[d], date);
			for (int r = 1; r < rows->nrows; r++) {
				if (strcmp(rows->cells[r][0], date) != 0 ||
				    strcmp(rows->cells[r][4], sid(s, id)) != 0)
					continue;
				found++;
				assert_string_equal(rows->cells[r][1],
						    month_format_time(in.slots[se->slot].start, t));
				assert_string_equal(rows->cells[r][3], in.rooms[se->room].id);
				assert_string_equal(rows->cells[r][5], in.strs[se->language]);
				assert_int_equal(atoi(rows->cells[r][9]), se->children);
				for (int p = 0; p < se->nparents; p++)
					assert_non_null(strstr(rows->cells[r][8],
							       in.parents[se->parents[p]].id));
			}
			assert_int_equal(found, 1);
		}
	}
	/* in date and time order */
	for (int r = 2; r < rows->nrows; r++) {
		int c = strcmp(rows->cells[r - 1][0], rows->cells[r][0]);

		assert_true(c < 0 ||
			    (c == 0 && strcmp(rows->cells[r - 1][1], rows->cells[r][1]) <= 0));
	}
	free(rows);
	free(csv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_attendance_errors),
	    cmocka_unit_test(test_followups),
	    cmocka_unit_test(test_report),
	    cmocka_unit_test(test_roster),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
