/*
 * plan_json.c - plan outputs read back in: a month's `previous` (MODEL.md
 * section 1, "Re-planning and continuity") and stored plans for comparison.
 *
 * Both readers resolve ids against a parsed struct month_input, so both run
 * after the input's lists are read.  They differ in what a missing id
 * means: a previous plan may name people, slots and rooms that have gone
 * (MODEL.md: they add no change), so `previous` keeps slot and room as -1
 * and drops the people; a stored plan is read against the very input it
 * was solved from, so there a missing id is an error.
 *
 * `previous` is checked as strictly as the month around it (unknown fields
 * are errors; the output's own fields are accepted unchecked), while a
 * stored plan is peerplan's own output and only the fields read are
 * checked.  Repeats in `previous` are found with Jansson objects used as
 * hash sets (id -> series index), as jr_strtab does for interning; ids are
 * looked up in the input's lists linearly, since previous plans name at
 * most a few thousand people.
 *
 * Arrays are calloc'd at their full length with their counts set before
 * their elements are read, as month_json.c does, so month_input_free() and
 * month_result_free() can free what a failed read left.
 */
#include "plan_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "month_json.h"

#define SERIES_ID_MAX (2 * PP_ID_MAX + 1) /* "<slot>@<room>" */

/* Index of the element with id `id` (at offset 0) among n of `size` bytes at
 * base, or -1. */
static int find_id(const void *base, int n, size_t size, const char *id)
{
	for (int i = 0; i < n; i++)
		if (strcmp((const char *)base + (size_t)i * size, id) == 0)
			return i;
	return -1;
}

/* Is v a string that is a valid id (and holds no NUL)? */
static bool is_id(const json_t *v)
{
	return json_is_string(v) && json_string_length(v) == strlen(json_string_value(v)) &&
	       jr_id_valid(json_string_value(v));
}

static int fail_not_id(struct jr *r)
{
	return jr_fail(r, NULL, false, "must be an id: 1 to %d characters of A-Z a-z 0-9 . _ : -",
		       JR_ID_MAX);
}

/* Split the series id s into slot and room; false unless s is two ids
 * joined by one '@' (ids hold no '@', so a second one fails the room). */
static bool split_series_id(const char *s, char slot[PP_ID_MAX + 1], char room[PP_ID_MAX + 1])
{
	const char *at = strchr(s, '@');
	size_t n;

	if (at == NULL)
		return false;
	n = (size_t)(at - s);
	if (n > PP_ID_MAX || strlen(at + 1) > PP_ID_MAX)
		return false;
	memcpy(slot, s, n);
	slot[n] = '\0';
	memcpy(room, at + 1, strlen(at + 1) + 1);
	return jr_id_valid(slot) && jr_id_valid(room);
}

/* ---- previous ---- */

/* Read the id list s[key] of previous series `series` into *idx: indices
 * among the n elements of `size` bytes at base, in list order, ids not in
 * the input dropped.  seen maps the ids read so far to their series index:
 * one seen in this series is listed twice; one seen in another series (only
 * the parents' map spans series) is in two series. */
static int read_prev_people(struct jr *r, const json_t *s, const char *key, const void *base, int n,
			    size_t size, const struct month_previous *prev, int series,
			    json_t *seen, int **idx, int *nidx)
{
	json_t *arr, *el, *was;
	size_t i, mark;

	if (jr_array(r, s, key, JR_OPTIONAL, &arr) < 0)
		return -1;
	if (arr == NULL || json_array_size(arr) == 0)
		return 0;
	*idx = calloc(json_array_size(arr), sizeof **idx);
	if (*idx == NULL)
		return jr_oom(r);
	mark = jr_push_key(r, key);
	json_array_foreach (arr, i, el) {
		const char *id = json_string_value(el);
		size_t m = jr_push_index(r, i);
		int k;

		if (!is_id(el))
			return fail_not_id(r);
		was = json_object_get(seen, id);
		if (was != NULL && json_integer_value(was) == series)
			return jr_fail(r, NULL, false, "'%s' is listed twice in %s", id, key);
		if (was != NULL)
			return jr_fail(r, NULL, false, "parent '%s' is also in series '%s'", id,
				       prev->series[json_integer_value(was)].id);
		if (json_object_set_new(seen, id, json_integer(series)) < 0)
			return jr_oom(r);
		k = find_id(base, n, size, id);
		if (k >= 0)
			(*idx)[(*nidx)++] = k;
		jr_pop(r, m);
	}
	jr_pop(r, mark);
	return 0;
}

/* Read the id of previous series i: "<slot>@<room>", not repeated, with
 * slot and room resolved (-1 when gone). */
static int read_prev_id(struct jr *r, const json_t *el, struct month_input *in, int i)
{
	struct month_prev_series *ps = &in->previous.series[i];
	char slot[PP_ID_MAX + 1], room[PP_ID_MAX + 1];
	json_t *id;
	int k;

	if (jr_field(r, el, "id", JR_REQUIRED, &id) < 0)
		return -1;
	if (!json_is_string(id) || json_string_length(id) > SERIES_ID_MAX ||
	    json_string_length(id) != strlen(json_string_value(id)) ||
	    !split_series_id(json_string_value(id), slot, room))
		return jr_fail(r, "id", false,
			       "must be a series id \"<slot>@<room>\": two ids joined by one '@'");
	memcpy(ps->id, json_string_value(id), json_string_length(id) + 1);
	k = find_id(in->previous.series, i, sizeof *ps, ps->id);
	if (k >= 0)
		return jr_fail(r, "id", false, "duplicate series id '%s' (also series %d)", ps->id,
			       k);
	ps->slot = find_id(in->slots, in->nslots, sizeof *in->slots, slot);
	ps->room = find_id(in->rooms, in->nrooms, sizeof *in->rooms, room);
	return 0;
}

/* Read previous series i from el; parents_seen spans all series. */
static int read_prev_series(struct jr *r, const json_t *el, struct month_input *in, int i,
			    json_t *parents_seen)
{
	static const char *const allowed[] = {
	    "id",       "slot",     "room",         "daypart",
	    "language", "dates",    "facilitators", "childcare_staff",
	    "parents",  "children", "rides",        "cost",
	    NULL};
	struct month_previous *prev = &in->previous;
	struct month_prev_series *ps = &prev->series[i];
	json_t *seen;
	int rc;

	if (jr_object(r, el, allowed) < 0 || read_prev_id(r, el, in, i) < 0)
		return -1;
	/* A facilitator or staff member may run several series: one map per list. */
	seen = json_object();
	if (seen == NULL)
		return jr_oom(r);
	rc = read_prev_people(r, el, "facilitators", in->facilitators, in->nfacilitators,
			      sizeof *in->facilitators, prev, i, seen, &ps->facilitators,
			      &ps->nfacilitators);
	json_object_clear(seen);
	if (rc == 0)
		rc = read_prev_people(r, el, "childcare_staff", in->staff, in->nstaff,
				      sizeof *in->staff, prev, i, seen, &ps->staff, &ps->nstaff);
	json_decref(seen);
	if (rc < 0 ||
	    read_prev_people(r, el, "parents", in->parents, in->nparents, sizeof *in->parents, prev,
			     i, parents_seen, &ps->parents, &ps->nparents) < 0)
		return -1;
	return 0;
}

int month_read_previous(struct jr *r, const json_t *plan, struct month_input *in)
{
	static const char *const allowed[] = {"status", "gap",        "objective",
					      "series", "unassigned", "changes",
					      "solve",  "conflicts",  NULL};
	json_t *arr, *el, *seen;
	size_t i, mark;
	int rc = 0;

	if (json_is_object(plan) && json_object_get(plan, "plan") != NULL)
		return jr_fail(r, "plan", false,
			       "a stored plan can be named only in a request to the daemon "
			       "(POST /v1/plans); give the plan output itself");
	if (jr_object(r, plan, allowed) < 0 || jr_array(r, plan, "series", JR_OPTIONAL, &arr) < 0)
		return -1;
	in->has_previous = true;
	if (arr == NULL || json_array_size(arr) == 0)
		return 0;
	in->previous.series = calloc(json_array_size(arr), sizeof *in->previous.series);
	if (in->previous.series == NULL)
		return jr_oom(r);
	in->previous.nseries = (int)json_array_size(arr);
	seen = json_object();
	if (seen == NULL)
		return jr_oom(r);
	mark = jr_push_key(r, "series");
	json_array_foreach (arr, i, el) {
		size_t m = jr_push_index(r, i);

		rc = read_prev_series(r, el, in, (int)i, seen);
		if (rc < 0)
			break;
		jr_pop(r, m);
	}
	json_decref(seen);
	if (rc < 0)
		return -1;
	jr_pop(r, mark);
	return 0;
}

bool month_previous_names_plan(const json_t *doc, const char **plan_id)
{
	json_t *prev = json_object_get(doc, "previous");
	json_t *id = json_object_get(prev, "plan");

	if (!json_is_object(prev) || json_object_size(prev) != 1 || !json_is_string(id))
		return false;
	if (plan_id != NULL)
		*plan_id = json_string_value(id);
	return true;
}

/* ---- stored plans ---- */

/* obj[key], an optional integer, into *out (a long). */
static int read_long(struct jr *r, const json_t *obj, const char *key, long *out)
{
	json_t *v;

	if (jr_field(r, obj, key, JR_OPTIONAL, &v) < 0)
		return -1;
	if (v == NULL)
		return 0;
	if (!json_is_integer(v))
		return jr_fail(r, key, false, "must be an integer");
	*out = (long)json_integer_value(v);
	return 0;
}

/* The optional object obj[key], read by `read` with the path at key. */
static int read_nested(struct jr *r, const json_t *obj, const char *key,
		       int (*read)(struct jr *, const json_t *, struct month_result *),
		       struct month_result *res)
{
	json_t *v;
	size_t mark;

	if (jr_field(r, obj, key, JR_OPTIONAL, &v) < 0)
		return -1;
	if (v == NULL)
		return 0;
	mark = jr_push_key(r, key);
	if (jr_object(r, v, NULL) < 0 || read(r, v, res) < 0)
		return -1;
	jr_pop(r, mark);
	return 0;
}

static int read_objective(struct jr *r, const json_t *o, struct month_result *res)
{
	struct month_objective *obj = &res->objective;

	if (read_long(r, o, "changes", &obj->changes) < 0 ||
	    read_long(r, o, "coverage", &obj->coverage) < 0 ||
	    read_long(r, o, "comfort_deviation", &obj->comfort_deviation) < 0 ||
	    read_long(r, o, "preference", &obj->preference) < 0 ||
	    jr_real(r, o, "cost", JR_OPTIONAL, 0, JR_NO_MAX, &obj->cost) < 0)
		return -1;
	return 0;
}

static int read_solve(struct jr *r, const json_t *o, struct month_result *res)
{
	if (jr_real(r, o, "seconds", JR_OPTIONAL, 0, JR_NO_MAX, &res->seconds) < 0 ||
	    read_long(r, o, "nodes", &res->nodes) < 0)
		return -1;
	return 0;
}

/* The id v (a string at the current path) as an index among the n
 * elements of `size` bytes at base, which hold `what`; -1 with the error
 * recorded when it is not one of them. */
static int resolve(struct jr *r, const json_t *v, const void *base, int n, size_t size,
		   const char *what)
{
	int k = is_id(v) ? find_id(base, n, size, json_string_value(v)) : -1;

	if (k < 0 && !is_id(v))
		return fail_not_id(r);
	if (k < 0)
		return jr_fail(r, NULL, false, "no %s '%s' in the month", what,
			       json_string_value(v));
	return k;
}

/* obj[key], a required id of one of `what` at base, as an index in *out. */
static int read_ref(struct jr *r, const json_t *obj, const char *key, const void *base, int n,
		    size_t size, const char *what, int *out)
{
	json_t *v;
	size_t mark;

	if (jr_field(r, obj, key, JR_REQUIRED, &v) < 0)
		return -1;
	mark = jr_push_key(r, key);
	*out = resolve(r, v, base, n, size, what);
	if (*out < 0)
		return -1;
	jr_pop(r, mark);
	return 0;
}

static int int_cmp(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

/* obj[key], an optional list of ids of `what` at base, as indices in *idx
 * (ascending when sorted, else in list order). */
static int read_refs(struct jr *r, const json_t *obj, const char *key, const void *base, int n,
		     size_t size, const char *what, bool sorted, int **idx, int *nidx)
{
	json_t *arr, *el;
	size_t i, mark;

	if (jr_array(r, obj, key, JR_OPTIONAL, &arr) < 0)
		return -1;
	if (arr == NULL || json_array_size(arr) == 0)
		return 0;
	*idx = calloc(json_array_size(arr), sizeof **idx);
	if (*idx == NULL)
		return jr_oom(r);
	*nidx = (int)json_array_size(arr);
	mark = jr_push_key(r, key);
	json_array_foreach (arr, i, el) {
		size_t m = jr_push_index(r, i);

		(*idx)[i] = resolve(r, el, base, n, size, what);
		if ((*idx)[i] < 0)
			return -1;
		jr_pop(r, m);
	}
	jr_pop(r, mark);
	if (sorted)
		qsort(*idx, (size_t)*nidx, sizeof **idx, int_cmp);
	return 0;
}

/* The series' dates: days of in's month. */
static int read_dates(struct jr *r, const json_t *el, const struct month_input *in,
		      struct month_series *s)
{
	json_t *arr, *d;
	size_t i, mark;

	if (jr_array(r, el, "dates", JR_OPTIONAL, &arr) < 0)
		return -1;
	if (arr == NULL || json_array_size(arr) == 0)
		return 0;
	s->dates = calloc(json_array_size(arr), sizeof *s->dates);
	if (s->dates == NULL)
		return jr_oom(r);
	s->ndates = (int)json_array_size(arr);
	mark = jr_push_key(r, "dates");
	json_array_foreach (arr, i, d) {
		size_t m = jr_push_index(r, i);

		s->dates[i] = json_is_string(d) ? month_day_of(in, json_string_value(d)) : -1;
		if (s->dates[i] < 0)
			return jr_fail(r, NULL, false, "must be a date \"YYYY-MM-DD\" in %04d-%02d",
				       in->year, in->month);
		jr_pop(r, m);
	}
	jr_pop(r, mark);
	return 0;
}

static int read_rides(struct jr *r, const json_t *el, const struct month_input *in,
		      struct month_series *s)
{
	const size_t psize = sizeof *in->parents;
	json_t *arr, *ride;
	size_t i, mark;

	if (jr_array(r, el, "rides", JR_OPTIONAL, &arr) < 0)
		return -1;
	if (arr == NULL || json_array_size(arr) == 0)
		return 0;
	s->rides = calloc(json_array_size(arr), sizeof *s->rides);
	if (s->rides == NULL)
		return jr_oom(r);
	s->nrides = (int)json_array_size(arr);
	mark = jr_push_key(r, "rides");
	json_array_foreach (arr, i, ride) {
		struct month_ride *rd = &s->rides[i];
		size_t m = jr_push_index(r, i);

		if (jr_object(r, ride, NULL) < 0 ||
		    read_ref(r, ride, "driver", in->parents, in->nparents, psize, "parent",
			     &rd->driver) < 0 ||
		    read_refs(r, ride, "riders", in->parents, in->nparents, psize, "parent", false,
			      &rd->riders, &rd->nriders) < 0)
			return -1;
		jr_pop(r, m);
	}
	jr_pop(r, mark);
	return 0;
}

/* The series' language, a string interned in in->strs. */
static int read_language(struct jr *r, const json_t *el, const struct month_input *in,
			 struct month_series *s)
{
	const char *lang;

	if (jr_string(r, el, "language", JR_REQUIRED, 0, JR_ID_MAX, &lang) < 0)
		return -1;
	for (s->language = 0; s->language < in->nstrs; s->language++)
		if (strcmp(in->strs[s->language], lang) == 0)
			return 0;
	return jr_fail(r, "language", false, "'%s' is not a language of the month", lang);
}

static int read_plan_series(struct jr *r, const json_t *el, const struct month_input *in,
			    struct month_series *s)
{
	const char *dayparts[] = {month_daypart_name(0), month_daypart_name(1),
				  month_daypart_name(2)};
	char want[SERIES_ID_MAX + 1];
	const char *id;

	if (jr_object(r, el, NULL) < 0 ||
	    read_ref(r, el, "slot", in->slots, in->nslots, sizeof *in->slots, "slot", &s->slot) <
		0 ||
	    read_ref(r, el, "room", in->rooms, in->nrooms, sizeof *in->rooms, "room", &s->room) <
		0 ||
	    jr_string(r, el, "id", JR_REQUIRED, 1, SERIES_ID_MAX, &id) < 0)
		return -1;
	snprintf(want, sizeof want, "%s@%s", in->slots[s->slot].id, in->rooms[s->room].id);
	if (strcmp(id, want) != 0)
		return jr_fail(r, "id", false, "must be '%s', its slot and room", want);
	if (jr_enum(r, el, "daypart", JR_REQUIRED, dayparts, 3, &s->daypart) < 0 ||
	    read_language(r, el, in, s) < 0 || read_dates(r, el, in, s) < 0 ||
	    read_refs(r, el, "facilitators", in->facilitators, in->nfacilitators,
		      sizeof *in->facilitators, "facilitator", true, &s->facilitators,
		      &s->nfacilitators) < 0 ||
	    read_refs(r, el, "childcare_staff", in->staff, in->nstaff, sizeof *in->staff,
		      "childcare staff member", true, &s->staff, &s->nstaff) < 0 ||
	    read_refs(r, el, "parents", in->parents, in->nparents, sizeof *in->parents, "parent",
		      true, &s->parents, &s->nparents) < 0 ||
	    jr_int(r, el, "children", JR_OPTIONAL, 0, JR_INT_MAX, &s->children) < 0 ||
	    read_rides(r, el, in, s) < 0 ||
	    jr_real(r, el, "cost", JR_OPTIONAL, 0, JR_NO_MAX, &s->cost) < 0)
		return -1;
	return 0;
}

/* The reasons of an unassigned parent, back into flags and filter bits. */
static int read_reasons(struct jr *r, const json_t *el, struct month_unassigned *u)
{
	json_t *arr, *v;
	size_t i, mark;

	if (jr_array(r, el, "reasons", JR_OPTIONAL, &arr) < 0)
		return -1;
	mark = jr_push_key(r, "reasons");
	json_array_foreach (arr, i, v) {
		const char *s = json_is_string(v) ? json_string_value(v) : "";
		int f = 0;

		while (f < MF_COUNT && strcmp(s, month_filter_name(f)) != 0)
			f++;
		if (f < MF_COUNT)
			u->filters |= 1u << f;
		else if (strcmp(s, "not_selected") == 0)
			u->not_selected = true;
		else if (strcmp(s, "multiple") == 0)
			u->multiple = true;
		else {
			jr_push_index(r, i);
			return jr_fail(r, NULL, false,
				       "must be not_selected, multiple or a filter's name");
		}
	}
	jr_pop(r, mark);
	return 0;
}

/* Read the list plan[key] of n elements of `size` bytes into *out with read. */
static int read_plan_list(struct jr *r, const json_t *plan, const char *key,
			  const struct month_input *in, size_t size,
			  int (*read)(struct jr *, const json_t *, const struct month_input *,
				      void *),
			  void **out, int *n)
{
	json_t *arr, *el;
	size_t i, mark;

	if (jr_array(r, plan, key, JR_OPTIONAL, &arr) < 0)
		return -1;
	if (arr == NULL || json_array_size(arr) == 0)
		return 0;
	*out = calloc(json_array_size(arr), size);
	if (*out == NULL)
		return jr_oom(r);
	*n = (int)json_array_size(arr);
	mark = jr_push_key(r, key);
	json_array_foreach (arr, i, el) {
		size_t m = jr_push_index(r, i);

		if (read(r, el, in, (char *)*out + i * size) < 0)
			return -1;
		jr_pop(r, m);
	}
	jr_pop(r, mark);
	return 0;
}

static int series_cb(struct jr *r, const json_t *el, const struct month_input *in, void *v)
{
	return read_plan_series(r, el, in, v);
}

static int unassigned_cb(struct jr *r, const json_t *el, const struct month_input *in, void *v)
{
	struct month_unassigned *u = v;
	const char *detail = NULL;

	if (jr_object(r, el, NULL) < 0 ||
	    read_ref(r, el, "parent", in->parents, in->nparents, sizeof *in->parents, "parent",
		     &u->parent) < 0 ||
	    read_reasons(r, el, u) < 0 ||
	    jr_string(r, el, "detail", JR_OPTIONAL, 0, 65536, &detail) < 0)
		return -1;
	if (detail != NULL && (u->detail = strdup(detail)) == NULL)
		return jr_oom(r);
	return 0;
}

/* `needed` of a conflict read back: a number, or require_dayparts' list of
 * {daypart, detail}; null or absent leaves none. */
static int read_needed(struct jr *r, const json_t *el, struct month_conflict_info *ci)
{
	const char *parts[] = {month_daypart_name(PP_MORNING), month_daypart_name(PP_AFTERNOON),
			       month_daypart_name(PP_EVENING)};
	json_t *v = json_object_get(el, "needed"), *d;
	size_t i, mark;

	if (v == NULL || json_is_null(v))
		return 0;
	ci->has_needed = true;
	if (json_is_number(v))
		return jr_real(r, el, "needed", JR_REQUIRED, 0, JR_NO_MAX, &ci->needed);
	if (jr_array(r, el, "needed", JR_REQUIRED, &v) < 0)
		return -1;
	mark = jr_push_key(r, "needed");
	json_array_foreach (v, i, d) {
		size_t m = jr_push_index(r, i);
		const char *detail = NULL;
		int part = 0;

		if (jr_object(r, d, NULL) < 0 ||
		    jr_enum(r, d, "daypart", JR_REQUIRED, parts, 3, &part) < 0 ||
		    jr_string(r, d, "detail", JR_OPTIONAL, 0, 4096, &detail) < 0)
			return -1;
		ci->needed_dayparts |= 1u << part;
		snprintf(ci->daypart_detail[part], sizeof ci->daypart_detail[part], "%s",
			 detail ? detail : "");
		jr_pop(r, m);
	}
	jr_pop(r, mark);
	return 0;
}

/* The conflicts of an infeasible plan, by constraint name (names this
 * version does not know are skipped: a plan of another version still
 * reads).  The output keeps no `decided`: every one read is decided. */
static int read_conflicts(struct jr *r, const json_t *plan, struct month_result *res)
{
	json_t *arr, *el;
	size_t i, mark;

	if (jr_array(r, plan, "conflicts", JR_OPTIONAL, &arr) < 0)
		return -1;
	mark = jr_push_key(r, "conflicts");
	json_array_foreach (arr, i, el) {
		size_t m = jr_push_index(r, i);
		const char *name = NULL, *detail = NULL;
		bool fixes = false;
		int c = 0;

		if (jr_object(r, el, NULL) < 0 ||
		    jr_string(r, el, "constraint", JR_REQUIRED, 1, JR_ID_MAX, &name) < 0 ||
		    jr_bool(r, el, "relaxing_alone_fixes", JR_OPTIONAL, &fixes) < 0 ||
		    jr_string(r, el, "detail", JR_OPTIONAL, 0, 4096, &detail) < 0)
			return -1;
		while (c < MC_COUNT && strcmp(name, month_conflict_name(c)) != 0)
			c++;
		if (c < MC_COUNT && read_needed(r, el, &res->conflicts[c]) < 0)
			return -1;
		if (c < MC_COUNT) {
			res->conflicts[c].decided = true;
			res->conflicts[c].relaxing_alone_fixes = fixes;
			snprintf(res->conflicts[c].detail, sizeof res->conflicts[c].detail, "%s",
				 detail ? detail : "");
		}
		jr_pop(r, m);
	}
	jr_pop(r, mark);
	return 0;
}

int month_plan_read(const json_t *plan, const struct month_input *in, struct month_result *res,
		    struct pp_error *err)
{
	const char *statuses[] = {month_status_name(0), month_status_name(1), month_status_name(2),
				  month_status_name(3), month_status_name(4)};
	int status = 0;
	struct jr r;

	memset(res, 0, sizeof *res);
	jr_init(&r, err);
	if (jr_object(&r, plan, NULL) < 0 ||
	    jr_enum(&r, plan, "status", JR_REQUIRED, statuses, 5, &status) < 0 ||
	    jr_real(&r, plan, "gap", JR_OPTIONAL, 0, JR_NO_MAX, &res->gap) < 0 ||
	    read_nested(&r, plan, "objective", read_objective, res) < 0 ||
	    read_plan_list(&r, plan, "series", in, sizeof *res->series, series_cb,
			   (void **)&res->series, &res->nseries) < 0 ||
	    read_plan_list(&r, plan, "unassigned", in, sizeof *res->unassigned, unassigned_cb,
			   (void **)&res->unassigned, &res->nunassigned) < 0 ||
	    read_conflicts(&r, plan, res) < 0 ||
	    read_nested(&r, plan, "solve", read_solve, res) < 0) {
		month_result_free(res);
		return -1;
	}
	res->status = (enum month_status)status;
	return 0;
}
