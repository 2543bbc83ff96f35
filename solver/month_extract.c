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

/* The number of series the plan x opens. */
static int count_open(const struct model *m, const double *x)
{
	int nopen = 0;

	for (int c = 0; c < m->ncands; c++)
		for (int t = 0; t < m->ylang_n[c]; t++)
			nopen += x[m->ycol[m->ylang_off[c] + t]] > 0.5;
	return nopen;
}

/* The language the plan x opens candidate c in (the last, were there
 * several), or -1 when it is closed. */
static int open_language(const struct model *m, const double *x, int c)
{
	int lang = -1;

	for (int t = 0; t < m->ylang_n[c]; t++)
		if (x[m->ycol[m->ylang_off[c] + t]] > 0.5)
			lang = m->ylangs[m->ylang_off[c] + t];
	return lang;
}

/* Allocate series s's arrays for candidate cd (in room) and copy its
 * dates; 0, or -1 (memory). */
static int series_alloc(const struct month_input *in, const struct month_cand *cd,
			const struct month_room *room, struct month_series *s)
{
	s->dates = malloc(sizeof(int) * (size_t)cd->meetings);
	s->facilitators = malloc(sizeof(int) * (size_t)(in->nfacilitators + 1));
	s->staff = malloc(sizeof(int) * (size_t)(in->nstaff + 1));
	s->parents = malloc(sizeof(int) * (size_t)(room->capacity + 1));
	s->rides = calloc((size_t)room->capacity + 1, sizeof *s->rides);
	if (!s->dates || !s->facilitators || !s->staff || !s->parents || !s->rides)
		return -1;
	memcpy(s->dates, cd->days, sizeof(int) * (size_t)cd->meetings);
	return 0;
}

/* Name series s's facilitators at candidate c: by month_replan_split() when
 * the plan x keeps some at its slot, else by split_facilitators(); 0, or -1
 * (memory). */
static int series_facilitators(const struct model *m, const double *x, int c,
			       struct month_series *s)
{
	switch (month_replan_split(m, x, c, s->language, s->facilitators, &s->nfacilitators)) {
	case -1:
		return -1;
	case 0:
		if (split_facilitators(m, x, c, s->language, s->facilitators, &s->nfacilitators) <
		    0)
			return -1;
	}
	return 0;
}

/* Name series s's staff, those x puts at candidate c, adding their cost to
 * *per_meeting. */
static void series_staff(const struct model *m, const double *x, int c, struct month_series *s,
			 double *per_meeting)
{
	int ns = m->in->nstaff;

	for (int j = 0; j < ns; j++)
		if (m->scol[(size_t)c * ns + j] && x[m->scol[(size_t)c * ns + j]] > 0.5) {
			s->staff[s->nstaff++] = j;
			*per_meeting += m->in->staff[j].cost;
		}
}

/* Name series s's parents, ascending: for each class x counts at candidate
 * c, the next of its members in input order (taken[class] so far), each
 * marked in assigned. */
static void series_parents(const struct model *m, const double *x, int c, int *taken,
			   bool *assigned, struct month_series *s)
{
	FOR_X_AT (m, c, e) {
		const struct pclass *cl = &m->classes[m->xs[e].k];
		int cnt = (int)floor(x[m->xs[e].col] + 0.5);

		if (m->xs[e].c != c || m->xs[e].lang != s->language)
			continue;
		for (int t = 0; t < cnt && taken[m->xs[e].k] < cl->count; t++) {
			int p = cl->members[taken[m->xs[e].k]++];

			s->parents[s->nparents++] = p;
			assigned[p] = true;
		}
	}
	qsort(s->parents, (size_t)s->nparents, sizeof(int), cmp_int);
}

/* Count series s's children and add its parts of the objective (coverage,
 * preference, comfort deviation in room, cost) to obj. */
static void series_objective(const struct month_input *in, const struct month_cand *cd,
			     const struct month_room *room, struct month_series *s,
			     struct month_objective *obj)
{
	int size = s->nparents;

	for (int t = 0; t < s->nparents; t++) {
		const struct month_parent *pp = &in->parents[s->parents[t]];

		s->children += pp->nchildren;
		obj->coverage += pp->priority;
		obj->preference += pp->prefers == cd->daypart;
	}
	obj->comfort_deviation += month_comfort_deviation(room, size);
	obj->cost += s->cost;
}

/* Seat the rider s->parents[t] with a driver of series s who already drives
 * riders of the same zone and has a free seat; true when seated. */
static bool ride_join(const struct month_input *in, struct month_series *s, int t)
{
	const struct month_parent *rider = &in->parents[s->parents[t]];

	for (int r = 0; r < s->nrides; r++) {
		const struct month_parent *drv = &in->parents[s->rides[r].driver];

		if (drv->zone == rider->zone && s->rides[r].nriders < drv->seats) {
			s->rides[r].riders[s->rides[r].nriders++] = s->parents[t];
			return true;
		}
	}
	return false;
}

/* Seat the rider s->parents[t] in a new ride with the first driver of
 * series s of the same zone who drives no one yet; 1 when seated, 0 when
 * there is no such driver, -1 (memory). */
static int ride_open(const struct month_input *in, struct month_series *s, int t)
{
	const struct month_parent *rider = &in->parents[s->parents[t]];

	for (int u = 0; u < s->nparents; u++) {
		const struct month_parent *drv = &in->parents[s->parents[u]];
		bool used = false;

		if (drv->transport != PP_CAR || drv->seats == 0 || drv->zone != rider->zone)
			continue;
		for (int r = 0; r < s->nrides && !used; r++)
			used = s->rides[r].driver == s->parents[u];
		if (used)
			continue;
		s->rides[s->nrides].driver = s->parents[u];
		s->rides[s->nrides].riders = malloc(sizeof(int) * (size_t)drv->seats);
		if (s->rides[s->nrides].riders == NULL)
			return -1;
		s->rides[s->nrides].riders[0] = s->parents[t];
		s->rides[s->nrides++].nriders = 1;
		return 1;
	}
	return 0;
}

/* Series s's rides: each rider, in order, to the first driver of the same
 * zone with a free seat; 0, or -1 (memory). */
static int series_rides(const struct month_input *in, struct month_series *s)
{
	for (int t = 0; t < s->nparents; t++) {
		if (in->parents[s->parents[t]].transport != PP_RIDE || ride_join(in, s, t))
			continue;
		if (ride_open(in, s, t) < 0)
			return -1;
	}
	return 0;
}

/* Add the series x opens at candidate c in language lang to res: dates,
 * people, rides and its parts of the objective; parents are taken from
 * taken[] on and marked in assigned.  0, or -1 (memory). */
static int extract_series(struct model *m, const double *x, int c, int lang, int *taken,
			  bool *assigned, struct month_result *res)
{
	const struct month_input *in = m->in;
	const struct month_cand *cd = &m->cands[c];
	const struct month_room *room = &in->rooms[cd->room];
	struct month_series *s = &res->series[res->nseries++];
	double per_meeting = room->cost;

	s->slot = cd->slot;
	s->room = cd->room;
	s->daypart = cd->daypart;
	s->language = lang;
	s->ndates = cd->meetings;
	if (series_alloc(in, cd, room, s) < 0 || series_facilitators(m, x, c, s) < 0)
		return -1;
	for (int t = 0; t < s->nfacilitators; t++)
		per_meeting += in->facilitators[s->facilitators[t]].cost;
	series_staff(m, x, c, s, &per_meeting);
	series_parents(m, x, c, taken, assigned, s);
	s->cost = cd->meetings * per_meeting;
	series_objective(in, cd, room, s, &res->objective);
	return series_rides(in, s);
}

/* Order res->series by weekday, start time, then room and slot input
 * order (a stable insertion sort). */
static void order_series(const struct month_input *in, struct month_result *res)
{
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
}

/* List in res->unassigned, in input order, every parent not assigned, with
 * the reasons m->fails gives; 0, or -1 (memory). */
static int extract_unassigned(const struct model *m, const bool *assigned, struct month_result *res)
{
	const struct month_input *in = m->in;

	res->unassigned = calloc((size_t)in->nparents + 1, sizeof *res->unassigned);
	if (res->unassigned == NULL)
		return -1;
	for (int p = 0; p < in->nparents; p++) {
		struct month_unassigned *u;

		if (assigned[p])
			continue;
		u = &res->unassigned[res->nunassigned++];
		u->parent = p;
		month_explain(&m->fails[(size_t)p * m->ncands], m->ncands, u);
	}
	return 0;
}

/* Turn the solution x of model m into res->series, objective and unassigned. */
int month_extract(struct model *m, const double *x, struct month_result *res)
{
	const struct month_input *in = m->in;
	int *taken = calloc((size_t)m->nclasses + 1, sizeof(int));
	bool *assigned = calloc((size_t)in->nparents + 1, sizeof(bool));
	int rc = -1;

	if (taken == NULL || assigned == NULL)
		goto out;
	res->series = calloc((size_t)count_open(m, x) + 1, sizeof *res->series);
	if (res->series == NULL)
		goto out;
	res->objective.coverage = 0;
	res->objective.comfort_deviation = 0;
	res->objective.preference = 0;
	res->objective.cost = 0;
	for (int c = 0; c < m->ncands; c++) {
		int lang = open_language(m, x, c);

		if (lang >= 0 && extract_series(m, x, c, lang, taken, assigned, res) < 0)
			goto out;
	}
	order_series(in, res);
	if (extract_unassigned(m, assigned, res) < 0)
		goto out;
	rc = 0;
out:
	free(taken);
	free(assigned);
	return rc;
}
