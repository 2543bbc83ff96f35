/*
 * month_needed.c - the `needed` of an infeasible month's conflicts: for a
 * rule whose relaxation alone gives a plan, what the rule would have to be,
 * computed exactly with every other rule in force (docs/model.md,
 * "Conflicts and what they need"):
 *
 *   budget                   the cost of the cheapest plan (the cost level
 *                            solved with no coverage asked for);
 *   max_series               the fewest series of any plan (LEVEL_SERIES);
 *   min_group                the largest min_group with a plan;
 *   facilitators_per_series  the largest number with a plan;
 *   require_dayparts         the required dayparts to drop, each with why.
 *
 * Plans only get scarcer as min_group or facilitators_per_series grows (a
 * plan with k + 1 facilitators per series keeps one with k: drop one that
 * is not the only trained one), so the largest values are found by binary
 * search on plain feasibility checks (month_feasible_under).  Every check
 * shares the solve's deadline; one cut short leaves `needed` null.
 */
#include "month_internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define DAYPARTS (PP_EVENING + 1)

/* Rule k (min_group or facilitators_per_series) set to v in r. */
static void rule_set(struct model_rules *r, enum month_conflict k, int v)
{
	if (k == MC_MIN_GROUP)
		r->min_group = v;
	else
		r->kmin = r->kmax = v;
}

/* The largest v in [lo, hi] with a plan when rule k is v, lo known to have
 * one: 1 with *best, -1 undecided, -2 an allocation failed. */
static int largest_with_plan(struct conflict_ctx *cx, enum month_conflict k, int lo, int hi,
			     int *best)
{
	while (lo < hi) {
		int mid = lo + (hi - lo + 1) / 2, f;
		struct model_rules r;

		month_rules_from_policy(&cx->in->policy, &r);
		rule_set(&r, k, mid);
		f = month_feasible_under(cx, &r);
		if (f < 0)
			return f;
		if (f == 1)
			lo = mid;
		else
			hi = mid - 1;
	}
	*best = lo;
	return 1;
}

/* A plan of the month's rules with only the dayparts `parts` required:
 * 1, 0, -1 undecided, -2 memory. */
static int dayparts_feasible(struct conflict_ctx *cx, unsigned parts)
{
	struct model_rules r;

	month_rules_from_policy(&cx->in->policy, &r);
	r.require_dayparts = parts;
	return month_feasible_under(cx, &r);
}

/* ---- why one daypart cannot be met ---- */

/* The first static rule that rules out every candidate series of daypart
 * d: no slot, no room, no facilitators, no parents; 1 with why written,
 * 0 when none does, -2 memory. */
static int daypart_static_why(struct conflict_ctx *cx, int d, char *why, size_t size)
{
	const struct month_input *in = cx->in;
	const char *name = month_daypart_name(d);
	struct model *m = cx->m;
	struct model_rules r;
	int slots = 0, cands = 0, staffed = 0, most = 0;

	for (int s = 0; s < in->nslots; s++)
		slots += (int)month_daypart(in->slots[s].start) == d;
	for (int c = 0; c < cx->ncands; c++)
		cands += cx->cands[c].daypart == d;
	if (slots == 0 || cands == 0) {
		snprintf(why, size,
			 slots == 0
			     ? "no %s slot is offered"
			     : "no room is available at any %s slot on a day the month meets",
			 name);
		return 1;
	}
	month_rules_from_policy(&in->policy, &r);
	r.require_dayparts = 0;
	if (month_model_init(m, in, &r, cx->cands, cx->ncands, cx->fails, 0) < 0) {
		month_model_free(m);
		memset(m, 0, sizeof *m);
		return -2;
	}
	for (int c = 0; c < cx->ncands; c++)
		for (int t = 0; cx->cands[c].daypart == d && t < in->nstrs; t++)
			if (month_staffable(m, c, t)) {
				staffed++;
				if (month_speakers(m, c, t) > most)
					most = month_speakers(m, c, t);
			}
	month_model_free(m);
	memset(m, 0, sizeof *m);
	if (staffed == 0)
		snprintf(why, size,
			 "no %s slot has %d facilitator%s free for all its meetings who speak one "
			 "language%s",
			 name, r.kmin, r.kmin == 1 ? "" : "s",
			 r.require_trained ? ", one of them trained" : "");
	else if (most < r.min_group)
		snprintf(why, size,
			 "no %s series can reach min_group %d: at most %d parents who can come "
			 "share a language it can be run in",
			 name, r.min_group, most);
	return staffed == 0 || most < r.min_group;
}

/* Does relaxing rule k change the month's rules at all? */
static bool rule_binds(const struct month_policy *pol, enum month_conflict k)
{
	switch (k) {
	case MC_BUDGET:
		return pol->has_budget;
	case MC_MAX_SERIES:
		return pol->max_series != PP_UNLIMITED;
	case MC_REQUIRE_TRAINED:
		return pol->require_trained;
	case MC_FACILITATORS_PER_SERIES:
		return pol->facilitators_per_series > 1;
	case MC_MIN_GROUP:
		return pol->min_group > 1;
	default:
		return false;
	}
}

/* The first other rule whose relaxation gives a plan with a series in
 * daypart d; 1 with why written, 0 when none alone does, -1 undecided,
 * -2 memory. */
static int daypart_rule_why(struct conflict_ctx *cx, int d, char *why, size_t size)
{
	const struct month_policy *pol = &cx->in->policy;
	const char *name = month_daypart_name(d);

	for (int k = MC_BUDGET; k < MC_COUNT; k++) {
		struct model_rules r;
		const char *what;
		double cost = 0;
		int f;

		if (!rule_binds(pol, k))
			continue;
		month_rules_from_policy(pol, &r);
		r.require_dayparts = 1u << d;
		what = month_relax(&r, k);
		f = k == MC_BUDGET ? month_solve_under(cx, &r, LEVEL_COST, &cost)
				   : month_feasible_under(cx, &r);
		if (f < 0)
			return f;
		if (f == 0)
			continue;
		if (k == MC_BUDGET)
			snprintf(why, size,
				 "the budget: the cheapest plan with a series in the %s costs %.2f "
				 "against a budget of %.2f",
				 name, cost, pol->budget);
		else
			snprintf(why, size, "%s: a plan with a series in the %s exists only %s",
				 month_conflict_name(k), name, what);
		return 1;
	}
	return 0;
}

/* Why daypart d, required alone, has no plan.  Returns 0 or -2 (memory);
 * an undecided rule check leaves the generic reason. */
static int daypart_why(struct conflict_ctx *cx, int d, char *why, size_t size)
{
	int f = daypart_static_why(cx, d, why, size);

	if (f == 0)
		f = daypart_rule_why(cx, d, why, size);
	if (f == -2)
		return -2;
	if (f != 1)
		snprintf(why, size, "no %s series meets the other rules together",
			 month_daypart_name(d));
	return 0;
}

/* ---- require_dayparts ---- */

/* The largest set of the dayparts `alone` (each can be met by itself) that
 * can be met together; ties: the set with the earlier dayparts.  1 with
 * *keep, -1 undecided, -2 memory. */
static int dayparts_together(struct conflict_ctx *cx, unsigned alone, unsigned *keep)
{
	for (int size = __builtin_popcount(alone); size >= 2; size--)
		for (unsigned s = 1; s < 1u << DAYPARTS; s++) {
			int f;

			if ((s & ~alone) != 0 || __builtin_popcount(s) != size)
				continue;
			f = dayparts_feasible(cx, s);
			if (f < 0)
				return f;
			if (f == 1) {
				*keep = s;
				return 1;
			}
		}
	*keep = alone & -alone; /* the earliest: it can be met alone */
	return 1;
}

/* The rules, other than require_dayparts, whose relaxation alone fixes
 * the month, as "the budget or min_group" in buf ("" when none). */
static void other_fixes(const struct month_result *res, char *buf, size_t size)
{
	size_t n = 0;

	buf[0] = '\0';
	for (int k = MC_BUDGET; k < MC_COUNT && n < size; k++)
		if (res->conflicts[k].relaxing_alone_fixes)
			n += (size_t)snprintf(buf + n, size - n, "%s%s", n > 0 ? " or " : "",
					      k == MC_BUDGET ? "the budget"
							     : month_conflict_name(k));
}

/* Why daypart d, which can be met alone, is dropped for the dayparts keep. */
static void together_why(const struct month_result *res, int d, unsigned keep, char *why,
			 size_t size)
{
	char kept[64] = "", fixes[128];
	size_t n = 0;

	for (int e = 0; e < DAYPARTS && n < sizeof kept; e++)
		if (keep & (1u << e))
			n += (size_t)snprintf(kept + n, sizeof kept - n, "%s%s",
					      n > 0 ? " and the " : "", month_daypart_name(e));
	other_fixes(res, fixes, sizeof fixes);
	n = (size_t)snprintf(why, size, "the %s can be met alone, not together with the %s",
			     month_daypart_name(d), kept);
	if (fixes[0] != '\0' && n < size)
		snprintf(why + n, size - n, "; relaxing %s instead would allow %s", fixes,
			 __builtin_popcount(keep) == 1 ? "both" : "all of them");
}

/* `needed` of require_dayparts: the required dayparts that cannot be met
 * alone (each with the first rule that rules it out), then those that can
 * but not together with the largest set that can.  Returns 0 or -1. */
static int needed_dayparts(struct conflict_ctx *cx, struct month_result *res)
{
	struct month_conflict_info *ci = &res->conflicts[MC_REQUIRE_DAYPARTS];
	unsigned required = cx->in->policy.require_dayparts, alone = 0, keep = 0;

	for (int d = 0; d < DAYPARTS; d++) {
		int f;

		if (!(required & (1u << d)))
			continue;
		f = dayparts_feasible(cx, 1u << d);
		if (f < 0)
			return f == -2 ? -1 : 0;
		if (f == 1) {
			alone |= 1u << d;
			continue;
		}
		ci->needed_dayparts |= 1u << d;
		if (daypart_why(cx, d, ci->daypart_detail[d], sizeof ci->daypart_detail[d]) < 0)
			return -1;
	}
	if (alone != 0) {
		int f = dayparts_together(cx, alone, &keep);

		if (f < 0)
			return f == -2 ? -1 : 0;
	}
	for (int d = 0; d < DAYPARTS; d++)
		if ((alone & ~keep) & (1u << d)) {
			ci->needed_dayparts |= 1u << d;
			together_why(res, d, keep, ci->daypart_detail[d],
				     sizeof ci->daypart_detail[d]);
		}
	ci->has_needed = true;
	return 0;
}

/* ---- the numbers ---- */

/* The value of `needed` for a numeric rule k: 1 with *v, -1 undecided, -2
 * memory. */
static int needed_number(struct conflict_ctx *cx, enum month_conflict k, double *v)
{
	const struct month_policy *pol = &cx->in->policy;
	struct model_rules r;
	int best = 0, f;

	month_rules_from_policy(pol, &r);
	month_relax(&r, k);
	switch (k) {
	case MC_BUDGET:
		f = month_solve_under(cx, &r, LEVEL_COST, v);
		*v = round(*v * 1e6) / 1e6;
		return f == 0 ? -1 : f;
	case MC_MAX_SERIES:
		f = month_solve_under(cx, &r, LEVEL_SERIES, v);
		*v = round(*v);
		return f == 0 ? -1 : f;
	case MC_MIN_GROUP:
	case MC_FACILITATORS_PER_SERIES:
		f = largest_with_plan(
		    cx, k, 1,
		    (k == MC_MIN_GROUP ? pol->min_group : pol->facilitators_per_series) - 1, &best);
		*v = best;
		return f;
	default:
		return -1;
	}
}

/* ci->detail's addition: the amount, said as a coordinator reads it. */
static void needed_detail(const struct month_policy *pol, enum month_conflict k,
			  struct month_conflict_info *ci)
{
	size_t n = strlen(ci->detail), size = sizeof ci->detail;
	char *p = ci->detail + n;

	if (n >= size)
		return;
	if (k == MC_BUDGET)
		snprintf(p, size - n,
			 "; the cheapest plan that meets every other rule costs %.2f against a "
			 "budget of %.2f",
			 ci->needed, pol->budget);
	else if (k == MC_MAX_SERIES)
		snprintf(p, size - n,
			 "; the fewest series that meet every other rule: %.0f (max %d)",
			 ci->needed, pol->max_series);
	else if (k == MC_MIN_GROUP)
		snprintf(p, size - n, "; the largest min_group with a plan: %.0f (now %d)",
			 ci->needed, pol->min_group);
	else if (k == MC_FACILITATORS_PER_SERIES)
		snprintf(p, size - n,
			 "; the largest facilitators_per_series with a plan: %.0f (now %d)",
			 ci->needed, pol->facilitators_per_series);
}

int month_conflict_needed(struct conflict_ctx *cx, enum month_conflict k, struct month_result *res)
{
	struct month_conflict_info *ci = &res->conflicts[k];
	double v = 0;
	int f;

	if (k == MC_REQUIRE_DAYPARTS)
		return needed_dayparts(cx, res);
	if (k == MC_REQUIRE_TRAINED)
		return 0; /* not a number: nothing is needed but its relaxation */
	f = needed_number(cx, k, &v);
	if (f == -2)
		return -1;
	if (f == 1) {
		ci->has_needed = true;
		ci->needed = v;
		needed_detail(&cx->in->policy, k, ci);
	}
	return 0;
}
