/*
 * plan_json.c - plan outputs read back in: a month's `previous` (MODEL.md
 * section 1, "Re-planning and continuity").
 *
 * The reader resolves ids against a parsed struct month_input, so it runs
 * after the input's lists are read.  A previous plan may name people, slots
 * and rooms that have gone (MODEL.md: they add no change), so `previous`
 * keeps slot and room as -1 and drops the people.
 *
 * `previous` is checked as strictly as the month around it (unknown fields
 * are errors; the output's own fields are accepted unchecked).  Repeats are
 * found with Jansson objects used as hash sets (id -> series index), as
 * jr_strtab does for interning; ids are looked up in the input's lists
 * linearly, since previous plans name at most a few thousand people.
 *
 * Arrays are calloc'd at their full length with their counts set before
 * their elements are read, as month_json.c does, so month_input_free() can
 * free what a failed read left.
 */
#include "plan_json.h"

#include <stdlib.h>
#include <string.h>

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
