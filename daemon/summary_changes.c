/*
 * summary_changes.c - the re-planning section of the coordinator's report:
 * what the plan changes against the plan it revises (MODEL.md section 1,
 * "Re-planning and continuity"), to be read at a glance.
 *
 *   headline     how many changes are forced, how many parents move (to
 *                another series, or left out), how many facilitators and
 *                staff leave a kept group;
 *   Parents who move
 *                from where to where (or "left out"), and why: forced, by
 *                the rule month_change_why() names, or not forced with its
 *                series closed or kept;
 *   Facilitators and childcare staff who leave a kept group, and why;
 *   Kept groups  per kept series, who of its parents, facilitators and
 *                staff stay, leave, are gone from the input, or join;
 *   Closed series
 *                previous series the plan does not keep, whether that was
 *                forced, and the people they had (marked when gone, or for
 *                facilitators and staff when not available at the slot);
 *   New series   series the previous plan did not have.
 *
 * Everything comes from the input, the result (res->changes is what
 * month_changes() computed, the list the plan output carries) and the
 * solver's own forced rules.  The parsed previous plan leaves out people
 * who are not in this input; the previous plan's document, when given,
 * names them ("F007 gone").
 */
#include "summary.h"

#include <string.h>

#include "month_json.h"

/* The series ps of the previous plan's document, when it is at hand and
 * lists the same series there (NULL otherwise). */
static const json_t *prev_doc_series(const struct month_input *in, const json_t *previous, int ps)
{
	const json_t *s = json_array_get(json_object_get(previous, "series"), (size_t)ps);
	const char *id = json_string_value(json_object_get(s, "id"));

	return id != NULL && strcmp(id, in->previous.series[ps].id) == 0 ? s : NULL;
}

/* One of the input's lists of people: parents, facilitators or staff. */
struct people {
	const void *base;
	int n;
	size_t size;
	const char *key; /* its name in a plan output's series */
};

static struct people people_of(const struct month_input *in, enum month_change_kind kind)
{
	switch (kind) {
	case MCK_PARENT:
		return (struct people){in->parents, in->nparents, sizeof *in->parents, "parents"};
	case MCK_FACILITATOR:
		return (struct people){in->facilitators, in->nfacilitators,
				       sizeof *in->facilitators, "facilitators"};
	default:
		return (struct people){in->staff, in->nstaff, sizeof *in->staff, "childcare_staff"};
	}
}

static const char *person_id(const struct people *pl, int i)
{
	return (const char *)pl->base + (size_t)i * pl->size;
}

/* The index of the person with this id in pl, or -1. */
static int find_person(const struct people *pl, const char *id)
{
	for (int i = 0; i < pl->n; i++)
		if (strcmp(person_id(pl, i), id) == 0)
			return i;
	return -1;
}

/* Append to c (after ", " when c is not empty) the people listed under
 * pl's key in doc, a previous series' document (may be NULL), who are not
 * in this input, as "A, B gone"; returns how many. */
static int append_gone(char *c, const json_t *doc, const struct people *pl)
{
	const json_t *arr = json_object_get(doc, pl->key), *el;
	size_t i;
	int n = 0;

	json_array_foreach (arr, i, el) {
		const char *id = json_string_value(el);

		if (id != NULL && find_person(pl, id) < 0)
			summary_append(c, "%s%s", n++ ? ", " : c[0] ? ", " : "", id);
	}
	if (n > 0)
		summary_append(c, " gone");
	return n;
}

/* The list of one kind of people of previous series p, and its length. */
static const int *prev_list(const struct month_prev_series *p, enum month_change_kind kind, int *n)
{
	*n = kind == MCK_PARENT        ? p->nparents
	     : kind == MCK_FACILITATOR ? p->nfacilitators
				       : p->nstaff;
	return kind == MCK_PARENT        ? p->parents
	       : kind == MCK_FACILITATOR ? p->facilitators
					 : p->staff;
}

/* How person `who` (-1: not in this input) of closed previous series p is
 * marked: gone, or for facilitators and staff not available at its slot. */
static const char *closed_mark(const struct month_input *in, enum month_change_kind kind, int who,
			       const struct month_prev_series *p)
{
	const struct pp_windows *av;

	if (who < 0)
		return " (gone)";
	if (kind == MCK_PARENT || p->slot < 0)
		return "";
	av = kind == MCK_FACILITATOR ? &in->facilitators[who].available : &in->staff[who].available;
	return month_fits(av, &in->slots[p->slot]) ? "" : " (not available)";
}

/* The people of one kind of closed previous series ps, in the previous
 * plan's order and marked ("F007 (gone), F008"): from its document when at
 * hand, else as parsed (without the people who are gone). */
static void append_closed_list(char *c, const struct month_input *in, const json_t *doc,
			       enum month_change_kind kind, int ps)
{
	const struct month_prev_series *p = &in->previous.series[ps];
	struct people pl = people_of(in, kind);
	const json_t *el;
	size_t i;
	int n;
	const int *v = prev_list(p, kind, &n);

	if (doc == NULL) {
		for (int k = 0; k < n; k++)
			summary_append(c, "%s%s%s", k ? ", " : "", person_id(&pl, v[k]),
				       closed_mark(in, kind, v[k], p));
	} else {
		json_array_foreach (json_object_get(doc, pl.key), i, el) {
			const char *id = json_string_value(el);

			if (id != NULL)
				summary_append(c, "%s%s%s", i ? ", " : "", id,
					       closed_mark(in, kind, find_person(&pl, id), p));
		}
	}
	if (c[0] == '\0')
		summary_append(c, "-");
}

/* Append "A, B verb" (verb1 for one person) for the people of pl who are
 * (want_before) in before and (want_now) in now, in input order, or their
 * count instead of their names; returns how many. */
static int append_group(char *c, const struct people *pl, const int *before, int nbefore,
			const int *now, int nnow, bool want_before, bool want_now, bool count_only,
			const char *verb1, const char *verbs)
{
	const char *lead = c[0] ? ", " : "";
	int k = 0;

	for (int i = 0; i < pl->n; i++) {
		if (month_in_list(before, nbefore, i) != want_before ||
		    month_in_list(now, nnow, i) != want_now)
			continue;
		if (!count_only)
			summary_append(c, "%s%s", k ? ", " : lead, person_id(pl, i));
		k++;
	}
	if (k > 0 && count_only)
		summary_append(c, "%s%d", lead, k);
	if (k > 0)
		summary_append(c, " %s", k == 1 ? verb1 : verbs);
	return k;
}

/* A kept group's people of one kind: who stays, leaves (a change), is gone
 * from the input, and joins; "-" when nobody was or is there.  Parents who
 * stay are counted, everyone else is named. */
static void kept_cell(char *c, const struct month_input *in, const json_t *doc,
		      enum month_change_kind kind, const struct month_prev_series *p,
		      const struct month_series *s)
{
	struct people pl = people_of(in, kind);
	int nb, nn = kind == MCK_PARENT        ? s->nparents
		     : kind == MCK_FACILITATOR ? s->nfacilitators
					       : s->nstaff;
	const int *b = prev_list(p, kind, &nb), *now = kind == MCK_PARENT        ? s->parents
						       : kind == MCK_FACILITATOR ? s->facilitators
										 : s->staff;

	append_group(c, &pl, b, nb, now, nn, true, true, kind == MCK_PARENT, "stays", "stay");
	append_group(c, &pl, b, nb, now, nn, true, false, false, "leaves", "leave");
	append_gone(c, doc, &pl);
	append_group(c, &pl, b, nb, now, nn, false, true, false, "joins", "join");
	if (c[0] == '\0')
		summary_append(c, "-");
}

/* "forced: " before the first reason, "; " before the others. */
static const char *reason_sep(int *n)
{
	return (*n)++ ? "; " : "forced: ";
}

/* Append why previous series ps is no longer a candidate, one reason per
 * month_gone bit; returns the bits. */
static unsigned append_gone_reasons(char *c, const struct month_input *in, int ps, int *n)
{
	static const char *const text[MG_COUNT] = {
	    "slot gone", "room gone", "room not available at the slot", "no meeting left from"};
	unsigned gone = month_series_gone(in, ps);
	char date[11];

	for (int g = 0; g < MG_COUNT; g++) {
		if (!(gone & (1u << g)))
			continue;
		summary_append(c, "%s%s", reason_sep(n), text[g]);
		if (g == MG_NO_MEETING)
			summary_append(c, " %s", month_format_date(in, in->from_day, date));
	}
	return gone;
}

/* Why change ch happened, for the coordinator: "forced: <the rules that
 * force it>", or "not forced" and, for a parent, whether the series was
 * kept or closed. */
static void why_cell(char *c, const struct month_input *in, const struct month_result *res,
		     const struct month_change *ch)
{
	struct month_change_why why;
	int n = 0;

	if (!ch->forced) {
		summary_append(c, "not forced%s",
			       ch->kind != MCK_PARENT                      ? ""
			       : month_kept_series(in, res, ch->prev) >= 0 ? ": series kept"
									   : ": series closed");
		return;
	}
	month_change_why(in, res, ch, &why);
	append_gone_reasons(c, in, ch->prev, &n);
	if (why.filters != 0) {
		summary_append(c, "%snot eligible (", reason_sep(&n));
		for (int f = 0, k = 0; f < MF_COUNT; f++)
			if (why.filters & (1u << f))
				summary_append(c, "%s%s", k++ ? ", " : "", month_filter_name(f));
		summary_append(c, ")");
	}
	if (why.unavailable)
		summary_append(c, "%snot available at the slot", reason_sep(&n));
	if (why.language)
		summary_append(
		    c, "%sdoes not speak %s", reason_sep(&n),
		    in->strs[res->series[month_kept_series(in, res, ch->prev)].language]);
}

/* The parents who move: from, to (or left out), why. */
static int print_moves(const struct month_input *in, const struct month_result *res, int nmoves,
		       FILE *out)
{
	struct summary_table t;
	int row = 0;

	fprintf(out, "\nParents who move (%d)\n", nmoves);
	if (nmoves == 0)
		return 0;
	if (summary_table_init(&t, nmoves, 5) < 0)
		return -1;
	for (int i = 0; i < res->nchanges; i++) {
		const struct month_change *ch = &res->changes[i];
		const struct month_prev_series *p = &in->previous.series[ch->prev];

		if (ch->kind != MCK_PARENT)
			continue;
		summary_append(summary_at(&t, row, 0), "%s", in->parents[ch->person].id);
		summary_series_name(in, p->slot, p->room, p->id, summary_at(&t, row, 1));
		summary_append(summary_at(&t, row, 2), "->");
		if (ch->now < 0)
			summary_append(summary_at(&t, row, 3), "left out");
		else
			summary_series_name(in, res->series[ch->now].slot,
					    res->series[ch->now].room, "", summary_at(&t, row, 3));
		why_cell(summary_at(&t, row, 4), in, res, ch);
		row++;
	}
	summary_table_print(&t, 2, out);
	summary_table_free(&t);
	return 0;
}

/* The facilitators and childcare staff who leave a kept group, and why. */
static int print_staff_changes(const struct month_input *in, const struct month_result *res,
			       int nstaff, FILE *out)
{
	struct summary_table t;
	int row = 0;

	fprintf(out, "\nFacilitators and childcare staff who leave a kept group (%d)\n", nstaff);
	if (nstaff == 0)
		return 0;
	if (summary_table_init(&t, nstaff, 4) < 0)
		return -1;
	for (int i = 0; i < res->nchanges; i++) {
		const struct month_change *ch = &res->changes[i];
		const struct month_prev_series *p = &in->previous.series[ch->prev];
		struct people pl = people_of(in, ch->kind);

		if (ch->kind == MCK_PARENT)
			continue;
		summary_append(summary_at(&t, row, 0), "%s", person_id(&pl, ch->person));
		summary_append(summary_at(&t, row, 1), "%s",
			       ch->kind == MCK_FACILITATOR ? "facilitator" : "childcare staff");
		summary_series_name(in, p->slot, p->room, p->id, summary_at(&t, row, 2));
		why_cell(summary_at(&t, row, 3), in, res, ch);
		row++;
	}
	summary_table_print(&t, 2, out);
	summary_table_free(&t);
	return 0;
}

/* Each kept group: who of its parents, facilitators and staff stay,
 * leave, are gone or join. */
static int print_kept(const struct month_input *in, const struct month_result *res,
		      const json_t *previous, int nkept, FILE *out)
{
	static const char *const head[] = {"series", "parents", "facilitators", "childcare staff"};
	struct summary_table t;
	int row = 1;

	fprintf(out, "\nKept groups (%d of the previous plan's %d series)\n", nkept,
		in->previous.nseries);
	if (nkept == 0)
		return 0;
	if (summary_table_init(&t, nkept + 1, 4) < 0)
		return -1;
	for (int i = 0; i < 4; i++)
		summary_append(summary_at(&t, 0, i), "%s", head[i]);
	for (int ps = 0; ps < in->previous.nseries; ps++) {
		const struct month_prev_series *p = &in->previous.series[ps];
		const json_t *doc = prev_doc_series(in, previous, ps);
		int k = month_kept_series(in, res, ps);
		const struct month_series *s = k >= 0 ? &res->series[k] : NULL;

		if (s == NULL)
			continue;
		summary_series_name(in, p->slot, p->room, p->id, summary_at(&t, row, 0));
		for (int kind = 0; kind < MCK_COUNT; kind++)
			kept_cell(summary_at(&t, row, kind + 1), in, doc,
				  (enum month_change_kind)kind, p, s);
		row++;
	}
	summary_table_print(&t, 2, out);
	summary_table_free(&t);
	return 0;
}

/* Each previous series the plan does not keep, with the people it had. */
static void print_closed(const struct month_input *in, const struct month_result *res,
			 const json_t *previous, int nclosed, FILE *out)
{
	char c[SUMMARY_CELL], name[SUMMARY_CELL];

	fprintf(out, "\nClosed series (%d)\n", nclosed);
	for (int ps = 0; ps < in->previous.nseries; ps++) {
		const struct month_prev_series *p = &in->previous.series[ps];
		const json_t *doc = prev_doc_series(in, previous, ps);
		int n = 0;

		if (month_kept_series(in, res, ps) >= 0)
			continue;
		c[0] = '\0';
		if (append_gone_reasons(c, in, ps, &n) == 0)
			summary_append(c, "not forced");
		fprintf(out, "  %s: %s\n", summary_series_name(in, p->slot, p->room, p->id, name),
			c);
		for (int kind = 0; kind < MCK_COUNT; kind++) {
			c[0] = '\0';
			append_closed_list(c, in, doc, (enum month_change_kind)kind, ps);
			fprintf(out, "    %s: %s\n",
				kind == MCK_PARENT        ? "parents"
				: kind == MCK_FACILITATOR ? "facilitators"
							  : "childcare staff",
				c);
		}
	}
}

/* Is the plan's series k new: kept from no previous series? */
static bool is_new(const struct month_input *in, const struct month_result *res, int k)
{
	for (int ps = 0; ps < in->previous.nseries; ps++)
		if (month_kept_series(in, res, ps) == k)
			return false;
	return true;
}

/* Each series of the plan that the previous plan did not have. */
static void print_new(const struct month_input *in, const struct month_result *res, FILE *out)
{
	char name[SUMMARY_CELL], ids[SUMMARY_CELL];
	int n = 0;

	for (int k = 0; k < res->nseries; k++)
		n += is_new(in, res, k);
	fprintf(out, "\nNew series (%d)\n", n);
	for (int k = 0; k < res->nseries; k++) {
		const struct month_series *s = &res->series[k];

		if (!is_new(in, res, k))
			continue;
		ids[0] = '\0';
		summary_append_ids(ids, s->parents, s->nparents, in->parents, sizeof *in->parents);
		fprintf(out, "  %s: %s\n", summary_series_name(in, s->slot, s->room, "", name),
			ids);
	}
}

int summary_changes_print(const struct month_input *in, const struct month_result *res,
			  const json_t *previous, FILE *out)
{
	int count[MCK_COUNT] = {0}, nout = 0, nforced = 0, nkept = 0;

	if (!in->has_previous || !summary_has_plan(res))
		return 0;
	for (int i = 0; i < res->nchanges; i++) {
		count[res->changes[i].kind]++;
		nout += res->changes[i].kind == MCK_PARENT && res->changes[i].now < 0;
		nforced += res->changes[i].forced;
	}
	for (int ps = 0; ps < in->previous.nseries; ps++)
		nkept += month_kept_series(in, res, ps) >= 0;
	fprintf(out, "Changes from the previous plan (");
	if (nforced == 0)
		fprintf(out, "none forced)\n");
	else
		fprintf(out, "%d forced)\n", nforced);
	if (count[MCK_PARENT] == 0)
		fprintf(out, "  0 parents move\n");
	else
		fprintf(out, "  %d parent%s: %d to another series, %d left out\n",
			count[MCK_PARENT], count[MCK_PARENT] == 1 ? " moves" : "s move",
			count[MCK_PARENT] - nout, nout);
	fprintf(out, "  %d facilitator%s and %d childcare staff leave a kept group\n",
		count[MCK_FACILITATOR], count[MCK_FACILITATOR] == 1 ? "" : "s", count[MCK_STAFF]);
	if (print_moves(in, res, count[MCK_PARENT], out) < 0 ||
	    print_staff_changes(in, res, count[MCK_FACILITATOR] + count[MCK_STAFF], out) < 0 ||
	    print_kept(in, res, previous, nkept, out) < 0)
		return -1;
	print_closed(in, res, previous, in->previous.nseries - nkept, out);
	print_new(in, res, out);
	fputc('\n', out);
	return 0;
}
