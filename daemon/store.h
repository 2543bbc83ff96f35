/*
 * store.h - peerpland's durable state in SQLite: plans, tokens, audit log.
 *
 * Every function runs on the caller's thread (the event loop) and returns only
 * after its transaction is committed, so a reply sent afterwards is durable.
 * Rows come back as malloc'd strings in plain structs.
 */
#ifndef PP_STORE_H
#define PP_STORE_H

#include <stdbool.h>

#include "error.h"

#define STORE_HASH_LEN 32

struct store;

/* A plan row.  Absent columns are NULL. */
struct store_plan {
	char *id, *month, *status, *submitted, *started, *finished;
	char *request, *progress, *result, *error, *who;
};

struct store_token {
	const char *name, *role, *created;
	const unsigned char *hash; /* STORE_HASH_LEN bytes */
};

typedef int (*store_plan_fn)(const struct store_plan *p, void *arg);
typedef int (*store_token_fn)(const struct store_token *t, void *arg);

/* Open (creating and migrating) the database at path: WAL, synchronous=FULL. */
struct store *store_open(const char *path, struct pp_error *err);
void store_close(struct store *st);

/* The schema version after migrations (PRAGMA user_version). */
int store_schema_version(struct store *st);

/* The current UTC time as "YYYY-MM-DDTHH:MM:SS.mmmZ". */
void store_now(char buf[32]);

/* Insert a queued plan; submitted receives its timestamp. */
int store_plan_put(struct store *st, const char *id, const char *month, const char *request,
		   const char *who, char submitted[32], struct pp_error *err);

/* Move a plan to status; "running" stamps started, "done", "failed" and
 * "cancelled" stamp finished.  progress, result and error may be NULL (kept).
 * NOT_FOUND when no such plan. */
int store_plan_set_status(struct store *st, const char *id, const char *status,
			  const char *progress, const char *result, const char *error,
			  struct pp_error *err);

/* Read one plan; with_bodies fetches request and result too.  NOT_FOUND. */
int store_plan_get(struct store *st, const char *id, bool with_bodies, struct store_plan *out,
		   struct pp_error *err);
void store_plan_free(struct store_plan *p);

/* Call fn for each plan of month (all when NULL), newest first, without
 * bodies; a non-zero return from fn stops the walk. */
int store_plan_list(struct store *st, const char *month, store_plan_fn fn, void *arg,
		    struct pp_error *err);

/* Call fn for each queued or running plan, oldest first, with its request. */
int store_plan_pending(struct store *st, store_plan_fn fn, void *arg, struct pp_error *err);

/* Token rows: add (CONFLICT if the name exists), revoke (NOT_FOUND), walk. */
int store_token_add(struct store *st, const char *name, const char *role,
		    const unsigned char hash[STORE_HASH_LEN], struct pp_error *err);
int store_token_revoke(struct store *st, const char *name, struct pp_error *err);
int store_token_each(struct store *st, store_token_fn fn, void *arg, struct pp_error *err);

/* Append an audit row: who did what to which object, now. */
int store_audit(struct store *st, const char *who, const char *action, const char *object,
		struct pp_error *err);

/* Number of audit rows (for tests and metrics). */
long store_audit_count(struct store *st);

#endif
