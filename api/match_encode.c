/*
 * match_encode.c - the matching documents written back (MODEL.md section 2,
 * output): a batch's result, a candidates list, and each fit's breakdown.
 * The readers live in match_json.c; both share match_json.h.
 */
#include "match_json.h"

#include <stdlib.h>
#include <string.h>

/* json_object_set_new that reports failure; the value is always consumed. */
static int put(json_t *obj, const char *key, json_t *v)
{
	return v == NULL || json_object_set_new(obj, key, v) < 0 ? -1 : 0;
}

json_t *match_breakdown_json(const struct match_input *in, const struct match_fit *f)
{
	json_t *o = json_object();

	if (o == NULL)
		return NULL;
	for (int i = 0; i < f->nterms; i++) {
		const char *name =
		    f->terms[i].dim == MATCH_EXPERTISE ? "expertise" : in->strs[f->terms[i].dim];

		if (put(o, name, json_real(f->terms[i].value)) < 0) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

static json_t *reasons_json(unsigned reasons)
{
	static const enum match_reason order[] = {MR_LANGUAGE, MR_EXCLUDED, MR_CAPACITY,
						  MR_NO_SPECIALISTS};
	json_t *a = json_array();

	for (size_t i = 0; a != NULL && i < sizeof order / sizeof order[0]; i++)
		if ((reasons & order[i]) &&
		    json_array_append_new(a, json_string(match_reason_name(order[i]))) < 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

json_t *match_result_to_json(const struct match_input *in, const struct match_result *res)
{
	json_t *doc = json_object(), *obj = json_object(), *matches = json_array(),
	       *unmatched = json_array();

	if (doc == NULL || obj == NULL || matches == NULL || unmatched == NULL)
		goto fail;
	if (put(doc, "status", json_string(match_status_name(res->status))) < 0 ||
	    put(obj, "matched_priority", json_integer(res->matched_priority)) < 0 ||
	    put(obj, "total_fit", json_real(res->total_fit)) < 0)
		goto fail;
	for (int i = 0; i < res->nmatches; i++) {
		const struct match_assignment *m = &res->matches[i];
		json_t *e = json_object();

		if (e == NULL || json_array_append_new(matches, e) < 0 ||
		    put(e, "parent", json_string(in->parents[m->parent].id)) < 0 ||
		    put(e, "specialist", json_string(in->specialists[m->specialist].id)) < 0 ||
		    put(e, "fit", json_real(m->fit.fit)) < 0 ||
		    put(e, "breakdown", match_breakdown_json(in, &m->fit)) < 0)
			goto fail;
	}
	for (int i = 0; i < res->nunmatched; i++) {
		const struct match_unmatched *u = &res->unmatched[i];
		json_t *e = json_object();

		if (e == NULL || json_array_append_new(unmatched, e) < 0 ||
		    put(e, "parent", json_string(in->parents[u->parent].id)) < 0 ||
		    put(e, "reasons", reasons_json(u->reasons)) < 0)
			goto fail;
	}
	if (put(doc, "objective", obj) < 0) {
		obj = NULL;
		goto fail;
	}
	obj = NULL;
	if (put(doc, "matches", matches) < 0) {
		matches = NULL;
		goto fail;
	}
	matches = NULL;
	if (put(doc, "unmatched", unmatched) < 0) {
		unmatched = NULL;
		goto fail;
	}
	return doc;
fail:
	json_decref(doc);
	json_decref(obj);
	json_decref(matches);
	json_decref(unmatched);
	return NULL;
}

json_t *match_candidates_to_json(const struct match_input *in, const struct match_parent *p,
				 const struct match_candidate *c, int n)
{
	json_t *doc = json_object(), *arr = json_array();

	if (doc == NULL || arr == NULL || put(doc, "parent", json_string(p->id)) < 0)
		goto fail;
	for (int i = 0; i < n; i++) {
		json_t *e = json_object();

		if (e == NULL || json_array_append_new(arr, e) < 0 ||
		    put(e, "specialist", json_string(in->specialists[c[i].specialist].id)) < 0 ||
		    put(e, "fit", json_real(c[i].fit.fit)) < 0 ||
		    put(e, "remaining_capacity", json_integer(c[i].remaining)) < 0 ||
		    put(e, "breakdown", match_breakdown_json(in, &c[i].fit)) < 0)
			goto fail;
	}
	if (put(doc, "candidates", arr) < 0) {
		json_decref(doc);
		return NULL;
	}
	return doc;
fail:
	json_decref(doc);
	json_decref(arr);
	return NULL;
}
