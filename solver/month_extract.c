/*
 * month_extract.c - a solution of the model turned into the month plan of
 * MODEL.md: series with dates, facilitators, staff, parents and rides, the
 * objective values, and a reason for every parent left out.
 *
 * The model counts parents per class and facilitators per slot; this file
 * names them.  A class's parents are taken in input order; the
 * facilitators at a slot are split round-robin over its open series,
 * trained ones first; each rider goes to the first driver of their zone
 * with a free seat.  Series are listed by weekday, start time, then room
 * and slot input order.
 */
#include "month_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

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
		int y = m->cands[c2].slot == slot ? month_ycol(m, c2, lang) : 0;

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
int month_extract(struct model *m, const double *x, struct month_result *res)
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
		switch (month_replan_split(m, x, c, lang, s->facilitators, &s->nfacilitators)) {
		case -1:
			goto fail;
		case 0:
			if (split_facilitators(m, x, c, lang, s->facilitators, &s->nfacilitators) <
			    0)
				goto fail;
		}
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
