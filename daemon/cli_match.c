/*
 * cli_match.c - `peerplan match FILE.json [--summary]`: solve one matching
 * batch (MODEL.md section 2) offline and print the result document, or with
 * --summary a table for people: each match with its fit and the dimensions
 * that contributed most, with the tags shared behind each and whether the
 * cap held its weight down, a note under a match whose fit is 0 saying
 * why, each unmatched parent with its reasons, and every specialist's
 * caseload (existing + new / capacity).
 *
 * Exit codes as `peerplan solve`: 0 a result, 2 bad input, 4 internal,
 * 64 usage.  Links only api/ and solver/.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "match.h"
#include "match_json.h"

static int match_usage(const char *why)
{
	fprintf(stderr, "peerplan match: %s\nusage: peerplan match FILE.json [--summary]\n", why);
	return CLI_USAGE;
}

/* Append to buf[0..len) at *off, never past its end. */
static void append(char *buf, size_t len, size_t *off, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void append(char *buf, size_t len, size_t *off, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*off >= len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *off, len - *off, fmt, ap);
	va_end(ap);
	*off = n < 0 ? len : *off + (size_t)n;
}

/* " (bipolar, anxiety; capped)": what lies behind term t, or nothing. */
static void term_why(const struct match_input *in, const struct match_term *t, char *buf,
		     size_t len, size_t *off)
{
	if (t->shared.n == 0 && !t->capped)
		return;
	append(buf, len, off, " (");
	for (int i = 0; i < t->shared.n; i++)
		append(buf, len, off, "%s%s", i ? ", " : "", in->strs[t->shared.v[i]]);
	append(buf, len, off, "%s)", !t->capped ? "" : t->shared.n ? "; capped" : "capped");
}

/* "lived 0.175 (bipolar), expertise 0.300 (afterschool)": the (up to)
 * three largest terms > 0 with their shared tags. */
static void top_terms(const struct match_input *in, const struct match_fit *f, char *buf,
		      size_t len)
{
	bool used[f->nterms > 0 ? f->nterms : 1];
	size_t off = 0;

	memset(used, 0, sizeof used);
	buf[0] = '\0';
	for (int k = 0; k < 3; k++) {
		int best = -1;

		for (int i = 0; i < f->nterms; i++)
			if (!used[i] && f->terms[i].value > 0 &&
			    (best < 0 || f->terms[i].value > f->terms[best].value))
				best = i;
		if (best < 0)
			break;
		used[best] = true;
		append(buf, len, &off, "%s%s %.3f", k ? ", " : "",
		       f->terms[best].dim == MATCH_EXPERTISE ? "expertise"
							     : in->strs[f->terms[best].dim],
		       f->terms[best].value);
		term_why(in, &f->terms[best], buf, len, &off);
	}
}

/* Under a match whose fit is 0, the note saying why. */
static void print_note(const struct match_input *in, const struct match_assignment *m)
{
	char *note = match_note_text(in, &in->parents[m->parent], &m->fit);

	if (note != NULL)
		printf("%-20s note: %s\n", "", note);
	free(note);
}

/* The --summary table on stdout. */
static void print_summary(const struct match_input *in, const struct match_result *res)
{
	int *old = calloc((size_t)in->nspecialists + 1, sizeof(int));
	int *new = calloc((size_t)in->nspecialists + 1, sizeof(int));
	char terms[1024];

	if (old == NULL || new == NULL) {
		free(old);
		free(new);
		return;
	}
	match_caseload(in, old);
	printf("status %s: matched priority %ld, total fit %.6f, %d matched, %d unmatched\n\n",
	       match_status_name(res->status), res->matched_priority, res->total_fit, res->nmatches,
	       res->nunmatched);
	printf("%-20s %-20s %6s  %s\n", "parent", "specialist", "fit", "top contributions");
	for (int i = 0; i < res->nmatches; i++) {
		const struct match_assignment *m = &res->matches[i];

		new[m->specialist]++;
		top_terms(in, &m->fit, terms, sizeof terms);
		printf("%-20s %-20s %6.3f  %s\n", in->parents[m->parent].id,
		       in->specialists[m->specialist].id, m->fit.fit, terms);
		print_note(in, m);
	}
	if (res->nunmatched > 0) {
		printf("\n%-20s %s\n", "unmatched", "reasons");
		for (int i = 0; i < res->nunmatched; i++) {
			unsigned r = res->unmatched[i].reasons;

			printf("%-20s", in->parents[res->unmatched[i].parent].id);
			for (unsigned bit = 1; bit <= MR_NO_SPECIALISTS; bit <<= 1)
				if (r & bit)
					printf(" %s", match_reason_name((enum match_reason)bit));
			printf("\n");
		}
	}
	printf("\n%-20s %8s %5s %8s\n", "specialist", "existing", "new", "capacity");
	for (int s = 0; s < in->nspecialists; s++)
		printf("%-20s %8d %5d %8d\n", in->specialists[s].id, old[s], new[s],
		       in->specialists[s].capacity);
	free(old);
	free(new);
}

int cli_match(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"summary", no_argument, NULL, 's'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct match_input in;
	struct match_result res;
	struct pp_error err = {0};
	bool summary = false;
	char *buf;
	size_t len;
	int c, rc;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			summary = true;
			break;
		case 'h':
			printf("usage: peerplan match FILE.json [--summary]\n");
			return CLI_OK;
		default:
			return match_usage("unknown option");
		}
	}
	if (optind != argc - 1)
		return match_usage("needs exactly one FILE.json (or - for stdin)");
	if (cli_read_input(argv[optind], &buf, &len, &err) < 0)
		return cli_report_error(&err);
	rc = match_parse(buf, len, &in, &err);
	free(buf);
	if (rc < 0)
		return cli_report_error(&err);
	if (match_solve(&in, &res, &err) < 0) {
		match_input_free(&in);
		return cli_report_error(&err);
	}
	rc = CLI_OK;
	if (summary) {
		print_summary(&in, &res);
	} else {
		json_t *doc = match_result_to_json(&in, &res);

		if (doc == NULL || cli_print_json(doc) < 0) {
			pp_error_set(&err, PP_ERR_INTERNAL, NULL, "out of memory");
			rc = cli_report_error(&err);
		}
		json_decref(doc);
	}
	match_result_free(&res);
	match_input_free(&in);
	return rc;
}
