/*
 * store_idem.c - the answers kept for Idempotency-Key (table idempotency,
 * schema 6).
 *
 * A POST that carries a key and succeeds stores, by (actor, key), a hash
 * of its route and body and its answer: status, JSON body, Location.  The
 * row is written by store_plan_put and store_assignment_add inside the
 * transaction of the plan or assignment it acknowledges, so a crash keeps
 * both or neither.  A record is live for STORE_IDEM_SECONDS: an older one
 * is never read back (store_idem_get), is replaced when its key comes
 * again (store_idem_put), and goes with the next purge (store_idem_purge,
 * hourly from retention.c).  Times are store_now() text, which sorts as
 * time.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "store_int.h"

/* The store_now() time STORE_IDEM_SECONDS ago: a record made at or before
 * it has expired. */
static void store_idem_cutoff(char out[32])
{
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec -= STORE_IDEM_SECONDS;
	gmtime_r(&ts.tv_sec, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + 19, 13, ".%03dZ", (int)(ts.tv_nsec / 1000000) % 1000);
}

int store_idem_put(struct store *st, const struct store_idem *k, const char *now,
		   struct pp_error *err)
{
	char cutoff[32], status[16];
	const char *pk[] = {k->who, k->key, cutoff, NULL};
	const char *v[] = {
	    k->who, k->key, k->route, now, status, k->body, k->location ? k->location : "", NULL};
	sqlite3_stmt *s;
	int rc;

	if (k->body == NULL)
		return pp_error_set(err, PP_ERR_INTERNAL, "", "out of memory");
	store_idem_cutoff(cutoff);
	snprintf(status, sizeof status, "%d", k->status);
	if (store_exec(st, "DELETE FROM idempotency WHERE who = ?1 AND key = ?2 AND created <= ?3",
		       pk, err) < 0)
		return -1;
	s = store_prepare(
	    st,
	    "INSERT INTO idempotency(who, key, route, created, status, body, location,"
	    " hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, NULLIF(?7, ''), ?8)",
	    v, err);
	if (s == NULL)
		return -1;
	sqlite3_bind_blob(s, 8, k->hash, STORE_HASH_LEN, SQLITE_TRANSIENT);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc == SQLITE_CONSTRAINT)
		return pp_error_set(err, PP_ERR_CONFLICT, "Idempotency-Key",
				    "Idempotency-Key: this key is in use");
	return rc == SQLITE_DONE ? 0 : store_fail(st, err, "write idempotency key");
}

int store_idem_get(struct store *st, const char *who, const char *key, store_idem_fn fn, void *arg,
		   struct pp_error *err)
{
	char cutoff[32];
	const char *p[] = {who, key, cutoff, NULL};
	sqlite3_stmt *s;
	int rc;

	store_idem_cutoff(cutoff);
	s = store_prepare(st,
			  "SELECT route, hash, status, body, location, created FROM idempotency"
			  " WHERE who = ?1 AND key = ?2 AND created > ?3",
			  p, err);
	if (s == NULL)
		return -1;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		struct store_idem k = {
		    .who = who,
		    .key = key,
		    .route = store_text(s, 0),
		    .status = sqlite3_column_int(s, 2),
		    .body = store_text(s, 3),
		    .location = store_text(s, 4),
		    .created = store_text(s, 5),
		};
		/* A hash of another length matches no request. */
		if (sqlite3_column_bytes(s, 1) == STORE_HASH_LEN)
			memcpy(k.hash, sqlite3_column_blob(s, 1), STORE_HASH_LEN);
		fn(&k, arg);
	}
	sqlite3_finalize(s);
	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? 0 : store_fail(st, err, "read idempotency key");
}

int store_idem_purge(struct store *st, struct pp_error *err)
{
	char cutoff[32];
	const char *p[] = {cutoff, NULL};

	store_idem_cutoff(cutoff);
	return store_exec(st, "DELETE FROM idempotency WHERE created <= ?1", p, err);
}
