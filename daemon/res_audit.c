/*
 * res_audit.c - GET /v1/audit: the audit log read back, for admin only (an
 * addition to API.md; docs/daemon.md).
 *
 * Filters, each optional: since (an ISO 8601 time: a date, which is its
 * midnight UTC, or a date and time with Z or an offset), actor (the token
 * name that acted, or "peerpland" for the daemon's purges), parent (rows
 * whose object is the parent or lists it after ": ", as "reassign" and
 * "match solve" rows do).  Pages: limit rows (1..1000, default 100) after
 * the row seq `after`; the reply {"audit": [{"seq", "at", "who", "action",
 * "object"}], "next"} gives in `next` the `after` of the next page, or null
 * on the last.  Rows come by seq, which is the order they were written.
 *
 * The audit log names parents, so reading it is itself audited: the row
 * "read audit" (object: the filters) is committed after the rows are read
 * and before the reply leaves, so it is never in its own page.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "json_read.h"
#include "routes.h"
#include "store.h"

#define AUDIT_LIMIT_MAX 1000
#define AUDIT_LIMIT_DEF 100

/* Read exactly n digits at s into *v; false if any is not a digit. */
static bool audit_digits(const char *s, int n, int *v)
{
	*v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		*v = *v * 10 + (s[i] - '0');
	}
	return true;
}

/* Parse the ISO 8601 time s -- YYYY-MM-DD, or YYYY-MM-DDTHH:MM[:SS[.f...]]
 * then Z or +HH:MM / -HH:MM (a query's '+' arrives as a space, taken as
 * '+') -- into out as the store writes times (UTC, milliseconds).  0, or
 * -1 with invalid_input at "since". */
static int audit_since(const char *s, char out[32], struct pp_error *err)
{
	struct tm tm = {0}, back;
	int y, mo, d, h = 0, mi = 0, sec = 0, ms = 0, off = 0, oh, om;
	const char *p = s + 10;
	time_t t;

	if (strlen(s) < 10 || !audit_digits(s, 4, &y) || s[4] != '-' ||
	    !audit_digits(s + 5, 2, &mo) || s[7] != '-' || !audit_digits(s + 8, 2, &d))
		goto bad;
	if (*p == 'T') {
		if (!audit_digits(p + 1, 2, &h) || p[3] != ':' || !audit_digits(p + 4, 2, &mi))
			goto bad;
		p += 6;
		if (*p == ':') {
			if (!audit_digits(p + 1, 2, &sec))
				goto bad;
			p += 3;
			if (*p == '.') {
				int digits = 0;

				for (p++; *p >= '0' && *p <= '9'; p++, digits++)
					if (digits < 3)
						ms = ms * 10 + (*p - '0');
				if (digits == 0)
					goto bad;
				for (; digits < 3; digits++)
					ms *= 10;
			}
		}
		if (*p == 'Z') {
			p++;
		} else if ((*p == '+' || *p == '-' || *p == ' ') && audit_digits(p + 1, 2, &oh) &&
			   p[3] == ':' && audit_digits(p + 4, 2, &om) && oh <= 23 && om <= 59) {
			off = (*p == '-' ? -1 : 1) * (oh * 3600 + om * 60);
			p += 6;
		} else {
			goto bad;
		}
	}
	if (*p != '\0' || y < 1 || mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || sec > 59)
		goto bad;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	t = timegm(&tm);
	if (gmtime_r(&t, &back) == NULL || back.tm_mday != d || back.tm_mon != mo - 1)
		goto bad; /* 2026-02-30 */
	t -= off;
	if (gmtime_r(&t, &back) == NULL || back.tm_year + 1900 > 9999)
		goto bad;
	strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &back);
	snprintf(out + 19, 13, ".%03dZ", ms);
	return 0;
bad:
	return pp_error_set(err, PP_ERR_INVALID_INPUT, "since",
			    "since: '%s' is not an ISO 8601 date (YYYY-MM-DD) or time "
			    "(YYYY-MM-DDTHH:MM:SS with Z or +HH:MM)",
			    s);
}

/* An integer query parameter in lo..hi, or dflt when absent; -1 with
 * invalid_input at name. */
static long long audit_number(struct http_call *c, const char *name, long long lo, long long hi,
			      long long dflt, struct pp_error *err)
{
	const char *s = http_query(c, name);
	char *end;
	long long v;

	if (s == NULL)
		return dflt;
	v = strtoll(s, &end, 10);
	if (end == s || *end != '\0' || s[0] == '-' || s[0] == '+' || v < lo || v > hi)
		return pp_error_set(err, PP_ERR_INVALID_INPUT, name,
				    "%s: must be a whole number from %lld to %lld", name, lo, hi);
	return v;
}

/* A text filter of at most max bytes (NULL when absent); sets err. */
static const char *audit_text(struct http_call *c, const char *name, size_t max,
			      struct pp_error *err)
{
	const char *s = http_query(c, name);

	if (s != NULL && (s[0] == '\0' || strlen(s) > max))
		pp_error_set(err, PP_ERR_INVALID_INPUT, name, "%s: must be 1 to %zu bytes", name,
			     max);
	return s;
}

static int audit_row_add(const struct store_audit_entry *e, void *arg)
{
	return json_array_append_new(arg, json_pack("{s:I, s:s, s:o, s:s, s:o}", "seq",
						    (json_int_t)e->seq, "at", e->at, "who",
						    jr_text(e->who), "action", e->action, "object",
						    jr_text(e->object))) < 0;
}

/* The audit row's object: the filters given, "all" for none. */
static void audit_object(char *out, size_t len, const struct store_audit_filter *f)
{
	size_t n = 0;

	out[0] = '\0';
	if (f->since != NULL)
		n += (size_t)snprintf(out + n, len - n, "since=%s ", f->since);
	if (f->who != NULL && n < len)
		n += (size_t)snprintf(out + n, len - n, "actor=%s ", f->who);
	if (f->parent != NULL && n < len)
		n += (size_t)snprintf(out + n, len - n, "parent=%s ", f->parent);
	if (f->after > 0 && n < len)
		n += (size_t)snprintf(out + n, len - n, "after=%lld ", f->after);
	if (n == 0)
		snprintf(out, len, "all");
	else if (n < len)
		out[n - 1] = '\0';
}

void res_audit_get(struct http_call *c)
{
	struct pp_error err = {0};
	struct store_audit_filter f = {0};
	json_t *rows = json_array(), *next;
	char since[32], object[512];
	const char *s = http_query(c, "since");
	long long limit = audit_number(c, "limit", 1, AUDIT_LIMIT_MAX, AUDIT_LIMIT_DEF, &err);
	size_t n;

	f.after = err.code ? 0 : audit_number(c, "after", 0, (1LL << 62), 0, &err);
	if (err.code == PP_OK && s != NULL && audit_since(s, since, &err) == 0)
		f.since = since;
	if (err.code == PP_OK)
		f.who = audit_text(c, "actor", AUTH_NAME_MAX, &err);
	if (err.code == PP_OK)
		f.parent = audit_text(c, "parent", 128, &err);
	f.limit = (int)limit + 1; /* one more: is there a next page? */
	if (rows == NULL)
		pp_error_set(&err, PP_ERR_INTERNAL, "", "out of memory");
	if (err.code != PP_OK ||
	    store_audit_list(c->srv->store, &f, audit_row_add, rows, &err) < 0) {
		json_decref(rows);
		http_reply_error(c, &err, NULL);
		return;
	}
	n = json_array_size(rows);
	next = json_null();
	if (n > (size_t)limit) {
		json_array_remove(rows, n - 1);
		next = json_integer(
		    json_integer_value(json_object_get(json_array_get(rows, n - 2), "seq")));
	}
	audit_object(object, sizeof object, &f);
	if (store_audit(c->srv->store, c->who.name, "read audit", object, &err) < 0) {
		json_decref(rows);
		json_decref(next);
		http_reply_error(c, &err, NULL);
		return;
	}
	http_reply_json(c, 200, json_pack("{s:o, s:o}", "audit", rows, "next", next), NULL);
}
