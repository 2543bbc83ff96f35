/*
 * test_month_solve.c - unit tests of the month solver module (solver/):
 * the calendar of a month, dayparts, the static filters, the rule that
 * explains a parent left out and the detail that says what fails or is
 * full, cancellation and progress reporting.
 *
 * Whole-plan optima are checked elsewhere (tests/cases/ against hand
 * computations, tests/property_test.py against an independent CBC model);
 * this file pins the small rules those depend on.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "month_internal.h"
#include "month_json.h"
#include "test_file.h"

static const char *agency_path;

static void parse_or_fail(const char *doc, struct month_input *in)
{
	struct pp_error err = {0};

	if (month_parse(doc, strlen(doc), in, &err) < 0)
		fail_msg("parse: %s: %s", err.path, err.message);
}

#define MON_ALL_DAY "[{\"weekday\":\"mon\",\"from\":\"08:00\",\"to\":\"22:00\"}]"
#define PARENT(id, lang)                                                                           \
	"{\"id\":\"" id "\",\"transport\":\"car\",\"languages\":[\"" lang "\"],\"children\":[],"   \
	"\"available\":" MON_ALL_DAY "}"

/* December 2026 starts on a Tuesday: Tuesdays are 1, 8, 15, 22, 29. */
static void test_meeting_days(void **state)
{
	struct month_input in;
	int closures[] = {22, 25};
	int days[5];

	(void)state;
	memset(&in, 0, sizeof in);
	in.year = 2026;
	in.month = 12;
	assert_int_equal(month_meeting_days(&in, 1, days), 5);
	assert_int_equal(days[0], 1);
	assert_int_equal(days[4], 29);
	in.closures = closures;
	in.nclosures = 2;
	assert_int_equal(month_meeting_days(&in, 1, days), 4); /* the 22nd is closed */
	assert_int_equal(days[3], 29);
	assert_int_equal(month_meeting_days(&in, 4, days), 3); /* Fridays 4, 11, 18 (25 closed) */
	/* February 2027 has 28 days: four of each weekday */
	in.year = 2027;
	in.month = 2;
	in.nclosures = 0;
	for (int wd = 0; wd < 7; wd++)
		assert_int_equal(month_meeting_days(&in, wd, days), 4);
	/* February 2028 (leap year) starts on a Tuesday: five Tuesdays */
	in.year = 2028;
	assert_int_equal(month_meeting_days(&in, 1, days), 5);
	assert_int_equal(month_meeting_days(&in, 2, days), 4);
}

static void test_dayparts(void **state)
{
	(void)state;
	assert_int_equal(month_daypart(0), PP_MORNING);
	assert_int_equal(month_daypart(11 * 60 + 59), PP_MORNING);
	assert_int_equal(month_daypart(12 * 60), PP_AFTERNOON);
	assert_int_equal(month_daypart(16 * 60 + 59), PP_AFTERNOON);
	assert_int_equal(month_daypart(17 * 60), PP_EVENING);
}

#define A (1u << MF_AVAILABILITY)
#define T (1u << MF_TRANSPORT)
#define L (1u << MF_LANGUAGE)
#define C (1u << MF_CHILDCARE)

static void test_explain(void **state)
{
	struct month_unassigned u;
	unsigned passes[] = {A, 0, T};
	unsigned singles[] = {A | T, A, T, L | C};
	unsigned multi[] = {A | T | L, A | L, T | C, A | T};

	(void)state;
	assert_int_equal(month_explain(passes, 3, &u), 1); /* the first that passes */
	assert_true(u.not_selected);

	/* each filter whose removal alone leaves a candidate passing */
	assert_int_equal(month_explain(singles, 4, &u), 1);
	assert_false(u.not_selected);
	assert_false(u.multiple);
	assert_int_equal(u.filters, A | T);

	/* no single removal helps: the first candidate with fewest failures */
	assert_int_equal(month_explain(multi, 4, &u), 1);
	assert_true(u.multiple);
	assert_int_equal(u.filters, A | L);

	/* no candidate series at all: ["multiple"] */
	assert_int_equal(month_explain(NULL, 0, &u), -1);
	assert_true(u.multiple);
	assert_int_equal(u.filters, 0);
}

static const char *filters_doc =
    "{\"month\":\"2026-12\",\"slots\":[{\"id\":\"s\",\"weekday\":\"tue\",\"start\":\"18:00\","
    "\"end\":\"20:00\"}],"
    "\"rooms\":[{\"id\":\"r\",\"capacity\":10,\"zone\":\"nw\",\"childcare\":1,"
    "\"available\":[{\"weekday\":\"tue\",\"from\":\"08:00\",\"to\":\"22:00\"}],"
    "\"transit\":[{\"weekday\":\"tue\",\"from\":\"06:00\",\"to\":\"19:00\"}]}],"
    "\"facilitators\":[{\"id\":\"F\",\"languages\":[\"en\"],\"trained\":true,"
    "\"available\":[{\"weekday\":\"tue\",\"from\":\"08:00\",\"to\":\"22:00\"}]}],"
    "\"childcare_staff\":[{\"id\":\"C\",\"supports\":[\"autism\"],\"max_children\":3,"
    "\"available\":[{\"weekday\":\"tue\",\"from\":\"08:00\",\"to\":\"22:00\"}]}],"
    "\"parents\":["
    "{\"id\":\"ok\",\"transport\":\"car\",\"languages\":[\"en\"],"
    "\"available\":[{\"weekday\":\"tue\",\"from\":\"17:00\",\"to\":\"21:00\"}]},"
    "{\"id\":\"transit\",\"transport\":\"transit\",\"languages\":[\"en\"],"
    "\"available\":[{\"weekday\":\"tue\",\"from\":\"17:00\",\"to\":\"21:00\"}]},"
    "{\"id\":\"walk\",\"transport\":\"walk\",\"zone\":\"se\",\"accessible\":true,"
    "\"languages\":[\"fr\"],\"available\":[{\"weekday\":\"mon\",\"from\":\"17:00\",\"to\":\"21:"
    "00\"}]},"
    "{\"id\":\"kids\",\"transport\":\"ride\",\"languages\":[\"en\"],"
    "\"children\":[{\"age\":3,\"needs\":[\"autism\"]},{\"age\":5}],"
    "\"available\":[{\"weekday\":\"tue\",\"from\":\"17:00\",\"to\":\"21:00\"}]},"
    "{\"id\":\"needs\",\"transport\":\"car\",\"languages\":[\"en\"],"
    "\"children\":[{\"age\":3,\"needs\":[\"mobility\"]}],"
    "\"available\":[{\"weekday\":\"tue\",\"from\":\"17:00\",\"to\":\"21:00\"}]}"
    "]}";

static void test_static_filters(void **state)
{
	struct month_input in;
	struct month_cand *cands;
	int n;

	(void)state;
	parse_or_fail(filters_doc, &in);
	cands = month_candidates(&in, &n);
	assert_int_equal(n, 1);
	assert_int_equal(cands[0].meetings, 5);
	assert_int_equal(cands[0].daypart, PP_EVENING);
	assert_int_equal(month_static_fails(&in, &cands[0], &in.parents[0]), 0);
	/* transit runs until 19:00 but the slot ends at 20:00 */
	assert_int_equal(month_static_fails(&in, &cands[0], &in.parents[1]), T);
	/* Monday only, needs an accessible room in their zone, speaks no staffed language */
	assert_int_equal(month_static_fails(&in, &cands[0], &in.parents[2]),
			 A | (1u << MF_ACCESSIBILITY) | T | L);
	/* two children, room childcare 1 */
	assert_int_equal(month_static_fails(&in, &cands[0], &in.parents[3]), C);
	/* a need nobody at the slot supports */
	assert_int_equal(month_static_fails(&in, &cands[0], &in.parents[4]), C);
	free(cands);
	month_input_free(&in);
}

/* What month_filter_check() records beside the bits: the bits are
 * month_static_fails()'s, and the parts of the language and childcare
 * filters that fail are named. */
static void test_filter_why(void **state)
{
	struct month_input in;
	struct month_cand *cands;
	struct month_fail_why why;
	int unmet[4], n;

	(void)state;
	parse_or_fail(filters_doc, &in);
	cands = month_candidates(&in, &n);
	for (int p = 0; p < in.nparents; p++) {
		why = (struct month_fail_why){.unmet = unmet};
		assert_int_equal(month_filter_check(&in, &cands[0], &in.parents[p], &why),
				 month_static_fails(&in, &cands[0], &in.parents[p]));
		assert_false(why.no_facilitator); /* F is available at the slot */
		assert_false(why.no_staff);       /* so is C */
		/* "kids": two children, one child place; autism is supported */
		assert_int_equal(why.few_places, p == 3);
		/* "needs": mobility is not supported */
		assert_int_equal(why.nunmet, p == 4);
	}
	assert_string_equal(in.strs[unmet[0]], "mobility");
	free(cands);
	month_input_free(&in);
}

/* The detail of a left-out parent the filters admit, in a plan where
 * nothing keeps them out: it says so, and that the plan is not proven
 * optimal when it is not, rather than name a cause. */
static void test_detail_room_left(void **state)
{
	struct month_input in;
	struct month_cand *cands;
	struct month_series s = {.slot = 0, .room = 0, .language = -1};
	struct month_unassigned un[2] = {{.parent = 0}, {.parent = 1}};
	struct month_result res = {.series = &s, .nseries = 1, .unassigned = un, .nunassigned = 2};
	unsigned fails[5];
	int n;

	(void)state;
	parse_or_fail(filters_doc, &in);
	cands = month_candidates(&in, &n);
	for (int p = 0; p < in.nparents; p++)
		fails[p] = month_static_fails(&in, &cands[0], &in.parents[p]);
	for (int i = 0; i < in.nstrs; i++)
		if (strcmp(in.strs[i], "en") == 0)
			s.language = i;
	for (int k = 0; k < 2; k++) {
		month_explain(&fails[un[k].parent], 1, &un[k]);
		un[k].detail = NULL;
	}
	res.status = MONTH_FEASIBLE;
	assert_int_equal(month_detail(&in, cands, n, fails, true, &res), 0);
	assert_string_equal(un[0].detail, "passes every filter at 1 series: s@r (has room in this "
					  "plan, which is not proven optimal)");
	assert_string_equal(un[1].detail, "nearest series s@r fails only transport (no transit "
					  "window of room r covers tue 18:00-20:00)");
	free(un[0].detail);
	free(un[1].detail);
	res.status = MONTH_OPTIMAL;
	assert_int_equal(month_detail(&in, cands, n, fails, true, &res), 0);
	assert_string_equal(un[0].detail,
			    "passes every filter at 1 series: s@r (nothing in this plan keeps "
			    "them out)");
	free(un[0].detail);
	free(un[1].detail);
	free(cands);
	month_input_free(&in);
}

static void test_cancel_before_start(void **state)
{
	char *doc = test_read_file(agency_path, NULL);
	struct month_input in;
	struct month_result res;
	struct pp_error err = {0};
	atomic_int flag = 1;
	struct month_ctl ctl = {.cancel = &flag};

	(void)state;
	parse_or_fail(doc, &in);
	assert_int_equal(month_solve(&in, &ctl, &res, &err), 0);
	assert_int_equal(res.status, MONTH_CANCELLED);
	assert_int_equal(res.levels_proven, 0);
	month_result_free(&res);
	month_input_free(&in);
	free(doc);
}

struct seen {
	int levels[64];
	int n;
	bool done;
};

static void record(const struct month_progress *p, void *arg)
{
	struct seen *s = arg;

	if (p->stage != NULL && strcmp(p->stage, "done") == 0)
		s->done = true;
	if (s->n == 0 || s->levels[s->n - 1] != p->level)
		if (s->n < 64)
			s->levels[s->n++] = p->level;
}

/* The example month: every level reported in order (comfort and
 * preference as one, level 2), then the optimum that was computed
 * independently (shared example, coverage 45, comfort 1, preference 12,
 * cost 2915). */
static void test_progress_and_optimum(void **state)
{
	char *doc = test_read_file(agency_path, NULL);
	struct month_input in;
	struct month_result res;
	struct pp_error err = {0};
	struct seen seen = {0};
	struct month_ctl ctl = {.progress = record, .progress_arg = &seen};
	static const int order[] = {1, 2, 4};
	size_t want = 0;

	(void)state;
	parse_or_fail(doc, &in);
	assert_int_equal(month_solve(&in, &ctl, &res, &err), 0);
	assert_int_equal(res.status, MONTH_OPTIMAL);
	assert_int_equal(res.levels_proven, 4);
	assert_int_equal(res.objective.coverage, 45);
	assert_int_equal(res.objective.comfort_deviation, 1);
	assert_int_equal(res.objective.preference, 12);
	assert_float_equal(res.objective.cost, 2915.0, 1e-6);
	for (int t = 0; t < seen.n; t++) {
		assert_int_not_equal(seen.levels[t], 3); /* solved with level 2 */
		if (want < 3 && seen.levels[t] == order[want])
			want++;
	}
	assert_int_equal(want, 3); /* saw 1, 2, 4 in that order */
	assert_true(seen.done);
	month_result_free(&res);
	month_input_free(&in);
	free(doc);
}

/* A comfort-and-preference search cut short: its bound b on W*D - P gives
 * comfort >= ceil(b / W), and, once that proves the plan's comfort d,
 * preference <= W*d - b.  A model of two columns, D and P, with W = 11. */
static void test_combined_gap(void **state)
{
	double obj_d[3] = {0, 1, 0}, obj_p[3] = {0, 0, 1}, x[3] = {0, 2, 5};
	struct model m = {0};
	struct solve_state st = {0};
	struct month_result res = {0};

	(void)state;
	m.lp = glp_create_prob();
	glp_add_cols(m.lp, 2);
	m.ncols = 3;
	m.obj[LEVEL_COMFORT] = obj_d;
	m.obj[LEVEL_PREFERENCE] = obj_p;
	m.pref_weight = 11;
	res.levels_proven = LEVEL_COVERAGE;

	/* no bound: nothing proven */
	assert_float_equal(month_combined_gap(&m, &st, x, &res), 1.0, 1e-12);
	assert_int_equal(res.levels_proven, LEVEL_COVERAGE);
	/* b = 12: comfort >= 2 = the plan's, proven; preference <= 22 - 12 = 10 */
	st.has_bound = true;
	st.bound = 12;
	assert_float_equal(month_combined_gap(&m, &st, x, &res), 5.0 / 5.0, 1e-9);
	assert_int_equal(res.levels_proven, LEVEL_COMFORT);
	/* b = 17: preference <= 5, the plan's: no gap left */
	st.bound = 17;
	assert_float_equal(month_combined_gap(&m, &st, x, &res), 0.0, 1e-9);
	/* b = 11: comfort >= 1 < 2, comfort's gap, comfort not proven */
	res.levels_proven = LEVEL_COVERAGE;
	st.bound = 11;
	assert_float_equal(month_combined_gap(&m, &st, x, &res), 0.5, 1e-9);
	assert_int_equal(res.levels_proven, LEVEL_COVERAGE);
	/* b = -3 (preference alone could reach 3 with comfort 0): comfort >= 0 */
	st.bound = -3;
	assert_float_equal(month_combined_gap(&m, &st, x, &res), 1.0, 1e-9);
	glp_delete_prob(m.lp);
	glp_free_env();
}

/* A month's model as the solver builds it, with the candidates and static
 * failures it keeps pointers to; price_from as month_model_init takes it. */
struct built {
	struct model m;
	struct month_cand *cands;
	unsigned *fails;
};

static void build_model(const struct month_input *in, int price_from, struct built *b)
{
	struct model_rules rules;
	int ncands;

	b->cands = month_candidates(in, &ncands);
	b->fails = calloc((size_t)in->nparents * (size_t)ncands + 1, sizeof *b->fails);
	assert_non_null(b->fails);
	for (int p = 0; p < in->nparents; p++)
		for (int c = 0; c < ncands; c++)
			b->fails[(size_t)p * ncands + c] =
			    month_static_fails(in, &b->cands[c], &in->parents[p]);
	month_rules_from_policy(&in->policy, &rules);
	assert_int_equal(
	    month_model_init(&b->m, in, &rules, b->cands, ncands, b->fails, price_from), 0);
}

static void built_free(struct built *b)
{
	month_model_free(&b->m);
	glp_free_env();
	free(b->fails);
	free(b->cands);
}

/* A search state for level of m, started now with a minute to go, with
 * warm (or NULL) as its first plan. */
static void search_state(struct solve_state *st, struct model *m, enum month_level level,
			 double *warm)
{
	clock_gettime(CLOCK_MONOTONIC, &st->start);
	st->deadline = 60;
	st->level = level;
	st->model = m;
	st->warm = warm;
}

/* The greedy start of a priced model is a plan its rows accept: a lazy
 * column's entries reach the rows only once it is made, so the check must
 * make the columns the plan uses (without that, every priced month lost
 * its start and large months ended with no plan at all). */
static void test_lazy_warm_start(void **state)
{
	char *doc = test_read_file(agency_path, NULL);
	struct month_input in;
	struct built b;
	double *x;

	(void)state;
	parse_or_fail(doc, &in);
	build_model(&in, 1, &b);
	assert_true(b.m.lazy);
	x = calloc((size_t)glp_get_num_cols(b.m.lp) + 2, sizeof *x);
	assert_non_null(x);
	assert_int_equal(month_greedy_plan(&b.m, x, NULL), 0);
	assert_true(month_level_value(&b.m, LEVEL_COVERAGE, x) > 0);
	assert_true(month_plan_meets_rows(&b.m, x));
	free(x);
	built_free(&b);
	month_input_free(&in);
	free(doc);
}

/* Two rooms (comfort 6-10) at one slot, one facilitator for Arabic and one
 * for English, four parents who speak only Arabic and eight only English.
 * Every plan that places all twelve has an Arabic group of four: comfort
 * deviation 2.  A series runs in one language, so the model counts the
 * deviation per language; summed over languages, the relaxation could run
 * half an Arabic and half an English series in each room (two and four
 * parents: six, the comfort minimum) and show no deviation at all.  Per
 * language, with coverage held at exactly 12, a = 4 Arabic parents are
 * placed, their series add up to Y >= a / 4 (at most four per series) and
 * to deviation >= 6 * Y - a >= a / 2 = 2.  (With the row at 11.5, a half
 * unit below the level's optimum, the relaxation placed 3.5 Arabic parents
 * and showed 1.75.) */
static const char two_languages[] =
    "{\"month\":\"2026-12\",\"policy\":{\"facilitators_per_series\":1,"
    "\"require_trained\":false,\"min_group\":3},"
    "\"slots\":[{\"id\":\"mon-am\",\"weekday\":\"mon\",\"start\":\"09:00\",\"end\":\"11:00\"}],"
    "\"rooms\":[{\"id\":\"ra\",\"capacity\":12,\"comfort\":[6,10],\"available\":" MON_ALL_DAY "},"
    "{\"id\":\"rb\",\"capacity\":12,\"comfort\":[6,10],\"available\":" MON_ALL_DAY "}],"
    "\"facilitators\":[{\"id\":\"F1\",\"languages\":[\"ar\"],\"available\":" MON_ALL_DAY "},"
    "{\"id\":\"F2\",\"languages\":[\"en\"],\"available\":" MON_ALL_DAY "}],"
    "\"parents\":[" PARENT("P00", "ar") "," PARENT("P01", "ar") "," PARENT("P02", "ar") "," PARENT("P03", "ar") "," PARENT(
	"P04",
	"en") "," PARENT("P05",
			 "en") "," PARENT("P06",
					  "en") "," PARENT("P07",
							   "en") "," PARENT("P08",
									    "en") "," PARENT("P09",
											     "en") "," PARENT("P10",
													      "en") "," PARENT("P11",
															       "en") "]}";

static void test_comfort_per_language(void **state)
{
	struct month_input in;
	struct month_result res;
	struct pp_error err = {0};
	struct built b;
	glp_smcp sp;

	(void)state;
	parse_or_fail(two_languages, &in);
	build_model(&in, 0, &b);
	/* the relaxation of comfort with all twelve placed */
	assert_int_equal(month_fix_level(&b.m, LEVEL_COVERAGE, 12), 0);
	month_set_objective(&b.m, LEVEL_COMFORT);
	glp_init_smcp(&sp);
	sp.msg_lev = GLP_MSG_OFF;
	assert_int_equal(glp_simplex(b.m.lp, &sp), 0);
	assert_int_equal(glp_get_status(b.m.lp), GLP_OPT);
	assert_float_equal(glp_get_obj_val(b.m.lp), 2.0, 1e-6);
	built_free(&b);
	/* and the plan */
	assert_int_equal(month_solve(&in, NULL, &res, &err), 0);
	assert_int_equal(res.status, MONTH_OPTIMAL);
	assert_int_equal(res.objective.coverage, 12);
	assert_int_equal(res.objective.comfort_deviation, 2);
	month_result_free(&res);
	month_input_free(&in);
}

/* The series heuristic's callback: run it (its first run, the dive) at the
 * first chance, then end the search, so that its plan is the only one the
 * search has. */
static void heuristic_only(glp_tree *tree, void *info)
{
	struct solve_state *st = info;

	if (st->series_runs > 0) { /* its first run is done */
		glp_ios_terminate(tree);
		return;
	}
	if (glp_ios_reason(tree) != GLP_IHEUR)
		return;
	/* the relaxation is not whole: nothing found a plan yet */
	assert_int_equal(glp_mip_status(glp_ios_get_prob(tree)), GLP_UNDEF);
	month_series_heuristic(tree, st);
}

/* The series heuristic (month_dive.c) on the month above: from the
 * relaxation of comfort and preference with all twelve placed, it opens
 * both series, fixes them, and finds a plan with the least deviation, 2,
 * that meets every row -- the plan the search then holds. */
static void test_series_heuristic(void **state)
{
	struct month_input in;
	struct built b;
	struct solve_state st = {0};
	glp_smcp sp;
	glp_iocp ip;
	double *warm, *plan;
	int n;

	(void)state;
	parse_or_fail(two_languages, &in);
	build_model(&in, 0, &b);
	n = glp_get_num_cols(b.m.lp);
	warm = calloc((size_t)n + 2, sizeof *warm);
	plan = calloc((size_t)n + 2, sizeof *plan);
	assert_non_null(warm);
	assert_non_null(plan);
	assert_int_equal(month_greedy_plan(&b.m, warm, NULL), 0);
	assert_int_equal(month_fix_level(&b.m, LEVEL_COVERAGE, 12), 0);
	b.m.pref_weight = 13;
	month_set_objective(&b.m, LEVEL_COMFORT_PREFERENCE);
	glp_init_smcp(&sp);
	sp.msg_lev = GLP_MSG_OFF;
	assert_int_equal(glp_simplex(b.m.lp, &sp), 0);

	search_state(&st, &b.m, LEVEL_COMFORT_PREFERENCE, warm);
	glp_init_iocp(&ip);
	ip.msg_lev = GLP_MSG_OFF;
	ip.cb_func = heuristic_only;
	ip.cb_info = &st;
	month_series_begin(&b.m, &st, &ip);
	assert_true(st.series_heuristic);
	glp_intopt(b.m.lp, &ip);
	assert_false(b.m.oom);
	assert_true(glp_mip_status(b.m.lp) == GLP_FEAS || glp_mip_status(b.m.lp) == GLP_OPT);
	for (int j = 1; j <= n; j++)
		plan[j] = glp_mip_col_val(b.m.lp, j);
	month_series_end(&b.m, &st);
	assert_null(b.m.snapshot);
	assert_float_equal(month_level_value(&b.m, LEVEL_COVERAGE, plan), 12, 1e-9);
	assert_float_equal(month_level_value(&b.m, LEVEL_COMFORT, plan), 2, 1e-9);
	assert_true(month_plan_meets_rows(&b.m, plan));
	free(warm);
	free(plan);
	built_free(&b);
	month_input_free(&in);
}

/* Two rooms free on Monday and Tuesday mornings, one facilitator, four
 * look-alike parents: one series places all four.  December 2026 has four
 * Mondays and five Tuesdays, and the hall costs 50 a meeting, the annex 5,
 * so the cheapest plan is the annex on Mondays: 4 x 5 = 20.  The greedy
 * plan opens the first candidate, the hall; the neighbourhood with both
 * weekdays free must find the annex on Mondays, and only that. */
#define MON_TUE                                                                                    \
	"[{\"weekday\":\"mon\",\"from\":\"08:00\",\"to\":\"12:00\"},"                              \
	"{\"weekday\":\"tue\",\"from\":\"08:00\",\"to\":\"12:00\"}]"
#define PARENT_MON_TUE(id)                                                                         \
	"{\"id\":\"" id "\",\"transport\":\"car\",\"languages\":[\"en\"],\"children\":[],"         \
	"\"available\":" MON_TUE "}"
static const char two_rooms[] =
    "{\"month\":\"2026-12\",\"policy\":{\"facilitators_per_series\":1,"
    "\"require_trained\":false,\"min_group\":3,\"require_dayparts\":[]},"
    "\"slots\":[{\"id\":\"mon-am\",\"weekday\":\"mon\",\"start\":\"09:00\",\"end\":\"11:00\"},"
    "{\"id\":\"tue-am\",\"weekday\":\"tue\",\"start\":\"09:00\",\"end\":\"11:00\"}],"
    "\"rooms\":[{\"id\":\"hall\",\"capacity\":12,\"comfort\":[3,8],\"cost\":50,"
    "\"available\":" MON_TUE "},"
    "{\"id\":\"annex\",\"capacity\":12,\"comfort\":[3,8],\"cost\":5,\"available\":" MON_TUE "}],"
    "\"facilitators\":[{\"id\":\"F1\",\"languages\":[\"en\"],\"available\":" MON_TUE "}],"
    "\"parents\":[" PARENT_MON_TUE("P1") "," PARENT_MON_TUE("P2") "," PARENT_MON_TUE(
	"P3") "," PARENT_MON_TUE("P4") "]}";

static void test_cost_neighbourhoods(void **state)
{
	struct month_input in;
	struct built b;
	struct solve_state st = {0};
	glp_smcp sp;
	glp_iocp ip;
	double *inc, *x;
	int n;

	(void)state;
	parse_or_fail(two_rooms, &in);
	build_model(&in, 0, &b);
	n = glp_get_num_cols(b.m.lp);
	inc = calloc((size_t)n + 2, sizeof *inc);
	x = calloc((size_t)n + 2, sizeof *x);
	assert_non_null(inc);
	assert_non_null(x);
	assert_int_equal(month_greedy_plan(&b.m, inc, NULL), 0);
	assert_float_equal(month_level_value(&b.m, LEVEL_COVERAGE, inc), 4, 1e-9);
	assert_true(month_level_value(&b.m, LEVEL_COST, inc) > 20 + 1e-9);
	assert_int_equal(month_fix_level(&b.m, LEVEL_COVERAGE, 4), 0);
	month_set_objective(&b.m, LEVEL_COST);
	glp_init_smcp(&sp);
	sp.msg_lev = GLP_MSG_OFF;
	glp_init_iocp(&ip);
	ip.msg_lev = GLP_MSG_OFF;
	search_state(&st, &b.m, LEVEL_COST, NULL);
	st.series_ip = &ip;

	assert_true(month_search_neighbourhoods(&b.m, &st, &sp, inc, x, n));
	assert_false(b.m.oom);
	assert_float_equal(month_level_value(&b.m, LEVEL_COST, inc), 20, 1e-9);
	assert_float_equal(month_level_value(&b.m, LEVEL_COVERAGE, inc), 4, 1e-9);
	assert_true(month_plan_meets_rows(&b.m, inc));
	/* every series is free again */
	for (int t = 0; t < month_y_count(&b.m); t++)
		assert_int_equal(glp_get_col_type(b.m.lp, b.m.ycol[t]), GLP_DB);
	/* from the cheapest plan there is nothing cheaper to find */
	assert_false(month_search_neighbourhoods(&b.m, &st, &sp, inc, x, n));
	assert_float_equal(month_level_value(&b.m, LEVEL_COST, inc), 20, 1e-9);
	free(inc);
	free(x);
	built_free(&b);
	month_input_free(&in);
}

/* One room for exactly four parents on Monday mornings (four in December
 * 2026), free of charge, as is the facilitator; each parent brings two
 * children, and each of the two staff members, at 10 a meeting, minds at
 * most seven.  Eight children need both staff: the cheapest plan costs
 * 2 x 10 x 4 = 80.  The relaxation opens the series whole (the room holds
 * exactly the four) but pays for 8/7 of a staff member. */
#define MON_AM "[{\"weekday\":\"mon\",\"from\":\"08:00\",\"to\":\"12:00\"}]"
#define PARENT_TWO_CHILDREN(id)                                                                    \
	"{\"id\":\"" id "\",\"transport\":\"car\",\"languages\":[\"en\"],"                         \
	"\"children\":[{\"age\":3,\"needs\":[]},{\"age\":5,\"needs\":[]}],\"available\":" MON_AM   \
	"}"
#define STAFF_SEVEN(id)                                                                            \
	"{\"id\":\"" id "\",\"max_children\":7,\"cost\":10,\"available\":" MON_AM "}"
static const char eight_children[] =
    "{\"month\":\"2026-12\",\"policy\":{\"facilitators_per_series\":1,"
    "\"require_trained\":false,\"min_group\":3,\"require_dayparts\":[]},"
    "\"slots\":[{\"id\":\"mon-am\",\"weekday\":\"mon\",\"start\":\"09:00\",\"end\":\"11:00\"}],"
    "\"rooms\":[{\"id\":\"hall\",\"capacity\":4,\"comfort\":[3,4],\"childcare\":10,\"cost\":0,"
    "\"available\":" MON_AM "}],"
    "\"facilitators\":[{\"id\":\"F1\",\"languages\":[\"en\"],\"available\":" MON_AM "}],"
    "\"childcare_staff\":[" STAFF_SEVEN("C1") "," STAFF_SEVEN(
	"C2") "],"
	      "\"parents\":[" PARENT_TWO_CHILDREN("P1") "," PARENT_TWO_CHILDREN(
		  "P2") "," PARENT_TWO_CHILDREN("P3") "," PARENT_TWO_CHILDREN("P4") "]}";

struct branch_seen {
	const struct model *m;
	int calls;      /* branching calls */
	bool on_counts; /* the first one found only N fractional, and branched */
};

static void branch_on_counts(glp_tree *tree, void *info)
{
	struct branch_seen *bs = info;
	glp_prob *P = glp_ios_get_prob(tree);

	if (glp_ios_reason(tree) != GLP_IBRANCH || bs->calls++ > 0) {
		if (glp_ios_reason(tree) == GLP_IBRANCH)
			month_branch_on_series(tree, bs->m);
		return;
	}
	/* the series is whole; only the staff count is not */
	for (int t = 0; t < month_y_count(bs->m); t++)
		assert_false(glp_ios_can_branch(tree, bs->m->ycol[t]));
	assert_float_equal(glp_get_col_prim(P, bs->m->ncol[0]), 8.0 / 7.0, 1e-6);
	bs->on_counts = month_branch_on_series(tree, bs->m);
}

/* The staff counts of the cost level (month_add_staff_counts): N[c]
 * counts the staff a plan has at c, its row rejects a plan whose N says
 * otherwise, the search branches on N when the series are whole, and it
 * proves the hand-worked optimum, 80. */
static void test_staff_counts(void **state)
{
	struct month_input in;
	struct built b;
	struct branch_seen bs = {0};
	glp_smcp sp;
	glp_iocp ip;
	double *plan;
	int n;

	(void)state;
	parse_or_fail(eight_children, &in);
	build_model(&in, 0, &b);
	assert_null(b.m.ncol); /* the levels before cost search without them */
	assert_int_equal(month_add_staff_counts(&b.m), 0);
	assert_non_null(b.m.ncol);
	assert_int_equal(b.m.ncands, 1);
	assert_true(b.m.ncol[0] != 0);
	n = glp_get_num_cols(b.m.lp);
	plan = calloc((size_t)n + 2, sizeof *plan);
	assert_non_null(plan);
	assert_int_equal(month_greedy_plan(&b.m, plan, NULL), 0);
	month_plan_totals(&b.m, plan);
	assert_float_equal(plan[b.m.ncol[0]], 2, 1e-9);
	assert_true(month_plan_meets_rows(&b.m, plan));
	plan[b.m.ncol[0]] = 1;
	assert_false(month_plan_meets_rows(&b.m, plan));

	assert_int_equal(month_fix_level(&b.m, LEVEL_COVERAGE, 4), 0);
	month_set_objective(&b.m, LEVEL_COST);
	glp_init_iocp(&ip);
	ip.msg_lev = GLP_MSG_OFF;
	/* GLPK's preprocessing would round N's bound up to 2 on its own here */
	ip.pp_tech = GLP_PP_NONE;
	ip.cb_func = branch_on_counts;
	ip.cb_info = &bs;
	bs.m = &b.m;
	glp_init_smcp(&sp);
	sp.msg_lev = GLP_MSG_OFF;
	assert_int_equal(glp_simplex(b.m.lp, &sp), 0);
	assert_int_equal(glp_intopt(b.m.lp, &ip), 0);
	assert_true(bs.calls > 0);
	assert_true(bs.on_counts);
	assert_int_equal(glp_mip_status(b.m.lp), GLP_OPT);
	assert_float_equal(glp_mip_obj_val(b.m.lp), 80, 1e-9);
	for (int j = 1; j <= n; j++)
		plan[j] = glp_mip_col_val(b.m.lp, j);
	assert_float_equal(plan[b.m.ncol[0]], 2, 1e-9);
	assert_true(month_plan_meets_rows(&b.m, plan));
	free(plan);
	built_free(&b);
	month_input_free(&in);
}

/* A coverage search that stalls (here at once: counts_after 1) stops and
 * searches the level again with the staff counts, from its incumbent: the
 * level still ends proven, with all four placed, in a model that now has
 * them. */
static void test_coverage_stall_adds_counts(void **state)
{
	struct month_input in;
	struct built b;
	struct solve_state st = {0};
	double *x;

	(void)state;
	parse_or_fail(eight_children, &in);
	build_model(&in, 0, &b);
	x = calloc(month_plan_len(&b.m), sizeof *x); /* room for N */
	assert_non_null(x);
	assert_int_equal(month_greedy_plan(&b.m, x, NULL), 0);
	month_set_objective(&b.m, LEVEL_COVERAGE);
	search_state(&st, &b.m, LEVEL_COVERAGE, x);
	st.counts_after = 1;
	glp_term_out(GLP_OFF);
	assert_null(b.m.ncol);
	assert_int_equal(month_solve_level(&b.m, &st, x), LVL_OPTIMAL);
	assert_non_null(b.m.ncol);
	assert_false(st.counts_wanted);
	assert_false(st.timed_out);
	assert_float_equal(month_level_value(&b.m, LEVEL_COVERAGE, x), 4, 1e-9);
	assert_float_equal(x[b.m.ncol[0]], 2, 1e-9);
	assert_true(month_plan_meets_rows(&b.m, x));
	free(x);
	built_free(&b);
	month_input_free(&in);
}

/* What the callback below saw of the cost level's neighbourhood runs. */
struct centre_seen {
	struct solve_state *st;
	const double *plan;
	int runs[3];   /* series_runs after each call */
	double centre; /* series_centre after the first */
	bool done;
};

/* At the first chance, with the plan as incumbent: the neighbourhoods
 * once, at once again around the plan the first run left, and again once
 * the last run's plan is (made to look) dearer than the incumbent. */
static void neighbourhoods_twice(glp_tree *tree, void *info)
{
	struct centre_seen *cs = info;

	if (cs->done || glp_ios_reason(tree) != GLP_IHEUR)
		return;
	cs->done = true;
	assert_int_equal(glp_ios_heur_sol(tree, cs->plan), 0);
	month_series_heuristic(tree, cs->st);
	cs->runs[0] = cs->st->series_runs;
	cs->centre = cs->st->series_centre;
	month_series_heuristic(tree, cs->st);
	cs->runs[1] = cs->st->series_runs;
	cs->st->series_centre += 10;
	month_series_heuristic(tree, cs->st);
	cs->runs[2] = cs->st->series_runs;
	glp_ios_terminate(tree);
}

/* The cost level's second neighbourhood run waits for a new centre: right
 * after the first, whose plan is still the incumbent, it does not search
 * (and stays due); once the incumbent is cheaper than the plan the last
 * run left, it does. */
static void test_neighbourhoods_wait_for_new_centre(void **state)
{
	struct month_input in;
	struct built b;
	struct solve_state st = {0};
	struct centre_seen cs = {.st = &st};
	glp_smcp sp;
	glp_iocp ip;
	double *plan;

	(void)state;
	parse_or_fail(eight_children, &in);
	build_model(&in, 0, &b);
	assert_int_equal(month_add_staff_counts(&b.m), 0);
	plan = calloc(month_plan_len(&b.m), sizeof *plan);
	assert_non_null(plan);
	assert_int_equal(month_greedy_plan(&b.m, plan, NULL), 0);
	assert_true(month_plan_ready(&b.m, plan));
	assert_int_equal(month_fix_level(&b.m, LEVEL_COVERAGE, 4), 0);
	month_set_objective(&b.m, LEVEL_COST);
	glp_init_smcp(&sp);
	sp.msg_lev = GLP_MSG_OFF;
	assert_int_equal(glp_simplex(b.m.lp, &sp), 0);
	glp_init_iocp(&ip);
	ip.msg_lev = GLP_MSG_OFF;
	ip.pp_tech = GLP_PP_NONE; /* keep the root fractional (8/7 staff) */
	ip.cb_func = neighbourhoods_twice;
	ip.cb_info = &cs;
	search_state(&st, &b.m, LEVEL_COST, plan);
	cs.plan = plan;
	month_series_begin(&b.m, &st, &ip);
	assert_true(st.series_heuristic);
	glp_intopt(b.m.lp, &ip);
	month_series_end(&b.m, &st);
	assert_true(cs.done);
	assert_false(b.m.oom);
	assert_int_equal(cs.runs[0], 1);
	/* the greedy plan is the optimum here: the first run left it */
	assert_float_equal(month_level_value(&b.m, LEVEL_COST, plan), 80, 1e-9);
	assert_float_equal(cs.centre, 80, 1e-9);
	assert_int_equal(cs.runs[1], 1);
	assert_int_equal(cs.runs[2], 2);
	free(plan);
	built_free(&b);
	month_input_free(&in);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_meeting_days),
	    cmocka_unit_test(test_dayparts),
	    cmocka_unit_test(test_explain),
	    cmocka_unit_test(test_static_filters),
	    cmocka_unit_test(test_filter_why),
	    cmocka_unit_test(test_detail_room_left),
	    cmocka_unit_test(test_cancel_before_start),
	    cmocka_unit_test(test_progress_and_optimum),
	    cmocka_unit_test(test_combined_gap),
	    cmocka_unit_test(test_lazy_warm_start),
	    cmocka_unit_test(test_comfort_per_language),
	    cmocka_unit_test(test_series_heuristic),
	    cmocka_unit_test(test_cost_neighbourhoods),
	    cmocka_unit_test(test_staff_counts),
	    cmocka_unit_test(test_coverage_stall_adds_counts),
	    cmocka_unit_test(test_neighbourhoods_wait_for_new_centre),
	};

	if (argc != 2) {
		fprintf(stderr, "usage: test_month_solve MONTH-AGENCY-40.json\n");
		return 2;
	}
	agency_path = argv[1];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
