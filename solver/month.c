/*
 * month.c - the month plan of MODEL.md section 1, solved exactly and
 * lexicographically with GLPK: the driver of the solve.
 *
 * month_solve() computes the candidates and the static filters, builds the
 * model (month_build.c) and solves its levels in order -- coverage, then
 * comfort deviation and preference as one objective (exact: see
 * set_pref_weight), then cost (enum month_level).  Each is solved to
 * proven optimality (month_search.c), then its objective is fixed by a row
 * (integer levels by a half-unit margin, which is exact) and the next
 * starts from its plan, injected as the first incumbent.  Level 1
 * starts from the greedy plan (month_greedy.c).  One deadline covers all
 * levels; a level cut short ends the solve with status "feasible" and its
 * gap.  The plan is then extracted (month_extract.c); an infeasible month
 * gets its conflicts explained (month_conflicts.c); every parent left out
 * gets a detail line (month_detail.c).
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
	p.level = st->position;
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

/* One call of month_solve() or month_export_lp(): everything a GLPK error
 * must find to free lives here, in the caller's frame, not in a frame the
 * longjmp unwinds. */
struct month_job {
	const struct month_input *in;
	struct month_cand *cands;
	int ncands;
	unsigned *fails; /* nparents x ncands static failure bits */
	struct model m;  /* the model being built or solved, or a conflict check's */
	struct solve_state st;
	struct month_result *res; /* month_solve */
	const char *path;         /* month_export_lp */
	struct pp_error *err;
};

/* The candidates and every parent's static failure bits for job->in.
 * Returns 0, or -1 with job->err set (memory). */
static int job_filters(struct month_job *job)
{
	const struct month_input *in = job->in;

	job->cands = month_candidates(in, &job->ncands);
	if (job->ncands < 0)
		return pp_error_set(job->err, PP_ERR_INTERNAL, NULL, "out of memory");
	job->fails = calloc((size_t)in->nparents * (size_t)job->ncands + 1, sizeof *job->fails);
	if (job->fails == NULL)
		return pp_error_set(job->err, PP_ERR_INTERNAL, NULL, "out of memory");
	for (int p = 0; p < in->nparents; p++)
		for (int c = 0; c < job->ncands; c++)
			job->fails[(size_t)p * job->ncands + c] =
			    month_static_fails(in, &job->cands[c], &in->parents[p]);
	return 0;
}

/* Run body(job) with GLPK's error hook installed, then free the job's model
 * and the thread's whole GLPK environment (glp_free_env), so GLPK holds
 * nothing between calls.  Returns what body returned, or -1 with job->err
 * set when GLPK failed (its error hook jumped back here). */
static int run_guarded(int (*body)(struct month_job *), struct month_job *job)
{
	jmp_buf jb;
	volatile int rc = -1;

	glp_term_out(GLP_OFF);
	glpk_jump = &jb;
	glp_error_hook(glpk_error_hook, NULL);
	if (setjmp(jb) == 0) {
		rc = body(job);
	} else {
		/* the problem object dies with the environment, below */
		job->m.lp = NULL;
		rc =
		    pp_error_set(job->err, PP_ERR_INTERNAL, NULL, "the solver failed (GLPK error)");
	}
	glpk_jump = NULL;
	month_model_free(&job->m);
	memset(&job->m, 0, sizeof job->m);
	glp_free_env(); /* also removes the hook */
	return rc;
}

/* The stage names of month_progress, by the objective solved. */
static const char *const level_stage[LEVEL_COMFORT_PREFERENCE + 1] = {
    [LEVEL_COVERAGE] = "coverage",
    [LEVEL_COST] = "cost",
    [LEVEL_CHANGES] = "changes",
    [LEVEL_COMFORT_PREFERENCE] = "comfort+preference",
};

/* The objectives in the order the month solves them: coverage, comfort
 * and preference together (see below), cost; with a previous plan,
 * changes second (stability "after_coverage") or first ("first").
 * Returns how many. */
static int solve_order(const struct month_input *in, enum month_level order[4])
{
	int n = 0;

	if (in->has_previous && in->policy.stability_first)
		order[n++] = LEVEL_CHANGES;
	order[n++] = LEVEL_COVERAGE;
	if (in->has_previous && !in->policy.stability_first)
		order[n++] = LEVEL_CHANGES;
	order[n++] = LEVEL_COMFORT_PREFERENCE;
	order[n++] = LEVEL_COST;
	return n;
}

/* Comfort deviation D and preference P take integer values, and no plan
 * has P above the number of eligible parents, so with a weight W above
 * that number W*D - P orders plans exactly as "D first, then P": a plan
 * with a smaller D has W*D - P smaller by at least W - P_max > 0.  The one
 * search then proves both levels, and its bound b on W*D - P still bounds
 * each level on its own: D >= b / W (P >= 0), and among plans with D = d,
 * P <= W*d - b. */
static void set_pref_weight(struct model *m)
{
	m->pref_weight = 1;
	for (int k = 0; k < m->nclasses; k++)
		m->pref_weight += m->classes[k].count;
}

/* A level's optimum v is proven: add the rows that keep it, and count it
 * (both levels for the combined objective).  Returns 0 or -1 (memory). */
static int keep_level(struct model *m, enum month_level level, const double *x,
		      struct month_result *res)
{
	if (level == LEVEL_COMFORT_PREFERENCE)
		return keep_level(m, LEVEL_COMFORT, x, res) < 0
			   ? -1
			   : keep_level(m, LEVEL_PREFERENCE, x, res);
	res->levels_proven++;
	if (level == LEVEL_COST)
		return 0;
	return month_fix_level(m, level, floor(month_level_value(m, level, x) + 0.5));
}

double month_combined_gap(const struct model *m, const struct solve_state *st, const double *x,
			  struct month_result *res)
{
	double d = floor(month_level_value(m, LEVEL_COMFORT, x) + 0.5);
	double p = floor(month_level_value(m, LEVEL_PREFERENCE, x) + 0.5);
	double dmin, pmax;

	if (!st->has_bound)
		return 1.0;
	dmin = fmax(0.0, ceil(st->bound / m->pref_weight - 1e-9));
	if (d > dmin)
		return month_rel_gap(d, dmin);
	res->levels_proven++; /* comfort */
	pmax = m->pref_weight * d - st->bound;
	return month_rel_gap(p, pmax);
}

/* The first plan of a re-plan: the greedy plan guided by the previous one
 * (month_replan_guide), into guided[1..n]; 0, or -1 when it found none. */
static int guided_plan(struct model *m, double *guided)
{
	int n = glp_get_num_cols(m->lp), rc;
	double *guide = month_scratch_alloc(m, (size_t)n + 2, sizeof(double));

	if (guide == NULL)
		return -1;
	month_replan_guide(m, guide);
	rc = month_greedy_plan(m, guided, guide);
	month_scratch_free(m, guide);
	if (rc == 0)
		month_replan_complete(m, guided);
	return rc;
}

/* The plan level i of the month starts from, into x (which holds the
 * previous level's optimum for i > 0); false when there is none.  Level 1
 * starts from the greedy plan; a re-plan also from the previous plan,
 * repaired (guided), when it is better for the first level, or for the
 * changes level after coverage when it keeps coverage's optimum.  (GLPK
 * takes an injected plan on trust, so it must meet every fixed level.) */
static bool warm_start(struct model *m, int i, enum month_level level, double *x,
		       const double *guided, bool have_guided)
{
	bool have = i > 0, better = false;

	if (i == 0 && level == LEVEL_COVERAGE)
		have = month_greedy_plan(m, x, NULL) == 0;
	if (have && m->rules.replan)
		month_replan_complete(m, x);
	if (have_guided && i == 0) {
		double vg = month_level_value(m, level, guided);

		better = !have ||
			 (month_level_maximised(level) ? vg > month_level_value(m, level, x) + 0.5
						       : vg < month_level_value(m, level, x) - 0.5);
	} else if (have_guided && level == LEVEL_CHANGES && i == 1) {
		better = month_level_value(m, LEVEL_CHANGES, guided) <
			     month_level_value(m, LEVEL_CHANGES, x) - 0.5 &&
			 month_level_value(m, LEVEL_COVERAGE, guided) >
			     month_level_value(m, LEVEL_COVERAGE, x) - 0.5;
	}
	if (better) {
		memcpy(x, guided, sizeof(double) * ((size_t)glp_get_num_cols(m->lp) + 1));
		have = true;
	}
	return have;
}

/* The lexicographic solve proper; GLPK errors longjmp out of it. */
static int solve_all(const struct month_input *in, struct solve_state *st, struct month_cand *cands,
		     int ncands, unsigned *fails, struct model *m, struct month_result *res,
		     struct pp_error *err)
{
	struct model_rules rules;
	enum month_level order[4];
	int norder = solve_order(in, order), price_from;
	double *x, *guided = NULL;
	bool have_guided = false;
	size_t len;

	month_rules_from_policy(&in->policy, &rules);
	rules.replan = in->has_previous;
	/* re-plans are solved whole (docs/model.md, "Re-planning") */
	price_from = rules.replan                                 ? 0
		     : st->ctl != NULL && st->ctl->price_from > 0 ? st->ctl->price_from
								  : PRICE_MIN_X;
	st->stage = "building";
	month_report(st, false, 0, true);
	if (month_model_init(m, in, &rules, cands, ncands, fails, price_from) < 0)
		return pp_error_set(err, PP_ERR_INTERNAL, NULL, "out of memory building the model");
	len = month_plan_len(m);
	x = m->x = calloc(len, sizeof(double));
	if (x == NULL)
		return pp_error_set(err, PP_ERR_INTERNAL, NULL, "out of memory");
	if (rules.replan) {
		guided = month_scratch_alloc(m, len, sizeof(double));
		have_guided = guided != NULL && guided_plan(m, guided) == 0;
	}
	res->status = MONTH_OPTIMAL;
	set_pref_weight(m);
	for (int i = 0; i < norder; i++) {
		enum month_level level = order[i];
		enum level_outcome o;

		if (month_cancel_raised(st)) {
			res->status = MONTH_CANCELLED;
			return i > 0 ? 1 : 0;
		}
		if (level == LEVEL_COST && month_add_staff_counts(m) < 0)
			return pp_error_set(err, PP_ERR_INTERNAL, NULL, "out of memory");
		st->level = level;
		st->position = res->levels_proven + 1;
		st->stage = level_stage[level];
		month_set_objective(m, level);
		/* never an incumbent GLPK would take on trust */
		st->warm = warm_start(m, i, level, x, guided, have_guided) && month_plan_ready(m, x)
			       ? x
			       : NULL;
		if (m->oom)
			return pp_error_set(err, PP_ERR_INTERNAL, NULL, "out of memory");
		month_report(st, i > 0, i > 0 ? month_level_value(m, level, x) : 0, true);
		o = month_solve_level(m, st, x);
		if (o == LVL_FAILED)
			return pp_error_set(err, PP_ERR_INTERNAL, NULL, "out of memory");
		if (o == LVL_CANCELLED) {
			res->status = MONTH_CANCELLED;
			return i > 0 ? 1 : 0;
		}
		if (o == LVL_INFEASIBLE && i == 0) {
			res->status = MONTH_INFEASIBLE;
			return 0;
		}
		if (o == LVL_NOSOL && i == 0) {
			res->status = MONTH_TIMEOUT;
			return 0;
		}
		if (o != LVL_OPTIMAL) {
			/* cut short (or a later level lost its warm start): keep the best */
			res->status = MONTH_FEASIBLE;
			res->gap = level == LEVEL_COMFORT_PREFERENCE
				       ? month_combined_gap(m, st, x, res)
				       : st->gap;
			return 1;
		}
		if (keep_level(m, level, x, res) < 0)
			return pp_error_set(err, PP_ERR_INTERNAL, NULL, "out of memory");
	}
	return 1;
}

/* Every parent unassigned, with the static reasons (no plan).  Returns 0
 * or -1 (memory). */
static int unassign_all(struct month_job *job)
{
	const struct month_input *in = job->in;
	struct month_result *res = job->res;

	if (res->unassigned == NULL)
		res->unassigned = calloc((size_t)in->nparents + 1, sizeof *res->unassigned);
	if (res->unassigned == NULL)
		return -1;
	for (int p = 0; p < in->nparents; p++) {
		struct month_unassigned *u = &res->unassigned[res->nunassigned++];

		u->parent = p;
		month_explain(&job->fails[(size_t)p * job->ncands], job->ncands, u);
	}
	return 0;
}

/* The whole solve of a month, run guarded: levels, plan, conflicts. */
static int solve_job(struct month_job *job)
{
	struct solve_state *st = &job->st;
	struct month_result *res = job->res;
	int have_plan;

	have_plan =
	    solve_all(job->in, st, job->cands, job->ncands, job->fails, &job->m, res, job->err);
	if (have_plan < 0)
		return -1;
	if (have_plan > 0 && month_extract(&job->m, job->m.x, res) < 0)
		return pp_error_set(job->err, PP_ERR_INTERNAL, NULL, "out of memory");
	if (have_plan > 0 && month_changes(job->in, res, job->err) < 0)
		return -1;
	if (res->status == MONTH_INFEASIBLE) {
		month_model_free(&job->m);
		memset(&job->m, 0, sizeof job->m);
		if (month_explain_conflicts(job->in, job->cands, job->ncands, job->fails, st,
					    &job->m, res) < 0)
			return pp_error_set(job->err, PP_ERR_INTERNAL, NULL, "out of memory");
	}
	if (have_plan == 0 && unassign_all(job) < 0)
		return pp_error_set(job->err, PP_ERR_INTERNAL, NULL, "out of memory");
	if (month_detail(job->in, job->cands, job->ncands, job->fails, have_plan > 0, res) < 0)
		return pp_error_set(job->err, PP_ERR_INTERNAL, NULL, "out of memory");
	res->seconds = month_elapsed(st);
	res->nodes = st->nodes_total;
	st->stage = "done";
	month_report(st, false, 0, true);
	return 0;
}

int month_solve(const struct month_input *in, const struct month_ctl *ctl, struct month_result *res,
		struct pp_error *err)
{
	struct month_job job;
	int rc;

	memset(res, 0, sizeof *res);
	memset(&job, 0, sizeof job);
	job.in = in;
	job.res = res;
	job.err = err;
	job.st.ctl = ctl;
	clock_gettime(CLOCK_MONOTONIC, &job.st.start);
	job.st.deadline = in->policy.time_limit_s;
	rc = job_filters(&job);
	if (rc == 0)
		rc = run_guarded(solve_job, &job);
	free(job.fails);
	free(job.cands);
	if (rc < 0)
		month_result_free(res);
	return rc;
}

/* The coverage level's model written as a CPLEX LP file, run guarded. */
static int export_job(struct month_job *job)
{
	struct model_rules rules;

	month_rules_from_policy(&job->in->policy, &rules);
	if (month_model_init(&job->m, job->in, &rules, job->cands, job->ncands, job->fails, 0) < 0)
		return pp_error_set(job->err, PP_ERR_INTERNAL, NULL,
				    "out of memory building the model");
	month_set_objective(&job->m, LEVEL_COVERAGE);
	if (glp_write_lp(job->m.lp, NULL, job->path) != 0)
		return pp_error_set(job->err, PP_ERR_INTERNAL, NULL, "cannot write %s", job->path);
	return 0;
}

int month_export_lp(const struct month_input *in, const char *path, struct pp_error *err)
{
	struct month_job job;
	int rc;

	memset(&job, 0, sizeof job);
	job.in = in;
	job.path = path;
	job.err = err;
	rc = job_filters(&job);
	if (rc == 0)
		rc = run_guarded(export_job, &job);
	free(job.fails);
	free(job.cands);
	return rc;
}
