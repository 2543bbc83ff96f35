/*
 * plan_json.h - plan outputs (MODEL.md section 1, Output) read back in: as
 * the `previous` of a re-plan, and as a struct month_result of a stored plan.
 *
 * A month document's `previous` is a plan as peerplan outputs it
 * (MODEL.md section 1, "Re-planning and continuity").  month_parse() reads
 * it with month_read_previous(): only series[].id, facilitators,
 * childcare_staff and parents are read, the output's other fields are
 * accepted unchecked, and the people are resolved against the month being
 * parsed (struct month_previous).  A re-plan from a plan held elsewhere (a
 * file on disk, a stored plan) sets that plan output as the document's
 * `previous` and parses the document.
 *
 * The daemon also lets `previous` name a stored plan, {"plan": "<id>"}
 * (API.md, POST /v1/plans).  That form is the daemon's alone: month_parse()
 * rejects it at `previous.plan`, and the daemon, seeing it with
 * month_previous_names_plan(), replaces it with the stored plan's output
 * before parsing.
 *
 * month_plan_read() reads a stored plan output back into a struct
 * month_result for the input it was solved from, so that month_changes()
 * can compare it with another plan (GET /v1/plans/{id}/changes?against=).
 */
#ifndef PP_PLAN_JSON_H
#define PP_PLAN_JSON_H

#include <stdbool.h>

#include <jansson.h>

#include "error.h"
#include "json_read.h"
#include "month.h"

/* Read plan, a plan output given as `previous`, into in->previous and set
 * in->has_previous; in's lists must be read already.  The path in r is the
 * plan's ("previous").  Returns 0, or -1 with the error recorded in r:
 * invalid_input for an unknown field (`{"plan": id}` included), a series id
 * that is not "<slot>@<room>" with two ids, a series id twice, a person twice
 * in one list or a parent in two series; internal on out of memory.  What
 * it allocated is freed by month_input_free(). */
int month_read_previous(struct jr *r, const json_t *plan, struct month_input *in);

/* Is doc's `previous` exactly {"plan": "<string>"}, a stored plan named for
 * the daemon to fill in?  Then *plan_id (when not NULL) points at the
 * string, which lives as long as doc. */
bool month_previous_names_plan(const json_t *doc, const char **plan_id);

/* Read plan, an output document written by month_result_to_json() for in,
 * into *res: status, gap, objective, solve, every series (slot, room and
 * people as indices, people ascending, language interned in in->strs,
 * dates, children, rides, cost), unassigned (with its detail, when there is
 * one) and conflicts (each one listed
 * is decided; names not known are skipped).  `changes` is not read
 * (res->changes is empty: month_changes() computes it), and
 * fields the reader does not know are ignored, so a plan stored by another
 * version still reads.  Returns 0 (free *res with month_result_free()), or
 * -1 with err set (PP_ERR_INVALID_INPUT with the path of a slot, room,
 * person, language or date not in in, or of a malformed field;
 * PP_ERR_INTERNAL on out of memory) and *res empty. */
int month_plan_read(const json_t *plan, const struct month_input *in, struct month_result *res,
		    struct pp_error *err);

#endif
