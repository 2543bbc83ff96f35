/*
 * options.c - the one table of peerpland's options and its three readers.
 *
 * The table lists every option once: its name (as on the command line and in
 * the config file), its type, its default, the range of an integer, whether
 * SIGHUP may change it in a running daemon, and its help line.  Integers
 * accept a K/M/G suffix (powers of 1024) so `max-body = 8M` reads naturally;
 * `socket-mode` is octal.  Command-line values override the config file.
 * --print-config writes a config file from the same table (every option
 * with its help and default, commented out where it has its default), which
 * is how the example installed in /etc is made: it cannot drift.
 */
#include "options.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

enum opt_type { OPT_T_STRING, OPT_T_INT, OPT_T_OCTAL, OPT_T_LEVEL };

struct opt_def {
	const char *name;
	enum opt_type type;
	const char *def;
	long min, max;
	bool reloadable;
	const char *help;
};

static const struct opt_def opt_table[OPT_COUNT] = {
    [OPT_CONFIG] = {"config", OPT_T_STRING, "", 0, 0, false,
		    "read `name = value` lines from this file first"},
    [OPT_LISTEN] = {"listen", OPT_T_STRING, "127.0.0.1:8470", 0, 0, false,
		    "TCP address HOST:PORT to serve on (\"\" = no TCP)"},
    [OPT_SOCKET] = {"socket", OPT_T_STRING, "", 0, 0, false,
		    "also serve on this Unix socket path (\"\" = none)"},
    [OPT_SOCKET_MODE] = {"socket-mode", OPT_T_OCTAL, "0660", 0, 0777, false,
			 "file mode of the Unix socket (who may connect)"},
    [OPT_DATABASE] = {"database", OPT_T_STRING, "peerplan.db", 0, 0, false, "SQLite database file"},
    [OPT_WORKERS] = {"workers", OPT_T_INT, "0", 0, 256, false,
		     "solver threads (0 = number of cores)"},
    [OPT_WORKER_NICE] = {"worker-nice", OPT_T_INT, "19", 0, 19, true,
			 "nice of the solver threads, which also run SCHED_BATCH (0 = as "
			 "the loop)"},
    [OPT_QUEUE_MAX] = {"queue-max", OPT_T_INT, "64", 1, 100000, true,
		       "plans that may wait for a worker before 429"},
    [OPT_MAX_BODY] = {"max-body", OPT_T_INT, "8M", 1024, 1L << 30, true,
		      "largest request body in bytes (413 above)"},
    [OPT_MAX_HEADERS] = {"max-headers", OPT_T_INT, "16K", 1024, 1L << 20, true,
			 "largest request header block in bytes"},
    [OPT_TIMEOUT] = {"timeout", OPT_T_INT, "30", 1, 3600, true,
		     "seconds a connection may stall reading or writing"},
    [OPT_HEADER_TIMEOUT] = {"header-timeout", OPT_T_INT, "10", 1, 3600, true,
			    "seconds a request's line and headers may take (from the accept "
			    "or its first byte)"},
    [OPT_BODY_TIMEOUT] = {"body-timeout", OPT_T_INT, "60", 1, 3600, true,
			  "seconds a request body may take after its headers"},
    [OPT_MAX_REQUESTS] = {"max-requests", OPT_T_INT, "1024", 1, 100000, true,
			  "requests in progress (held ?wait included) before 429 busy"},
    [OPT_MAX_CONNECTIONS] = {"max-connections", OPT_T_INT, "1024", 1, 1000000, true,
			     "open client connections; at the cap, accepting pauses"},
    [OPT_MAX_WAIT] = {"max-wait", OPT_T_INT, "300", 0, 86400, true,
		      "largest ?wait=S a client may ask for, in seconds"},
    [OPT_LOG_LEVEL] = {"log-level", OPT_T_LEVEL, "info", 0, 0, true, "error, warn, info or debug"},
    [OPT_FOLLOWUP_MISSED] = {"followup-missed", OPT_T_INT, "2", 1, 100, true,
			     "follow-ups: a parent absent at this many last recorded meetings "
			     "in a row is `missed`"},
    [OPT_RETAIN_DAYS] = {"retain-days", OPT_T_INT, "0", 0, 36500, true,
			 "days a finished plan, with its attendance, is kept before it is "
			 "purged (0 = for ever)"},
    [OPT_AUDIT_RETAIN_DAYS] = {"audit-retain-days", OPT_T_INT, "0", 0, 36500, true,
			       "days an audit row is kept before it is purged (0 = for ever)"},
    [OPT_ROLE] = {"role", OPT_T_STRING, "", 0, 0, false,
		  "role of `token add`: scheduler, casesystem, viewer, admin or metrics"},
    [OPT_EXPIRES] = {"expires", OPT_T_STRING, "", 0, 0, false,
		     "lifetime of `token add` and `token rotate` (90d, 12h; \"\" = never, "
		     "or as it was)"},
};

static int opt_find(const char *name, size_t len)
{
	for (int i = 0; i < OPT_COUNT; i++)
		if (strlen(opt_table[i].name) == len && strncmp(opt_table[i].name, name, len) == 0)
			return i;
	return -1;
}

/* Parse an integer with an optional K/M/G suffix (or octal); -1 if malformed. */
static int opt_parse_long(const char *s, enum opt_type type, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, type == OPT_T_OCTAL ? 8 : 10);
	if (errno != 0 || end == s)
		return -1;
	if (type == OPT_T_INT && *end != '\0' && end[1] == '\0') {
		int shift = *end == 'K' || *end == 'k'   ? 10
			    : *end == 'M' || *end == 'm' ? 20
			    : *end == 'G' || *end == 'g' ? 30
							 : -1;
		if (shift < 0 || v > (LONG_MAX >> shift) || v < 0)
			return -1;
		v <<= shift;
		end++;
	}
	if (*end != '\0')
		return -1;
	*out = v;
	return 0;
}

static int opt_set_id(struct options *o, int id, const char *value, struct pp_error *err)
{
	const struct opt_def *d = &opt_table[id];
	long v = 0;
	char *copy;

	if (d->type == OPT_T_INT || d->type == OPT_T_OCTAL) {
		if (opt_parse_long(value, d->type, &v) < 0)
			return pp_error_set(err, PP_ERR_INVALID_INPUT, d->name,
					    "%s: '%s' is not a%s number", d->name, value,
					    d->type == OPT_T_OCTAL ? "n octal" : "");
		if (v < d->min || v > d->max)
			return pp_error_set(err, PP_ERR_INVALID_INPUT, d->name,
					    "%s: %ld is outside %ld..%ld", d->name, v, d->min,
					    d->max);
	} else if (d->type == OPT_T_LEVEL) {
		if (strcmp(value, "error") != 0 && strcmp(value, "warn") != 0 &&
		    strcmp(value, "info") != 0 && strcmp(value, "debug") != 0)
			return pp_error_set(err, PP_ERR_INVALID_INPUT, d->name,
					    "%s: '%s' is not error, warn, info or debug", d->name,
					    value);
	}
	copy = strdup(value);
	if (copy == NULL)
		return pp_error_set(err, PP_ERR_INTERNAL, d->name, "out of memory");
	free(o->str[id]);
	o->str[id] = copy;
	o->num[id] = v;
	return 0;
}

void options_init(struct options *o)
{
	memset(o, 0, sizeof *o);
	for (int i = 0; i < OPT_COUNT; i++)
		opt_set_id(o, i, opt_table[i].def, NULL);
}

void options_free(struct options *o)
{
	for (int i = 0; i < OPT_COUNT; i++) {
		free(o->str[i]);
		o->str[i] = NULL;
	}
}

int options_set(struct options *o, const char *name, const char *value, struct pp_error *err)
{
	int id = opt_find(name, strlen(name));

	if (id < 0)
		return pp_error_set(err, PP_ERR_INVALID_INPUT, name, "unknown option '%s'", name);
	return opt_set_id(o, id, value, err);
}

/* Strip leading and trailing blanks in place; returns the new start. */
static char *opt_trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

int options_load_file(struct options *o, const char *path, struct pp_error *err)
{
	char line[1024];
	int lineno = 0, rc = 0;
	FILE *f = fopen(path, "r");

	if (f == NULL)
		return pp_error_set(err, PP_ERR_INVALID_INPUT, path, "cannot open %s: %s", path,
				    strerror(errno));
	while (rc == 0 && fgets(line, sizeof line, f) != NULL) {
		char *s = opt_trim(line), *eq, *key, *val;
		struct pp_error e = {0};

		lineno++;
		if (*s == '\0' || *s == '#')
			continue;
		eq = strchr(s, '=');
		if (eq == NULL) {
			rc = pp_error_set(err, PP_ERR_INVALID_INPUT, path,
					  "%s:%d: expected `name = value`", path, lineno);
			break;
		}
		*eq = '\0';
		key = opt_trim(s);
		val = opt_trim(eq + 1);
		if (strlen(val) >= 2 && val[0] == '"' && val[strlen(val) - 1] == '"') {
			val[strlen(val) - 1] = '\0';
			val++;
		}
		if (strcmp(key, "config") == 0 || options_set(o, key, val, &e) < 0)
			rc =
			    pp_error_set(err, PP_ERR_INVALID_INPUT, path, "%s:%d: %s", path, lineno,
					 e.code ? e.message : "config may not name another file");
	}
	fclose(f);
	return rc;
}

int options_parse_args(struct options *o, int argc, char **argv, char **pos, int *npos, FILE *out,
		       struct pp_error *err)
{
	bool print_config = false;

	options_init(o);
	*npos = 0;
	/* The config file first, so that the command line overrides it. */
	for (int pass = 0; pass < 2; pass++) {
		for (int i = 1; i < argc; i++) {
			const char *a = argv[i], *val, *eq;
			int id;

			if (strncmp(a, "--", 2) != 0 || a[2] == '\0') {
				if (pass == 1)
					pos[(*npos)++] = argv[i];
				continue;
			}
			if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
				if (pass == 1) {
					options_help(out);
					return 1;
				}
				continue;
			}
			if (strcmp(a, "--version") == 0) {
				if (pass == 1) {
					fprintf(out, "peerpland %s\n", PEERPLAN_VERSION);
					return 1;
				}
				continue;
			}
			if (strcmp(a, "--print-config") == 0) {
				print_config = true; /* once every option is read */
				continue;
			}
			eq = strchr(a, '=');
			id = opt_find(a + 2, eq ? (size_t)(eq - a - 2) : strlen(a + 2));
			if (id < 0 && pass == 1)
				return pp_error_set(err, PP_ERR_INVALID_INPUT, a,
						    "unknown option '%s' (see --help)", a);
			if (eq != NULL) {
				val = eq + 1;
			} else if (i + 1 < argc) {
				val = argv[++i];
			} else {
				return pp_error_set(err, PP_ERR_INVALID_INPUT, a,
						    "option '%s' needs a value", a);
			}
			if (id < 0 || (pass == 0) != (id == OPT_CONFIG))
				continue;
			if (opt_set_id(o, id, val, err) < 0)
				return -1;
			if (id == OPT_CONFIG && val[0] != '\0' &&
			    options_load_file(o, val, err) < 0)
				return -1;
		}
	}
	if (print_config) {
		options_print_config(o, out);
		return 1;
	}
	return 0;
}

void options_copy_reloadable(struct options *dst, const struct options *src)
{
	for (int i = 0; i < OPT_COUNT; i++)
		if (opt_table[i].reloadable)
			opt_set_id(dst, i, src->str[i], NULL);
}

void options_help(FILE *out)
{
	fprintf(out, "usage: peerpland [OPTION...]\n"
		     "       peerpland [OPTION...] token add NAME --role ROLE [--expires LIFE]\n"
		     "       peerpland [OPTION...] token rotate NAME [--expires LIFE]\n"
		     "       peerpland [OPTION...] token list\n"
		     "       peerpland [OPTION...] token revoke NAME\n"
		     "       peerpland [OPTION...] backup FILE\n"
		     "       peerpland [OPTION...] --print-config\n\n"
		     "Serves the peerplan HTTP/JSON API.  Options (also `name = value` in the\n"
		     "--config file; * = reloaded on SIGHUP):\n");
	for (int i = 0; i < OPT_COUNT; i++) {
		const struct opt_def *d = &opt_table[i];
		char range[64] = "";

		if (d->type == OPT_T_INT)
			snprintf(range, sizeof range, ", %ld..%ld", d->min, d->max);
		fprintf(out, "  --%-17s %s%s\n  %-19s (default \"%s\"%s)\n", d->name,
			d->reloadable ? "* " : "", d->help, "", d->def, range);
	}
}

/* Options a config file does not set: the file itself, and those of the
 * token commands rather than of the daemon. */
static bool opt_in_file(int id)
{
	return id != OPT_CONFIG && id != OPT_ROLE && id != OPT_EXPIRES;
}

void options_print_config(const struct options *o, FILE *out)
{
	fprintf(out,
		"# peerpland(8) configuration: `name = value` lines, read with --config FILE.\n"
		"# Written by `peerpland --print-config` from the daemon's table of options:\n"
		"# each option with its help and default.  A line commented out is the\n"
		"# default, in force while it stays so.  The command line overrides this\n"
		"# file; SIGHUP (systemctl reload peerpland) reads it again and applies the\n"
		"# options marked \"reloaded on SIGHUP\".\n");
	for (int i = 0; i < OPT_COUNT; i++) {
		const struct opt_def *d = &opt_table[i];
		const char *v = o->str[i][0] != '\0' ? o->str[i] : "\"\"";
		char range[64] = "";

		if (!opt_in_file(i))
			continue;
		if (d->type == OPT_T_INT)
			snprintf(range, sizeof range, ", range %ld..%ld", d->min, d->max);
		fprintf(out, "\n# %s: %s\n# Default %s%s; %s.\n%s%s = %s\n", d->name, d->help,
			d->def[0] != '\0' ? d->def : "\"\"", range,
			d->reloadable ? "reloaded on SIGHUP" : "read at start",
			strcmp(o->str[i], d->def) == 0 ? "#" : "", d->name, v);
	}
}
