/*
 * peerplan.c - the offline command-line tool: `peerplan solve FILE.json`
 * plans a month from a document of MODEL.md section 1 without a daemon.
 *
 * main() installs a one-shot SIGINT handler (a second Ctrl-C kills as
 * usual) that raises cli_cancel, then dispatches on the first argument
 * through cli_table[], one entry per subcommand the way tmux lists its
 * commands.  Each subcommand parses its own options with getopt_long and
 * returns the exit code; errors go to stderr as the error JSON of API.md.
 *
 * `solve` prints the plan document, or with --summary a plain-text report
 * for the coordinator: the series in weekday and time order, the parents
 * left out and why, and the objective and status.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "json_read.h"
#include "month.h"
#include "month_json.h"

atomic_int cli_cancel;

static const char usage_text[] =
    "usage: peerplan <command> [options]\n"
    "\n"
    "commands:\n"
    "  solve FILE.json [--summary] [--time-limit S] [--export-lp OUT.lp]\n"
    "        plan the month described by FILE.json (\"-\" reads standard input)\n"
    "        and print the plan as JSON, or with --summary as a report;\n"
    "        --time-limit S overrides policy.time_limit_s (seconds, > 0)\n"
    "        --export-lp OUT.lp writes the coverage level of the model as a CPLEX LP\n"
    "                       file (to compare other solvers on it) and does not solve\n"
    "        --price-from N solves models with at least N parent columns by column\n"
    "                       generation (default 4000; for tests and tuning)\n"
    "  help  print this text\n"
    "\n"
    "Ctrl-C stops a solve cleanly; a second Ctrl-C kills the process.\n"
    "Errors are printed on standard error as {\"error\":{\"code\",\"message\",\"path\"}}.\n"
    "\n"
    "exit status:\n"
    "  0   a plan (optimal, or feasible when the time limit cut the search short)\n"
    "  1   infeasible: no plan satisfies the hard constraints (see \"conflicts\")\n"
    "  2   bad input: invalid JSON, invalid input, unreadable file\n"
    "  3   the time limit passed before any plan was found\n"
    "  4   internal error (solver failure, out of memory)\n"
    "  64  bad command line\n"
    "  130 cancelled by Ctrl-C\n";

static void on_sigint(int sig)
{
	(void)sig;
	atomic_store(&cli_cancel, 1);
}

int cli_read_input(const char *path, char **buf, size_t *len, struct pp_error *err)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	size_t cap = 1 << 16, n = 0;
	char *b = NULL;

	*buf = NULL;
	*len = 0;
	if (f == NULL)
		return pp_error_set(err, PP_ERR_INVALID_INPUT, "", "cannot read %s: %s", path,
				    strerror(errno));
	for (;;) {
		if (b == NULL || n + 1 >= cap) {
			char *nb = realloc(b, b == NULL ? cap : (cap *= 2));

			if (nb == NULL) {
				free(b);
				if (f != stdin)
					fclose(f);
				return pp_error_set(err, PP_ERR_INTERNAL, "", "out of memory");
			}
			b = nb;
		}
		size_t k = fread(b + n, 1, cap - n - 1, f);

		n += k;
		if (k == 0)
			break;
	}
	if (ferror(f)) {
		int e = errno;

		free(b);
		if (f != stdin)
			fclose(f);
		return pp_error_set(err, PP_ERR_INVALID_INPUT, "", "cannot read %s: %s", path,
				    strerror(e));
	}
	if (f != stdin)
		fclose(f);
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
}

int cli_report_error(const struct pp_error *err)
{
	json_t *v = json_pack("{s:{s:s, s:s, s:s}}", "error", "code", pp_errcode_name(err->code),
			      "message", err->message, "path", err->path);
	char *s = v ? jr_dumps(v, 0) : NULL;

	if (s != NULL)
		fprintf(stderr, "%s\n", s);
	else
		fprintf(stderr, "{\"error\":{\"code\":\"internal\",\"message\":\"out of memory\","
				"\"path\":\"\"}}\n");
	free(s);
	json_decref(v);
	return err->code == PP_ERR_INTERNAL ? CLI_INTERNAL : CLI_BAD_INPUT;
}

int cli_print_json(const json_t *v)
{
	char *s = v ? jr_dumps(v, JR_PRETTY) : NULL;
	int rc = -1;

	if (s != NULL && printf("%s\n", s) >= 0 && fflush(stdout) == 0)
		rc = 0;
	free(s);
	return rc;
}

/* ---- the summary of a month plan ---- */

#define CELL 512

/* A text table: rows of cells, printed with each column as wide as needed. */
struct table {
	int ncols, nrows;
	char (*cells)[CELL]; /* nrows * ncols */
};

/* Append a cell to row `row` column `col` with printf formatting. */
static void cell(struct table *t, int row, int col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void cell(struct table *t, int row, int col, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(t->cells[row * t->ncols + col], CELL, fmt, ap);
	va_end(ap);
}

/* Append ids to a cell as "A, B, C". */
static void cell_ids(char *c, const int *idx, int n, const void *base, size_t stride)
{
	size_t used = strlen(c);

	for (int i = 0; i < n && used < CELL; i++) {
		int k = snprintf(c + used, CELL - used, "%s%s", i ? ", " : "",
				 (const char *)base + (size_t)idx[i] * stride);
		used += k > 0 ? (size_t)k : 0;
	}
}

static void table_print(const struct table *t, FILE *out)
{
	int width[16] = {0};

	for (int r = 0; r < t->nrows; r++)
		for (int c = 0; c < t->ncols && c < 16; c++) {
			int w = (int)strlen(t->cells[r * t->ncols + c]);

			width[c] = w > width[c] ? w : width[c];
		}
	for (int r = 0; r < t->nrows; r++) {
		fputs("  ", out);
		for (int c = 0; c < t->ncols; c++)
			fprintf(out, c + 1 < t->ncols ? "%-*s  " : "%-*s",
				c + 1 < t->ncols ? width[c] : 0, t->cells[r * t->ncols + c]);
		fputc('\n', out);
	}
}

/* Order series indices by weekday, start time, then room input order. */
static const struct month_input *sort_in;
static const struct month_result *sort_res;

static int series_cmp(const void *a, const void *b)
{
	const struct month_series *x = &sort_res->series[*(const int *)a];
	const struct month_series *y = &sort_res->series[*(const int *)b];
	const struct month_slot *sx = &sort_in->slots[x->slot], *sy = &sort_in->slots[y->slot];

	if (sx->weekday != sy->weekday)
		return sx->weekday - sy->weekday;
	if (sx->start != sy->start)
		return sx->start - sy->start;
	return x->room - y->room;
}

/* Fill one table row for series s. */
static void summary_row(struct table *t, int row, const struct month_input *in,
			const struct month_series *s)
{
	const struct month_slot *slot = &in->slots[s->slot];
	const struct month_room *room = &in->rooms[s->room];
	char a[6], b[6], *c;
	int max_children = 0;
	size_t used;

	cell(t, row, 0, "%s", month_weekday_name(slot->weekday));
	cell(t, row, 1, "%s-%s", month_format_time(slot->start, a),
	     month_format_time(slot->end, b));
	cell(t, row, 2, "%s", room->id);
	cell(t, row, 3, "%s",
	     s->language >= 0 && s->language < in->nstrs ? in->strs[s->language] : "?");
	cell_ids(t->cells[row * t->ncols + 4], s->facilitators, s->nfacilitators, in->facilitators,
		 sizeof *in->facilitators);
	cell(t, row, 5, "%d (comfort %d-%d)%s", s->nparents, room->comfort_lo, room->comfort_hi,
	     s->nparents < room->comfort_lo   ? " below"
	     : s->nparents > room->comfort_hi ? " above"
					      : "");
	for (int i = 0; i < s->nstaff; i++)
		max_children += in->staff[s->staff[i]].max_children;
	c = t->cells[row * t->ncols + 6];
	if (s->nstaff == 0) {
		snprintf(c, CELL, "%d (no staff)", s->children);
	} else {
		snprintf(c, CELL, "%d of %d (", s->children, max_children);
		cell_ids(c, s->staff, s->nstaff, in->staff, sizeof *in->staff);
		used = strlen(c);
		snprintf(c + used, CELL - used, ")");
	}
	c = t->cells[row * t->ncols + 7];
	if (s->nrides == 0)
		snprintf(c, CELL, "-");
	for (int i = 0; i < s->nrides; i++) {
		used = strlen(c);
		snprintf(c + used, CELL - used, "%s%s drives ", i ? "; " : "",
			 in->parents[s->rides[i].driver].id);
		cell_ids(c, s->rides[i].riders, s->rides[i].nriders, in->parents,
			 sizeof *in->parents);
	}
	cell(t, row, 8, "%d", s->ndates);
	cell(t, row, 9, "%.2f", jr_round6(s->cost));
}

/* Print the coordinator's report of res to out; -1 on out of memory. */
static int print_summary(const struct month_input *in, const struct month_result *res, FILE *out)
{
	static const char *const head[] = {"day",   "time",     "room",  "lang",     "facilitators",
					   "group", "children", "rides", "meetings", "cost"};
	bool has_plan = res->status == MONTH_OPTIMAL || res->status == MONTH_FEASIBLE ||
			(res->status == MONTH_CANCELLED && res->nseries > 0);
	struct table t = {.ncols = 10, .nrows = res->nseries + 1};
	int *order = malloc(((size_t)res->nseries + 1) * sizeof *order);
	char date[11];

	t.cells = calloc((size_t)t.nrows * (size_t)t.ncols, CELL);
	if (order == NULL || t.cells == NULL) {
		free(order);
		free(t.cells);
		return -1;
	}
	fprintf(out, "Month %04d-%02d%s%s%s\n\n", in->year, in->month, in->timezone[0] ? " (" : "",
		in->timezone, in->timezone[0] ? ")" : "");
	if (!has_plan) {
		fprintf(out, "No plan: %s.\n",
			res->status == MONTH_INFEASIBLE ? "no plan satisfies the hard constraints"
			: res->status == MONTH_TIMEOUT
			    ? "the time limit passed before any plan was found"
			    : "the solve was cancelled");
		goto status;
	}
	fprintf(out, "Series (%d)\n", res->nseries);
	for (int i = 0; i < t.ncols; i++)
		cell(&t, 0, i, "%s", head[i]);
	for (int i = 0; i < res->nseries; i++)
		order[i] = i;
	sort_in = in;
	sort_res = res;
	qsort(order, (size_t)res->nseries, sizeof *order, series_cmp);
	for (int i = 0; i < res->nseries; i++)
		summary_row(&t, i + 1, in, &res->series[order[i]]);
	if (res->nseries > 0)
		table_print(&t, out);
	else
		fprintf(out, "  (none)\n");

	if (res->nseries > 0)
		fprintf(out, "\nParents by series\n");
	for (int i = 0; i < res->nseries; i++) {
		const struct month_series *s = &res->series[order[i]];
		char ids[CELL] = "";

		cell_ids(ids, s->parents, s->nparents, in->parents, sizeof *in->parents);
		fprintf(out, "  %s@%s: %s\n", in->slots[s->slot].id, in->rooms[s->room].id, ids);
		fprintf(out, "    dates:");
		for (int d = 0; d < s->ndates; d++)
			fprintf(out, "%s%s", d ? ", " : " ",
				month_format_date(in, s->dates[d], date));
		fputc('\n', out);
	}

	fprintf(out, "\nUnassigned parents (%d)\n", res->nunassigned);
	for (int i = 0; i < res->nunassigned; i++) {
		const struct month_unassigned *u = &res->unassigned[i];
		const struct month_parent *p = &in->parents[u->parent];

		fprintf(out, "  %-*s  priority %3d  ", 10, p->id, p->priority);
		if (u->not_selected) {
			fprintf(out,
				"not_selected (eligible, but no place, staff, seat or budget)");
		} else {
			const char *sep = ": ";

			if (u->multiple)
				fputs("multiple", out);
			else
				sep = "";
			for (int f = 0; f < MF_COUNT; f++) {
				if (u->filters & (1u << f)) {
					fprintf(out, "%s%s", sep, month_filter_name(f));
					sep = ", ";
				}
			}
		}
		fputc('\n', out);
	}

	fprintf(out, "\nObjective\n");
	fprintf(out, "  coverage           %ld (sum of priorities of parents placed)\n",
		res->objective.coverage);
	fprintf(out, "  comfort deviation  %ld\n", res->objective.comfort_deviation);
	fprintf(out, "  preference         %ld (parents at their preferred daypart)\n",
		res->objective.preference);
	fprintf(out, "  cost               %.2f\n", jr_round6(res->objective.cost));
status:
	fprintf(out, "\nStatus: %s", month_status_name(res->status));
	if (res->status == MONTH_FEASIBLE)
		fprintf(out, " (time limit reached; gap %.2f%% on level %d)", 100.0 * res->gap,
			res->levels_proven + 1);
	fprintf(out, "; %.2f s, %ld nodes\n", res->seconds, res->nodes);
	if (res->status == MONTH_INFEASIBLE) {
		fprintf(out, "\nConflicts (would dropping it alone make a plan possible?)\n");
		for (int c = 0; c < MC_COUNT; c++) {
			const struct month_conflict_info *ci = &res->conflicts[c];

			fprintf(out, "  %-24s %-4s %s\n", month_conflict_name(c),
				!ci->decided               ? "?"
				: ci->relaxing_alone_fixes ? "yes"
							   : "no",
				ci->detail);
		}
	}
	free(order);
	free(t.cells);
	return 0;
}

/* ---- solve ---- */

static int solve_usage(const char *msg)
{
	if (msg != NULL)
		fprintf(stderr, "peerplan solve: %s\n", msg);
	fputs("usage: peerplan solve FILE.json [--summary] [--time-limit S] [--export-lp OUT.lp]\n",
	      stderr);
	return CLI_USAGE;
}

/* The exit code for a finished solve. */
static int solve_exit(enum month_status st)
{
	switch (st) {
	case MONTH_OPTIMAL:
	case MONTH_FEASIBLE:
		return CLI_OK;
	case MONTH_INFEASIBLE:
		return CLI_INFEASIBLE;
	case MONTH_TIMEOUT:
		return CLI_TIMEOUT;
	case MONTH_CANCELLED:
		return CLI_CANCELLED;
	}
	return CLI_INTERNAL;
}

int cli_solve(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"summary", no_argument, NULL, 's'},
	    {"time-limit", required_argument, NULL, 't'},
	    {"export-lp", required_argument, NULL, 'x'},
	    {"price-from", required_argument, NULL, 'p'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct month_input in;
	struct month_result res;
	struct month_ctl ctl = {.cancel = &cli_cancel};
	struct pp_error err = {0};
	bool summary = false;
	const char *export_lp = NULL;
	double limit = 0;
	char *buf, *end;
	size_t len;
	json_t *doc;
	int c, rc;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			summary = true;
			break;
		case 't':
			errno = 0;
			limit = strtod(optarg, &end);
			if (errno != 0 || end == optarg || *end != '\0' || !(limit > 0) ||
			    limit > 1e9)
				return solve_usage("--time-limit needs a number of seconds > 0");
			break;
		case 'x':
			export_lp = optarg;
			break;
		case 'p': {
			long v;

			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno != 0 || end == optarg || *end != '\0' || v < 1 || v > INT_MAX)
				return solve_usage("--price-from needs a whole number >= 1");
			ctl.price_from = (int)v;
			break;
		}
		case 'h':
			fputs(usage_text, stdout);
			return CLI_OK;
		case ':':
			return solve_usage("an option needs a value");
		default:
			return solve_usage("unknown option");
		}
	}
	if (argc - optind != 1)
		return solve_usage(argc == optind ? "missing FILE" : "expected exactly one FILE");
	if (cli_read_input(argv[optind], &buf, &len, &err) < 0)
		return cli_report_error(&err);
	rc = month_parse(buf, len, &in, &err);
	free(buf);
	if (rc < 0)
		return cli_report_error(&err);
	if (limit > 0)
		in.policy.time_limit_s = limit;
	if (export_lp != NULL) {
		rc = month_export_lp(&in, export_lp, &err);
		month_input_free(&in);
		return rc < 0 ? cli_report_error(&err) : CLI_OK;
	}

	memset(&res, 0, sizeof res);
	if (month_solve(&in, &ctl, &res, &err) < 0) {
		month_input_free(&in);
		if (err.code == PP_OK)
			pp_error_set(&err, PP_ERR_INTERNAL, "", "the solver failed");
		cli_report_error(&err);
		return CLI_INTERNAL;
	}
	rc = solve_exit(res.status);
	if (summary) {
		if (print_summary(&in, &res, stdout) < 0 || fflush(stdout) != 0)
			rc = CLI_INTERNAL;
	} else {
		doc = month_result_to_json(&in, &res);
		if (cli_print_json(doc) < 0) {
			pp_error_set(&err, PP_ERR_INTERNAL, NULL, "could not write the plan");
			rc = cli_report_error(&err);
		}
		json_decref(doc);
	}
	month_result_free(&res);
	month_input_free(&in);
	return rc;
}

/* ---- dispatch ---- */

struct cli_command {
	const char *name;
	int (*fn)(int argc, char **argv);
};

static const struct cli_command cli_table[] = {
    {"solve", cli_solve},
    {"match", cli_match},
};

int main(int argc, char **argv)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_sigint;
	sa.sa_flags = SA_RESETHAND; /* a second Ctrl-C kills as usual */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);

	if (argc < 2) {
		fputs(usage_text, stderr);
		return CLI_USAGE;
	}
	if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		fputs(usage_text, stdout);
		return CLI_OK;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("peerplan %s\n", PEERPLAN_VERSION);
		return CLI_OK;
	}
	for (size_t i = 0; i < sizeof cli_table / sizeof cli_table[0]; i++)
		if (strcmp(argv[1], cli_table[i].name) == 0)
			return cli_table[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "peerplan: unknown command '%s'\n\n%s", argv[1], usage_text);
	return CLI_USAGE;
}
