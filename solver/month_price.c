/*
 * month_price.c - column generation for large ("lazy") months.
 *
 * A large month has tens or hundreds of thousands of parent columns x and
 * staff columns s, each with a bound row of its own (x <= ub * y, s <= sum
 * of y), and GLPK's simplex does not finish the whole root LP in the time
 * limit.  Almost all of them stay at zero in good plans, so a level of a
 * large ("lazy") model is solved by column generation: every x and s column
 * the warm plan leaves at zero is held there (fixed at zero, its matrix
 * entries and bound row not even given to GLPK: month_col_make in month_model.c), the LP is solved
 * over the others, and in each class (for x) and at each candidate (for s)
 * the held column whose reduced cost would raise the LP most is released,
 * until none would.  The LP value is then the root LP of the whole model,
 * and each held column j has a reduced cost d[j] <= 0 (maximising; >= 0
 * minimising): by LP duality no plan that uses j is better than
 * root_lp + d[j].  A dive (month_search.c) then looks for a good plan to start
 * the search from.
 *
 * The branch and bound then runs over the released columns.  When it proves
 * that subproblem optimal with value v, every held column that could still
 * give a plan better than v is released and the search resumes from v; when
 * none is left, v is optimal for the whole model (reduced-cost fixing).
 * While it runs, a bound on the whole model is the better of the tree's
 * bound and the best root_lp + d[j] over the held columns.
 */
#include "month_internal.h"

#include <math.h>
#include <stdlib.h>

/* Reduced cost of held column j in the LP just solved. */
static double price_dual(const struct model *m, int j)
{
	double d;

	if (!m->lazy || m->made[j])
		return glp_get_col_dual(m->lp, j);
	d = glp_get_obj_coef(m->lp, j);
	for (int q = m->pend_head[j]; q >= 0; q = m->pend_next[q])
		d -= glp_get_row_dual(m->lp, m->pend_row[q]) * m->pend_val[q];
	return d;
}

void month_price_release(struct model *m, int j)
{
	double ub = m->lzk[j] == LZ_X ? month_x_ub(m, j - m->x_first) : 1.0;

	glp_set_col_bnds(m->lp, j, GLP_DB, 0.0, ub);
	month_col_make(m, j);
	m->held[j] = false;
	m->nheld--;
}

/* Make the model whole again: release every held column and make every
 * lazy column. */
void month_price_whole(struct model *m)
{
	for (int t = 0; t < m->nlz; t++) {
		int j = m->lzcols[t];

		if (m->held != NULL && m->held[j])
			month_price_release(m, j);
		month_col_make(m, j);
	}
}

/* Hold at zero every lazy column that the plan `warm` leaves at zero.
 * Returns how many are held, or -1 (memory). */
int month_price_hold(struct model *m, const double *warm)
{
	if (m->held == NULL) {
		int n = glp_get_num_cols(m->lp);

		m->held = calloc((size_t)n + 1, sizeof *m->held);
		m->held_d = calloc((size_t)n + 1, sizeof *m->held_d);
		if (m->held == NULL || m->held_d == NULL) {
			m->oom = true;
			return -1;
		}
	}
	for (int t = 0; t < m->nlz; t++) {
		int j = m->lzcols[t];

		if (!m->held[j] && warm[j] < 0.5) {
			glp_set_col_bnds(m->lp, j, GLP_FX, 0.0, 0.0);
			m->held[j] = true;
			m->nheld++;
		}
		if (!m->held[j])
			month_col_make(m, j);
	}
	return m->nheld;
}

/* Would raising held column e improve the current LP? */
static bool price_pays(const struct model *m, double d)
{
	return glp_get_obj_dir(m->lp) == GLP_MAX ? d > 1e-7 : d < -1e-7;
}

/* The best value a plan using held column j can reach. */
static double price_reach(const struct model *m, int j)
{
	return m->root_lp + m->held_d[j];
}

/* Recompute st->outside, the bound on plans that use some held column. */
static void price_outside(struct model *m, struct solve_state *st)
{
	bool maximise = glp_get_obj_dir(m->lp) == GLP_MAX;

	st->outside = maximise ? -HUGE_VAL : HUGE_VAL;
	for (int t = 0; t < m->nlz; t++)
		if (m->held[m->lzcols[t]])
			st->outside = maximise ? fmax(st->outside, price_reach(m, m->lzcols[t]))
					       : fmin(st->outside, price_reach(m, m->lzcols[t]));
	if (month_level_integer(st->level) && isfinite(st->outside))
		st->outside = maximise ? floor(st->outside + 1e-6) : ceil(st->outside - 1e-6);
}

/* A bound on the level from the LP over the released columns just solved,
 * valid before the column generation is done (a Lagrangian bound): every
 * row but the classes' "at most count" rows is priced by its dual, so a
 * plan is worth at most the LP value plus, in each class, what the best
 * choice of columns within the class's count gains over the LP's own under
 * the reduced costs d[e] + dual of the class row.  Equals the LP value once
 * no held column pays. */
static double price_bound(struct model *m)
{
	double sg = glp_get_obj_dir(m->lp) == GLP_MAX ? 1.0 : -1.0;
	double b = glp_get_obj_val(m->lp);

	if (m->taken == NULL || m->dprime == NULL) {
		free(m->taken);
		free(m->dprime);
		m->taken = calloc((size_t)m->nxs + 1, sizeof *m->taken);
		m->dprime = calloc((size_t)m->nxs + 1, sizeof *m->dprime);
		if (m->taken == NULL || m->dprime == NULL) {
			m->oom = true;
			return sg * HUGE_VAL; /* no bound */
		}
	}
	for (int k = 0; k < m->nclasses; k++) {
		double pk = m->krow[k] ? glp_get_row_dual(m->lp, m->krow[k]) : 0.0;
		double now = 0.0, best_fill = 0.0;
		int left = m->classes[k].count;

		for (int e = m->kx_off[k]; e < m->kx_off[k + 1]; e++) {
			int j = m->xs[e].col;
			double xv = m->held[j] ? 0.0 : glp_get_col_prim(m->lp, j);

			m->dprime[e] = price_dual(m, j) + pk;
			m->taken[e] = false;
			now += sg * m->dprime[e] * xv;
		}
		while (left > 0) {
			int best = -1;

			for (int e = m->kx_off[k]; e < m->kx_off[k + 1]; e++)
				if (!m->taken[e] && sg * m->dprime[e] > 0 &&
				    (best < 0 || sg * m->dprime[e] > sg * m->dprime[best]))
					best = e;
			if (best < 0)
				break;
			m->taken[best] = true;
			{
				int q = month_x_ub(m, best) < left ? month_x_ub(m, best) : left;

				best_fill += sg * m->dprime[best] * q;
				left -= q;
			}
		}
		if (best_fill > now)
			b += sg * (best_fill - now);
	}
	/* held staff columns: each at its better bound, 0 or 1 */
	for (int t = 0; t < m->nlz; t++) {
		int j = m->lzcols[t];

		if (m->lzk[j] == LZ_S && m->held[j]) {
			double d = price_dual(m, j);

			if (sg * d > 0)
				b += d;
		}
	}
	return b;
}

/* A bound on a maximised level that needs no LP: each class at most its
 * count times its best coefficient, other columns at their upper bounds.
 * Returns HUGE_VAL when some column with a positive coefficient is
 * unbounded. */
double month_count_bound(const struct model *m, enum month_level level)
{
	int n = glp_get_num_cols(m->lp);
	double b = 0.0;

	for (int k = 0; k < m->nclasses; k++) {
		double best = 0.0;

		for (int e = m->kx_off[k]; e < m->kx_off[k + 1]; e++)
			best = fmax(best, m->obj[level][m->xs[e].col]);
		b += best * m->classes[k].count;
	}
	/* the x columns are x_first .. x_first + nxs - 1 */
	for (int j = 1; j <= n && j < m->ncols; j++)
		if ((j < m->x_first || j >= m->x_first + m->nxs) && m->obj[level][j] > 0.0)
			b += m->obj[level][j] * glp_get_col_ub(m->lp, j);
	return b;
}

/* The root LP by column generation (see above).  Returns glp_simplex()'s
 * code as month_lp_sliced() does; on 0 the LP is optimal over all columns and
 * held_d[] and root_lp are set. */
int month_price_lp(struct model *m, struct solve_state *st, glp_smcp *sp)
{
	int ns = m->in->nstaff;

	for (;;) {
		int rc = month_lp_sliced(m, st, sp), released = 0;

		if (rc != 0 || glp_get_status(m->lp) != GLP_OPT)
			return rc;
		month_tighten_bound(st, price_bound(m), glp_get_obj_dir(m->lp) == GLP_MAX);
		if (m->oom)
			return GLP_EFAIL; /* month_solve_level reports LVL_FAILED */
		for (int t = 0; t < m->nlz; t++)
			if (m->held[m->lzcols[t]])
				m->held_d[m->lzcols[t]] = price_dual(m, m->lzcols[t]);
		/* release the column that pays most in each class, and the staff
		 * column that pays most at each candidate: adding every column that
		 * pays would release almost all of them at once */
		for (int k = 0; k < m->nclasses; k++) {
			int best = 0;

			for (int e = m->kx_off[k]; e < m->kx_off[k + 1]; e++) {
				int j = m->xs[e].col;

				if (m->held[j] && price_pays(m, m->held_d[j]) &&
				    (best == 0 || fabs(m->held_d[j]) > fabs(m->held_d[best])))
					best = j;
			}
			if (best != 0) {
				month_price_release(m, best);
				released++;
			}
		}
		for (int c = 0; c < m->ncands; c++) {
			int best = 0;

			for (int i = 0; i < ns; i++) {
				int j = m->scol[(size_t)c * ns + i];

				if (j != 0 && m->held[j] && price_pays(m, m->held_d[j]) &&
				    (best == 0 || fabs(m->held_d[j]) > fabs(m->held_d[best])))
					best = j;
			}
			if (best != 0) {
				month_price_release(m, best);
				released++;
			}
		}
		if (released == 0) {
			m->root_lp = glp_get_obj_val(m->lp);
			price_outside(m, st);
			return 0;
		}
	}
}

/* The subproblem over the released columns is solved with value v: release
 * every held column through which a better plan might exist.  Returns how
 * many were released. */
int month_price_close(struct model *m, struct solve_state *st, double v)
{
	bool maximise = glp_get_obj_dir(m->lp) == GLP_MAX;
	double step = month_level_integer(st->level) ? 1.0 - 1e-6 : 1e-9 * fmax(1.0, fabs(v));
	int released = 0;

	for (int t = 0; t < m->nlz; t++) {
		int j = m->lzcols[t];
		double r;

		if (!m->held[j])
			continue;
		r = price_reach(m, j);
		if (maximise ? r >= v + step : r <= v - step) {
			month_price_release(m, j);
			released++;
		}
	}
	price_outside(m, st);
	return released;
}
