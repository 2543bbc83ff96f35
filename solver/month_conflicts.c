/*
 * month_conflicts.c - the `conflicts` of an infeasible month (MODEL.md):
 * for each of the six policy rules, whether relaxing it alone gives a plan,
 * and then, for each that does, what it would have to be (month_needed.c).
 *
 * Each check builds the model again under the relaxed rules (never lazy)
 * and stops the search at its first plan.  The checks share the solve's
 * deadline; one the deadline cut short is reported as not decided.
 */
#include "month_internal.h"

#include <stdio.h>
#include <string.h>

int month_solve_under(struct conflict_ctx *cx, const struct model_rules *rules,
		      enum month_level level, double *value)
{
	struct model *m = cx->m;
	struct solve_state *st = cx->st;
	enum level_outcome o = LVL_FAILED;
	double *x = NULL;
	int rc;

	if (month_model_init(m, cx->in, rules, cx->cands, cx->ncands, cx->fails, 0) == 0) {
		if (value != NULL)
			x = month_scratch_alloc(m, month_plan_len(m), sizeof(double));
		for (int t = 0; level == LEVEL_SERIES && t < month_y_count(m); t++)
			if (month_obj_add(m, LEVEL_SERIES, m->ycol[t], 1.0) < 0)
				m->oom = true;
		if ((value == NULL || x != NULL) && !m->oom) {
			st->level = level;
			st->warm = NULL;
			st->stop_at_first = value == NULL;
			month_set_objective(m, level);
			o = month_solve_level(m, st, x);
		}
		if (o == LVL_OPTIMAL && value != NULL)
			*value = month_level_value(m, level, x);
	}
	st->stop_at_first = false;
	/* a feasibility check cut short by time still found a plan */
	rc = o == LVL_OPTIMAL || (o == LVL_CUT && value == NULL) ? 1
	     : o == LVL_INFEASIBLE                               ? 0
	     : o == LVL_FAILED                                   ? -2
								 : -1;
	month_model_free(m);
	memset(m, 0, sizeof *m);
	return rc;
}

int month_feasible_under(struct conflict_ctx *cx, const struct model_rules *rules)
{
	return month_solve_under(cx, rules, LEVEL_COVERAGE, NULL);
}

const char *month_relax(struct model_rules *r, enum month_conflict k)
{
	switch (k) {
	case MC_REQUIRE_DAYPARTS:
		r->require_dayparts = 0;
		return "without require_dayparts";
	case MC_BUDGET:
		r->has_budget = false;
		return "without the budget";
	case MC_MAX_SERIES:
		r->max_series = PP_UNLIMITED;
		return "without max_series";
	case MC_REQUIRE_TRAINED:
		r->require_trained = false;
		return "without require_trained";
	case MC_FACILITATORS_PER_SERIES:
		r->kmin = 1;
		return "with 1 to facilitators_per_series facilitators";
	case MC_MIN_GROUP:
		r->min_group = 1;
		return "with min_group 1";
	case MC_COUNT:
		break;
	}
	return "";
}

int month_explain_conflicts(const struct month_input *in, struct month_cand *cands, int ncands,
			    unsigned *fails, struct solve_state *st, struct model *m,
			    struct month_result *res)
{
	struct conflict_ctx cx = {in, cands, ncands, fails, st, m};

	st->stage = "conflicts";
	for (int k = 0; k < MC_COUNT; k++) {
		struct month_conflict_info *ci = &res->conflicts[k];
		struct model_rules r;
		const char *what;
		int f;

		month_rules_from_policy(&in->policy, &r);
		what = month_relax(&r, k);
		f = month_feasible_under(&cx, &r);
		if (f == -2)
			return -1;
		ci->decided = f >= 0;
		ci->relaxing_alone_fixes = f == 1;
		if (f == 1)
			snprintf(ci->detail, sizeof ci->detail, "a plan exists %s", what);
		else if (f == 0)
			snprintf(ci->detail, sizeof ci->detail, "still no plan %s", what);
		else
			snprintf(ci->detail, sizeof ci->detail, "not decided %s: time limit", what);
	}
	for (int k = 0; k < MC_COUNT; k++)
		if (res->conflicts[k].relaxing_alone_fixes &&
		    month_conflict_needed(&cx, k, res) < 0)
			return -1;
	return 0;
}
