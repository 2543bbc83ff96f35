/*
 * month_classes.c - parents grouped into classes of interchangeable parents.
 *
 * Two statically eligible parents are interchangeable for the model when
 * they have the same eligible candidates, languages, priority, preferred
 * daypart, number of children and need tags, the same previous series
 * when re-planning (month_replan.c), and the same ride role (a
 * rider, or a car driver offering seats, with zone and seat count; everyone
 * else is neutral and their zone does not matter).  Each parent gets a sort
 * key of exactly those fields; sorting the keys puts each class's members
 * next to each other, in input order within a class.  The model then
 * decides how many of a class join each series, not which ones, which
 * shrinks a large month by an order of magnitude and removes the symmetry
 * between look-alike parents.
 */
#include "month_internal.h"

#include <stdlib.h>
#include <string.h>

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
	PUT(m->parent_prev != NULL ? m->parent_prev[p] : -1);
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
int month_build_classes(struct model *m)
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
		k->prev_cand = m->parent_prev != NULL ? m->parent_prev[ks[a].parent] : -1;
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
