/*
 * month_changes.c - the changes of a plan against the plan it revises
 * (MODEL.md section 1, "Re-planning and continuity"), computed from the
 * input and the plan alone.
 *
 * A previous series is kept when the plan opens a series with the same slot
 * and room.  Its parents who are not in the kept series are parent changes
 * (so are all the parents of a series that is not kept); its facilitators
 * and childcare staff who are not among the kept series' are changes too.
 * A change is forced when the static rules alone rule out keeping it: the
 * series is no longer a candidate or the parent is not statically eligible
 * for it; the facilitator is not available at the slot or does not speak
 * the language the plan runs the series in; the staff member is not
 * available at the slot.
 *
 * The solver calls month_changes() on the plan it extracts, and the daemon
 * on two stored plans, so the change report always agrees with the changes
 * level the solver minimised.  One function (why_of) applies the forced
 * rules, for the flag and for month_change_why(), which tells a report
 * which rule it was.
 */
#include "month_internal.h"

#include <stdlib.h>
#include <string.h>

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

struct changes {
	const struct month_input *in;
	struct month_result *res;
	int n, cap;
};

static int push(struct changes *ch, enum month_change_kind kind, int person, int prev, int now,
		bool forced)
{
	struct month_change *c;

	if (ch->n == ch->cap) {
		int cap = ch->cap ? 2 * ch->cap : 16;
		struct month_change *v = realloc(ch->res->changes, sizeof *v * (size_t)cap);

		if (v == NULL)
			return -1;
		ch->res->changes = v;
		ch->cap = cap;
	}
	c = &ch->res->changes[ch->n++];
	c->kind = kind;
	c->person = person;
	c->prev = prev;
	c->now = now;
	c->forced = forced;
	ch->res->objective.changes += ch->in->policy.change_weights[kind];
	return 0;
}

/* People of a previous list, sorted by their position in this input, into
 * a new array (NULL with *n = 0 for an empty list; -1 on memory). */
static int sorted_copy(const int *v, int n, int **out)
{
	*out = NULL;
	if (n == 0)
		return 0;
	*out = malloc(sizeof(int) * (size_t)n);
	if (*out == NULL)
		return -1;
	for (int i = 0; i < n; i++)
		(*out)[i] = v[i];
	qsort(*out, (size_t)n, sizeof(int), cmp_int);
	return 0;
}

unsigned month_series_gone(const struct month_input *in, int ps)
{
	const struct month_prev_series *p = &in->previous.series[ps];
	unsigned gone = 0;
	int days[5];

	if (p->slot < 0)
		gone |= 1u << MG_SLOT;
	if (p->room < 0)
		gone |= 1u << MG_ROOM;
	if (gone != 0)
		return gone;
	if (!month_fits(&in->rooms[p->room].available, &in->slots[p->slot]))
		gone |= 1u << MG_ROOM_CLOSED;
	if (month_meeting_days(in, in->slots[p->slot].weekday, days) == 0)
		gone |= 1u << MG_NO_MEETING;
	return gone;
}

/* Why the change (kind, person, previous series ps) is forced, kept being
 * the plan's series with ps's id (-1 for none, only for parents). */
static void why_of(const struct month_input *in, const struct month_result *res,
		   enum month_change_kind kind, int person, int ps, int kept,
		   struct month_change_why *why)
{
	const struct month_prev_series *p = &in->previous.series[ps];

	memset(why, 0, sizeof *why);
	if (kind == MCK_PARENT) {
		struct month_cand cand;

		why->gone = month_series_gone(in, ps);
		if (why->gone == 0 && month_cand_at(in, p->slot, p->room, &cand))
			why->filters = month_static_fails(in, &cand, &in->parents[person]);
	} else if (kind == MCK_FACILITATOR) {
		const struct month_series *s = &res->series[kept];
		const struct month_facilitator *f = &in->facilitators[person];

		why->unavailable = !month_fits(&f->available, &in->slots[s->slot]);
		why->language = !month_tags_have(&f->languages, s->language);
	} else {
		why->unavailable =
		    !month_fits(&in->staff[person].available, &in->slots[res->series[kept].slot]);
	}
}

static bool forced_by(const struct month_change_why *why)
{
	return why->gone != 0 || why->filters != 0 || why->unavailable || why->language;
}

void month_change_why(const struct month_input *in, const struct month_result *res,
		      const struct month_change *c, struct month_change_why *why)
{
	why_of(in, res, c->kind, c->person, c->prev, month_kept_series(in, res, c->prev), why);
}

/* The parent changes of previous series ps. */
static int parent_changes(struct changes *ch, int ps)
{
	const struct month_input *in = ch->in;
	const struct month_prev_series *p = &in->previous.series[ps];
	int kept = month_kept_series(in, ch->res, ps), *order, rc = 0;
	struct month_change_why why;

	if (sorted_copy(p->parents, p->nparents, &order) < 0)
		return -1;
	for (int t = 0; t < p->nparents && rc == 0; t++) {
		int par = order[t], now = month_series_of_parent(ch->res, par);

		if (kept >= 0 && now == kept)
			continue;
		why_of(in, ch->res, MCK_PARENT, par, ps, kept, &why);
		rc = push(ch, MCK_PARENT, par, ps, now, forced_by(&why));
	}
	free(order);
	return rc;
}

/* The facilitator or staff changes (kind) of previous series ps. */
static int staff_changes(struct changes *ch, int ps, enum month_change_kind kind)
{
	const struct month_input *in = ch->in;
	const struct month_prev_series *p = &in->previous.series[ps];
	int kept = month_kept_series(in, ch->res, ps), *order, rc = 0;
	bool fac = kind == MCK_FACILITATOR;
	struct month_change_why why;

	if (kept < 0)
		return 0;
	if (sorted_copy(fac ? p->facilitators : p->staff, fac ? p->nfacilitators : p->nstaff,
			&order) < 0)
		return -1;
	for (int t = 0; t < (fac ? p->nfacilitators : p->nstaff) && rc == 0; t++) {
		const struct month_series *s = &ch->res->series[kept];
		int who = order[t];

		if (fac ? month_in_list(s->facilitators, s->nfacilitators, who)
			: month_in_list(s->staff, s->nstaff, who))
			continue;
		why_of(in, ch->res, kind, who, ps, kept, &why);
		rc = push(ch, kind, who, ps, -1, forced_by(&why));
	}
	free(order);
	return rc;
}

int month_changes(const struct month_input *in, struct month_result *res, struct pp_error *err)
{
	struct changes ch = {in, res, 0, 0};

	free(res->changes);
	res->changes = NULL;
	res->nchanges = 0;
	res->objective.changes = 0;
	if (!in->has_previous)
		return 0;
	for (int ps = 0; ps < in->previous.nseries; ps++)
		if (parent_changes(&ch, ps) < 0)
			goto fail;
	for (int kind = MCK_FACILITATOR; kind < MCK_COUNT; kind++)
		for (int ps = 0; ps < in->previous.nseries; ps++)
			if (staff_changes(&ch, ps, (enum month_change_kind)kind) < 0)
				goto fail;
	res->nchanges = ch.n;
	return 0;
fail:
	res->nchanges = ch.n;
	return pp_error_set(err, PP_ERR_INTERNAL, NULL, "out of memory");
}
