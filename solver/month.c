/*
 * month.c - the month plan of MODEL.md section 1 as a mixed-integer program,
 * solved exactly and lexicographically with GLPK.
 *
 * Formulation.  Parents who are interchangeable for the model -- the same
 * eligible candidates, languages, priority, preferred daypart, number of
 * children and need tags, and the same ride role (rider or seat-offering
 * driver, with zone and seats; everyone else is neutral) -- form a class, and
 * the model decides how many of a class join each series (an integer), not
 * which ones.  That shrinks a 1,000-parent month by an order of magnitude
 * and removes the symmetry between look-alike parents.  The columns are:
 *
 *   y[c,l]  binary   series c is open with language l (only languages that
 *                    enough available facilitators speak, one trained if
 *                    required);
 *   f[c,i]  binary   facilitator i runs series c;
 *   s[c,j]  binary   childcare staff j attends series c (only where some
 *                    eligible parent has children);
 *   x[k,c,l] integer parents of class k in series c with language l;
 *   d[c]    >= 0     comfort deviation of series c.
 *
 * Overlap of slots is an interval graph per weekday, so "never in two
 * overlapping series" is one clique row per distinct set of slots that
 * contain a slot's start time (a room, a facilitator or a staff member uses
 * at most one of them).  Each parent-class column carries a variable upper
 * bound x[k,c,l] <= min(count, capacity) * y[c,l], which keeps the LP
 * relaxation tight.
 *
 * Lexicographic levels.  Level t is solved to proven optimality, then its
 * objective is fixed by a row (integer levels by a half-unit margin, which is
 * exact) and level t+1 starts from level t's plan, injected as the first
 * incumbent with glp_ios_heur_sol().  The LP presolver is not used for the
 * MIP so that injected vectors address the original columns; each level's
 * root LP is warm-started from the previous basis.  One deadline covers all
 * levels; a level cut short ends the solve with status "feasible" and its
 * gap.
 *
 * GLPK errors.  glp_error_hook() longjmps back here; the thread's GLPK
 * environment is then freed (glp_free_env), so a GLPK failure is an error
 * value, never an abort of the daemon.
 */
#include "month_internal.h"

#include <float.h>
#include <glpk.h>
#include <math.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* What a model is built for: the policy, possibly with one rule dropped. */
struct model_rules {
	int kmin, kmax; /* facilitators per series */
	bool require_trained;
	int min_group;
	int max_series; /* PP_UNLIMITED or >= 0 */
	unsigned require_dayparts;
	bool has_budget;
	double budget;
};

/* Models with at least this many x columns are priced (see "pricing"
 * below); smaller ones are solved whole, which is faster for them. */
#define PRICE_MIN_X 4000

enum lazy_kind { LZ_NONE = 0, LZ_X, LZ_S };

enum ride_role { ROLE_NEUTRAL = 0, ROLE_RIDER, ROLE_DRIVER };

struct pclass {
	int count;
	int *members; /* parent indices, input order */
	const struct month_parent *rep;
	int nchildren;
	struct pp_tags needs; /* union of the children's needs (owned) */
	enum ride_role role;
	int zone, seats;
	int *cands; /* eligible candidate indices */
	int ncands;
};

/* One parent-class column x[k,c,l]. */
struct xcol {
	int k, c, lang;
	int col;
};

struct model {
	const struct month_input *in;
	struct model_rules rules;
	struct month_cand *cands;
	int ncands;
	struct pclass *classes;
	int nclasses;
	unsigned *fails; /* nparents x ncands static failure bits */

	glp_prob *lp;
	int *ylang_off, *ylang_n; /* per candidate: slice of ylangs/ycol */
	int *ylangs, *ycol;
	int *fcol; /* nslots x nfacilitators x nstrs: f[s,i,l], 0 = no column */
	int *scol; /* ncands x nstaff */
	int *dcol; /* ncands */
	struct xcol *xs;
	int nxs, xs_cap;
	int *cx_off, *cx;    /* x entries of each candidate: cx[cx_off[c] .. cx_off[c+1]) */
	int *kx_off;         /* x entries of class k: xs[kx_off[k] .. kx_off[k+1]) */
	int *speakers;       /* ncands x (nstrs+1): eligible parents speaking l */
	bool *with_children; /* per candidate: some eligible parent has children */

	/* Objective coefficients of each level, indexed by column. */
	double *lvl[4];
	int ncols;

	/* Row building scratch. */
	int *ri;
	double *rv;
	int rn, rcap;

	double *x; /* the current plan, 1..ncols */

	/* Pricing of large models: parent columns x and staff columns s held
	 * at zero until they pay.  The matrix entries of such a column (and its
	 * own bound row: x <= ub * y, or s <= sum of y) go to GLPK only once it
	 * is released ("made"); until then they wait in the pending lists, one
	 * linked list per column.  Arrays "per column" are indexed 1..ncols. */
	int price_from;     /* price from this many x entries (0: never) */
	bool lazy;          /* the model is large enough to be priced */
	int x_first;        /* column of x entry 0; entry e is column x_first + e */
	unsigned char *lzk; /* per column: LZ_NONE, LZ_X or LZ_S */
	int *s_cand;        /* per column: the candidate of an s column */
	int *lzcols, nlz;   /* the x and s columns */
	bool *made;         /* per column */
	int *pend_head;     /* per column: first pending entry, -1 none */
	int *pend_row, *pend_next;
	double *pend_val;
	int npend, pend_cap;
	bool oom; /* an allocation failed while adding a row */
	int *ki;  /* row_end scratch: the entries GLPK gets now */
	double *kv;
	bool *held;     /* per column */
	int *krow;      /* per class: its row "at most count", 0 = none */
	bool *taken;    /* price_bound scratch, per x entry */
	double *dprime; /* price_bound scratch, per x entry */
	double *held_d; /* per column: reduced cost of a held one in the root LP */
	int nheld;
	double root_lp; /* root LP value over all columns */
};

struct solve_state {
	const struct month_ctl *ctl;
	struct timespec start;
	double deadline; /* seconds since start */
	int level;
	const char *stage;
	const double *warm; /* 1..ncols, or NULL */
	bool warm_done;
	bool stop_at_first;
	bool cancelled, timed_out;
	double gap;
	long nodes, nodes_total;
	double last_report;
	double bound;
	bool has_bound;
	bool priced;    /* some x columns are held at zero (see price_hold) */
	double outside; /* bound on any plan that uses a held column */
	jmp_buf *jb;
};

static double elapsed(const struct solve_state *st)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - st->start.tv_sec) + (now.tv_nsec - st->start.tv_nsec) / 1e9;
}

static bool cancel_raised(const struct solve_state *st)
{
	return st->ctl != NULL && st->ctl->cancel != NULL && atomic_load(st->ctl->cancel) != 0;
}

static void report(struct solve_state *st, bool has_inc, double inc, bool force)
{
	struct month_progress p;
	double now = elapsed(st);

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

/* ---------------------------------------------------------------- building */

static int col_add(struct model *m, int kind, double lb, double ub)
{
	int j = glp_add_cols(m->lp, 1);

	glp_set_col_kind(m->lp, j, kind);
	if (kind == GLP_BV)
		return j;
	if (ub == HUGE_VAL)
		glp_set_col_bnds(m->lp, j, GLP_LO, lb, 0.0);
	else
		glp_set_col_bnds(m->lp, j, ub > lb ? GLP_DB : GLP_FX, lb, ub);
	return j;
}

static int row_begin(struct model *m)
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

static int row_put(struct model *m, int col, double v)
{
	if (col <= 0 || v == 0.0)
		return 0;
	if (m->rn + 2 > m->rcap) {
		int cap = m->rcap ? 2 * m->rcap : 256;

		/* ki/kv, row_end's scratch, hold at most what ri/rv hold */
		if (grow(&m->ri, sizeof *m->ri, cap) < 0 || grow(&m->rv, sizeof *m->rv, cap) < 0 ||
		    grow(&m->ki, sizeof *m->ki, cap) < 0 || grow(&m->kv, sizeof *m->kv, cap) < 0)
			return -1;
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

/* Add the row built since row_begin() with bounds of type `type`; empty rows
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

static void row_end(struct model *m, int type, double lo, double hi)
{
	if (row_end_lazy(m, type, lo, hi) < 0)
		m->oom = true;
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

/* Index of f[slot, i, lang] in model.fcol. */
#define FIDX(m, slot, i, lang)                                                                     \
	((((size_t)(slot) * (size_t)(m)->in->nfacilitators) + (size_t)(i)) *                       \
	     (size_t)((m)->in->nstrs + 1) +                                                        \
	 (size_t)(lang))

/* Loop e over the x entries of candidate c, in increasing order. */
#define FOR_X_AT(m, c, e)                                                                          \
	for (int e##_q = (m)->cx_off[c], e = 0;                                                    \
	     e##_q < (m)->cx_off[(c) + 1] && ((e = (m)->cx[e##_q]), 1); e##_q++)

/* Index the x entries by candidate and by class (they are pushed class by
 * class, so each class's entries are contiguous). */
static int index_xs(struct model *m)
{
	m->cx_off = calloc((size_t)m->ncands + 2, sizeof(int));
	m->cx = malloc(sizeof(int) * ((size_t)m->nxs + 1));
	m->kx_off = calloc((size_t)m->nclasses + 2, sizeof(int));
	if (m->cx_off == NULL || m->cx == NULL || m->kx_off == NULL)
		return -1;
	for (int e = 0; e < m->nxs; e++) {
		m->cx_off[m->xs[e].c + 1]++;
		m->kx_off[m->xs[e].k + 1]++;
	}
	for (int c = 0; c < m->ncands; c++)
		m->cx_off[c + 1] += m->cx_off[c];
	for (int k = 0; k < m->nclasses; k++)
		m->kx_off[k + 1] += m->kx_off[k];
	{
		int *fill = calloc((size_t)m->ncands + 1, sizeof(int));

		if (fill == NULL)
			return -1;
		for (int e = 0; e < m->nxs; e++)
			m->cx[m->cx_off[m->xs[e].c] + fill[m->xs[e].c]++] = e;
		free(fill);
	}
	return 0;
}

/* How many y columns (series and language) the model has. */
static int y_count(const struct model *m)
{
	return m->ncands > 0 ? m->ylang_off[m->ncands - 1] + m->ylang_n[m->ncands - 1] : 0;
}

static int ycol_of(const struct model *m, int c, int lang)
{
	for (int t = 0; t < m->ylang_n[c]; t++)
		if (m->ylangs[m->ylang_off[c] + t] == lang)
			return m->ycol[m->ylang_off[c] + t];
	return 0;
}

/* The upper bound of x entry e: min(class count, room capacity). */
static int x_ub(const struct model *m, int e)
{
	int cap = m->in->rooms[m->cands[m->xs[e].c].room].capacity;
	int count = m->classes[m->xs[e].k].count;

	return count < cap ? count : cap;
}

/* The variable upper bound row of x entry e: x <= ub * y (it keeps the LP
 * relaxation tight). */
static void vub_row(struct model *m, int e)
{
	row_begin(m);
	row_put(m, m->xs[e].col, 1);
	row_put(m, ycol_of(m, m->xs[e].c, m->xs[e].lang), -x_ub(m, e));
	row_end(m, GLP_UP, 0, 0);
}

/* Staff column sj only in an open series: s <= sum over languages of y[c]. */
static void staff_row(struct model *m, int sj, int c)
{
	row_begin(m);
	row_put(m, sj, 1);
	for (int t = 0; t < m->ylang_n[c]; t++)
		row_put(m, m->ycol[m->ylang_off[c] + t], -1);
	row_end(m, GLP_UP, 0, 0);
}

static bool fac_at(const struct month_input *in, int i, int c, const struct month_cand *cands)
{
	return month_fits(&in->facilitators[i].available, &in->slots[cands[c].slot]);
}

static bool staff_at(const struct month_input *in, int j, int c, const struct month_cand *cands)
{
	return month_fits(&in->staff[j].available, &in->slots[cands[c].slot]);
}

/* Languages a series at candidate c can run in under the rules: at least
 * kmin available facilitators speak it, one of them trained if required. */
static int languages_of(struct model *m, int c, int *out)
{
	const struct month_input *in = m->in;
	int n = 0;

	for (int t = 0; t < in->nstrs; t++) {
		int speakers = 0;
		bool trained = false;

		for (int i = 0; i < in->nfacilitators; i++) {
			if (!fac_at(in, i, c, m->cands) ||
			    !month_tags_have(&in->facilitators[i].languages, t))
				continue;
			speakers++;
			trained |= in->facilitators[i].trained;
		}
		if (speakers < m->rules.kmin || (!trained && m->rules.require_trained))
			continue;
		/* a series needs min_group parents who speak its language */
		if (m->speakers[(size_t)c * (in->nstrs + 1) + t] >= m->rules.min_group)
			out[n++] = t;
	}
	return n;
}

/* Sort key of a parent for class grouping. */
static int parent_key(const struct model *m, int p, int32_t *key, int cap)
{
	const struct month_input *in = m->in;
	const struct month_parent *pp = &in->parents[p];
	int n = 0;
	enum ride_role role = pp->transport == PP_RIDE                   ? ROLE_RIDER
			      : pp->transport == PP_CAR && pp->seats > 0 ? ROLE_DRIVER
									 : ROLE_NEUTRAL;

#define PUT(v)                                                                                     \
	do {                                                                                       \
		if (n < cap)                                                                       \
			key[n] = (int32_t)(v);                                                     \
		n++;                                                                               \
	} while (0)
	PUT(pp->priority);
	PUT(pp->prefers);
	PUT(pp->nchildren);
	PUT(role);
	PUT(role == ROLE_NEUTRAL ? -1 : pp->zone);
	PUT(role == ROLE_DRIVER ? pp->seats : 0);
	PUT(pp->languages.n);
	for (int t = 0; t < pp->languages.n; t++)
		PUT(pp->languages.v[t]);
	/* need tags: union over children, as a sorted bitset of string ids */
	for (int t = 0; t < in->nstrs; t++) {
		bool has = false;

		for (int k = 0; k < pp->nchildren && !has; k++)
			has = month_tags_have(&pp->children[k].needs, t);
		if (has)
			PUT(t);
	}
	PUT(-2);
	for (int c = 0; c < m->ncands; c++)
		if (m->fails[(size_t)p * m->ncands + c] == 0)
			PUT(c);
	PUT(-3);
#undef PUT
	return n;
}

struct keyed {
	int parent;
	int32_t *key;
	int n;
};

static int keyed_cmp(const void *a, const void *b)
{
	const struct keyed *x = a, *y = b;
	int n = x->n < y->n ? x->n : y->n;
	int r = memcmp(x->key, y->key, sizeof(int32_t) * (size_t)n);

	if (r != 0)
		return r;
	if (x->n != y->n)
		return x->n < y->n ? -1 : 1;
	return x->parent < y->parent ? -1 : x->parent > y->parent;
}

/* Group the statically eligible parents into classes. */
static int build_classes(struct model *m)
{
	const struct month_input *in = m->in;
	struct keyed *ks = calloc((size_t)in->nparents + 1, sizeof *ks);
	int nk = 0, rc = -1;

	if (ks == NULL)
		return -1;
	for (int p = 0; p < in->nparents; p++) {
		int need = parent_key(m, p, NULL, 0);
		bool any = false;

		for (int c = 0; c < m->ncands && !any; c++)
			any = m->fails[(size_t)p * m->ncands + c] == 0;
		if (!any)
			continue;
		ks[nk].parent = p;
		ks[nk].key = malloc(sizeof(int32_t) * (size_t)need);
		if (ks[nk].key == NULL)
			goto out;
		ks[nk].n = parent_key(m, p, ks[nk].key, need);
		nk++;
	}
	qsort(ks, (size_t)nk, sizeof *ks, keyed_cmp);
	m->classes = calloc((size_t)nk + 1, sizeof *m->classes);
	if (m->classes == NULL)
		goto out;
	for (int a = 0; a < nk;) {
		int b = a;
		struct pclass *k = &m->classes[m->nclasses++];
		const struct month_parent *rep;

		while (b < nk && ks[b].n == ks[a].n &&
		       memcmp(ks[b].key, ks[a].key, sizeof(int32_t) * (size_t)ks[a].n) == 0)
			b++;
		k->count = b - a;
		k->members = malloc(sizeof(int) * (size_t)k->count);
		k->cands = malloc(sizeof(int) * (size_t)(m->ncands + 1));
		k->needs.v = malloc(sizeof(int) * (size_t)(in->nstrs + 1));
		if (k->members == NULL || k->cands == NULL || k->needs.v == NULL)
			goto out;
		for (int t = a; t < b; t++)
			k->members[t - a] = ks[t].parent;
		rep = k->rep = &in->parents[ks[a].parent];
		k->nchildren = rep->nchildren;
		k->role = rep->transport == PP_RIDE                    ? ROLE_RIDER
			  : rep->transport == PP_CAR && rep->seats > 0 ? ROLE_DRIVER
								       : ROLE_NEUTRAL;
		k->zone = rep->zone;
		k->seats = k->role == ROLE_DRIVER ? rep->seats : 0;
		for (int t = 0; t < in->nstrs; t++) {
			bool has = false;

			for (int ch = 0; ch < rep->nchildren && !has; ch++)
				has = month_tags_have(&rep->children[ch].needs, t);
			if (has)
				k->needs.v[k->needs.n++] = t;
		}
		for (int c = 0; c < m->ncands; c++)
			if (m->fails[(size_t)ks[a].parent * m->ncands + c] == 0)
				k->cands[k->ncands++] = c;
		a = b;
	}
	rc = 0;
out:
	for (int t = 0; t < nk; t++)
		free(ks[t].key);
	free(ks);
	return rc;
}

static int xs_push(struct model *m, int k, int c, int lang, int col)
{
	if (m->nxs == m->xs_cap) {
		int cap = m->xs_cap ? 2 * m->xs_cap : 256;
		struct xcol *v = realloc(m->xs, sizeof *v * (size_t)cap);

		if (v == NULL)
			return -1;
		m->xs = v;
		m->xs_cap = cap;
	}
	m->xs[m->nxs++] = (struct xcol){k, c, lang, col};
	return 0;
}

/* Per weekday, the distinct sets of slots that contain some slot's start
 * time: every pair of overlapping slots lies in one of them.  Returns the
 * number of cliques; clique q is slots[off[q] .. off[q+1]). */
static int slot_cliques(const struct month_input *in, int **off_out, int **slots_out)
{
	int *off = malloc(sizeof(int) * (size_t)(in->nslots + 2));
	int *sl = malloc(sizeof(int) * (size_t)(in->nslots * in->nslots + 1));
	int nq = 0, used = 0;

	if (off == NULL || sl == NULL) {
		free(off);
		free(sl);
		return -1;
	}
	off[0] = 0;
	for (int s = 0; s < in->nslots; s++) {
		const struct month_slot *a = &in->slots[s];
		int start = used;
		bool dup = false;

		for (int t = 0; t < in->nslots; t++) {
			const struct month_slot *b = &in->slots[t];

			if (b->weekday == a->weekday && b->start <= a->start && a->start < b->end)
				sl[used++] = t;
		}
		for (int q = 0; q < nq && !dup; q++)
			dup = off[q + 1] - off[q] == used - start &&
			      memcmp(&sl[off[q]], &sl[start],
				     sizeof(int) * (size_t)(used - start)) == 0;
		if (dup) {
			used = start;
			continue;
		}
		off[++nq] = used;
	}
	*off_out = off;
	*slots_out = sl;
	return nq;
}

static bool in_clique(const int *sl, int from, int to, int slot)
{
	for (int t = from; t < to; t++)
		if (sl[t] == slot)
			return true;
	return false;
}

static int lvl_set(struct model *m, int level, int col, double v)
{
	if (col >= m->ncols) {
		int n = m->ncols ? m->ncols : 1024;

		while (n <= col)
			n *= 2;
		for (int t = 0; t < 4; t++) {
			double *p = realloc(m->lvl[t], sizeof(double) * (size_t)n);

			if (p == NULL)
				return -1;
			memset(p + m->ncols, 0, sizeof(double) * (size_t)(n - m->ncols));
			m->lvl[t] = p;
		}
		m->ncols = n;
	}
	m->lvl[level][col] += v;
	return 0;
}

/* Add every row of the cost expression (level 4) to the row being built. */
static int put_cost_expr(struct model *m)
{
	for (int j = 1; j < m->ncols; j++)
		if (m->lvl[3][j] != 0.0 && row_put(m, j, m->lvl[3][j]) < 0)
			return -1;
	return 0;
}

/* Build the whole MIP for the rules.  Returns 0, or -1 on allocation failure. */
static int build(struct model *m)
{
	const struct month_input *in = m->in;
	const struct model_rules *R = &m->rules;
	int nf = in->nfacilitators, ns = in->nstaff;
	int *langs = malloc(sizeof(int) * (size_t)(in->nstrs + 1));
	int *qoff = NULL, *qsl = NULL, nq;
	int total_langs = 0;

	if (langs == NULL)
		return -1;
	/* eligible parents per (candidate, language), and whether any has children */
	m->speakers = calloc((size_t)m->ncands * (size_t)(in->nstrs + 1) + 1, sizeof(int));
	m->with_children = calloc((size_t)m->ncands + 1, sizeof(bool));
	if (m->speakers == NULL || m->with_children == NULL)
		goto fail;
	for (int k = 0; k < m->nclasses; k++) {
		const struct pclass *cl = &m->classes[k];

		for (int u = 0; u < cl->ncands; u++) {
			for (int t = 0; t < cl->rep->languages.n; t++)
				m->speakers[(size_t)cl->cands[u] * (in->nstrs + 1) +
					    cl->rep->languages.v[t]] += cl->count;
			m->with_children[cl->cands[u]] |= cl->nchildren > 0;
		}
	}
	m->lp = glp_create_prob();
	glp_set_obj_dir(m->lp, GLP_MAX);
	m->ylang_off = calloc((size_t)m->ncands + 1, sizeof(int));
	m->ylang_n = calloc((size_t)m->ncands + 1, sizeof(int));
	m->ylangs = malloc(sizeof(int) * ((size_t)m->ncands * (size_t)(in->nstrs + 1) + 1));
	m->ycol = malloc(sizeof(int) * ((size_t)m->ncands * (size_t)(in->nstrs + 1) + 1));
	m->fcol =
	    calloc((size_t)in->nslots * (size_t)nf * (size_t)(in->nstrs + 1) + 1, sizeof(int));
	m->scol = calloc((size_t)m->ncands * (size_t)ns + 1, sizeof(int));
	m->dcol = calloc((size_t)m->ncands + 1, sizeof(int));
	if (!m->ylang_off || !m->ylang_n || !m->ylangs || !m->ycol || !m->fcol || !m->scol ||
	    !m->dcol)
		goto fail;

	/* Columns: y, f, s, d per candidate. */
	for (int c = 0; c < m->ncands; c++) {
		const struct month_cand *cd = &m->cands[c];
		const struct month_room *room = &in->rooms[cd->room];
		int nl = languages_of(m, c, langs);
		bool children_possible = false;

		m->ylang_off[c] = total_langs;
		m->ylang_n[c] = nl;
		for (int t = 0; t < nl; t++) {
			int j = col_add(m, GLP_BV, 0, 1);

			m->ylangs[total_langs] = langs[t];
			m->ycol[total_langs++] = j;
			if (lvl_set(m, 3, j, cd->meetings * room->cost) < 0)
				goto fail;
		}
		if (nl == 0)
			continue;
		/* f[slot, i, l] for each facilitator who could run it in l */
		for (int t = 0; t < nl; t++) {
			for (int i = 0; i < nf; i++) {
				int *fj = &m->fcol[FIDX(m, cd->slot, i, langs[t])];

				if (*fj != 0 || !fac_at(in, i, c, m->cands) ||
				    !month_tags_have(&in->facilitators[i].languages, langs[t]) ||
				    (in->facilitators[i].max_meetings != PP_UNLIMITED &&
				     in->facilitators[i].max_meetings < cd->meetings))
					continue;
				*fj = col_add(m, GLP_BV, 0, 1);
				if (lvl_set(m, 3, *fj, cd->meetings * in->facilitators[i].cost) < 0)
					goto fail;
			}
		}
		children_possible = m->with_children[c];
		for (int j = 0; j < ns && children_possible; j++) {
			if (!staff_at(in, j, c, m->cands))
				continue;
			if (in->staff[j].max_meetings != PP_UNLIMITED &&
			    in->staff[j].max_meetings < cd->meetings)
				continue;
			m->scol[(size_t)c * ns + j] = col_add(m, GLP_BV, 0, 1);
			if (lvl_set(m, 3, m->scol[(size_t)c * ns + j],
				    cd->meetings * in->staff[j].cost) < 0)
				goto fail;
		}
		m->dcol[c] = col_add(m, GLP_CV, 0, HUGE_VAL);
		if (lvl_set(m, 1, m->dcol[c], 1.0) < 0)
			goto fail;
	}
	/* Columns: x per class, candidate, language spoken by the class. */
	for (int k = 0; k < m->nclasses; k++) {
		const struct pclass *cl = &m->classes[k];

		for (int t = 0; t < cl->ncands; t++) {
			int c = cl->cands[t];
			int cap = in->rooms[m->cands[c].room].capacity;
			int ub = cl->count < cap ? cl->count : cap;

			for (int u = 0; u < m->ylang_n[c]; u++) {
				int lang = m->ylangs[m->ylang_off[c] + u];
				int j;

				if (!month_tags_have(&cl->rep->languages, lang))
					continue;
				j = col_add(m, ub == 1 ? GLP_BV : GLP_IV, 0, ub);
				if (m->nxs == 0)
					m->x_first = j;
				if (xs_push(m, k, c, lang, j) < 0 ||
				    lvl_set(m, 0, j, cl->rep->priority) < 0 ||
				    lvl_set(m, 2, j,
					    cl->rep->prefers == m->cands[c].daypart ? 1.0 : 0.0) <
					0)
					goto fail;
			}
		}
	}
	if (lvl_set(m, 0, glp_get_num_cols(m->lp), 0.0) < 0)
		goto fail;
	if (index_xs(m) < 0)
		goto fail;
	m->lazy = m->price_from > 0 && m->nxs >= m->price_from;
	if (m->lazy) {
		int n = glp_get_num_cols(m->lp);

		m->made = calloc((size_t)n + 1, sizeof *m->made);
		m->lzk = calloc((size_t)n + 1, sizeof *m->lzk);
		m->s_cand = calloc((size_t)n + 1, sizeof *m->s_cand);
		m->lzcols = malloc(sizeof(int) * ((size_t)n + 1));
		m->pend_head = malloc(sizeof(int) * ((size_t)n + 1));
		if (!m->made || !m->lzk || !m->s_cand || !m->lzcols || !m->pend_head)
			goto fail;
		for (int j = 0; j <= n; j++)
			m->pend_head[j] = -1;
		for (int c = 0; c < m->ncands; c++)
			for (int j = 0; j < ns; j++) {
				int sj = m->scol[(size_t)c * ns + j];

				if (sj != 0) {
					m->lzk[sj] = LZ_S;
					m->s_cand[sj] = c;
					m->lzcols[m->nlz++] = sj;
				}
			}
		for (int e = 0; e < m->nxs; e++) {
			m->lzk[m->xs[e].col] = LZ_X;
			m->lzcols[m->nlz++] = m->xs[e].col;
		}
	}

	/* Rows per candidate. */
	for (int c = 0; c < m->ncands; c++) {
		const struct month_cand *cd = &m->cands[c];
		const struct month_room *room = &in->rooms[cd->room];
		int off = m->ylang_off[c];

		if (m->ylang_n[c] == 0)
			continue;
		/* one language at most */
		row_begin(m);
		for (int t = 0; t < m->ylang_n[c]; t++)
			row_put(m, m->ycol[off + t], 1);
		row_end(m, GLP_UP, 0, 1);
		/* staff only in an open series */
		for (int j = 0; j < ns; j++) {
			int sj = m->scol[(size_t)c * ns + j];

			if (sj != 0 && !m->lazy) /* lazy models: col_make */
				staff_row(m, sj, c);
		}
		/* group size per language: min_group*y <= sum x <= capacity*y */
		for (int t = 0; t < m->ylang_n[c]; t++) {
			int lang = m->ylangs[off + t];

			row_begin(m);
			FOR_X_AT (m, c, e)
				if (m->xs[e].c == c && m->xs[e].lang == lang)
					row_put(m, m->xs[e].col, 1);
			row_put(m, m->ycol[off + t], -room->capacity);
			row_end(m, GLP_UP, 0, 0);
			row_begin(m);
			FOR_X_AT (m, c, e)
				if (m->xs[e].c == c && m->xs[e].lang == lang)
					row_put(m, m->xs[e].col, 1);
			row_put(m, m->ycol[off + t], -R->min_group);
			row_end(m, GLP_LO, 0, 0);
		}
		/* comfort deviation: d >= lo*Y - size, d >= size - hi*Y */
		row_begin(m);
		row_put(m, m->dcol[c], 1);
		FOR_X_AT (m, c, e)
			if (m->xs[e].c == c)
				row_put(m, m->xs[e].col, 1);
		for (int t = 0; t < m->ylang_n[c]; t++)
			row_put(m, m->ycol[off + t], -room->comfort_lo);
		row_end(m, GLP_LO, 0, 0);
		row_begin(m);
		row_put(m, m->dcol[c], 1);
		FOR_X_AT (m, c, e)
			if (m->xs[e].c == c)
				row_put(m, m->xs[e].col, -1);
		for (int t = 0; t < m->ylang_n[c]; t++)
			row_put(m, m->ycol[off + t], room->comfort_hi);
		row_end(m, GLP_LO, 0, 0);
		/* children: <= room childcare * Y and <= staff max_children */
		row_begin(m);
		FOR_X_AT (m, c, e)
			if (m->xs[e].c == c)
				row_put(m, m->xs[e].col, m->classes[m->xs[e].k].nchildren);
		if (m->rn > 0) {
			int base = m->rn;

			for (int t = 0; t < m->ylang_n[c]; t++)
				row_put(m, m->ycol[off + t], -room->childcare);
			row_end(m, GLP_UP, 0, 0);
			m->rn = base; /* same children terms, other right-hand side */
			for (int j = 0; j < ns; j++)
				row_put(m, m->scol[(size_t)c * ns + j], -in->staff[j].max_children);
			row_end(m, GLP_UP, 0, 0);
		}
		/* need coverage: parents with a need only if someone supports it */
		for (int tag = 0; tag < in->nstrs; tag++) {
			int big = 0;

			row_begin(m);
			FOR_X_AT (m, c, e) {
				const struct pclass *cl = &m->classes[m->xs[e].k];

				if (m->xs[e].c == c && month_tags_have(&cl->needs, tag)) {
					row_put(m, m->xs[e].col, 1);
					big += cl->count;
				}
			}
			if (m->rn == 0)
				continue;
			if (big > room->capacity)
				big = room->capacity;
			for (int j = 0; j < ns; j++)
				if (month_tags_have(&in->staff[j].supports, tag))
					row_put(m, m->scol[(size_t)c * ns + j], -big);
			row_end(m, GLP_UP, 0, 0);
		}
		/* rides per zone: riders <= seats of drivers */
		FOR_X_AT (m, c, e) {
			int zone;
			bool first = true;

			if (m->xs[e].c != c || m->classes[m->xs[e].k].role != ROLE_RIDER)
				continue;
			zone = m->classes[m->xs[e].k].zone;
			FOR_X_AT (m, c, e2)
				if (e2 < e && first)
					first = !(m->xs[e2].c == c &&
						  m->classes[m->xs[e2].k].role == ROLE_RIDER &&
						  m->classes[m->xs[e2].k].zone == zone);
			if (!first)
				continue;
			row_begin(m);
			FOR_X_AT (m, c, e2) {
				const struct pclass *cl = &m->classes[m->xs[e2].k];

				if (m->xs[e2].c != c || cl->zone != zone)
					continue;
				if (cl->role == ROLE_RIDER)
					row_put(m, m->xs[e2].col, 1);
				else if (cl->role == ROLE_DRIVER)
					row_put(m, m->xs[e2].col, -cl->seats);
			}
			row_end(m, GLP_UP, 0, 0);
		}
		/* variable upper bounds (lazy models: col_make) */
		if (!m->lazy)
			FOR_X_AT (m, c, e)
				if (m->xs[e].c == c)
					vub_row(m, e);
	}

	/* Facilitators per slot and language: kmin..kmax per open series, one
	 * trained per open series.  Who runs which series at the slot is then a
	 * free split (trained ones first), so rooms need no columns of their own. */
	for (int sl = 0; sl < in->nslots; sl++) {
		for (int lang = 0; lang < in->nstrs; lang++) {
			int nyc = 0;

			for (int c = 0; c < m->ncands; c++)
				if (m->cands[c].slot == sl && ycol_of(m, c, lang))
					nyc++;
			if (nyc == 0)
				continue;
			for (int pass = 0; pass < 3; pass++) {
				if (pass == 1 && R->kmin == R->kmax)
					continue;
				if (pass == 2 && !R->require_trained)
					continue;
				row_begin(m);
				for (int i = 0; i < nf; i++)
					if (pass < 2 || in->facilitators[i].trained)
						row_put(m, m->fcol[FIDX(m, sl, i, lang)], 1);
				for (int c = 0; c < m->ncands; c++)
					if (m->cands[c].slot == sl)
						row_put(m, ycol_of(m, c, lang),
							pass == 0   ? -R->kmax
							: pass == 1 ? -R->kmin
								    : -1);
				if (pass == 0)
					row_end(m, R->kmin == R->kmax ? GLP_FX : GLP_UP, 0, 0);
				else
					row_end(m, GLP_LO, 0, 0);
			}
		}
	}

	/* Each class: at most its count in all series. */
	m->krow = calloc((size_t)m->nclasses + 1, sizeof(int));
	if (m->krow == NULL)
		goto fail;
	for (int k = 0; k < m->nclasses; k++) {
		int before = glp_get_num_rows(m->lp);

		row_begin(m);
		for (int e = m->kx_off[k]; e < m->kx_off[k + 1]; e++)
			if (m->xs[e].k == k)
				row_put(m, m->xs[e].col, 1);
		if (m->rn > 0 && m->classes[k].count > 1)
			row_end(m, GLP_UP, 0, m->classes[k].count);
		else if (m->rn > 1)
			row_end(m, GLP_UP, 0, 1);
		if (glp_get_num_rows(m->lp) > before)
			m->krow[k] = glp_get_num_rows(m->lp);
	}

	/* Overlaps: rooms, facilitators, staff, one clique row each. */
	nq = slot_cliques(in, &qoff, &qsl);
	if (nq < 0)
		goto fail;
	for (int q = 0; q < nq; q++) {
		for (int r = 0; r < in->nrooms; r++) {
			row_begin(m);
			for (int c = 0; c < m->ncands; c++)
				if (m->cands[c].room == r &&
				    in_clique(qsl, qoff[q], qoff[q + 1], m->cands[c].slot))
					for (int t = 0; t < m->ylang_n[c]; t++)
						row_put(m, m->ycol[m->ylang_off[c] + t], 1);
			if (m->rn > 1)
				row_end(m, GLP_UP, 0, 1);
		}
		for (int i = 0; i < nf; i++) {
			row_begin(m);
			for (int t = qoff[q]; t < qoff[q + 1]; t++)
				for (int lang = 0; lang < in->nstrs; lang++)
					row_put(m, m->fcol[FIDX(m, qsl[t], i, lang)], 1);
			if (m->rn > 1)
				row_end(m, GLP_UP, 0, 1);
		}
		for (int j = 0; j < ns; j++) {
			row_begin(m);
			for (int c = 0; c < m->ncands; c++)
				if (in_clique(qsl, qoff[q], qoff[q + 1], m->cands[c].slot))
					row_put(m, m->scol[(size_t)c * ns + j], 1);
			if (m->rn > 1)
				row_end(m, GLP_UP, 0, 1);
		}
	}
	free(qoff);
	free(qsl);

	/* max_meetings per facilitator and staff member. */
	for (int i = 0; i < nf; i++) {
		int cap = in->facilitators[i].max_meetings, sum = 0;

		if (cap == PP_UNLIMITED)
			continue;
		row_begin(m);
		for (int sl = 0; sl < in->nslots; sl++) {
			int days[5], meetings = month_meeting_days(in, in->slots[sl].weekday, days);

			for (int lang = 0; lang < in->nstrs; lang++)
				if (m->fcol[FIDX(m, sl, i, lang)]) {
					row_put(m, m->fcol[FIDX(m, sl, i, lang)], meetings);
					sum += meetings;
				}
		}
		if (sum > cap)
			row_end(m, GLP_UP, 0, cap);
	}
	for (int j = 0; j < ns; j++) {
		int cap = in->staff[j].max_meetings, sum = 0;

		if (cap == PP_UNLIMITED)
			continue;
		row_begin(m);
		for (int c = 0; c < m->ncands; c++)
			if (m->scol[(size_t)c * ns + j]) {
				row_put(m, m->scol[(size_t)c * ns + j], m->cands[c].meetings);
				sum += m->cands[c].meetings;
			}
		if (sum > cap)
			row_end(m, GLP_UP, 0, cap);
	}

	/* Budget. */
	if (R->has_budget) {
		row_begin(m);
		if (put_cost_expr(m) < 0)
			goto fail;
		row_end(m, GLP_UP, 0, R->budget);
	}
	/* Dayparts and the number of series. */
	for (int d = 0; d < 3; d++) {
		if (!(R->require_dayparts & (1u << d)))
			continue;
		row_begin(m);
		for (int c = 0; c < m->ncands; c++)
			if (m->cands[c].daypart == d)
				for (int t = 0; t < m->ylang_n[c]; t++)
					row_put(m, m->ycol[m->ylang_off[c] + t], 1);
		if (m->rn == 0) {
			/* no series can have this daypart: an infeasible empty row */
			int i = glp_add_rows(m->lp, 1);

			glp_set_row_bnds(m->lp, i, GLP_LO, 1, 0);
			continue;
		}
		row_end(m, GLP_LO, 1, 0);
	}
	if (R->max_series != PP_UNLIMITED) {
		row_begin(m);
		for (int c = 0; c < m->ncands; c++)
			for (int t = 0; t < m->ylang_n[c]; t++)
				row_put(m, m->ycol[m->ylang_off[c] + t], 1);
		if (m->rn > R->max_series)
			row_end(m, GLP_UP, 0, R->max_series);
	}
	free(langs);
	return m->oom ? -1 : 0;
fail:
	free(langs);
	return -1;
}

static void model_free(struct model *m)
{
	if (m->lp != NULL)
		glp_delete_prob(m->lp);
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
	free(m->xs);
	free(m->cx_off);
	free(m->cx);
	free(m->kx_off);
	free(m->speakers);
	free(m->with_children);
	for (int t = 0; t < 4; t++)
		free(m->lvl[t]);
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

/* --------------------------------------------------------------- greedy */

/* Do slots a and b overlap? */
static bool slots_overlap(const struct month_slot *a, const struct month_slot *b)
{
	return a->weekday == b->weekday && a->start < b->end && b->start < a->end;
}

struct greedy {
	struct model *m;
	double *x;
	int *fac_used, *staff_used;              /* meetings so far */
	bool *fac_busy, *staff_busy, *room_busy; /* [person or room][slot] */
	int *rem;                                /* parents left per class */
	int *take;   /* greedy_try scratch per x entry, all zero between tries */
	long *score; /* per y index: eligible priority of the parents still free */
	double spent;
	int nseries;
	unsigned dayparts;
	const double *guide; /* LP values to follow, by column, or NULL */
};

/* The guide's value of column j (0 without a guide). */
static double greedy_guided(const struct greedy *g, int j)
{
	return g->guide != NULL && j > 0 ? g->guide[j] : 0.0;
}

static bool busy_at(const bool *row, const struct month_input *in, int slot)
{
	for (int t = 0; t < in->nslots; t++)
		if (row[t] && slots_overlap(&in->slots[t], &in->slots[slot]))
			return true;
	return false;
}

static int by_cost_fac(const struct month_input *in, int a, int b)
{
	double d = in->facilitators[a].cost - in->facilitators[b].cost;

	return d < 0 ? -1 : d > 0 ? 1 : a - b;
}

static void greedy_unscore(struct greedy *g, int k, int taken);

/* Try to open candidate c with language lang in the greedy plan. */
static bool greedy_try(struct greedy *g, int c, int lang)
{
	struct model *m = g->m;
	const struct month_input *in = m->in;
	const struct month_cand *cd = &m->cands[c];
	const struct month_room *room = &in->rooms[cd->room];
	int nf = in->nfacilitators, ns = in->nstaff, k = m->rules.kmin;
	int pick[64], npick = 0, *take, size = 0, children = 0, maxch = 0;
	int *staff_pick, nstaff_pick = 0;
	double cost = room->cost;
	bool trained = !m->rules.require_trained, ok = false;
	bool *supported = calloc((size_t)in->nstrs + 1, sizeof(bool));

	take = g->take;
	staff_pick = malloc(sizeof(int) * (size_t)(ns + 1));
	if (supported == NULL || take == NULL || staff_pick == NULL || k > 64 ||
	    busy_at(&g->room_busy[(size_t)cd->room * in->nslots], in, cd->slot))
		goto out;
	/* facilitators: one trained first if required, then the cheapest */
	for (int round = 0; round < 2 && npick < k; round++) {
		for (;;) {
			int best = -1;

			for (int i = 0; i < nf; i++) {
				const struct month_facilitator *fa = &in->facilitators[i];
				bool dup = false;

				for (int t = 0; t < npick; t++)
					dup |= pick[t] == i;
				if (dup || m->fcol[FIDX(m, cd->slot, i, lang)] == 0 ||
				    !month_tags_have(&fa->languages, lang) ||
				    (round == 0 && !trained && !fa->trained) ||
				    busy_at(&g->fac_busy[(size_t)i * in->nslots], in, cd->slot) ||
				    (fa->max_meetings != PP_UNLIMITED &&
				     g->fac_used[i] + cd->meetings > fa->max_meetings))
					continue;
				if (best < 0) {
					best = i;
					continue;
				}
				{
					/* those the LP chose first, then the cheapest */
					double gi =
					    greedy_guided(g, m->fcol[FIDX(m, cd->slot, i, lang)]);
					double gb = greedy_guided(
					    g, m->fcol[FIDX(m, cd->slot, best, lang)]);

					if (gi > gb + 1e-6 ||
					    (gi > gb - 1e-6 && by_cost_fac(in, i, best) < 0))
						best = i;
				}
			}
			if (best < 0)
				break;
			pick[npick++] = best;
			trained |= in->facilitators[best].trained;
			cost += in->facilitators[best].cost;
			if (round == 0 || npick == k)
				break;
		}
	}
	if (npick < k || !trained)
		goto out;
	/* the staff who could come, and what they could cover */
	for (int j = 0; j < ns; j++) {
		const struct month_staff *sf = &in->staff[j];

		if (m->scol[(size_t)c * ns + j] == 0 ||
		    busy_at(&g->staff_busy[(size_t)j * in->nslots], in, cd->slot) ||
		    (sf->max_meetings != PP_UNLIMITED &&
		     g->staff_used[j] + cd->meetings > sf->max_meetings))
			continue;
		maxch += sf->max_children;
		for (int t = 0; t < sf->supports.n; t++)
			supported[sf->supports.v[t]] = true;
	}
	/* parents: drivers and neutral first, riders within the seats; by priority */
	for (int phase = 0; phase < 2; phase++) {
		for (;;) {
			int best = -1;

			FOR_X_AT (m, c, e) {
				const struct xcol *xc = &m->xs[e];
				const struct pclass *cl = &m->classes[xc->k];
				bool needs_ok = true;

				if (xc->c != c || xc->lang != lang ||
				    g->rem[xc->k] - take[e] <= 0 ||
				    (cl->role == ROLE_RIDER) != (phase == 1))
					continue;
				for (int t = 0; t < cl->needs.n; t++)
					needs_ok &= supported[cl->needs.v[t]];
				if (!needs_ok || children + cl->nchildren > room->childcare ||
				    children + cl->nchildren > maxch)
					continue;
				if (cl->role == ROLE_RIDER) {
					int seats = 0;

					FOR_X_AT (m, c, e2) {
						const struct pclass *c2 = &m->classes[m->xs[e2].k];

						if (m->xs[e2].c == c && c2->zone == cl->zone)
							seats +=
							    take[e2] *
							    (c2->role == ROLE_DRIVER  ? c2->seats
							     : c2->role == ROLE_RIDER ? -1
										      : 0);
					}
					if (seats <= 0)
						continue;
				}
				if (best < 0) {
					best = e;
					continue;
				}
				{
					/* those the LP put here first, then by priority */
					double ge = greedy_guided(g, xc->col);
					double gb = greedy_guided(g, m->xs[best].col);

					if (ge > gb + 1e-6 ||
					    (ge > gb - 1e-6 &&
					     cl->rep->priority >
						 m->classes[m->xs[best].k].rep->priority))
						best = e;
				}
			}
			if (best < 0 || size >= room->capacity)
				break;
			take[best]++;
			size++;
			children += m->classes[m->xs[best].k].nchildren;
		}
	}
	if (size < m->rules.min_group || size == 0)
		goto out;
	/* staff: cover each need present, then enough places for the children;
	 * those the LP chose are considered first */
	for (int q = 0; q < 2 * ns && children > 0; q++) {
		int j = q % ns;
		const struct month_staff *sf = &in->staff[j];
		bool useful = false, chosen = greedy_guided(g, m->scol[(size_t)c * ns + j]) > 0.5;

		if ((q < ns) != chosen || m->scol[(size_t)c * ns + j] == 0 ||
		    busy_at(&g->staff_busy[(size_t)j * in->nslots], in, cd->slot) ||
		    (sf->max_meetings != PP_UNLIMITED &&
		     g->staff_used[j] + cd->meetings > sf->max_meetings))
			continue;
		FOR_X_AT (m, c, e)
			if (!useful) {
				const struct pclass *cl = &m->classes[m->xs[e].k];

				if (m->xs[e].c != c || take[e] == 0)
					continue;
				for (int t = 0; t < cl->needs.n && !useful; t++) {
					bool covered = false;

					for (int u = 0; u < nstaff_pick && !covered; u++)
						covered = month_tags_have(
						    &in->staff[staff_pick[u]].supports,
						    cl->needs.v[t]);
					useful = !covered &&
						 month_tags_have(&sf->supports, cl->needs.v[t]);
				}
			}
		if (!useful) {
			int places = 0;

			for (int u = 0; u < nstaff_pick; u++)
				places += in->staff[staff_pick[u]].max_children;
			useful = places < children;
		}
		if (useful) {
			staff_pick[nstaff_pick++] = j;
			cost += sf->cost;
		}
	}
	{
		int places = 0;

		for (int u = 0; u < nstaff_pick; u++)
			places += in->staff[staff_pick[u]].max_children;
		if (places < children)
			goto out;
	}
	cost *= cd->meetings;
	if ((m->rules.has_budget && g->spent + cost > m->rules.budget + 1e-9) ||
	    (m->rules.max_series != PP_UNLIMITED && g->nseries + 1 > m->rules.max_series))
		goto out;
	/* commit */
	g->spent += cost;
	g->nseries++;
	g->dayparts |= 1u << cd->daypart;
	g->room_busy[(size_t)cd->room * in->nslots + cd->slot] = true;
	g->x[ycol_of(m, c, lang)] = 1;
	for (int t = 0; t < npick; t++) {
		g->fac_busy[(size_t)pick[t] * in->nslots + cd->slot] = true;
		g->fac_used[pick[t]] += cd->meetings;
		g->x[m->fcol[FIDX(m, cd->slot, pick[t], lang)]] = 1;
	}
	for (int t = 0; t < nstaff_pick; t++) {
		g->staff_busy[(size_t)staff_pick[t] * in->nslots + cd->slot] = true;
		g->staff_used[staff_pick[t]] += cd->meetings;
		g->x[m->scol[(size_t)c * ns + staff_pick[t]]] = 1;
	}
	FOR_X_AT (m, c, e) {
		if (take[e] == 0)
			continue;
		g->x[m->xs[e].col] += take[e];
		g->rem[m->xs[e].k] -= take[e];
		greedy_unscore(g, m->xs[e].k, take[e]);
	}
	g->x[m->dcol[c]] = size < room->comfort_lo   ? room->comfort_lo - size
			   : size > room->comfort_hi ? size - room->comfort_hi
						     : 0;
	ok = true;
out:
	free(supported);
	FOR_X_AT (m, c, e)
		take[e] = 0;
	free(staff_pick);
	return ok;
}

/* Index of y[c, lang] in model.ycol, or -1. */
static int yidx_of(const struct model *m, int c, int lang)
{
	for (int t = 0; t < m->ylang_n[c]; t++)
		if (m->ylangs[m->ylang_off[c] + t] == lang)
			return m->ylang_off[c] + t;
	return -1;
}

/* Class k has `taken` fewer parents free: lower the scores it counts in. */
static void greedy_unscore(struct greedy *g, int k, int taken)
{
	const struct model *m = g->m;
	long drop = (long)taken * m->classes[k].rep->priority;

	for (int e = m->kx_off[k]; e < m->kx_off[k + 1]; e++)
		g->score[yidx_of(m, m->xs[e].c, m->xs[e].lang)] -= drop;
}

/* Eligible priority of the parents still free for candidate c and lang. */
static long greedy_score(const struct greedy *g, int c, int lang)
{
	return g->score[yidx_of(g->m, c, lang)];
}

/* Build a plan greedily: first the series that `guide` (column values, or
 * NULL) opens, then one series for each required daypart still missing, then
 * the best-scoring candidates while any opens.  Fills x[1..n] and returns 0,
 * or -1 when it found no plan that satisfies every rule. */
static int greedy_plan(struct model *m, double *x, const double *guide)
{
	const struct month_input *in = m->in;
	struct greedy g;
	int n = glp_get_num_cols(m->lp), rc = -1;
	bool *tried = calloc((size_t)m->ncands + 1, sizeof(bool));

	memset(&g, 0, sizeof g);
	g.m = m;
	g.x = x;
	g.guide = guide;
	g.fac_used = calloc((size_t)in->nfacilitators + 1, sizeof(int));
	g.staff_used = calloc((size_t)in->nstaff + 1, sizeof(int));
	g.fac_busy = calloc((size_t)in->nfacilitators * in->nslots + 1, sizeof(bool));
	g.staff_busy = calloc((size_t)in->nstaff * in->nslots + 1, sizeof(bool));
	g.room_busy = calloc((size_t)in->nrooms * in->nslots + 1, sizeof(bool));
	g.rem = calloc((size_t)m->nclasses + 1, sizeof(int));
	g.take = calloc((size_t)m->nxs + 1, sizeof(int));
	g.score = calloc((size_t)y_count(m) + 1, sizeof(long));
	if (!tried || !g.fac_used || !g.staff_used || !g.fac_busy || !g.staff_busy ||
	    !g.room_busy || !g.rem || !g.take || !g.score)
		goto out;
	memset(x, 0, sizeof(double) * ((size_t)n + 1));
	for (int k = 0; k < m->nclasses; k++)
		g.rem[k] = m->classes[k].count;
	for (int e = 0; e < m->nxs; e++)
		g.score[yidx_of(m, m->xs[e].c, m->xs[e].lang)] +=
		    (long)m->classes[m->xs[e].k].count * m->classes[m->xs[e].k].rep->priority;
	for (int pass = guide != NULL ? 0 : 1; pass < 3; pass++) {
		for (;;) {
			int bc = -1, bl = -1;
			long bs = 0;

			for (int c = 0; c < m->ncands; c++) {
				if (tried[c] ||
				    (pass == 1 && (!(m->rules.require_dayparts & ~g.dayparts &
						     (1u << m->cands[c].daypart)))))
					continue;
				for (int t = 0; t < m->ylang_n[c]; t++) {
					int lang = m->ylangs[m->ylang_off[c] + t];
					long sc;

					if (pass == 0 && guide[m->ycol[m->ylang_off[c] + t]] < 0.5)
						continue;
					sc = greedy_score(&g, c, lang) + (pass == 0);

					if (sc > bs) {
						bs = sc;
						bc = c;
						bl = lang;
					}
				}
			}
			if (bc < 0)
				break;
			if (!greedy_try(&g, bc, bl) && pass > 0) {
				/* other languages of bc get their own chance */
				bool opened = false;

				for (int t = 0; t < m->ylang_n[bc] && !opened; t++)
					if (m->ylangs[m->ylang_off[bc] + t] != bl)
						opened = greedy_try(
						    &g, bc, m->ylangs[m->ylang_off[bc] + t]);
			}
			tried[bc] = true;
		}
		if (pass < 2)
			memset(tried, 0, sizeof(bool) * (size_t)(m->ncands + 1));
	}
	if ((m->rules.require_dayparts & ~g.dayparts) == 0)
		rc = 0;
out:
	free(tried);
	free(g.fac_used);
	free(g.staff_used);
	free(g.fac_busy);
	free(g.staff_busy);
	free(g.room_busy);
	free(g.rem);
	free(g.take);
	free(g.score);
	return rc;
}

/* ----------------------------------------------------------------- solving */

static double level_value(const struct model *m, int level, const double *x);
static void round_integers(const struct model *m, double *x);

/* GLPK's relative gap: |incumbent - bound| / (|incumbent| + DBL_EPSILON). */
static double rel_gap(double inc, double bound)
{
	return fabs(inc - bound) / (fabs(inc) + DBL_EPSILON);
}

/* Keep the best proven bound of the level (integer levels: rounded). */
static void tighten_bound(struct solve_state *st, double b, bool maximise)
{
	if (st->level <= 3)
		b = maximise ? floor(b + 1e-6) : ceil(b - 1e-6);
	if (!st->has_bound || (maximise ? b < st->bound : b > st->bound))
		st->bound = b;
	st->has_bound = true;
}

static void ios_callback(glp_tree *T, void *info)
{
	struct solve_state *st = info;
	int reason = glp_ios_reason(T);
	glp_prob *P = glp_ios_get_prob(T);
	int a_cnt, n_cnt, t_cnt;

	if (reason == GLP_IHEUR && st->warm != NULL && !st->warm_done) {
		st->warm_done = true;
		glp_ios_heur_sol(T, st->warm);
	}
	if (reason == GLP_IBINGO && st->stop_at_first) {
		glp_ios_terminate(T);
		return;
	}
	glp_ios_tree_size(T, &a_cnt, &n_cnt, &t_cnt);
	st->nodes = t_cnt;
	if (reason == GLP_ISELECT || reason == GLP_IBINGO) {
		int best = glp_ios_best_node(T);

		if (best != 0) {
			bool maximise = glp_get_obj_dir(P) == GLP_MAX;
			double b = glp_ios_node_bound(T, best);

			/* the tree bounds the plans within the columns not held */
			if (st->priced)
				b = maximise ? fmax(b, st->outside) : fmin(b, st->outside);
			tighten_bound(st, b, maximise);
		}
		if (glp_mip_status(P) == GLP_FEAS || glp_mip_status(P) == GLP_OPT)
			st->gap = rel_gap(glp_mip_obj_val(P), st->bound);
	}
	if (cancel_raised(st)) {
		st->cancelled = true;
		glp_ios_terminate(T);
		return;
	}
	if (elapsed(st) >= st->deadline) {
		st->timed_out = true;
		glp_ios_terminate(T);
		return;
	}
	{
		int ms = glp_mip_status(P);
		bool has = ms == GLP_FEAS || ms == GLP_OPT;

		report(st, has, has ? glp_mip_obj_val(P) : 0.0, reason == GLP_IBINGO);
	}
}

enum level_outcome { LVL_OPTIMAL, LVL_CUT, LVL_NOSOL, LVL_INFEASIBLE, LVL_CANCELLED };

static int remaining_ms(const struct solve_state *st)
{
	double left = st->deadline - elapsed(st);

	if (left <= 0)
		return 1;
	return left > 2e6 ? 2000000000 : (int)(left * 1000.0) + 1;
}

/* glp_simplex() has no callback, so the root LP runs in slices of a quarter
 * second, resumed from the basis it left, with the cancel flag and the
 * deadline checked in between.  Returns glp_simplex()'s code (GLP_ETMLIM
 * when the deadline passed); sets st->cancelled when cancelled. */
static int lp_sliced(struct model *m, struct solve_state *st, glp_smcp *sp)
{
	for (;;) {
		int left = remaining_ms(st), rc;

		sp->tm_lim = left < 250 ? left : 250;
		rc = glp_simplex(m->lp, sp);
		if (rc != GLP_ETMLIM)
			return rc;
		if (cancel_raised(st)) {
			st->cancelled = true;
			return rc;
		}
		if (elapsed(st) >= st->deadline)
			return rc;
		report(st, false, 0, false);
	}
}

/* ----------------------------------------------------------------- pricing
 *
 * A large month has tens or hundreds of thousands of parent columns x and
 * staff columns s, each with a bound row of its own (x <= ub * y, s <= sum
 * of y), and GLPK's simplex does not finish the whole root LP in the time
 * limit.  Almost all of them stay at zero in good plans, so a level of a
 * large ("lazy") model is solved by column generation: every x and s column
 * the warm plan leaves at zero is held there (fixed at zero, its matrix
 * entries and bound row not even given to GLPK: col_make), the LP is solved
 * over the others, and in each class (for x) and at each candidate (for s)
 * the held column whose reduced cost would raise the LP most is released,
 * until none would.  The LP value is then the root LP of the whole model,
 * and each held column j has a reduced cost d[j] <= 0 (maximising; >= 0
 * minimising): by LP duality no plan that uses j is better than
 * root_lp + d[j].  A dive (price_dive) then looks for a good plan to start
 * the search from.
 *
 * The branch and bound then runs over the released columns.  When it proves
 * that subproblem optimal with value v, every held column that could still
 * give a plan better than v is released and the search resumes from v; when
 * none is left, v is optimal for the whole model (reduced-cost fixing).
 * While it runs, a bound on the whole model is the better of the tree's
 * bound and the best root_lp + d[j] over the held columns.
 */

/* Make column j whole in GLPK: its pending matrix entries and its own bound
 * row (x <= ub * y for a parent column, s <= sum of y for a staff column).
 * Nothing to do outside lazy models.  A held column needs neither while it
 * is held: it is fixed at zero. */
static void col_make(struct model *m, int j)
{
	if (!m->lazy || m->lzk[j] == LZ_NONE || m->made[j])
		return;
	m->made[j] = true;
	/* the pending entries, gathered like a row's: (row, value) */
	row_begin(m);
	for (int q = m->pend_head[j]; q >= 0; q = m->pend_next[q])
		if (row_put(m, m->pend_row[q], m->pend_val[q]) < 0)
			m->oom = true;
	glp_set_mat_col(m->lp, j, m->rn, m->ri, m->rv);
	if (m->lzk[j] == LZ_X)
		vub_row(m, j - m->x_first);
	else
		staff_row(m, j, m->s_cand[j]);
}

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

static void price_release(struct model *m, int j)
{
	double ub = m->lzk[j] == LZ_X ? x_ub(m, j - m->x_first) : 1.0;

	glp_set_col_bnds(m->lp, j, GLP_DB, 0.0, ub);
	col_make(m, j);
	m->held[j] = false;
	m->nheld--;
}

/* Make the model whole again: release every held column and make every
 * lazy column. */
static void price_whole(struct model *m)
{
	for (int t = 0; t < m->nlz; t++) {
		int j = m->lzcols[t];

		if (m->held != NULL && m->held[j])
			price_release(m, j);
		col_make(m, j);
	}
}

/* Hold at zero every lazy column that the plan `warm` leaves at zero.
 * Returns how many are held, or -1 (memory). */
static int price_hold(struct model *m, const double *warm)
{
	if (m->held == NULL) {
		int n = glp_get_num_cols(m->lp);

		m->held = calloc((size_t)n + 1, sizeof *m->held);
		m->held_d = calloc((size_t)n + 1, sizeof *m->held_d);
		if (m->held == NULL || m->held_d == NULL)
			return -1;
	}
	for (int t = 0; t < m->nlz; t++) {
		int j = m->lzcols[t];

		if (!m->held[j] && warm[j] < 0.5) {
			glp_set_col_bnds(m->lp, j, GLP_FX, 0.0, 0.0);
			m->held[j] = true;
			m->nheld++;
		}
		if (!m->held[j])
			col_make(m, j);
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
	if (st->level <= 3 && isfinite(st->outside))
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

	if (m->taken == NULL) {
		m->taken = calloc((size_t)m->nxs + 1, sizeof *m->taken);
		m->dprime = calloc((size_t)m->nxs + 1, sizeof *m->dprime);
		if (m->taken == NULL || m->dprime == NULL)
			return sg * HUGE_VAL; /* no bound */
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
				int q = x_ub(m, best) < left ? x_ub(m, best) : left;

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
static double count_bound(const struct model *m, int level)
{
	int n = glp_get_num_cols(m->lp);
	double b = 0.0;

	for (int k = 0; k < m->nclasses; k++) {
		double best = 0.0;

		for (int e = m->kx_off[k]; e < m->kx_off[k + 1]; e++)
			best = fmax(best, m->lvl[level][m->xs[e].col]);
		b += best * m->classes[k].count;
	}
	/* the x columns are x_first .. x_first + nxs - 1 */
	for (int j = 1; j <= n && j < m->ncols; j++)
		if ((j < m->x_first || j >= m->x_first + m->nxs) && m->lvl[level][j] > 0.0)
			b += m->lvl[level][j] * glp_get_col_ub(m->lp, j);
	return b;
}

/* The root LP by column generation (see above).  Returns glp_simplex()'s
 * code as lp_sliced() does; on 0 the LP is optimal over all columns and
 * held_d[] and root_lp are set. */
static int price_lp(struct model *m, struct solve_state *st, glp_smcp *sp)
{
	int ns = m->in->nstaff;

	for (;;) {
		int rc = lp_sliced(m, st, sp), released = 0;

		if (rc != 0 || glp_get_status(m->lp) != GLP_OPT)
			return rc;
		tighten_bound(st, price_bound(m), glp_get_obj_dir(m->lp) == GLP_MAX);
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
				price_release(m, best);
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
				price_release(m, best);
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
static int price_close(struct model *m, struct solve_state *st, double v)
{
	bool maximise = glp_get_obj_dir(m->lp) == GLP_MAX;
	double step = st->level <= 3 ? 1.0 - 1e-6 : 1e-9 * fmax(1.0, fabs(v));
	int released = 0;

	for (int t = 0; t < m->nlz; t++) {
		int j = m->lzcols[t];
		double r;

		if (!m->held[j])
			continue;
		r = price_reach(m, j);
		if (maximise ? r >= v + step : r <= v - step) {
			price_release(m, j);
			released++;
		}
	}
	price_outside(m, st);
	return released;
}

/* Deadline and cancel checks only: the dive's search is over a restricted
 * problem, so its bounds say nothing about the level. */
static void dive_callback(glp_tree *T, void *info)
{
	struct solve_state *st = info;

	if (cancel_raised(st)) {
		st->cancelled = true;
		glp_ios_terminate(T);
	} else if (elapsed(st) >= st->deadline) {
		glp_ios_terminate(T);
	}
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
static bool price_dive(struct model *m, struct solve_state *st, glp_smcp *sp, const glp_iocp *ipp,
		       double *x)
{
	bool maximise = glp_get_obj_dir(m->lp) == GLP_MAX, better = false;
	const struct month_input *in = m->in;
	size_t nfc = (size_t)in->nslots * (size_t)in->nfacilitators * (size_t)(in->nstrs + 1);
	size_t nsc = (size_t)m->ncands * (size_t)in->nstaff;
	int ny = y_count(m);
	int n = glp_get_num_cols(m->lp), last = -1, ncols = 0;
	int *cols = malloc(sizeof(int) * ((size_t)ny + nfc + nsc + 1));
	double *guide = calloc((size_t)n + 1, sizeof(double));
	double *xg = calloc((size_t)n + 2, sizeof(double));
	glp_iocp ip = *ipp;
	double before = level_value(m, st->level - 1, x), v;
	int ms;

	if (cols == NULL || guide == NULL || xg == NULL)
		goto out;
	for (int t = 0; t < ny; t++)
		cols[ncols++] = m->ycol[t];
	for (;;) {
		int rc = lp_sliced(m, st, sp), pick = -1;
		double best = 1e-6;

		if (st->cancelled || elapsed(st) >= st->deadline)
			goto restore;
		if (rc != 0 || glp_get_status(m->lp) != GLP_OPT) {
			if (last < 0)
				goto restore;
			if (glp_get_col_lb(m->lp, last) < 0.5)
				break; /* a dead end: follow the last LP that had a solution */
			glp_set_col_bnds(m->lp, last, GLP_FX, 0.0, 0.0);
			continue;
		}
		for (int t = 0; t < ny; t++)
			guide[cols[t]] = glp_get_col_prim(m->lp, cols[t]);
		for (int t = 0; t < ny; t++) {
			double yv = glp_get_col_prim(m->lp, cols[t]);

			if (glp_get_col_type(m->lp, cols[t]) != GLP_FX && yv > best &&
			    yv < 1.0 - 1e-6) {
				best = yv;
				pick = cols[t];
			}
		}
		if (pick < 0)
			break;
		glp_set_col_bnds(m->lp, pick, GLP_FX, 1.0, 1.0);
		last = pick;
	}
	for (int t = 0; t < ny; t++)
		glp_set_col_bnds(m->lp, cols[t], GLP_DB, 0.0, 1.0);
	if (greedy_plan(m, xg, guide) < 0)
		goto out;
	round_integers(m, xg);
	/* polish: the greedy plan's series and people fixed, the parents free */
	for (size_t t = 0; t < nfc; t++)
		if (m->fcol[t] != 0)
			cols[ncols++] = m->fcol[t];
	for (size_t t = 0; t < nsc; t++)
		if (m->scol[t] != 0)
			cols[ncols++] = m->scol[t];
	for (int t = 0; t < m->nlz; t++)
		if (m->held[m->lzcols[t]] && xg[m->lzcols[t]] > 0.5)
			price_release(m, m->lzcols[t]);
	for (int t = 0; t < ncols; t++)
		glp_set_col_bnds(m->lp, cols[t], GLP_FX, xg[cols[t]], xg[cols[t]]);
	/* only a plan the MIP returns counts: it also holds the rows that fix
	 * the levels before this one, which the greedy plan does not know */
	v = before;
	if (lp_sliced(m, st, sp) == 0 && glp_get_status(m->lp) == GLP_OPT) {
		ip.cb_func = dive_callback;
		ip.cb_info = st;
		ip.tm_lim = remaining_ms(st) / 4 + 1000;
		if (ip.tm_lim > remaining_ms(st))
			ip.tm_lim = remaining_ms(st);
		glp_intopt(m->lp, &ip);
		ms = glp_mip_status(m->lp);
		if ((ms == GLP_FEAS || ms == GLP_OPT) &&
		    (maximise ? glp_mip_obj_val(m->lp) > v + 1e-9
			      : glp_mip_obj_val(m->lp) < v - 1e-9)) {
			for (int j = 1; j <= n; j++)
				x[j] = glp_mip_col_val(m->lp, j);
			better = true;
		}
	}
restore:
	for (int t = 0; t < ncols; t++)
		glp_set_col_bnds(m->lp, cols[t], GLP_DB, 0.0, 1.0);
out:
	free(cols);
	free(guide);
	free(xg);
	return better;
}

/* Solve a priced model's restricted root LP again (after the dive, or after
 * columns were released).  False when the level cannot go on: *out is then
 * LVL_CANCELLED, or LVL_CUT with the plan in x standing and the bound proven
 * so far. */
static bool root_lp_again(struct model *m, struct solve_state *st, glp_smcp *sp, const double *x,
			  enum level_outcome *out)
{
	int rc = lp_sliced(m, st, sp);

	if (st->cancelled) {
		*out = LVL_CANCELLED;
		return false;
	}
	if (rc != 0 || glp_get_status(m->lp) != GLP_OPT) {
		st->timed_out = true;
		st->gap = rel_gap(level_value(m, st->level - 1, x), st->bound);
		*out = LVL_CUT;
		return false;
	}
	return true;
}

/* Solve the model under the current objective.  Returns the outcome; x[1..n]
 * receives the incumbent when there is one.  In a priced model the columns
 * held at the end stay held: the next level holds at least those again. */
static enum level_outcome solve_level(struct model *m, struct solve_state *st, double *x)
{
	glp_smcp sp;
	glp_iocp ip;
	enum level_outcome out;
	int rc, ms, n = glp_get_num_cols(m->lp);

	if (n == 0) {
		/* nothing to decide: feasible iff every row holds at zero */
		for (int i = 1; i <= glp_get_num_rows(m->lp); i++)
			if (glp_get_row_lb(m->lp, i) > 1e-9 &&
			    glp_get_row_type(m->lp, i) != GLP_FR &&
			    glp_get_row_type(m->lp, i) != GLP_UP)
				return LVL_INFEASIBLE;
		return LVL_OPTIMAL;
	}
	glp_init_smcp(&sp);
	sp.msg_lev = GLP_MSG_OFF;
	sp.presolve = GLP_OFF;
	if (glp_get_it_cnt(m->lp) == 0) {
		/* first LP of this model: scale it and start from a crash basis
		 * (measured: a 300-parent root LP in 22 s instead of 30 s) */
		glp_scale_prob(m->lp, GLP_SF_AUTO);
		glp_adv_basis(m->lp, 0);
	}
	st->priced = false;
	st->has_bound = false;
	if (glp_get_obj_dir(m->lp) == GLP_MAX)
		tighten_bound(st, count_bound(m, st->level - 1), true);
	if (st->warm != NULL && x != NULL && !st->stop_at_first && m->lazy) {
		int held = price_hold(m, st->warm);

		if (held < 0)
			return LVL_NOSOL; /* out of memory: nothing to add */
		st->priced = held > 0;
	}
	if (!st->priced)
		price_whole(m);
	rc = st->priced ? price_lp(m, st, &sp) : lp_sliced(m, st, &sp);
	if (rc != 0 && rc != GLP_ETMLIM && !st->cancelled) {
		/* a numerically hard basis: retry from scratch, whole */
		price_whole(m);
		st->priced = false;
		glp_std_basis(m->lp);
		rc = lp_sliced(m, st, &sp);
	}
	if (st->cancelled)
		return LVL_CANCELLED;
	if (rc == GLP_ETMLIM) {
		st->timed_out = true;
		/* the relaxation was not solved: only a priced LP proves a bound */
		st->gap = 1.0;
		if (st->warm != NULL && st->has_bound && x != NULL)
			st->gap = fmin(1.0, rel_gap(level_value(m, st->level - 1, x), st->bound));
		return st->warm != NULL ? LVL_CUT : LVL_NOSOL;
	}
	if (rc != 0 || glp_get_status(m->lp) == GLP_NOFEAS)
		return LVL_INFEASIBLE;
	if (glp_get_status(m->lp) != GLP_OPT)
		return LVL_INFEASIBLE;
	st->has_bound = false;
	tighten_bound(st, glp_get_obj_val(m->lp), glp_get_obj_dir(m->lp) == GLP_MAX);

	glp_init_iocp(&ip);
	ip.msg_lev = GLP_MSG_OFF;
	ip.presolve = GLP_OFF;
	ip.br_tech = GLP_BR_MFV; /* chosen by measurement: docs/model.md */
	ip.bt_tech = GLP_BT_BLB;
	ip.mir_cuts = GLP_ON;
	ip.cov_cuts = GLP_ON;
	ip.clq_cuts = GLP_ON;
	ip.gmi_cuts = GLP_OFF;
	ip.fp_heur = GLP_OFF;
	ip.sr_heur = GLP_ON;
	ip.mip_gap = 0.0;
	ip.cb_func = ios_callback;
	ip.cb_info = st;
	if (st->priced && x != NULL && price_dive(m, st, &sp, &ip, x)) {
		round_integers(m, x);
		st->warm = x;
	}
	/* the dive left its own basis: back to the root LP */
	if (st->priced && !root_lp_again(m, st, &sp, x, &out))
		return out;
	for (;;) {
		ip.tm_lim = remaining_ms(st);
		st->warm_done = false;
		st->nodes = 0;
		st->gap = 0.0;
		rc = glp_intopt(m->lp, &ip);
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
		if (price_close(m, st, glp_mip_obj_val(m->lp)) == 0)
			break;
		st->warm = x;
		round_integers(m, x);
		if (!root_lp_again(m, st, &sp, x, &out))
			return out;
	}
	if (rc == 0 && ms == GLP_OPT)
		return LVL_OPTIMAL;
	if (rc == 0 && ms == GLP_NOFEAS)
		return LVL_INFEASIBLE;
	if (st->cancelled || cancel_raised(st))
		return LVL_CANCELLED;
	if (rc == GLP_ESTOP && st->stop_at_first && (ms == GLP_FEAS || ms == GLP_OPT))
		return LVL_OPTIMAL;
	st->timed_out = true;
	if (ms == GLP_FEAS || ms == GLP_OPT) {
		st->gap = rel_gap(glp_mip_obj_val(m->lp), st->bound);
		return LVL_CUT;
	}
	if (st->warm != NULL) {
		/* GLPK never took the warm start: it is still the best plan */
		st->gap = rel_gap(level_value(m, st->level - 1, x), st->bound);
		return LVL_CUT;
	}
	return LVL_NOSOL;
}

static void set_objective(struct model *m, int level)
{
	int n = glp_get_num_cols(m->lp);

	glp_set_obj_dir(m->lp, level == 0 || level == 2 ? GLP_MAX : GLP_MIN);
	for (int j = 1; j <= n; j++)
		glp_set_obj_coef(m->lp, j, j < m->ncols ? m->lvl[level][j] : 0.0);
}

static double level_value(const struct model *m, int level, const double *x)
{
	double v = 0;
	int n = glp_get_num_cols(m->lp);

	for (int j = 1; j <= n && j < m->ncols; j++)
		v += m->lvl[level][j] * x[j];
	return v;
}

/* Fix an integer level at its optimum v (half-unit margin: exact). */
static int fix_level(struct model *m, int level, double v)
{
	row_begin(m);
	for (int j = 1; j < m->ncols; j++)
		if (m->lvl[level][j] != 0.0 && row_put(m, j, m->lvl[level][j]) < 0)
			return -1;
	if (m->rn == 0)
		return 0;
	if (level == 0 || level == 2)
		row_end(m, GLP_LO, v - 0.5, 0);
	else
		row_end(m, GLP_UP, 0, v + 0.5);
	return 0;
}

/* Round the integer columns of x so an injected incumbent is exact. */
static void round_integers(const struct model *m, double *x)
{
	int n = glp_get_num_cols(m->lp);

	for (int j = 1; j <= n; j++)
		if (glp_get_col_kind(m->lp, j) != GLP_CV)
			x[j] = floor(x[j] + 0.5);
}

/* ----------------------------------------------------------- the result */

/* The facilitators of series c (language lang) out of those the plan x puts
 * at its slot in that language: the series at the slot take, in candidate
 * order, first one trained facilitator each, then the others in turn, kmax
 * each.  Writes ascending indices to out; returns 0 or -1 (memory). */
static int split_facilitators(const struct model *m, const double *x, int c, int lang, int *out,
			      int *nout)
{
	const struct month_input *in = m->in;
	int nf = in->nfacilitators, slot = m->cands[c].slot, rank = 0, nser = 0;
	int *order = malloc(sizeof(int) * (size_t)(nf + 1)), norder = 0;

	if (order == NULL)
		return -1;
	for (int c2 = 0; c2 < m->ncands; c2++) {
		int y = m->cands[c2].slot == slot ? ycol_of(m, c2, lang) : 0;

		if (y == 0 || x[y] < 0.5)
			continue;
		if (c2 == c)
			rank = nser;
		nser++;
	}
	for (int pass = 0; pass < 2; pass++)
		for (int i = 0; i < nf; i++) {
			int fj = m->fcol[FIDX(m, slot, i, lang)];

			if (fj != 0 && x[fj] > 0.5 && in->facilitators[i].trained == (pass == 0))
				order[norder++] = i;
		}
	*nout = 0;
	/* round-robin: facilitator t goes to series t mod nser */
	for (int t = 0; t < norder; t++)
		if (t % nser == rank)
			out[(*nout)++] = order[t];
	qsort(out, (size_t)*nout, sizeof(int), cmp_int);
	free(order);
	return 0;
}

/* Turn the solution x of model m into res->series, objective and unassigned. */
static int extract(struct model *m, const double *x, struct month_result *res)
{
	const struct month_input *in = m->in;
	int nf = in->nfacilitators, ns = in->nstaff;
	int *taken = calloc((size_t)m->nclasses + 1, sizeof(int));
	bool *assigned = calloc((size_t)in->nparents + 1, sizeof(bool));
	int nopen = 0;

	if (taken == NULL || assigned == NULL)
		goto fail;
	for (int c = 0; c < m->ncands; c++)
		for (int t = 0; t < m->ylang_n[c]; t++)
			nopen += x[m->ycol[m->ylang_off[c] + t]] > 0.5;
	res->series = calloc((size_t)nopen + 1, sizeof *res->series);
	if (res->series == NULL)
		goto fail;
	res->objective.coverage = 0;
	res->objective.comfort_deviation = 0;
	res->objective.preference = 0;
	res->objective.cost = 0;
	for (int c = 0; c < m->ncands; c++) {
		const struct month_cand *cd = &m->cands[c];
		const struct month_room *room = &in->rooms[cd->room];
		struct month_series *s;
		int lang = -1, size = 0;
		double per_meeting = room->cost;

		for (int t = 0; t < m->ylang_n[c]; t++)
			if (x[m->ycol[m->ylang_off[c] + t]] > 0.5)
				lang = m->ylangs[m->ylang_off[c] + t];
		if (lang < 0)
			continue;
		s = &res->series[res->nseries++];
		s->slot = cd->slot;
		s->room = cd->room;
		s->daypart = cd->daypart;
		s->language = lang;
		s->ndates = cd->meetings;
		s->dates = malloc(sizeof(int) * (size_t)cd->meetings);
		s->facilitators = malloc(sizeof(int) * (size_t)(nf + 1));
		s->staff = malloc(sizeof(int) * (size_t)(ns + 1));
		s->parents = malloc(sizeof(int) * (size_t)(room->capacity + 1));
		s->rides = calloc((size_t)room->capacity + 1, sizeof *s->rides);
		if (!s->dates || !s->facilitators || !s->staff || !s->parents || !s->rides)
			goto fail;
		memcpy(s->dates, cd->days, sizeof(int) * (size_t)cd->meetings);
		if (split_facilitators(m, x, c, lang, s->facilitators, &s->nfacilitators) < 0)
			goto fail;
		for (int t = 0; t < s->nfacilitators; t++)
			per_meeting += in->facilitators[s->facilitators[t]].cost;
		for (int j = 0; j < ns; j++)
			if (m->scol[(size_t)c * ns + j] && x[m->scol[(size_t)c * ns + j]] > 0.5) {
				s->staff[s->nstaff++] = j;
				per_meeting += in->staff[j].cost;
			}
		FOR_X_AT (m, c, e) {
			const struct pclass *cl = &m->classes[m->xs[e].k];
			int cnt = (int)floor(x[m->xs[e].col] + 0.5);

			if (m->xs[e].c != c || m->xs[e].lang != lang)
				continue;
			for (int t = 0; t < cnt && taken[m->xs[e].k] < cl->count; t++) {
				int p = cl->members[taken[m->xs[e].k]++];

				s->parents[s->nparents++] = p;
				assigned[p] = true;
			}
		}
		qsort(s->parents, (size_t)s->nparents, sizeof(int), cmp_int);
		size = s->nparents;
		for (int t = 0; t < s->nparents; t++) {
			const struct month_parent *pp = &in->parents[s->parents[t]];

			s->children += pp->nchildren;
			res->objective.coverage += pp->priority;
			res->objective.preference += pp->prefers == cd->daypart;
		}
		if (size < room->comfort_lo)
			res->objective.comfort_deviation += room->comfort_lo - size;
		else if (size > room->comfort_hi)
			res->objective.comfort_deviation += size - room->comfort_hi;
		s->cost = cd->meetings * per_meeting;
		res->objective.cost += s->cost;
		/* rides: fill each driver's seats with riders of the same zone */
		for (int t = 0; t < s->nparents; t++) {
			const struct month_parent *rider = &in->parents[s->parents[t]];
			bool placed = false;

			if (rider->transport != PP_RIDE)
				continue;
			for (int r = 0; r < s->nrides && !placed; r++) {
				const struct month_parent *drv = &in->parents[s->rides[r].driver];

				if (drv->zone == rider->zone && s->rides[r].nriders < drv->seats) {
					s->rides[r].riders[s->rides[r].nriders++] = s->parents[t];
					placed = true;
				}
			}
			for (int u = 0; u < s->nparents && !placed; u++) {
				const struct month_parent *drv = &in->parents[s->parents[u]];
				bool used = false;

				if (drv->transport != PP_CAR || drv->seats == 0 ||
				    drv->zone != rider->zone)
					continue;
				for (int r = 0; r < s->nrides && !used; r++)
					used = s->rides[r].driver == s->parents[u];
				if (used)
					continue;
				s->rides[s->nrides].driver = s->parents[u];
				s->rides[s->nrides].riders =
				    malloc(sizeof(int) * (size_t)drv->seats);
				if (s->rides[s->nrides].riders == NULL)
					goto fail;
				s->rides[s->nrides].riders[0] = s->parents[t];
				s->rides[s->nrides++].nriders = 1;
				placed = true;
			}
		}
	}
	/* Series by weekday, start time, then room and slot input order. */
	for (int a = 1; a < res->nseries; a++) {
		struct month_series tmp = res->series[a];
		int b = a - 1;

		while (b >= 0) {
			const struct month_slot *sb = &in->slots[res->series[b].slot];
			const struct month_slot *st = &in->slots[tmp.slot];
			int cmp = sb->weekday != st->weekday ? sb->weekday - st->weekday
				  : sb->start != st->start   ? sb->start - st->start
				  : res->series[b].room != tmp.room
				      ? res->series[b].room - tmp.room
				      : res->series[b].slot - tmp.slot;

			if (cmp <= 0)
				break;
			res->series[b + 1] = res->series[b];
			b--;
		}
		res->series[b + 1] = tmp;
	}
	res->unassigned = calloc((size_t)in->nparents + 1, sizeof *res->unassigned);
	if (res->unassigned == NULL)
		goto fail;
	for (int p = 0; p < in->nparents; p++) {
		struct month_unassigned *u;

		if (assigned[p])
			continue;
		u = &res->unassigned[res->nunassigned++];
		u->parent = p;
		month_explain(&m->fails[(size_t)p * m->ncands], m->ncands, u);
	}
	free(taken);
	free(assigned);
	return 0;
fail:
	free(taken);
	free(assigned);
	return -1;
}

/* ------------------------------------------------------------- the driver */

static void rules_from_policy(const struct month_policy *pol, struct model_rules *r)
{
	r->kmin = r->kmax = pol->facilitators_per_series;
	r->require_trained = pol->require_trained;
	r->min_group = pol->min_group;
	r->max_series = pol->max_series;
	r->require_dayparts = pol->require_dayparts;
	r->has_budget = pol->has_budget;
	r->budget = pol->budget;
}

static int model_init(struct model *m, const struct month_input *in,
		      const struct model_rules *rules, struct month_cand *cands, int ncands,
		      unsigned *fails, int price_from)
{
	memset(m, 0, sizeof *m);
	m->price_from = price_from;
	m->in = in;
	m->rules = *rules;
	m->cands = cands;
	m->ncands = ncands;
	m->fails = fails;
	if (build_classes(m) < 0 || build(m) < 0)
		return -1;
	return 0;
}

/* Is there any plan under these rules?  1 yes, 0 no, -1 undecided (time). */
static int feasible_under(const struct month_input *in, const struct model_rules *rules,
			  struct month_cand *cands, int ncands, unsigned *fails,
			  struct solve_state *st)
{
	struct model m;
	enum level_outcome o;
	int rc;

	if (model_init(&m, in, rules, cands, ncands, fails, 0) < 0) {
		model_free(&m);
		return -1;
	}
	set_objective(&m, 0);
	st->warm = NULL;
	st->stop_at_first = true;
	o = solve_level(&m, st, NULL);
	st->stop_at_first = false;
	rc = o == LVL_OPTIMAL || o == LVL_CUT ? 1 : o == LVL_INFEASIBLE ? 0 : -1;
	model_free(&m);
	return rc;
}

static void explain_conflicts(const struct month_input *in, struct month_cand *cands, int ncands,
			      unsigned *fails, struct solve_state *st, struct month_result *res)
{
	const struct month_policy *pol = &in->policy;

	st->stage = "conflicts";
	for (int k = 0; k < MC_COUNT; k++) {
		struct month_conflict_info *ci = &res->conflicts[k];
		struct model_rules r;
		const char *what = "";
		int f;

		rules_from_policy(pol, &r);
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
		f = feasible_under(in, &r, cands, ncands, fails, st);
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
}

static _Thread_local jmp_buf *glpk_jump;

static void glpk_error_hook(void *info)
{
	(void)info;
	if (glpk_jump != NULL)
		longjmp(*glpk_jump, 1);
}

static const char *const level_stage[4] = {"coverage", "comfort", "preference", "cost"};

/* The lexicographic solve proper; GLPK errors longjmp out of it. */
static int solve_all(const struct month_input *in, struct solve_state *st, struct month_cand *cands,
		     int ncands, unsigned *fails, struct model *m, struct month_result *res,
		     struct pp_error *err)
{
	struct model_rules rules;
	double *x;
	int n;

	rules_from_policy(&in->policy, &rules);
	st->stage = "building";
	report(st, false, 0, true);
	if (model_init(m, in, &rules, cands, ncands, fails,
		       st->ctl != NULL && st->ctl->price_from > 0 ? st->ctl->price_from
								  : PRICE_MIN_X) < 0)
		return pp_error_set(err, PP_ERR_INTERNAL, NULL, "out of memory building the model");
	n = glp_get_num_cols(m->lp);
	x = m->x = calloc((size_t)n + 2, sizeof(double));
	if (x == NULL)
		return pp_error_set(err, PP_ERR_INTERNAL, NULL, "out of memory");
	res->status = MONTH_OPTIMAL;
	for (int level = 0; level < 4; level++) {
		enum level_outcome o;
		double v;

		if (cancel_raised(st)) {
			res->status = MONTH_CANCELLED;
			return level > 0 ? 1 : 0;
		}
		st->level = level + 1;
		st->stage = level_stage[level];
		set_objective(m, level);
		st->warm = level > 0 ? x : NULL;
		if (level == 0 && greedy_plan(m, x, NULL) == 0)
			st->warm = x; /* a first incumbent for coverage */
		if (st->warm != NULL)
			round_integers(m, x);
		report(st, level > 0, level > 0 ? level_value(m, level, x) : 0, true);
		o = solve_level(m, st, x);
		if (o == LVL_CANCELLED) {
			res->status = MONTH_CANCELLED;
			return level > 0 ? 1 : 0;
		}
		if (o == LVL_INFEASIBLE && level == 0) {
			res->status = MONTH_INFEASIBLE;
			return 0;
		}
		if (o == LVL_NOSOL && level == 0) {
			res->status = MONTH_TIMEOUT;
			return 0;
		}
		if (o != LVL_OPTIMAL) {
			/* cut short (or a later level lost its warm start): keep the best */
			res->status = MONTH_FEASIBLE;
			res->gap = st->gap;
			return 1;
		}
		res->levels_proven = level + 1;
		v = level_value(m, level, x);
		if (level < 3 && fix_level(m, level, floor(v + 0.5)) < 0)
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
		model_free(&m);
		model_live = false;
		month_result_free(res);
		pp_error_set(err, PP_ERR_INTERNAL, NULL, "the solver failed (GLPK error)");
		goto out;
	}
	model_live = true;
	have_plan = solve_all(in, &st, cands, ncands, fails, &m, res, err);
	if (have_plan < 0)
		goto out;
	if (have_plan > 0 && extract(&m, m.x, res) < 0) {
		pp_error_set(err, PP_ERR_INTERNAL, NULL, "out of memory");
		goto out;
	}
	if (res->status == MONTH_INFEASIBLE) {
		model_free(&m);
		memset(&m, 0, sizeof m);
		explain_conflicts(in, cands, ncands, fails, &st, res);
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
	res->seconds = elapsed(&st);
	res->nodes = st.nodes_total;
	st.stage = "done";
	report(&st, false, 0, true);
	rc = 0;
	goto out;
out_oom:
	pp_error_set(err, PP_ERR_INTERNAL, NULL, "out of memory");
out:
	if (model_live)
		model_free(&m);
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
	rules_from_policy(&in->policy, &rules);
	if (model_init(&m, in, &rules, cands, ncands, fails, 0) < 0)
		pp_error_set(err, PP_ERR_INTERNAL, NULL, "out of memory building the model");
	else if (set_objective(&m, 0), glp_write_lp(m.lp, NULL, path) != 0)
		pp_error_set(err, PP_ERR_INTERNAL, NULL, "cannot write %s", path);
	else
		rc = 0;
	model_free(&m);
	free(fails);
	free(cands);
	return rc;
}
