/*
 * month_dive.c - plans found by fixing series: the dive of priced models,
 * and the series heuristic of whole ones.
 *
 * Both solve LPs, fixing at one the series whose y is largest, until every
 * series is decided, and then let a short MIP with those series fixed
 * find the rest of a plan (month_dive() first fixes the greedy plan's
 * people too).  A plan found counts only when the MIP returns it: it then
 * meets every row, including those that keep the earlier levels.
 *
 * The series heuristic runs inside the level's branch and cut, twice, on a
 * copy of the model taken before the search (the search's own problem
 * carries its node's bounds and cuts); a plan it finds becomes the
 * search's incumbent (glp_ios_heur_sol), and the search goes on from
 * there.  At comfort and preference the first run dives and the second
 * polishes the search's incumbent; at cost each run searches the
 * neighbourhoods of the incumbent where the series of two weekdays are
 * free and all others stay as the incumbent has them.
 */
#include "month_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Nodes of the series heuristic's polishing search: on month-8106 it
 * finds its plans within 300 nodes.  Counted in nodes, not seconds, so
 * that a run's plans do not depend on the machine's speed or load. */
#define POLISH_NODES 500

/* Runs of the series heuristic per level (month_series_heuristic). */
#define SERIES_RUNS 2

/* The cost level's neighbourhoods: per run, the NEIGHBOURHOODS pairs of
 * weekdays whose LP bound is lowest each get a search of
 * NEIGHBOURHOOD_NODES nodes (docs/model.md, "Search"). */
#define NEIGHBOURHOODS      3
#define NEIGHBOURHOOD_NODES 200

/* How a polishing search branches and when it stops. */
enum polish_kind {
	POLISH_TIMED,  /* GLPK's own choices, a quarter of the time left */
	POLISH_PEOPLE, /* staff and facilitators first, POLISH_NODES nodes */
	POLISH_SERIES, /* series, then staff and facilitators,
			* NEIGHBOURHOOD_NODES nodes */
};

/* What the callback of a polishing search knows. */
struct polish_info {
	struct solve_state *st;
	const struct model *m;
	enum polish_kind kind;
	const double *start; /* a plan to start from (1..ncols), or NULL */
	bool started;
};

/* Of the staff and facilitator columns GLPK can branch on, the one largest
 * in the node's LP, up: with the series fixed, who runs and who minds the
 * children decides the rest, and a search that settles them first reaches
 * whole plans within a few hundred nodes (docs/model.md, "Search"). */
static void branch_on_people(glp_tree *T, const struct model *m)
{
	glp_prob *P = glp_ios_get_prob(T);
	size_t nsc = (size_t)m->ncands * (size_t)m->in->nstaff;
	size_t nfc =
	    (size_t)m->in->nslots * (size_t)m->in->nfacilitators * (size_t)(m->in->nstrs + 1);
	int best = 0;
	double best_val = 0.0;

	for (size_t t = 0; t < nsc + nfc; t++) {
		int j = t < nsc ? m->scol[t] : m->fcol[t - nsc];
		double v;

		if (j == 0 || !glp_ios_can_branch(T, j))
			continue;
		v = glp_get_col_prim(P, j);
		if (v > best_val) {
			best_val = v;
			best = j;
		}
	}
	if (best != 0)
		glp_ios_branch_upon(T, best, GLP_UP_BRNCH);
}

/* The dive's search is over a restricted problem, so its bounds say
 * nothing about the level; a plan that reaches the level's bound ends it
 * (nothing better exists), and so do the cancel flag and the deadline. */
static void dive_callback(glp_tree *T, void *info)
{
	struct polish_info *pi = info;
	struct solve_state *st = pi->st;
	glp_prob *P = glp_ios_get_prob(T);
	int reason = glp_ios_reason(T);

	if (reason == GLP_IHEUR && pi->start != NULL && !pi->started) {
		pi->started = true;
		glp_ios_heur_sol(T, pi->start);
	}
	if (reason == GLP_IBRANCH && pi->kind != POLISH_TIMED &&
	    !(pi->kind == POLISH_SERIES && month_branch_on_series(T, pi->m)))
		branch_on_people(T, pi->m);
	if (pi->kind != POLISH_TIMED) {
		int a_cnt, n_cnt, t_cnt;

		glp_ios_tree_size(T, &a_cnt, &n_cnt, &t_cnt);
		if (t_cnt >= (pi->kind == POLISH_PEOPLE ? POLISH_NODES : NEIGHBOURHOOD_NODES)) {
			glp_ios_terminate(T);
			return;
		}
	}
	if (reason == GLP_IBINGO && st->has_bound) {
		double v = glp_mip_obj_val(P);

		if (glp_get_obj_dir(P) == GLP_MAX ? v >= st->bound - 1e-6 : v <= st->bound + 1e-6) {
			glp_ios_terminate(T);
			return;
		}
	}
	if (month_cancel_raised(st)) {
		st->cancelled = true;
		glp_ios_terminate(T);
	} else if (month_elapsed(st) >= st->deadline) {
		glp_ios_terminate(T);
	}
}

/* Note the LP values of the y columns cols[0..ny-1] in guide. */
static void dive_record(const struct model *m, const int *cols, int ny, double *guide)
{
	for (int t = 0; t < ny; t++)
		guide[cols[t]] = glp_get_col_prim(m->lp, cols[t]);
}

/* The y column to fix at one next: of the y columns cols[0..ny-1] not
 * fixed, the one with the largest fractional LP value; -1 when every y is
 * whole. */
static int dive_pick(const struct model *m, const int *cols, int ny)
{
	int pick = -1;
	double best = 1e-6;

	for (int t = 0; t < ny; t++) {
		double yv = glp_get_col_prim(m->lp, cols[t]);

		if (glp_get_col_type(m->lp, cols[t]) != GLP_FX && yv > best && yv < 1.0 - 1e-6) {
			best = yv;
			pick = cols[t];
		}
	}
	return pick;
}

/* Fix series one at a time, each the y largest in the LP (at zero instead
 * when that leaves no LP solution), solving the LP after each, until every
 * y is whole or a dead end; guide then holds the y values of the last LP
 * that had a solution.  False when cancelled, out of time, or when the
 * first LP has no solution. */
static bool dive_series(struct model *m, struct solve_state *st, glp_smcp *sp, const int *cols,
			int ny, double *guide)
{
	int last = -1;

	for (;;) {
		int rc = month_lp_sliced(m, st, sp), pick;

		if (st->cancelled || month_elapsed(st) >= st->deadline)
			return false;
		if (rc != 0 || glp_get_status(m->lp) != GLP_OPT) {
			if (last < 0)
				return false;
			if (glp_get_col_lb(m->lp, last) < 0.5)
				return true; /* a dead end: follow the last LP that had a solution
					      */
			glp_set_col_bnds(m->lp, last, GLP_FX, 0.0, 0.0);
			continue;
		}
		dive_record(m, cols, ny, guide);
		pick = dive_pick(m, cols, ny);
		if (pick < 0)
			return true;
		glp_set_col_bnds(m->lp, pick, GLP_FX, 1.0, 1.0);
		last = pick;
	}
}

/* Fix every series as plan has it (open where its y is above one half),
 * except those on the weekdays in the bit set free_days (bit d: weekday
 * d), which are left free.  Returns how many y columns are free. */
static int fix_series(struct model *m, const double *plan, unsigned free_days)
{
	int nfree = 0;

	for (int c = 0; c < m->ncands; c++) {
		int wd = m->in->slots[m->cands[c].slot].weekday;

		for (int q = 0; q < m->ylang_n[c]; q++) {
			int j = m->ycol[m->ylang_off[c] + q];
			double v = plan[j] > 0.5 ? 1.0 : 0.0;

			if (free_days & (1u << wd)) {
				glp_set_col_bnds(m->lp, j, GLP_DB, 0.0, 1.0);
				nfree++;
			} else {
				glp_set_col_bnds(m->lp, j, GLP_FX, v, v);
			}
		}
	}
	return nfree;
}

/* Every series free again. */
static void free_series(struct model *m)
{
	int ny = month_y_count(m);

	for (int t = 0; t < ny; t++)
		glp_set_col_bnds(m->lp, m->ycol[t], GLP_DB, 0.0, 1.0);
}

/* Fix the greedy plan xg's series and people: its nfc facilitator and nsc
 * staff columns are appended to the ncols in cols, the held parent columns
 * it uses are released, and every column in cols is fixed at its value in
 * xg.  Returns the number of columns now in cols. */
static int dive_fix_plan(struct model *m, int *cols, int ncols, size_t nfc, size_t nsc,
			 const double *xg)
{
	for (size_t t = 0; t < nfc; t++)
		if (m->fcol[t] != 0)
			cols[ncols++] = m->fcol[t];
	for (size_t t = 0; t < nsc; t++)
		if (m->scol[t] != 0)
			cols[ncols++] = m->scol[t];
	for (int t = 0; t < m->nlz; t++)
		if (m->held[m->lzcols[t]] && xg[m->lzcols[t]] > 0.5)
			month_price_release(m, m->lzcols[t]);
	for (int t = 0; t < ncols; t++)
		glp_set_col_bnds(m->lp, cols[t], GLP_FX, xg[cols[t]], xg[cols[t]]);
	return ncols;
}

/* With the series (and, for the greedy plan, its people) fixed, or some
 * of them, let a MIP decide the rest under every row: time-boxed to a
 * quarter of the time left (at least a second), or depth first for a
 * number of nodes, branching as kind says.  start: the polish's first plan
 * (it must meet the polish's bounds), or NULL.  Writes its plan to x[1..n]
 * and returns true when it is better than the value v in the objective's
 * direction. */
static bool dive_polish(struct model *m, struct solve_state *st, glp_smcp *sp, const glp_iocp *ipp,
			enum polish_kind kind, const double *start, double v, double *x, int n)
{
	bool maximise = glp_get_obj_dir(m->lp) == GLP_MAX;
	struct polish_info pi = {.st = st, .m = m, .kind = kind, .start = start};
	glp_iocp ip = *ipp;
	int ms;

	if (month_lp_sliced(m, st, sp) != 0 || glp_get_status(m->lp) != GLP_OPT)
		return false;
	ip.cb_func = dive_callback;
	ip.cb_info = &pi;
	/* a node count ends the others, the deadline only guards */
	ip.tm_lim = month_remaining_ms(st);
	if (kind != POLISH_TIMED)
		ip.bt_tech = GLP_BT_DFS;
	else if (ip.tm_lim / 4 + 1000 < ip.tm_lim)
		ip.tm_lim = ip.tm_lim / 4 + 1000;
	glp_intopt(m->lp, &ip);
	ms = glp_mip_status(m->lp);
	if (!((ms == GLP_FEAS || ms == GLP_OPT) &&
	      (maximise ? glp_mip_obj_val(m->lp) > v + 1e-9 : glp_mip_obj_val(m->lp) < v - 1e-9)))
		return false;
	for (int j = 1; j <= n; j++)
		x[j] = glp_mip_col_val(m->lp, j);
	return true;
}

/* A plan by diving, for priced models, where GLPK's search by best bound
 * rarely finds plans of its own: open the series whose y is largest in the
 * LP (fixing it at one; at zero when that leaves no LP solution), solve the
 * LP again, and repeat until every y is whole.  The greedy plan then opens
 * those series first and staffs them, and a MIP with every series and
 * person fixed as the greedy plan has them decides who joins which series
 * (under every row, including those that fix earlier levels).  Writes that
 * plan to x and returns true when it is better than the level's value of x.
 * Every bound is restored; the LP is left unsolved. */
bool month_dive(struct model *m, struct solve_state *st, glp_smcp *sp, const glp_iocp *ipp,
		double *x)
{
	bool better = false;
	const struct month_input *in = m->in;
	size_t nfc = (size_t)in->nslots * (size_t)in->nfacilitators * (size_t)(in->nstrs + 1);
	size_t nsc = (size_t)m->ncands * (size_t)in->nstaff;
	int ny = month_y_count(m);
	int n = glp_get_num_cols(m->lp), ncols = 0;
	int *cols = month_scratch_alloc(m, (size_t)ny + nfc + nsc + 1, sizeof(int));
	double *guide = month_scratch_alloc(m, (size_t)n + 1, sizeof(double));
	double *xg = month_scratch_alloc(m, (size_t)n + 2, sizeof(double));
	double before = month_level_value(m, st->level, x);

	if (cols == NULL || guide == NULL || xg == NULL) {
		m->oom = true;
		goto out;
	}
	for (int t = 0; t < ny; t++)
		cols[ncols++] = m->ycol[t];
	if (!dive_series(m, st, sp, cols, ny, guide))
		goto restore;
	free_series(m);
	if (month_greedy_plan(m, xg, guide) < 0)
		goto out;
	month_round_integers(m, xg);
	/* polish: the greedy plan's series and people fixed, the parents free */
	ncols = dive_fix_plan(m, cols, ncols, nfc, nsc, xg);
	/* only a plan the MIP returns counts: it also holds the rows that fix
	 * the levels before this one, which the greedy plan does not know */
	better = dive_polish(m, st, sp, ipp, POLISH_TIMED, NULL, before, x, n);
restore:
	for (int t = 0; t < ncols; t++)
		glp_set_col_bnds(m->lp, cols[t], GLP_DB, 0.0, 1.0);
out:
	month_scratch_free(m, cols);
	month_scratch_free(m, guide);
	month_scratch_free(m, xg);
	return better;
}

/* The comfort-and-preference level of a whole model is where GLPK's search
 * by best bound finds no plan better than the coverage plan on the largest
 * realistic months, though its bound is exact, and the cost level is where
 * its depth-first search stays with dear plans (docs/model.md, "Search"). */
void month_series_begin(struct model *m, struct solve_state *st, const glp_iocp *ip)
{
	st->series_heuristic = false;
	if (m->lazy || st->priced || st->warm == NULL ||
	    (st->level != LEVEL_COMFORT_PREFERENCE && st->level != LEVEL_COST))
		return;
	if (m->snapshot == NULL)
		m->snapshot = glp_create_prob();
	glp_copy_prob(m->snapshot, m->lp, GLP_OFF);
	st->series_heuristic = true;
	st->series_runs = 0;
	st->series_centre = 0.0;
	st->series_ip = ip;
}

void month_series_end(struct model *m, struct solve_state *st)
{
	st->series_heuristic = false;
	if (m->snapshot != NULL)
		glp_delete_prob(m->snapshot);
	m->snapshot = NULL;
}

/* Fix every series as guide has it (1..ncols), and polish: from start
 * when not NULL.  Returns whether the polish found a plan better than x's,
 * now in x, that meets every row.  The series are free again after. */
static bool polish_series(struct model *m, struct solve_state *st, glp_smcp *sp,
			  const double *guide, const double *start, double *x, int n)
{
	bool found;

	fix_series(m, guide, 0);
	found = dive_polish(m, st, sp, st->series_ip, POLISH_PEOPLE, start,
			    month_level_value(m, st->level, x), x, n);
	free_series(m);
	if (found) {
		month_round_integers(m, x);
		found = month_plan_meets_rows(m, x);
	}
	return found;
}

/* A neighbourhood of the cost level: two weekdays and the LP bound of the
 * plans that keep every other series. */
struct neighbourhood {
	int d1, d2;
	double bound;
};

static int by_bound(const void *a, const void *b)
{
	const struct neighbourhood *p = a, *q = b;

	if (p->bound != q->bound)
		return p->bound < q->bound ? -1 : 1;
	return p->d1 != q->d1 ? p->d1 - q->d1 : p->d2 - q->d2;
}

/* The cost level's neighbourhood search around the plan inc: for every
 * pair of weekdays, the LP with the series of all other days fixed as inc
 * has them; the NEIGHBOURHOODS pairs whose bound is lowest, and below
 * inc's cost, then each get a depth-first search from inc that branches
 * on their series first.  A cheaper plan that meets every row replaces
 * inc.  Returns whether one did; every y is free again after. */
bool month_search_neighbourhoods(struct model *m, struct solve_state *st, glp_smcp *sp, double *inc,
				 double *x, int n)
{
	struct neighbourhood nb[21];
	int nnb = 0;
	double v = month_level_value(m, LEVEL_COST, inc);
	bool found = false;

	for (int d1 = 0; d1 < 7; d1++)
		for (int d2 = d1 + 1; d2 < 7; d2++) {
			if (fix_series(m, inc, 1u << d1 | 1u << d2) == 0)
				continue;
			if (month_lp_sliced(m, st, sp) != 0 || glp_get_status(m->lp) != GLP_OPT)
				continue;
			if (glp_get_obj_val(m->lp) < v - 1e-6 * (1.0 + fabs(v)))
				nb[nnb++] = (struct neighbourhood){d1, d2, glp_get_obj_val(m->lp)};
		}
	qsort(nb, (size_t)nnb, sizeof nb[0], by_bound);
	for (int k = 0; k < nnb && k < NEIGHBOURHOODS; k++) {
		fix_series(m, inc, 1u << nb[k].d1 | 1u << nb[k].d2);
		if (!dive_polish(m, st, sp, st->series_ip, POLISH_SERIES, inc,
				 month_level_value(m, LEVEL_COST, inc), x, n))
			continue;
		month_round_integers(m, x);
		if (month_plan_meets_rows(m, x)) {
			memcpy(inc, x, ((size_t)n + 1) * sizeof *x);
			found = true;
		}
	}
	free_series(m);
	return found;
}

/* Has the cost level's search an incumbent cheaper than the plan the last
 * neighbourhood search left (the one it found, or its centre)?  Only then
 * does the next run search: around that plan it found nothing on 8104 and
 * 8108, and cost them a quarter of the level (docs/model.md, "Search"). */
static bool new_centre(const struct solve_state *st, glp_prob *P)
{
	int ms = glp_mip_status(P);

	return (ms == GLP_FEAS || ms == GLP_OPT) &&
	       glp_mip_obj_val(P) < st->series_centre - 1e-6 * (1.0 + fabs(st->series_centre));
}

/* At comfort and preference, the first run fixes the series of a dive;
 * the second polishes the search's incumbent: its series fixed, its
 * comfort deviation D as a bound (so that the polishing search spends its
 * nodes on preference), and the incumbent itself as the polish's first
 * plan, which lets depth-first search prune.  At cost, each run searches
 * the incumbent's neighbourhoods (month_search_neighbourhoods). */
void month_series_heuristic(glp_tree *T, struct solve_state *st)
{
	struct model *m = st->model;
	glp_prob *P = glp_ios_get_prob(T), *lp;
	int n = glp_get_num_cols(P), ny = month_y_count(m), ms = glp_mip_status(P);
	double *x, *guide;
	int run, dtype;
	double dlb, dub;
	bool found = false;
	glp_smcp sp;

	if (st->level == LEVEL_COST && st->series_runs > 0 && !new_centre(st, P))
		return;
	x = month_scratch_alloc(m, (size_t)n + 1, sizeof(double));
	guide = month_scratch_alloc(m, (size_t)n + 1, sizeof(double));
	run = ++st->series_runs;
	if (run >= SERIES_RUNS)
		st->series_heuristic = false;
	if (x == NULL || guide == NULL)
		goto out;
	for (int j = 1; j <= n; j++)
		x[j] = ms == GLP_FEAS || ms == GLP_OPT ? glp_mip_col_val(P, j) : st->warm[j];
	/* work in the copy; the model owns both problems all the while, so a
	 * GLPK error that jumps out of here leaks neither */
	lp = m->lp;
	m->lp = m->snapshot;
	m->snapshot = lp;
	glp_init_smcp(&sp);
	sp.msg_lev = GLP_MSG_OFF;
	sp.presolve = GLP_OFF;
	if (st->level == LEVEL_COST) {
		/* the incumbent in x is the search's centre; guide is scratch */
		found = month_search_neighbourhoods(m, st, &sp, x, guide, n);
		st->series_centre = month_level_value(m, LEVEL_COST, x);
	} else if (run == 1) {
		if (dive_series(m, st, &sp, m->ycol, ny, guide))
			found = polish_series(m, st, &sp, guide, NULL, x, n);
	} else {
		dtype = glp_get_col_type(m->lp, m->dcol_total);
		dlb = glp_get_col_lb(m->lp, m->dcol_total);
		dub = glp_get_col_ub(m->lp, m->dcol_total);
		glp_set_col_bnds(m->lp, m->dcol_total, GLP_DB, 0.0, floor(x[m->dcol_total] + 0.5));
		/* the incumbent is both the series to fix and the first plan */
		memcpy(guide, x, ((size_t)n + 1) * sizeof *x);
		found = polish_series(m, st, &sp, guide, guide, x, n);
		glp_set_col_bnds(m->lp, m->dcol_total, dtype, dlb, dub);
	}
	lp = m->lp;
	m->lp = m->snapshot;
	m->snapshot = lp;
	if (found)
		glp_ios_heur_sol(T, x);
out:
	month_scratch_free(m, x);
	month_scratch_free(m, guide);
}
