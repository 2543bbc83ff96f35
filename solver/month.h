/*
 * month.h - the month plan of MODEL.md section 1: its input, its result, and
 * the exact lexicographic solve with GLPK.
 *
 * The structs are plain data with no JSON in them: api/month_json.c fills a
 * struct month_input from a document (validated, defaults applied) and turns
 * a struct month_result back into JSON.  Every string the model compares
 * (languages, zones, need tags) is interned into month_input.strs, so tag
 * lists are sorted arrays of distinct string indices and "same zone" is an
 * integer comparison.  Times are minutes after midnight; weekdays are
 * 0 = Monday .. 6 = Sunday.  Ids are kept as given, for output.
 *
 * The solver never allocates parts of the input and never keeps pointers to
 * it after month_solve() returns.
 */
#ifndef PP_MONTH_H
#define PP_MONTH_H

#include <stdatomic.h>
#include <stdbool.h>

#include "error.h"

#define PP_ID_MAX    64
#define PP_UNLIMITED (-1) /* for max_series, max_meetings */

enum pp_daypart { PP_MORNING = 0, PP_AFTERNOON = 1, PP_EVENING = 2 };
enum pp_transport { PP_CAR = 0, PP_TRANSIT, PP_WALK, PP_RIDE };

/* The five static filters, in the order MODEL.md lists them. */
enum month_filter {
	MF_AVAILABILITY = 0,
	MF_ACCESSIBILITY,
	MF_TRANSPORT,
	MF_LANGUAGE,
	MF_CHILDCARE,
	MF_COUNT
};

struct pp_tags {
	int *v; /* sorted, distinct indices into month_input.strs */
	int n;
};

struct pp_window {
	int weekday;
	int from, to; /* minutes, from < to */
};

struct pp_windows {
	struct pp_window *v;
	int n;
};

/* The kinds of change of a re-plan (MODEL.md section 1, "Re-planning and
 * continuity"), in the order changes are listed. */
enum month_change_kind { MCK_PARENT = 0, MCK_FACILITATOR, MCK_STAFF, MCK_COUNT };

struct month_policy {
	int facilitators_per_series; /* >= 1, default 2 */
	bool require_trained;        /* default true */
	int min_group;               /* >= 1, default 1 */
	int max_series;              /* PP_UNLIMITED or >= 0 */
	unsigned require_dayparts;   /* bit (1 << enum pp_daypart) */
	bool has_budget;
	double budget;                 /* >= 0 when has_budget */
	double time_limit_s;           /* > 0, default 60 */
	bool stability_first;          /* "first"; default "after_coverage" */
	int change_weights[MCK_COUNT]; /* 0..1000, default 3, 2, 1 */
};

struct month_slot {
	char id[PP_ID_MAX + 1];
	int weekday;
	int start, end; /* minutes, start < end */
};

struct month_room {
	char id[PP_ID_MAX + 1];
	int capacity;               /* >= 1 */
	int comfort_lo, comfort_hi; /* 1 <= lo <= hi <= capacity */
	bool accessible;
	int zone;      /* string index ("" when absent) */
	int childcare; /* >= 0 */
	double cost;   /* >= 0 */
	struct pp_windows available;
	struct pp_windows transit;
};

struct month_facilitator {
	char id[PP_ID_MAX + 1];
	struct pp_tags languages;
	bool trained;
	int max_meetings; /* PP_UNLIMITED or >= 0 */
	double cost;
	struct pp_windows available;
};

struct month_staff {
	char id[PP_ID_MAX + 1];
	struct pp_tags supports;
	int max_children; /* >= 0 */
	int max_meetings; /* PP_UNLIMITED or >= 0 */
	double cost;
	struct pp_windows available;
};

struct month_child {
	int age;
	struct pp_tags needs;
};

struct month_parent {
	char id[PP_ID_MAX + 1];
	enum pp_transport transport;
	int zone;  /* string index */
	int seats; /* >= 0 */
	bool accessible;
	struct pp_tags languages;
	struct month_child *children;
	int nchildren;
	int priority; /* 1..100 */
	int prefers;  /* enum pp_daypart, or -1 for none */
	struct pp_windows available;
};

/* A series of the plan being revised (`previous`).  Its people are indices
 * into this input's lists, in the order the previous plan lists them;
 * people it names who are not in this input are left out (they add no
 * change). */
struct month_prev_series {
	char id[2 * PP_ID_MAX + 2]; /* "<slot>@<room>", as given */
	int slot, room;             /* indices in this input, -1 when gone */
	int *facilitators, nfacilitators;
	int *staff, nstaff;
	int *parents, nparents;
};

struct month_previous {
	struct month_prev_series *series; /* in the previous plan's order */
	int nseries;
};

struct month_input {
	int year, month;   /* month 1..12 */
	int from_day;      /* the plan covers days from_day.. of the month; default 1 */
	char timezone[65]; /* IANA name, "" when absent */
	int *closures;     /* days of the month, sorted, distinct */
	int nclosures;
	struct month_policy policy;
	struct month_slot *slots;
	int nslots;
	struct month_room *rooms;
	int nrooms;
	struct month_facilitator *facilitators;
	int nfacilitators;
	struct month_staff *staff;
	int nstaff;
	struct month_parent *parents;
	int nparents;
	char **strs; /* interned strings */
	int nstrs;
	bool has_previous; /* `previous` given (changes is a level) */
	struct month_previous previous;
};

enum month_status {
	MONTH_OPTIMAL = 0,
	MONTH_FEASIBLE,   /* time limit hit with a plan; gap is meaningful */
	MONTH_INFEASIBLE, /* proven; conflicts filled */
	MONTH_TIMEOUT,    /* time limit hit before any plan */
	MONTH_CANCELLED,  /* month_ctl.cancel was raised */
};

struct month_ride {
	int driver;  /* parent index */
	int *riders; /* parent indices */
	int nriders;
};

struct month_series {
	int slot, room;                   /* indices */
	int daypart;                      /* enum pp_daypart */
	int language;                     /* string index */
	int *dates;                       /* days of the month, ascending */
	int ndates;                       /* = meetings(slot) */
	int *facilitators, nfacilitators; /* indices, ascending */
	int *staff, nstaff;               /* indices, ascending */
	int *parents, nparents;           /* indices, ascending */
	int children;
	struct month_ride *rides;
	int nrides;
	double cost; /* meetings * (room + facilitators + staff) */
};

struct month_unassigned {
	int parent;        /* index */
	bool not_selected; /* some candidate passed every filter */
	bool multiple;     /* reasons start with "multiple" */
	unsigned filters;  /* bit (1 << enum month_filter) */
	char *detail;      /* one line on why (docs/spec/MODEL.md, `detail`), owned;
			    * NULL in a plan read back without one */
};

/* The six policy constraints that MODEL.md's `conflicts` reports on. */
enum month_conflict {
	MC_REQUIRE_DAYPARTS = 0,
	MC_BUDGET,
	MC_MAX_SERIES,
	MC_REQUIRE_TRAINED,
	MC_FACILITATORS_PER_SERIES,
	MC_MIN_GROUP,
	MC_COUNT
};

struct month_conflict_info {
	bool relaxing_alone_fixes;
	bool decided; /* false when the time limit cut the check short */
	char detail[256];
	/* `needed`, only where relaxing_alone_fixes: has_needed is false when
	 * the time limit cut its computation short (the output says null). */
	bool has_needed;
	/* budget: the cost of the cheapest plan; max_series: the fewest
	 * series; min_group and facilitators_per_series: the largest value
	 * with a plan.  Every other rule in force. */
	double needed;
	/* require_dayparts: bit (1 << enum pp_daypart) of each required
	 * daypart that cannot be met, and why, per daypart. */
	unsigned needed_dayparts;
	char daypart_detail[PP_EVENING + 1][256];
};

/* One change of a re-plan against in->previous. */
struct month_change {
	enum month_change_kind kind;
	int person; /* index in this input's parents, facilitators or staff */
	int prev;   /* index in in->previous.series */
	int now;    /* parents: index in month_result.series, -1 when left out;
		     * others: -1 */
	bool forced;
};

struct month_objective {
	long changes; /* sum of change_weights over the changes; 0 without previous */
	long coverage;
	long comfort_deviation;
	long preference;
	double cost;
};

struct month_result {
	enum month_status status;
	double gap;        /* relative gap of the first level cut short, else 0 */
	int levels_proven; /* levels proven, in the month's order: 0..4, 0..5 with previous */
	struct month_objective objective;
	struct month_series *series; /* ordered by weekday, start, room */
	int nseries;
	struct month_unassigned *unassigned; /* in parent input order */
	int nunassigned;
	struct month_conflict_info conflicts[MC_COUNT]; /* when infeasible */
	struct month_change *changes; /* with a plan (optimal, feasible), in MODEL.md's order */
	int nchanges;
	double seconds;
	long nodes;
};

/* Live progress, delivered from the solving thread. */
struct month_progress {
	/* The objective level, 1..4, 0 while preparing.  Comfort (2) and
	 * preference (3) are solved as one objective, reported as level 2
	 * with stage "comfort+preference". */
	int level;
	const char *stage; /* "coverage", "comfort+preference", "cost", "conflicts" */
	bool has_incumbent;
	double incumbent, bound, gap;
	long nodes;
	double seconds;
};

typedef void (*month_progress_fn)(const struct month_progress *p, void *arg);

/* Control of a solve from other threads.  All fields optional (zero = none). */
struct month_ctl {
	atomic_int *cancel;         /* raise to non-zero to stop; checked often */
	month_progress_fn progress; /* called at most every ~0.2 s and per level */
	void *progress_arg;
	/* Models with at least this many parent columns are solved by column
	 * generation (docs/model.md, "Large months"); 0 means the default. */
	int price_from;
};

/* Days of the month from in->from_day on which a slot on `weekday` meets
 * (closures removed), written ascending to days[] (room for 5); returns the
 * count. */
int month_meeting_days(const struct month_input *in, int weekday, int days[5]);

/* Daypart of a start time in minutes. */
enum pp_daypart month_daypart(int start);

/* Does the slot fit some window of ws? */
bool month_fits(const struct pp_windows *ws, const struct month_slot *slot);

/* Solve the month exactly.  Returns 0 and fills *res (whatever its status:
 * optimal, feasible, infeasible, timeout, cancelled), or -1 with err set when
 * the solver itself failed (GLPK error, out of memory).  ctl may be NULL. */
int month_solve(const struct month_input *in, const struct month_ctl *ctl, struct month_result *res,
		struct pp_error *err);

/* Write the coverage level (level 1) of the model month_solve() builds to
 * path as a CPLEX LP file, for comparing other solvers on the same model.
 * Returns 0, or -1 with err set. */
int month_export_lp(const struct month_input *in, const char *path, struct pp_error *err);

/* Fill res->changes and res->objective.changes: the changes of the plan in
 * res->series against in->previous (none without it), with their forced
 * flags, in MODEL.md's order.  Needs no GLPK, so the daemon also compares
 * two stored plans with it.  Returns 0, or -1 with err set (memory). */
int month_changes(const struct month_input *in, struct month_result *res, struct pp_error *err);

/* Why a previous series is no longer a candidate series (MODEL.md section
 * 1, "Re-planning and continuity"), as bits (1 << enum month_gone). */
enum month_gone {
	MG_SLOT = 0,    /* its slot is not in this input */
	MG_ROOM,        /* its room is not in this input */
	MG_ROOM_CLOSED, /* the room is not available at the slot */
	MG_NO_MEETING,  /* no meeting of the slot is left from `from` */
	MG_COUNT
};

/* What made a change forced: all zero when it was not.  A parent's change
 * is forced by gone or filters, a facilitator's by unavailable or
 * language, a staff member's by unavailable. */
struct month_change_why {
	unsigned gone;    /* the previous series: bits (1 << enum month_gone) */
	unsigned filters; /* parent: the static filters failed there (1 << enum month_filter) */
	bool unavailable; /* facilitator, staff: not available at the slot */
	bool language;    /* facilitator: does not speak the language the plan runs it in */
};

/* Why previous series ps (an index in in->previous.series) is no longer a
 * candidate: bits (1 << enum month_gone), 0 when it still is one. */
unsigned month_series_gone(const struct month_input *in, int ps);

/* Fill *why for change c of res->changes by the rules month_changes()
 * sets `forced` with: c->forced exactly when some field of *why is set. */
void month_change_why(const struct month_input *in, const struct month_result *res,
		      const struct month_change *c, struct month_change_why *why);

/* Is x among v[0..n)? */
bool month_in_list(const int *v, int n, int x);

/* The plan's series parent p joins, or -1 (left out). */
int month_series_of_parent(const struct month_result *res, int p);

/* The plan's series with the slot and room of previous series ps (the
 * series is kept), or -1. */
int month_kept_series(const struct month_input *in, const struct month_result *res, int ps);

/* Free what month_solve() allocated in res (not res itself); NULL-safe. */
void month_result_free(struct month_result *res);

/* Free everything an api/ parser allocated in in (not in itself); NULL-safe. */
void month_input_free(struct month_input *in);

/* Names used on the wire and in summaries. */
const char *month_daypart_name(int daypart);
const char *month_weekday_name(int weekday);
const char *month_filter_name(enum month_filter f);
const char *month_conflict_name(enum month_conflict c);
const char *month_status_name(enum month_status s);
const char *month_transport_name(enum pp_transport t);
const char *month_change_kind_name(enum month_change_kind k);

#endif
