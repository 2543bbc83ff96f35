/*
 * month_model.c - the model's matrix as it is built and changed: rows
 * gathered entry by entry and handed to GLPK, the lazy columns of a priced
 * model, and the objective of each level.
 *
 * A row is built in scratch arrays (month_row_begin, month_row_put) and
 * added by month_row_end().  In a lazy model (month_price.c) the entries of
 * parent and staff columns not yet released do not go to GLPK: they wait
 * in one pending list per column, and month_col_make() hands them over,
 * with the column's own bound row, when the column is released.  Each
 * level's objective coefficients are kept per column (m->obj[level]), so
 * a level can become the objective, be evaluated at a plan, or be fixed at
 * its optimum by a row.
 */
#include "month_internal.h"

#include <math.h>
#include <stdlib.h>

int month_row_begin(struct model *m)
{
	m->rn = 0;
	return 0;
}

/* Resize the array *p to cap elements of `size` bytes; on failure *p is
 * left as it was.  Returns 0 or -1. */
static int grow(void *p, size_t size, int cap)
{
	void *v = realloc(*(void **)p, size * (size_t)cap);

	if (v == NULL)
		return -1;
	*(void **)p = v;
	return 0;
}

int month_row_put(struct model *m, int col, double v)
{
	if (col <= 0 || v == 0.0)
		return 0;
	if (m->rn + 2 > m->rcap) {
		int cap = m->rcap ? 2 * m->rcap : 256;

		/* ki/kv, row_end's scratch, hold at most what ri/rv hold */
		if (grow(&m->ri, sizeof *m->ri, cap) < 0 || grow(&m->rv, sizeof *m->rv, cap) < 0 ||
		    grow(&m->ki, sizeof *m->ki, cap) < 0 || grow(&m->kv, sizeof *m->kv, cap) < 0) {
			m->oom = true; /* the row would lack this entry */
			return -1;
		}
		m->rcap = cap;
	}
	m->rn++;
	m->ri[m->rn] = col;
	m->rv[m->rn] = v;
	return 0;
}

/* Keep the entry (row, v) of lazy column j until the column is made. */
static int pend_push(struct model *m, int j, int row, double v)
{
	if (m->npend == m->pend_cap) {
		int cap = m->pend_cap ? 2 * m->pend_cap : 4096;

		if (grow(&m->pend_row, sizeof *m->pend_row, cap) < 0 ||
		    grow(&m->pend_next, sizeof *m->pend_next, cap) < 0 ||
		    grow(&m->pend_val, sizeof *m->pend_val, cap) < 0)
			return -1;
		m->pend_cap = cap;
	}
	m->pend_row[m->npend] = row;
	m->pend_val[m->npend] = v;
	m->pend_next[m->npend] = m->pend_head[j];
	m->pend_head[j] = m->npend++;
	return 0;
}

/* Add the row built since month_row_begin() with bounds of type `type`; empty rows
 * are dropped unless they are violated, which the caller checks.  In a lazy
 * model the entries of x columns not made yet wait in their pending lists.
 * Returns 0, or -1 on allocation failure (the row is then incomplete). */
static int row_end_lazy(struct model *m, int type, double lo, double hi)
{
	int i, n = 0;

	if (m->rn == 0)
		return 0;
	i = glp_add_rows(m->lp, 1);
	glp_set_row_bnds(m->lp, i, type, lo, hi);
	if (!m->lazy) {
		glp_set_mat_row(m->lp, i, m->rn, m->ri, m->rv);
		return 0;
	}
	for (int t = 1; t <= m->rn; t++) {
		int j = m->ri[t];

		if (m->lzk[j] != LZ_NONE && !m->made[j]) {
			if (pend_push(m, j, i, m->rv[t]) < 0)
				return -1;
			continue;
		}
		n++;
		m->ki[n] = m->ri[t];
		m->kv[n] = m->rv[t];
	}
	glp_set_mat_row(m->lp, i, n, m->ki, m->kv);
	return 0;
}

void month_row_end(struct model *m, int type, double lo, double hi)
{
	if (row_end_lazy(m, type, lo, hi) < 0)
		m->oom = true;
}

/* How many y columns (series and language) the model has. */
int month_y_count(const struct model *m)
{
	return m->ncands > 0 ? m->ylang_off[m->ncands - 1] + m->ylang_n[m->ncands - 1] : 0;
}

int month_ypos(const struct model *m, int c, int lang)
{
	for (int t = 0; t < m->ylang_n[c]; t++)
		if (m->ylangs[m->ylang_off[c] + t] == lang)
			return m->ylang_off[c] + t;
	return -1;
}

int month_ycol(const struct model *m, int c, int lang)
{
	int q = month_ypos(m, c, lang);

	return q < 0 ? 0 : m->ycol[q];
}

/* The upper bound of x entry e: min(class count, room capacity). */
int month_x_ub(const struct model *m, int e)
{
	int cap = m->in->rooms[m->cands[m->xs[e].c].room].capacity;
	int count = m->classes[m->xs[e].k].count;

	return count < cap ? count : cap;
}

/* The variable upper bound row of x entry e: x <= ub * y (it keeps the LP
 * relaxation tight). */
void month_vub_row(struct model *m, int e)
{
	month_row_begin(m);
	month_row_put(m, m->xs[e].col, 1);
	month_row_put(m, month_ycol(m, m->xs[e].c, m->xs[e].lang), -month_x_ub(m, e));
	month_row_end(m, GLP_UP, 0, 0);
}

/* Staff column sj only in an open series: s <= sum over languages of y[c]. */
void month_staff_row(struct model *m, int sj, int c)
{
	month_row_begin(m);
	month_row_put(m, sj, 1);
	for (int t = 0; t < m->ylang_n[c]; t++)
		month_row_put(m, m->ycol[m->ylang_off[c] + t], -1);
	month_row_end(m, GLP_UP, 0, 0);
}

/* Make column j whole in GLPK: its pending matrix entries and its own bound
 * row (x <= ub * y for a parent column, s <= sum of y for a staff column).
 * Nothing to do outside lazy models.  A held column needs neither while it
 * is held: it is fixed at zero. */
void month_col_make(struct model *m, int j)
{
	if (!m->lazy || m->lzk[j] == LZ_NONE || m->made[j])
		return;
	m->made[j] = true;
	/* the pending entries, gathered like a row's: (row, value) */
	month_row_begin(m);
	for (int q = m->pend_head[j]; q >= 0; q = m->pend_next[q])
		month_row_put(m, m->pend_row[q], m->pend_val[q]);
	glp_set_mat_col(m->lp, j, m->rn, m->ri, m->rv);
	if (m->lzk[j] == LZ_X)
		month_vub_row(m, j - m->x_first);
	else
		month_staff_row(m, j, m->s_cand[j]);
}

/* The coefficient of column j (1 <= j < m->ncols) in the level's objective. */
static double obj_coef(const struct model *m, enum month_level level, int j)
{
	if (level == LEVEL_COMFORT_PREFERENCE)
		return m->pref_weight * m->obj[LEVEL_COMFORT][j] - m->obj[LEVEL_PREFERENCE][j];
	return m->obj[level][j];
}

void month_set_objective(struct model *m, enum month_level level)
{
	int n = glp_get_num_cols(m->lp);

	glp_set_obj_dir(m->lp, month_level_maximised(level) ? GLP_MAX : GLP_MIN);
	glp_set_obj_coef(m->lp, 0, level == LEVEL_CHANGES ? m->changes_const : 0.0);
	for (int j = 1; j <= n; j++)
		glp_set_obj_coef(m->lp, j, j < m->ncols ? obj_coef(m, level, j) : 0.0);
	/* the comfort objective is D: from here on D is the sum of the d */
	if (level == LEVEL_COMFORT || level == LEVEL_COMFORT_PREFERENCE)
		glp_set_row_bnds(m->lp, m->drow_total, GLP_FX, 0.0, 0.0);
}

int month_comfort_deviation(const struct month_room *room, int size)
{
	return size < room->comfort_lo   ? room->comfort_lo - size
	       : size > room->comfort_hi ? size - room->comfort_hi
					 : 0;
}

void month_plan_totals(const struct model *m, double *x)
{
	int ny = month_y_count(m), ns = m->in->nstaff;

	x[m->dcol_total] = 0.0;
	for (int q = 0; q < ny; q++)
		x[m->dcol_total] += x[m->dcol[q]];
	for (int c = 0; m->ncol != NULL && c < m->ncands; c++) {
		if (m->ncol[c] == 0)
			continue;
		x[m->ncol[c]] = 0.0;
		for (int j = 0; j < ns; j++)
			if (m->scol[(size_t)c * ns + j] != 0)
				x[m->ncol[c]] += x[m->scol[(size_t)c * ns + j]];
	}
}

double month_level_value(const struct model *m, enum month_level level, const double *x)
{
	double v = level == LEVEL_CHANGES ? m->changes_const : 0.0;
	int n = glp_get_num_cols(m->lp);

	for (int j = 1; j <= n && j < m->ncols; j++)
		v += obj_coef(m, level, j) * x[j];
	return v;
}

/* The half-unit margin is exact because the level takes integer values. */
int month_row_put_objective(struct model *m, enum month_level level)
{
	for (int j = 1; j < m->ncols; j++) {
		double v = obj_coef(m, level, j);

		if (v != 0.0 && month_row_put(m, j, v) < 0)
			return -1;
	}
	return 0;
}

int month_fix_level(struct model *m, enum month_level level, double v)
{
	if (level == LEVEL_CHANGES)
		v -= m->changes_const; /* the row holds the columns' part only */
	month_row_begin(m);
	if (month_row_put_objective(m, level) < 0)
		return -1;
	if (m->rn == 0)
		return 0;
	/* the level's coefficients are integers, so v exactly: a row at
	 * v - 0.5 would let the relaxation place half a parent less */
	if (month_level_maximised(level))
		month_row_end(m, GLP_LO, v, 0);
	else
		month_row_end(m, GLP_UP, 0, v);
	return m->oom ? -1 : 0;
}

bool month_plan_meets_rows(struct model *m, const double *x)
{
	int n = glp_get_num_cols(m->lp), nr = glp_get_num_rows(m->lp);
	int *ind = month_scratch_alloc(m, (size_t)n + 1, sizeof(int));
	double *val = month_scratch_alloc(m, (size_t)n + 1, sizeof(double));
	bool ok = ind != NULL && val != NULL;

	/* a lazy column's entries reach the rows only once it is made: make
	 * those the plan uses, as holding the plan would (month_price_hold) */
	for (int j = 1; j <= n; j++)
		if (x[j] != 0.0)
			month_col_make(m, j);
	for (int j = 1; j <= n && ok; j++) {
		int t = glp_get_col_type(m->lp, j);

		ok = !((t == GLP_LO || t == GLP_DB || t == GLP_FX) &&
		       x[j] < glp_get_col_lb(m->lp, j) - 1e-6) &&
		     !((t == GLP_UP || t == GLP_DB || t == GLP_FX) &&
		       x[j] > glp_get_col_ub(m->lp, j) + 1e-6);
	}
	for (int i = 1; i <= nr && ok; i++) {
		int len = glp_get_mat_row(m->lp, i, ind, val), t = glp_get_row_type(m->lp, i);
		double a = 0, tol;

		for (int k = 1; k <= len; k++)
			a += val[k] * x[ind[k]];
		tol = 1e-6 * (1 + fabs(a));
		ok = !((t == GLP_LO || t == GLP_DB || t == GLP_FX) &&
		       a < glp_get_row_lb(m->lp, i) - tol) &&
		     !((t == GLP_UP || t == GLP_DB || t == GLP_FX) &&
		       a > glp_get_row_ub(m->lp, i) + tol);
	}
	month_scratch_free(m, ind);
	month_scratch_free(m, val);
	return ok;
}

bool month_plan_ready(struct model *m, double *x)
{
	month_plan_totals(m, x);
	month_round_integers(m, x);
	return month_plan_meets_rows(m, x);
}

size_t month_plan_len(const struct model *m)
{
	return (size_t)glp_get_num_cols(m->lp) + (size_t)m->ncands + 2;
}

void month_round_integers(const struct model *m, double *x)
{
	int n = glp_get_num_cols(m->lp);

	for (int j = 1; j <= n; j++)
		if (glp_get_col_kind(m->lp, j) != GLP_CV)
			x[j] = floor(x[j] + 0.5);
}

void *month_scratch_alloc(struct model *m, size_t n, size_t size)
{
	void *p = m->nscratch < MONTH_SCRATCH_MAX ? calloc(n, size) : NULL;

	if (p == NULL) {
		m->oom = true;
		return NULL;
	}
	m->scratch[m->nscratch++] = p;
	return p;
}

void month_scratch_free(struct model *m, void *p)
{
	if (p == NULL)
		return;
	for (int t = m->nscratch - 1; t >= 0; t--)
		if (m->scratch[t] == p) {
			m->scratch[t] = m->scratch[--m->nscratch];
			break;
		}
	free(p);
}

void month_model_free(struct model *m)
{
	while (m->nscratch > 0)
		month_scratch_free(m, m->scratch[m->nscratch - 1]);
	if (m->lp != NULL)
		glp_delete_prob(m->lp);
	if (m->snapshot != NULL)
		glp_delete_prob(m->snapshot);
	for (int k = 0; k < m->nclasses; k++) {
		free(m->classes[k].members);
		free(m->classes[k].cands);
		free(m->classes[k].needs.v);
	}
	free(m->classes);
	free(m->ylang_off);
	free(m->ylang_n);
	free(m->ylangs);
	free(m->ycol);
	free(m->fcol);
	free(m->scol);
	free(m->dcol);
	free(m->ncol);
	free(m->xs);
	free(m->cx_off);
	free(m->cx);
	free(m->kx_off);
	free(m->speakers);
	free(m->with_children);
	for (int level = LEVEL_COVERAGE; level <= LEVEL_SERIES; level++)
		free(m->obj[level]);
	free(m->prev_cand);
	free(m->parent_prev);
	free(m->staff_prev);
	free(m->gs);
	free(m->acol);
	free(m->ri);
	free(m->rv);
	free(m->x);
	free(m->held);
	free(m->held_d);
	free(m->made);
	free(m->lzk);
	free(m->s_cand);
	free(m->lzcols);
	free(m->pend_head);
	free(m->pend_row);
	free(m->pend_next);
	free(m->pend_val);
	free(m->ki);
	free(m->kv);
	free(m->krow);
	free(m->taken);
	free(m->dprime);
}
