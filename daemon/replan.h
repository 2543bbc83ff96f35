/*
 * replan.h - plans that revise stored plans (API.md): a month whose
 * previous names a stored plan, {"plan": id}, and the changes of one stored
 * plan against another (GET /v1/plans/{id}/changes?against=).  Store and
 * api/ only: the handlers in res_plans.c reply and audit.
 */
#ifndef PP_REPLAN_H
#define PP_REPLAN_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "error.h"
#include "month.h"
#include "store.h"

/* The stored plan a new plan revises. */
struct replan_from {
	char revises[40]; /* its id; "" for none */
	char month[16];   /* its month */
	int sequence;     /* its calendar SEQUENCE */
};

/* Does stored plan p hold a plan -- done, with an optimal or feasible
 * result?  *parsed (when not NULL) receives the parsed result then (a new
 * reference; NULL otherwise). */
bool replan_has_plan(const struct store_plan *p, json_t **parsed);

/* Parse a month document as the daemon takes it into *in (free with
 * month_input_free): when its previous names a stored plan, that plan must
 * exist and hold a plan, else invalid_input at previous.plan, and its
 * output takes the place of {"plan": id}; *from says which plan (revises
 * "" when none).  Returns 0, or -1 with err set and *in empty. */
int replan_parse(struct store *st, const char *buf, size_t len, struct month_input *in,
		 struct replan_from *from, struct pp_error *err);

/* Read stored plan p (with its request and result; done) back as it was
 * solved: its request parsed by replan_parse into *in (previous {"plan":
 * id} resolved), its result read against it into *res (month_plan_read),
 * and res->changes recomputed (month_changes) when the month has a
 * previous.  res->levels_proven is -1: the output does not keep it.
 * *previous (when not NULL) receives the resolved `previous` plan output
 * (a new reference; NULL without one).  Returns 0 (free *in and *res), or
 * -1 with err set: INTERNAL when the stored documents do not read (or
 * memory, or the database). */
int replan_read(struct store *st, const struct store_plan *p, struct month_input *in,
		struct month_result *res, json_t **previous, struct pp_error *err);

/* The calendar SEQUENCE of a new plan of `month` that revises *from: its
 * + 1 within one month, else 0 (a next month's events have new UIDs). */
int replan_sequence(const struct replan_from *from, const char *month);

/* The reply of changes?against=: {"plan", "against", "changes", "list"},
 * the changes of stored plan a (its request, and its result a_res) as if
 * plan b's result b_res were its previous, with a's weights, forced flags
 * and order.  Both hold a plan (replan_has_plan).  A new reference, or NULL
 * with err set (INTERNAL: the stored documents do not read, or memory). */
json_t *replan_changes(const struct store_plan *a, json_t *a_res, const struct store_plan *b,
		       json_t *b_res, struct pp_error *err);

#endif
