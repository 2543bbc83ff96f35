/*
 * month.c - the month plan of MODEL.md section 1, solved exactly and
 * lexicographically with GLPK: the driver of the solve.
 *
 * month_solve() computes the candidates and the static filters, builds the
 * model (month_build.c) and solves its levels in order -- coverage, comfort
 * deviation, preference, cost (enum month_level).  Level t is solved to
 * proven optimality (month_search.c), then its objective is fixed by a row
 * (integer levels by a half-unit margin, which is exact) and level t+1
 * starts from level t's plan, injected as the first incumbent.  Level 1
 * starts from the greedy plan (month_greedy.c).  One deadline covers all
 * levels; a level cut short ends the solve with status "feasible" and its
 * gap.  The plan is then extracted (month_extract.c); an infeasible month
 * gets its conflicts explained (month_conflicts.c).
 *
 * GLPK errors.  glp_error_hook() longjmps back to month_solve() (and to
 * month_export_lp()); the thread's GLPK environment is then freed
 * (glp_free_env), so a GLPK failure is an error value, never an abort of
 * the daemon.
 */
#include "month_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

double month_elapsed(const struct solve_state *st)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - st->start.tv_sec) + (now.tv_nsec - st->start.tv_nsec) / 1e9;
}

bool month_cancel_raised(const struct solve_state *st)
{
	return st->ctl != NULL && st->ctl->cancel != NULL && atomic_load(st->ctl->cancel) != 0;
}

void month_report(struct solve_state *st, bool has_inc, double inc, bool force)
{
	struct month_progress p;
	double now = month_elapsed(st);

	if (st->ctl == NULL || st->ctl->progress == NULL)
		return;
	if (!force && now - st->last_report < 0.2)
		return;
	st->last_report = now;
	memset(&p, 0, sizeof p);
	p.level = st->level;
	p.stage = st->stage;
	p.has_incumbent = has_inc;
	p.incumbent = inc;
	p.bound = st->bound;
	p.gap = st->gap;
	p.nodes = st->nodes_total + st->nodes;
	p.seconds = now;
	st->ctl->progress(&p, st->ctl->progress_arg);
}

static _Thread_local jmp_buf *glpk_jump;

static void glpk_error_hook(void *info)
{
	(void)info;
	if (glpk_jump != NULL)
		longjmp(*glpk_jump, 1);
}

/* The stage names of month_progress, by level. */
static const char *const level_stage[LEVEL_COST + 1] = {
    [LEVEL_COVERAGE] = "coverage",
    [LEVEL_COMFORT] = "comfort",
    [LEVEL_PREFERENCE] = "preference",
    [LEVEL_COST] = "cost",
};

/* The lexicographic solve proper; GLPK errors longjmp out of it. */
static int solve_all(const struct month_input *in, struct solve_state *st, struct month_cand *cands,
		     int ncands, unsigned *fails, struct model *m, struct month_result *res,
		     struct pp_error *err)
{
	struct model_rules rules;
	double *x;
	int n;

	month_rules_from_policy(&in->policy, &rules);
	st->stage = "building";
	month_report(st, false, 0, true);
	if (month_model_init(m, in, &rules, cands, ncands, fails,
			     st->ctl != NULL && st->ctl->price_from > 0 ? st->ctl->price_from
									: PRICE_MIN_X) < 0)
		return pp_error_set(err, PP_ERR_INTERNAL, NULL, "out of memory building the model");
	n = glp_get_num_cols(m->lp);
	x = m->x = calloc((size_t)n + 2, sizeof(double));
	if (x == NULL)
		return pp_error_set(err, PP_ERR_INTERNAL, NULL, "out of memory");
	res->status = MONTH_OPTIMAL;
	for (enum month_level level = LEVEL_COVERAGE; level <= LEVEL_COST; level++) {
		enum level_outcome o;
		double v;

		if (month_cancel_raised(st)) {
			res->status = MONTH_CANCELLED;
			return level > LEVEL_COVERAGE ? 1 : 0;
		}
		st->level = level;
		st->stage = level_stage[level];
		month_set_objective(m, level);
		st->warm = level > LEVEL_COVERAGE ? x : NULL;
		if (level == LEVEL_COVERAGE && month_greedy_plan(m, x, NULL) == 0)
			st->warm = x; /* a first incumbent for coverage */
		if (st->warm != NULL)
			month_round_integers(m, x);
		month_report(st, level > LEVEL_COVERAGE,
			     level > LEVEL_COVERAGE ? month_level_value(m, level, x) : 0, true);
		o = month_solve_level(m, st, x);
		if (o == LVL_CANCELLED) {
			res->status = MONTH_CANCELLED;
			return level > LEVEL_COVERAGE ? 1 : 0;
		}
		if (o == LVL_INFEASIBLE && level == LEVEL_COVERAGE) {
			res->status = MONTH_INFEASIBLE;
			return 0;
		}
		if (o == LVL_NOSOL && level == LEVEL_COVERAGE) {
			res->status = MONTH_TIMEOUT;
			return 0;
		}
		if (o != LVL_OPTIMAL) {
			/* cut short (or a later level lost its warm start): keep the best */
			res->status = MONTH_FEASIBLE;
			res->gap = st->gap;
			return 1;
		}
		res->levels_proven = level;
		v = month_level_value(m, level, x);
		if (level < LEVEL_COST && month_fix_level(m, level, floor(v + 0.5)) < 0)
			return pp_error_set(err, PP_ERR_INTERNAL, NULL, "out of memory");
	}
	return 1;
}

int month_solve(const struct month_input *in, const struct month_ctl *ctl, struct month_result *res,
		struct pp_error *err)
{
	struct solve_state st;
	struct model m;
	struct month_cand *cands;
	unsigned *fails = NULL;
	jmp_buf jb;
	int ncands, have_plan;
	volatile int rc = -1;
	volatile bool model_live = false;

	memset(res, 0, sizeof *res);
	memset(&st, 0, sizeof st);
	memset(&m, 0, sizeof m);
	st.ctl = ctl;
	clock_gettime(CLOCK_MONOTONIC, &st.start);
	st.deadline = in->policy.time_limit_s;
	cands = month_candidates(in, &ncands);
	if (ncands < 0)
		return pp_error_set(err, PP_ERR_INTERNAL, NULL, "out of memory");
	fails = calloc((size_t)in->nparents * (size_t)ncands + 1, sizeof *fails);
	if (fails == NULL)
		goto out_oom;
	for (int p = 0; p < in->nparents; p++)
		for (int c = 0; c < ncands; c++)
			fails[(size_t)p * ncands + c] =
			    month_static_fails(in, &cands[c], &in->parents[p]);

	glp_term_out(GLP_OFF);
	glpk_jump = &jb;
	glp_error_hook(glpk_error_hook, NULL);
	if (setjmp(jb) != 0) {
		/* GLPK failed: its whole environment in this thread is unusable. */
		glpk_jump = NULL;
		glp_free_env();
		m.lp = NULL; /* the problem object died with the environment */
		month_model_free(&m);
		model_live = false;
		month_result_free(res);
		pp_error_set(err, PP_ERR_INTERNAL, NULL, "the solver failed (GLPK error)");
		goto out;
	}
	model_live = true;
	have_plan = solve_all(in, &st, cands, ncands, fails, &m, res, err);
	if (have_plan < 0)
		goto out;
	if (have_plan > 0 && month_extract(&m, m.x, res) < 0) {
		pp_error_set(err, PP_ERR_INTERNAL, NULL, "out of memory");
		goto out;
	}
	if (res->status == MONTH_INFEASIBLE) {
		month_model_free(&m);
		memset(&m, 0, sizeof m);
		month_explain_conflicts(in, cands, ncands, fails, &st, res);
	}
	if (have_plan == 0 && res->status != MONTH_INFEASIBLE) {
		/* no plan: every parent is unassigned, with reasons */
		res->unassigned = calloc((size_t)in->nparents + 1, sizeof *res->unassigned);
		if (res->unassigned == NULL)
			goto out_oom;
	}
	if (res->status == MONTH_INFEASIBLE && res->unassigned == NULL) {
		res->unassigned = calloc((size_t)in->nparents + 1, sizeof *res->unassigned);
		if (res->unassigned == NULL)
			goto out_oom;
	}
	if (have_plan == 0)
		for (int p = 0; p < in->nparents; p++) {
			struct month_unassigned *u = &res->unassigned[res->nunassigned++];

			u->parent = p;
			month_explain(&fails[(size_t)p * ncands], ncands, u);
		}
	res->seconds = month_elapsed(&st);
	res->nodes = st.nodes_total;
	st.stage = "done";
	month_report(&st, false, 0, true);
	rc = 0;
	goto out;
out_oom:
	pp_error_set(err, PP_ERR_INTERNAL, NULL, "out of memory");
out:
	if (model_live)
		month_model_free(&m);
	glp_error_hook(NULL, NULL);
	glpk_jump = NULL;
	free(fails);
	free(cands);
	if (rc < 0)
		month_result_free(res);
	return rc;
}

int month_export_lp(const struct month_input *in, const char *path, struct pp_error *err)
{
	struct model_rules rules;
	struct month_cand *cands;
	struct model m;
	unsigned *fails;
	int ncands, rc = -1;

	cands = month_candidates(in, &ncands);
	if (ncands < 0)
		return pp_error_set(err, PP_ERR_INTERNAL, NULL, "out of memory");
	fails = calloc((size_t)in->nparents * (size_t)ncands + 1, sizeof *fails);
	if (fails == NULL) {
		free(cands);
		return pp_error_set(err, PP_ERR_INTERNAL, NULL, "out of memory");
	}
	for (int p = 0; p < in->nparents; p++)
		for (int c = 0; c < ncands; c++)
			fails[(size_t)p * ncands + c] =
			    month_static_fails(in, &cands[c], &in->parents[p]);
	glp_term_out(GLP_OFF);
	month_rules_from_policy(&in->policy, &rules);
	if (month_model_init(&m, in, &rules, cands, ncands, fails, 0) < 0)
		pp_error_set(err, PP_ERR_INTERNAL, NULL, "out of memory building the model");
	else if (month_set_objective(&m, LEVEL_COVERAGE), glp_write_lp(m.lp, NULL, path) != 0)
		pp_error_set(err, PP_ERR_INTERNAL, NULL, "cannot write %s", path);
	else
		rc = 0;
	month_model_free(&m);
	free(fails);
	free(cands);
	return rc;
}
