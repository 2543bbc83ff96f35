/*
 * month_search.c - one objective level solved to proven optimality, or as
 * far as the deadline allows: the root LP, GLPK's branch and cut with its
 * callback, and the resumed search of priced models.
 *
 * glp_simplex() has no callback, so the root LP runs in slices of a fixed
 * number of simplex iterations (month_lp_sliced) with the cancel flag and
 * the deadline checked in between.  The branch-and-cut callback injects
 * the warm plan as the first incumbent (glp_ios_heur_sol), runs the series
 * heuristic once the search has grown (month_dive.c), keeps the level's
 * best proven bound, and stops the search on cancel or at the deadline.
 * The MIP presolver stays off so that injected vectors address the
 * original columns.  A priced model (month_price.c) first gets its root LP
 * by column generation, then a plan by diving (month_dive.c), and its
 * search is resumed over newly released columns until no held column can
 * give a better plan.  GLPK's settings are the ones docs/model.md
 * justifies by measurement.
 */
#include "month_internal.h"

#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>

/* Simplex iterations per slice of a root LP (month_lp_sliced): about
 * 0.05 s on the realistic months, a few tenths of a second on the largest
 * priced ones. */
#define LP_SLICE_ITERATIONS 1000
#define LP_SLICE_MS         250

double month_rel_gap(double inc, double bound)
{
	return fabs(inc - bound) / (fabs(inc) + DBL_EPSILON);
}

/* The series heuristic (at cost: the neighbourhoods) runs once the
 * level's search has this many nodes, and again from twice as many (at
 * cost: once the search has a plan cheaper than the first run left): the
 * searches that prove their level sooner never pay for it (most realistic
 * months prove comfort and preference within 150 nodes). */
#define SERIES_HEURISTIC_NODES 200

/* A coverage search of a whole model that has this many nodes without a
 * proof stops, and the level is searched again with the staff counts
 * (month_add_staff_counts): where the budget binds, the plans the
 * relaxation can pay for decide coverage's bound.  The realistic months
 * prove coverage within 1,200 nodes and never pay for it. */
#define COUNTS_AFTER_NODES 2000

/* Keep the best proven bound of the level (integer levels: rounded). */
void month_tighten_bound(struct solve_state *st, double b, bool maximise)
{
	if (month_level_integer(st->level))
		b = maximise ? floor(b + 1e-6) : ceil(b - 1e-6);
	if (!st->has_bound || (maximise ? b < st->bound : b > st->bound))
		st->bound = b;
	st->has_bound = true;
}

/* Of the columns cols[0..n) (0: none) GLPK can branch on, the one
 * farthest from whole, or 0. */
static int most_fractional(glp_tree *T, const int *cols, int n)
{
	glp_prob *P = glp_ios_get_prob(T);
	int best = 0;
	double best_frac = 0.0;

	for (int t = 0; t < n; t++) {
		int j = cols[t];
		double v, frac;

		if (j == 0 || !glp_ios_can_branch(T, j))
			continue;
		v = glp_get_col_prim(P, j);
		frac = fmin(v - floor(v), ceil(v) - v);
		if (frac > best_frac) {
			best_frac = frac;
			best = j;
		}
	}
	return best;
}

/* Branch on the comfort deviation D when it is fractional (down first: a
 * relaxation at D = 22.5 usually has no plan at D <= 22), then on a series:
 * of the y columns GLPK can branch on, the one farthest from whole, towards
 * its nearer end.  Once every series is decided, the rest of a plan (who
 * runs, attends and joins) is nearly whole in the LP, so a search that
 * decides the series first closes its subtrees early (docs/model.md,
 * "Search").  Once the model has the staff counts N, they come next, the
 * same way: a relaxation at N = 1.2 pays for a fifth of a second staff member,
 * and N <= 1 or N >= 2 settles it where branching on one staff member
 * lets another take the fraction.  Returns false, choosing nothing, when
 * none of these is fractional. */
bool month_branch_on_series(glp_tree *T, const struct model *m)
{
	int j;
	double v;

	if (glp_ios_can_branch(T, m->dcol_total)) {
		glp_ios_branch_upon(T, m->dcol_total, GLP_DN_BRNCH);
		return true;
	}
	j = most_fractional(T, m->ycol, month_y_count(m));
	if (j == 0 && m->ncol != NULL)
		j = most_fractional(T, m->ncol, m->ncands);
	if (j == 0)
		return false;
	v = glp_get_col_prim(glp_ios_get_prob(T), j);
	glp_ios_branch_upon(T, j, v - floor(v) >= 0.5 ? GLP_UP_BRNCH : GLP_DN_BRNCH);
	return true;
}

static void ios_callback(glp_tree *T, void *info)
{
	struct solve_state *st = info;
	int reason = glp_ios_reason(T);
	glp_prob *P = glp_ios_get_prob(T);
	int a_cnt, n_cnt, t_cnt;

	glp_ios_tree_size(T, &a_cnt, &n_cnt, &t_cnt);
	if (reason == GLP_IHEUR && st->warm != NULL && !st->warm_done) {
		st->warm_done = true;
		glp_ios_heur_sol(T, st->warm);
	}
	if (reason == GLP_IHEUR && st->series_heuristic && st->model != NULL &&
	    t_cnt >= SERIES_HEURISTIC_NODES * (st->series_runs + 1))
		month_series_heuristic(T, st);
	if (st->level == LEVEL_COVERAGE && st->model != NULL && st->model->ncol == NULL &&
	    !st->stop_at_first &&
	    t_cnt >= (st->counts_after > 0 ? st->counts_after : COUNTS_AFTER_NODES)) {
		st->counts_wanted = true;
		glp_ios_terminate(T);
		return;
	}
	if (reason == GLP_IBRANCH && st->model != NULL)
		month_branch_on_series(T, st->model); /* else GLPK chooses */
	if (reason == GLP_IBINGO && st->stop_at_first) {
		glp_ios_terminate(T);
		return;
	}
	st->nodes = t_cnt;
	if (reason == GLP_ISELECT || reason == GLP_IBINGO) {
		int best = glp_ios_best_node(T);

		if (best != 0) {
			bool maximise = glp_get_obj_dir(P) == GLP_MAX;
			double b = glp_ios_node_bound(T, best);

			/* the tree bounds the plans within the columns not held */
			if (st->priced)
				b = maximise ? fmax(b, st->outside) : fmin(b, st->outside);
			month_tighten_bound(st, b, maximise);
		}
		if (glp_mip_status(P) == GLP_FEAS || glp_mip_status(P) == GLP_OPT)
			st->gap = month_rel_gap(glp_mip_obj_val(P), st->bound);
	}
	if (month_cancel_raised(st)) {
		st->cancelled = true;
		glp_ios_terminate(T);
		return;
	}
	if (month_elapsed(st) >= st->deadline) {
		st->timed_out = true;
		glp_ios_terminate(T);
		return;
	}
	{
		int ms = glp_mip_status(P);
		bool has = ms == GLP_FEAS || ms == GLP_OPT;

		month_report(st, has, has ? glp_mip_obj_val(P) : 0.0, reason == GLP_IBINGO);
	}
}

int month_remaining_ms(const struct solve_state *st)
{
	double left = st->deadline - month_elapsed(st);

	if (left <= 0)
		return 1;
	return left > 2e6 ? 2000000000 : (int)(left * 1000.0) + 1;
}

/* glp_simplex() has no callback, so the root LP runs in slices of
 * LP_SLICE_ITERATIONS simplex iterations, resumed from the basis it left,
 * with the cancel flag and the deadline checked in between.  Slices
 * counted in iterations, not seconds, end at the same basis on any machine
 * and under any load, so two runs of a month search the same way; a slice
 * is still cut at LP_SLICE_MS (only on very large or slowed-down runs, such
 * as sanitizer builds), so that a cancel is seen soon.  Returns
 * glp_simplex()'s code (GLP_ETMLIM when the deadline passed); sets
 * st->cancelled when cancelled. */
int month_lp_sliced(struct model *m, struct solve_state *st, glp_smcp *sp)
{
	for (;;) {
		int left = month_remaining_ms(st), rc;

		sp->tm_lim = left < LP_SLICE_MS ? left : LP_SLICE_MS;
		sp->it_lim = LP_SLICE_ITERATIONS;
		rc = glp_simplex(m->lp, sp);
		sp->it_lim = INT_MAX;
		if (rc != GLP_EITLIM && rc != GLP_ETMLIM)
			return rc;
		if (month_cancel_raised(st)) {
			st->cancelled = true;
			return GLP_ETMLIM;
		}
		if (month_elapsed(st) >= st->deadline)
			return GLP_ETMLIM;
		month_report(st, false, 0, false);
	}
}

/* Solve a priced model's restricted root LP again (after the dive, or after
 * columns were released).  False when the level cannot go on: *out is then
 * LVL_FAILED (an allocation failed), LVL_CANCELLED, or LVL_CUT with the plan
 * in x standing and the bound proven so far. */
static bool root_lp_again(struct model *m, struct solve_state *st, glp_smcp *sp, const double *x,
			  enum level_outcome *out)
{
	int rc;

	if (m->oom) {
		*out = LVL_FAILED;
		return false;
	}
	rc = month_lp_sliced(m, st, sp);
	if (st->cancelled) {
		*out = LVL_CANCELLED;
		return false;
	}
	if (rc != 0 || glp_get_status(m->lp) != GLP_OPT) {
		st->timed_out = true;
		st->gap = month_rel_gap(month_level_value(m, st->level, x), st->bound);
		*out = LVL_CUT;
		return false;
	}
	return true;
}

/* A model with no columns: LVL_OPTIMAL when every row holds at zero, else
 * LVL_INFEASIBLE. */
static enum level_outcome solve_empty(const struct model *m)
{
	for (int i = 1; i <= glp_get_num_rows(m->lp); i++)
		if (glp_get_row_lb(m->lp, i) > 1e-9 && glp_get_row_type(m->lp, i) != GLP_FR &&
		    glp_get_row_type(m->lp, i) != GLP_UP)
			return LVL_INFEASIBLE;
	return LVL_OPTIMAL;
}

/* The simplex settings of a level into sp; the first LP of a model also
 * scales it and starts from a crash basis (measured: a 300-parent root LP
 * in 22 s instead of 30 s). */
static void level_smcp(struct model *m, glp_smcp *sp)
{
	glp_init_smcp(sp);
	sp->msg_lev = GLP_MSG_OFF;
	sp->presolve = GLP_OFF;
	if (glp_get_it_cnt(m->lp) == 0) {
		glp_scale_prob(m->lp, GLP_SF_AUTO);
		glp_adv_basis(m->lp, 0);
	}
}

/* Start the level with no bound (a maximised level: the count bound) and
 * priced when a lazy model's warm plan lets columns be held, else whole.
 * Returns 0, or -1 when an allocation failed. */
static int level_start(struct model *m, struct solve_state *st, const double *x)
{
	st->priced = false;
	st->has_bound = false;
	if (glp_get_obj_dir(m->lp) == GLP_MAX)
		month_tighten_bound(st, month_count_bound(m, st->level), true);
	if (st->warm != NULL && x != NULL && !st->stop_at_first && m->lazy) {
		int held = month_price_hold(m, st->warm);

		if (held < 0)
			return -1;
		st->priced = held > 0;
	}
	if (!st->priced)
		month_price_whole(m);
	return 0;
}

/* Solve the level's root LP, priced or whole; a numerically hard basis is
 * retried from scratch, whole.  A whole model's LP is solved again while
 * it violates ride rows per language (month_ride_cuts).  Returns
 * glp_simplex()'s code. */
static int root_lp_solve(struct model *m, struct solve_state *st, glp_smcp *sp)
{
	int rc = st->priced ? month_price_lp(m, st, sp) : month_lp_sliced(m, st, sp);

	if (rc != 0 && rc != GLP_ETMLIM && !st->cancelled && !m->oom) {
		month_price_whole(m);
		st->priced = false;
		glp_std_basis(m->lp);
		rc = month_lp_sliced(m, st, sp);
	}
	while (rc == 0 && !st->priced && glp_get_status(m->lp) == GLP_OPT && month_ride_cuts(m) > 0)
		rc = month_lp_sliced(m, st, sp);
	return rc;
}

/* Solve the level's first root LP and keep its value as the level's bound.
 * False when the level cannot go on: *out is then LVL_FAILED (an allocation
 * failed), LVL_CANCELLED, LVL_CUT (out of time, the warm plan in x
 * standing), LVL_NOSOL (out of time, no plan) or LVL_INFEASIBLE. */
static bool root_lp(struct model *m, struct solve_state *st, glp_smcp *sp, const double *x,
		    enum level_outcome *out)
{
	int rc = root_lp_solve(m, st, sp);

	if (m->oom) {
		*out = LVL_FAILED; /* the model lacks entries: its LP proves nothing */
		return false;
	}
	if (st->cancelled) {
		*out = LVL_CANCELLED;
		return false;
	}
	if (rc == GLP_ETMLIM) {
		st->timed_out = true;
		/* the relaxation was not solved: only a priced LP proves a bound */
		st->gap = 1.0;
		if (st->warm != NULL && st->has_bound && x != NULL)
			st->gap =
			    fmin(1.0, month_rel_gap(month_level_value(m, st->level, x), st->bound));
		*out = st->warm != NULL ? LVL_CUT : LVL_NOSOL;
		return false;
	}
	*out = LVL_INFEASIBLE;
	if (rc != 0 || glp_get_status(m->lp) == GLP_NOFEAS)
		return false;
	if (glp_get_status(m->lp) != GLP_OPT)
		return false;
	st->has_bound = false;
	month_tighten_bound(st, glp_get_obj_val(m->lp), glp_get_obj_dir(m->lp) == GLP_MAX);
	return true;
}

/* The branch-and-cut settings of the level into ip, chosen by measurement
 * (docs/model.md, "Search"); sets the model the callback branches in. */
static void level_iocp(struct model *m, struct solve_state *st, glp_iocp *ip)
{
	glp_init_iocp(ip);
	ip->msg_lev = GLP_MSG_OFF;
	ip->presolve = GLP_OFF;
	/* whole models branch on series first, then by Driebeck-Tomlin for
	 * coverage and by pseudocosts for the later levels; priced models as
	 * before */
	ip->br_tech = m->lazy ? GLP_BR_MFV : st->level == LEVEL_COVERAGE ? GLP_BR_DTH : GLP_BR_PCH;
	st->model = m->lazy ? NULL : m;
	/* depth first for cost, where diving finds the cheap plans that let
	 * the search prune; best bound elsewhere (docs/model.md, "Search") */
	ip->bt_tech = !m->lazy && st->level == LEVEL_COST ? GLP_BT_DFS : GLP_BT_BLB;
	ip->mir_cuts = GLP_ON;
	ip->cov_cuts = GLP_ON;
	ip->clq_cuts = GLP_ON;
	ip->gmi_cuts = GLP_OFF;
	ip->fp_heur = GLP_OFF;
	ip->sr_heur = GLP_ON;
	ip->mip_gap = 0.0;
	ip->cb_func = ios_callback;
	ip->cb_info = st;
}

/* The outcome of a search whose last glp_intopt() returned rc with MIP
 * status ms; x holds the incumbent or the warm plan. */
static enum level_outcome search_outcome(struct model *m, struct solve_state *st, int rc, int ms,
					 const double *x)
{
	if (rc == 0 && ms == GLP_OPT)
		return LVL_OPTIMAL;
	if (rc == 0 && ms == GLP_NOFEAS)
		return LVL_INFEASIBLE;
	if (st->cancelled || month_cancel_raised(st))
		return LVL_CANCELLED;
	if (rc == GLP_ESTOP && st->stop_at_first && (ms == GLP_FEAS || ms == GLP_OPT))
		return LVL_OPTIMAL;
	st->timed_out = true;
	if (ms == GLP_FEAS || ms == GLP_OPT) {
		st->gap = month_rel_gap(glp_mip_obj_val(m->lp), st->bound);
		return LVL_CUT;
	}
	if (st->warm != NULL) {
		/* GLPK never took the warm start: it is still the best plan */
		st->gap = month_rel_gap(month_level_value(m, st->level, x), st->bound);
		return LVL_CUT;
	}
	return LVL_NOSOL;
}

/* Branch and cut from the root LP, the incumbent copied to x[1..n]; in a
 * priced model resumed over the columns released until no held column can
 * give a better plan.  Returns the outcome. */
static enum level_outcome branch_and_cut(struct model *m, struct solve_state *st, glp_smcp *sp,
					 glp_iocp *ip, double *x, int n)
{
	enum level_outcome out;
	int rc, ms;

	month_series_begin(m, st, ip);
	for (;;) {
		ip->tm_lim = month_remaining_ms(st);
		st->warm_done = false;
		st->nodes = 0;
		st->gap = 0.0;
		rc = glp_intopt(m->lp, ip);
		st->nodes_total += st->nodes;
		st->nodes = 0;
		ms = glp_mip_status(m->lp);
		if ((ms == GLP_OPT || ms == GLP_FEAS) && x != NULL)
			for (int j = 1; j <= n; j++)
				x[j] = glp_mip_col_val(m->lp, j);
		if (rc != 0 || ms != GLP_OPT || !st->priced)
			break;
		/* the released columns' best is known: look for better through
		 * the held ones, or stop with a proof */
		if (month_price_close(m, st, glp_mip_obj_val(m->lp)) == 0)
			break;
		st->warm = x;
		month_round_integers(m, x);
		if (!root_lp_again(m, st, sp, x, &out))
			return out;
	}
	return search_outcome(m, st, rc, ms, x);
}

/* Solve the model under the current objective.  Returns the outcome; x[1..n]
 * receives the incumbent when there is one.  In a priced model the columns
 * held at the end stay held: the next level holds at least those again. */
static enum level_outcome solve_level(struct model *m, struct solve_state *st, double *x)
{
	glp_smcp sp;
	glp_iocp ip;
	enum level_outcome out;
	int n = glp_get_num_cols(m->lp);

	if (n == 0)
		return solve_empty(m); /* nothing to decide */
	level_smcp(m, &sp);
	if (level_start(m, st, x) < 0)
		return LVL_FAILED;
	if (!root_lp(m, st, &sp, x, &out))
		return out;
	level_iocp(m, st, &ip);
	if (st->priced && x != NULL && month_dive(m, st, &sp, &ip, x)) {
		month_round_integers(m, x);
		st->warm = x;
	}
	/* the dive left its own basis: back to the root LP */
	if (st->priced && !root_lp_again(m, st, &sp, x, &out))
		return out;
	out = branch_and_cut(m, st, &sp, &ip, x, n);
	month_series_end(m, st);
	return out;
}

/* An allocation that failed during the level (pricing, the dives, the
 * greedy plan) turns whatever the level found into LVL_FAILED. */
enum level_outcome month_solve_level(struct model *m, struct solve_state *st, double *x)
{
	enum level_outcome o = solve_level(m, st, x);

	if (o == LVL_CUT && st->counts_wanted && !m->oom) {
		/* the coverage search stalled: again, with the staff counts,
		 * from its incumbent */
		st->counts_wanted = false;
		st->timed_out = false;
		if (month_add_staff_counts(m) < 0)
			return LVL_FAILED;
		st->warm = x != NULL && month_plan_ready(m, x) ? x : NULL;
		o = solve_level(m, st, x);
	}
	return m->oom ? LVL_FAILED : o;
}
