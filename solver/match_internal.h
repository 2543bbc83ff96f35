/*
 * match_internal.h - what match.c shares with match_flow.c and nothing else:
 * a parent's capped weights computed once, the allocation-free fit that the
 * batch solve evaluates for every pair, and the unmatched reasons.
 */
#ifndef PP_MATCH_INTERNAL_H
#define PP_MATCH_INTERNAL_H

#include "match.h"

/* A parent's counted dimensions and capped weights, ascending by dim. */
struct match_fitw {
	int *dims;
	double *w;
	bool *capped; /* the cap held w[i] down */
	int n;
};

/* Fill fw for p (malloc'd; match_fitw_free).  Returns 0, or -1 on out of memory. */
int match_fitw_init(const struct match_policy *pol, const struct match_parent *p,
		    struct match_fitw *fw);
void match_fitw_free(struct match_fitw *fw);

/* The fit of p and s; when terms is not NULL, writes fw->n + 1 breakdown terms. */
double match_fit_eval(const struct match_input *in, const struct match_parent *p,
		      const struct match_fitw *fw, const struct match_specialist *s,
		      struct match_term *terms);

/* match_fit() with p's weights already computed. */
int match_fit_with(const struct match_input *in, const struct match_parent *p,
		   const struct match_fitw *fw, const struct match_specialist *s,
		   struct match_fit *out, struct pp_error *err);

/* Why p (unmatched) is unmatched: enum match_reason bits, never 0 when the
 * batch is solved optimally. */
unsigned match_reasons(const struct match_input *in, const struct match_parent *p);

#endif
