/*
 * month_replan.c - the changes level of a re-plan (MODEL.md section 1,
 * "Re-planning and continuity"; docs/model.md, "Re-planning"): the previous
 * plan mapped onto this month's candidates, the columns and rows that count
 * what it keeps, and the previous plan as a guide for the first plan.
 *
 * changes = w_parent * (previous parents not in their series again)
 *         + w_facilitator * (previous facilitators a kept series loses)
 *         + w_staff * (previous staff a kept series loses).
 *
 * Parents: the classes split by previous series (pclass.prev_cand), so the
 * parents a class keeps in its previous series are x[k, prev_cand, l], and
 * the level is a constant (every previous parent moved) minus w_parent per
 * kept parent.  Staff: s[c,j] is per series already, so a kept series c
 * loses w_staff * (y[c] - s[c,j]) for each previous member j.
 *
 * Facilitators are pooled per slot and language (f[s,i,l]); the split over
 * the series of a slot is free.  A keep column g[i,c,l] says that i runs
 * previous series c again, in language l:
 *
 *   g[i,c,l] <= y[c,l];   sum over c at the slot of g[i,c,l] <= f[s,i,l];
 *   sum_i g[i,c,l] <= kmax * y[c,l]
 *
 * and with require_trained, a[c,l] (c keeps a trained facilitator):
 *
 *   a <= y[c,l];   a <= trained kept;   sum_i g[i,c,l] <= (kmax-1) y + a;
 *   trained pooled - trained kept + sum_c a - sum_c y >= 0   (per slot, l)
 *
 * which is exactly when a split exists that gives each series its kept
 * facilitators, one trained facilitator and kmax in all (the kept first,
 * then a trained one to each series that kept none, then the rest: what
 * month_replan_split() does).  The facilitator changes of c are then
 * w_facilitator * (sum_l y[c,l] - sum_l g[i,c,l]) per previous member i.
 */
#include "month_internal.h"

#include <stdlib.h>
#include <string.h>

/* The candidate of each previous series and of each parent's previous
 * series (when they are still eligible for it), and the staff of each. */
int month_replan_prepare(struct model *m)
{
	const struct month_input *in = m->in;
	const struct month_previous *pv = &in->previous;
	int ns = in->nstaff;

	m->prev_cand = malloc(sizeof(int) * ((size_t)pv->nseries + 1));
	m->parent_prev = malloc(sizeof(int) * ((size_t)in->nparents + 1));
	m->staff_prev = calloc((size_t)m->ncands * (size_t)ns + 1, sizeof(bool));
	if (m->prev_cand == NULL || m->parent_prev == NULL || m->staff_prev == NULL)
		return -1;
	for (int p = 0; p < in->nparents; p++)
		m->parent_prev[p] = -1;
	for (int ps = 0; ps < pv->nseries; ps++) {
		const struct month_prev_series *s = &pv->series[ps];
		int c = -1;

		for (int t = 0; t < m->ncands && c < 0; t++)
			if (m->cands[t].slot == s->slot && m->cands[t].room == s->room)
				c = t;
		m->prev_cand[ps] = c;
		if (c < 0)
			continue;
		for (int t = 0; t < s->nparents; t++) {
			int p = s->parents[t];

			if (m->fails[(size_t)p * m->ncands + c] == 0)
				m->parent_prev[p] = c;
		}
		for (int t = 0; t < s->nstaff; t++)
			m->staff_prev[(size_t)c * ns + s->staff[t]] = true;
	}
	return 0;
}

bool month_replan_staff_kept(const struct model *m, int c, int j)
{
	return m->staff_prev != NULL && m->staff_prev[(size_t)c * m->in->nstaff + j];
}

static int g_push(struct model *m, int i, int c, int lang, int col)
{
	struct gcol *v = realloc(m->gs, sizeof *v * ((size_t)m->ngs + 1));

	if (v == NULL)
		return -1;
	m->gs = v;
	m->gs[m->ngs++] = (struct gcol){i, c, lang, col};
	return 0;
}

/* The changes objective of previous series ps at candidate c, and its
 * keep columns.  Returns 0 or -1 (memory). */
static int series_terms(struct model *m, int ps, int c)
{
	const struct month_input *in = m->in;
	const struct month_prev_series *s = &in->previous.series[ps];
	const int *w = in->policy.change_weights;
	int slot = m->cands[c].slot, ns = in->nstaff;

	for (int t = 0; t < m->ylang_n[c]; t++) {
		int y = m->ycol[m->ylang_off[c] + t], lang = m->ylangs[m->ylang_off[c] + t];

		if (month_obj_add(m, LEVEL_CHANGES, y,
				  w[MCK_FACILITATOR] * s->nfacilitators +
				      w[MCK_STAFF] * s->nstaff) < 0)
			return -1;
		for (int u = 0; u < s->nfacilitators; u++) {
			int i = s->facilitators[u], col;

			if (m->fcol[FIDX(m, slot, i, lang)] == 0)
				continue;
			col = glp_add_cols(m->lp, 1);
			glp_set_col_kind(m->lp, col, GLP_BV);
			if (g_push(m, i, c, lang, col) < 0 ||
			    month_obj_add(m, LEVEL_CHANGES, col, -w[MCK_FACILITATOR]) < 0)
				return -1;
		}
	}
	for (int u = 0; u < s->nstaff; u++) {
		int sj = m->scol[(size_t)c * ns + s->staff[u]];

		if (sj != 0 && month_obj_add(m, LEVEL_CHANGES, sj, -w[MCK_STAFF]) < 0)
			return -1;
	}
	return 0;
}

/* The rows of the keep columns at (c, lang): g <= y, the per-series count,
 * and with require_trained the column a[c,l] and its rows. */
static int series_rows(struct model *m, int c, int lang, int from, int to)
{
	const struct month_input *in = m->in;
	int y = month_ycol(m, c, lang), kmax = m->rules.kmax, ntrained = 0, a = 0;
	bool trained_rule = m->rules.require_trained;

	for (int e = from; e < to; e++) {
		month_row_begin(m);
		month_row_put(m, m->gs[e].col, 1);
		month_row_put(m, y, -1);
		month_row_end(m, GLP_UP, 0, 0);
		ntrained += in->facilitators[m->gs[e].i].trained;
	}
	if (trained_rule && ntrained > 0) {
		a = glp_add_cols(m->lp, 1);
		glp_set_col_kind(m->lp, a, GLP_BV);
		m->acol[month_ypos(m, c, lang)] = a;
		if (month_obj_add(m, LEVEL_CHANGES, a, 0.0) < 0)
			return -1;
		month_row_begin(m);
		month_row_put(m, a, 1);
		month_row_put(m, y, -1);
		month_row_end(m, GLP_UP, 0, 0);
		month_row_begin(m);
		month_row_put(m, a, 1);
		for (int e = from; e < to; e++)
			if (in->facilitators[m->gs[e].i].trained)
				month_row_put(m, m->gs[e].col, -1);
		month_row_end(m, GLP_UP, 0, 0);
	}
	if (to - from > (trained_rule ? kmax - 1 : kmax)) {
		month_row_begin(m);
		for (int e = from; e < to; e++)
			month_row_put(m, m->gs[e].col, 1);
		month_row_put(m, y, -(trained_rule ? kmax - 1 : kmax));
		month_row_put(m, a, -1);
		month_row_end(m, GLP_UP, 0, 0);
	}
	return 0;
}

/* Per slot and language where some series keeps facilitators: each one
 * kept at most once and only if pooled there, and the trained pool. */
static void pool_rows(struct model *m, int slot, int lang)
{
	const struct month_input *in = m->in;
	bool any_a = false;

	for (int i = 0; i < in->nfacilitators; i++) {
		int fj = m->fcol[FIDX(m, slot, i, lang)];

		month_row_begin(m);
		for (int e = 0; e < m->ngs; e++)
			if (m->gs[e].i == i && m->gs[e].lang == lang &&
			    m->cands[m->gs[e].c].slot == slot)
				month_row_put(m, m->gs[e].col, 1);
		if (m->rn == 0)
			continue;
		month_row_put(m, fj, -1);
		month_row_end(m, GLP_UP, 0, 0);
	}
	for (int c = 0; c < m->ncands; c++)
		if (m->cands[c].slot == slot && month_ypos(m, c, lang) >= 0)
			any_a |= m->acol[month_ypos(m, c, lang)] != 0;
	if (!any_a)
		return;
	month_row_begin(m);
	for (int i = 0; i < in->nfacilitators; i++)
		if (in->facilitators[i].trained)
			month_row_put(m, m->fcol[FIDX(m, slot, i, lang)], 1);
	for (int e = 0; e < m->ngs; e++)
		if (m->gs[e].lang == lang && m->cands[m->gs[e].c].slot == slot &&
		    in->facilitators[m->gs[e].i].trained)
			month_row_put(m, m->gs[e].col, -1);
	for (int c = 0; c < m->ncands; c++) {
		int q = m->cands[c].slot == slot ? month_ypos(m, c, lang) : -1;

		if (q >= 0) {
			month_row_put(m, m->acol[q], 1);
			month_row_put(m, m->ycol[q], -1);
		}
	}
	month_row_end(m, GLP_LO, 0, 0);
}

int month_replan_build(struct model *m)
{
	const struct month_input *in = m->in;
	int wp = in->policy.change_weights[MCK_PARENT];

	m->acol = calloc((size_t)month_y_count(m) + 1, sizeof(int));
	if (m->acol == NULL)
		return -1;
	m->changes_const = 0;
	for (int ps = 0; ps < in->previous.nseries; ps++) {
		m->changes_const += (double)wp * in->previous.series[ps].nparents;
		if (m->prev_cand[ps] >= 0 && series_terms(m, ps, m->prev_cand[ps]) < 0)
			return -1;
	}
	for (int e = 0; e < m->nxs; e++)
		if (m->classes[m->xs[e].k].prev_cand == m->xs[e].c &&
		    month_obj_add(m, LEVEL_CHANGES, m->xs[e].col, -wp) < 0)
			return -1;
	/* g entries come per (c, lang) in runs: series_terms pushes them so */
	for (int e = 0; e < m->ngs;) {
		int f = e;

		while (f < m->ngs && m->gs[f].c == m->gs[e].c && m->gs[f].lang == m->gs[e].lang)
			f++;
		if (series_rows(m, m->gs[e].c, m->gs[e].lang, e, f) < 0)
			return -1;
		e = f;
	}
	for (int sl = 0; sl < in->nslots; sl++)
		for (int lang = 0; lang < in->nstrs; lang++) {
			bool any = false;

			for (int e = 0; e < m->ngs && !any; e++)
				any = m->gs[e].lang == lang && m->cands[m->gs[e].c].slot == sl;
			if (any)
				pool_rows(m, sl, lang);
		}
	if (month_obj_add(m, LEVEL_CHANGES, glp_get_num_cols(m->lp), 0.0) < 0)
		return -1;
	return m->oom ? -1 : 0;
}

/* The language the previous series at candidate c is best kept in: the one
 * most of its previous facilitators and parents can keep, or -1. */
static int guide_language(const struct model *m, int ps, int c)
{
	const struct month_prev_series *s = &m->in->previous.series[ps];
	int best = -1, best_n = -1;

	for (int t = 0; t < m->ylang_n[c]; t++) {
		int lang = m->ylangs[m->ylang_off[c] + t], n = 0;

		for (int u = 0; u < s->nfacilitators; u++)
			n += m->fcol[FIDX(m, m->cands[c].slot, s->facilitators[u], lang)] != 0;
		FOR_X_AT (m, c, e)
			if (m->xs[e].lang == lang && m->classes[m->xs[e].k].prev_cand == c)
				n += m->classes[m->xs[e].k].count;
		if (n > best_n) {
			best = lang;
			best_n = n;
		}
	}
	return best;
}

void month_replan_guide(const struct model *m, double *guide)
{
	const struct month_input *in = m->in;
	int ns = in->nstaff;

	memset(guide, 0, sizeof(double) * ((size_t)glp_get_num_cols(m->lp) + 1));
	for (int ps = 0; ps < in->previous.nseries; ps++) {
		const struct month_prev_series *s = &in->previous.series[ps];
		int c = m->prev_cand[ps], lang = c >= 0 ? guide_language(m, ps, c) : -1;

		if (lang < 0)
			continue;
		guide[month_ycol(m, c, lang)] = 1;
		for (int u = 0; u < s->nfacilitators; u++) {
			int fj = m->fcol[FIDX(m, m->cands[c].slot, s->facilitators[u], lang)];

			if (fj != 0)
				guide[fj] = 1;
		}
		for (int u = 0; u < s->nstaff; u++)
			if (m->scol[(size_t)c * ns + s->staff[u]] != 0)
				guide[m->scol[(size_t)c * ns + s->staff[u]]] = 1;
		FOR_X_AT (m, c, e)
			if (m->xs[e].lang == lang && m->classes[m->xs[e].k].prev_cand == c)
				guide[m->xs[e].col] = 1;
	}
}

/* Can facilitator e's keep be added at (slot, lang) without breaking the
 * split?  kept[c] and tkept[c] count the kept and trained kept per
 * candidate; tfree is the trained pool minus the trained kept plus the
 * series that kept a trained one minus the open series (>= 0). */
static bool keep_fits(const struct model *m, const struct gcol *g, const int *kept,
		      const int *tkept, int tfree)
{
	bool trained = m->in->facilitators[g->i].trained;
	int a = tkept[g->c] > 0 || trained;

	if (!m->rules.require_trained)
		return kept[g->c] + 1 <= m->rules.kmax;
	if (kept[g->c] + 1 > m->rules.kmax - 1 + a)
		return false;
	/* a trained keep in a series that already keeps one uses a pooled
	 * trained facilitator another series may need */
	return !(trained && tkept[g->c] > 0 && tfree < 1);
}

void month_replan_complete(struct model *m, double *x)
{
	const struct month_input *in = m->in;
	int *kept = calloc((size_t)m->ncands + 1, sizeof(int));
	int *tkept = calloc((size_t)m->ncands + 1, sizeof(int));
	bool *used = calloc((size_t)m->ngs + 1, sizeof(bool));

	if (kept == NULL || tkept == NULL || used == NULL) {
		m->oom = true;
		goto out;
	}
	for (int e = 0; e < m->ngs; e++)
		x[m->gs[e].col] = 0;
	for (int q = 0; q < month_y_count(m); q++)
		if (m->acol[q] != 0)
			x[m->acol[q]] = 0;
	for (int sl = 0; sl < in->nslots; sl++)
		for (int lang = 0; lang < in->nstrs; lang++) {
			int tfree = 0;

			for (int i = 0; i < in->nfacilitators; i++) {
				int fj = m->fcol[FIDX(m, sl, i, lang)];

				tfree += fj != 0 && x[fj] > 0.5 && in->facilitators[i].trained;
			}
			for (int c = 0; c < m->ncands; c++) {
				int y = m->cands[c].slot == sl ? month_ycol(m, c, lang) : 0;

				tfree -= y != 0 && x[y] > 0.5;
			}
			/* trained keeps first: each lets its series skip a pooled one */
			for (int pass = 0; pass < 2; pass++)
				for (int e = 0; e < m->ngs; e++) {
					const struct gcol *g = &m->gs[e];
					bool dup = false;

					if (g->lang != lang || m->cands[g->c].slot != sl ||
					    in->facilitators[g->i].trained != (pass == 0) ||
					    x[month_ycol(m, g->c, lang)] < 0.5 ||
					    x[m->fcol[FIDX(m, sl, g->i, lang)]] < 0.5)
						continue;
					for (int e2 = 0; e2 < m->ngs && !dup; e2++)
						dup = used[e2] && m->gs[e2].i == g->i &&
						      m->gs[e2].lang == lang &&
						      m->cands[m->gs[e2].c].slot == sl;
					if (dup || !keep_fits(m, g, kept, tkept, tfree))
						continue;
					used[e] = true;
					x[g->col] = 1;
					if (in->facilitators[g->i].trained) {
						tfree -= tkept[g->c] > 0;
						if (tkept[g->c]++ == 0 &&
						    m->acol[month_ypos(m, g->c, lang)])
							x[m->acol[month_ypos(m, g->c, lang)]] = 1;
					}
					kept[g->c]++;
				}
		}
out:
	free(kept);
	free(tkept);
	free(used);
}

int month_replan_split(const struct model *m, const double *x, int c, int lang, int *out, int *nout)
{
	const struct month_input *in = m->in;
	int nf = in->nfacilitators, slot = m->cands[c].slot, any = 0;
	int *owner, *count;
	bool *trained;

	if (m->ngs == 0)
		return 0;
	owner = malloc(sizeof(int) * ((size_t)nf + 1));
	count = calloc((size_t)m->ncands + 1, sizeof(int));
	trained = calloc((size_t)m->ncands + 1, sizeof(bool));
	if (owner == NULL || count == NULL || trained == NULL) {
		any = -1;
		goto out;
	}
	for (int i = 0; i < nf; i++) {
		int fj = m->fcol[FIDX(m, slot, i, lang)];

		owner[i] = fj != 0 && x[fj] > 0.5 ? -1 : -2; /* -1: pooled, free */
	}
	for (int e = 0; e < m->ngs; e++) {
		const struct gcol *g = &m->gs[e];

		if (g->lang != lang || m->cands[g->c].slot != slot || x[g->col] < 0.5 ||
		    owner[g->i] != -1)
			continue;
		owner[g->i] = g->c;
		count[g->c]++;
		trained[g->c] |= in->facilitators[g->i].trained;
		any = 1;
	}
	if (!any)
		goto out;
	/* a trained one for each series that kept none, then the rest in turn */
	for (int pass = 0; pass < 2; pass++)
		for (int c2 = 0; c2 < m->ncands; c2++) {
			int y = m->cands[c2].slot == slot ? month_ycol(m, c2, lang) : 0;

			if (y == 0 || x[y] < 0.5)
				continue;
			for (int i = 0; i < nf && count[c2] < m->rules.kmax; i++) {
				bool t = in->facilitators[i].trained;

				if (owner[i] != -1)
					continue;
				if (pass == 0 && (!m->rules.require_trained || trained[c2] || !t))
					continue;
				owner[i] = c2;
				count[c2]++;
				trained[c2] |= t;
				if (pass == 0)
					break;
			}
		}
	*nout = 0;
	for (int i = 0; i < nf; i++)
		if (owner[i] == c)
			out[(*nout)++] = i;
out:
	free(owner);
	free(count);
	free(trained);
	return any;
}
