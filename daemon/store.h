/*
 * store.h - peerpland's durable state in SQLite: plans, tokens, audit log,
 * the specialist registry and assignments, adopted plans and attendance;
 * deleting, purging and the audit log read back (store_protect.c); the
 * answers kept for Idempotency-Key (store_idem.c).
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

/* A plan row.  Absent columns are NULL.  revises: the stored plan its
 * previous named ({"plan": id}), else NULL; sequence: its calendar's
 * SEQUENCE; adopted: the plan its month runs (at most one per month). */
struct store_plan {
	char *id, *month, *status, *submitted, *started, *finished;
	char *request, *progress, *result, *error, *who, *revises;
	int sequence;
	bool adopted;
};

/* An Idempotency-Key's record (store_idem.c): the first 2xx answer to a
 * POST that carried the key, kept by actor and key for
 * STORE_IDEM_SECONDS, with a hash of the route and body it answered. */
#define STORE_IDEM_SECONDS 86400

struct store_idem {
	const char *who, *key, *route;
	unsigned char hash[STORE_HASH_LEN];
	int status;
	const char *body;     /* the reply (JSON text) */
	const char *location; /* its Location, NULL for none */
	const char *created;  /* read back: when it was stored */
};

typedef void (*store_idem_fn)(const struct store_idem *k, void *arg);

/* What a new plan row is made of; revises may be NULL; idem (may be NULL)
 * is committed with the row. */
struct store_plan_new {
	const char *id, *month, *request, *who, *revises;
	int sequence;
	const struct store_idem *idem;
};

/* A token row; expires is a store_now() time, NULL for never. */
struct store_token {
	const char *name, *role, *created, *expires;
	const unsigned char *hash; /* STORE_HASH_LEN bytes */
};

typedef int (*store_plan_fn)(const struct store_plan *p, void *arg);
typedef int (*store_token_fn)(const struct store_token *t, void *arg);

/* Open (creating and migrating) the database at path: WAL, synchronous=FULL. */
struct store *store_open(const char *path, struct pp_error *err);
void store_close(struct store *st);

/* Copy the database at path `database` (which may be in use by a running
 * daemon) to `file` as one consistent snapshot, through SQLite's online
 * backup API (store_backup.c).  file is replaced whole or not at all and is
 * created 0600.  0, or -1 with err set (nothing written). */
int store_backup(const char *database, const char *file, struct pp_error *err);

/* The schema version after migrations (PRAGMA user_version). */
int store_schema_version(struct store *st);

/* The current UTC time as "YYYY-MM-DDTHH:MM:SS.mmmZ". */
void store_now(char buf[32]);

/* Insert a queued plan; submitted receives its timestamp. */
int store_plan_put(struct store *st, const struct store_plan_new *p, char submitted[32],
		   struct pp_error *err);

/* Move a plan to status; "running" stamps started, "done", "failed" and
 * "cancelled" stamp finished.  progress, result and error may be NULL (kept).
 * NOT_FOUND when no such plan. */
int store_plan_set_status(struct store *st, const char *id, const char *status,
			  const char *progress, const char *result, const char *error,
			  struct pp_error *err);

/* What store_plan_get reads besides the small columns: a GET needs the
 * result, only the calendar the request (156 kB for a large month). */
#define STORE_PLAN_RESULT  1u
#define STORE_PLAN_REQUEST 2u

/* Read one plan with the bodies of the STORE_PLAN_* mask `bodies` (the others
 * stay NULL).  NOT_FOUND. */
int store_plan_get(struct store *st, const char *id, unsigned bodies, struct store_plan *out,
		   struct pp_error *err);
void store_plan_free(struct store_plan *p);

/* Read the adopted plan of month ("YYYY-MM") as store_plan_get reads a
 * plan.  NOT_FOUND when the month has none. */
int store_plan_adopted(struct store *st, const char *month, unsigned bodies, struct store_plan *out,
		       struct pp_error *err);

/* Make plan id the adopted plan of its month and no other plan of it, with
 * the audit row "adopt plan" by who, all in one transaction.  replaced
 * receives the plan of the month adopted before ("" for none; id itself
 * when it was already, and then nothing is written).  The caller checks that the plan holds a plan
 * (a done plan never changes).  NOT_FOUND. */
int store_plan_adopt(struct store *st, const char *id, const char *who, char replaced[40],
		     struct pp_error *err);

/* Call fn for each plan of month (all when NULL), newest first, without
 * bodies; a non-zero return from fn is a failure (INTERNAL). */
int store_plan_list(struct store *st, const char *month, store_plan_fn fn, void *arg,
		    struct pp_error *err);

/* Call fn for each queued or running plan, oldest first, with its request. */
int store_plan_pending(struct store *st, store_plan_fn fn, void *arg, struct pp_error *err);

/* Token rows: add (expires NULL: never; CONFLICT if the name exists),
 * revoke (NOT_FOUND), walk. */
int store_token_add(struct store *st, const char *name, const char *role, const char *expires,
		    const unsigned char hash[STORE_HASH_LEN], struct pp_error *err);

/* Give token `name` a new hash, keeping its role, and its expiry unless
 * expires is not NULL; kept receives the expiry it now has ("" for
 * never).  NOT_FOUND. */
int store_token_rotate(struct store *st, const char *name, const char *expires,
		       const unsigned char hash[STORE_HASH_LEN], char kept[32],
		       struct pp_error *err);
int store_token_revoke(struct store *st, const char *name, struct pp_error *err);
int store_token_each(struct store *st, store_token_fn fn, void *arg, struct pp_error *err);

/* Append an audit row: who did what to which object, now. */
int store_audit(struct store *st, const char *who, const char *action, const char *object,
		struct pp_error *err);

/* One audit row whose time the caller took (store_now) when the action
 * happened. */
struct store_audit_row {
	const char *at, *who, *action, *object;
};

/* Append n audit rows in one transaction (one commit, one sync for all);
 * all or none are stored. */
int store_audit_many(struct store *st, const struct store_audit_row *rows, int n,
		     struct pp_error *err);

/* Number of audit rows (for tests and metrics). */
long store_audit_count(struct store *st);

/* The specialist registry and assignments (matching).  Row fields point into
 * SQLite's buffers and live only during the callback; absent columns are
 * NULL. */
struct store_specialist {
	const char *id, *doc, *created, *updated;
	int capacity, caseload; /* caseload = stored assignments */
};

struct store_assignment {
	const char *parent, *specialist, *profile, *policy, *created, *who;
};

typedef int (*store_specialist_fn)(const struct store_specialist *s, void *arg);
typedef int (*store_assignment_fn)(const struct store_assignment *a, void *arg);

/* Insert or replace specialist id with its validated document; *created
 * tells which. */
int store_specialist_put(struct store *st, const char *id, int capacity, const char *doc,
			 const char *who, bool *created, struct pp_error *err);

/* Call fn with specialist id (NOT_FOUND), or with every one by id. */
int store_specialist_get(struct store *st, const char *id, store_specialist_fn fn, void *arg,
			 struct pp_error *err);
int store_specialist_each(struct store *st, store_specialist_fn fn, void *arg,
			  struct pp_error *err);

/* Delete specialist id (NOT_FOUND).  With assigned parents: CONFLICT, unless
 * end_assignments, which ends them in the same transaction after calling
 * ended (may be NULL; non-zero = out of memory, nothing changes) with each,
 * and commits with them the audit row "reassign" by who, object
 * "ID: PARENT,PARENT..." (the reply shows those parents). */
int store_specialist_delete(struct store *st, const char *id, bool end_assignments, const char *who,
			    store_assignment_fn ended, void *arg, struct pp_error *err);

/* A new assignment; profile and policy may be NULL, and so may idem,
 * which is committed with the row after fn has seen it (so fn may set
 * idem->body to the reply it makes of the row). */
struct store_assignment_new {
	const char *parent, *specialist, *profile, *policy, *who;
	struct store_idem *idem;
};

/* Record a->parent -> a->specialist: NOT_FOUND without the specialist,
 * CONFLICT when the parent has one or the specialist's assignments already
 * reach its capacity.  fn (may be NULL) sees the stored row.  The CONFLICT
 * of a parent who has a specialist tells the caller so: it commits the
 * audit row "assign refused" by who, object the parent (INTERNAL instead,
 * when that row cannot be written). */
int store_assignment_add(struct store *st, const struct store_assignment_new *a,
			 store_assignment_fn fn, void *arg, struct pp_error *err);

/* Call fn with each assignment of specialist (all when NULL), by parent;
 * a non-zero return from fn is out of memory. */
int store_assignment_each(struct store *st, const char *specialist, store_assignment_fn fn,
			  void *arg, struct pp_error *err);

/* End parent's assignment after calling fn (may be NULL) with it, and
 * commit with it the audit row "end assignment" by who, object the parent
 * (the reply shows the pair); NOT_FOUND. */
int store_assignment_delete(struct store *st, const char *parent, const char *who,
			    store_assignment_fn fn, void *arg, struct pp_error *err);

/* One meeting's attendance record: present and absent are JSON arrays of
 * parent ids as recorded; plan is the adopted plan they were checked
 * against.  Read back, the fields point into SQLite's buffers and live only
 * during the callback. */
struct store_attendance {
	const char *month, *series, *date, *plan, *present, *absent, *recorded, *who;
};

typedef int (*store_attendance_fn)(const struct store_attendance *a, void *arg);

/* Record a's meeting (recorded is stamped now), replacing its earlier
 * record, in one transaction that first checks a->plan is still the adopted
 * plan of a->month (CONFLICT otherwise); *replaced says whether there was a
 * record. */
int store_attendance_put(struct store *st, const struct store_attendance *a, bool *replaced,
			 struct pp_error *err);

/* Call fn for each record of month, by date then series; a non-zero return
 * from fn is a failure (INTERNAL). */
int store_attendance_each(struct store *st, const char *month, store_attendance_fn fn, void *arg,
			  struct pp_error *err);

/* --- data protection (store_protect.c) ----------------------------------- */

/* What deleting a plan removed besides its row. */
struct store_plan_removed {
	bool adopted;   /* it was its month's adopted plan */
	int attendance; /* attendance records made against it */
	int revisions;  /* plans revising it, which now hold its output */
};

/* Delete finished plan id (done, failed or cancelled; CONFLICT when queued
 * or running, NOT_FOUND when unknown) with its attendance records and its
 * adoption, and commit with it the audit row "delete plan" by who, object
 * id.  A plan that revises it keeps the plan it revised: its stored
 * request's previous {"plan": id} becomes id's stored output, which is
 * what that request was solved with.  Audit rows stay. */
int store_plan_delete(struct store *st, const char *id, const char *who,
		      struct store_plan_removed *out, struct pp_error *err);

/* A purge: finished plans with their attendance, and attendance records,
 * before plans_before; audit rows before audit_before (store_now() times;
 * NULL: none of that kind); at most `batch` rows of each kind. */
struct store_purge {
	const char *plans_before, *audit_before;
	int batch;
};

struct store_purged {
	int plans, attendance, audit;
};

typedef void (*store_id_fn)(const char *id, void *arg);

/* One batch of purge p in one transaction, with the audit row "purge" by
 * "peerpland" when it removed anything; plans are removed as
 * store_plan_delete removes one, and deleted (may be NULL) is called with
 * each plan's id.  *n counts what went: a kind that reached p->batch may
 * have more.  0, or -1 with err set (nothing removed). */
int store_purge_batch(struct store *st, const struct store_purge *p, store_id_fn deleted, void *arg,
		      struct store_purged *n, struct pp_error *err);

/* Reading the audit log: rows after seq `after`, at or after `since` (a
 * store_now() time), by actor `who`, naming parent `parent` (the object is
 * the parent, or ends in a ": " list of ids that holds it); NULL or ""
 * filters nothing.  At most limit rows, by seq. */
struct store_audit_filter {
	const char *since, *who, *parent;
	long long after;
	int limit;
};

struct store_audit_entry {
	long long seq;
	const char *at, *who, *action, *object;
};

typedef int (*store_audit_fn)(const struct store_audit_entry *e, void *arg);

/* Call fn with each row of f (fields valid during the call only); a
 * non-zero return from fn is out of memory (INTERNAL). */
int store_audit_list(struct store *st, const struct store_audit_filter *f, store_audit_fn fn,
		     void *arg, struct pp_error *err);

/* --- Idempotency-Key (store_idem.c) --------------------------------------- */

/* Call fn with the record of who's key stored less than STORE_IDEM_SECONDS
 * ago (its fields valid during the call only): 1, or 0 when there is none
 * (an older record is as good as purged); -1 with err set. */
int store_idem_get(struct store *st, const char *who, const char *key, store_idem_fn fn, void *arg,
		   struct pp_error *err);

/* Delete the records stored STORE_IDEM_SECONDS ago or more: how many, or
 * -1 with err set. */
int store_idem_purge(struct store *st, struct pp_error *err);

#endif
