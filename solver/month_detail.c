/*
 * month_detail.c - the `detail` of each parent left out: one line a
 * coordinator can read aloud, beside MODEL.md's `reasons` (the wording is
 * this project's, documented in docs/spec/MODEL.md under "unassigned
 * detail").
 *
 * A parent no candidate admits is told where the nearest candidates are
 * and what exactly fails there: the series month_explain() counts as
 * nearest for "multiple", and for each single filter of the reasons the
 * first candidate where only that filter fails.  What fails comes from
 * month_filter_check(), the filters' one implementation.  A parent some
 * candidates admit (not_selected) is told, for the first few of them, what
 * the returned plan filled or left closed there: not opened (with what
 * rules it out whatever the plan, when something does: max_series, no
 * facilitators for the parent's languages, min_group, no driver, a least
 * cost over the budget left), run in a language the parent does not
 * speak, full, no child place or staff capacity left, a need its staff do
 * not support, no free seat for a rider.  When nothing of that holds the
 * line says so, and that the plan is not proven optimal when it is not,
 * rather than invent a cause.
 *
 * Series are named by their output id "<slot>@<room>"; slot times as
 * "mon 10:00-12:00"; tag lists alphabetically, "a, b or c".
 */
#include "month_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* not_selected: series described before "and N more". */
#define DETAIL_SHOWN 3

/* What every detail is computed from. */
struct detail_ctx {
	const struct month_input *in;
	const struct month_cand *cands;
	int ncands;
	const unsigned *fails; /* nparents x ncands static failure bits */
	const struct month_result *res;
	bool have_plan;
	int *unmet; /* scratch with room for the parent's need tags */
};

/* A growing line of text; oom is set when it could not grow. */
struct text {
	char *s;
	size_t len, cap;
	bool oom;
};

/* Append printf-style to t. */
static void put(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (t->oom)
		return;
	va_start(ap, fmt);
	n = vsnprintf(t->s ? t->s + t->len : NULL, t->s ? t->cap - t->len : 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		t->oom = true;
		return;
	}
	if (t->s == NULL || t->len + (size_t)n + 1 > t->cap) {
		size_t cap = (t->len + (size_t)n + 1) * 2;
		char *s = realloc(t->s, cap < 128 ? 128 : cap);

		if (s == NULL) {
			t->oom = true;
			return;
		}
		t->s = s;
		t->cap = cap < 128 ? 128 : cap;
		va_start(ap, fmt);
		vsnprintf(t->s + t->len, t->cap - t->len, fmt, ap);
		va_end(ap);
	}
	t->len += (size_t)n;
}

/* Append the separator of item i of n in a list "a, b and c" (or "or"). */
static void put_sep(struct text *t, int i, int n, const char *last)
{
	if (i > 0 && i == n - 1)
		put(t, " %s ", last);
	else if (i > 0)
		put(t, ", ");
}

/* Append the tags v[0..n) alphabetically, joined "a, b or c". */
static void put_tags(struct text *t, const struct month_input *in, const int *v, int n)
{
	int *o = malloc(sizeof(int) * ((size_t)n + 1));

	if (o == NULL) {
		t->oom = true;
		return;
	}
	for (int i = 0; i < n; i++) {
		int j = i;

		while (j > 0 && strcmp(in->strs[o[j - 1]], in->strs[v[i]]) > 0) {
			o[j] = o[j - 1];
			j--;
		}
		o[j] = v[i];
	}
	for (int i = 0; i < n; i++) {
		put_sep(t, i, n, "or");
		put(t, "%s", in->strs[o[i]]);
	}
	free(o);
}

/* Append "zone nw", or "no zone" for the empty one. */
static void put_zone(struct text *t, const struct month_input *in, int zone)
{
	if (in->strs[zone][0] == '\0')
		put(t, "no zone");
	else
		put(t, "zone %s", in->strs[zone]);
}

/* Append a slot's time, "mon 10:00-12:00". */
static void put_when(struct text *t, const struct month_slot *s)
{
	put(t, "%s %02d:%02d-%02d:%02d", month_weekday_name(s->weekday), s->start / 60,
	    s->start % 60, s->end / 60, s->end % 60);
}

/* Append the series id "<slot>@<room>" of candidate c. */
static void put_series(struct text *t, const struct month_input *in, const struct month_cand *c)
{
	put(t, "%s@%s", in->slots[c->slot].id, in->rooms[c->room].id);
}

/* Append what filter f, which parent p fails at candidate c, fails on
 * there; why is month_filter_check()'s record at c. */
static void put_fail(struct text *t, const struct month_input *in, const struct month_cand *c,
		     const struct month_parent *p, enum month_filter f,
		     const struct month_fail_why *why)
{
	const struct month_slot *slot = &in->slots[c->slot];
	const struct month_room *room = &in->rooms[c->room];

	switch (f) {
	case MF_AVAILABILITY:
		put(t, "not available ");
		put_when(t, slot);
		break;
	case MF_ACCESSIBILITY:
		put(t, "room %s is not accessible", room->id);
		break;
	case MF_TRANSPORT:
		if (p->transport == PP_WALK) {
			put(t, "walks from ");
			put_zone(t, in, p->zone);
			put(t, " to room %s in ", room->id);
			put_zone(t, in, room->zone);
		} else {
			put(t, "no transit window of room %s covers ", room->id);
			put_when(t, slot);
		}
		break;
	case MF_LANGUAGE:
		if (why->no_facilitator) {
			put(t, "no facilitator is available ");
			put_when(t, slot);
		} else if (p->languages.n == 0) {
			put(t, "the parent gives no language");
		} else {
			put(t, "no facilitator available ");
			put_when(t, slot);
			put(t, " speaks ");
			put_tags(t, in, p->languages.v, p->languages.n);
		}
		break;
	default: /* MF_CHILDCARE */
		if (why->few_places && room->childcare == 0)
			put(t, "room %s has no child places", room->id);
		else if (why->few_places)
			put(t, "room %s has %d child place%s for %d children", room->id,
			    room->childcare, room->childcare == 1 ? "" : "s", p->nchildren);
		if (why->few_places && (why->no_staff || why->nunmet > 0))
			put(t, " and ");
		if (why->no_staff) {
			put(t, "no childcare staff is available ");
			put_when(t, slot);
		} else if (why->nunmet > 0) {
			put(t, "no childcare staff available ");
			put_when(t, slot);
			put(t, " supports ");
			put_tags(t, in, why->unmet, why->nunmet);
		}
	}
}

/* Append "<filter> (<what fails>)" for each filter of bits, which parent p
 * fails at candidate c, joined "a, b and c"; when at is set, each as
 * "<filter> at <series> (...)". */
static void put_fails(struct text *t, const struct detail_ctx *x, int c,
		      const struct month_parent *p, unsigned bits, bool at)
{
	struct month_fail_why why = {.unmet = x->unmet};
	int n = __builtin_popcount(bits), i = 0;

	month_filter_check(x->in, &x->cands[c], p, &why);
	for (int f = 0; f < MF_COUNT; f++) {
		if (!(bits & (1u << f)))
			continue;
		put_sep(t, i++, n, "and");
		put(t, "%s", month_filter_name(f));
		if (at) {
			put(t, " at ");
			put_series(t, x->in, &x->cands[c]);
		}
		put(t, " (");
		put_fail(t, x->in, &x->cands[c], p, f, &why);
		put(t, ")");
	}
}

/* The detail of parent u->parent, whom no candidate admits (the reasons
 * are filters or "multiple"); pf are their bits per candidate, nearest
 * what month_explain() returned. */
static void static_detail(struct text *t, const struct detail_ctx *x, const unsigned *pf,
			  const struct month_unassigned *u, int nearest)
{
	const struct month_parent *p = &x->in->parents[u->parent];
	int nsingle = __builtin_popcount(u->filters);

	if (nearest < 0) {
		put(t, "no candidate series: no room is available at any slot with a meeting "
		       "left in the month");
		return;
	}
	if (u->multiple) {
		put(t, "no single fix is enough: nearest series ");
		put_series(t, x->in, &x->cands[nearest]);
		put(t, " fails ");
		put_fails(t, x, nearest, p, pf[nearest], false);
		return;
	}
	if (nsingle > 1)
		put(t, "any one of these fixes it: ");
	for (int f = 0, i = 0; f < MF_COUNT; f++) {
		int c = 0;

		if (!(u->filters & (1u << f)))
			continue;
		while (pf[c] != 1u << f) /* month_explain() saw one */
			c++;
		if (nsingle == 1) {
			put(t, "nearest series ");
			put_series(t, x->in, &x->cands[c]);
			put(t, " fails only ");
		} else if (i++ > 0) {
			put(t, "; ");
		}
		put_fails(t, x, c, p, 1u << f, nsingle > 1);
	}
}

/* The plan's series at candidate c, or NULL when it is not opened. */
static const struct month_series *series_at(const struct month_result *res,
					    const struct month_cand *c)
{
	for (int s = 0; s < res->nseries; s++)
		if (res->series[s].slot == c->slot && res->series[s].room == c->room)
			return &res->series[s];
	return NULL;
}

/* How many parents pass every filter at candidate c; with ride_zone >= 0
 * only car parents of that zone with a seat. */
static int passing_at(const struct detail_ctx *x, int c, int ride_zone)
{
	int n = 0;

	for (int q = 0; q < x->in->nparents; q++) {
		const struct month_parent *pq = &x->in->parents[q];

		if (ride_zone >= 0 &&
		    (pq->transport != PP_CAR || pq->seats == 0 || pq->zone != ride_zone))
			continue;
		n += x->fails[(size_t)q * (size_t)x->ncands + (size_t)c] == 0;
	}
	return n;
}

/* A lower bound on the cost of opening candidate c: its room and the
 * facilitators_per_series cheapest facilitators available at its slot.
 * Returns -1 (memory) or 0 with *cost set. */
static int least_cost(const struct month_input *in, const struct month_cand *c, double *cost)
{
	const struct month_slot *slot = &in->slots[c->slot];
	bool *used = calloc((size_t)in->nfacilitators + 1, sizeof *used);
	double per = in->rooms[c->room].cost;

	if (used == NULL)
		return -1;
	for (int k = 0; k < in->policy.facilitators_per_series; k++) {
		int best = -1;

		for (int i = 0; i < in->nfacilitators; i++)
			if (!used[i] && month_fits(&in->facilitators[i].available, slot) &&
			    (best < 0 || in->facilitators[i].cost < in->facilitators[best].cost))
				best = i;
		if (best >= 0) {
			used[best] = true;
			per += in->facilitators[best].cost;
		}
	}
	free(used);
	*cost = c->meetings * per;
	return 0;
}

/* Can a series at candidate c run in a language of parent p: do
 * facilitators_per_series facilitators available at the slot speak one of
 * them, one trained when require_trained? */
static bool team_exists(const struct month_input *in, const struct month_cand *c,
			const struct month_parent *p)
{
	const struct month_slot *slot = &in->slots[c->slot];

	for (int l = 0; l < p->languages.n; l++) {
		int n = 0;
		bool trained = !in->policy.require_trained;

		for (int i = 0; i < in->nfacilitators; i++) {
			const struct month_facilitator *f = &in->facilitators[i];

			if (month_fits(&f->available, slot) &&
			    month_tags_have(&f->languages, p->languages.v[l])) {
				n++;
				trained |= f->trained;
			}
		}
		if (n >= in->policy.facilitators_per_series && trained)
			return true;
	}
	return false;
}

/* Append "not opened" for candidate c, which the plan leaves closed, and
 * what of the policy and the input rules it out for parent p: max_series
 * reached, no facilitators to run it in their language, fewer parents able
 * to join than min_group, no driver for a rider, a cost over what the
 * budget has left. */
static void put_closed(struct text *t, const struct detail_ctx *x, int c,
		       const struct month_parent *p)
{
	const struct month_policy *pol = &x->in->policy;
	int able = passing_at(x, c, -1);
	double cost, left = pol->budget - x->res->objective.cost;

	put(t, "not opened");
	if (pol->max_series != PP_UNLIMITED && x->res->nseries >= pol->max_series)
		put(t, ", max_series %d reached", pol->max_series);
	if (!team_exists(x->in, &x->cands[c], p)) {
		int k = pol->facilitators_per_series;

		put(t, ", no language of theirs is spoken by ");
		if (k == 1)
			put(t, "a%s facilitator available ",
			    pol->require_trained ? " trained" : "");
		else
			put(t, "%d facilitators available ", k);
		put_when(t, &x->in->slots[x->cands[c].slot]);
		if (k > 1 && pol->require_trained)
			put(t, " with one trained");
	}
	if (able < pol->min_group)
		put(t, ", only %d %s every filter there and min_group is %d", able,
		    able == 1 ? "parent passes" : "parents pass", pol->min_group);
	if (p->transport == PP_RIDE && passing_at(x, c, p->zone) == 0) {
		put(t, ", no driver from ");
		put_zone(t, x->in, p->zone);
		put(t, " with a seat passes every filter there");
	}
	if (!pol->has_budget)
		return;
	if (least_cost(x->in, &x->cands[c], &cost) < 0)
		t->oom = true;
	else if (cost > left + 1e-6)
		put(t, ", opening it costs at least %.2f and the budget has %.2f left", cost, left);
}

/* Append what in open series s keeps parent p out: the causes, joined
 * ", "; nothing when none holds.  unmet has room for p's need tags. */
static void put_full(struct text *t, const struct month_input *in, const struct month_series *s,
		     const struct month_parent *p, int *unmet)
{
	const struct month_room *room = &in->rooms[s->room];
	int n = p->nchildren, staff_cap = 0, nunmet = 0, riders = 1, seats = 0;
	const char *sep = "";

	if (s->nparents >= room->capacity) {
		put(t, "full at room %s's capacity of %d parent%s", room->id, room->capacity,
		    room->capacity == 1 ? "" : "s");
		sep = ", ";
	}
	for (int j = 0; j < s->nstaff; j++)
		staff_cap += in->staff[s->staff[j]].max_children;
	for (int k = 0; k < p->nchildren; k++)
		for (int i = 0; i < p->children[k].needs.n; i++) {
			int tag = p->children[k].needs.v[i];
			bool met = false;

			for (int j = 0; j < s->nstaff && !met; j++)
				met = month_tags_have(&in->staff[s->staff[j]].supports, tag);
			if (!met && !month_in_list(unmet, nunmet, tag))
				unmet[nunmet++] = tag;
		}
	if (n > 0 && s->children + n > room->childcare) {
		put(t, "%schild places: %d of room %s's %d taken and %d needed", sep, s->children,
		    room->id, room->childcare, n);
		sep = ", ";
	}
	if (n > 0 && s->nstaff == 0) {
		put(t, "%sno childcare staff", sep);
		sep = ", ";
	} else if (n > 0) {
		if (s->children + n > staff_cap) {
			put(t, "%schildcare staff capacity: %d of %d taken and %d needed", sep,
			    s->children, staff_cap, n);
			sep = ", ";
		}
		if (nunmet > 0) {
			put(t, "%sno staff there supports ", sep);
			put_tags(t, in, unmet, nunmet);
			sep = ", ";
		}
	}
	if (p->transport != PP_RIDE)
		return;
	for (int i = 0; i < s->nparents; i++) {
		const struct month_parent *q = &in->parents[s->parents[i]];

		riders += q->zone == p->zone && q->transport == PP_RIDE;
		seats += q->zone == p->zone && q->transport == PP_CAR ? q->seats : 0;
	}
	if (riders > seats) {
		put(t, "%sno driver from ", sep);
		put_zone(t, in, p->zone);
		put(t, " with a free seat");
	}
}

/* Append what the plan filled or left closed at candidate c, which
 * admits parent p. */
static void put_cause(struct text *t, const struct detail_ctx *x, int c,
		      const struct month_parent *p)
{
	const struct month_series *s = series_at(x->res, &x->cands[c]);
	size_t mark = t->len;

	if (s == NULL) {
		put_closed(t, x, c, p);
		return;
	}
	if (!month_tags_have(&p->languages, s->language)) {
		put(t, "runs in %s, a language they do not speak", x->in->strs[s->language]);
		return;
	}
	put_full(t, x->in, s, p, x->unmet);
	if (t->len == mark && !t->oom)
		put(t, x->res->status == MONTH_OPTIMAL ? "nothing in this plan keeps them out"
						       : "has room in this plan, which is not "
							 "proven optimal");
}

/* The detail of parent p, whom some candidates admit (not_selected; pf
 * are their bits per candidate): the first DETAIL_SHOWN of those, each
 * with what the plan filled or closed there, or the status that left no
 * plan. */
static void selected_detail(struct text *t, const struct detail_ctx *x, const unsigned *pf,
			    const struct month_parent *p)
{
	const char *sep = x->have_plan ? "; " : ", ";
	int n = 0, shown = 0;

	for (int c = 0; c < x->ncands; c++)
		n += pf[c] == 0;
	put(t, "passes every filter at %d series: ", n);
	for (int c = 0; c < x->ncands && shown < DETAIL_SHOWN; c++) {
		if (pf[c] != 0)
			continue;
		put(t, "%s", shown++ == 0 ? "" : sep);
		put_series(t, x->in, &x->cands[c]);
		if (x->have_plan) {
			put(t, " (");
			put_cause(t, x, c, p);
			put(t, ")");
		}
	}
	if (n > shown)
		put(t, "%sand %d more", sep, n - shown);
	if (!x->have_plan)
		put(t, "; no plan was found (%s)", month_status_name(x->res->status));
}

int month_detail(const struct month_input *in, const struct month_cand *cands, int ncands,
		 const unsigned *fails, bool have_plan, struct month_result *res)
{
	struct detail_ctx x = {in, cands, ncands, fails, res, have_plan, NULL};

	for (int i = 0; i < res->nunassigned; i++) {
		struct month_unassigned *u = &res->unassigned[i], again;
		const struct month_parent *p = &in->parents[u->parent];
		const unsigned *pf = &fails[(size_t)u->parent * (size_t)ncands];
		struct text t = {0};
		int ntags = 0, nearest;

		for (int k = 0; k < p->nchildren; k++)
			ntags += p->children[k].needs.n;
		x.unmet = malloc(sizeof(int) * ((size_t)ntags + 1));
		if (x.unmet == NULL)
			return -1;
		nearest = month_explain(pf, ncands, &again);
		if (u->not_selected)
			selected_detail(&t, &x, pf, p);
		else
			static_detail(&t, &x, pf, u, nearest);
		free(x.unmet);
		if (t.oom) {
			free(t.s);
			return -1;
		}
		u->detail = t.s;
	}
	return 0;
}
