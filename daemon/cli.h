/*
 * cli.h - the subcommands of the offline `peerplan` tool and the helpers
 * they share.
 *
 * daemon/peerplan.c owns main(): it installs the SIGINT handler, looks the
 * subcommand up in its table and calls cli_<name>(argc, argv) with argv[0]
 * being the subcommand's name.  A subcommand returns the process exit code
 * (enum cli_exit).  Subcommands link only pp_api and pp_solver.
 */
#ifndef PP_CLI_H
#define PP_CLI_H

#include <stdatomic.h>
#include <stddef.h>

#include <jansson.h>

#include "error.h"

/* Exit codes of peerplan, as documented in --help and docs/cli.md. */
enum cli_exit {
	CLI_OK = 0,         /* a plan (optimal or feasible) / a result */
	CLI_INFEASIBLE = 1, /* proven infeasible */
	CLI_BAD_INPUT = 2,  /* invalid JSON, invalid input, unreadable file */
	CLI_TIMEOUT = 3,    /* the time limit passed with no plan */
	CLI_INTERNAL = 4,   /* solver failure, out of memory, a bug */
	CLI_USAGE = 64,     /* bad command line (EX_USAGE) */
	CLI_CANCELLED = 130 /* stopped by SIGINT (128 + 2) */
};

/* Raised by the SIGINT handler; give it to month_ctl.cancel. */
extern atomic_int cli_cancel;

/* Read all of path ("-" = stdin) into a malloc'd, NUL-terminated *buf of
 * *len bytes.  Returns 0, or -1 with PP_ERR_INVALID_INPUT naming the file. */
int cli_read_input(const char *path, char **buf, size_t *len, struct pp_error *err);

/* Print err on stderr as {"error":{"code","message","path"}} and return the
 * exit code it maps to (CLI_BAD_INPUT or CLI_INTERNAL). */
int cli_report_error(const struct pp_error *err);

/* Print v on stdout (indented JSON and a newline); -1 when it cannot. */
int cli_print_json(const json_t *v);

/* peerplan solve FILE.json [--previous PLAN.json] [--summary] [--time-limit S] */
int cli_solve(int argc, char **argv);

/* peerplan match FILE.json [--summary] (daemon/cli_match.c) */
int cli_match(int argc, char **argv);

#endif
