/*
 * month_greedy.c - the greedy plan every level-1 search starts from, and
 * the plan the dive of a priced model (month_search.c) staffs.
 *
 * Series are opened one at a time: first those a guide (an LP solution)
 * opens, then one for each required daypart still missing, then the
 * candidate whose free eligible parents have the most priority, while any
 * opens.  Opening a series (greedy_try) picks the cheapest facilitators
 * (a trained one first when required), then parents by priority -- drivers
 * and neutral parents before riders, who need a seat in their zone -- then
 * staff that cover every need present and enough places for the children,
 * and checks the budget and max_series.  Everything the guide chose is
 * preferred.  The plan is a column vector, as GLPK takes it as an
 * incumbent (glp_ios_heur_sol).
 */
#include "month_internal.h"

#include <stdlib.h>
#include <string.h>

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
	bool *supported = month_scratch_alloc(m, (size_t)in->nstrs + 1, sizeof(bool));

	take = g->take;
	staff_pick = month_scratch_alloc(m, (size_t)ns + 1, sizeof(int));
	if (supported == NULL || staff_pick == NULL) {
		m->oom = true;
		goto out;
	}
	if (take == NULL || k > 64 ||
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
	g->x[month_ycol(m, c, lang)] = 1;
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
	month_scratch_free(m, supported);
	FOR_X_AT (m, c, e)
		take[e] = 0;
	month_scratch_free(m, staff_pick);
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
int month_greedy_plan(struct model *m, double *x, const double *guide)
{
	const struct month_input *in = m->in;
	struct greedy g;
	int n = glp_get_num_cols(m->lp), rc = -1;
	bool *tried = month_scratch_alloc(m, (size_t)m->ncands + 1, sizeof(bool));

	memset(&g, 0, sizeof g);
	g.m = m;
	g.x = x;
	g.guide = guide;
	g.fac_used = month_scratch_alloc(m, (size_t)in->nfacilitators + 1, sizeof(int));
	g.staff_used = month_scratch_alloc(m, (size_t)in->nstaff + 1, sizeof(int));
	g.fac_busy =
	    month_scratch_alloc(m, (size_t)in->nfacilitators * in->nslots + 1, sizeof(bool));
	g.staff_busy = month_scratch_alloc(m, (size_t)in->nstaff * in->nslots + 1, sizeof(bool));
	g.room_busy = month_scratch_alloc(m, (size_t)in->nrooms * in->nslots + 1, sizeof(bool));
	g.rem = month_scratch_alloc(m, (size_t)m->nclasses + 1, sizeof(int));
	g.take = month_scratch_alloc(m, (size_t)m->nxs + 1, sizeof(int));
	g.score = month_scratch_alloc(m, (size_t)month_y_count(m) + 1, sizeof(long));
	if (!tried || !g.fac_used || !g.staff_used || !g.fac_busy || !g.staff_busy ||
	    !g.room_busy || !g.rem || !g.take || !g.score) {
		m->oom = true;
		goto out;
	}
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
	month_scratch_free(m, tried);
	month_scratch_free(m, g.fac_used);
	month_scratch_free(m, g.staff_used);
	month_scratch_free(m, g.fac_busy);
	month_scratch_free(m, g.staff_busy);
	month_scratch_free(m, g.room_busy);
	month_scratch_free(m, g.rem);
	month_scratch_free(m, g.take);
	month_scratch_free(m, g.score);
	return rc;
}
