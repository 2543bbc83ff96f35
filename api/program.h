/*
 * program.h - running a planned month (API.md, "Running the program"): the
 * attendance of a meeting read and checked against the adopted plan, the
 * parents someone should call, the month's report, and the front desk's
 * roster.
 *
 * Everything here is computed from data the daemon hands in -- the month's
 * input, its adopted plan (month_plan_read), the attendance records and the
 * case system's assignments -- with no I/O, so the daemon stays glue and
 * the tests can recompute every figure from the same data.
 *
 * Decisions where API.md is silent (docs/program.md repeats them):
 *  - a parent "missed" when absent at each of their last N recorded
 *    meetings, counting only the meetings whose record lists them (present
 *    or absent); a meeting where they are not listed says nothing;
 *  - a left-out parent's `unassigned` reasons come as the entry's `detail`;
 *  - in CSV files lists are joined with ";" and a ride is "driver:rider,rider";
 *    numbers are written as in the JSON report, an absent value as an empty
 *    field; every field is quoted (RFC 4180), written with libcsv.
 */
#ifndef PP_PROGRAM_H
#define PP_PROGRAM_H

#include <stddef.h>

#include <jansson.h>

#include "error.h"
#include "month.h"

/* Who came to one meeting of the adopted plan.  Parents are indices into
 * the month's input, in the order the record lists them. */
struct program_attendance {
	int series; /* index into the plan's series */
	int day;    /* day of the month, a date the series meets on */
	int *present, npresent;
	int *absent, nabsent;
};

/* Read the attendance body {"present": [...], "absent": [...]} of meeting
 * (series_id, date) of plan, solved from in.  Returns 0 with *out filled
 * (free with program_attendance_free), or -1 with err set: invalid_input at
 * `series` (no such series in the plan), `date` (not a date it meets on),
 * `present[i]` / `absent[i]` (not one of its parents, or listed twice), or
 * an unknown field; internal on out of memory. */
int program_attendance_read(const json_t *body, const struct month_input *in,
			    const struct month_result *plan, const char *series_id,
			    const char *date, struct program_attendance *out, struct pp_error *err);

/* The record as API.md's GET /v1/attendance lists it:
 * {"series","date","present","absent"}.  NULL on out of memory. */
json_t *program_attendance_to_json(const struct month_input *in, const struct month_result *plan,
				   const struct program_attendance *rec);

void program_attendance_free(struct program_attendance *rec);

/* The assigned peer specialist of a parent (by id), or NULL. */
typedef const char *(*program_specialist_fn)(const char *parent_id, void *arg);

/* What the follow-up list needs to know beyond the month and its plan. */
struct program_followup_ctx {
	const struct program_attendance *recs;
	int nrecs;
	int missed; /* absent at this many last recorded meetings in a row */
	/* The ids of the parents in a series of the previous month's adopted
	 * plan, or NULL when the previous month has none (no first_month). */
	const char *const *prev_placed;
	int nprev_placed;
	program_specialist_fn specialist;
	void *specialist_arg;
};

/* The follow-up list of API.md, in the plan's parent order (input order).
 * A new reference, or NULL on out of memory. */
json_t *program_followups(const struct month_input *in, const struct month_result *plan,
			  const struct program_followup_ctx *ctx);

/* The month's report (API.md, GET /v1/months/{month}/report) from its
 * adopted plan and attendance.  A new reference, or NULL (memory). */
json_t *program_report(const struct month_input *in, const struct month_result *plan,
		       const struct program_attendance *recs, int nrecs);

/* The report's per-series table as CSV; *out is malloc'ed (NUL-terminated,
 * *len bytes).  Returns 0 or -1 (memory). */
int program_report_csv(const json_t *report, char **out, size_t *len);

/* The roster (API.md, GET /v1/plans/{id}/roster.csv): one row per meeting,
 * in date and time order (then room).  Returns 0 with *out malloc'ed, or
 * -1 (memory). */
int program_roster_csv(const struct month_input *in, const struct month_result *plan, char **out,
		       size_t *len);

#endif
