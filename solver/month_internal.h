/*
 * month_internal.h - what the month solver's files share and nobody else
 * needs: candidate series and the static eligibility filters of MODEL.md.
 */
#ifndef PP_MONTH_INTERNAL_H
#define PP_MONTH_INTERNAL_H

#include "month.h"

/* A candidate series: a (slot, room) pair whose room is available at the
 * slot and that meets at least once in the month. */
struct month_cand {
	int slot, room;
	int meetings;
	int days[5];
	int daypart;
};

/* Every candidate series, in MODEL.md's order (slot, then room).  Returns the
 * array (NULL with *n = 0 when there is none, or on allocation failure with
 * *n = -1). */
struct month_cand *month_candidates(const struct month_input *in, int *n);

/* The static filters parent p fails at candidate c, as bits
 * (1 << enum month_filter); 0 means statically eligible. */
unsigned month_static_fails(const struct month_input *in, const struct month_cand *c,
			    const struct month_parent *p);

/* Does some tag of a occur in b?  Both sorted. */
bool month_tags_meet(const struct pp_tags *a, const struct pp_tags *b);

/* Is tag t in the sorted list? */
bool month_tags_have(const struct pp_tags *a, int t);

/* Explain why parent p is not in any series: fills u by MODEL.md's rule.
 * fails[c] are p's static failure bits at each of the ncand candidates. */
void month_explain(const unsigned *fails, int ncand, struct month_unassigned *u);

#endif
