/*
 * match_json.h - the matching documents of MODEL.md section 2 <-> the
 * structs of solver/match.h.
 *
 * match_parse_json() reads a batch document; match_parse_candidates_json()
 * reads a candidates request {"parent": {...}, "k": 5} which may also carry
 * "policy", "specialists" and "existing" (the daemon fills the last two from
 * its registry when they are absent).  A daemon that answers many requests
 * from one registry parses the registry once (struct match_registry) and
 * each request's own part with match_parse_candidates_cached().  The element readers
 * (match_read_specialist, match_read_parent, match_read_policy) are exported
 * so that the daemon can validate and store one specialist at a time: they
 * intern into a caller-owned struct jr_strtab, and the caller hands the
 * strings to a struct match_input with jr_strtab_take().
 *
 * Decisions where MODEL.md is silent (docs/matching.md repeats them):
 *  - `capacity` and `id` are required; everything else is optional, and
 *    null means the default;
 *  - `existing` pairs may bring a specialist above its capacity (capacity
 *    was lowered): the specialist then simply takes no new parent;
 *  - exclude lists hold ids (validated as ids); they may name ids that are
 *    not in the document;
 *  - `k` is 1..1000, default 5; `include_full` is a boolean, default false.
 */
#ifndef PP_MATCH_JSON_H
#define PP_MATCH_JSON_H

#include <stddef.h>

#include <jansson.h>

#include "error.h"
#include "json_read.h"
#include "match.h"

/* Parse and validate a batch document.  Returns 0 with *in filled (free with
 * match_input_free()), or -1 with err set and *in empty. */
int match_parse_json(const json_t *doc, struct match_input *in, struct pp_error *err);

/* A batch whose parents may each have a policy of their own (the daemon's
 * reassignment: each parent's policy stored with its ended assignment):
 * policies is NULL (= match_parse_json) or an array parallel to
 * doc.parents of policy objects or null (doc's policy); errors in it are at
 * policies[i]. */
int match_parse_json_policies(const json_t *doc, const json_t *policies, struct match_input *in,
			      struct pp_error *err);

/* The same from text buf[0..len) (PP_ERR_INVALID_JSON when it is not JSON). */
int match_parse(const char *buf, size_t len, struct match_input *in, struct pp_error *err);

/* A candidates request: *in gets policy, specialists and existing (when
 * present), *parent the parent (free with match_parent_free()), *o the
 * count k and include_full.  Strings of both live in in->strs. */
int match_parse_candidates_json(const json_t *doc, struct match_input *in,
				struct match_parent *parent, struct match_cand_opts *o,
				struct pp_error *err);

/* A registry parsed once for many candidates requests: the "specialists"
 * and "existing" of a candidates document, validated as
 * match_parse_candidates_json() validates them, with strings of its own.
 * Each request then reads only its own part against it
 * (match_parse_candidates_cached), one request at a time. */
struct match_registry;

/* Parse {"specialists": [...], "existing": [...]} (either may be absent or
 * null).  Returns the registry, or NULL with err set (paths as in a
 * candidates request). */
struct match_registry *match_registry_parse_json(const json_t *doc, struct pp_error *err);

/* NULL-safe; no request may be outstanding. */
void match_registry_free(struct match_registry *reg);

/* The specialists in reg. */
int match_registry_size(const struct match_registry *reg);

/* Read candidates request doc, whose "specialists" and "existing" must be
 * absent or null, against reg: the same options, parent and policy, the same
 * candidates, the same encoded reply and the same error as
 * match_parse_candidates_json() gives for doc completed with reg's
 * specialists and existing (string indices aside).  *in becomes a view of
 * reg (its specialists, existing pairs and strings, followed by the
 * request's new strings) with the request's policy; policy.dim_rank keeps
 * the request's order of first appearance for breakdowns.  Returns 0, or
 * -1 with err set.  Either way release with match_registry_release() before
 * reg reads another request; never match_input_free() the view. */
int match_parse_candidates_cached(const json_t *doc, struct match_registry *reg,
				  struct match_input *in, struct match_parent *parent,
				  struct match_cand_opts *o, struct pp_error *err);

/* Free the request's part of the view and the parent, and truncate reg's
 * strings back to the registry's own. */
void match_registry_release(struct match_registry *reg, struct match_input *in,
			    struct match_parent *parent);

/* Element readers at the current path of r; see the file comment. */
int match_read_policy(struct jr *r, const json_t *v, struct jr_strtab *t, struct match_policy *out);
int match_read_specialist(struct jr *r, const json_t *v, struct jr_strtab *t,
			  struct match_specialist *out);
int match_read_parent(struct jr *r, const json_t *v, struct jr_strtab *t, struct match_parent *out);

/* The defaults of MODEL.md section 2 (no default weights). */
void match_policy_default(struct match_policy *pol);

/* {"lived": 0.175, ..., "expertise": 0.3}; NULL on out of memory. */
json_t *match_breakdown_json(const struct match_input *in, const struct match_fit *f);

/* {"lived": {"weight": 0.5, "capped": true, "shared": ["bipolar"]}, ...,
 * "expertise": {"weight": 0.3, "shared": ["afterschool"]}}: one entry per
 * term of f, in the breakdown's order, tags sorted; NULL on out of memory. */
json_t *match_explain_json(const struct match_input *in, const struct match_fit *f);

/* Why fit f of parent p is 0, in words ("fit 0: no dimension is weighted,
 * and none of the needs (money) is in the specialist's expertise"),
 * malloc'd; NULL when the fit is not 0 (f->zero == 0) or out of memory. */
char *match_note_text(const struct match_input *in, const struct match_parent *p,
		      const struct match_fit *f);

/* ["language", ...]: enum match_reason bits in their wire order; NULL on
 * out of memory. */
json_t *match_reasons_json(unsigned reasons);

/* The output document of a batch; NULL on out of memory.  Each match has
 * "explain" beside its breakdown, and "note" when its fit is 0. */
json_t *match_result_to_json(const struct match_input *in, const struct match_result *res);

/* One candidate of parent p: {"specialist", "fit", "remaining_capacity",
 * "full" (only when full is not NULL), "breakdown", "explain", "note"
 * (fit 0 only)} for specialist index s; NULL on out of memory. */
json_t *match_candidate_json(const struct match_input *in, const struct match_parent *p, int s,
			     const struct match_fit *f, int remaining, const bool *full);

/* {"parent": id, "candidates": [match_candidate_json ...]}, "full" on every
 * candidate when o->include_full (o may be NULL: not); NULL on out of
 * memory. */
json_t *match_candidates_to_json(const struct match_input *in, const struct match_parent *p,
				 const struct match_cand_opts *o, const struct match_candidate *c,
				 int n);

#endif
