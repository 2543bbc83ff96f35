/*
 * peerplan.c - the offline command-line tool: `peerplan solve FILE.json`
 * plans a month from a document of MODEL.md section 1 without a daemon
 * (`peerplan match`, a matching batch: cli_match.c).
 *
 * main() installs a one-shot SIGINT handler (a second Ctrl-C kills as
 * usual) that raises cli_cancel, then dispatches on the first argument
 * through cli_table[], one entry per subcommand the way tmux lists its
 * commands.  Each subcommand parses its own options with getopt_long and
 * returns the exit code; errors go to stderr as the error JSON of API.md.
 *
 * `solve` prints the plan document, or with --summary the plain-text
 * report for the coordinator (daemon/summary.c).  With --previous
 * PLAN.json, a plan output on disk (what `peerplan solve` printed before)
 * becomes the month's `previous`: the month is re-planned from it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "json_read.h"
#include "month.h"
#include "month_json.h"
#include "summary.h"

atomic_int cli_cancel;

static const char usage_text[] =
    "usage: peerplan <command> [options]\n"
    "\n"
    "commands:\n"
    "  solve FILE.json [--previous PLAN.json] [--summary] [--time-limit S]\n"
    "                  [--export-lp OUT.lp] [--price-from N]\n"
    "        plan the month described by FILE.json (\"-\" reads standard input)\n"
    "        and print the plan as JSON, or with --summary as a report;\n"
    "        --previous PLAN.json re-plans from PLAN.json, a plan peerplan printed\n"
    "                       (the plan being revised, or last month's): it replaces\n"
    "                       FILE's \"previous\"; the report then lists who moves and why\n"
    "        --time-limit S overrides policy.time_limit_s (seconds, > 0)\n"
    "        --export-lp OUT.lp writes the coverage level of the model as a CPLEX LP\n"
    "                       file (to compare other solvers on it) and does not solve\n"
    "        --price-from N solves models with at least N parent columns by column\n"
    "                       generation (default 4000; for tests and tuning)\n"
    "  match FILE.json [--summary]\n"
    "        match the parents of the batch in FILE.json to peer specialists\n"
    "        and print the result as JSON, or with --summary as tables\n"
    "  help  print this text\n"
    "\n"
    "Ctrl-C stops a solve cleanly; a second Ctrl-C kills the process.\n"
    "Errors are printed on standard error as {\"error\":{\"code\",\"message\",\"path\"}}.\n"
    "\n"
    "exit status:\n"
    "  0   a plan (optimal, or feasible when the time limit cut the search short),\n"
    "      or a matching result\n"
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

/* ---- solve ---- */

static int solve_usage(const char *msg)
{
	if (msg != NULL)
		fprintf(stderr, "peerplan solve: %s\n", msg);
	fputs(
	    "usage: peerplan solve FILE.json [--previous PLAN.json] [--summary] [--time-limit S]\n"
	    "                      [--export-lp OUT.lp] [--price-from N]\n",
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

/* Read the JSON document at path ("-" = stdin) into *doc.  Returns 0, or -1
 * with err set (the file's own errors: unreadable, invalid JSON). */
static int read_json(const char *path, json_t **doc, struct pp_error *err)
{
	char *buf;
	size_t len;

	*doc = NULL;
	if (cli_read_input(path, &buf, &len, err) < 0)
		return -1;
	*doc = jr_parse(buf, len, err);
	free(buf);
	return *doc == NULL ? -1 : 0;
}

/* Read the plan output at plan_path and make it doc's `previous`, replacing
 * any the document has.  Returns 0, or -1 with err at path "previous" (the
 * message names the file); a plan that is JSON but not a valid previous
 * plan is reported later, by month_parse_json(), at its path under
 * "previous" (see name_previous). */
static int set_previous(json_t *doc, const char *plan_path, struct pp_error *err)
{
	struct pp_error e = {0};
	json_t *plan;

	if (read_json(plan_path, &plan, &e) < 0 && e.code == PP_ERR_INVALID_JSON)
		return pp_error_set(err, e.code, "previous", "previous: %s: %.400s", plan_path,
				    e.message);
	if (plan == NULL) /* cli_read_input's message names the file */
		return pp_error_set(err, e.code, "previous", "previous: %.500s", e.message);
	if (json_object_set_new(doc, "previous", plan) < 0)
		return pp_error_set(err, PP_ERR_INTERNAL, "", "out of memory");
	return 0;
}

/* Say in err's message which file an error at "previous..." is in, when
 * that plan came from --previous: the month's own file has no `previous`. */
static void name_previous(struct pp_error *err, const char *plan_path)
{
	size_t n = strlen(err->message);

	if (plan_path != NULL && strncmp(err->path, "previous", 8) == 0 &&
	    (err->path[8] == '\0' || err->path[8] == '.' || err->path[8] == '['))
		snprintf(err->message + n, sizeof err->message - n,
			 " (in %s, given with --previous)", plan_path);
}

int cli_solve(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"summary", no_argument, NULL, 's'},
	    {"previous", required_argument, NULL, 'P'},
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
	const char *export_lp = NULL, *previous = NULL;
	double limit = 0;
	char *end;
	json_t *doc, *out;
	int c, rc;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			summary = true;
			break;
		case 'P':
			previous = optarg;
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
	if (previous != NULL && strcmp(previous, "-") == 0 && strcmp(argv[optind], "-") == 0)
		return solve_usage("FILE and --previous cannot both be standard input");
	if (read_json(argv[optind], &doc, &err) < 0)
		return cli_report_error(&err);
	/* A document that is not an object is month_parse_json()'s to report. */
	if (previous != NULL && json_is_object(doc) && set_previous(doc, previous, &err) < 0) {
		json_decref(doc);
		return cli_report_error(&err);
	}
	rc = month_parse_json(doc, &in, &err);
	if (rc < 0) {
		json_decref(doc);
		name_previous(&err, previous);
		return cli_report_error(&err);
	}
	if (limit > 0)
		in.policy.time_limit_s = limit;
	if (export_lp != NULL) {
		rc = month_export_lp(&in, export_lp, &err);
		month_input_free(&in);
		json_decref(doc);
		return rc < 0 ? cli_report_error(&err) : CLI_OK;
	}

	memset(&res, 0, sizeof res);
	if (month_solve(&in, &ctl, &res, &err) < 0) {
		month_input_free(&in);
		json_decref(doc);
		if (err.code == PP_OK)
			pp_error_set(&err, PP_ERR_INTERNAL, "", "the solver failed");
		cli_report_error(&err);
		return CLI_INTERNAL;
	}
	rc = solve_exit(res.status);
	if (summary) {
		if (summary_print(&in, &res, json_object_get(doc, "previous"), stdout) < 0 ||
		    fflush(stdout) != 0)
			rc = CLI_INTERNAL;
	} else {
		out = month_result_to_json(&in, &res);
		if (cli_print_json(out) < 0) {
			pp_error_set(&err, PP_ERR_INTERNAL, NULL, "could not write the plan");
			rc = cli_report_error(&err);
		}
		json_decref(out);
	}
	month_result_free(&res);
	month_input_free(&in);
	json_decref(doc);
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
