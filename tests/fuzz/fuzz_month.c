/*
 * fuzz_month.c - the month document (api/month_json.c) and plan outputs read
 * back in (api/plan_json.c).
 *
 * Each input is a month document, parsed by month_parse() as the CLI and
 * POST /v1/plans parse it, re-planning fields (`from`, `policy.stability`,
 * `policy.change_weights`, `previous`) included.  A rejected document must
 * come with an error; an accepted one must hold its previous plan resolved
 * into indices of the month.  Its `previous`, when it is an object, is then
 * also read as a stored plan solved from that month (month_plan_read, as
 * GET /v1/plans/{id}/changes reads one): when it reads, the result's
 * indices must be in range, month_changes() must compare it with the
 * previous plan, and the plan written back (month_result_to_json) must read
 * again to the same document.
 */
#include "fuzz.h"
#include "month_json.h"
#include "plan_json.h"

/* The previous plan of an accepted document: every index in range. */
static void check_previous(const struct month_input *in)
{
	const struct month_previous *p = &in->previous;

	FUZZ_CHECK(p->nseries == 0 || (in->has_previous && p->series != NULL));
	for (int i = 0; i < p->nseries; i++) {
		const struct month_prev_series *s = &p->series[i];

		FUZZ_CHECK(s->slot >= -1 && s->slot < in->nslots);
		FUZZ_CHECK(s->room >= -1 && s->room < in->nrooms);
		for (int j = 0; j < s->nfacilitators; j++)
			FUZZ_CHECK(s->facilitators[j] >= 0 &&
				   s->facilitators[j] < in->nfacilitators);
		for (int j = 0; j < s->nstaff; j++)
			FUZZ_CHECK(s->staff[j] >= 0 && s->staff[j] < in->nstaff);
		for (int j = 0; j < s->nparents; j++)
			FUZZ_CHECK(s->parents[j] >= 0 && s->parents[j] < in->nparents);
	}
	FUZZ_CHECK(in->from_day >= 1 && in->from_day <= 31);
}

/* A plan read against in: indices in range, people ascending. */
static void check_plan(const struct month_input *in, const struct month_result *res)
{
	FUZZ_CHECK(res->nseries == 0 || res->series != NULL);
	for (int i = 0; i < res->nseries; i++) {
		const struct month_series *s = &res->series[i];

		FUZZ_CHECK(s->slot >= 0 && s->slot < in->nslots);
		FUZZ_CHECK(s->room >= 0 && s->room < in->nrooms);
		FUZZ_CHECK(s->language >= 0 && s->language < in->nstrs);
		FUZZ_CHECK(fuzz_indices_ok(s->facilitators, s->nfacilitators, in->nfacilitators));
		FUZZ_CHECK(fuzz_indices_ok(s->staff, s->nstaff, in->nstaff));
		FUZZ_CHECK(fuzz_indices_ok(s->parents, s->nparents, in->nparents));
		for (int d = 0; d < s->ndates; d++)
			FUZZ_CHECK(s->dates[d] >= 1 && s->dates[d] <= 31);
	}
	for (int i = 0; i < res->nunassigned; i++)
		FUZZ_CHECK(res->unassigned[i].parent >= 0 &&
			   res->unassigned[i].parent < in->nparents);
}

/* The changes month_changes() found: people, series and kinds in range. */
static void check_changes(const struct month_input *in, const struct month_result *res)
{
	const int npeople[MCK_COUNT] = {in->nparents, in->nfacilitators, in->nstaff};

	for (int i = 0; i < res->nchanges; i++) {
		const struct month_change *c = &res->changes[i];

		FUZZ_CHECK(c->kind >= MCK_PARENT && c->kind < MCK_COUNT);
		FUZZ_CHECK(c->person >= 0 && c->person < npeople[c->kind]);
		FUZZ_CHECK(c->prev >= 0 && c->prev < in->previous.nseries);
		FUZZ_CHECK(c->now >= -1 && c->now < res->nseries);
		FUZZ_CHECK(c->kind == MCK_PARENT || c->now == -1);
	}
}

/* plan read as a stored plan of in; a plan that reads must write back and
 * read again to the same document. */
static void check_plan_read(const json_t *plan, const struct month_input *in)
{
	struct month_result res, again;
	struct pp_error err = {0};
	json_t *out, *out2;
	char *text, *text2;

	if (month_plan_read(plan, in, &res, &err) < 0) {
		fuzz_check_error(&err);
		return;
	}
	check_plan(in, &res);
	FUZZ_CHECK(month_changes(in, &res, &err) == 0);
	check_changes(in, &res);
	out = month_result_to_json(in, &res);
	text = fuzz_dumps(out);
	FUZZ_CHECK(month_plan_read(out, in, &again, &err) == 0);
	FUZZ_CHECK(month_changes(in, &again, &err) == 0);
	out2 = month_result_to_json(in, &again);
	text2 = fuzz_dumps(out2);
	FUZZ_CHECK(strcmp(text, text2) == 0);
	free(text);
	free(text2);
	json_decref(out);
	json_decref(out2);
	month_result_free(&again);
	month_result_free(&res);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct month_input in;
	struct pp_error err = {0};
	json_t *doc, *prev;

	if (month_parse((const char *)data, size, &in, &err) < 0) {
		fuzz_check_error(&err);
		return 0;
	}
	check_previous(&in);
	doc = jr_parse((const char *)data, size, &err);
	FUZZ_CHECK(doc != NULL);
	prev = json_object_get(doc, "previous");
	if (json_is_object(prev))
		check_plan_read(prev, &in);
	json_decref(doc);
	month_input_free(&in);
	return 0;
}

/* A re-plan reads its previous plan only when the document around it is valid. */
FUZZ_JSON_MUTATOR
