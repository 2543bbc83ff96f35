/*
 * match.h - peer-specialist matching of MODEL.md section 2: the input, the
 * fit of one parent to one specialist, the exact batch matching, and the
 * candidate list for one parent.
 *
 * The structs are plain data with no JSON in them: api/match_json.c fills a
 * struct match_input (validated, defaults applied) and encodes the results.
 * Every string the model compares - languages, trait tags, dimension names,
 * expertise and needs tags, and the ids themselves - is interned into
 * match_input.strs, so tag lists are sorted arrays of distinct string
 * indices, a dimension is an integer, and "p excludes s" is a binary search
 * for s's id index in p's exclude list.
 *
 * Batch matching is an exact min-cost flow (successive shortest paths, one
 * lexicographic int64 cost); see match_flow.c and docs/matching.md.
 * A fit comes with its explanation (each term's weight, whether the cap
 * held it down, the tags behind it, and why a fit is 0), computed only for
 * the pairs that are answered, never inside the solve.
 * Nothing here keeps pointers into the input after a call returns.
 */
#ifndef PP_MATCH_H
#define PP_MATCH_H

#include <stdbool.h>

#include "error.h"
#include "month.h" /* struct pp_tags, PP_ID_MAX */

#define MATCH_EXPERTISE (-1) /* the dim of the expertise term of a breakdown */

/* The tags of one dimension ("lived": ["bipolar"]). */
struct match_trait {
	int dim; /* string index of the dimension name */
	struct pp_tags tags;
};

/* A raw weight of one dimension. */
struct match_weight {
	int dim;  /* string index */
	double w; /* >= 0 */
};

struct match_specialist {
	char id[PP_ID_MAX + 1];
	int name;     /* string index of id */
	int capacity; /* >= 0 */
	struct pp_tags languages;
	struct match_trait *traits; /* sorted by dim, distinct dims */
	int ntraits;
	struct pp_tags expertise;
	struct pp_tags exclude; /* string indices of parent ids */
};

struct match_parent {
	char id[PP_ID_MAX + 1];
	int name;     /* string index of id */
	int priority; /* 1..100, default 1 */
	struct pp_tags languages;
	struct match_trait *traits; /* sorted by dim, distinct dims */
	int ntraits;
	struct match_weight *weights; /* sorted by dim, distinct dims */
	int nweights;
	struct pp_tags needs;
	struct pp_tags exclude; /* string indices of specialist ids */
	/* NULL: match_input.policy.  A reassignment batch gives each parent
	 * the policy stored with its ended assignment (match_input.parent_policies). */
	const struct match_policy *policy;
};

struct match_policy {
	double expertise_weight;              /* beta in [0, 1], default 0.3 */
	double max_dimension_share;           /* cap in (0, 1], default 0.5 */
	struct match_weight *default_weights; /* sorted by dim, distinct dims */
	int ndefault_weights;
	bool require_language; /* default true */
	/* NULL, or the order of the weighted dimensions: default_weights and
	 * every parent's weights are then sorted by dim_rank[dim] (distinct
	 * for distinct dims), and so are fits and breakdowns.  The candidates
	 * path of a parsed registry sets it so that a breakdown keeps the
	 * request's order of first appearance while the dims are the
	 * registry's string indices (api/match_json.c). */
	const int *dim_rank;
};

/* A pair that already exists: a parent outside this batch and a specialist. */
struct match_pair {
	char parent[PP_ID_MAX + 1];
	int specialist; /* index into match_input.specialists */
};

struct match_input {
	struct match_policy policy;
	struct match_specialist *specialists;
	int nspecialists;
	struct match_parent *parents;
	int nparents;
	struct match_pair *existing;
	int nexisting;
	char **strs; /* interned strings */
	int nstrs;
	/* NULL, or the policies match_parent.policy points to, owned here. */
	struct match_policy *parent_policies;
	int nparent_policies;
};

/* One term of a fit breakdown, with what lies behind it. */
struct match_term {
	int dim;               /* string index, or MATCH_EXPERTISE (always the last term) */
	double value;          /* (1 - beta) w_d J_d, or beta E */
	double weight;         /* w_d (capped, the w_d sum to 1), or beta */
	bool capped;           /* max_dimension_share held w_d below lambda * raw_d */
	struct pp_tags shared; /* tags of d on both sides; expertise: needs covered */
};

/* Why a fit is 0 (bits; none when it is not).  One of the first three says
 * why the similarity part is 0, one of the last two why the expertise part is. */
enum match_zero {
	MZ_NO_DIMENSIONS = 1 << 0,    /* no dimension has a weight > 0 */
	MZ_NO_SHARED = 1 << 1,        /* no tag shared in any weighted dimension */
	MZ_SIMILARITY_OFF = 1 << 2,   /* expertise_weight is 1 */
	MZ_NO_NEEDS_COVERED = 1 << 3, /* needs given, none in the expertise */
	MZ_EXPERTISE_OFF = 1 << 4,    /* expertise_weight is 0 */
};

/* The fit of a pair with its breakdown: one term per counted dimension in
 * ascending dim order (= order of first appearance in the document; by
 * policy.dim_rank when set), then expertise.  The terms sum to fit. */
struct match_fit {
	double fit;
	double similarity; /* S */
	double expertise;  /* E */
	struct match_term *terms;
	int nterms;
	unsigned zero; /* enum match_zero bits: 0 unless the fit is 0 */
};

/* Reasons a parent stays unmatched (bits). */
enum match_reason {
	MR_LANGUAGE = 1 << 0,       /* no common language with some specialist */
	MR_EXCLUDED = 1 << 1,       /* an exclusion with some specialist */
	MR_CAPACITY = 1 << 2,       /* eligible specialists exist, all full */
	MR_NO_SPECIALISTS = 1 << 3, /* the batch has no specialist at all */
};

enum match_status { MATCH_OPTIMAL = 0 };

struct match_assignment {
	int parent;     /* index */
	int specialist; /* index */
	struct match_fit fit;
};

struct match_unmatched {
	int parent;       /* index */
	unsigned reasons; /* enum match_reason bits */
};

struct match_result {
	enum match_status status;
	long matched_priority;
	double total_fit;                 /* sum of the unrounded fits of the matches */
	struct match_assignment *matches; /* in parent input order */
	int nmatches;
	struct match_unmatched *unmatched; /* in parent input order */
	int nunmatched;
	double seconds;
	int rounds; /* flow solves, pricing rounds included */
	long arcs;  /* pair arcs in the largest flow network */
};

struct match_candidate {
	int specialist; /* index */
	int remaining;  /* capacity - caseload, > 0 unless full */
	bool full;      /* no room left (listed with include_full only) */
	struct match_fit fit;
};

/* What a candidates request asks for. */
struct match_cand_opts {
	int k;             /* 1..1000, default 5 */
	bool include_full; /* list full specialists too, flagged; default false */
};

/* Compute the fit of parent p to specialist s under p's policy
 * (match_policy_of) into *out, with its explanation (terms and their shared
 * tags malloc'd; free with match_fit_free).  Returns 0, or -1 on out of
 * memory. */
int match_fit(const struct match_input *in, const struct match_parent *p,
	      const struct match_specialist *s, struct match_fit *out, struct pp_error *err);

/* The capped weights of p's counted dimensions: writes dims, w and, unless
 * NULL, capped (room for p->nweights + pol->ndefault_weights entries each;
 * scratch as much), in ascending dim order (dim_rank order when
 * pol->dim_rank is set); returns their number n.  capped[i]: the cap held
 * w[i] below lambda * raw (never when cap * n < 1, where all are 1 / n). */
int match_weights(const struct match_policy *pol, const struct match_parent *p, int *dims,
		  double *w, bool *capped, double *scratch);

/* The policy p is fitted under: p->policy, else in->policy. */
const struct match_policy *match_policy_of(const struct match_input *in,
					   const struct match_parent *p);

/* Is the pair eligible?  If not, *why gets MR_LANGUAGE and/or MR_EXCLUDED. */
bool match_eligible(const struct match_input *in, const struct match_parent *p,
		    const struct match_specialist *s, unsigned *why);

/* Caseload of every specialist from in->existing into load[nspecialists]. */
void match_caseload(const struct match_input *in, int *load);

/* Solve the batch exactly (lexicographic: matched priority, then total fit).
 * Returns 0 and fills *res, or -1 with err set (GLPK failure, out of
 * memory, a batch too large for exact integer costs).  Uses no GLPK. */
int match_solve(const struct match_input *in, struct match_result *res, struct pp_error *err);

/* The top o->k (>= 1) eligible specialists with room left for parent p
 * (which need not be in in->parents) - or, with o->include_full, eligible
 * ones without room too, flagged full - by fit descending, ties by id
 * ascending; caseloads come from in->existing.  *out malloc'd (NULL when
 * none), *n its length.  Returns 0, or -1 on out of memory. */
int match_candidates(const struct match_input *in, const struct match_parent *p,
		     const struct match_cand_opts *o, struct match_candidate **out, int *n,
		     struct pp_error *err);

void match_fit_free(struct match_fit *f);
void match_result_free(struct match_result *res);
void match_candidates_free(struct match_candidate *c, int n);
/* Free everything an api/ parser allocated in in (not in itself); NULL-safe. */
void match_input_free(struct match_input *in);
void match_specialist_free(struct match_specialist *s);
void match_parent_free(struct match_parent *p);

/* Wire names: "optimal"; "language", "excluded", "capacity", "no_specialists". */
const char *match_status_name(enum match_status s);
const char *match_reason_name(enum match_reason r);

#endif
