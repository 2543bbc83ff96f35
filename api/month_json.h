/*
 * month_json.h - the month-plan documents of MODEL.md section 1 <-> the
 * structs of solver/month.h.
 *
 * month_parse() is the only way a month document enters peerplan: it
 * rejects anything MODEL.md does not allow (unknown fields, repeated keys,
 * wrong types, out-of-range values, repeated ids, closures outside the
 * month) with a struct pp_error whose path names the offending field, and
 * otherwise fills a struct month_input with every default applied.
 * month_result_to_json() writes the output document of the same section.
 * Plan outputs read back in (a month's `previous`, a stored plan) are
 * api/plan_json.h's.
 *
 * Decisions where MODEL.md is silent (docs/cli.md repeats them):
 *  - times are "HH:MM" from "00:00" to "23:59"; "24:00" (end of day) is
 *    allowed as a slot's `end` and a window's `to` only;
 *  - optional fields may be null, which means "the default" (so
 *    "max_series": null and "budget": null are unlimited);
 *  - `childcare_staff`, a staff member's `supports` and a child's `needs`
 *    default to []; `month`, `slots`, `rooms`, `facilitators`, `parents`,
 *    ids, `weekday`/`start`/`end`, `from`/`to`, `capacity`, `available`,
 *    `languages`, `transport`, `max_children` and `age` are required;
 *  - closures may repeat (they are a set); integers are at most 1000000;
 *  - `from` is checked like a closure ("YYYY-MM-DD", a date that exists, in
 *    the month); null is the default, the month's first day;
 *  - `previous` (api/plan_json.h reads it): the people lists of a previous
 *    series hold ids (anything else is an error, like a malformed series
 *    id); a series without `id` is an error, one without a people list has
 *    that list empty; `previous: {}` is a previous plan with no series (so
 *    every change level is 0), while null is no previous plan;
 *    `previous: {"plan": "<id>"}` is only for the daemon (API.md), which
 *    replaces it with the stored plan before parsing: month_parse() rejects
 *    it at `previous.plan`.
 *
 * The output always has `objective.changes` (first, the level the re-plan
 * puts first or second) and `changes` (after `unassigned`; empty without
 * `previous` and for results without a plan: infeasible, timeout,
 * cancelled).  A change entry is {"kind", "id", "series", "now", "forced"}
 * in that order; `now` is written for parents only (their new series, or
 * null), as in MODEL.md's example.
 */
#ifndef PP_MONTH_JSON_H
#define PP_MONTH_JSON_H

#include <stddef.h>

#include <jansson.h>

#include "error.h"
#include "month.h"

/* Parse and validate a month document from buf[0..len).  Returns 0 with *in
 * filled (free it with month_input_free()), or -1 with err set
 * (PP_ERR_INVALID_JSON, PP_ERR_INVALID_INPUT with a path, or PP_ERR_INTERNAL
 * on out of memory) and *in empty. */
int month_parse(const char *buf, size_t len, struct month_input *in, struct pp_error *err);

/* The same, from an already parsed document (which is not modified). */
int month_parse_json(const json_t *doc, struct month_input *in, struct pp_error *err);

/* The output document of MODEL.md section 1 for res, solved from in.
 * Returns a new reference, or NULL on out of memory. */
json_t *month_result_to_json(const struct month_input *in, const struct month_result *res);

/* The output's `changes` list for res, solved from (or read back against) in:
 * res->changes in order, each entry as described above; empty unless res
 * holds a plan (optimal or feasible).  The daemon's changes?against= answers
 * with it too.  A new reference, or NULL on out of memory. */
json_t *month_changes_json(const struct month_input *in, const struct month_result *res);

/* Format minutes after midnight as "HH:MM" into buf[6]; returns buf. */
char *month_format_time(int minutes, char buf[6]);

/* The day of in's month that s names ("YYYY-MM-DD", a date that exists),
 * or -1 when s is not such a date in that month. */
int month_day_of(const struct month_input *in, const char *s);

/* Format day `day` of in's month as "YYYY-MM-DD" into buf[11]; returns buf. */
char *month_format_date(const struct month_input *in, int day, char buf[11]);

#endif
