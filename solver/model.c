/*
 * model.c - the small facts of MODEL.md that every module shares: the
 * calendar of a month (which days a weekly slot meets), dayparts, window
 * fitting, the wire names of enums, and freeing the model structs.
 *
 * Calendar arithmetic uses the C library (timegm normalises a struct tm and
 * fills tm_wday), never a hand-written day-of-week formula.
 */
#include "month.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Weekday (0 = Monday) of day 1 of the month and the number of days. */
static void month_shape(int year, int month, int *wday1, int *ndays)
{
	struct tm tm;

	memset(&tm, 0, sizeof tm);
	tm.tm_year = year - 1900;
	tm.tm_mon = month - 1;
	tm.tm_mday = 1;
	tm.tm_hour = 12;
	timegm(&tm);
	*wday1 = (tm.tm_wday + 6) % 7;

	memset(&tm, 0, sizeof tm);
	tm.tm_year = year - 1900;
	tm.tm_mon = month; /* the next month ... */
	tm.tm_mday = 0;    /* ... day 0 is this month's last day */
	tm.tm_hour = 12;
	timegm(&tm);
	*ndays = tm.tm_mday;
}

int month_meeting_days(const struct month_input *in, int weekday, int days[5])
{
	int wday1, ndays, n = 0;

	month_shape(in->year, in->month, &wday1, &ndays);
	for (int d = 1 + (weekday - wday1 + 7) % 7; d <= ndays; d += 7) {
		bool closed = false;

		for (int i = 0; i < in->nclosures; i++)
			closed |= in->closures[i] == d;
		if (!closed && d >= in->from_day)
			days[n++] = d;
	}
	return n;
}

enum pp_daypart month_daypart(int start)
{
	if (start < 12 * 60)
		return PP_MORNING;
	return start < 17 * 60 ? PP_AFTERNOON : PP_EVENING;
}

bool month_fits(const struct pp_windows *ws, const struct month_slot *slot)
{
	for (int i = 0; i < ws->n; i++) {
		const struct pp_window *w = &ws->v[i];

		if (w->weekday == slot->weekday && w->from <= slot->start && slot->end <= w->to)
			return true;
	}
	return false;
}

bool month_in_list(const int *v, int n, int x)
{
	for (int i = 0; i < n; i++)
		if (v[i] == x)
			return true;
	return false;
}

int month_series_of_parent(const struct month_result *res, int p)
{
	for (int s = 0; s < res->nseries; s++)
		if (month_in_list(res->series[s].parents, res->series[s].nparents, p))
			return s;
	return -1;
}

int month_kept_series(const struct month_input *in, const struct month_result *res, int ps)
{
	const struct month_prev_series *p = &in->previous.series[ps];

	for (int s = 0; s < res->nseries && p->slot >= 0 && p->room >= 0; s++)
		if (res->series[s].slot == p->slot && res->series[s].room == p->room)
			return s;
	return -1;
}

void month_result_free(struct month_result *res)
{
	if (res == NULL)
		return;
	for (int i = 0; i < res->nseries; i++) {
		struct month_series *s = &res->series[i];

		free(s->dates);
		free(s->facilitators);
		free(s->staff);
		free(s->parents);
		for (int r = 0; r < s->nrides; r++)
			free(s->rides[r].riders);
		free(s->rides);
	}
	free(res->series);
	for (int i = 0; i < res->nunassigned; i++)
		free(res->unassigned[i].detail);
	free(res->unassigned);
	free(res->changes);
	memset(res, 0, sizeof *res);
}

void month_input_free(struct month_input *in)
{
	if (in == NULL)
		return;
	free(in->closures);
	free(in->slots);
	for (int i = 0; i < in->nrooms; i++) {
		free(in->rooms[i].available.v);
		free(in->rooms[i].transit.v);
	}
	free(in->rooms);
	for (int i = 0; i < in->nfacilitators; i++) {
		free(in->facilitators[i].languages.v);
		free(in->facilitators[i].available.v);
	}
	free(in->facilitators);
	for (int i = 0; i < in->nstaff; i++) {
		free(in->staff[i].supports.v);
		free(in->staff[i].available.v);
	}
	free(in->staff);
	for (int i = 0; i < in->nparents; i++) {
		struct month_parent *p = &in->parents[i];

		free(p->languages.v);
		for (int c = 0; c < p->nchildren; c++)
			free(p->children[c].needs.v);
		free(p->children);
		free(p->available.v);
	}
	free(in->parents);
	for (int i = 0; i < in->nstrs; i++)
		free(in->strs[i]);
	free(in->strs);
	for (int i = 0; i < in->previous.nseries; i++) {
		struct month_prev_series *ps = &in->previous.series[i];

		free(ps->facilitators);
		free(ps->staff);
		free(ps->parents);
	}
	free(in->previous.series);
	memset(in, 0, sizeof *in);
}

/* Look a name up in a table; out-of-range values read as "?". */
static const char *name_of(const char *const *names, int n, int v)
{
	return v >= 0 && v < n ? names[v] : "?";
}

#define NAMES(t) name_of(t, (int)(sizeof t / sizeof t[0]), v)

const char *month_daypart_name(int v)
{
	static const char *const t[] = {"morning", "afternoon", "evening"};
	return NAMES(t);
}

const char *month_weekday_name(int v)
{
	static const char *const t[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
	return NAMES(t);
}

const char *month_filter_name(enum month_filter f)
{
	static const char *const t[] = {"availability", "accessibility", "transport", "language",
					"childcare"};
	int v = (int)f;
	return NAMES(t);
}

const char *month_conflict_name(enum month_conflict c)
{
	static const char *const t[] = {
	    "require_dayparts",        "budget",   "max_series", "require_trained",
	    "facilitators_per_series", "min_group"};
	int v = (int)c;
	return NAMES(t);
}

const char *month_status_name(enum month_status s)
{
	static const char *const t[] = {"optimal", "feasible", "infeasible", "timeout",
					"cancelled"};
	int v = (int)s;
	return NAMES(t);
}

const char *month_change_kind_name(enum month_change_kind k)
{
	static const char *const t[] = {"parent", "facilitator", "childcare_staff"};
	int v = (int)k;
	return NAMES(t);
}

const char *month_transport_name(enum pp_transport tr)
{
	static const char *const t[] = {"car", "transit", "walk", "ride"};
	int v = (int)tr;
	return NAMES(t);
}
