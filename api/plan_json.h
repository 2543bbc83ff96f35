/*
 * plan_json.h - plan outputs (MODEL.md section 1, Output) read back in as
 * the `previous` of a re-plan.
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

#endif
