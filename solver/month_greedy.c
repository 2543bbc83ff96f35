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

/* One try's picks for candidate c in language lang: who would run it, the
 * parents (counted in greedy.take) and what it would cost per meeting. */
struct greedy_pick {
	int c, lang;
	int fac[64], nfac; /* facilitators, in the order picked */
	bool trained;      /* a trained facilitator is picked, or none is required */
	bool *supported;   /* [string]: a need some staff who could come supports */
	int maxch;         /* places the staff who could come offer together */
	int size, children;
	int *staff, nstaff; /* staff, in the order picked */
	double cost;        /* per meeting until greedy_affordable(), then in all */
};

/* Can facilitator i run p's candidate in its language in this round (round
 * 0 takes only a trained one while none is picked): not picked yet, eligible,
 * free at its slot and within max_meetings? */
static bool greedy_fac_free(const struct greedy *g, const struct greedy_pick *p, int i, int round)
{
	const struct model *m = g->m;
	const struct month_input *in = m->in;
	const struct month_cand *cd = &m->cands[p->c];
	const struct month_facilitator *fa = &in->facilitators[i];
	bool dup = false;

	for (int t = 0; t < p->nfac; t++)
		dup |= p->fac[t] == i;
	return !dup && m->fcol[FIDX(m, cd->slot, i, p->lang)] != 0 &&
	       month_tags_have(&fa->languages, p->lang) &&
	       !(round == 0 && !p->trained && !fa->trained) &&
	       !busy_at(&g->fac_busy[(size_t)i * in->nslots], in, cd->slot) &&
	       (fa->max_meetings == PP_UNLIMITED ||
		g->fac_used[i] + cd->meetings <= fa->max_meetings);
}

/* The facilitator to pick next in this round: of those free, the ones the
 * guide chose first, then the cheapest.  Returns its index, or -1. */
static int greedy_best_fac(const struct greedy *g, const struct greedy_pick *p, int round)
{
	const struct model *m = g->m;
	const struct month_input *in = m->in;
	int slot = m->cands[p->c].slot, best = -1;

	for (int i = 0; i < in->nfacilitators; i++) {
		double gi, gb;

		if (!greedy_fac_free(g, p, i, round))
			continue;
		if (best < 0) {
			best = i;
			continue;
		}
		gi = greedy_guided(g, m->fcol[FIDX(m, slot, i, p->lang)]);
		gb = greedy_guided(g, m->fcol[FIDX(m, slot, best, p->lang)]);
		if (gi > gb + 1e-6 || (gi > gb - 1e-6 && by_cost_fac(in, i, best) < 0))
			best = i;
	}
	return best;
}

/* Pick kmin facilitators, a trained one first if required, then the
 * cheapest.  True when there are enough and the rule on training holds. */
static bool greedy_pick_facilitators(const struct greedy *g, struct greedy_pick *p)
{
	const struct month_input *in = g->m->in;
	int k = g->m->rules.kmin;

	for (int round = 0; round < 2 && p->nfac < k; round++) {
		for (;;) {
			int best = greedy_best_fac(g, p, round);

			if (best < 0)
				break;
			p->fac[p->nfac++] = best;
			p->trained |= in->facilitators[best].trained;
			p->cost += in->facilitators[best].cost;
			if (round == 0 || p->nfac == k)
				break;
		}
	}
	return p->nfac >= k && p->trained;
}

/* Can staff member j come to candidate c: eligible, free at its slot and
 * within max_meetings? */
static bool greedy_staff_free(const struct greedy *g, int c, int j)
{
	const struct model *m = g->m;
	const struct month_input *in = m->in;
	const struct month_cand *cd = &m->cands[c];
	const struct month_staff *sf = &in->staff[j];

	return m->scol[(size_t)c * in->nstaff + j] != 0 &&
	       !busy_at(&g->staff_busy[(size_t)j * in->nslots], in, cd->slot) &&
	       (sf->max_meetings == PP_UNLIMITED ||
		g->staff_used[j] + cd->meetings <= sf->max_meetings);
}

/* Note what the staff who could come would cover: p->supported and p->maxch. */
static void greedy_staff_reach(const struct greedy *g, struct greedy_pick *p)
{
	const struct month_input *in = g->m->in;

	for (int j = 0; j < in->nstaff; j++) {
		const struct month_staff *sf = &in->staff[j];

		if (!greedy_staff_free(g, p->c, j))
			continue;
		p->maxch += sf->max_children;
		for (int t = 0; t < sf->supports.n; t++)
			p->supported[sf->supports.v[t]] = true;
	}
}

/* Net free seats for riders of zone at p's candidate: the seats of the
 * drivers of that zone taken so far less the riders taken. */
static int greedy_free_seats(const struct greedy *g, const struct greedy_pick *p, int zone)
{
	const struct model *m = g->m;
	int seats = 0;

	FOR_X_AT (m, p->c, e) {
		const struct pclass *cl = &m->classes[m->xs[e].k];

		if (m->xs[e].c == p->c && cl->zone == zone)
			seats += g->take[e] * (cl->role == ROLE_DRIVER  ? cl->seats
					       : cl->role == ROLE_RIDER ? -1
									: 0);
	}
	return seats;
}

/* Could one more parent of x entry e join in this phase (0: drivers and
 * neutral, 1: riders): of p's candidate and language, one left, needs
 * supported, children within the room and the staff's places, a seat for a
 * rider? */
static bool greedy_parent_fits(const struct greedy *g, const struct greedy_pick *p, int e,
			       int phase)
{
	const struct model *m = g->m;
	const struct xcol *xc = &m->xs[e];
	const struct pclass *cl = &m->classes[xc->k];
	const struct month_room *room = &m->in->rooms[m->cands[p->c].room];
	bool needs_ok = true;

	if (xc->c != p->c || xc->lang != p->lang || g->rem[xc->k] - g->take[e] <= 0 ||
	    (cl->role == ROLE_RIDER) != (phase == 1))
		return false;
	for (int t = 0; t < cl->needs.n; t++)
		needs_ok &= p->supported[cl->needs.v[t]];
	if (!needs_ok || p->children + cl->nchildren > room->childcare ||
	    p->children + cl->nchildren > p->maxch)
		return false;
	return cl->role != ROLE_RIDER || greedy_free_seats(g, p, cl->zone) > 0;
}

/* The x entry whose parent joins next in this phase: of those that fit,
 * the ones the guide put here first, then by priority.  Returns it, or -1. */
static int greedy_best_parent(const struct greedy *g, const struct greedy_pick *p, int phase)
{
	const struct model *m = g->m;
	int best = -1;

	FOR_X_AT (m, p->c, e) {
		double ge, gb;

		if (!greedy_parent_fits(g, p, e, phase))
			continue;
		if (best < 0) {
			best = e;
			continue;
		}
		ge = greedy_guided(g, m->xs[e].col);
		gb = greedy_guided(g, m->xs[best].col);
		if (ge > gb + 1e-6 ||
		    (ge > gb - 1e-6 && m->classes[m->xs[e].k].rep->priority >
					   m->classes[m->xs[best].k].rep->priority))
			best = e;
	}
	return best;
}

/* Pick parents by priority, drivers and neutral first, riders within the
 * seats, up to the room's capacity.  True when the group is big enough. */
static bool greedy_pick_parents(struct greedy *g, struct greedy_pick *p)
{
	const struct model *m = g->m;
	const struct month_room *room = &m->in->rooms[m->cands[p->c].room];

	for (int phase = 0; phase < 2; phase++) {
		for (;;) {
			int best = greedy_best_parent(g, p, phase);

			if (best < 0 || p->size >= room->capacity)
				break;
			g->take[best]++;
			p->size++;
			p->children += m->classes[m->xs[best].k].nchildren;
		}
	}
	return p->size >= m->rules.min_group && p->size > 0;
}

/* Places for children the staff picked so far offer together. */
static int greedy_places(const struct greedy *g, const struct greedy_pick *p)
{
	int places = 0;

	for (int u = 0; u < p->nstaff; u++)
		places += g->m->in->staff[p->staff[u]].max_children;
	return places;
}

/* Would staff member sf cover a need of a parent taken that no staff picked
 * so far covers? */
static bool greedy_covers_new_need(const struct greedy *g, const struct greedy_pick *p,
				   const struct month_staff *sf)
{
	const struct model *m = g->m;
	const struct month_input *in = m->in;

	FOR_X_AT (m, p->c, e) {
		const struct pclass *cl = &m->classes[m->xs[e].k];

		if (m->xs[e].c != p->c || g->take[e] == 0)
			continue;
		for (int t = 0; t < cl->needs.n; t++) {
			bool covered = false;

			for (int u = 0; u < p->nstaff && !covered; u++)
				covered = month_tags_have(&in->staff[p->staff[u]].supports,
							  cl->needs.v[t]);
			if (!covered && month_tags_have(&sf->supports, cl->needs.v[t]))
				return true;
		}
	}
	return false;
}

/* Pick staff to cover each need present, then enough places for the
 * children, those the guide chose considered first.  True when the places
 * suffice. */
static bool greedy_pick_staff(const struct greedy *g, struct greedy_pick *p)
{
	const struct model *m = g->m;
	const struct month_input *in = m->in;
	int ns = in->nstaff;

	for (int q = 0; q < 2 * ns && p->children > 0; q++) {
		int j = q % ns;
		const struct month_staff *sf = &in->staff[j];
		bool useful, chosen = greedy_guided(g, m->scol[(size_t)p->c * ns + j]) > 0.5;

		if ((q < ns) != chosen || !greedy_staff_free(g, p->c, j))
			continue;
		useful = greedy_covers_new_need(g, p, sf) || greedy_places(g, p) < p->children;
		if (useful) {
			p->staff[p->nstaff++] = j;
			p->cost += sf->cost;
		}
	}
	return greedy_places(g, p) >= p->children;
}

/* Turn p's cost per meeting into its cost in all; true when the budget and
 * max_series allow one more series of that cost. */
static bool greedy_affordable(const struct greedy *g, struct greedy_pick *p)
{
	const struct model *m = g->m;

	p->cost *= m->cands[p->c].meetings;
	if (m->rules.has_budget && g->spent + p->cost > m->rules.budget + 1e-9)
		return false;
	return m->rules.max_series == PP_UNLIMITED || g->nseries + 1 <= m->rules.max_series;
}

/* Open p's series in the plan: its columns set, its people busy, its
 * parents no longer free. */
static void greedy_commit(struct greedy *g, const struct greedy_pick *p)
{
	struct model *m = g->m;
	const struct month_input *in = m->in;
	const struct month_cand *cd = &m->cands[p->c];
	const struct month_room *room = &in->rooms[cd->room];
	int c = p->c, ns = in->nstaff, dev = month_comfort_deviation(room, p->size);

	g->spent += p->cost;
	g->nseries++;
	g->dayparts |= 1u << cd->daypart;
	g->room_busy[(size_t)cd->room * in->nslots + cd->slot] = true;
	g->x[month_ycol(m, c, p->lang)] = 1;
	for (int t = 0; t < p->nfac; t++) {
		g->fac_busy[(size_t)p->fac[t] * in->nslots + cd->slot] = true;
		g->fac_used[p->fac[t]] += cd->meetings;
		g->x[m->fcol[FIDX(m, cd->slot, p->fac[t], p->lang)]] = 1;
	}
	for (int t = 0; t < p->nstaff; t++) {
		g->staff_busy[(size_t)p->staff[t] * in->nslots + cd->slot] = true;
		g->staff_used[p->staff[t]] += cd->meetings;
		g->x[m->scol[(size_t)c * ns + p->staff[t]]] = 1;
	}
	FOR_X_AT (m, c, e) {
		if (g->take[e] == 0)
			continue;
		g->x[m->xs[e].col] += g->take[e];
		g->rem[m->xs[e].k] -= g->take[e];
		greedy_unscore(g, m->xs[e].k, g->take[e]);
	}
	g->x[m->dcol[month_ypos(m, c, p->lang)]] = dev;
	g->x[m->dcol_total] += dev;
}

/* Try to open candidate c with language lang in the greedy plan: true when
 * it opened; false when some rule stops it (m->oom set when memory ran out). */
static bool greedy_try(struct greedy *g, int c, int lang)
{
	struct model *m = g->m;
	const struct month_input *in = m->in;
	const struct month_cand *cd = &m->cands[c];
	struct greedy_pick p;
	bool ok = false;

	memset(&p, 0, sizeof p);
	p.c = c;
	p.lang = lang;
	p.trained = !m->rules.require_trained;
	p.cost = in->rooms[cd->room].cost;
	p.supported = month_scratch_alloc(m, (size_t)in->nstrs + 1, sizeof(bool));
	p.staff = month_scratch_alloc(m, (size_t)in->nstaff + 1, sizeof(int));
	if (p.supported == NULL || p.staff == NULL) {
		m->oom = true;
		goto out;
	}
	if (g->take == NULL || m->rules.kmin > 64 ||
	    busy_at(&g->room_busy[(size_t)cd->room * in->nslots], in, cd->slot))
		goto out;
	if (!greedy_pick_facilitators(g, &p))
		goto out;
	greedy_staff_reach(g, &p);
	if (!greedy_pick_parents(g, &p) || !greedy_pick_staff(g, &p) || !greedy_affordable(g, &p))
		goto out;
	greedy_commit(g, &p);
	ok = true;
out:
	month_scratch_free(m, p.supported);
	FOR_X_AT (m, c, e)
		g->take[e] = 0;
	month_scratch_free(m, p.staff);
	return ok;
}

/* Class k has `taken` fewer parents free: lower the scores it counts in. */
static void greedy_unscore(struct greedy *g, int k, int taken)
{
	const struct model *m = g->m;
	long drop = (long)taken * m->classes[k].rep->priority;

	for (int e = m->kx_off[k]; e < m->kx_off[k + 1]; e++)
		g->score[month_ypos(m, m->xs[e].c, m->xs[e].lang)] -= drop;
}

/* Eligible priority of the parents still free for candidate c and lang. */
static long greedy_score(const struct greedy *g, int c, int lang)
{
	return g->score[month_ypos(g->m, c, lang)];
}

/* Allocate g's arrays for model m; returns 0, or -1 when memory ran out,
 * what was allocated left for greedy_free(). */
static int greedy_alloc(struct greedy *g, struct model *m)
{
	const struct month_input *in = m->in;

	g->fac_used = month_scratch_alloc(m, (size_t)in->nfacilitators + 1, sizeof(int));
	g->staff_used = month_scratch_alloc(m, (size_t)in->nstaff + 1, sizeof(int));
	g->fac_busy =
	    month_scratch_alloc(m, (size_t)in->nfacilitators * in->nslots + 1, sizeof(bool));
	g->staff_busy = month_scratch_alloc(m, (size_t)in->nstaff * in->nslots + 1, sizeof(bool));
	g->room_busy = month_scratch_alloc(m, (size_t)in->nrooms * in->nslots + 1, sizeof(bool));
	g->rem = month_scratch_alloc(m, (size_t)m->nclasses + 1, sizeof(int));
	g->take = month_scratch_alloc(m, (size_t)m->nxs + 1, sizeof(int));
	g->score = month_scratch_alloc(m, (size_t)month_y_count(m) + 1, sizeof(long));
	if (!g->fac_used || !g->staff_used || !g->fac_busy || !g->staff_busy || !g->room_busy ||
	    !g->rem || !g->take || !g->score)
		return -1;
	return 0;
}

/* Free g's arrays (each may be NULL). */
static void greedy_free(struct greedy *g)
{
	month_scratch_free(g->m, g->fac_used);
	month_scratch_free(g->m, g->staff_used);
	month_scratch_free(g->m, g->fac_busy);
	month_scratch_free(g->m, g->staff_busy);
	month_scratch_free(g->m, g->room_busy);
	month_scratch_free(g->m, g->rem);
	month_scratch_free(g->m, g->take);
	month_scratch_free(g->m, g->score);
}

/* Start from the empty plan: x[0..n] zero, every parent free and counted
 * in the scores of the candidates they are eligible for. */
static void greedy_start(struct greedy *g, int n)
{
	const struct model *m = g->m;

	memset(g->x, 0, sizeof(double) * ((size_t)n + 1));
	for (int k = 0; k < m->nclasses; k++)
		g->rem[k] = m->classes[k].count;
	for (int e = 0; e < m->nxs; e++)
		g->score[month_ypos(m, m->xs[e].c, m->xs[e].lang)] +=
		    (long)m->classes[m->xs[e].k].count * m->classes[m->xs[e].k].rep->priority;
}

/* The candidate and language to try next in this pass (0: those the guide
 * opens; 1: those of a required daypart still missing; 2: any), not tried
 * yet, with the highest score: sets *bc and *bl, *bc -1 when there is none. */
static void greedy_next(const struct greedy *g, const bool *tried, int pass, int *bc, int *bl)
{
	const struct model *m = g->m;
	long bs = 0;

	*bc = -1;
	*bl = -1;
	for (int c = 0; c < m->ncands; c++) {
		if (tried[c] || (pass == 1 && (!(m->rules.require_dayparts & ~g->dayparts &
						 (1u << m->cands[c].daypart)))))
			continue;
		for (int t = 0; t < m->ylang_n[c]; t++) {
			int lang = m->ylangs[m->ylang_off[c] + t];
			long sc;

			if (pass == 0 && g->guide[m->ycol[m->ylang_off[c] + t]] < 0.5)
				continue;
			sc = greedy_score(g, c, lang) + (pass == 0);

			if (sc > bs) {
				bs = sc;
				*bc = c;
				*bl = lang;
			}
		}
	}
}

/* Try to open candidate c in language lang and, after the guide's pass,
 * in its other languages when that fails. */
static void greedy_open(struct greedy *g, int c, int lang, int pass)
{
	const struct model *m = g->m;
	bool opened = false;

	if (greedy_try(g, c, lang) || pass == 0)
		return;
	/* other languages of c get their own chance */
	for (int t = 0; t < m->ylang_n[c] && !opened; t++)
		if (m->ylangs[m->ylang_off[c] + t] != lang)
			opened = greedy_try(g, c, m->ylangs[m->ylang_off[c] + t]);
}

/* Build a plan greedily: first the series that `guide` (column values, or
 * NULL) opens, then one series for each required daypart still missing, then
 * the best-scoring candidates while any opens.  Fills x[1..n] and returns 0,
 * or -1 when it found no plan that satisfies every rule. */
int month_greedy_plan(struct model *m, double *x, const double *guide)
{
	struct greedy g;
	int n = glp_get_num_cols(m->lp), rc = -1;
	bool *tried = month_scratch_alloc(m, (size_t)m->ncands + 1, sizeof(bool));

	memset(&g, 0, sizeof g);
	g.m = m;
	g.x = x;
	g.guide = guide;
	if (greedy_alloc(&g, m) < 0 || tried == NULL) {
		m->oom = true;
		goto out;
	}
	greedy_start(&g, n);
	for (int pass = guide != NULL ? 0 : 1; pass < 3; pass++) {
		for (;;) {
			int bc, bl;

			greedy_next(&g, tried, pass, &bc, &bl);
			if (bc < 0)
				break;
			greedy_open(&g, bc, bl, pass);
			tried[bc] = true;
		}
		if (pass < 2)
			memset(tried, 0, sizeof(bool) * (size_t)(m->ncands + 1));
	}
	if ((m->rules.require_dayparts & ~g.dayparts) == 0)
		rc = 0;
out:
	month_scratch_free(m, tried);
	greedy_free(&g);
	return rc;
}
