/*
 * program.c - running a planned month: attendance records checked against
 * the adopted plan, the follow-up list, the month's report and the roster
 * (program.h says what each is and the decisions behind them).
 *
 * The plan is a struct month_result read back from the stored output
 * (month_plan_read), so series, people and dates are indices into the
 * month's input; ids are written from the input.  CSV fields go through
 * libcsv's csv_write(), which quotes every field as RFC 4180 allows.
 */
#include "program.h"

#include <csv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_read.h"
#include "month_json.h"

/* "<slot>@<room>" of series s into buf. */
static const char *series_id(const struct month_input *in, const struct month_series *s,
			     char buf[2 * PP_ID_MAX + 2])
{
	snprintf(buf, 2 * PP_ID_MAX + 2, "%s@%s", in->slots[s->slot].id, in->rooms[s->room].id);
	return buf;
}

/* ------------------------------------------------------------ attendance */

void program_attendance_free(struct program_attendance *rec)
{
	if (rec == NULL)
		return;
	free(rec->present);
	free(rec->absent);
	memset(rec, 0, sizeof *rec);
}

/* The parent list body[key] of series s: ids of its parents, none twice
 * (also not in the other list, `other`).  Returns 0 or -1 (recorded in r). */
static int read_parents(struct jr *r, const json_t *body, const char *key,
			const struct month_input *in, const struct month_series *s, int **out,
			int *n, const int *other, int nother)
{
	json_t *arr;
	size_t i, mark;
	json_t *v;

	*out = NULL;
	*n = 0;
	if (jr_array(r, body, key, JR_OPTIONAL, &arr) < 0)
		return -1;
	if (arr == NULL)
		return 0;
	*out = malloc(sizeof(int) * (json_array_size(arr) + 1));
	if (*out == NULL)
		return jr_oom(r);
	mark = jr_push_key(r, key);
	json_array_foreach (arr, i, v) {
		const char *id = json_string_value(v);
		int p = -1;
		size_t m2;

		for (int t = 0; id != NULL && t < s->nparents && p < 0; t++)
			if (strcmp(in->parents[s->parents[t]].id, id) == 0)
				p = s->parents[t];
		if (id != NULL && p >= 0 && !month_in_list(*out, *n, p) &&
		    !month_in_list(other, nother, p)) {
			(*out)[(*n)++] = p;
			continue;
		}
		m2 = jr_push_index(r, i);
		if (id == NULL)
			jr_fail(r, NULL, false, "must be a parent id (a string)");
		else
			jr_fail(r, NULL, false,
				p < 0 ? "'%s' is not a parent of this series"
				      : "'%s' is listed twice",
				id);
		jr_pop(r, m2);
		jr_pop(r, mark);
		return -1;
	}
	jr_pop(r, mark);
	return 0;
}

int program_attendance_read(const json_t *body, const struct month_input *in,
			    const struct month_result *plan, const char *series_id_s,
			    const char *date, struct program_attendance *out, struct pp_error *err)
{
	static const char *const keys[] = {"present", "absent", NULL};
	struct jr r;
	char buf[2 * PP_ID_MAX + 2];
	int s = -1, day = month_day_of(in, date);

	memset(out, 0, sizeof *out);
	jr_init(&r, err);
	for (int t = 0; t < plan->nseries && s < 0; t++)
		if (strcmp(series_id(in, &plan->series[t], buf), series_id_s) == 0)
			s = t;
	if (s < 0)
		return pp_error_set(err, PP_ERR_INVALID_INPUT, "series",
				    "series: '%s' is not a series of the adopted plan",
				    series_id_s);
	if (day < 0 || !month_in_list(plan->series[s].dates, plan->series[s].ndates, day))
		return pp_error_set(err, PP_ERR_INVALID_INPUT, "date",
				    "date: series '%s' does not meet on '%s'", series_id_s, date);
	out->series = s;
	out->day = day;
	if (jr_object(&r, body, keys) < 0 ||
	    read_parents(&r, body, "present", in, &plan->series[s], &out->present, &out->npresent,
			 NULL, 0) < 0 ||
	    read_parents(&r, body, "absent", in, &plan->series[s], &out->absent, &out->nabsent,
			 out->present, out->npresent) < 0) {
		program_attendance_free(out);
		return -1;
	}
	return 0;
}

static json_t *ids_of(const struct month_input *in, const int *v, int n)
{
	json_t *a = json_array();

	for (int i = 0; a != NULL && i < n; i++)
		if (json_array_append_new(a, json_string(in->parents[v[i]].id)) < 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

json_t *program_attendance_to_json(const struct month_input *in, const struct month_result *plan,
				   const struct program_attendance *rec)
{
	char id[2 * PP_ID_MAX + 2], date[11];

	return json_pack("{s:s, s:s, s:o*, s:o*}", "series",
			 series_id(in, &plan->series[rec->series], id), "date",
			 month_format_date(in, rec->day, date), "present",
			 ids_of(in, rec->present, rec->npresent), "absent",
			 ids_of(in, rec->absent, rec->nabsent));
}

/* ------------------------------------------------------------ follow-ups */

/* Was parent p absent at each of their last n recorded meetings (n >= 1)
 * of series s?  Only records that list p count. */
static bool missed(const struct program_followup_ctx *ctx, int s, int p)
{
	int last_day = 1 << 30, run = 0;

	if (ctx->missed < 1)
		return false;
	/* walk the records from the latest date down */
	for (;;) {
		const struct program_attendance *best = NULL;

		for (int i = 0; i < ctx->nrecs; i++) {
			const struct program_attendance *r = &ctx->recs[i];

			if (r->series == s && r->day < last_day &&
			    (best == NULL || r->day > best->day) &&
			    (month_in_list(r->present, r->npresent, p) ||
			     month_in_list(r->absent, r->nabsent, p)))
				best = r;
		}
		if (best == NULL || month_in_list(best->present, best->npresent, p))
			return false;
		if (++run >= ctx->missed)
			return true;
		last_day = best->day;
	}
}

static bool placed_before(const struct program_followup_ctx *ctx, const char *id)
{
	for (int i = 0; i < ctx->nprev_placed; i++)
		if (strcmp(ctx->prev_placed[i], id) == 0)
			return true;
	return false;
}

/* The unassigned reasons of parent p (as MODEL.md writes them). */
static json_t *left_out_detail(const struct month_result *plan, int p)
{
	for (int u = 0; u < plan->nunassigned; u++) {
		const struct month_unassigned *un = &plan->unassigned[u];
		json_t *a;

		if (un->parent != p)
			continue;
		a = json_array();
		if (un->not_selected)
			json_array_append_new(a, json_string("not_selected"));
		if (un->multiple)
			json_array_append_new(a, json_string("multiple"));
		for (int f = 0; f < MF_COUNT; f++)
			if (un->filters & (1u << f))
				json_array_append_new(
				    a, json_string(month_filter_name((enum month_filter)f)));
		return a;
	}
	return json_array();
}

static json_t *contact_of(const struct month_input *in, const struct month_result *plan,
			  const struct program_followup_ctx *ctx, int p, int s)
{
	const char *spec = ctx->specialist != NULL
			       ? ctx->specialist(in->parents[p].id, ctx->specialist_arg)
			       : NULL;
	json_t *fac;

	if (spec != NULL)
		return json_pack("{s:s}", "specialist", spec);
	if (s < 0)
		return json_null();
	fac = json_array();
	for (int t = 0; fac != NULL && t < plan->series[s].nfacilitators; t++)
		json_array_append_new(
		    fac, json_string(in->facilitators[plan->series[s].facilitators[t]].id));
	return json_pack("{s:o*}", "facilitators", fac);
}

json_t *program_followups(const struct month_input *in, const struct month_result *plan,
			  const struct program_followup_ctx *ctx)
{
	json_t *list = json_array();

	for (int p = 0; list != NULL && p < in->nparents; p++) {
		int s = month_series_of_parent(plan, p);
		json_t *reasons = json_array(), *entry;

		if (reasons == NULL)
			goto oom;
		if (s < 0)
			json_array_append_new(reasons, json_string("left_out"));
		if (s >= 0 && missed(ctx, s, p))
			json_array_append_new(reasons, json_string("missed"));
		if (s >= 0 && ctx->prev_placed != NULL && !placed_before(ctx, in->parents[p].id))
			json_array_append_new(reasons, json_string("first_month"));
		if (json_array_size(reasons) == 0) {
			json_decref(reasons);
			continue;
		}
		entry = json_pack("{s:s, s:o, s:o*}", "parent", in->parents[p].id, "reasons",
				  reasons, "contact", contact_of(in, plan, ctx, p, s));
		if (entry != NULL && s < 0)
			json_object_set_new(entry, "detail", left_out_detail(plan, p));
		if (entry == NULL || json_array_append_new(list, entry) < 0)
			goto oom;
	}
	return list;
oom:
	json_decref(list);
	return NULL;
}

/* -------------------------------------------------------------- report */

/* Per-series attendance totals over the records. */
struct tally {
	int recorded, present, absent;
};

static void tally_of(const struct program_attendance *recs, int nrecs, int s, struct tally *t)
{
	memset(t, 0, sizeof *t);
	for (int i = 0; i < nrecs; i++)
		if (recs[i].series == s) {
			t->recorded++;
			t->present += recs[i].npresent;
			t->absent += recs[i].nabsent;
		}
}

/* A ratio, or JSON null when the denominator is 0. */
static json_t *ratio(double num, double den)
{
	return den > 0 ? json_real(num / den) : json_null();
}

static json_t *series_report(const struct month_input *in, const struct month_series *s,
			     const struct tally *t)
{
	const struct month_room *room = &in->rooms[s->room];
	char id[2 * PP_ID_MAX + 2];
	json_t *mean = ratio(t->present, t->recorded);
	json_t *within = json_null();

	if (t->recorded > 0) {
		double m = (double)t->present / t->recorded;

		within = json_boolean(m >= room->comfort_lo && m <= room->comfort_hi);
	}
	return json_pack("{s:s, s:s, s:s, s:i, s:i, s:i, s:i, s:i, s:o, s:o, s:[i,i], s:o, s:i, "
			 "s:f}",
			 "series", series_id(in, s, id), "slot", in->slots[s->slot].id, "room",
			 room->id, "parents", s->nparents, "meetings_planned", s->ndates,
			 "meetings_recorded", t->recorded, "present", t->present, "absent",
			 t->absent, "attendance_rate", ratio(t->present, t->present + t->absent),
			 "mean_present", mean, "comfort", room->comfort_lo, room->comfort_hi,
			 "within_comfort", within, "children", s->children, "cost", s->cost);
}

/* Meetings of each facilitator (fac true) or staff member in the plan,
 * against their max_meetings. */
static json_t *workload(const struct month_input *in, const struct month_result *plan, bool fac)
{
	int n = fac ? in->nfacilitators : in->nstaff;
	json_t *a = json_array();

	for (int i = 0; a != NULL && i < n; i++) {
		int meetings = 0,
		    max = fac ? in->facilitators[i].max_meetings : in->staff[i].max_meetings;
		bool any = false;

		for (int s = 0; s < plan->nseries; s++) {
			const struct month_series *se = &plan->series[s];

			if (fac ? month_in_list(se->facilitators, se->nfacilitators, i)
				: month_in_list(se->staff, se->nstaff, i)) {
				meetings += se->ndates;
				any = true;
			}
		}
		if (!any)
			continue;
		json_array_append_new(
		    a, json_pack("{s:s, s:i, s:o}", "id",
				 fac ? in->facilitators[i].id : in->staff[i].id, "meetings",
				 meetings, "max_meetings",
				 max == PP_UNLIMITED ? json_null() : json_integer(max)));
	}
	return a;
}

/* Left-out parents counted by each reason they have. */
static json_t *left_out_by_reason(const struct month_result *plan)
{
	json_t *o = json_object();
	int count[MF_COUNT] = {0}, not_selected = 0, multiple = 0;

	for (int u = 0; u < plan->nunassigned; u++) {
		const struct month_unassigned *un = &plan->unassigned[u];

		not_selected += un->not_selected;
		multiple += un->multiple;
		for (int f = 0; f < MF_COUNT; f++)
			count[f] += (un->filters >> f) & 1u;
	}
	for (int f = 0; f < MF_COUNT; f++)
		json_object_set_new(o, month_filter_name((enum month_filter)f),
				    json_integer(count[f]));
	json_object_set_new(o, "multiple", json_integer(multiple));
	json_object_set_new(o, "not_selected", json_integer(not_selected));
	return o;
}

json_t *program_report(const struct month_input *in, const struct month_result *plan,
		       const struct program_attendance *recs, int nrecs)
{
	json_t *series = json_array(), *totals;
	int placed = 0, present = 0, absent = 0, recorded = 0;
	double cost_recorded = 0;
	char month[8];

	for (int s = 0; series != NULL && s < plan->nseries; s++) {
		const struct month_series *se = &plan->series[s];
		struct tally t;

		tally_of(recs, nrecs, s, &t);
		placed += se->nparents;
		present += t.present;
		absent += t.absent;
		recorded += t.recorded;
		if (se->ndates > 0)
			cost_recorded += se->cost / se->ndates * t.recorded;
		json_array_append_new(series, series_report(in, se, &t));
	}
	totals = json_pack(
	    "{s:i, s:i, s:o, s:i, s:i, s:i, s:o, s:{s:f, s:o}, s:o, s:o, s:o}", "parents_placed",
	    placed, "parents_left_out", plan->nunassigned, "left_out_by_reason",
	    left_out_by_reason(plan), "meetings_recorded", recorded, "present", present, "absent",
	    absent, "attendance_rate", ratio(present, present + absent), "budget", "planned",
	    plan->objective.cost, "policy",
	    in->policy.has_budget ? json_real(in->policy.budget) : json_null(),
	    "cost_per_present_parent_meeting", ratio(cost_recorded, present), "facilitators",
	    workload(in, plan, true), "childcare_staff", workload(in, plan, false));
	snprintf(month, sizeof month, "%04d-%02d", in->year, in->month);
	return json_pack("{s:s, s:o*, s:o*}", "month", month, "series", series, "totals", totals);
}

/* ----------------------------------------------------------------- CSV */

/* A growing text buffer. */
struct buf {
	char *p;
	size_t n, cap;
	bool oom;
};

static void buf_put(struct buf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->n + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 1024;
		char *p;

		while (b->n + n + 1 > cap)
			cap *= 2;
		p = realloc(b->p, cap);
		if (p == NULL) {
			b->oom = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = '\0';
}

/* One CSV field (quoted by libcsv), preceded by a comma unless first. */
static void csv_field(struct buf *b, const char *s, bool first)
{
	size_t len = strlen(s), need = csv_write(NULL, 0, s, len);
	char *q = malloc(need + 1);

	if (q == NULL) {
		b->oom = true;
		return;
	}
	csv_write(q, need, s, len);
	if (!first)
		buf_put(b, ",", 1);
	buf_put(b, q, need);
	free(q);
}

static void csv_end(struct buf *b)
{
	buf_put(b, "\r\n", 2);
}

/* A JSON scalar as a CSV field: strings as they are, numbers as JSON
 * writes them, null as an empty field. */
static void csv_json_field(struct buf *b, const json_t *v, bool first)
{
	char *s;

	if (json_is_string(v)) {
		csv_field(b, json_string_value(v), first);
		return;
	}
	if (v == NULL || json_is_null(v)) {
		csv_field(b, "", first);
		return;
	}
	s = json_dumps(v, JSON_ENCODE_ANY | JSON_REAL_PRECISION(10));
	if (s == NULL) {
		b->oom = true;
		return;
	}
	csv_field(b, s, first);
	free(s);
}

static int buf_done(struct buf *b, char **out, size_t *len)
{
	if (b->oom || b->p == NULL) {
		free(b->p);
		return -1;
	}
	*out = b->p;
	*len = b->n;
	return 0;
}

int program_report_csv(const json_t *report, char **out, size_t *len)
{
	static const char *const cols[] = {"series",
					   "slot",
					   "room",
					   "parents",
					   "meetings_planned",
					   "meetings_recorded",
					   "present",
					   "absent",
					   "attendance_rate",
					   "mean_present",
					   "comfort_low",
					   "comfort_high",
					   "within_comfort",
					   "children",
					   "cost"};
	struct buf b = {0};
	size_t i;
	json_t *s;

	for (size_t c = 0; c < sizeof cols / sizeof cols[0]; c++)
		csv_field(&b, cols[c], c == 0);
	csv_end(&b);
	json_array_foreach (json_object_get(report, "series"), i, s) {
		for (size_t c = 0; c < sizeof cols / sizeof cols[0]; c++) {
			const char *key = cols[c];
			json_t *v = json_object_get(s, key);

			if (strcmp(key, "comfort_low") == 0 || strcmp(key, "comfort_high") == 0)
				v = json_array_get(json_object_get(s, "comfort"),
						   key[8] == 'l' ? 0 : 1);
			csv_json_field(&b, v, c == 0);
		}
		csv_end(&b);
	}
	return buf_done(&b, out, len);
}

/* Ids of indices v[0..n) of people in table base (stride bytes, id first),
 * joined with ";" into a new string. */
static char *joined(const int *v, int n, const void *base, size_t stride)
{
	struct buf b = {0};

	buf_put(&b, "", 0);
	for (int i = 0; i < n; i++) {
		const char *id = (const char *)base + (size_t)v[i] * stride;

		if (i > 0)
			buf_put(&b, ";", 1);
		buf_put(&b, id, strlen(id));
	}
	if (b.oom) {
		free(b.p);
		return NULL;
	}
	return b.p;
}

/* The rides of a series as "driver:rider,rider;driver:rider". */
static char *rides_text(const struct month_input *in, const struct month_series *s)
{
	struct buf b = {0};

	buf_put(&b, "", 0);
	for (int r = 0; r < s->nrides; r++) {
		const char *d = in->parents[s->rides[r].driver].id;

		if (r > 0)
			buf_put(&b, ";", 1);
		buf_put(&b, d, strlen(d));
		buf_put(&b, ":", 1);
		for (int t = 0; t < s->rides[r].nriders; t++) {
			const char *id = in->parents[s->rides[r].riders[t]].id;

			if (t > 0)
				buf_put(&b, ",", 1);
			buf_put(&b, id, strlen(id));
		}
	}
	if (b.oom) {
		free(b.p);
		return NULL;
	}
	return b.p;
}

/* One meeting of the roster: series index and date. */
struct meeting {
	int s, day;
	const struct month_input *in;
	const struct month_result *plan;
};

static int meeting_cmp(const void *a, const void *b)
{
	const struct meeting *x = a, *y = b;
	const struct month_slot *sx = &x->in->slots[x->plan->series[x->s].slot];
	const struct month_slot *sy = &y->in->slots[y->plan->series[y->s].slot];

	if (x->day != y->day)
		return x->day - y->day;
	if (sx->start != sy->start)
		return sx->start - sy->start;
	return x->plan->series[x->s].room - y->plan->series[y->s].room;
}

/* One roster row for meeting mt. */
static void roster_row(struct buf *b, const struct meeting *mt)
{
	const struct month_input *in = mt->in;
	const struct month_series *s = &mt->plan->series[mt->s];
	const struct month_slot *slot = &in->slots[s->slot];
	char date[11], start[6], end[6], id[2 * PP_ID_MAX + 2], children[16];
	char *fac =
	    joined(s->facilitators, s->nfacilitators, in->facilitators, sizeof in->facilitators[0]);
	char *staff = joined(s->staff, s->nstaff, in->staff, sizeof in->staff[0]);
	char *parents = joined(s->parents, s->nparents, in->parents, sizeof in->parents[0]);
	char *rides = rides_text(in, s);

	if (fac == NULL || staff == NULL || parents == NULL || rides == NULL) {
		b->oom = true;
	} else {
		snprintf(children, sizeof children, "%d", s->children);
		csv_field(b, month_format_date(in, mt->day, date), true);
		csv_field(b, month_format_time(slot->start, start), false);
		csv_field(b, month_format_time(slot->end, end), false);
		csv_field(b, in->rooms[s->room].id, false);
		csv_field(b, series_id(in, s, id), false);
		csv_field(b, in->strs[s->language], false);
		csv_field(b, fac, false);
		csv_field(b, staff, false);
		csv_field(b, parents, false);
		csv_field(b, children, false);
		csv_field(b, rides, false);
		csv_end(b);
	}
	free(fac);
	free(staff);
	free(parents);
	free(rides);
}

int program_roster_csv(const struct month_input *in, const struct month_result *plan, char **out,
		       size_t *len)
{
	static const char *const cols[] = {"date",    "start",    "end",          "room",
					   "series",  "language", "facilitators", "childcare_staff",
					   "parents", "children", "rides"};
	struct buf b = {0};
	struct meeting *ms;
	int n = 0;

	for (int s = 0; s < plan->nseries; s++)
		n += plan->series[s].ndates;
	ms = malloc(sizeof *ms * ((size_t)n + 1));
	if (ms == NULL)
		return -1;
	n = 0;
	for (int s = 0; s < plan->nseries; s++)
		for (int d = 0; d < plan->series[s].ndates; d++)
			ms[n++] = (struct meeting){s, plan->series[s].dates[d], in, plan};
	qsort(ms, (size_t)n, sizeof *ms, meeting_cmp);
	for (size_t c = 0; c < sizeof cols / sizeof cols[0]; c++)
		csv_field(&b, cols[c], c == 0);
	csv_end(&b);
	for (int i = 0; i < n; i++)
		roster_row(&b, &ms[i]);
	free(ms);
	return buf_done(&b, out, len);
}
