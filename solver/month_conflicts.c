/*
 * month_conflicts.c - the `conflicts` of an infeasible month (MODEL.md):
 * for each of the six policy rules, whether relaxing it alone gives a plan.
 *
 * Each check builds the model again under the relaxed rules (never lazy)
 * and stops the search at its first plan.  The checks share the solve's
 * deadline; one the deadline cut short is reported as not decided.
 */
#include "month_internal.h"

#include <stdio.h>
#include <string.h>

/* Is there any plan under these rules?  1 yes, 0 no, -1 undecided (time),
 * -2 an allocation failed. */
static int feasible_under(const struct month_input *in, const struct model_rules *rules,
			  struct month_cand *cands, int ncands, unsigned *fails,
			  struct solve_state *st, struct model *m)
{
	enum level_outcome o = LVL_FAILED;
	int rc;

	if (month_model_init(m, in, rules, cands, ncands, fails, 0) == 0) {
		month_set_objective(m, LEVEL_COVERAGE);
		st->warm = NULL;
		st->stop_at_first = true;
		o = month_solve_level(m, st, NULL);
	}
	st->stop_at_first = false;
	rc = o == LVL_OPTIMAL || o == LVL_CUT ? 1
	     : o == LVL_INFEASIBLE            ? 0
	     : o == LVL_FAILED                ? -2
					      : -1;
	month_model_free(m);
	memset(m, 0, sizeof *m);
	return rc;
}

int month_explain_conflicts(const struct month_input *in, struct month_cand *cands, int ncands,
			    unsigned *fails, struct solve_state *st, struct model *m,
			    struct month_result *res)
{
	const struct month_policy *pol = &in->policy;

	st->stage = "conflicts";
	for (int k = 0; k < MC_COUNT; k++) {
		struct month_conflict_info *ci = &res->conflicts[k];
		struct model_rules r;
		const char *what = "";
		int f;

		month_rules_from_policy(pol, &r);
		switch (k) {
		case MC_REQUIRE_DAYPARTS:
			r.require_dayparts = 0;
			what = "without require_dayparts";
			break;
		case MC_BUDGET:
			r.has_budget = false;
			what = "without the budget";
			break;
		case MC_MAX_SERIES:
			r.max_series = PP_UNLIMITED;
			what = "without max_series";
			break;
		case MC_REQUIRE_TRAINED:
			r.require_trained = false;
			what = "without require_trained";
			break;
		case MC_FACILITATORS_PER_SERIES:
			r.kmin = 1;
			what = "with 1 to facilitators_per_series facilitators";
			break;
		case MC_MIN_GROUP:
			r.min_group = 1;
			what = "with min_group 1";
			break;
		}
		f = feasible_under(in, &r, cands, ncands, fails, st, m);
		if (f == -2)
			return -1;
		ci->decided = f >= 0;
		ci->relaxing_alone_fixes = f == 1;
		snprintf(ci->detail, sizeof ci->detail, "%s", "");
		if (f == 1)
			snprintf(ci->detail, sizeof ci->detail, "a plan exists %s", what);
		else if (f == 0)
			snprintf(ci->detail, sizeof ci->detail, "still no plan %s", what);
		else
			snprintf(ci->detail, sizeof ci->detail, "not decided %s: time limit", what);
	}
	return 0;
}
