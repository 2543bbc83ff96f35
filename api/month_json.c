/*
 * month_json.c - reading and writing the month-plan documents of MODEL.md
 * section 1.
 *
 * Parsing walks the document top-down with the readers of json_read.h; each
 * list has one function per element kind, which pushes its own path segment
 * and leaves the path as it found it.  Arrays of the input are calloc'd at
 * their full length and their counts set at once, so month_input_free()
 * can free a half-filled input after any error.  Interned strings
 * (languages, zones, tags) are collected in one jr_strtab and handed to
 * in->strs at the end, on success and failure alike.
 *
 * Dates use the C library: strptime reads "YYYY-MM-DD" and timegm
 * normalises it, so a day that does not exist (2026-02-30) comes back
 * changed and is rejected.
 *
 * Writing builds the output with json_pack (which fails as a whole and frees
 * what it took when any part is NULL), and rounds money to 1e-6.
 */
#define _GNU_SOURCE /* strptime, timegm */
#include "month_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libical/ical.h>

#include "json_read.h"
#include "plan_json.h"

static const char *const weekday_names[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
static const char *const daypart_names[] = {"morning", "afternoon", "evening"};
static const char *const transport_names[] = {"car", "transit", "walk", "ride"};

/* The state of one parse: the reading context and the string table. */
struct mp {
	struct jr r;
	struct jr_strtab strs;
	struct month_input *in;
};

/* ---- small value readers ---- */

/* Read obj[key] as "HH:MM" into minutes; "24:00" only when end_of_day. */
static int read_time(struct mp *p, const json_t *obj, const char *key, bool end_of_day, int *out)
{
	const char *s;
	int h, m;

	if (jr_string(&p->r, obj, key, JR_REQUIRED, 0, 16, &s) < 0)
		return -1;
	if (strlen(s) == 5 && s[0] >= '0' && s[0] <= '9' && s[1] >= '0' && s[1] <= '9' &&
	    s[2] == ':' && s[3] >= '0' && s[3] <= '5' && s[4] >= '0' && s[4] <= '9') {
		h = (s[0] - '0') * 10 + (s[1] - '0');
		m = (s[3] - '0') * 10 + (s[4] - '0');
		if (h < 24 || (end_of_day && h == 24 && m == 0)) {
			*out = h * 60 + m;
			return 0;
		}
	}
	return jr_fail(&p->r, key, false, "must be a time \"HH:MM\" from 00:00 to %s",
		       end_of_day ? "24:00" : "23:59");
}

/* Is s exactly n digits? */
static bool all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* Parse "YYYY-MM-DD" into year, month, day; false unless the date exists. */
static bool parse_date(const char *s, int *year, int *month, int *day)
{
	struct tm tm, norm;
	const char *end;

	if (strlen(s) != 10 || !all_digits(s, 4) || s[4] != '-' || !all_digits(s + 5, 2) ||
	    s[7] != '-' || !all_digits(s + 8, 2))
		return false;
	memset(&tm, 0, sizeof tm);
	end = strptime(s, "%Y-%m-%d", &tm);
	if (end == NULL || *end != '\0')
		return false;
	tm.tm_hour = 12;
	norm = tm;
	if (timegm(&norm) == (time_t)-1 || norm.tm_year != tm.tm_year || norm.tm_mon != tm.tm_mon ||
	    norm.tm_mday != tm.tm_mday)
		return false;
	*year = tm.tm_year + 1900;
	*month = tm.tm_mon + 1;
	*day = tm.tm_mday;
	return true;
}

/* Read the required "YYYY-MM" month. */
static int read_month(struct mp *p, const json_t *doc)
{
	const char *s;
	struct tm tm;
	const char *end;

	if (jr_string(&p->r, doc, "month", JR_REQUIRED, 0, 16, &s) < 0)
		return -1;
	memset(&tm, 0, sizeof tm);
	if (strlen(s) == 7 && all_digits(s, 4) && s[4] == '-' && all_digits(s + 5, 2) &&
	    (end = strptime(s, "%Y-%m", &tm)) != NULL && *end == '\0' &&
	    tm.tm_year + 1900 >= 1970 && tm.tm_mon >= 0 && tm.tm_mon <= 11) {
		p->in->year = tm.tm_year + 1900;
		p->in->month = tm.tm_mon + 1;
		return 0;
	}
	return jr_fail(&p->r, "month", false, "must be a month \"YYYY-MM\" (1970-01 or later)");
}

int month_day_of(const struct month_input *in, const char *s)
{
	int y, m, d;

	if (!parse_date(s, &y, &m, &d) || y != in->year || m != in->month)
		return -1;
	return d;
}

/* Read the optional `from`, a date in the month, into in->from_day. */
static int read_from(struct mp *p, const json_t *doc)
{
	json_t *v;
	int day = -1;

	if (jr_field(&p->r, doc, "from", JR_OPTIONAL, &v) < 0)
		return -1;
	if (v == NULL)
		return 0;
	if (json_is_string(v) && json_string_length(v) == strlen(json_string_value(v)))
		day = month_day_of(p->in, json_string_value(v));
	if (day < 0)
		return jr_fail(&p->r, "from", false,
			       "must be a date \"YYYY-MM-DD\" in the month %04d-%02d", p->in->year,
			       p->in->month);
	p->in->from_day = day;
	return 0;
}

/* Does s look like an IANA time zone name ("UTC", "America/Edmonton")? */
static bool timezone_valid(const char *s)
{
	bool start = true;

	if (*s == '\0' || strlen(s) > 64)
		return false;
	for (const char *c = s; *c; c++) {
		bool letter = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z');

		if (start && !letter)
			return false;
		if (*c == '/') {
			start = true;
			continue;
		}
		if (!letter && !(*c >= '0' && *c <= '9') && strchr("_+-", *c) == NULL)
			return false;
		start = false;
	}
	return !start;
}

static int int_cmp(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

/* Read the optional closures: dates in the month, kept as sorted distinct days. */
static int read_closures(struct mp *p, const json_t *doc)
{
	struct month_input *in = p->in;
	json_t *arr, *el;
	size_t i, mark;
	int n = 0;

	if (jr_array(&p->r, doc, "closures", JR_OPTIONAL, &arr) < 0)
		return -1;
	if (arr == NULL || json_array_size(arr) == 0)
		return 0;
	in->closures = calloc(json_array_size(arr), sizeof *in->closures);
	if (in->closures == NULL)
		return jr_oom(&p->r);
	mark = jr_push_key(&p->r, "closures");
	json_array_foreach (arr, i, el) {
		int y, m, d;
		size_t mi = jr_push_index(&p->r, i);

		if (!json_is_string(el) || !parse_date(json_string_value(el), &y, &m, &d)) {
			jr_fail(&p->r, NULL, false, "must be a date \"YYYY-MM-DD\" that exists");
			return -1;
		}
		if (y != in->year || m != in->month) {
			jr_fail(&p->r, NULL, false, "%s is not in the month %04d-%02d",
				json_string_value(el), in->year, in->month);
			return -1;
		}
		in->closures[n++] = d;
		jr_pop(&p->r, mi);
	}
	jr_pop(&p->r, mark);
	qsort(in->closures, (size_t)n, sizeof *in->closures, int_cmp);
	in->nclosures = 0;
	for (int k = 0; k < n; k++)
		if (k == 0 || in->closures[k] != in->closures[k - 1])
			in->closures[in->nclosures++] = in->closures[k];
	return 0;
}

/* Read the optional policy.change_weights; a missing key keeps its default. */
static int read_change_weights(struct mp *p, const json_t *policy)
{
	static const char *const allowed[] = {"parent", "facilitator", "childcare_staff", NULL};
	int *w = p->in->policy.change_weights;
	json_t *obj;
	size_t mark;

	if (jr_field(&p->r, policy, "change_weights", JR_OPTIONAL, &obj) < 0)
		return -1;
	if (obj == NULL)
		return 0;
	mark = jr_push_key(&p->r, "change_weights");
	if (jr_object(&p->r, obj, allowed) < 0)
		return -1;
	/* The keys are the kinds' names, as in the output's changes[].kind. */
	for (int k = 0; k < MCK_COUNT; k++)
		if (jr_int(&p->r, obj, month_change_kind_name(k), JR_OPTIONAL, 0, 1000, &w[k]) < 0)
			return -1;
	jr_pop(&p->r, mark);
	return 0;
}

/* Read the optional policy object, keeping the defaults set by the caller. */
static int read_policy(struct mp *p, const json_t *doc)
{
	static const char *const allowed[] = {"facilitators_per_series",
					      "require_trained",
					      "min_group",
					      "max_series",
					      "require_dayparts",
					      "budget",
					      "time_limit_s",
					      "stability",
					      "change_weights",
					      NULL};
	static const char *const stability_names[] = {"after_coverage", "first"};
	struct month_policy *pol = &p->in->policy;
	json_t *obj, *arr, *el, *tl;
	size_t mark, i;
	double budget = -1;
	int stability = 0;

	if (jr_field(&p->r, doc, "policy", JR_OPTIONAL, &obj) < 0)
		return -1;
	if (obj == NULL)
		return 0;
	mark = jr_push_key(&p->r, "policy");
	if (jr_object(&p->r, obj, allowed) < 0 ||
	    jr_int(&p->r, obj, "facilitators_per_series", JR_OPTIONAL, 1, JR_INT_MAX,
		   &pol->facilitators_per_series) < 0 ||
	    jr_bool(&p->r, obj, "require_trained", JR_OPTIONAL, &pol->require_trained) < 0 ||
	    jr_int(&p->r, obj, "min_group", JR_OPTIONAL, 1, JR_INT_MAX, &pol->min_group) < 0 ||
	    jr_int(&p->r, obj, "max_series", JR_OPTIONAL, 0, JR_INT_MAX, &pol->max_series) < 0 ||
	    jr_real(&p->r, obj, "budget", JR_OPTIONAL, 0, JR_NO_MAX, &budget) < 0 ||
	    jr_field(&p->r, obj, "time_limit_s", JR_OPTIONAL, &tl) < 0 ||
	    jr_array(&p->r, obj, "require_dayparts", JR_OPTIONAL, &arr) < 0 ||
	    jr_enum(&p->r, obj, "stability", JR_OPTIONAL, stability_names, 2, &stability) < 0 ||
	    read_change_weights(p, obj) < 0)
		return -1;
	pol->stability_first = stability == 1;
	if (tl != NULL) {
		if (!json_is_number(tl) || !(json_number_value(tl) > 0) ||
		    json_number_value(tl) > JR_NO_MAX)
			return jr_fail(&p->r, "time_limit_s", false, "must be a number > 0");
		pol->time_limit_s = json_number_value(tl);
	}
	if (budget >= 0) {
		pol->has_budget = true;
		pol->budget = budget;
	}
	if (arr != NULL) {
		size_t m = jr_push_key(&p->r, "require_dayparts");

		json_array_foreach (arr, i, el) {
			int d = -1;

			for (int k = 0; k < 3 && json_is_string(el); k++)
				if (strcmp(json_string_value(el), daypart_names[k]) == 0)
					d = k;
			if (d < 0) {
				jr_push_index(&p->r, i);
				return jr_fail(&p->r, NULL, false,
					       "must be one of morning, afternoon, evening");
			}
			pol->require_dayparts |= 1u << d;
		}
		jr_pop(&p->r, m);
	}
	jr_pop(&p->r, mark);
	return 0;
}

/* Read the window list obj[key] (weekday, from, to with from < to). */
static int read_windows(struct mp *p, const json_t *obj, const char *key, enum jr_need need,
			struct pp_windows *ws)
{
	static const char *const allowed[] = {"weekday", "from", "to", NULL};
	json_t *arr, *el;
	size_t i, mark;

	if (jr_array(&p->r, obj, key, need, &arr) < 0)
		return -1;
	if (arr == NULL || json_array_size(arr) == 0)
		return 0;
	ws->v = calloc(json_array_size(arr), sizeof *ws->v);
	if (ws->v == NULL)
		return jr_oom(&p->r);
	ws->n = (int)json_array_size(arr);
	mark = jr_push_key(&p->r, key);
	json_array_foreach (arr, i, el) {
		struct pp_window *w = &ws->v[i];
		size_t m = jr_push_index(&p->r, i);

		if (jr_object(&p->r, el, allowed) < 0 ||
		    jr_enum(&p->r, el, "weekday", JR_REQUIRED, weekday_names, 7, &w->weekday) < 0 ||
		    read_time(p, el, "from", false, &w->from) < 0 ||
		    read_time(p, el, "to", true, &w->to) < 0)
			return -1;
		if (w->from >= w->to)
			return jr_fail(&p->r, "from", true, "'from' must be before 'to'");
		jr_pop(&p->r, m);
	}
	jr_pop(&p->r, mark);
	return 0;
}

/* Read an optional zone string (default "") and intern it. */
static int read_zone(struct mp *p, const json_t *obj, int *zone)
{
	const char *s = "";

	if (jr_string(&p->r, obj, "zone", JR_OPTIONAL, 0, JR_ID_MAX, &s) < 0)
		return -1;
	*zone = jr_intern(&p->r, &p->strs, s);
	return *zone < 0 ? -1 : 0;
}

/* ---- one function per list element ---- */

static int read_slot(struct mp *p, const json_t *el, struct month_slot *s)
{
	static const char *const allowed[] = {"id", "weekday", "start", "end", NULL};

	if (jr_object(&p->r, el, allowed) < 0 || jr_id(&p->r, el, "id", JR_REQUIRED, s->id) < 0 ||
	    jr_enum(&p->r, el, "weekday", JR_REQUIRED, weekday_names, 7, &s->weekday) < 0 ||
	    read_time(p, el, "start", false, &s->start) < 0 ||
	    read_time(p, el, "end", true, &s->end) < 0)
		return -1;
	if (s->start >= s->end)
		return jr_fail(&p->r, "start", true, "'start' must be before 'end'");
	return 0;
}

/* Read the optional comfort range [lo, hi] of a room whose capacity is known. */
static int read_comfort(struct mp *p, const json_t *el, struct month_room *room)
{
	json_t *arr;

	room->comfort_lo = 1;
	room->comfort_hi = room->capacity;
	if (jr_field(&p->r, el, "comfort", JR_OPTIONAL, &arr) < 0)
		return -1;
	if (arr == NULL)
		return 0;
	if (!json_is_array(arr) || json_array_size(arr) != 2 ||
	    !json_is_integer(json_array_get(arr, 0)) || !json_is_integer(json_array_get(arr, 1)))
		return jr_fail(&p->r, "comfort", false,
			       "must be an array of two integers [lo, hi]");
	json_int_t lo = json_integer_value(json_array_get(arr, 0));
	json_int_t hi = json_integer_value(json_array_get(arr, 1));
	if (lo < 1 || lo > hi || hi > room->capacity)
		return jr_fail(&p->r, "comfort", false,
			       "must be [lo, hi] with 1 <= lo <= hi <= capacity (%d)",
			       room->capacity);
	room->comfort_lo = (int)lo;
	room->comfort_hi = (int)hi;
	return 0;
}

static int read_room(struct mp *p, const json_t *el, struct month_room *room)
{
	static const char *const allowed[] = {"id",      "capacity",  "comfort", "accessible",
					      "zone",    "childcare", "cost",    "available",
					      "transit", NULL};

	if (jr_object(&p->r, el, allowed) < 0 ||
	    jr_id(&p->r, el, "id", JR_REQUIRED, room->id) < 0 ||
	    jr_int(&p->r, el, "capacity", JR_REQUIRED, 1, JR_INT_MAX, &room->capacity) < 0 ||
	    read_comfort(p, el, room) < 0 ||
	    jr_bool(&p->r, el, "accessible", JR_OPTIONAL, &room->accessible) < 0 ||
	    read_zone(p, el, &room->zone) < 0 ||
	    jr_int(&p->r, el, "childcare", JR_OPTIONAL, 0, JR_INT_MAX, &room->childcare) < 0 ||
	    jr_real(&p->r, el, "cost", JR_OPTIONAL, 0, JR_NO_MAX, &room->cost) < 0 ||
	    read_windows(p, el, "available", JR_REQUIRED, &room->available) < 0 ||
	    read_windows(p, el, "transit", JR_OPTIONAL, &room->transit) < 0)
		return -1;
	return 0;
}

static int read_facilitator(struct mp *p, const json_t *el, struct month_facilitator *f)
{
	static const char *const allowed[] = {"id",   "languages", "trained", "max_meetings",
					      "cost", "available", NULL};

	f->max_meetings = PP_UNLIMITED;
	if (jr_object(&p->r, el, allowed) < 0 || jr_id(&p->r, el, "id", JR_REQUIRED, f->id) < 0 ||
	    jr_tags(&p->r, el, "languages", JR_REQUIRED, &p->strs, &f->languages.v,
		    &f->languages.n) < 0 ||
	    jr_bool(&p->r, el, "trained", JR_OPTIONAL, &f->trained) < 0 ||
	    jr_int(&p->r, el, "max_meetings", JR_OPTIONAL, 0, JR_INT_MAX, &f->max_meetings) < 0 ||
	    jr_real(&p->r, el, "cost", JR_OPTIONAL, 0, JR_NO_MAX, &f->cost) < 0 ||
	    read_windows(p, el, "available", JR_REQUIRED, &f->available) < 0)
		return -1;
	return 0;
}

static int read_staff(struct mp *p, const json_t *el, struct month_staff *s)
{
	static const char *const allowed[] = {
	    "id", "supports", "max_children", "max_meetings", "cost", "available", NULL};

	s->max_meetings = PP_UNLIMITED;
	if (jr_object(&p->r, el, allowed) < 0 || jr_id(&p->r, el, "id", JR_REQUIRED, s->id) < 0 ||
	    jr_tags(&p->r, el, "supports", JR_OPTIONAL, &p->strs, &s->supports.v, &s->supports.n) <
		0 ||
	    jr_int(&p->r, el, "max_children", JR_REQUIRED, 0, JR_INT_MAX, &s->max_children) < 0 ||
	    jr_int(&p->r, el, "max_meetings", JR_OPTIONAL, 0, JR_INT_MAX, &s->max_meetings) < 0 ||
	    jr_real(&p->r, el, "cost", JR_OPTIONAL, 0, JR_NO_MAX, &s->cost) < 0 ||
	    read_windows(p, el, "available", JR_REQUIRED, &s->available) < 0)
		return -1;
	return 0;
}

static int read_child(struct mp *p, const json_t *el, struct month_child *c)
{
	static const char *const allowed[] = {"age", "needs", NULL};

	if (jr_object(&p->r, el, allowed) < 0 ||
	    jr_int(&p->r, el, "age", JR_REQUIRED, 0, JR_INT_MAX, &c->age) < 0 ||
	    jr_tags(&p->r, el, "needs", JR_OPTIONAL, &p->strs, &c->needs.v, &c->needs.n) < 0)
		return -1;
	return 0;
}

static int read_children(struct mp *p, const json_t *el, struct month_parent *par)
{
	json_t *arr, *c;
	size_t i, mark;

	if (jr_array(&p->r, el, "children", JR_OPTIONAL, &arr) < 0)
		return -1;
	if (arr == NULL || json_array_size(arr) == 0)
		return 0;
	par->children = calloc(json_array_size(arr), sizeof *par->children);
	if (par->children == NULL)
		return jr_oom(&p->r);
	par->nchildren = (int)json_array_size(arr);
	mark = jr_push_key(&p->r, "children");
	json_array_foreach (arr, i, c) {
		size_t m = jr_push_index(&p->r, i);

		if (read_child(p, c, &par->children[i]) < 0)
			return -1;
		jr_pop(&p->r, m);
	}
	jr_pop(&p->r, mark);
	return 0;
}

static int read_parent(struct mp *p, const json_t *el, struct month_parent *par)
{
	static const char *const allowed[] = {"id",         "transport", "zone",     "seats",
					      "accessible", "languages", "children", "priority",
					      "prefers",    "available", NULL};
	int transport = 0;

	par->priority = 1;
	par->prefers = -1;
	if (jr_object(&p->r, el, allowed) < 0 || jr_id(&p->r, el, "id", JR_REQUIRED, par->id) < 0 ||
	    jr_enum(&p->r, el, "transport", JR_REQUIRED, transport_names, 4, &transport) < 0 ||
	    read_zone(p, el, &par->zone) < 0 ||
	    jr_int(&p->r, el, "seats", JR_OPTIONAL, 0, JR_INT_MAX, &par->seats) < 0 ||
	    jr_bool(&p->r, el, "accessible", JR_OPTIONAL, &par->accessible) < 0 ||
	    jr_tags(&p->r, el, "languages", JR_REQUIRED, &p->strs, &par->languages.v,
		    &par->languages.n) < 0 ||
	    read_children(p, el, par) < 0 ||
	    jr_int(&p->r, el, "priority", JR_OPTIONAL, 1, 100, &par->priority) < 0 ||
	    jr_enum(&p->r, el, "prefers", JR_OPTIONAL, daypart_names, 3, &par->prefers) < 0 ||
	    read_windows(p, el, "available", JR_REQUIRED, &par->available) < 0)
		return -1;
	par->transport = (enum pp_transport)transport;
	return 0;
}

/* ---- the lists ---- */

/* Read the list doc[key] of elements of `size` bytes with `read`, then check
 * that their ids (at offset 0 of each element) are distinct. *out and *n are
 * set before the elements are read, so a failure leaves them freeable. */
static int read_list(struct mp *p, const json_t *doc, const char *key, enum jr_need need,
		     size_t size, int (*read)(struct mp *, const json_t *, void *), void **out,
		     int *n)
{
	json_t *arr, *el;
	size_t i, mark;
	int rc = 0;

	if (jr_array(&p->r, doc, key, need, &arr) < 0)
		return -1;
	if (arr == NULL || json_array_size(arr) == 0)
		return 0;
	*out = calloc(json_array_size(arr), size);
	if (*out == NULL)
		return jr_oom(&p->r);
	*n = (int)json_array_size(arr);
	mark = jr_push_key(&p->r, key);
	json_array_foreach (arr, i, el) {
		size_t m = jr_push_index(&p->r, i);

		if (read(p, el, (char *)*out + i * size) < 0)
			return -1;
		jr_pop(&p->r, m);
	}
	rc = jr_unique_ids(&p->r, *out, (size_t)*n, size, 0);
	jr_pop(&p->r, mark);
	return rc;
}

/* Adapters from the typed element readers to read_list's void pointer. */
static int slot_cb(struct mp *p, const json_t *el, void *v)
{
	return read_slot(p, el, v);
}

static int room_cb(struct mp *p, const json_t *el, void *v)
{
	return read_room(p, el, v);
}

static int facilitator_cb(struct mp *p, const json_t *el, void *v)
{
	return read_facilitator(p, el, v);
}

static int staff_cb(struct mp *p, const json_t *el, void *v)
{
	return read_staff(p, el, v);
}

static int parent_cb(struct mp *p, const json_t *el, void *v)
{
	return read_parent(p, el, v);
}

/* Read the whole document into p->in; -1 on the first error. */
static int read_document(struct mp *p, const json_t *doc)
{
	static const char *const allowed[] = {
	    "month", "from",         "timezone",        "closures", "policy",   "slots",
	    "rooms", "facilitators", "childcare_staff", "parents",  "previous", NULL};
	struct month_input *in = p->in;
	const char *tz = NULL;
	json_t *prev;

	if (!json_is_object(doc))
		return jr_fail(&p->r, NULL, false, "the month document must be a JSON object");
	in->from_day = 1;
	if (jr_object(&p->r, doc, allowed) < 0 || read_month(p, doc) < 0 || read_from(p, doc) < 0 ||
	    jr_string(&p->r, doc, "timezone", JR_OPTIONAL, 1, 64, &tz) < 0)
		return -1;
	if (tz != NULL) {
		if (!timezone_valid(tz))
			return jr_fail(&p->r, "timezone", false,
				       "must be an IANA time zone name such as \"UTC\" or "
				       "\"America/Edmonton\"");
		/* the database the calendars use (libical, on the system's tzdata) */
		if (icaltimezone_get_builtin_timezone(tz) == NULL)
			return jr_fail(&p->r, "timezone", false,
				       "unknown time zone \"%s\" (not in the system's time-zone "
				       "database)",
				       tz);
		snprintf(in->timezone, sizeof in->timezone, "%s", tz);
	}
	in->policy.facilitators_per_series = 2;
	in->policy.require_trained = true;
	in->policy.min_group = 1;
	in->policy.max_series = PP_UNLIMITED;
	in->policy.time_limit_s = 60;
	in->policy.change_weights[MCK_PARENT] = 3;
	in->policy.change_weights[MCK_FACILITATOR] = 2;
	in->policy.change_weights[MCK_STAFF] = 1;
	if (read_closures(p, doc) < 0 || read_policy(p, doc) < 0 ||
	    read_list(p, doc, "slots", JR_REQUIRED, sizeof *in->slots, slot_cb, (void **)&in->slots,
		      &in->nslots) < 0 ||
	    read_list(p, doc, "rooms", JR_REQUIRED, sizeof *in->rooms, room_cb, (void **)&in->rooms,
		      &in->nrooms) < 0 ||
	    read_list(p, doc, "facilitators", JR_REQUIRED, sizeof *in->facilitators, facilitator_cb,
		      (void **)&in->facilitators, &in->nfacilitators) < 0 ||
	    read_list(p, doc, "childcare_staff", JR_OPTIONAL, sizeof *in->staff, staff_cb,
		      (void **)&in->staff, &in->nstaff) < 0 ||
	    read_list(p, doc, "parents", JR_REQUIRED, sizeof *in->parents, parent_cb,
		      (void **)&in->parents, &in->nparents) < 0 ||
	    jr_field(&p->r, doc, "previous", JR_OPTIONAL, &prev) < 0)
		return -1;
	/* Last: the previous plan's people are resolved against the lists. */
	if (prev != NULL) {
		size_t mark = jr_push_key(&p->r, "previous");

		if (month_read_previous(&p->r, prev, in) < 0)
			return -1;
		jr_pop(&p->r, mark);
	}
	return 0;
}

int month_parse_json(const json_t *doc, struct month_input *in, struct pp_error *err)
{
	struct mp p;
	int rc;

	memset(in, 0, sizeof *in);
	memset(&p, 0, sizeof p);
	jr_init(&p.r, err);
	p.in = in;
	rc = read_document(&p, doc);
	jr_strtab_take(&p.strs, &in->strs, &in->nstrs);
	if (rc < 0) {
		month_input_free(in);
		return -1;
	}
	return 0;
}

int month_parse(const char *buf, size_t len, struct month_input *in, struct pp_error *err)
{
	json_t *doc;
	int rc;

	memset(in, 0, sizeof *in);
	doc = jr_parse(buf, len, err);
	if (doc == NULL)
		return -1;
	rc = month_parse_json(doc, in, err);
	json_decref(doc);
	return rc;
}

/* ---- the output document ---- */

char *month_format_time(int minutes, char buf[6])
{
	snprintf(buf, 6, "%02u:%02u", (unsigned)minutes / 60 % 100, (unsigned)minutes % 60);
	return buf;
}

char *month_format_date(const struct month_input *in, int day, char buf[11])
{
	snprintf(buf, 11, "%04u-%02u-%02u", (unsigned)in->year % 10000, (unsigned)in->month % 100,
		 (unsigned)day % 100);
	return buf;
}

/* An array of the ids at base + idx[i] * stride (ids at offset 0). */
static json_t *ids_json(const int *idx, int n, const void *base, size_t stride)
{
	json_t *a = json_array();

	for (int i = 0; a != NULL && i < n; i++) {
		if (json_array_append_new(
			a, json_string((const char *)base + (size_t)idx[i] * stride)) < 0) {
			json_decref(a);
			a = NULL;
		}
	}
	return a;
}

static json_t *dates_json(const struct month_input *in, const int *days, int n)
{
	json_t *a = json_array();
	char buf[11];

	for (int i = 0; a != NULL && i < n; i++) {
		if (json_array_append_new(a, json_string(month_format_date(in, days[i], buf))) <
		    0) {
			json_decref(a);
			a = NULL;
		}
	}
	return a;
}

static json_t *rides_json(const struct month_input *in, const struct month_series *s)
{
	const size_t stride = sizeof *in->parents;
	json_t *a = json_array();

	for (int i = 0; a != NULL && i < s->nrides; i++) {
		const struct month_ride *ride = &s->rides[i];
		json_t *o =
		    json_pack("{s:s, s:o}", "driver", in->parents[ride->driver].id, "riders",
			      ids_json(ride->riders, ride->nriders, in->parents, stride));

		if (json_array_append_new(a, o) < 0) {
			json_decref(a);
			a = NULL;
		}
	}
	return a;
}

/* The id "<slot>@<room>" of series s, written to buf; returns buf. */
static char *series_id(const struct month_input *in, const struct month_series *s,
		       char buf[2 * PP_ID_MAX + 2])
{
	snprintf(buf, 2 * PP_ID_MAX + 2, "%s@%s", in->slots[s->slot].id, in->rooms[s->room].id);
	return buf;
}

static json_t *series_json(const struct month_input *in, const struct month_series *s)
{
	const struct month_slot *slot = &in->slots[s->slot];
	const struct month_room *room = &in->rooms[s->room];
	char id[2 * PP_ID_MAX + 2];

	series_id(in, s, id);
	return json_pack(
	    "{s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:i, s:o, s:o}", "id", id, "slot",
	    slot->id, "room", room->id, "daypart", month_daypart_name(s->daypart), "language",
	    s->language >= 0 && s->language < in->nstrs ? in->strs[s->language] : "", "dates",
	    dates_json(in, s->dates, s->ndates), "facilitators",
	    ids_json(s->facilitators, s->nfacilitators, in->facilitators, sizeof *in->facilitators),
	    "childcare_staff", ids_json(s->staff, s->nstaff, in->staff, sizeof *in->staff),
	    "parents", ids_json(s->parents, s->nparents, in->parents, sizeof *in->parents),
	    "children", s->children, "rides", rides_json(in, s), "cost", jr_money(s->cost));
}

/* The reasons list of one unassigned parent, per MODEL.md section 1. */
static json_t *reasons_json(const struct month_unassigned *u)
{
	json_t *a = json_array();
	int rc = 0;

	if (a == NULL)
		return NULL;
	if (u->not_selected) {
		rc |= json_array_append_new(a, json_string("not_selected"));
	} else {
		if (u->multiple)
			rc |= json_array_append_new(a, json_string("multiple"));
		for (int f = 0; f < MF_COUNT; f++)
			if (u->filters & (1u << f))
				rc |= json_array_append_new(a, json_string(month_filter_name(f)));
	}
	if (rc < 0) {
		json_decref(a);
		return NULL;
	}
	return a;
}

/* The required dayparts to drop, each with why (`needed` of
 * require_dayparts). */
static json_t *dayparts_needed_json(const struct month_conflict_info *ci)
{
	json_t *a = json_array();

	for (int d = 0; a != NULL && d <= PP_EVENING; d++) {
		if (!(ci->needed_dayparts & (1u << d)))
			continue;
		if (json_array_append_new(a,
					  json_pack("{s:s, s:s}", "daypart", month_daypart_name(d),
						    "detail", ci->daypart_detail[d])) < 0) {
			json_decref(a);
			a = NULL;
		}
	}
	return a;
}

/* `needed` of conflict c (MODEL.md, docs/spec): null when its computation
 * was cut short; NULL (no field) where the rule is not a number. */
static json_t *needed_json(enum month_conflict c, const struct month_conflict_info *ci)
{
	if (!ci->relaxing_alone_fixes || c == MC_REQUIRE_TRAINED)
		return NULL;
	if (!ci->has_needed)
		return json_null();
	if (c == MC_REQUIRE_DAYPARTS)
		return dayparts_needed_json(ci);
	if (c == MC_BUDGET)
		return jr_money(ci->needed);
	return json_integer((json_int_t)ci->needed);
}

static json_t *conflicts_json(const struct month_result *res)
{
	json_t *a = json_array();

	for (int c = 0; a != NULL && c < MC_COUNT; c++) {
		const struct month_conflict_info *ci = &res->conflicts[c];
		json_t *o = json_pack("{s:s, s:b, s:s}", "constraint", month_conflict_name(c),
				      "relaxing_alone_fixes", ci->relaxing_alone_fixes, "detail",
				      ci->detail);
		json_t *needed = needed_json(c, ci);

		if (needed != NULL && o == NULL)
			json_decref(needed);
		else if (needed != NULL && json_object_set_new(o, "needed", needed) < 0) {
			json_decref(o);
			o = NULL;
		}
		if (json_array_append_new(a, o) < 0) {
			json_decref(a);
			a = NULL;
		}
	}
	return a;
}

/* The id of the person a change is about. */
static const char *change_person_id(const struct month_input *in, const struct month_change *c)
{
	switch (c->kind) {
	case MCK_PARENT:
		return in->parents[c->person].id;
	case MCK_FACILITATOR:
		return in->facilitators[c->person].id;
	default:
		return in->staff[c->person].id;
	}
}

/* One entry of `changes`: kind, id, series, now (parents only: the new
 * series' id, or null when left out), forced. */
static json_t *change_json(const struct month_input *in, const struct month_result *res,
			   const struct month_change *c)
{
	char id[2 * PP_ID_MAX + 2];
	json_t *o = json_pack("{s:s, s:s, s:s}", "kind", month_change_kind_name(c->kind), "id",
			      change_person_id(in, c), "series", in->previous.series[c->prev].id);

	if (o != NULL && c->kind == MCK_PARENT &&
	    json_object_set_new(o, "now",
				c->now >= 0 ? json_string(series_id(in, &res->series[c->now], id))
					    : json_null()) < 0) {
		json_decref(o);
		return NULL;
	}
	if (o != NULL && json_object_set_new(o, "forced", json_boolean(c->forced)) < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *month_changes_json(const struct month_input *in, const struct month_result *res)
{
	bool plan = res->status == MONTH_OPTIMAL || res->status == MONTH_FEASIBLE;
	json_t *a = json_array();

	for (int i = 0; a != NULL && plan && i < res->nchanges; i++) {
		if (json_array_append_new(a, change_json(in, res, &res->changes[i])) < 0) {
			json_decref(a);
			a = NULL;
		}
	}
	return a;
}

json_t *month_result_to_json(const struct month_input *in, const struct month_result *res)
{
	json_t *series = json_array(), *unassigned = json_array(), *doc;

	for (int i = 0; series != NULL && i < res->nseries; i++) {
		if (json_array_append_new(series, series_json(in, &res->series[i])) < 0) {
			json_decref(series);
			series = NULL;
		}
	}
	for (int i = 0; unassigned != NULL && i < res->nunassigned; i++) {
		const struct month_unassigned *u = &res->unassigned[i];
		json_t *o = json_pack("{s:s, s:o}", "parent", in->parents[u->parent].id, "reasons",
				      reasons_json(u));

		if (o != NULL && u->detail != NULL &&
		    json_object_set_new(o, "detail", json_string(u->detail)) < 0) {
			json_decref(o);
			o = NULL;
		}
		if (json_array_append_new(unassigned, o) < 0) {
			json_decref(unassigned);
			unassigned = NULL;
		}
	}
	doc = json_pack(
	    "{s:s, s:o, s:{s:I, s:I, s:I, s:I, s:o}, s:o, s:o, s:o}", "status",
	    month_status_name(res->status), "gap", jr_money(res->gap), "objective", "changes",
	    (json_int_t)res->objective.changes, "coverage", (json_int_t)res->objective.coverage,
	    "comfort_deviation", (json_int_t)res->objective.comfort_deviation, "preference",
	    (json_int_t)res->objective.preference, "cost", jr_money(res->objective.cost), "series",
	    series, "unassigned", unassigned, "changes", month_changes_json(in, res));
	if (doc != NULL && res->status == MONTH_INFEASIBLE &&
	    json_object_set_new(doc, "conflicts", conflicts_json(res)) < 0) {
		json_decref(doc);
		return NULL;
	}
	if (doc != NULL &&
	    json_object_set_new(doc, "solve",
				json_pack("{s:o, s:I}", "seconds", jr_money(res->seconds), "nodes",
					  (json_int_t)res->nodes)) < 0) {
		json_decref(doc);
		return NULL;
	}
	return doc;
}
