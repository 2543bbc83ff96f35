/*
 * month_internal.h - what the month solver's files share and nobody else
 * needs: candidate series and the static eligibility filters of MODEL.md,
 * the model (struct model), the state of one solve (struct solve_state),
 * the numbering of the objective levels, and the functions the files call
 * in each other.
 *
 * The files, in the order a solve runs through them:
 *
 *   month.c            the driver: month_solve(), month_export_lp(), the
 *                      GLPK error hook, the level loop, progress reports
 *   month_filters.c    candidate series and the static filters
 *   month_classes.c    parents grouped into interchangeable classes
 *   month_build.c      the mixed-integer program, one function per row family
 *   month_model.c      the model's rows, lazy columns and objectives
 *   month_greedy.c     the greedy plan every search starts from
 *   month_search.c     one level: root LP, branch and cut, callback
 *   month_dive.c       plans found by fixing series: the dive of priced
 *                      models, the series heuristic and the cost
 *                      neighbourhoods of whole ones
 *   month_price.c      column generation for large ("lazy") models
 *   month_extract.c    a solution turned into a struct month_result
 *   month_detail.c     a line on each parent left out: what fails where,
 *                      or what was full or closed
 *   month_conflicts.c  which policy rule alone makes an infeasible month
 *                      feasible
 *   month_needed.c     and what that rule would have to be (`needed`)
 *
 * Functions one file exports to the others are named month_*; everything
 * else is static to its file.
 */
#ifndef PP_MONTH_INTERNAL_H
#define PP_MONTH_INTERNAL_H

#include <glpk.h>
#include <setjmp.h>
#include <stdint.h>
#include <time.h>

#include "month.h"

/* A candidate series: a (slot, room) pair whose room is available at the
 * slot and that meets at least once in the month. */
struct month_cand {
	int slot, room;
	int meetings;
	int days[5];
	int daypart;
};

/* Is (slot, room) a candidate series?  Fills *out either way (its
 * meetings are 0 when the slot meets on no day left). */
bool month_cand_at(const struct month_input *in, int slot, int room, struct month_cand *out);

/* Every candidate series, in MODEL.md's order (slot, then room).  Returns the
 * array (NULL with *n = 0 when there is none, or on allocation failure with
 * *n = -1). */
struct month_cand *month_candidates(const struct month_input *in, int *n);

/* The static filters parent p fails at candidate c, as bits
 * (1 << enum month_filter); 0 means statically eligible. */
unsigned month_static_fails(const struct month_input *in, const struct month_cand *c,
			    const struct month_parent *p);

/* What exactly fails at a candidate, beyond the bits, for the filters
 * whose cause is not plain from the input (month_detail.c says it). */
struct month_fail_why {
	bool no_facilitator; /* language: no facilitator is available at the slot */
	bool few_places;     /* childcare: room.childcare < the parent's children */
	bool no_staff;       /* childcare: no staff is available at the slot */
	int *unmet;          /* childcare: need tags no staff available at the slot
			      * supports, distinct, in the children's order; the
			      * caller's array, with room for all their tags */
	int nunmet;
};

/* month_static_fails(), and with why not NULL every part of the language
 * and childcare filters checked and recorded in *why. */
unsigned month_filter_check(const struct month_input *in, const struct month_cand *c,
			    const struct month_parent *p, struct month_fail_why *why);

/* Does some tag of a occur in b?  Both sorted. */
bool month_tags_meet(const struct pp_tags *a, const struct pp_tags *b);

/* Is tag t in the sorted list? */
bool month_tags_have(const struct pp_tags *a, int t);

/* Explain why parent p is not in any series: fills u by MODEL.md's rule.
 * fails[c] are p's static failure bits at each of the ncand candidates.
 * Returns the nearest candidate: the first that passes (not_selected),
 * else the first with the fewest failures; -1 when there is none. */
int month_explain(const unsigned *fails, int ncand, struct month_unassigned *u);

/* Fill the detail of every parent in res->unassigned (month_detail.c),
 * from the candidates, their failure bits (nparents x ncands) and the plan
 * in res (have_plan: there is one, else only res->status is read).
 * Returns 0, or -1 (memory). */
int month_detail(const struct month_input *in, const struct month_cand *cands, int ncands,
		 const unsigned *fails, bool have_plan, struct month_result *res);

/* The objective levels of MODEL.md.  Without a previous plan they are
 * solved in this order; with one, changes comes second (stability
 * "after_coverage") or first ("first").  month_progress.level and
 * month_result.levels_proven count levels in the month's own order. */
enum month_level {
	LEVEL_PREPARING = 0, /* before the first level, as month_progress says */
	LEVEL_COVERAGE = 1,  /* maximise the priority of the parents placed */
	LEVEL_COMFORT,       /* minimise the comfort deviation */
	LEVEL_PREFERENCE,    /* maximise the parents at their preferred daypart */
	LEVEL_COST,          /* minimise the cost */
	LEVEL_CHANGES,       /* minimise the weighted changes (month_replan.c) */
	/* Comfort and preference solved as one objective, minimised:
	 * pref_weight * comfort deviation - preference (month.c says why
	 * this is exact).  Reported with stage "comfort+preference". */
	LEVEL_COMFORT_PREFERENCE,
	/* The number of open series, minimised: never a level of the month,
	 * only the objective of max_series' `needed` (month_needed.c), whose
	 * coefficients month_solve_under() sets. */
	LEVEL_SERIES,
};

/* Is the level maximised (coverage, preference) or minimised? */
static inline bool month_level_maximised(enum month_level level)
{
	return level == LEVEL_COVERAGE || level == LEVEL_PREFERENCE;
}

/* Does the level take integer values only (all but cost)? */
static inline bool month_level_integer(enum month_level level)
{
	return level != LEVEL_COST;
}

struct model_rules {
	int kmin, kmax; /* facilitators per series */
	bool require_trained;
	int min_group;
	int max_series; /* PP_UNLIMITED or >= 0 */
	unsigned require_dayparts;
	bool has_budget;
	double budget;
	bool replan; /* build the changes level (month_replan.c) */
};

/* Models with at least this many x columns are priced (month_price.c);
 * smaller ones are solved whole, which is faster for them. */
#define PRICE_MIN_X 4000

/* At most this many temporaries at once (the dive's three, the greedy
 * plan's nine and one greedy try's two are the most). */
#define MONTH_SCRATCH_MAX 16

enum lazy_kind { LZ_NONE = 0, LZ_X, LZ_S };

enum ride_role { ROLE_NEUTRAL = 0, ROLE_RIDER, ROLE_DRIVER };

struct pclass {
	int count;
	int *members; /* parent indices, input order */
	const struct month_parent *rep;
	int nchildren;
	struct pp_tags needs; /* union of the children's needs (owned) */
	enum ride_role role;
	int zone, seats;
	int *cands; /* eligible candidate indices */
	int ncands;
	int prev_cand; /* re-planning: the candidate the class's parents were in,
			* where they are eligible, or -1 (month_replan.c) */
};

/* A keep column g[i,c,l] of re-planning: facilitator i of previous series
 * c stays in it, run in language l. */
struct gcol {
	int i, c, lang;
	int col;
};

/* One parent-class column x[k,c,l]. */
struct xcol {
	int k, c, lang;
	int col;
};

struct model {
	const struct month_input *in;
	struct model_rules rules;
	struct month_cand *cands;
	int ncands;
	struct pclass *classes;
	int nclasses;
	unsigned *fails; /* nparents x ncands static failure bits */

	glp_prob *lp;
	int *ylang_off, *ylang_n; /* per candidate: slice of ylangs/ycol */
	int *ylangs, *ycol;
	int *fcol;      /* nslots x nfacilitators x nstrs: f[s,i,l], 0 = no column */
	int *scol;      /* ncands x nstaff */
	int *dcol;      /* parallel to ycol: d[c,l] */
	int dcol_total; /* D, the sum of the d: the comfort objective */
	int drow_total; /* D = sum of d, free until the comfort level */
	int *ncol;      /* per candidate: N[c], how many staff attend c, once
			 * added (month_add_staff_counts); NULL before, 0 =
			 * none at c */
	struct xcol *xs;
	int nxs, xs_cap;
	int *cx_off, *cx;    /* x entries of each candidate: cx[cx_off[c] .. cx_off[c+1]) */
	int *kx_off;         /* x entries of class k: xs[kx_off[k] .. kx_off[k+1]) */
	int *speakers;       /* ncands x (nstrs+1): eligible parents speaking l */
	bool *with_children; /* per candidate: some eligible parent has children */

	/* Objective coefficients of each level (obj[LEVEL_COVERAGE] ..
	 * obj[LEVEL_CHANGES], and obj[LEVEL_SERIES]), indexed by column;
	 * obj[0] and obj[LEVEL_COMFORT_PREFERENCE] are unused. */
	double *obj[LEVEL_SERIES + 1];
	/* The changes level's constant: every previous parent of this input
	 * counted as moved (x columns that keep one subtract). */
	double changes_const;
	/* Weight of one unit of comfort deviation against preference in
	 * LEVEL_COMFORT_PREFERENCE: more than the largest preference. */
	double pref_weight;
	int ncols;

	/* Row building scratch. */
	int *ri;
	double *rv;
	int rn, rcap;

	double *x; /* the current plan, 1..ncols */

	/* Re-planning (month_replan.c), when rules.replan. */
	int *prev_cand;   /* per previous series: its candidate, or -1 */
	int *parent_prev; /* per parent: prev_cand of their class (see pclass) */
	bool *staff_prev; /* ncands x nstaff: j was in c's previous series */
	struct gcol *gs;  /* the keep columns */
	int ngs;
	int *acol; /* per y (ylang position): a[c,l], 0 = none */

	/* Pricing of large models: parent columns x and staff columns s held
	 * at zero until they pay.  The matrix entries of such a column (and its
	 * own bound row: x <= ub * y, or s <= sum of y) go to GLPK only once it
	 * is released ("made"); until then they wait in the pending lists, one
	 * linked list per column.  Arrays "per column" are indexed 1..ncols. */
	int price_from;     /* price from this many x entries (0: never) */
	bool lazy;          /* the model is large enough to be priced */
	int x_first;        /* column of x entry 0; entry e is column x_first + e */
	unsigned char *lzk; /* per column: LZ_NONE, LZ_X or LZ_S */
	int *s_cand;        /* per column: the candidate of an s column */
	int *lzcols, nlz;   /* the x and s columns */
	bool *made;         /* per column */
	int *pend_head;     /* per column: first pending entry, -1 none */
	int *pend_row, *pend_next;
	double *pend_val;
	int npend, pend_cap;
	/* An allocation failed: the model may lack entries or rows, or a
	 * heuristic stopped short.  Set by whoever failed; the solve then ends
	 * with an internal error (month_solve_level: LVL_FAILED). */
	bool oom;

	/* Temporaries that live across GLPK calls (month_scratch_alloc): a
	 * GLPK error longjmps past the code that would free them, so the
	 * model keeps them and month_model_free() frees what is left. */
	void *scratch[MONTH_SCRATCH_MAX];
	int nscratch;
	int *ki; /* row_end scratch: the entries GLPK gets now */
	double *kv;
	bool *held;     /* per column */
	int *krow;      /* per class: its row "at most count", 0 = none */
	bool *taken;    /* price_bound scratch, per x entry */
	double *dprime; /* price_bound scratch, per x entry */
	double *held_d; /* per column: reduced cost of a held one in the root LP */
	int nheld;
	double root_lp; /* root LP value over all columns */

	/* The level's model as it was before its search, for the series
	 * heuristic (month_dive.c); NULL outside it. */
	glp_prob *snapshot;
};

struct solve_state {
	const struct month_ctl *ctl;
	struct timespec start;
	double deadline; /* seconds since start */
	enum month_level level;
	int position; /* the level's number in the month's order (progress) */
	const char *stage;
	struct model *model; /* for the branching choice and the series heuristic */
	const double *warm;  /* 1..ncols, or NULL */
	bool warm_done;
	bool stop_at_first;
	bool cancelled, timed_out;
	double gap;
	long nodes, nodes_total;
	double last_report;
	double bound;
	bool has_bound;
	bool priced;    /* some x columns are held at zero (see price_hold) */
	double outside; /* bound on any plan that uses a held column */
	jmp_buf *jb;
	bool series_heuristic;     /* run it in this search (month_series_begin) */
	int series_runs;           /* how many times it ran in this search */
	double series_centre;      /* at cost: the plan's cost its last run left */
	const glp_iocp *series_ip; /* the search's settings, for its polishing MIP */
	/* A coverage search of a whole model without the staff counts stops
	 * after counts_after nodes (0: COUNTS_AFTER_NODES, month_search.c)
	 * with counts_wanted set, and month_solve_level searches again with
	 * them. */
	long counts_after;
	bool counts_wanted;
};
/* Index of f[slot, i, lang] in model.fcol. */
#define FIDX(m, slot, i, lang)                                                                     \
	((((size_t)(slot) * (size_t)(m)->in->nfacilitators) + (size_t)(i)) *                       \
	     (size_t)((m)->in->nstrs + 1) +                                                        \
	 (size_t)(lang))

/* Loop e over the x entries of candidate c, in increasing order. */
#define FOR_X_AT(m, c, e)                                                                          \
	for (int e##_q = (m)->cx_off[c], e = 0;                                                    \
	     e##_q < (m)->cx_off[(c) + 1] && ((e = (m)->cx[e##_q]), 1); e##_q++)

/* How a level's search ended. */
enum level_outcome {
	LVL_OPTIMAL,
	LVL_CUT,
	LVL_NOSOL,
	LVL_INFEASIBLE,
	LVL_CANCELLED,
	LVL_FAILED, /* an allocation failed (m->oom) */
};

/* GLPK's relative gap: |incumbent - bound| / (|incumbent| + DBL_EPSILON). */
double month_rel_gap(double inc, double bound);

/* The gap of the first level a cut-short search of LEVEL_COMFORT_PREFERENCE
 * left unproven, for the plan x and the search's bound st->bound (month.c,
 * set_pref_weight, says why the bound splits): comfort's gap, unless the
 * bound proves the plan's comfort; then preference's, and
 * res->levels_proven becomes LEVEL_COMFORT.  1.0 without a bound. */
double month_combined_gap(const struct model *m, const struct solve_state *st, const double *x,
			  struct month_result *res);

/* ------------------------------------------------ month.c: the solve state */

/* Seconds since the solve started. */
double month_elapsed(const struct solve_state *st);

/* Has the caller raised the cancel flag? */
bool month_cancel_raised(const struct solve_state *st);

/* Report progress to the caller (at most every 0.2 s unless force). */
void month_report(struct solve_state *st, bool has_inc, double inc, bool force);

/* ------------------------------------------ month_classes.c: parent classes */

/* Group the statically eligible parents into classes (m->classes).  Returns
 * 0, or -1 on allocation failure. */
int month_build_classes(struct model *m);

/* ----------------------------------------------- month_build.c: the program */

/* Add v to the coefficient of column col in level's objective (the arrays
 * grow with the columns).  Returns 0 or -1 (memory). */
int month_obj_add(struct model *m, enum month_level level, int col, double v);

/* The rules of the month's own policy. */
void month_rules_from_policy(const struct month_policy *pol, struct model_rules *r);

/* Can a series at candidate c be staffed in language lang under m's rules:
 * at least kmin facilitators free at its slot for all its meetings speak
 * lang, one of them trained if required? */
bool month_staffable(const struct model *m, int c, int lang);

/* How many statically eligible parents speak lang at candidate c. */
int month_speakers(const struct model *m, int c, int lang);

/* Add the ride rows per zone and language (riders <= seats of the drivers
 * in the same language) that the LP solution of m violates; whole models
 * only.  Returns how many, or -1 (memory). */
int month_ride_cuts(struct model *m);

/* Build the model of the month under rules: classes, columns, rows and the
 * objectives of every level.  m is zeroed first; models with at least
 * price_from parent columns (0: never) are lazy (month_price.c).  Returns 0,
 * or -1 on allocation failure; month_model_free() frees m either way. */
int month_model_init(struct model *m, const struct month_input *in, const struct model_rules *rules,
		     struct month_cand *cands, int ncands, unsigned *fails, int price_from);

/* Add the staff counts N[c] (columns and rows, whole models only, once):
 * at the cost level, or when a coverage search stalls (month_search.c).
 * Plans of the model have room for ncands more columns for them (month.c).
 * Returns 0 or -1 (memory). */
int month_add_staff_counts(struct model *m);

/* ------------------------------------ month_model.c: rows, columns, levels */

/* Start a new row. */
int month_row_begin(struct model *m);

/* Add the entry (col, v) to the row being built; col <= 0 or v == 0 adds
 * nothing.  Returns 0, or -1 on allocation failure, which also sets m->oom
 * (callers that build whole models check that once). */
int month_row_put(struct model *m, int col, double v);

/* Add level's objective, every column with its coefficient, to the row
 * being built.  Returns 0 or -1 (memory). */
int month_row_put_objective(struct model *m, enum month_level level);

/* Add the row built since month_row_begin() with GLPK bounds (type, lo,
 * hi); an empty row is dropped.  An allocation failure sets m->oom. */
void month_row_end(struct model *m, int type, double lo, double hi);

/* How many y columns (series and language) the model has. */
int month_y_count(const struct model *m);

/* The position of y[c, lang] among the y columns (m->ycol, m->ylangs), or
 * -1 when the series cannot run in lang. */
int month_ypos(const struct model *m, int c, int lang);

/* The column y[c, lang], or 0 when the series cannot run in lang. */
int month_ycol(const struct model *m, int c, int lang);

/* The upper bound of x entry e: min(class count, room capacity). */
int month_x_ub(const struct model *m, int e);

/* The variable upper bound row of x entry e: x <= ub * y. */
void month_vub_row(struct model *m, int e);

/* The row of staff column sj at candidate c: s <= sum over languages of y. */
void month_staff_row(struct model *m, int sj, int c);

/* Give lazy column j its pending matrix entries and its own bound row. */
void month_col_make(struct model *m, int j);

/* Make level the objective (its direction and coefficients). */
void month_set_objective(struct model *m, enum month_level level);
/* How far a group of size parents is from room's comfort range (MODEL.md
 * section 1, comfort_deviation). */
int month_comfort_deviation(const struct month_room *room, int size);
/* Set the totals of plan x from the columns they count: the comfort
 * deviation D as the sum of its d (a plan from a level before comfort's,
 * where D's row was free) and each candidate's staff count N. */
void month_plan_totals(const struct model *m, double *x);

/* The value of level's objective at the plan x (1..ncols). */
double month_level_value(const struct model *m, enum month_level level, const double *x);

/* Fix an integer level at its optimum v, a whole number, by a row.
 * Returns 0 or -1 (memory). */
int month_fix_level(struct model *m, enum month_level level, double v);

/* Does plan x meet every row and column bound of the model as it stands
 * (with the rows that fix earlier levels)?  GLPK takes an injected
 * incumbent on trust, so a start plan is checked first.  The lazy columns
 * x uses are made first, so that their entries count.  False also when
 * an allocation failed (m->oom is then set). */
bool month_plan_meets_rows(struct model *m, const double *x);

/* Make plan x a search's first plan: its totals set (month_plan_totals),
 * its integer columns rounded, and true when it then meets every row
 * (month_plan_meets_rows). */
bool month_plan_ready(struct model *m, double *x);

/* The elements a plan array of m needs: x[0], one per column, and room
 * for the staff counts a later level adds (month_add_staff_counts). */
size_t month_plan_len(const struct model *m);

/* Round the integer columns of x so an injected incumbent is exact. */
void month_round_integers(const struct model *m, double *x);

/* A zeroed array of n elements of `size` bytes that m keeps until
 * month_scratch_free() or month_model_free(), so that a GLPK error cannot
 * leak it.  NULL when out of memory (m->oom is then set). */
void *month_scratch_alloc(struct model *m, size_t n, size_t size);

/* Free p, a month_scratch_alloc() array of m, or NULL. */
void month_scratch_free(struct model *m, void *p);

/* Free everything m holds (not m itself); the GLPK problem too unless
 * m->lp is NULL. */
void month_model_free(struct model *m);

/* ---------------------------------------- month_greedy.c: the greedy start */

/* Build a plan greedily, following guide (LP values by column) when not
 * NULL.  Fills x[1..n]; returns 0, or -1 when no plan met every rule or
 * an allocation failed (then m->oom is set). */
int month_greedy_plan(struct model *m, double *x, const double *guide);

/* --------------------------------------------- month_search.c: one level */

/* Keep the best proven bound b of the level (integer levels: rounded). */
void month_tighten_bound(struct solve_state *st, double b, bool maximise);

/* glp_simplex() in slices of a quarter second, with the cancel flag and the
 * deadline checked in between.  Returns glp_simplex()'s code. */
int month_lp_sliced(struct model *m, struct solve_state *st, glp_smcp *sp);

/* The branching rule of whole models: D when fractional, else the y
 * column farthest from whole, else the staff count N farthest from whole.
 * False when none is fractional (GLPK then chooses). */
bool month_branch_on_series(glp_tree *T, const struct model *m);

/* Solve the model under the current objective; x[1..n] receives the
 * incumbent when there is one, and has room for the staff counts (n =
 * columns + ncands), which a stalled coverage search adds.  Returns how
 * the level ended. */
enum level_outcome month_solve_level(struct model *m, struct solve_state *st, double *x);

/* Milliseconds to the deadline, at least 1 (GLPK's time limits). */
int month_remaining_ms(const struct solve_state *st);

/* ----------------------------------- month_dive.c: plans by fixing series */

/* A plan for a priced model by diving on the series, the greedy plan and a
 * polishing MIP.  Writes it to x and returns true when it is better than
 * x's value at the level.  Every bound is restored; the LP is left
 * unsolved. */
bool month_dive(struct model *m, struct solve_state *st, glp_smcp *sp, const glp_iocp *ipp,
		double *x);

/* Before a level's branch and cut with settings ip: keep a copy of the
 * model for the series heuristic when the level gets one (the
 * comfort-and-preference and cost levels of a whole model with a warm
 * plan). */
void month_series_begin(struct model *m, struct solve_state *st, const glp_iocp *ip);

/* From the branch-and-cut callback T (GLP_IHEUR) of a search of the whole
 * model st->model, twice per search, in the copy: at comfort and
 * preference, dive on the series (the second time: take the incumbent's),
 * fix them, and let a depth-first MIP that branches on staff and
 * facilitators first find the rest; at cost, search the incumbent's
 * neighbourhoods (month_search_neighbourhoods), the second time only
 * around a plan cheaper than the first left (else it returns at once and
 * stays due).  A better plan becomes the search's incumbent.  An
 * allocation failure sets st->model->oom. */
void month_series_heuristic(glp_tree *T, struct solve_state *st);

/* The cost level's neighbourhood search around the plan inc[1..n] on
 * m->lp (st->series_ip: the level's search settings): the series of two
 * weekdays free, every other one as inc has it, the most promising pairs
 * first.  A cheaper plan that meets every row replaces inc (x[1..n] is
 * scratch).  Returns whether one did; every y is free again after. */
bool month_search_neighbourhoods(struct model *m, struct solve_state *st, glp_smcp *sp, double *inc,
				 double *x, int n);

/* After the level's search: drop the copy. */
void month_series_end(struct model *m, struct solve_state *st);

/* ------------------------------------------ month_price.c: column generation */

/* Release held column j: its bounds back, made whole in GLPK. */
void month_price_release(struct model *m, int j);

/* Release every held column and make every lazy column. */
void month_price_whole(struct model *m);

/* Hold at zero every lazy column the plan warm leaves at zero.  Returns
 * how many are held, or -1 (memory). */
int month_price_hold(struct model *m, const double *warm);

/* A bound on a maximised level that needs no LP. */
double month_count_bound(const struct model *m, enum month_level level);

/* The root LP by column generation.  Returns glp_simplex()'s code; on 0
 * the LP is optimal over all columns. */
int month_price_lp(struct model *m, struct solve_state *st, glp_smcp *sp);

/* Release every held column through which a plan better than v might
 * exist.  Returns how many were released. */
int month_price_close(struct model *m, struct solve_state *st, double v);

/* ---------------------------------- month_replan.c: the changes level */

/* The previous plan mapped onto the candidates (m->prev_cand,
 * m->parent_prev, m->staff_prev); before the classes are built.  Returns 0
 * or -1 (memory). */
int month_replan_prepare(struct model *m);

/* Was staff member j in the previous series at candidate c? */
bool month_replan_staff_kept(const struct model *m, int c, int j);

/* The keep columns, their rows and the changes objective; after every
 * other row.  Returns 0 or -1 (memory). */
int month_replan_build(struct model *m);

/* The previous plan as a guide for month_greedy_plan() (1..ncols). */
void month_replan_guide(const struct model *m, double *guide);

/* Set the keep columns of plan x to keep as many previous facilitators
 * as its pooled facilitators allow (every row still holds).  An
 * allocation failure sets m->oom. */
void month_replan_complete(struct model *m, double *x);

/* The facilitators of open series c (language lang) when plan x keeps some
 * at its slot: the kept first, then a trained one for each series that kept
 * none, then the rest in candidate order.  Returns 1 with out filled
 * (ascending), 0 when nothing is kept there (use the plain split), or -1
 * (memory). */
int month_replan_split(const struct model *m, const double *x, int c, int lang, int *out,
		       int *nout);

/* ------------------------------------------ month_extract.c: the result */

/* Turn the solution x of model m into res->series, objective and
 * unassigned.  Returns 0, or -1 on allocation failure. */
int month_extract(struct model *m, const double *x, struct month_result *res);

/* ---------------------------------------- month_conflicts.c: conflicts */

/* Fill res->conflicts: for each policy rule, is there a plan without it,
 * and, where there is, what the rule would have to be (month_needed.c).
 * Each check's model is built in m (zeroed, and zeroed again after), where
 * month_solve() frees it if a GLPK error jumps out.
 * Returns 0, or -1 when an allocation failed. */
int month_explain_conflicts(const struct month_input *in, struct month_cand *cands, int ncands,
			    unsigned *fails, struct solve_state *st, struct model *m,
			    struct month_result *res);

/* Relax rule k in r as MODEL.md's `conflicts` drops it; returns how the
 * relaxed rules read ("without the budget"). */
const char *month_relax(struct model_rules *r, enum month_conflict k);

/* What the checks of month_conflicts.c and month_needed.c share: the
 * month, its candidates and filters, the solve state and the model the
 * checks build in turn. */
struct conflict_ctx {
	const struct month_input *in;
	struct month_cand *cands;
	int ncands;
	unsigned *fails;
	struct solve_state *st;
	struct model *m;
};

/* The model of the month under rules, built in cx->m (freed and zeroed
 * after) and solved for level: with value NULL until its first plan (is
 * there any?), else to the level's proven optimum, written to *value (the
 * objective of LEVEL_SERIES is set here).  1 a plan (and *value), 0 no
 * plan, -1 undecided (time), -2 an allocation failed. */
int month_solve_under(struct conflict_ctx *cx, const struct model_rules *rules,
		      enum month_level level, double *value);

/* Is there any plan under these rules?  month_solve_under's codes. */
int month_feasible_under(struct conflict_ctx *cx, const struct model_rules *rules);

/* ------------------------------------------ month_needed.c: `needed` */

/* Fill ci's `needed` for rule k of an infeasible month whose rule k alone
 * makes it feasible (MODEL.md, "needed"); res->conflicts is complete.
 * Returns 0, or -1 when an allocation failed. */
int month_conflict_needed(struct conflict_ctx *cx, enum month_conflict k, struct month_result *res);

#endif
