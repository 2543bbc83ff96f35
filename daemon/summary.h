/*
 * summary.h - the coordinator's plain-text report of a month plan, as
 * `peerplan solve --summary` prints it (docs/cli.md, "The summary").
 *
 * The report is built from the parsed input, the result and, for a
 * re-plan, the previous plan's output document; it writes to any FILE and
 * keeps no state between calls, so the daemon can print the same report of
 * a stored plan (read back with month_plan_read()) from any thread.
 *
 * summary.c owns the report and the text tables it is made of;
 * summary_changes.c owns the re-planning section (who moves and why, kept
 * and closed groups), printed when the month has a previous plan.
 */
#ifndef PP_SUMMARY_H
#define PP_SUMMARY_H

#include <stdio.h>

#include <jansson.h>

#include "month.h"

/* Print the report of res, solved from in, to out.  previous is the
 * document's `previous` plan output (NULL when not at hand): it only names
 * the people of the previous plan who are no longer in in.  Returns 0, or
 * -1 on out of memory (the report may be cut short). */
int summary_print(const struct month_input *in, const struct month_result *res,
		  const json_t *previous, FILE *out);

/* Print the re-planning section (nothing without in->previous or without a
 * plan); summary_print() calls it.  Returns 0, or -1 on out of memory. */
int summary_changes_print(const struct month_input *in, const struct month_result *res,
			  const json_t *previous, FILE *out);

/* ---- shared by summary.c and summary_changes.c ---- */

/* Does res hold a plan (optimal, feasible, or cancelled with series)? */
bool summary_has_plan(const struct month_result *res);

#define SUMMARY_CELL 512
#define SUMMARY_COLS 16

/* A text table: rows of cells, printed with each column as wide as needed. */
struct summary_table {
	int ncols, nrows;
	char (*cells)[SUMMARY_CELL]; /* nrows * ncols */
};

/* Allocate an empty table of nrows x ncols (ncols <= SUMMARY_COLS); -1 on
 * out of memory. */
int summary_table_init(struct summary_table *t, int nrows, int ncols);

void summary_table_free(struct summary_table *t);

/* The cell at row, col. */
char *summary_at(struct summary_table *t, int row, int col);

/* Append printf-formatted text to the NUL-terminated cell c (truncated at
 * SUMMARY_CELL). */
void summary_append(char *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Append ids to cell c as "A, B, C": the ids at base + idx[i] * stride
 * (ids at offset 0 of each element). */
void summary_append_ids(char *c, const int *idx, int n, const void *base, size_t stride);

/* Print the table, each row indented by `indent` spaces. */
void summary_table_print(const struct summary_table *t, int indent, FILE *out);

/* Name a series for people: "wed 14:00-16:00 r1-hall", or id when its
 * slot or room (-1) is not in in.  Returns buf. */
char *summary_series_name(const struct month_input *in, int slot, int room, const char *id,
			  char buf[SUMMARY_CELL]);

#endif
