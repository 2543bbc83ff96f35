/*
 * match.c - the pairwise facts of peer-specialist matching (MODEL.md
 * section 2): capped dimension weights, the fit and its breakdown,
 * eligibility, caseloads, the candidate list of one parent, and freeing.
 * The batch solve lives in match_flow.c.
 *
 * Capped weights: the counted dimensions (raw weight > 0) get
 * w_d = min(cap, lambda * raw_d) with sum w_d = 1.  lambda is found exactly
 * by water-filling: with the raw weights sorted descending, try "the k
 * largest are capped" for k = 0, 1, ...; the rest share 1 - k * cap in
 * proportion to their raw weights, and the first k for which the largest
 * uncapped weight stays within cap is the answer.  When cap * n < 1 no
 * lambda exists and every w_d = 1 / n, as MODEL.md says.
 *
 * All tag lists are sorted distinct string indices, so intersections are
 * merges and exclusions are binary searches.
 */
#include "match.h"
#include "match_internal.h"

#include <stdlib.h>
#include <string.h>

/* |a ∩ b| of two sorted distinct int arrays; the common elements go to
 * out[0..) in order unless out is NULL. */
static int tags_merge(const struct pp_tags *a, const struct pp_tags *b, int *out)
{
	int i = 0, j = 0, c = 0;

	while (i < a->n && j < b->n) {
		if (a->v[i] < b->v[j]) {
			i++;
		} else if (a->v[i] > b->v[j]) {
			j++;
		} else {
			if (out != NULL)
				out[c] = a->v[i];
			c++;
			i++;
			j++;
		}
	}
	return c;
}

static int tags_common(const struct pp_tags *a, const struct pp_tags *b)
{
	return tags_merge(a, b, NULL);
}

/* a ∩ b into *out (malloc'd, NULL when empty); -1 on out of memory. */
static int tags_shared(const struct pp_tags *a, const struct pp_tags *b, struct pp_tags *out)
{
	int n = a->n < b->n ? a->n : b->n;

	out->v = NULL;
	out->n = 0;
	if (n == 0)
		return 0;
	if ((out->v = malloc(sizeof(int) * (size_t)n)) == NULL)
		return -1;
	if ((out->n = tags_merge(a, b, out->v)) == 0) {
		free(out->v);
		out->v = NULL;
	}
	return 0;
}

static bool tags_has(const struct pp_tags *t, int x)
{
	int lo = 0, hi = t->n - 1;

	while (lo <= hi) {
		int mid = lo + (hi - lo) / 2;

		if (t->v[mid] == x)
			return true;
		if (t->v[mid] < x)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return false;
}

/* Jaccard similarity; 0 when both sets are empty. */
static double jaccard(const struct pp_tags *a, const struct pp_tags *b)
{
	int c, u;

	if (a->n == 0 && b->n == 0)
		return 0.0;
	c = tags_common(a, b);
	u = a->n + b->n - c;
	return (double)c / (double)u;
}

static int cmp_desc_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x < y) - (x > y);
}

/* Cap raw w[0..n) in place: w = min(cap, lambda * raw), summing to 1;
 * capped[i] (unless NULL) says the cap held w[i] down; sorted[0..n) is
 * scratch.  Capped are exactly the k largest that the loop below gives up
 * on: lambda grows with k, so lambda * raw > cap for each of them. */
static void cap_weights(double *w, bool *capped, double *sorted, int n, double cap)
{
	double rest = 0.0, lambda = 0.0;
	int k;

	for (int i = 0; capped != NULL && i < n; i++)
		capped[i] = false;
	if (n == 0)
		return;
	if (cap * n < 1.0) {
		for (int i = 0; i < n; i++)
			w[i] = 1.0 / n;
		return;
	}
	memcpy(sorted, w, sizeof(double) * (size_t)n);
	qsort(sorted, (size_t)n, sizeof(double), cmp_desc_double);
	for (int i = 0; i < n; i++)
		rest += sorted[i];
	/* k = number of capped weights: the k largest. */
	for (k = 0; k < n; k++) {
		lambda = (1.0 - k * cap) / rest;
		if (lambda * sorted[k] <= cap * (1.0 + 1e-12))
			break;
		rest -= sorted[k];
	}
	if (k == n) { /* cap * n == 1: every weight is capped */
		for (int i = 0; i < n; i++) {
			w[i] = 1.0 / n;
			if (capped != NULL)
				capped[i] = true;
		}
		return;
	}
	for (int i = 0; i < n; i++) {
		double x = lambda * w[i];

		if (capped != NULL)
			capped[i] = x > cap * (1.0 + 1e-12);
		w[i] = x < cap ? x : cap;
	}
}

int match_weights(const struct match_policy *pol, const struct match_parent *p, int *dims,
		  double *w, bool *capped, double *scratch)
{
	const int *rank = pol->dim_rank;
	int i = 0, j = 0, n = 0;

	/* Merge the two lists by their sort key: dim, or dim_rank[dim]. */
	while (i < p->nweights || j < pol->ndefault_weights) {
		int dp = i < p->nweights ? p->weights[i].dim : -1;
		int dd = j < pol->ndefault_weights ? pol->default_weights[j].dim : -1;
		int kp = dp >= 0 && rank != NULL ? rank[dp] : dp;
		int kd = dd >= 0 && rank != NULL ? rank[dd] : dd;
		int dim;
		double raw;

		if (dp >= 0 && (dd < 0 || kp <= kd)) {
			dim = dp;
			raw = p->weights[i++].w; /* the parent's weight wins */
			if (dd == dp)
				j++;
		} else {
			dim = dd;
			raw = pol->default_weights[j++].w;
		}
		if (raw > 0) {
			dims[n] = dim;
			w[n++] = raw;
		}
	}
	cap_weights(w, capped, scratch, n, pol->max_dimension_share);
	return n;
}

const struct match_policy *match_policy_of(const struct match_input *in,
					   const struct match_parent *p)
{
	return p->policy != NULL ? p->policy : &in->policy;
}

/* The tags of dimension dim in traits[0..n) (sorted by dim), or empty. */
static const struct pp_tags *trait_tags(const struct match_trait *traits, int n, int dim)
{
	static const struct pp_tags empty = {NULL, 0};
	int lo = 0, hi = n - 1;

	while (lo <= hi) {
		int mid = lo + (hi - lo) / 2;

		if (traits[mid].dim == dim)
			return &traits[mid].tags;
		if (traits[mid].dim < dim)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return &empty;
}

double match_fit_eval(const struct match_input *in, const struct match_parent *p,
		      const struct match_fitw *fw, const struct match_specialist *s,
		      struct match_term *terms)
{
	double beta = match_policy_of(in, p)->expertise_weight, sim = 0.0, e;

	for (int i = 0; i < fw->n; i++) {
		const struct pp_tags *a = trait_tags(p->traits, p->ntraits, fw->dims[i]);
		const struct pp_tags *b = trait_tags(s->traits, s->ntraits, fw->dims[i]);
		double t = fw->w[i] * jaccard(a, b);

		sim += t;
		if (terms != NULL) {
			terms[i].dim = fw->dims[i];
			terms[i].value = (1.0 - beta) * t;
		}
	}
	e = p->needs.n == 0 ? 1.0
			    : (double)tags_common(&p->needs, &s->expertise) / (double)p->needs.n;
	if (terms != NULL) {
		terms[fw->n].dim = MATCH_EXPERTISE;
		terms[fw->n].value = beta * e;
	}
	return (1.0 - beta) * sim + beta * e;
}

int match_fitw_init(const struct match_policy *pol, const struct match_parent *p,
		    struct match_fitw *fw)
{
	size_t room = (size_t)(p->nweights + pol->ndefault_weights) + 1;

	double *scratch = malloc(room * sizeof(double));

	fw->dims = malloc(room * sizeof(int));
	fw->w = malloc(room * sizeof(double));
	fw->capped = malloc(room * sizeof(bool));
	if (fw->dims == NULL || fw->w == NULL || fw->capped == NULL || scratch == NULL) {
		free(scratch);
		match_fitw_free(fw);
		return -1;
	}
	fw->n = match_weights(pol, p, fw->dims, fw->w, fw->capped, scratch);
	free(scratch);
	return 0;
}

void match_fitw_free(struct match_fitw *fw)
{
	free(fw->dims);
	free(fw->w);
	free(fw->capped);
	fw->dims = NULL;
	fw->w = NULL;
	fw->capped = NULL;
	fw->n = 0;
}

/* Why fit f (terms explained) of p is 0 under pol: enum match_zero bits,
 * 0 when it is not.  fit = (1 - beta) S + beta E with every w_d > 0, so
 * the fit is 0 exactly when both parts are. */
static unsigned fit_zero(const struct match_policy *pol, const struct match_parent *p,
			 const struct match_fit *f)
{
	const struct match_term *ex = &f->terms[f->nterms - 1];
	unsigned sim = 0, exp = 0;
	bool shared = false;

	for (int i = 0; i < f->nterms - 1; i++)
		shared |= f->terms[i].shared.n > 0;
	if (pol->expertise_weight == 1.0)
		sim = MZ_SIMILARITY_OFF;
	else if (f->nterms == 1)
		sim = MZ_NO_DIMENSIONS;
	else if (!shared)
		sim = MZ_NO_SHARED;
	if (pol->expertise_weight == 0.0)
		exp = MZ_EXPERTISE_OFF;
	else if (p->needs.n > 0 && ex->shared.n == 0)
		exp = MZ_NO_NEEDS_COVERED;
	return sim != 0 && exp != 0 ? sim | exp : 0;
}

int match_fit_with(const struct match_input *in, const struct match_parent *p,
		   const struct match_fitw *fw, const struct match_specialist *s,
		   struct match_fit *out, struct pp_error *err)
{
	const struct match_policy *pol = match_policy_of(in, p);
	struct match_term *ex;

	memset(out, 0, sizeof *out);
	out->terms = calloc((size_t)(fw->n + 1), sizeof(struct match_term));
	if (out->terms == NULL)
		return pp_error_set(err, PP_ERR_INTERNAL, NULL, "out of memory");
	out->nterms = fw->n + 1;
	out->fit = match_fit_eval(in, p, fw, s, out->terms);
	out->expertise = p->needs.n == 0
			     ? 1.0
			     : (double)tags_common(&p->needs, &s->expertise) / (double)p->needs.n;
	for (int i = 0; i < fw->n; i++) {
		const struct pp_tags *a = trait_tags(p->traits, p->ntraits, fw->dims[i]);
		const struct pp_tags *b = trait_tags(s->traits, s->ntraits, fw->dims[i]);

		out->similarity += fw->w[i] * jaccard(a, b);
		out->terms[i].weight = fw->w[i];
		out->terms[i].capped = fw->capped[i];
		if (tags_shared(a, b, &out->terms[i].shared) < 0)
			goto oom;
	}
	ex = &out->terms[fw->n];
	ex->weight = pol->expertise_weight;
	if (tags_shared(&p->needs, &s->expertise, &ex->shared) < 0)
		goto oom;
	out->zero = fit_zero(pol, p, out);
	return 0;
oom:
	match_fit_free(out);
	return pp_error_set(err, PP_ERR_INTERNAL, NULL, "out of memory");
}

int match_fit(const struct match_input *in, const struct match_parent *p,
	      const struct match_specialist *s, struct match_fit *out, struct pp_error *err)
{
	struct match_fitw fw;
	int rc;

	if (match_fitw_init(match_policy_of(in, p), p, &fw) < 0)
		return pp_error_set(err, PP_ERR_INTERNAL, NULL, "out of memory");
	rc = match_fit_with(in, p, &fw, s, out, err);
	match_fitw_free(&fw);
	return rc;
}

bool match_eligible(const struct match_input *in, const struct match_parent *p,
		    const struct match_specialist *s, unsigned *why)
{
	unsigned r = 0;

	if (match_policy_of(in, p)->require_language &&
	    tags_common(&p->languages, &s->languages) == 0)
		r |= MR_LANGUAGE;
	if (tags_has(&p->exclude, s->name) || tags_has(&s->exclude, p->name))
		r |= MR_EXCLUDED;
	if (why != NULL)
		*why = r;
	return r == 0;
}

void match_caseload(const struct match_input *in, int *load)
{
	for (int s = 0; s < in->nspecialists; s++)
		load[s] = 0;
	for (int i = 0; i < in->nexisting; i++)
		load[in->existing[i].specialist]++;
}

unsigned match_reasons(const struct match_input *in, const struct match_parent *p)
{
	unsigned all = 0;

	if (in->nspecialists == 0)
		return MR_NO_SPECIALISTS;
	for (int s = 0; s < in->nspecialists; s++) {
		unsigned why;

		if (match_eligible(in, p, &in->specialists[s], &why))
			return MR_CAPACITY;
		all |= why;
	}
	return all;
}

/* A candidate while ranking. */
struct ranked {
	double fit;
	const char *id;
	int s;
};

/* Ranking of candidates: fit descending, then id ascending (a total order:
 * ids are distinct). */
static int cmp_ranked(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;

	if (x->fit != y->fit)
		return x->fit > y->fit ? -1 : 1;
	return strcmp(x->id, y->id);
}

/* Restore the heap order of h[0..n) below i: every parent ranks after its
 * children, so h[0] is the last-ranked of the k kept. */
static void heap_down(struct ranked *h, int n, int i)
{
	for (;;) {
		int worst = i, l = 2 * i + 1, r = l + 1;
		struct ranked t;

		if (l < n && cmp_ranked(&h[l], &h[worst]) > 0)
			worst = l;
		if (r < n && cmp_ranked(&h[r], &h[worst]) > 0)
			worst = r;
		if (worst == i)
			return;
		t = h[i];
		h[i] = h[worst];
		h[worst] = t;
		i = worst;
	}
}

/* Offer x to the best k kept in heap h[0..*n): added while fewer than k,
 * else it replaces the last-ranked one when it ranks before it. */
static void heap_offer(struct ranked *h, int *n, int k, const struct ranked *x)
{
	if (*n < k) {
		int i = (*n)++;

		h[i] = *x;
		while (i > 0 && cmp_ranked(&h[(i - 1) / 2], &h[i]) < 0) {
			struct ranked t = h[i];

			h[i] = h[(i - 1) / 2];
			h[(i - 1) / 2] = t;
			i = (i - 1) / 2;
		}
	} else if (cmp_ranked(x, &h[0]) < 0) {
		h[0] = *x;
		heap_down(h, *n, 0);
	}
}

int match_candidates(const struct match_input *in, const struct match_parent *p,
		     const struct match_cand_opts *o, struct match_candidate **out, int *n,
		     struct pp_error *err)
{
	struct match_candidate *c = NULL;
	struct ranked *r = NULL;
	struct match_fitw fw = {0};
	int *load = NULL, m = 0, k = o->k;

	*out = NULL;
	*n = 0;
	if (k > in->nspecialists)
		k = in->nspecialists;
	load = malloc(sizeof(int) * (size_t)(in->nspecialists + 1));
	r = malloc(sizeof *r * (size_t)(k + 1));
	if (load == NULL || r == NULL || match_fitw_init(match_policy_of(in, p), p, &fw) < 0)
		goto oom;
	match_caseload(in, load);
	/* The best k by a bounded heap, then only those k sorted. */
	for (int s = 0; s < in->nspecialists; s++) {
		const struct match_specialist *sp = &in->specialists[s];
		struct ranked x;

		if ((load[s] >= sp->capacity && !o->include_full) ||
		    !match_eligible(in, p, sp, NULL))
			continue;
		x.fit = match_fit_eval(in, p, &fw, sp, NULL);
		x.id = sp->id;
		x.s = s;
		heap_offer(r, &m, k, &x);
	}
	if (m > 1)
		qsort(r, (size_t)m, sizeof *r, cmp_ranked);
	if (m > 0 && (c = calloc((size_t)m, sizeof *c)) == NULL)
		goto oom;
	for (int i = 0; i < m; i++) {
		int s = r[i].s, left = in->specialists[s].capacity - load[s];

		c[i].specialist = s;
		c[i].remaining = left > 0 ? left : 0;
		c[i].full = left <= 0;
		if (match_fit_with(in, p, &fw, &in->specialists[s], &c[i].fit, err) < 0) {
			match_candidates_free(c, i);
			c = NULL;
			goto oom;
		}
	}
	match_fitw_free(&fw);
	free(load);
	free(r);
	*out = c;
	*n = m;
	return 0;
oom:
	match_fitw_free(&fw);
	free(load);
	free(r);
	return pp_error_set(err, PP_ERR_INTERNAL, NULL, "out of memory");
}

void match_fit_free(struct match_fit *f)
{
	if (f == NULL)
		return;
	for (int i = 0; f->terms != NULL && i < f->nterms; i++)
		free(f->terms[i].shared.v);
	free(f->terms);
	memset(f, 0, sizeof *f);
}

void match_result_free(struct match_result *res)
{
	if (res == NULL)
		return;
	for (int i = 0; i < res->nmatches; i++)
		match_fit_free(&res->matches[i].fit);
	free(res->matches);
	free(res->unmatched);
	memset(res, 0, sizeof *res);
}

void match_candidates_free(struct match_candidate *c, int n)
{
	if (c == NULL)
		return;
	for (int i = 0; i < n; i++)
		match_fit_free(&c[i].fit);
	free(c);
}

static void traits_free(struct match_trait *t, int n)
{
	for (int i = 0; i < n; i++)
		free(t[i].tags.v);
	free(t);
}

void match_specialist_free(struct match_specialist *s)
{
	if (s == NULL)
		return;
	free(s->languages.v);
	traits_free(s->traits, s->ntraits);
	free(s->expertise.v);
	free(s->exclude.v);
	memset(s, 0, sizeof *s);
}

void match_parent_free(struct match_parent *p)
{
	if (p == NULL)
		return;
	free(p->languages.v);
	traits_free(p->traits, p->ntraits);
	free(p->weights);
	free(p->needs.v);
	free(p->exclude.v);
	memset(p, 0, sizeof *p);
}

void match_input_free(struct match_input *in)
{
	if (in == NULL)
		return;
	free(in->policy.default_weights);
	for (int i = 0; i < in->nspecialists; i++)
		match_specialist_free(&in->specialists[i]);
	free(in->specialists);
	for (int i = 0; i < in->nparents; i++)
		match_parent_free(&in->parents[i]);
	free(in->parents);
	free(in->existing);
	for (int i = 0; i < in->nparent_policies; i++)
		free(in->parent_policies[i].default_weights);
	free(in->parent_policies);
	for (int i = 0; i < in->nstrs; i++)
		free(in->strs[i]);
	free(in->strs);
	memset(in, 0, sizeof *in);
}

const char *match_status_name(enum match_status s)
{
	return s == MATCH_OPTIMAL ? "optimal" : "?";
}

const char *match_reason_name(enum match_reason r)
{
	switch (r) {
	case MR_LANGUAGE:
		return "language";
	case MR_EXCLUDED:
		return "excluded";
	case MR_CAPACITY:
		return "capacity";
	case MR_NO_SPECIALISTS:
		return "no_specialists";
	}
	return "?";
}
