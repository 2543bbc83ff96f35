/*
 * options.h - peerpland's configuration, from one table.
 *
 * options.c holds the table (name, type, default, range, reloadable, help);
 * the same table drives the command line (--name value or --name=value), the
 * config file (`name = value` lines, '#' comments) and --help.  Values are
 * read through the enum below, whose order is the table's.
 */
#ifndef PP_OPTIONS_H
#define PP_OPTIONS_H

#include <stdbool.h>
#include <stdio.h>

#include "error.h"

enum opt_id {
	OPT_CONFIG = 0,
	OPT_LISTEN,
	OPT_SOCKET,
	OPT_SOCKET_MODE,
	OPT_DATABASE,
	OPT_WORKERS,
	OPT_WORKER_NICE,
	OPT_QUEUE_MAX,
	OPT_MAX_BODY,
	OPT_MAX_HEADERS,
	OPT_TIMEOUT,
	OPT_HEADER_TIMEOUT,
	OPT_BODY_TIMEOUT,
	OPT_MAX_REQUESTS,
	OPT_MAX_CONNECTIONS,
	OPT_MAX_WAIT,
	OPT_LOG_LEVEL,
	OPT_FOLLOWUP_MISSED,
	OPT_RETAIN_DAYS,
	OPT_AUDIT_RETAIN_DAYS,
	OPT_ROLE,
	OPT_EXPIRES,
	OPT_COUNT
};

struct options {
	char *str[OPT_COUNT]; /* every value as text */
	long num[OPT_COUNT];  /* parsed value of integer options */
};

/* Fill o with the table's defaults. */
void options_init(struct options *o);

/* Free the strings of o. */
void options_free(struct options *o);

/* Set option `name` from text, checking type and range; -1 with err set. */
int options_set(struct options *o, const char *name, const char *value, struct pp_error *err);

/* Apply a config file of `name = value` lines; -1 with err naming the line. */
int options_load_file(struct options *o, const char *path, struct pp_error *err);

/* Defaults, then the file of --config (if any), then the other options of
 * argv[1..].  Words that are not options are returned in pos (pointers into
 * argv; pos has room for argc entries).  Returns 0, 1 when --help,
 * --version or --print-config was handled (printed to out), or -1 with err
 * set. */
int options_parse_args(struct options *o, int argc, char **argv, char **pos, int *npos, FILE *out,
		       struct pp_error *err);

/* Copy the reloadable options from src to dst (SIGHUP). */
void options_copy_reloadable(struct options *dst, const struct options *src);

/* Print the --help text generated from the table. */
void options_help(FILE *out);

/* Print o as a config file (--print-config): each option the file may set
 * with its help, default, range and reload, as `name = value`, commented
 * out when it has its default; options_load_file reads it back to o. */
void options_print_config(const struct options *o, FILE *out);

#endif
