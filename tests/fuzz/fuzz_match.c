/*
 * fuzz_match.c - the matching batch document (api/match_json.c) and the
 * batch solve (solver/match*.c).
 *
 * Each input is a batch document, parsed by match_parse() as `peerplan
 * match` and POST /v1/matches/solve parse it.  A rejected document must
 * come with an error.  An accepted one of at most 200 parents and 50
 * specialists is solved, which must not fail, and the result is checked
 * against MODEL.md section 2: every parent matched once or unmatched with
 * a reason, each match eligible and within its specialist's capacity left
 * by the existing pairs, a fit in [0, 1] whose breakdown sums to it, and no
 * unmatched parent with an eligible specialist that still has room (else
 * the matched priority was not the maximum).  The result must encode.
 */
#include <math.h>

#include "fuzz.h"
#include "match_json.h"

static void check_fit(const struct match_fit *f)
{
	double sum = 0;

	FUZZ_CHECK(f->fit >= -1e-9 && f->fit <= 1 + 1e-9);
	for (int i = 0; i < f->nterms; i++)
		sum += f->terms[i].value;
	FUZZ_CHECK(fabs(sum - f->fit) <= 1e-9);
}

static void check_result(const struct match_input *in, const struct match_result *res)
{
	int *load = calloc((size_t)in->nspecialists + 1, sizeof *load);
	char *done = calloc((size_t)in->nparents + 1, 1);

	FUZZ_CHECK(load != NULL && done != NULL);
	FUZZ_CHECK(res->nmatches + res->nunmatched == in->nparents);
	match_caseload(in, load);
	for (int i = 0; i < res->nmatches; i++) {
		const struct match_assignment *a = &res->matches[i];

		FUZZ_CHECK(a->parent >= 0 && a->parent < in->nparents && !done[a->parent]);
		FUZZ_CHECK(a->specialist >= 0 && a->specialist < in->nspecialists);
		FUZZ_CHECK(match_eligible(in, &in->parents[a->parent],
					  &in->specialists[a->specialist], NULL));
		FUZZ_CHECK(++load[a->specialist] <= in->specialists[a->specialist].capacity);
		check_fit(&a->fit);
		done[a->parent] = 1;
	}
	for (int i = 0; i < res->nunmatched; i++) {
		int p = res->unmatched[i].parent;

		FUZZ_CHECK(p >= 0 && p < in->nparents && !done[p]);
		FUZZ_CHECK(res->unmatched[i].reasons != 0);
		done[p] = 1;
		for (int s = 0; s < in->nspecialists; s++)
			FUZZ_CHECK(load[s] >= in->specialists[s].capacity ||
				   !match_eligible(in, &in->parents[p], &in->specialists[s], NULL));
	}
	free(load);
	free(done);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct match_input in;
	struct match_result res;
	struct pp_error err = {0};
	json_t *out;

	if (match_parse((const char *)data, size, &in, &err) < 0) {
		fuzz_check_error(&err);
		return 0;
	}
	if (in.nparents <= 200 && in.nspecialists <= 50) {
		FUZZ_CHECK(match_solve(&in, &res, &err) == 0);
		check_result(&in, &res);
		out = match_result_to_json(&in, &res);
		FUZZ_CHECK(out != NULL);
		json_decref(out);
		match_result_free(&res);
	}
	match_input_free(&in);
	return 0;
}

/* The solve sees only documents that parse. */
FUZZ_JSON_MUTATOR
