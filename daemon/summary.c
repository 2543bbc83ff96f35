/*
 * summary.c - the coordinator's plain-text report of a month plan: the
 * month, the re-planning section when there is a previous plan
 * (summary_changes.c), the series in weekday and time order, the parents
 * of each series with its dates, the parents left out and why, the
 * objective in the order its levels are solved, and the status.
 *
 * Sections are text tables (struct summary_table): cells are filled
 * first and printed with every column as wide as its widest cell, so the
 * report lines up in a terminal and in a fixed-width print-out.  Nothing
 * here writes to stdout or keeps state: the caller gives the FILE.
 */
#include "summary.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "json_read.h"
#include "month_json.h"

/* ---- text tables ---- */

int summary_table_init(struct summary_table *t, int nrows, int ncols)
{
	t->nrows = nrows;
	t->ncols = ncols;
	t->cells = calloc((size_t)(nrows > 0 ? nrows : 1) * (size_t)ncols, SUMMARY_CELL);
	return t->cells == NULL || ncols > SUMMARY_COLS ? -1 : 0;
}

void summary_table_free(struct summary_table *t)
{
	free(t->cells);
	t->cells = NULL;
}

char *summary_at(struct summary_table *t, int row, int col)
{
	return t->cells[row * t->ncols + col];
}

void summary_append(char *c, const char *fmt, ...)
{
	size_t used = strlen(c);
	va_list ap;

	if (used + 1 >= SUMMARY_CELL)
		return;
	va_start(ap, fmt);
	vsnprintf(c + used, SUMMARY_CELL - used, fmt, ap);
	va_end(ap);
}

void summary_append_ids(char *c, const int *idx, int n, const void *base, size_t stride)
{
	for (int i = 0; i < n; i++)
		summary_append(c, "%s%s", i ? ", " : "",
			       (const char *)base + (size_t)idx[i] * stride);
}

void summary_table_print(const struct summary_table *t, int indent, FILE *out)
{
	int width[SUMMARY_COLS] = {0};

	for (int r = 0; r < t->nrows; r++)
		for (int c = 0; c < t->ncols; c++) {
			int w = (int)strlen(t->cells[r * t->ncols + c]);

			width[c] = w > width[c] ? w : width[c];
		}
	for (int r = 0; r < t->nrows; r++) {
		int last = t->ncols - 1;

		/* Trailing empty cells print nothing, not padding. */
		while (last > 0 && t->cells[r * t->ncols + last][0] == '\0')
			last--;
		fprintf(out, "%*s", indent, "");
		for (int c = 0; c <= last; c++)
			fprintf(out, c < last ? "%-*s  " : "%-*s", c < last ? width[c] : 0,
				t->cells[r * t->ncols + c]);
		fputc('\n', out);
	}
}

char *summary_series_name(const struct month_input *in, int slot, int room, const char *id,
			  char buf[SUMMARY_CELL])
{
	char a[6], b[6];

	if (slot < 0 || room < 0) {
		snprintf(buf, SUMMARY_CELL, "%s", id);
		return buf;
	}
	snprintf(buf, SUMMARY_CELL, "%s %s-%s %s", month_weekday_name(in->slots[slot].weekday),
		 month_format_time(in->slots[slot].start, a),
		 month_format_time(in->slots[slot].end, b), in->rooms[room].id);
	return buf;
}

/* ---- the report ---- */

bool summary_has_plan(const struct month_result *res)
{
	return res->status == MONTH_OPTIMAL || res->status == MONTH_FEASIBLE ||
	       (res->status == MONTH_CANCELLED && res->nseries > 0);
}

/* Is series x before series y: by weekday, start time, then room input
 * order? */
static bool series_before(const struct month_input *in, const struct month_series *x,
			  const struct month_series *y)
{
	const struct month_slot *sx = &in->slots[x->slot], *sy = &in->slots[y->slot];

	if (sx->weekday != sy->weekday)
		return sx->weekday < sy->weekday;
	if (sx->start != sy->start)
		return sx->start < sy->start;
	return x->room < y->room;
}

/* Fill order[] with res's series indices in report order (insertion sort:
 * a month has tens of series, and no state is shared with qsort). */
static void series_order(const struct month_input *in, const struct month_result *res, int *order)
{
	for (int i = 0; i < res->nseries; i++) {
		int j = i;

		while (j > 0 && series_before(in, &res->series[i], &res->series[order[j - 1]])) {
			order[j] = order[j - 1];
			j--;
		}
		order[j] = i;
	}
}

/* Fill one row of the series table for series s. */
static void series_row(struct summary_table *t, int row, const struct month_input *in,
		       const struct month_series *s)
{
	const struct month_slot *slot = &in->slots[s->slot];
	const struct month_room *room = &in->rooms[s->room];
	char a[6], b[6], *c;
	int max_children = 0;

	summary_append(summary_at(t, row, 0), "%s", month_weekday_name(slot->weekday));
	summary_append(summary_at(t, row, 1), "%s-%s", month_format_time(slot->start, a),
		       month_format_time(slot->end, b));
	summary_append(summary_at(t, row, 2), "%s", room->id);
	summary_append(summary_at(t, row, 3), "%s",
		       s->language >= 0 && s->language < in->nstrs ? in->strs[s->language] : "?");
	summary_append_ids(summary_at(t, row, 4), s->facilitators, s->nfacilitators,
			   in->facilitators, sizeof *in->facilitators);
	summary_append(summary_at(t, row, 5), "%d (comfort %d-%d)%s", s->nparents, room->comfort_lo,
		       room->comfort_hi,
		       s->nparents < room->comfort_lo   ? " below"
		       : s->nparents > room->comfort_hi ? " above"
							: "");
	for (int i = 0; i < s->nstaff; i++)
		max_children += in->staff[s->staff[i]].max_children;
	c = summary_at(t, row, 6);
	if (s->nstaff == 0) {
		summary_append(c, "%d (no staff)", s->children);
	} else {
		summary_append(c, "%d of %d (", s->children, max_children);
		summary_append_ids(c, s->staff, s->nstaff, in->staff, sizeof *in->staff);
		summary_append(c, ")");
	}
	c = summary_at(t, row, 7);
	if (s->nrides == 0)
		summary_append(c, "-");
	for (int i = 0; i < s->nrides; i++) {
		summary_append(c, "%s%s drives ", i ? "; " : "",
			       in->parents[s->rides[i].driver].id);
		summary_append_ids(c, s->rides[i].riders, s->rides[i].nriders, in->parents,
				   sizeof *in->parents);
	}
	summary_append(summary_at(t, row, 8), "%d", s->ndates);
	summary_append(summary_at(t, row, 9), "%.2f", jr_round6(s->cost));
}

/* The series table and each series' parents and dates. */
static void print_series(const struct month_input *in, const struct month_result *res,
			 const int *order, struct summary_table *t, FILE *out)
{
	static const char *const head[] = {"day",   "time",     "room",  "lang",     "facilitators",
					   "group", "children", "rides", "meetings", "cost"};
	char date[11], ids[SUMMARY_CELL];

	fprintf(out, "Series (%d)\n", res->nseries);
	for (int i = 0; i < t->ncols; i++)
		summary_append(summary_at(t, 0, i), "%s", head[i]);
	for (int i = 0; i < res->nseries; i++)
		series_row(t, i + 1, in, &res->series[order[i]]);
	if (res->nseries > 0)
		summary_table_print(t, 2, out);
	else
		fprintf(out, "  (none)\n");

	if (res->nseries > 0)
		fprintf(out, "\nParents by series\n");
	for (int i = 0; i < res->nseries; i++) {
		const struct month_series *s = &res->series[order[i]];

		ids[0] = '\0';
		summary_append_ids(ids, s->parents, s->nparents, in->parents, sizeof *in->parents);
		fprintf(out, "  %s@%s: %s\n", in->slots[s->slot].id, in->rooms[s->room].id, ids);
		fprintf(out, "    dates:");
		for (int d = 0; d < s->ndates; d++)
			fprintf(out, "%s%s", d ? ", " : " ",
				month_format_date(in, s->dates[d], date));
		fputc('\n', out);
	}
}

/* The parents left out, in input order, with their reasons and, on the
 * next line, their detail.  Several single filters are alternatives (each
 * alone fixes it): the detail says so, and so does the reasons line of a
 * plan stored without one. */
static void print_unassigned(const struct month_input *in, const struct month_result *res,
			     FILE *out)
{
	fprintf(out, "\nUnassigned parents (%d)\n", res->nunassigned);
	for (int i = 0; i < res->nunassigned; i++) {
		const struct month_unassigned *u = &res->unassigned[i];
		const struct month_parent *p = &in->parents[u->parent];
		const char *sep = u->multiple ? ": " : "";

		fprintf(out, "  %-*s  priority %3d  ", 10, p->id, p->priority);
		if (u->not_selected)
			fprintf(out,
				"not_selected (eligible, but no place, staff, seat or budget)");
		else if (u->multiple)
			fputs("multiple", out);
		for (int f = 0; f < MF_COUNT && !u->not_selected; f++) {
			if (u->filters & (1u << f)) {
				fprintf(out, "%s%s", sep, month_filter_name(f));
				sep = ", ";
			}
		}
		if (!u->not_selected && !u->multiple && u->detail == NULL &&
		    __builtin_popcount(u->filters) > 1)
			fputs(" (any one of these fixes it)", out);
		fputc('\n', out);
		if (u->detail != NULL)
			fprintf(out, "    %s\n", u->detail);
	}
}

/* The objective levels in the order the month solves them: changes first
 * or after coverage with a previous plan (policy.stability). */
static void print_objective(const struct month_input *in, const struct month_result *res, FILE *out)
{
	const int *w = in->policy.change_weights;

	fprintf(out, "\nObjective\n");
	for (int level = 0; level < 2; level++) {
		if (in->has_previous && (level == 0) == in->policy.stability_first)
			fprintf(out,
				"  changes            %ld (weights: parent %d, facilitator %d, "
				"childcare staff %d)\n",
				res->objective.changes, w[MCK_PARENT], w[MCK_FACILITATOR],
				w[MCK_STAFF]);
		if (level == 0)
			fprintf(out,
				"  coverage           %ld (sum of priorities of parents placed)\n",
				res->objective.coverage);
	}
	fprintf(out, "  comfort deviation  %ld\n", res->objective.comfort_deviation);
	fprintf(out, "  preference         %ld (parents at their preferred daypart)\n",
		res->objective.preference);
	fprintf(out, "  cost               %.2f\n", jr_round6(res->objective.cost));
}

/* The status line and, when infeasible, the policy conflicts. */
static void print_status(const struct month_result *res, FILE *out)
{
	fprintf(out, "\nStatus: %s", month_status_name(res->status));
	if (res->status == MONTH_FEASIBLE) {
		fprintf(out, " (time limit reached; gap %.2f%%", 100.0 * res->gap);
		/* A stored plan read back does not know its level (-1). */
		if (res->levels_proven >= 0)
			fprintf(out, " on level %d", res->levels_proven + 1);
		fputc(')', out);
	}
	fprintf(out, "; %.2f s, %ld nodes\n", res->seconds, res->nodes);
	if (res->status != MONTH_INFEASIBLE)
		return;
	fprintf(out, "\nConflicts (would dropping it alone make a plan possible?)\n");
	for (int c = 0; c < MC_COUNT; c++) {
		const struct month_conflict_info *ci = &res->conflicts[c];

		fprintf(out, "  %-24s %-4s %s\n", month_conflict_name(c),
			!ci->decided               ? "?"
			: ci->relaxing_alone_fixes ? "yes"
						   : "no",
			ci->detail);
		for (int d = 0; d <= PP_EVENING; d++)
			if (ci->has_needed && (ci->needed_dayparts & (1u << d)))
				fprintf(out, "  %-24s      drop the %s: %s\n", "",
					month_daypart_name(d), ci->daypart_detail[d]);
	}
}

int summary_print(const struct month_input *in, const struct month_result *res,
		  const json_t *previous, FILE *out)
{
	struct summary_table t;
	int *order = malloc(((size_t)res->nseries + 1) * sizeof *order);
	char date[11];
	int rc = 0;

	if (order == NULL || summary_table_init(&t, res->nseries + 1, 10) < 0) {
		free(order);
		return -1;
	}
	fprintf(out, "Month %04d-%02d%s%s%s", in->year, in->month, in->timezone[0] ? " (" : "",
		in->timezone, in->timezone[0] ? ")" : "");
	if (in->from_day > 1)
		fprintf(out, ", from %s", month_format_date(in, in->from_day, date));
	fputs("\n\n", out);
	if (!summary_has_plan(res)) {
		fprintf(out, "No plan: %s.\n",
			res->status == MONTH_INFEASIBLE ? "no plan satisfies the hard constraints"
			: res->status == MONTH_TIMEOUT
			    ? "the time limit passed before any plan was found"
			    : "the solve was cancelled");
	} else {
		rc = summary_changes_print(in, res, previous, out);
		series_order(in, res, order);
		print_series(in, res, order, &t, out);
		print_unassigned(in, res, out);
		print_objective(in, res, out);
	}
	print_status(res, out);
	free(order);
	summary_table_free(&t);
	return rc;
}
