/*
 * fuzz_month_solve.c - the month solver (solver/month*.c) on tiny months.
 *
 * Each input is a month document; one that month_parse() accepts and that
 * is tiny (at most 3 slots, 3 rooms, 6 facilitators, 3 childcare staff,
 * 8 parents and 12 children) is solved with its time limit cut to 0.2 s, so
 * an execution stays fast whatever GLPK meets.  The solve must not fail on
 * such a month, and its result must hold what MODEL.md's output promises,
 * checked cheaply: series in distinct (slot, room) pairs with the slot's
 * meeting dates, facilitators_per_series facilitators, people as ascending
 * indices, a group within the room's capacity and at least min_group; each
 * parent in one series or unassigned, never both; coverage the sum of the
 * assigned parents' priorities; changes against `previous` in range.  The
 * plan written as JSON must read back (month_plan_read).
 */
#include "fuzz.h"
#include "month_json.h"
#include "plan_json.h"

static bool tiny(const struct month_input *in)
{
	int children = 0;

	for (int p = 0; p < in->nparents; p++)
		children += in->parents[p].nchildren;
	return in->nslots <= 3 && in->nrooms <= 3 && in->nfacilitators <= 6 && in->nstaff <= 3 &&
	       in->nparents <= 8 && children <= 12;
}

/* One series of a plan against its input; seen[p] counts parent p. */
static void check_series(const struct month_input *in, const struct month_series *s, int *seen)
{
	const struct month_room *room;
	int days[5], n;

	FUZZ_CHECK(s->slot >= 0 && s->slot < in->nslots);
	FUZZ_CHECK(s->room >= 0 && s->room < in->nrooms);
	room = &in->rooms[s->room];
	n = month_meeting_days(in, in->slots[s->slot].weekday, days);
	FUZZ_CHECK(s->ndates == n && memcmp(s->dates, days, sizeof(int) * (size_t)n) == 0);
	FUZZ_CHECK(s->nfacilitators == in->policy.facilitators_per_series);
	FUZZ_CHECK(fuzz_indices_ok(s->facilitators, s->nfacilitators, in->nfacilitators));
	FUZZ_CHECK(fuzz_indices_ok(s->staff, s->nstaff, in->nstaff));
	FUZZ_CHECK(fuzz_indices_ok(s->parents, s->nparents, in->nparents));
	FUZZ_CHECK(s->nparents >= in->policy.min_group && s->nparents <= room->capacity);
	for (int i = 0; i < s->nparents; i++)
		seen[s->parents[i]]++;
}

static void check_result(const struct month_input *in, const struct month_result *res)
{
	bool plan = res->status == MONTH_OPTIMAL || res->status == MONTH_FEASIBLE;
	int seen[8] = {0};
	long coverage = 0;

	FUZZ_CHECK(res->status >= MONTH_OPTIMAL && res->status <= MONTH_CANCELLED);
	FUZZ_CHECK(res->status != MONTH_CANCELLED);
	FUZZ_CHECK(plan || res->nseries == 0);
	for (int i = 0; i < res->nseries; i++) {
		const struct month_series *s = &res->series[i];

		check_series(in, s, seen);
		for (int j = 0; j < i; j++)
			FUZZ_CHECK(res->series[j].slot != s->slot ||
				   res->series[j].room != s->room);
	}
	for (int i = 0; i < res->nunassigned; i++) {
		int p = res->unassigned[i].parent;

		FUZZ_CHECK(p >= 0 && p < in->nparents);
		FUZZ_CHECK(i == 0 || p > res->unassigned[i - 1].parent);
		seen[p] += 2;
	}
	for (int p = 0; p < in->nparents; p++) {
		FUZZ_CHECK(seen[p] == 1 || seen[p] == 2);
		if (seen[p] == 1)
			coverage += in->parents[p].priority;
	}
	FUZZ_CHECK(!plan || res->objective.coverage == coverage);
	for (int i = 0; i < res->nchanges; i++) {
		FUZZ_CHECK(res->changes[i].prev >= 0 &&
			   res->changes[i].prev < in->previous.nseries);
		FUZZ_CHECK(res->changes[i].now >= -1 && res->changes[i].now < res->nseries);
	}
	FUZZ_CHECK(in->has_previous || res->objective.changes == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct month_input in;
	struct month_result res, back;
	struct pp_error err = {0};
	json_t *out;

	if (month_parse((const char *)data, size, &in, &err) < 0)
		return 0;
	if (!tiny(&in)) {
		month_input_free(&in);
		return 0;
	}
	if (in.policy.time_limit_s > 0.2)
		in.policy.time_limit_s = 0.2;
	FUZZ_CHECK(month_solve(&in, NULL, &res, &err) == 0);
	check_result(&in, &res);
	out = month_result_to_json(&in, &res);
	FUZZ_CHECK(out != NULL);
	FUZZ_CHECK(month_plan_read(out, &in, &back, &err) == 0);
	FUZZ_CHECK(back.nseries == res.nseries && back.nunassigned == res.nunassigned);
	json_decref(out);
	month_result_free(&back);
	month_result_free(&res);
	month_input_free(&in);
	return 0;
}

/* Most byte-level mutations of a month are no longer a valid month. */
FUZZ_JSON_MUTATOR
