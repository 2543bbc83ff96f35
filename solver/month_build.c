/*
 * month_build.c - the month plan of MODEL.md section 1 as a mixed-integer
 * program for GLPK (docs/model.md, "The program").
 *
 * Parents who are interchangeable for the model form a class
 * (month_classes.c), and the model decides how many of a class join each
 * series (an integer), not which ones.  The columns are:
 *
 *   y[c,l]   binary   series c is open with language l (only languages that
 *                     enough available facilitators speak, one trained if
 *                     required, and min_group eligible parents speak);
 *   f[s,i,l] binary   facilitator i works at slot s in language l (shared by
 *                     the series at the slot: month_extract.c splits them);
 *   s[c,j]   binary   childcare staff j attends series c (only where some
 *                     eligible parent has children);
 *   x[k,c,l] integer  parents of class k in series c with language l;
 *   d[c,l]   >= 0     comfort deviation of series c in language l;
 *   D        integer  the month's comfort deviation, the sum of the d.
 *
 * build() adds the columns, then the rows one family at a time: per
 * candidate (language choice, staff only in open series, group size,
 * comfort, children, needs, rides, variable upper bounds), then the
 * comfort total, facilitators per slot, class counts, overlaps,
 * max_meetings and the policy rows (budget, dayparts, max_series).  The order of columns and
 * rows is part of the exported LP file, so it is kept fixed.
 *
 * Overlap of slots is an interval graph per weekday, so "never in two
 * overlapping series" is one clique row per distinct set of slots that
 * contain a slot's start time (a room, a facilitator or a staff member uses
 * at most one of them).  Each parent-class column carries a variable upper
 * bound x[k,c,l] <= min(count, capacity) * y[c,l], which keeps the LP
 * relaxation tight.
 */
#include "month_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Add a column of GLPK kind `kind` with bounds lb..ub (ub HUGE_VAL: none). */
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

static bool fac_at(const struct month_input *in, int i, int c, const struct month_cand *cands)
{
	return month_fits(&in->facilitators[i].available, &in->slots[cands[c].slot]);
}

static bool staff_at(const struct month_input *in, int j, int c, const struct month_cand *cands)
{
	return month_fits(&in->staff[j].available, &in->slots[cands[c].slot]);
}

/* Can facilitator i run a series at candidate c in language lang: free at
 * its slot, speaking lang, and with meetings enough left for all of it? */
static bool fac_can_run(const struct model *m, int i, int c, int lang)
{
	const struct month_facilitator *f = &m->in->facilitators[i];

	return fac_at(m->in, i, c, m->cands) && month_tags_have(&f->languages, lang) &&
	       (f->max_meetings == PP_UNLIMITED || f->max_meetings >= m->cands[c].meetings);
}

bool month_staffable(const struct model *m, int c, int lang)
{
	int can = 0;
	bool trained = false;

	for (int i = 0; i < m->in->nfacilitators; i++) {
		if (!fac_can_run(m, i, c, lang))
			continue;
		can++;
		trained |= m->in->facilitators[i].trained;
	}
	return can >= m->rules.kmin && (trained || !m->rules.require_trained);
}

int month_speakers(const struct model *m, int c, int lang)
{
	return m->speakers[(size_t)c * (m->in->nstrs + 1) + lang];
}

/* Languages a series at candidate c can run in under the rules: it can be
 * staffed in it (month_staffable) and min_group eligible parents speak it. */
static int languages_of(struct model *m, int c, int *out)
{
	int n = 0;

	for (int t = 0; t < m->in->nstrs; t++)
		if (month_staffable(m, c, t) && month_speakers(m, c, t) >= m->rules.min_group)
			out[n++] = t;
	return n;
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
static int slot_cliques(struct model *m, int **off_out, int **slots_out)
{
	const struct month_input *in = m->in;
	int *off = month_scratch_alloc(m, (size_t)in->nslots + 2, sizeof(int));
	int *sl = month_scratch_alloc(m, (size_t)in->nslots * (size_t)in->nslots + 1, sizeof(int));
	int nq = 0, used = 0;

	if (off == NULL || sl == NULL) {
		month_scratch_free(m, off);
		month_scratch_free(m, sl);
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
/* Add v to the coefficient of column col in level's objective, growing the
 * per-level arrays as columns are added.  Returns 0 or -1 (memory). */
int month_obj_add(struct model *m, enum month_level level, int col, double v)
{
	if (col >= m->ncols) {
		int n = m->ncols ? m->ncols : 1024;

		while (n <= col)
			n *= 2;
		for (int t = LEVEL_COVERAGE; t <= LEVEL_SERIES; t++) {
			double *p;

			if (t == LEVEL_COMFORT_PREFERENCE)
				continue; /* computed from comfort and preference */
			p = realloc(m->obj[t], sizeof(double) * (size_t)n);
			if (p == NULL)
				return -1;
			memset(p + m->ncols, 0, sizeof(double) * (size_t)(n - m->ncols));
			m->obj[t] = p;
		}
		m->ncols = n;
	}
	m->obj[level][col] += v;
	return 0;
}

/* Count the eligible parents per (candidate, language) and note where some
 * eligible parent has children.  Returns 0 or -1 (memory). */
static int count_speakers(struct model *m)
{
	const struct month_input *in = m->in;

	m->speakers = calloc((size_t)m->ncands * (size_t)(in->nstrs + 1) + 1, sizeof(int));
	m->with_children = calloc((size_t)m->ncands + 1, sizeof(bool));
	if (m->speakers == NULL || m->with_children == NULL)
		return -1;
	for (int k = 0; k < m->nclasses; k++) {
		const struct pclass *cl = &m->classes[k];

		for (int u = 0; u < cl->ncands; u++) {
			for (int t = 0; t < cl->rep->languages.n; t++)
				m->speakers[(size_t)cl->cands[u] * (in->nstrs + 1) +
					    cl->rep->languages.v[t]] += cl->count;
			m->with_children[cl->cands[u]] |= cl->nchildren > 0;
		}
	}
	return 0;
}

/* The columns of candidate c: y per language it can run in, f for each
 * facilitator who could run it (shared by the candidates at one slot), s
 * for each staff member who could attend, and the comfort deviation d.
 * langs is scratch for nstrs languages.  Returns 0 or -1 (memory). */
static int add_series_columns(struct model *m, int c, int *langs, int *total_langs)
{
	const struct month_input *in = m->in;
	const struct month_cand *cd = &m->cands[c];
	const struct month_room *room = &in->rooms[cd->room];
	int nf = in->nfacilitators, ns = in->nstaff;
	int nl = languages_of(m, c, langs);

	m->ylang_off[c] = *total_langs;
	m->ylang_n[c] = nl;
	for (int t = 0; t < nl; t++) {
		int j = col_add(m, GLP_BV, 0, 1);

		m->ylangs[*total_langs] = langs[t];
		m->ycol[(*total_langs)++] = j;
		if (month_obj_add(m, LEVEL_COST, j, cd->meetings * room->cost) < 0)
			return -1;
	}
	/* d per language, as a series runs in one: a deviation summed over its
	 * languages let the relaxation fill half a minority-language series
	 * with half a series of another language's parents */
	for (int t = 0; t < nl; t++)
		m->dcol[m->ylang_off[c] + t] = col_add(m, GLP_CV, 0, HUGE_VAL);
	if (nl == 0)
		return 0;
	/* f[slot, i, l] for each facilitator who could run it in l */
	for (int t = 0; t < nl; t++) {
		for (int i = 0; i < nf; i++) {
			int *fj = &m->fcol[FIDX(m, cd->slot, i, langs[t])];

			if (*fj != 0 || !fac_can_run(m, i, c, langs[t]))
				continue;
			*fj = col_add(m, GLP_BV, 0, 1);
			if (month_obj_add(m, LEVEL_COST, *fj,
					  cd->meetings * in->facilitators[i].cost) < 0)
				return -1;
		}
	}
	for (int j = 0; j < ns; j++) {
		/* staff only pay where there are children, or to keep a series' staff */
		if (!m->with_children[c] && !month_replan_staff_kept(m, c, j))
			continue;
		if (!staff_at(in, j, c, m->cands))
			continue;
		if (in->staff[j].max_meetings != PP_UNLIMITED &&
		    in->staff[j].max_meetings < cd->meetings)
			continue;
		m->scol[(size_t)c * ns + j] = col_add(m, GLP_BV, 0, 1);
		if (month_obj_add(m, LEVEL_COST, m->scol[(size_t)c * ns + j],
				  cd->meetings * in->staff[j].cost) < 0)
			return -1;
	}
	return 0;
}

/* The columns y, f, s, d of every candidate (add_series_columns), then D,
 * which carries the comfort objective.  Returns 0 or -1 (memory). */
static int add_all_series_columns(struct model *m)
{
	const struct month_input *in = m->in;
	int *langs = month_scratch_alloc(m, (size_t)in->nstrs + 1, sizeof(int));
	int total_langs = 0, rc = 0;

	m->ylang_off = calloc((size_t)m->ncands + 1, sizeof(int));
	m->ylang_n = calloc((size_t)m->ncands + 1, sizeof(int));
	m->ylangs = malloc(sizeof(int) * ((size_t)m->ncands * (size_t)(in->nstrs + 1) + 1));
	m->ycol = malloc(sizeof(int) * ((size_t)m->ncands * (size_t)(in->nstrs + 1) + 1));
	m->fcol =
	    calloc((size_t)in->nslots * (size_t)in->nfacilitators * (size_t)(in->nstrs + 1) + 1,
		   sizeof(int));
	m->scol = calloc((size_t)m->ncands * (size_t)in->nstaff + 1, sizeof(int));
	m->dcol = malloc(sizeof(int) * ((size_t)m->ncands * (size_t)(in->nstrs + 1) + 1));
	if (!langs || !m->ylang_off || !m->ylang_n || !m->ylangs || !m->ycol || !m->fcol ||
	    !m->scol || !m->dcol)
		rc = -1;
	for (int c = 0; c < m->ncands && rc == 0; c++)
		rc = add_series_columns(m, c, langs, &total_langs);
	month_scratch_free(m, langs);
	if (rc < 0)
		return -1;
	m->dcol_total = col_add(m, GLP_IV, 0, HUGE_VAL);
	return month_obj_add(m, LEVEL_COMFORT, m->dcol_total, 1.0);
}

/* The columns x[k,c,l]: per class, eligible candidate and language of the
 * candidate the class speaks, with the coverage and preference
 * coefficients.  Returns 0 or -1 (memory). */
static int add_parent_columns(struct model *m)
{
	const struct month_input *in = m->in;

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
				    month_obj_add(m, LEVEL_COVERAGE, j, cl->rep->priority) < 0 ||
				    month_obj_add(
					m, LEVEL_PREFERENCE, j,
					cl->rep->prefers == m->cands[c].daypart ? 1.0 : 0.0) < 0)
					return -1;
			}
		}
	}
	/* every column has a coefficient slot in every level */
	if (month_obj_add(m, LEVEL_COVERAGE, glp_get_num_cols(m->lp), 0.0) < 0)
		return -1;
	return index_xs(m);
}

/* A model with at least price_from parent columns is lazy: note its x and
 * s columns, whose entries will wait until they are released
 * (month_price.c).  Returns 0 or -1 (memory). */
static int mark_lazy_columns(struct model *m)
{
	int ns = m->in->nstaff, n = glp_get_num_cols(m->lp);

	m->lazy = m->price_from > 0 && m->nxs >= m->price_from;
	if (!m->lazy)
		return 0;
	m->made = calloc((size_t)n + 1, sizeof *m->made);
	m->lzk = calloc((size_t)n + 1, sizeof *m->lzk);
	m->s_cand = calloc((size_t)n + 1, sizeof *m->s_cand);
	m->lzcols = malloc(sizeof(int) * ((size_t)n + 1));
	m->pend_head = malloc(sizeof(int) * ((size_t)n + 1));
	if (!m->made || !m->lzk || !m->s_cand || !m->lzcols || !m->pend_head)
		return -1;
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
	return 0;
}

/* Candidate c runs in one language at most: sum_l y[c,l] <= 1. */
static void language_choice_row(struct model *m, int c)
{
	month_row_begin(m);
	for (int t = 0; t < m->ylang_n[c]; t++)
		month_row_put(m, m->ycol[m->ylang_off[c] + t], 1);
	month_row_end(m, GLP_UP, 0, 1);
}

/* Staff at candidate c only in an open series (lazy models: when the
 * staff column is made). */
static void staff_open_rows(struct model *m, int c)
{
	int ns = m->in->nstaff;

	for (int j = 0; j < ns; j++) {
		int sj = m->scol[(size_t)c * ns + j];

		if (sj != 0 && !m->lazy) /* lazy models: month_col_make */
			month_staff_row(m, sj, c);
	}
}

/* Group size per language: min_group*y <= sum x <= capacity*y. */
static void group_size_rows(struct model *m, int c)
{
	const struct month_room *room = &m->in->rooms[m->cands[c].room];
	int off = m->ylang_off[c];

	for (int t = 0; t < m->ylang_n[c]; t++) {
		int lang = m->ylangs[off + t];

		month_row_begin(m);
		FOR_X_AT (m, c, e)
			if (m->xs[e].c == c && m->xs[e].lang == lang)
				month_row_put(m, m->xs[e].col, 1);
		month_row_put(m, m->ycol[off + t], -room->capacity);
		month_row_end(m, GLP_UP, 0, 0);
		month_row_begin(m);
		FOR_X_AT (m, c, e)
			if (m->xs[e].c == c && m->xs[e].lang == lang)
				month_row_put(m, m->xs[e].col, 1);
		month_row_put(m, m->ycol[off + t], -m->rules.min_group);
		month_row_end(m, GLP_LO, 0, 0);
	}
}

/* Comfort deviation of candidate c in each language l it can run in:
 * d[c,l] >= lo*y[c,l] - size[c,l] and d[c,l] >= size[c,l] - hi*y[c,l]. */
static void comfort_rows(struct model *m, int c)
{
	const struct month_room *room = &m->in->rooms[m->cands[c].room];
	int off = m->ylang_off[c];

	for (int t = 0; t < m->ylang_n[c]; t++) {
		int lang = m->ylangs[off + t];

		for (int sign = 1; sign >= -1; sign -= 2) {
			month_row_begin(m);
			month_row_put(m, m->dcol[off + t], 1);
			FOR_X_AT (m, c, e)
				if (m->xs[e].c == c && m->xs[e].lang == lang)
					month_row_put(m, m->xs[e].col, sign);
			month_row_put(m, m->ycol[off + t],
				      sign > 0 ? -room->comfort_lo : room->comfort_hi);
			month_row_end(m, GLP_LO, 0, 0);
		}
	}
}

/* D = sum of every d[c,l].  Every d of a plan is whole, so D is too, and
 * a relaxation at D = 22.5 is cut off by branching on D alone.  The row is
 * free until the comfort objective is set (month_set_objective): in the
 * coverage level's LP it only changed the search's path (measured:
 * month-8106's coverage unproven at 60 s instead of proven in 5 s). */
static void comfort_total_row(struct model *m)
{
	int ny = month_y_count(m);

	month_row_begin(m);
	for (int q = 0; q < ny; q++)
		month_row_put(m, m->dcol[q], 1);
	month_row_put(m, m->dcol_total, -1);
	month_row_end(m, GLP_FR, 0, 0);
	m->drow_total = glp_get_num_rows(m->lp);
}

/* Children at candidate c: at most the room's childcare places when open,
 * and at most the max_children of the staff who attend. */
static void children_rows(struct model *m, int c)
{
	const struct month_input *in = m->in;
	const struct month_room *room = &in->rooms[m->cands[c].room];
	int ns = in->nstaff, off = m->ylang_off[c], base;

	month_row_begin(m);
	FOR_X_AT (m, c, e)
		if (m->xs[e].c == c)
			month_row_put(m, m->xs[e].col, m->classes[m->xs[e].k].nchildren);
	if (m->rn == 0)
		return;
	base = m->rn;
	for (int t = 0; t < m->ylang_n[c]; t++)
		month_row_put(m, m->ycol[off + t], -room->childcare);
	month_row_end(m, GLP_UP, 0, 0);
	m->rn = base; /* same children terms, other right-hand side */
	for (int j = 0; j < ns; j++)
		month_row_put(m, m->scol[(size_t)c * ns + j], -in->staff[j].max_children);
	month_row_end(m, GLP_UP, 0, 0);
}

/* Need coverage of one parent-class entry e at candidate c, need tag:
 * x[e] <= min(count, capacity) * (staff at c who support the tag).  The
 * candidate's big-M row below implies it for whole columns; this one keeps
 * the relaxation from opening a fraction of a staff member per parent
 * (docs/model.md, "Need rows per class").  Lazy models skip it: their x
 * rows are made only with their column. */
static void need_entry_row(struct model *m, int c, int e, int tag)
{
	const struct month_input *in = m->in;
	int ns = in->nstaff;

	month_row_begin(m);
	month_row_put(m, m->xs[e].col, 1);
	for (int j = 0; j < ns; j++)
		if (month_tags_have(&in->staff[j].supports, tag))
			month_row_put(m, m->scol[(size_t)c * ns + j], -month_x_ub(m, e));
	month_row_end(m, GLP_UP, 0, 0);
}

/* Need coverage at candidate c: parents with need t only if some staff
 * member who supports t attends (big-M: at most the room's capacity). */
static void need_rows(struct model *m, int c)
{
	const struct month_input *in = m->in;
	const struct month_room *room = &in->rooms[m->cands[c].room];
	int ns = in->nstaff;

	for (int tag = 0; tag < in->nstrs; tag++) {
		int big = 0;

		month_row_begin(m);
		FOR_X_AT (m, c, e) {
			const struct pclass *cl = &m->classes[m->xs[e].k];

			if (m->xs[e].c == c && month_tags_have(&cl->needs, tag)) {
				month_row_put(m, m->xs[e].col, 1);
				big += cl->count;
			}
		}
		if (m->rn == 0)
			continue;
		if (big > room->capacity)
			big = room->capacity;
		for (int j = 0; j < ns; j++)
			if (month_tags_have(&in->staff[j].supports, tag))
				month_row_put(m, m->scol[(size_t)c * ns + j], -big);
		month_row_end(m, GLP_UP, 0, 0);
		if (m->lazy)
			continue;
		FOR_X_AT (m, c, e)
			if (m->xs[e].c == c && month_tags_have(&m->classes[m->xs[e].k].needs, tag))
				need_entry_row(m, c, e, tag);
	}
}

/* Is x entry e2 at candidate c a rider or driver of rider entry e's zone,
 * and with by_lang of its language? */
static bool same_ride(const struct model *m, int c, int e, int e2, bool by_lang)
{
	return m->xs[e2].c == c && m->classes[m->xs[e2].k].zone == m->classes[m->xs[e].k].zone &&
	       (!by_lang || m->xs[e2].lang == m->xs[e].lang);
}

/* Is x entry e the first rider entry of its ride row at c (its zone, and
 * with by_lang its language)? */
static bool first_rider(const struct model *m, int c, int e, bool by_lang)
{
	if (m->xs[e].c != c || m->classes[m->xs[e].k].role != ROLE_RIDER)
		return false;
	FOR_X_AT (m, c, e2)
		if (e2 < e && same_ride(m, c, e, e2, by_lang) &&
		    m->classes[m->xs[e2].k].role == ROLE_RIDER)
			return false;
	return true;
}

/* The ride row of rider entry e at c: riders <= seats of the drivers; its
 * value at the LP solution is returned. */
static double ride_row(struct model *m, int c, int e, bool by_lang)
{
	double v = 0;

	month_row_begin(m);
	FOR_X_AT (m, c, e2) {
		const struct pclass *cl = &m->classes[m->xs[e2].k];
		double a = cl->role == ROLE_RIDER ? 1 : cl->role == ROLE_DRIVER ? -cl->seats : 0;

		if (a == 0 || !same_ride(m, c, e, e2, by_lang))
			continue;
		month_row_put(m, m->xs[e2].col, a);
		if (by_lang)
			v += a * glp_get_col_prim(m->lp, m->xs[e2].col);
	}
	return v;
}

/* Rides at candidate c, one row per zone with riders: riders <= seats of
 * the drivers of that zone.  Per language it is tighter (a series runs in
 * one language, so a driver in another cannot take a rider), but those rows
 * are added as cuts where the relaxation needs them (month_ride_cuts). */
static void ride_rows(struct model *m, int c)
{
	FOR_X_AT (m, c, e)
		if (first_rider(m, c, e, false)) {
			ride_row(m, c, e, false);
			month_row_end(m, GLP_UP, 0, 0);
		}
}

int month_ride_cuts(struct model *m)
{
	int added = 0;

	for (int c = 0; c < m->ncands && !m->lazy; c++) {
		if (m->ylang_n[c] < 2)
			continue; /* one language: the zone's row is the language's */
		FOR_X_AT (m, c, e) {
			if (!first_rider(m, c, e, true))
				continue;
			if (ride_row(m, c, e, true) > 1e-6) {
				month_row_end(m, GLP_UP, 0, 0);
				added++;
			}
		}
	}
	return m->oom ? -1 : added;
}

/* The rows of candidate c that has some language, family by family. */
static void candidate_rows(struct model *m, int c)
{
	language_choice_row(m, c);
	staff_open_rows(m, c);
	group_size_rows(m, c);
	comfort_rows(m, c);
	children_rows(m, c);
	need_rows(m, c);
	ride_rows(m, c);
	/* variable upper bounds (lazy models: month_col_make) */
	if (!m->lazy)
		FOR_X_AT (m, c, e)
			if (m->xs[e].c == c)
				month_vub_row(m, e);
}

/* Facilitators per slot and language: kmin..kmax per open series, one
 * trained per open series.  Who runs which series at the slot is then a
 * free split (trained ones first, month_extract.c), so rooms need no
 * columns of their own. */
static void facilitator_rows(struct model *m)
{
	const struct month_input *in = m->in;
	const struct model_rules *R = &m->rules;

	for (int sl = 0; sl < in->nslots; sl++) {
		for (int lang = 0; lang < in->nstrs; lang++) {
			int nyc = 0;

			for (int c = 0; c < m->ncands; c++)
				if (m->cands[c].slot == sl && month_ycol(m, c, lang))
					nyc++;
			if (nyc == 0)
				continue;
			for (int pass = 0; pass < 3; pass++) {
				if (pass == 1 && R->kmin == R->kmax)
					continue;
				if (pass == 2 && !R->require_trained)
					continue;
				month_row_begin(m);
				for (int i = 0; i < in->nfacilitators; i++)
					if (pass < 2 || in->facilitators[i].trained)
						month_row_put(m, m->fcol[FIDX(m, sl, i, lang)], 1);
				for (int c = 0; c < m->ncands; c++)
					if (m->cands[c].slot == sl)
						month_row_put(m, month_ycol(m, c, lang),
							      pass == 0   ? -R->kmax
							      : pass == 1 ? -R->kmin
									  : -1);
				if (pass == 0)
					month_row_end(m, R->kmin == R->kmax ? GLP_FX : GLP_UP, 0,
						      0);
				else
					month_row_end(m, GLP_LO, 0, 0);
			}
		}
	}
}

/* Each class: at most its count in all series (m->krow notes the row, which
 * pricing leaves out of its Lagrangian bound).  Returns 0 or -1 (memory). */
static int class_count_rows(struct model *m)
{
	m->krow = calloc((size_t)m->nclasses + 1, sizeof(int));
	if (m->krow == NULL)
		return -1;
	for (int k = 0; k < m->nclasses; k++) {
		int before = glp_get_num_rows(m->lp);

		month_row_begin(m);
		for (int e = m->kx_off[k]; e < m->kx_off[k + 1]; e++)
			if (m->xs[e].k == k)
				month_row_put(m, m->xs[e].col, 1);
		if (m->rn > 0 && m->classes[k].count > 1)
			month_row_end(m, GLP_UP, 0, m->classes[k].count);
		else if (m->rn > 1)
			month_row_end(m, GLP_UP, 0, 1);
		if (glp_get_num_rows(m->lp) > before)
			m->krow[k] = glp_get_num_rows(m->lp);
	}
	return 0;
}

/* Overlaps: per clique of overlapping slots (slot_cliques), each room,
 * facilitator and staff member in one series at most.  Returns 0 or -1. */
static int overlap_rows(struct model *m)
{
	const struct month_input *in = m->in;
	int nf = in->nfacilitators, ns = in->nstaff;
	int *qoff = NULL, *qsl = NULL, nq = slot_cliques(m, &qoff, &qsl);

	if (nq < 0)
		return -1;
	for (int q = 0; q < nq; q++) {
		for (int r = 0; r < in->nrooms; r++) {
			month_row_begin(m);
			for (int c = 0; c < m->ncands; c++)
				if (m->cands[c].room == r &&
				    in_clique(qsl, qoff[q], qoff[q + 1], m->cands[c].slot))
					for (int t = 0; t < m->ylang_n[c]; t++)
						month_row_put(m, m->ycol[m->ylang_off[c] + t], 1);
			if (m->rn > 1)
				month_row_end(m, GLP_UP, 0, 1);
		}
		for (int i = 0; i < nf; i++) {
			month_row_begin(m);
			for (int t = qoff[q]; t < qoff[q + 1]; t++)
				for (int lang = 0; lang < in->nstrs; lang++)
					month_row_put(m, m->fcol[FIDX(m, qsl[t], i, lang)], 1);
			if (m->rn > 1)
				month_row_end(m, GLP_UP, 0, 1);
		}
		for (int j = 0; j < ns; j++) {
			month_row_begin(m);
			for (int c = 0; c < m->ncands; c++)
				if (in_clique(qsl, qoff[q], qoff[q + 1], m->cands[c].slot))
					month_row_put(m, m->scol[(size_t)c * ns + j], 1);
			if (m->rn > 1)
				month_row_end(m, GLP_UP, 0, 1);
		}
	}
	month_scratch_free(m, qoff);
	month_scratch_free(m, qsl);
	return 0;
}

/* max_meetings per facilitator and staff member (only where the columns
 * could exceed it). */
static void max_meetings_rows(struct model *m)
{
	const struct month_input *in = m->in;
	int ns = in->nstaff;

	for (int i = 0; i < in->nfacilitators; i++) {
		int cap = in->facilitators[i].max_meetings, sum = 0;

		if (cap == PP_UNLIMITED)
			continue;
		month_row_begin(m);
		for (int sl = 0; sl < in->nslots; sl++) {
			int days[5], meetings = month_meeting_days(in, in->slots[sl].weekday, days);

			for (int lang = 0; lang < in->nstrs; lang++)
				if (m->fcol[FIDX(m, sl, i, lang)]) {
					month_row_put(m, m->fcol[FIDX(m, sl, i, lang)], meetings);
					sum += meetings;
				}
		}
		if (sum > cap)
			month_row_end(m, GLP_UP, 0, cap);
	}
	for (int j = 0; j < ns; j++) {
		int cap = in->staff[j].max_meetings, sum = 0;

		if (cap == PP_UNLIMITED)
			continue;
		month_row_begin(m);
		for (int c = 0; c < m->ncands; c++)
			if (m->scol[(size_t)c * ns + j]) {
				month_row_put(m, m->scol[(size_t)c * ns + j], m->cands[c].meetings);
				sum += m->cands[c].meetings;
			}
		if (sum > cap)
			month_row_end(m, GLP_UP, 0, cap);
	}
}

/* The policy rows over the whole plan: budget, required dayparts and
 * max_series.  Returns 0 or -1 (memory). */
static int policy_rows(struct model *m)
{
	const struct model_rules *R = &m->rules;

	if (R->has_budget) {
		month_row_begin(m);
		if (month_row_put_objective(m, LEVEL_COST) < 0)
			return -1;
		month_row_end(m, GLP_UP, 0, R->budget);
	}
	for (int d = 0; d < 3; d++) {
		if (!(R->require_dayparts & (1u << d)))
			continue;
		month_row_begin(m);
		for (int c = 0; c < m->ncands; c++)
			if (m->cands[c].daypart == d)
				for (int t = 0; t < m->ylang_n[c]; t++)
					month_row_put(m, m->ycol[m->ylang_off[c] + t], 1);
		if (m->rn == 0) {
			/* no series can have this daypart: an infeasible empty row */
			int i = glp_add_rows(m->lp, 1);

			glp_set_row_bnds(m->lp, i, GLP_LO, 1, 0);
			continue;
		}
		month_row_end(m, GLP_LO, 1, 0);
	}
	if (R->max_series != PP_UNLIMITED) {
		month_row_begin(m);
		for (int c = 0; c < m->ncands; c++)
			for (int t = 0; t < m->ylang_n[c]; t++)
				month_row_put(m, m->ycol[m->ylang_off[c] + t], 1);
		if (m->rn > R->max_series)
			month_row_end(m, GLP_UP, 0, R->max_series);
	}
	return 0;
}

/* Build the whole MIP for the rules: the columns, then the rows in a fixed
 * order (exported LP files depend on it).  Returns 0, or -1 on allocation
 * failure. */
static int build(struct model *m)
{
	if (count_speakers(m) < 0)
		return -1;
	m->lp = glp_create_prob();
	glp_set_obj_dir(m->lp, GLP_MAX);
	if (add_all_series_columns(m) < 0 || add_parent_columns(m) < 0 || mark_lazy_columns(m) < 0)
		return -1;
	for (int c = 0; c < m->ncands; c++)
		if (m->ylang_n[c] > 0)
			candidate_rows(m, c);
	comfort_total_row(m);
	facilitator_rows(m);
	if (class_count_rows(m) < 0 || overlap_rows(m) < 0)
		return -1;
	max_meetings_rows(m);
	if (policy_rows(m) < 0)
		return -1;
	return m->oom ? -1 : 0;
}

void month_rules_from_policy(const struct month_policy *pol, struct model_rules *r)
{
	r->kmin = r->kmax = pol->facilitators_per_series;
	r->require_trained = pol->require_trained;
	r->min_group = pol->min_group;
	r->max_series = pol->max_series;
	r->require_dayparts = pol->require_dayparts;
	r->has_budget = pol->has_budget;
	r->budget = pol->budget;
	r->replan = false; /* the solve sets it for a re-plan; conflicts and export never */
}

int month_model_init(struct model *m, const struct month_input *in, const struct model_rules *rules,
		     struct month_cand *cands, int ncands, unsigned *fails, int price_from)
{
	memset(m, 0, sizeof *m);
	m->price_from = price_from;
	m->in = in;
	m->rules = *rules;
	m->cands = cands;
	m->ncands = ncands;
	m->fails = fails;
	if (rules->replan && month_replan_prepare(m) < 0)
		return -1;
	if (month_build_classes(m) < 0 || build(m) < 0)
		return -1;
	return rules->replan ? month_replan_build(m) : 0;
}

/* N[c] = sum over staff of s[c,j], the number of staff at candidate c: a
 * whole number the search branches on (month_branch_on_series) where the
 * relaxation pays for 8/7 of a staff member and branching on one s lets
 * another take the fraction.  Added when the cost level starts, or when a
 * coverage search stalls, so the levels before search the model they
 * always had (docs/model.md, "Staff counts"); whole models only, as a
 * lazy model's s columns wait for pricing. */
int month_add_staff_counts(struct model *m)
{
	int ns = m->in->nstaff;

	if (m->lazy || m->ncol != NULL)
		return 0;
	m->ncol = calloc((size_t)m->ncands + 1, sizeof(int));
	if (m->ncol == NULL)
		return -1;
	for (int c = 0; c < m->ncands; c++) {
		month_row_begin(m);
		for (int j = 0; j < ns; j++)
			if (m->scol[(size_t)c * ns + j] != 0)
				month_row_put(m, m->scol[(size_t)c * ns + j], 1);
		if (m->rn == 0)
			continue;
		m->ncol[c] = col_add(m, GLP_IV, 0, m->rn);
		if (month_obj_add(m, LEVEL_COVERAGE, m->ncol[c], 0.0) < 0)
			return -1;
		month_row_put(m, m->ncol[c], -1);
		month_row_end(m, GLP_FX, 0, 0);
	}
	return m->oom ? -1 : 0;
}
