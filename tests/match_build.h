/*
 * match_build.h - building struct match_input by hand in the matching tests
 * (header-only, static): strings interned by linear search, tag lists from
 * comma-separated text ("en,fr"), traits and weights kept sorted by dim.
 * Parents and specialists are addressed by index, because the arrays grow.
 */
#ifndef PP_TEST_MATCH_BUILD_H
#define PP_TEST_MATCH_BUILD_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "match.h"

static __attribute__((unused)) int mb_str(struct match_input *in, const char *s)
{
	for (int i = 0; i < in->nstrs; i++)
		if (strcmp(in->strs[i], s) == 0)
			return i;
	in->strs = realloc(in->strs, sizeof(char *) * (size_t)(in->nstrs + 1));
	in->strs[in->nstrs] = strdup(s);
	return in->nstrs++;
}

static __attribute__((unused)) int mb_cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* "a,b,c" -> sorted distinct indices; "" -> empty. */
static __attribute__((unused)) struct pp_tags mb_tags(struct match_input *in, const char *csv)
{
	struct pp_tags t = {NULL, 0};
	char buf[512], *save = NULL;

	snprintf(buf, sizeof buf, "%s", csv ? csv : "");
	for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		int x = mb_str(in, tok), dup = 0;

		for (int i = 0; i < t.n; i++)
			dup |= t.v[i] == x;
		if (dup)
			continue;
		t.v = realloc(t.v, sizeof(int) * (size_t)(t.n + 1));
		t.v[t.n++] = x;
	}
	if (t.n > 0)
		qsort(t.v, (size_t)t.n, sizeof(int), mb_cmp_int);
	return t;
}

static __attribute__((unused)) void mb_trait(struct match_input *in, struct match_trait **v, int *n,
					     const char *dim, const char *csv)
{
	int d = mb_str(in, dim), i;

	*v = realloc(*v, sizeof **v * (size_t)(*n + 1));
	for (i = *n; i > 0 && (*v)[i - 1].dim > d; i--)
		(*v)[i] = (*v)[i - 1];
	(*v)[i].dim = d;
	(*v)[i].tags = mb_tags(in, csv);
	(*n)++;
}

static __attribute__((unused)) void mb_weight(struct match_input *in, struct match_weight **v,
					      int *n, const char *dim, double w)
{
	int d = mb_str(in, dim), i;

	*v = realloc(*v, sizeof **v * (size_t)(*n + 1));
	for (i = *n; i > 0 && (*v)[i - 1].dim > d; i--)
		(*v)[i] = (*v)[i - 1];
	(*v)[i].dim = d;
	(*v)[i].w = w;
	(*n)++;
}

static __attribute__((unused)) void mb_policy(struct match_input *in, double beta, double cap,
					      bool require_language)
{
	in->policy.expertise_weight = beta;
	in->policy.max_dimension_share = cap;
	in->policy.require_language = require_language;
}

static __attribute__((unused)) void mb_default(struct match_input *in, const char *dim, double w)
{
	mb_weight(in, &in->policy.default_weights, &in->policy.ndefault_weights, dim, w);
}

static __attribute__((unused)) int mb_spec(struct match_input *in, const char *id, int capacity,
					   const char *langs, const char *expertise,
					   const char *exclude)
{
	struct match_specialist *s;

	in->specialists = realloc(in->specialists, sizeof *s * (size_t)(in->nspecialists + 1));
	s = &in->specialists[in->nspecialists];
	memset(s, 0, sizeof *s);
	snprintf(s->id, sizeof s->id, "%s", id);
	s->name = mb_str(in, id);
	s->capacity = capacity;
	s->languages = mb_tags(in, langs);
	s->expertise = mb_tags(in, expertise);
	s->exclude = mb_tags(in, exclude);
	return in->nspecialists++;
}

static __attribute__((unused)) void mb_spec_trait(struct match_input *in, int s, const char *dim,
						  const char *csv)
{
	struct match_specialist *sp = &in->specialists[s];

	mb_trait(in, &sp->traits, &sp->ntraits, dim, csv);
}

static __attribute__((unused)) int mb_parent(struct match_input *in, const char *id, int priority,
					     const char *langs, const char *needs,
					     const char *exclude)
{
	struct match_parent *p;

	in->parents = realloc(in->parents, sizeof *p * (size_t)(in->nparents + 1));
	p = &in->parents[in->nparents];
	memset(p, 0, sizeof *p);
	snprintf(p->id, sizeof p->id, "%s", id);
	p->name = mb_str(in, id);
	p->priority = priority;
	p->languages = mb_tags(in, langs);
	p->needs = mb_tags(in, needs);
	p->exclude = mb_tags(in, exclude);
	return in->nparents++;
}

static __attribute__((unused)) void mb_parent_trait(struct match_input *in, int p, const char *dim,
						    const char *csv)
{
	struct match_parent *pp = &in->parents[p];

	mb_trait(in, &pp->traits, &pp->ntraits, dim, csv);
}

static __attribute__((unused)) void mb_parent_weight(struct match_input *in, int p, const char *dim,
						     double w)
{
	struct match_parent *pp = &in->parents[p];

	mb_weight(in, &pp->weights, &pp->nweights, dim, w);
}

static __attribute__((unused)) void mb_existing(struct match_input *in, const char *parent, int s)
{
	in->existing = realloc(in->existing, sizeof *in->existing * (size_t)(in->nexisting + 1));
	snprintf(in->existing[in->nexisting].parent, sizeof in->existing[0].parent, "%s", parent);
	in->existing[in->nexisting].specialist = s;
	in->nexisting++;
}

/* The breakdown term of dimension name (or "expertise"), or -1 if absent. */
static __attribute__((unused)) double mb_term(const struct match_input *in,
					      const struct match_fit *f, const char *name)
{
	for (int i = 0; i < f->nterms; i++) {
		const char *n =
		    f->terms[i].dim == MATCH_EXPERTISE ? "expertise" : in->strs[f->terms[i].dim];

		if (strcmp(n, name) == 0)
			return f->terms[i].value;
	}
	return -1.0;
}

#endif
