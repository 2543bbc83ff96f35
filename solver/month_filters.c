/*
 * month_filters.c - static eligibility of a parent for a candidate series,
 * and the reasons given for a parent left out (MODEL.md section 1).
 *
 * A filter either passes or fails for a (parent, candidate) pair, whatever
 * else the plan decides; the solver only offers a parent the candidates
 * where all five pass, and the explanation of a parent left out is derived
 * from the same failure bits, so the two can never disagree.
 */
#include "month_internal.h"

#include <stdlib.h>

bool month_cand_at(const struct month_input *in, int slot, int room, struct month_cand *out)
{
	const struct month_slot *sl = &in->slots[slot];

	if (!month_fits(&in->rooms[room].available, sl))
		return false;
	out->slot = slot;
	out->room = room;
	out->meetings = month_meeting_days(in, sl->weekday, out->days);
	out->daypart = month_daypart(sl->start);
	return out->meetings > 0;
}

struct month_cand *month_candidates(const struct month_input *in, int *n)
{
	struct month_cand *v;
	int k = 0;

	*n = 0;
	if (in->nslots == 0 || in->nrooms == 0)
		return NULL;
	v = calloc((size_t)in->nslots * (size_t)in->nrooms, sizeof *v);
	if (v == NULL) {
		*n = -1;
		return NULL;
	}
	for (int s = 0; s < in->nslots; s++)
		for (int r = 0; r < in->nrooms; r++)
			k += month_cand_at(in, s, r, &v[k]);
	*n = k;
	return v;
}

bool month_tags_have(const struct pp_tags *a, int t)
{
	int lo = 0, hi = a->n - 1;

	while (lo <= hi) {
		int mid = (lo + hi) / 2;

		if (a->v[mid] == t)
			return true;
		if (a->v[mid] < t)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return false;
}

bool month_tags_meet(const struct pp_tags *a, const struct pp_tags *b)
{
	int i = 0, j = 0;

	while (i < a->n && j < b->n) {
		if (a->v[i] == b->v[j])
			return true;
		if (a->v[i] < b->v[j])
			i++;
		else
			j++;
	}
	return false;
}

/* The childcare filter: room places for all children, some staff at the
 * slot, and every need tag of the children supported by someone there.
 * With why, every part is checked and recorded; without, the first
 * failure ends the check. */
static bool childcare_passes(const struct month_input *in, const struct month_cand *c,
			     const struct month_parent *p, struct month_fail_why *why)
{
	const struct month_slot *slot = &in->slots[c->slot];
	bool any_staff = false, ok = true;

	if (p->nchildren == 0)
		return true;
	if (in->rooms[c->room].childcare < p->nchildren) {
		if (why == NULL)
			return false;
		why->few_places = true;
		ok = false;
	}
	for (int j = 0; j < in->nstaff && !any_staff; j++)
		any_staff = month_fits(&in->staff[j].available, slot);
	if (!any_staff) {
		if (why != NULL)
			why->no_staff = true;
		return false;
	}
	for (int k = 0; k < p->nchildren; k++) {
		const struct pp_tags *needs = &p->children[k].needs;

		for (int t = 0; t < needs->n; t++) {
			bool covered = false;

			for (int j = 0; j < in->nstaff && !covered; j++)
				covered = month_fits(&in->staff[j].available, slot) &&
					  month_tags_have(&in->staff[j].supports, needs->v[t]);
			if (covered)
				continue;
			if (why == NULL)
				return false;
			if (!month_in_list(why->unmet, why->nunmet, needs->v[t]))
				why->unmet[why->nunmet++] = needs->v[t];
			ok = false;
		}
	}
	return ok;
}

/* The language filter: some facilitator available at the slot speaks one
 * of the parent's languages.  With why, records whether anyone at all is
 * available there. */
static bool language_passes(const struct month_input *in, const struct month_cand *c,
			    const struct month_parent *p, struct month_fail_why *why)
{
	const struct month_slot *slot = &in->slots[c->slot];

	for (int i = 0; i < in->nfacilitators; i++) {
		const struct month_facilitator *f = &in->facilitators[i];

		if (!month_fits(&f->available, slot))
			continue;
		if (why != NULL)
			why->no_facilitator = false;
		if (month_tags_meet(&f->languages, &p->languages))
			return true;
	}
	return false;
}

unsigned month_filter_check(const struct month_input *in, const struct month_cand *c,
			    const struct month_parent *p, struct month_fail_why *why)
{
	const struct month_slot *slot = &in->slots[c->slot];
	const struct month_room *room = &in->rooms[c->room];
	unsigned fails = 0;

	if (why != NULL) {
		why->no_facilitator = true;
		why->few_places = why->no_staff = false;
		why->nunmet = 0;
	}
	if (!month_fits(&p->available, slot))
		fails |= 1u << MF_AVAILABILITY;
	if (p->accessible && !room->accessible)
		fails |= 1u << MF_ACCESSIBILITY;
	if ((p->transport == PP_WALK && room->zone != p->zone) ||
	    (p->transport == PP_TRANSIT && !month_fits(&room->transit, slot)))
		fails |= 1u << MF_TRANSPORT;
	if (!language_passes(in, c, p, why))
		fails |= 1u << MF_LANGUAGE;
	if (!childcare_passes(in, c, p, why))
		fails |= 1u << MF_CHILDCARE;
	return fails;
}

unsigned month_static_fails(const struct month_input *in, const struct month_cand *c,
			    const struct month_parent *p)
{
	return month_filter_check(in, c, p, NULL);
}

int month_explain(const unsigned *fails, int ncand, struct month_unassigned *u)
{
	unsigned single = 0;
	int best = -1, best_count = MF_COUNT + 1;

	u->not_selected = false;
	u->multiple = false;
	u->filters = 0;
	for (int c = 0; c < ncand; c++) {
		int count = __builtin_popcount(fails[c]);

		if (count == 0) {
			u->not_selected = true;
			return c;
		}
		if (count == 1)
			single |= fails[c];
		if (count < best_count) {
			best_count = count;
			best = c;
		}
	}
	u->filters = single != 0 ? single : best >= 0 ? fails[best] : 0;
	u->multiple = single == 0;
	return best;
}
