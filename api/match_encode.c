/*
 * match_encode.c - the matching documents written back (MODEL.md section 2,
 * output): a batch's result, a candidates list, each fit's breakdown, and
 * the explanations beside them.  The readers live in match_json.c; both
 * share match_json.h.
 *
 * Explanations are additions beside MODEL.md's fields (docs/matching.md):
 * "explain" has one object per breakdown term, in the breakdown's order -
 * {"weight", "capped", "shared"} for a dimension, {"weight", "shared"} for
 * expertise - and a pair whose fit is 0 gets a "note" in words.  Tag lists
 * are written sorted by their text, so the answer does not depend on the
 * order in which strings were interned (a request read against the
 * daemon's parsed registry gives the bytes of the whole document).
 */
#include "match_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* json_object_set_new that reports failure; the value is always consumed. */
static int put(json_t *obj, const char *key, json_t *v)
{
	return v == NULL || json_object_set_new(obj, key, v) < 0 ? -1 : 0;
}

/* The name of term t: its dimension, or "expertise". */
static const char *term_name(const struct match_input *in, const struct match_term *t)
{
	return t->dim == MATCH_EXPERTISE ? "expertise" : in->strs[t->dim];
}

json_t *match_breakdown_json(const struct match_input *in, const struct match_fit *f)
{
	json_t *o = json_object();

	if (o == NULL)
		return NULL;
	for (int i = 0; i < f->nterms; i++) {
		if (put(o, term_name(in, &f->terms[i]), json_real(f->terms[i].value)) < 0) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The strings of tags t sorted by their text, in a malloc'd array (NULL
 * when t is empty or out of memory: check t->n). */
static const char **tags_sorted(const struct match_input *in, const struct pp_tags *t)
{
	const char **v = t->n > 0 ? malloc(sizeof *v * (size_t)t->n) : NULL;

	for (int i = 0; v != NULL && i < t->n; i++)
		v[i] = in->strs[t->v[i]];
	if (v != NULL && t->n > 1)
		qsort(v, (size_t)t->n, sizeof *v, cmp_str);
	return v;
}

/* ["a", "b"]: tags t sorted by their text; NULL on out of memory. */
static json_t *tags_json(const struct match_input *in, const struct pp_tags *t)
{
	const char **v = tags_sorted(in, t);
	json_t *a = json_array();

	if (a == NULL || (v == NULL && t->n > 0)) {
		free(v);
		json_decref(a);
		return NULL;
	}
	for (int i = 0; i < t->n; i++)
		if (json_array_append_new(a, json_string(v[i])) < 0) {
			json_decref(a);
			a = NULL;
			break;
		}
	free(v);
	return a;
}

json_t *match_explain_json(const struct match_input *in, const struct match_fit *f)
{
	json_t *o = json_object();

	for (int i = 0; o != NULL && i < f->nterms; i++) {
		const struct match_term *t = &f->terms[i];
		json_t *e = json_object();

		if (put(o, term_name(in, t), e) < 0 || put(e, "weight", json_real(t->weight)) < 0 ||
		    (t->dim != MATCH_EXPERTISE && put(e, "capped", json_boolean(t->capped)) < 0) ||
		    put(e, "shared", tags_json(in, &t->shared)) < 0) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

/* Write "name, name" of the n strings v to out. */
static void note_list(FILE *out, const char *const *v, int n)
{
	for (int i = 0; i < n; i++)
		fprintf(out, "%s%s", i ? ", " : "", v[i]);
}

/* Why the similarity part of fit f is 0, in words. */
static void note_similarity(FILE *out, const struct match_input *in, const struct match_fit *f)
{
	if (f->zero & MZ_SIMILARITY_OFF) {
		fputs("expertise_weight is 1, so shared tags do not count", out);
	} else if (f->zero & MZ_NO_DIMENSIONS) {
		fputs("no dimension is weighted", out);
	} else {
		fputs("no tag is shared in any weighted dimension (", out);
		for (int i = 0; i < f->nterms - 1; i++)
			fprintf(out, "%s%s", i ? ", " : "", term_name(in, &f->terms[i]));
		fputs(")", out);
	}
}

char *match_note_text(const struct match_input *in, const struct match_parent *p,
		      const struct match_fit *f)
{
	const char **needs = NULL;
	char *text = NULL;
	size_t len = 0;
	bool ok = true;
	FILE *out;

	if (f->zero == 0 || (out = open_memstream(&text, &len)) == NULL)
		return NULL;
	fputs("fit 0: ", out);
	note_similarity(out, in, f);
	if (f->zero & MZ_EXPERTISE_OFF) {
		fputs(", and expertise_weight is 0, so needs do not count", out);
	} else if ((needs = tags_sorted(in, &p->needs)) != NULL) {
		fputs(", and none of the needs (", out);
		note_list(out, needs, p->needs.n);
		fputs(") is in the specialist's expertise", out);
		free(needs);
	} else {
		ok = false; /* out of memory: MZ_NO_NEEDS_COVERED means needs exist */
	}
	if (fclose(out) != 0 || !ok) {
		free(text);
		return NULL;
	}
	return text;
}

/* The explanation fields of fit f of p beside its breakdown in object e:
 * "explain", and "note" when the fit is 0.  -1 on out of memory. */
static int put_explained(json_t *e, const struct match_input *in, const struct match_parent *p,
			 const struct match_fit *f)
{
	char *note;
	int rc;

	if (put(e, "breakdown", match_breakdown_json(in, f)) < 0 ||
	    put(e, "explain", match_explain_json(in, f)) < 0)
		return -1;
	if (f->zero == 0)
		return 0;
	note = match_note_text(in, p, f);
	rc = note == NULL ? -1 : put(e, "note", json_string(note));
	free(note);
	return rc;
}

json_t *match_reasons_json(unsigned reasons)
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
		    put_explained(e, in, &in->parents[m->parent], &m->fit) < 0)
			goto fail;
	}
	for (int i = 0; i < res->nunmatched; i++) {
		const struct match_unmatched *u = &res->unmatched[i];
		json_t *e = json_object();

		if (e == NULL || json_array_append_new(unmatched, e) < 0 ||
		    put(e, "parent", json_string(in->parents[u->parent].id)) < 0 ||
		    put(e, "reasons", match_reasons_json(u->reasons)) < 0)
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

json_t *match_candidate_json(const struct match_input *in, const struct match_parent *p, int s,
			     const struct match_fit *f, int remaining, const bool *full)
{
	json_t *e = json_object();

	if (e == NULL || put(e, "specialist", json_string(in->specialists[s].id)) < 0 ||
	    put(e, "fit", json_real(f->fit)) < 0 ||
	    put(e, "remaining_capacity", json_integer(remaining)) < 0 ||
	    (full != NULL && put(e, "full", json_boolean(*full)) < 0) ||
	    put_explained(e, in, p, f) < 0) {
		json_decref(e);
		return NULL;
	}
	return e;
}

json_t *match_candidates_to_json(const struct match_input *in, const struct match_parent *p,
				 const struct match_cand_opts *o, const struct match_candidate *c,
				 int n)
{
	json_t *doc = json_object(), *arr = json_array();

	if (doc == NULL || arr == NULL || put(doc, "parent", json_string(p->id)) < 0)
		goto fail;
	for (int i = 0; i < n; i++) {
		const bool *full = o != NULL && o->include_full ? &c[i].full : NULL;

		if (json_array_append_new(arr,
					  match_candidate_json(in, p, c[i].specialist, &c[i].fit,
							       c[i].remaining, full)) < 0)
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
