/*
 * fuzz_candidates.c - the candidates request and the specialist registry
 * (api/match_json.c), the way POST /v1/matches/candidates and
 * PUT /v1/specialists/{id} use them (daemon/res_matches.c,
 * daemon/res_specialists.c).
 *
 * Each input is a candidates request, specialists and existing pairs
 * included.  Three paths read it:
 *  - whole: match_parse_candidates_json(), as the daemon reads a request
 *    completed from its store;
 *  - cached: the specialists and existing pairs parsed once as a registry
 *    (match_registry_parse_json) and the rest of the request read against
 *    it (match_parse_candidates_cached), as the daemon answers most
 *    requests.  When the registry parses, both paths must give the same
 *    error, or the same candidates encoded byte for byte (match_json.h
 *    promises it); candidates come at most k, by fit descending, each with
 *    room left;
 *  - stored: each specialist that match_read_specialist() accepts alone
 *    (the PUT's check) is written as the daemon stores it (jr_dumps), read
 *    back as its snapshot reads it (json_loads), and must be accepted again
 *    and write the same text.
 */
#include "fuzz.h"
#include "match_json.h"

/* The encoded candidates of a parsed request, or NULL with err set. */
static char *rank(const struct match_input *in, const struct match_parent *p,
		  const struct match_cand_opts *o)
{
	struct match_candidate *c = NULL;
	struct pp_error err = {0};
	json_t *out;
	char *text;
	int n = 0;

	FUZZ_CHECK(match_candidates(in, p, o, &c, &n, &err) == 0);
	FUZZ_CHECK(n >= 0 && n <= o->k);
	for (int i = 0; i < n; i++) {
		FUZZ_CHECK(c[i].specialist >= 0 && c[i].specialist < in->nspecialists);
		FUZZ_CHECK(c[i].remaining > 0 || (o->include_full && c[i].full));
		FUZZ_CHECK(c[i].full == (c[i].remaining == 0));
		FUZZ_CHECK(i == 0 || c[i].fit.fit <= c[i - 1].fit.fit);
	}
	out = match_candidates_to_json(in, p, o, c, n);
	text = fuzz_dumps(out);
	json_decref(out);
	match_candidates_free(c, n);
	return text;
}

/* The stored path of every specialist in doc that the PUT would accept. */
static void check_stored(const json_t *doc)
{
	json_t *el, *again;
	size_t i;

	json_array_foreach (json_object_get(doc, "specialists"), i, el) {
		struct jr_strtab t = {0};
		struct match_specialist s;
		struct jr r;
		char *text, *text2;
		int ok;

		jr_init(&r, NULL);
		ok = match_read_specialist(&r, el, &t, &s) == 0;
		match_specialist_free(&s);
		if (!ok) {
			jr_strtab_free(&t);
			continue;
		}
		text = fuzz_dumps(el);
		again = json_loads(text, 0, NULL);
		FUZZ_CHECK(again != NULL);
		jr_init(&r, NULL);
		FUZZ_CHECK(match_read_specialist(&r, again, &t, &s) == 0);
		match_specialist_free(&s);
		text2 = fuzz_dumps(again);
		FUZZ_CHECK(strcmp(text, text2) == 0);
		free(text);
		free(text2);
		json_decref(again);
		jr_strtab_free(&t);
	}
}

/* The cached path against the whole path's outcome (rc, err, text). */
static void check_cached(json_t *doc, int rc, const struct pp_error *err, const char *text)
{
	json_t *regdoc = json_object(), *req = json_deep_copy(doc);
	struct match_registry *reg;
	struct match_input in;
	struct match_parent parent;
	struct pp_error err2 = {0};
	struct match_cand_opts o;

	FUZZ_CHECK(regdoc != NULL && req != NULL);
	json_object_set(regdoc, "specialists", json_object_get(doc, "specialists"));
	json_object_set(regdoc, "existing", json_object_get(doc, "existing"));
	json_object_del(req, "specialists");
	json_object_del(req, "existing");
	reg = match_registry_parse_json(regdoc, &err2);
	json_decref(regdoc);
	if (reg == NULL) {
		fuzz_check_error(&err2);
		json_decref(req);
		return;
	}
	if (match_parse_candidates_cached(req, reg, &in, &parent, &o, &err2) < 0) {
		FUZZ_CHECK(rc < 0 && err2.code == err->code);
		FUZZ_CHECK(strcmp(err2.path, err->path) == 0);
		FUZZ_CHECK(strcmp(err2.message, err->message) == 0);
	} else {
		char *text2 = rank(&in, &parent, &o);

		FUZZ_CHECK(rc == 0 && strcmp(text, text2) == 0);
		free(text2);
	}
	match_registry_release(reg, &in, &parent);
	match_registry_free(reg);
	json_decref(req);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct match_input in;
	struct match_parent parent;
	struct pp_error err = {0};
	json_t *doc = jr_parse((const char *)data, size, &err);
	char *text = NULL;
	struct match_cand_opts o;
	int rc;

	if (doc == NULL)
		return 0;
	rc = match_parse_candidates_json(doc, &in, &parent, &o, &err);
	if (rc == 0) {
		text = rank(&in, &parent, &o);
		match_parent_free(&parent);
		match_input_free(&in);
	} else {
		fuzz_check_error(&err);
	}
	if (json_is_object(doc)) {
		check_cached(doc, rc, &err, text);
		check_stored(doc);
	}
	free(text);
	json_decref(doc);
	return 0;
}

/* The two paths are compared only when the registry parses. */
FUZZ_JSON_MUTATOR
