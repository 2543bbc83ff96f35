/*
 * match_json.c - reading the matching documents of MODEL.md section 2 with
 * the strict readers of json_read.c (match_encode.c writes the answers).
 *
 * Every string compared by the solver (languages, tags, dimension names and
 * ids) is interned into one jr_strtab, which the struct match_input takes
 * over at the end.  Traits and weights are JSON objects keyed by dimension;
 * they become arrays sorted by the dimension's intern index, so dimensions
 * keep the order in which the document first names them (policy first),
 * which is also the order of every breakdown written back.
 *
 * Cross-references (`existing`) are resolved by id through Jansson objects
 * used as hash sets: specialists of the document, parents of the batch, and
 * parents already paired.
 */
#include "match_json.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static const char *const policy_keys[] = {"expertise_weight", "max_dimension_share",
					  "default_weights", "require_language", NULL};
static const char *const specialist_keys[] = {"id",        "capacity", "languages", "traits",
					      "expertise", "exclude",  NULL};
static const char *const parent_keys[] = {"id",      "priority", "languages", "traits",
					  "weights", "needs",    "exclude",   NULL};
static const char *const doc_keys[] = {"policy", "specialists", "parents", "existing", NULL};
static const char *const pair_keys[] = {"parent", "specialist", NULL};
static const char *const cand_keys[] = {"parent",   "k", "include_full", "policy", "specialists",
					"existing", NULL};

void match_policy_default(struct match_policy *pol)
{
	memset(pol, 0, sizeof *pol);
	pol->expertise_weight = 0.3;
	pol->max_dimension_share = 0.5;
	pol->require_language = true;
}

/* A dimension name (an object key): 1..64 bytes; its intern index or -1. */
static int read_dim(struct jr *r, struct jr_strtab *t, const char *key)
{
	size_t len = strlen(key);

	if (len == 0 || len > JR_ID_MAX)
		return jr_fail(r, key, false, "a dimension name must have 1 to %d characters",
			       JR_ID_MAX);
	return jr_intern(r, t, key);
}

static int cmp_trait(const void *a, const void *b)
{
	return ((const struct match_trait *)a)->dim - ((const struct match_trait *)b)->dim;
}

static int cmp_weight(const void *a, const void *b)
{
	return ((const struct match_weight *)a)->dim - ((const struct match_weight *)b)->dim;
}

/* obj.traits: {"dim": [tags], ...}; absent = none. */
static int read_traits(struct jr *r, const json_t *obj, struct jr_strtab *t,
		       struct match_trait **out, int *n)
{
	json_t *tr, *val;
	const char *key;
	size_t mark;

	*out = NULL;
	*n = 0;
	if (jr_field(r, obj, "traits", JR_OPTIONAL, &tr) < 0)
		return -1;
	if (tr == NULL)
		return 0;
	mark = jr_push_key(r, "traits");
	if (!json_is_object(tr)) {
		jr_pop(r, mark);
		return jr_fail(r, NULL, false, "must be an object of tag lists");
	}
	if (json_object_size(tr) > 0 && (*out = calloc(json_object_size(tr), sizeof **out)) == NULL)
		return jr_oom(r);
	json_object_foreach (tr, key, val) {
		struct match_trait *m = &(*out)[*n];

		if ((m->dim = read_dim(r, t, key)) < 0)
			return -1;
		(*n)++;
		if (jr_tags(r, tr, key, JR_REQUIRED, t, &m->tags.v, &m->tags.n) < 0)
			return -1;
	}
	jr_pop(r, mark);
	if (*n > 1) /* an empty object leaves *out NULL, which qsort may not take */
		qsort(*out, (size_t)*n, sizeof **out, cmp_trait);
	return 0;
}

/* obj[key]: {"dim": number >= 0, ...}; absent = none. */
static int read_weights(struct jr *r, const json_t *obj, const char *key, struct jr_strtab *t,
			struct match_weight **out, int *n)
{
	json_t *wo, *val;
	const char *dim;
	size_t mark;

	*out = NULL;
	*n = 0;
	if (jr_field(r, obj, key, JR_OPTIONAL, &wo) < 0)
		return -1;
	if (wo == NULL)
		return 0;
	mark = jr_push_key(r, key);
	if (!json_is_object(wo)) {
		jr_pop(r, mark);
		return jr_fail(r, NULL, false, "must be an object of weights");
	}
	if (json_object_size(wo) > 0 && (*out = calloc(json_object_size(wo), sizeof **out)) == NULL)
		return jr_oom(r);
	json_object_foreach (wo, dim, val) {
		struct match_weight *m = &(*out)[*n];

		if ((m->dim = read_dim(r, t, dim)) < 0 ||
		    jr_real(r, wo, dim, JR_REQUIRED, 0, JR_NO_MAX, &m->w) < 0)
			return -1;
		(*n)++;
	}
	jr_pop(r, mark);
	if (*n > 1)
		qsort(*out, (size_t)*n, sizeof **out, cmp_weight);
	return 0;
}

/* An exclude list: a set of ids. */
static int read_exclude(struct jr *r, const json_t *obj, struct jr_strtab *t, struct pp_tags *out)
{
	if (jr_tags(r, obj, "exclude", JR_OPTIONAL, t, &out->v, &out->n) < 0)
		return -1;
	for (int i = 0; i < out->n; i++)
		if (!jr_id_valid(t->v[out->v[i]]))
			return jr_fail(r, "exclude", false, "'%s' is not a valid id",
				       t->v[out->v[i]]);
	return 0;
}

int match_read_policy(struct jr *r, const json_t *v, struct jr_strtab *t, struct match_policy *out)
{
	match_policy_default(out);
	if (v == NULL)
		return 0;
	if (jr_object(r, v, policy_keys) < 0 ||
	    jr_real(r, v, "expertise_weight", JR_OPTIONAL, 0, 1, &out->expertise_weight) < 0 ||
	    jr_real(r, v, "max_dimension_share", JR_OPTIONAL, 0, 1, &out->max_dimension_share) <
		0 ||
	    jr_bool(r, v, "require_language", JR_OPTIONAL, &out->require_language) < 0)
		return -1;
	if (out->max_dimension_share <= 0)
		return jr_fail(r, "max_dimension_share", false, "must be greater than 0");
	return read_weights(r, v, "default_weights", t, &out->default_weights,
			    &out->ndefault_weights);
}

int match_read_specialist(struct jr *r, const json_t *v, struct jr_strtab *t,
			  struct match_specialist *out)
{
	memset(out, 0, sizeof *out);
	if (jr_object(r, v, specialist_keys) < 0 || jr_id(r, v, "id", JR_REQUIRED, out->id) < 0 ||
	    (out->name = jr_intern(r, t, out->id)) < 0 ||
	    jr_int(r, v, "capacity", JR_REQUIRED, 0, JR_INT_MAX, &out->capacity) < 0 ||
	    jr_tags(r, v, "languages", JR_OPTIONAL, t, &out->languages.v, &out->languages.n) < 0 ||
	    read_traits(r, v, t, &out->traits, &out->ntraits) < 0 ||
	    jr_tags(r, v, "expertise", JR_OPTIONAL, t, &out->expertise.v, &out->expertise.n) < 0 ||
	    read_exclude(r, v, t, &out->exclude) < 0)
		return -1;
	return 0;
}

int match_read_parent(struct jr *r, const json_t *v, struct jr_strtab *t, struct match_parent *out)
{
	memset(out, 0, sizeof *out);
	out->priority = 1;
	if (jr_object(r, v, parent_keys) < 0 || jr_id(r, v, "id", JR_REQUIRED, out->id) < 0 ||
	    (out->name = jr_intern(r, t, out->id)) < 0 ||
	    jr_int(r, v, "priority", JR_OPTIONAL, 1, 100, &out->priority) < 0 ||
	    jr_tags(r, v, "languages", JR_OPTIONAL, t, &out->languages.v, &out->languages.n) < 0 ||
	    read_traits(r, v, t, &out->traits, &out->ntraits) < 0 ||
	    read_weights(r, v, "weights", t, &out->weights, &out->nweights) < 0 ||
	    jr_tags(r, v, "needs", JR_OPTIONAL, t, &out->needs.v, &out->needs.n) < 0 ||
	    read_exclude(r, v, t, &out->exclude) < 0)
		return -1;
	return 0;
}

/* The reading state of one document. */
struct mjp {
	struct jr r;
	struct jr_strtab strs;
	struct match_input *in;
};

static int read_specialists(struct mjp *p, const json_t *doc)
{
	json_t *arr, *el;
	size_t i, mark;
	int rc;

	if (jr_array(&p->r, doc, "specialists", JR_OPTIONAL, &arr) < 0)
		return -1;
	if (arr == NULL || json_array_size(arr) == 0)
		return 0;
	p->in->specialists = calloc(json_array_size(arr), sizeof *p->in->specialists);
	if (p->in->specialists == NULL)
		return jr_oom(&p->r);
	mark = jr_push_key(&p->r, "specialists");
	json_array_foreach (arr, i, el) {
		size_t m = jr_push_index(&p->r, i);

		p->in->nspecialists++;
		if (match_read_specialist(&p->r, el, &p->strs, &p->in->specialists[i]) < 0)
			return -1;
		jr_pop(&p->r, m);
	}
	rc = jr_unique_ids(&p->r, p->in->specialists, (size_t)p->in->nspecialists,
			   sizeof *p->in->specialists, offsetof(struct match_specialist, id));
	jr_pop(&p->r, mark);
	return rc;
}

static int read_parents(struct mjp *p, const json_t *doc)
{
	json_t *arr, *el;
	size_t i, mark;
	int rc;

	if (jr_array(&p->r, doc, "parents", JR_REQUIRED, &arr) < 0)
		return -1;
	if (json_array_size(arr) == 0)
		return 0;
	p->in->parents = calloc(json_array_size(arr), sizeof *p->in->parents);
	if (p->in->parents == NULL)
		return jr_oom(&p->r);
	mark = jr_push_key(&p->r, "parents");
	json_array_foreach (arr, i, el) {
		size_t m = jr_push_index(&p->r, i);

		p->in->nparents++;
		if (match_read_parent(&p->r, el, &p->strs, &p->in->parents[i]) < 0)
			return -1;
		jr_pop(&p->r, m);
	}
	rc = jr_unique_ids(&p->r, p->in->parents, (size_t)p->in->nparents, sizeof *p->in->parents,
			   offsetof(struct match_parent, id));
	jr_pop(&p->r, mark);
	return rc;
}

/* existing: pairs whose specialist is in the document, whose parent is
 * not in this batch, each parent at most once.  Lookups by id go through
 * Jansson objects used as hash sets. */
static int read_existing(struct mjp *p, const json_t *doc)
{
	struct match_input *in = p->in;
	json_t *arr, *el, *specs = json_object(), *batch = json_object(), *seen = json_object();
	size_t i, mark;
	int rc = -1;

	if (specs == NULL || batch == NULL || seen == NULL) {
		jr_oom(&p->r);
		goto out;
	}
	if (jr_array(&p->r, doc, "existing", JR_OPTIONAL, &arr) < 0)
		goto out;
	if (arr == NULL || json_array_size(arr) == 0) {
		rc = 0;
		goto out;
	}
	for (int s = 0; s < in->nspecialists; s++)
		if (json_object_set_new(specs, in->specialists[s].id, json_integer(s)) < 0) {
			jr_oom(&p->r);
			goto out;
		}
	for (int q = 0; q < in->nparents; q++)
		if (json_object_set_new(batch, in->parents[q].id, json_true()) < 0) {
			jr_oom(&p->r);
			goto out;
		}
	in->existing = calloc(json_array_size(arr), sizeof *in->existing);
	if (in->existing == NULL) {
		jr_oom(&p->r);
		goto out;
	}
	mark = jr_push_key(&p->r, "existing");
	json_array_foreach (arr, i, el) {
		size_t m = jr_push_index(&p->r, i);
		struct match_pair *pair = &in->existing[i];
		char sid[JR_ID_MAX + 1];
		json_t *si;

		if (jr_object(&p->r, el, pair_keys) < 0 ||
		    jr_id(&p->r, el, "parent", JR_REQUIRED, pair->parent) < 0 ||
		    jr_id(&p->r, el, "specialist", JR_REQUIRED, sid) < 0)
			goto out;
		if ((si = json_object_get(specs, sid)) == NULL) {
			jr_fail(&p->r, "specialist", false, "unknown specialist '%s'", sid);
			goto out;
		}
		if (json_object_get(batch, pair->parent) != NULL) {
			jr_fail(&p->r, "parent", false,
				"parent '%s' is in this batch; existing pairs name other parents",
				pair->parent);
			goto out;
		}
		if (json_object_get(seen, pair->parent) != NULL) {
			jr_fail(&p->r, "parent", false, "parent '%s' already has an existing pair",
				pair->parent);
			goto out;
		}
		if (json_object_set_new(seen, pair->parent, json_true()) < 0) {
			jr_oom(&p->r);
			goto out;
		}
		pair->specialist = (int)json_integer_value(si);
		in->nexisting++;
		jr_pop(&p->r, m);
	}
	jr_pop(&p->r, mark);
	rc = 0;
out:
	json_decref(specs);
	json_decref(batch);
	json_decref(seen);
	return rc;
}

/* policies: an array parallel to in->parents of policy objects or null
 * (in->policy); each object becomes that parent's own policy. */
static int read_parent_policies(struct mjp *p, const json_t *policies)
{
	struct match_input *in = p->in;
	size_t mark;

	if (policies == NULL)
		return 0;
	mark = jr_push_key(&p->r, "policies");
	if (!json_is_array(policies) || json_array_size(policies) != (size_t)in->nparents)
		return jr_fail(&p->r, NULL, false, "must be an array with one entry per parent");
	if (in->nparents == 0)
		return 0;
	if ((in->parent_policies = calloc((size_t)in->nparents, sizeof *in->parent_policies)) ==
	    NULL)
		return jr_oom(&p->r);
	for (int i = 0; i < in->nparents; i++) {
		const json_t *v = json_array_get(policies, (size_t)i);
		size_t m = jr_push_index(&p->r, (size_t)i);

		in->nparent_policies++;
		if (json_is_null(v)) {
			jr_pop(&p->r, m);
			continue;
		}
		if (match_read_policy(&p->r, v, &p->strs, &in->parent_policies[i]) < 0)
			return -1;
		in->parents[i].policy = &in->parent_policies[i];
		jr_pop(&p->r, m);
	}
	jr_pop(&p->r, mark);
	return 0;
}

int match_parse_json(const json_t *doc, struct match_input *in, struct pp_error *err)
{
	return match_parse_json_policies(doc, NULL, in, err);
}

int match_parse_json_policies(const json_t *doc, const json_t *policies, struct match_input *in,
			      struct pp_error *err)
{
	struct mjp p;
	json_t *pol;
	size_t mark;
	int rc = -1;

	memset(in, 0, sizeof *in);
	memset(&p, 0, sizeof p);
	jr_init(&p.r, err);
	p.in = in;
	if (jr_object(&p.r, doc, doc_keys) < 0 ||
	    jr_field(&p.r, doc, "policy", JR_OPTIONAL, &pol) < 0)
		goto done;
	mark = jr_push_key(&p.r, "policy");
	if (match_read_policy(&p.r, pol, &p.strs, &in->policy) < 0)
		goto done;
	jr_pop(&p.r, mark);
	if (read_specialists(&p, doc) < 0 || read_parents(&p, doc) < 0 ||
	    read_existing(&p, doc) < 0 || read_parent_policies(&p, policies) < 0)
		goto done;
	rc = 0;
done:
	jr_strtab_take(&p.strs, &in->strs, &in->nstrs);
	jr_strtab_free(&p.strs);
	if (rc < 0)
		match_input_free(in);
	return rc;
}

int match_parse(const char *buf, size_t len, struct match_input *in, struct pp_error *err)
{
	json_t *doc;
	int rc;

	memset(in, 0, sizeof *in);
	doc = jr_parse(buf, len, err);
	if (doc == NULL)
		return -1;
	rc = match_parse_json(doc, in, err);
	json_decref(doc);
	return rc;
}

/* The keys of candidates request doc and what it asks for: k (1..1000,
 * default 5) and include_full (a boolean, default false). */
static int read_cand_opts(struct jr *r, const json_t *doc, struct match_cand_opts *o)
{
	o->k = 5;
	o->include_full = false;
	if (jr_object(r, doc, cand_keys) < 0 ||
	    jr_int(r, doc, "k", JR_OPTIONAL, 1, 1000, &o->k) < 0 ||
	    jr_bool(r, doc, "include_full", JR_OPTIONAL, &o->include_full) < 0)
		return -1;
	return 0;
}

int match_parse_candidates_json(const json_t *doc, struct match_input *in,
				struct match_parent *parent, struct match_cand_opts *o,
				struct pp_error *err)
{
	struct mjp p;
	json_t *pol, *par;
	size_t mark;
	int rc = -1;

	memset(in, 0, sizeof *in);
	memset(parent, 0, sizeof *parent);
	memset(&p, 0, sizeof p);
	jr_init(&p.r, err);
	p.in = in;
	if (read_cand_opts(&p.r, doc, o) < 0 ||
	    jr_field(&p.r, doc, "policy", JR_OPTIONAL, &pol) < 0)
		goto done;
	mark = jr_push_key(&p.r, "policy");
	if (match_read_policy(&p.r, pol, &p.strs, &in->policy) < 0)
		goto done;
	jr_pop(&p.r, mark);
	if (jr_field(&p.r, doc, "parent", JR_REQUIRED, &par) < 0)
		goto done;
	mark = jr_push_key(&p.r, "parent");
	if (match_read_parent(&p.r, par, &p.strs, parent) < 0)
		goto done;
	jr_pop(&p.r, mark);
	if (read_specialists(&p, doc) < 0 || read_existing(&p, doc) < 0)
		goto done;
	rc = 0;
done:
	jr_strtab_take(&p.strs, &in->strs, &in->nstrs);
	jr_strtab_free(&p.strs);
	if (rc < 0) {
		match_parent_free(parent);
		match_input_free(in);
	}
	return rc;
}

/* --- a registry parsed once ----------------------------------------------
 * The full path interns the request's strings (policy, then parent) before
 * the specialists', so there they hold the indices 0..m-1 in order of first
 * appearance, and weights, fits and breakdowns follow that order.  The
 * cached path reads the request into a table of its own (the same readers,
 * so the same values and errors), then maps each of its strings to the
 * registry's index of that string, or to a new index after the registry's
 * strings; the parent's tag lists and traits are sorted again in the new
 * indices, and policy.dim_rank (string index -> the request's index) keeps
 * the weights in the request's order.  The new strings live in the
 * request's table until match_registry_release(), which truncates the view
 * back to the registry's strings: nothing grows across requests. */

struct match_registry {
	struct match_input in; /* specialists, existing; strs = the registry's nreg */
	json_t *index;         /* registry string -> its index */
	int nreg;
	int cap;   /* room in in.strs and rank */
	int *rank; /* policy.dim_rank of the current request */
	int *map;  /* the request's string index -> the view's */
	int mapcap;
	struct jr_strtab req; /* the current request's strings */
};

static const char *const registry_keys[] = {"specialists", "existing", NULL};

struct match_registry *match_registry_parse_json(const json_t *doc, struct pp_error *err)
{
	struct match_registry *reg = calloc(1, sizeof *reg);
	struct mjp p;
	int rc = -1;

	memset(&p, 0, sizeof p);
	jr_init(&p.r, err);
	if (reg == NULL) {
		jr_oom(&p.r);
		return NULL;
	}
	p.in = &reg->in;
	if (jr_object(&p.r, doc, registry_keys) < 0 || read_specialists(&p, doc) < 0 ||
	    read_existing(&p, doc) < 0)
		goto done;
	if (p.strs.index == NULL && (p.strs.index = json_object()) == NULL) {
		jr_oom(&p.r);
		goto done;
	}
	reg->index = json_incref(p.strs.index);
	rc = 0;
done:
	jr_strtab_take(&p.strs, &reg->in.strs, &reg->in.nstrs);
	jr_strtab_free(&p.strs);
	reg->nreg = reg->cap = reg->in.nstrs;
	if (rc < 0) {
		match_registry_free(reg);
		return NULL;
	}
	return reg;
}

void match_registry_free(struct match_registry *reg)
{
	if (reg == NULL)
		return;
	reg->in.nstrs = reg->nreg;
	match_input_free(&reg->in);
	json_decref(reg->index);
	free(reg->rank);
	free(reg->map);
	jr_strtab_free(&reg->req);
	free(reg);
}

int match_registry_size(const struct match_registry *reg)
{
	return reg->in.nspecialists;
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

/* Map a sorted tag list into the view's indices and sort it again. */
static void map_tags(const int *map, struct pp_tags *t)
{
	for (int i = 0; i < t->n; i++)
		t->v[i] = map[t->v[i]];
	if (t->n > 1)
		qsort(t->v, (size_t)t->n, sizeof *t->v, cmp_int);
}

/* Map weights in place; their order (the request's) stays, as dim_rank says. */
static void map_weights(const int *map, struct match_weight *w, int n)
{
	for (int i = 0; i < n; i++)
		w[i].dim = map[w[i].dim];
}

/* Room for n more strings after the registry's, and the map of n. */
static int registry_room(struct match_registry *reg, int n)
{
	if (reg->nreg + n > reg->cap || reg->rank == NULL) {
		int cap = 2 * (reg->nreg + n);
		char **v = realloc(reg->in.strs, sizeof *v * (size_t)cap);
		int *rank;

		if (v == NULL)
			return -1;
		reg->in.strs = v;
		if ((rank = realloc(reg->rank, sizeof *rank * (size_t)cap)) == NULL)
			return -1;
		reg->rank = rank;
		reg->cap = cap;
	}
	if (n > reg->mapcap) {
		int *m = realloc(reg->map, sizeof *m * (size_t)(2 * n));

		if (m == NULL)
			return -1;
		reg->map = m;
		reg->mapcap = 2 * n;
	}
	return 0;
}

/* Move the request's policy and parent from its own string table into the
 * view's indices; the number of view strings, or -1 on out of memory. */
static int registry_map(struct match_registry *reg, struct match_policy *pol,
			struct match_parent *par)
{
	int nreq = reg->req.n, nview = reg->nreg;

	if (registry_room(reg, nreq) < 0)
		return -1;
	for (int i = 0; i < nreq; i++) {
		json_t *idx = json_object_get(reg->index, reg->req.v[i]);
		int g = idx != NULL ? (int)json_integer_value(idx) : nview++;

		if (idx == NULL)
			reg->in.strs[g] = reg->req.v[i]; /* borrowed until the release */
		reg->map[i] = g;
		reg->rank[g] = i;
	}
	map_weights(reg->map, pol->default_weights, pol->ndefault_weights);
	pol->dim_rank = reg->rank;
	par->name = reg->map[par->name];
	map_tags(reg->map, &par->languages);
	for (int i = 0; i < par->ntraits; i++) {
		par->traits[i].dim = reg->map[par->traits[i].dim];
		map_tags(reg->map, &par->traits[i].tags);
	}
	if (par->ntraits > 1)
		qsort(par->traits, (size_t)par->ntraits, sizeof *par->traits, cmp_trait);
	map_weights(reg->map, par->weights, par->nweights);
	map_tags(reg->map, &par->needs);
	map_tags(reg->map, &par->exclude);
	return nview;
}

static bool absent_or_null(const json_t *doc, const char *key)
{
	const json_t *v = json_object_get(doc, key);

	return v == NULL || json_is_null(v);
}

int match_parse_candidates_cached(const json_t *doc, struct match_registry *reg,
				  struct match_input *in, struct match_parent *parent,
				  struct match_cand_opts *o, struct pp_error *err)
{
	struct jr r;
	json_t *pol, *par;
	size_t mark;
	int nview;

	memset(in, 0, sizeof *in);
	memset(parent, 0, sizeof *parent);
	jr_init(&r, err);
	if (json_is_object(doc) &&
	    (!absent_or_null(doc, "specialists") || !absent_or_null(doc, "existing")))
		return pp_error_set(err, PP_ERR_INTERNAL, "",
				    "a request with its own specialists or existing pairs "
				    "is not read against a registry");
	/* The steps of match_parse_candidates_json() up to the specialists. */
	if (read_cand_opts(&r, doc, o) < 0 || jr_field(&r, doc, "policy", JR_OPTIONAL, &pol) < 0)
		return -1;
	mark = jr_push_key(&r, "policy");
	if (match_read_policy(&r, pol, &reg->req, &in->policy) < 0)
		return -1;
	jr_pop(&r, mark);
	if (jr_field(&r, doc, "parent", JR_REQUIRED, &par) < 0)
		return -1;
	mark = jr_push_key(&r, "parent");
	if (match_read_parent(&r, par, &reg->req, parent) < 0)
		return -1;
	jr_pop(&r, mark);
	if ((nview = registry_map(reg, &in->policy, parent)) < 0)
		return jr_oom(&r);
	in->specialists = reg->in.specialists;
	in->nspecialists = reg->in.nspecialists;
	in->existing = reg->in.existing;
	in->nexisting = reg->in.nexisting;
	in->strs = reg->in.strs;
	in->nstrs = nview;
	return 0;
}

void match_registry_release(struct match_registry *reg, struct match_input *in,
			    struct match_parent *parent)
{
	free(in->policy.default_weights);
	memset(in, 0, sizeof *in);
	match_parent_free(parent);
	jr_strtab_free(&reg->req);
}
