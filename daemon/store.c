/*
 * store.c - SQLite persistence for peerpland.
 *
 * One connection, used only by the event-loop thread.  The journal is WAL with
 * synchronous=FULL, so a committed row survives a crash or power loss; every
 * write is its own implicit transaction, committed before the function
 * returns.  The schema is versioned with PRAGMA user_version: migrations[i]
 * takes the database from version i to i + 1, and opening runs the missing
 * ones inside one transaction.  A busy timeout lets `peerpland token ...`
 * write while the daemon runs.  The statements every authenticated read runs
 * (the token scan, a plan by id, audit rows) are prepared once per
 * connection and kept (store_cached); the others are prepared per call.
 * store_int.h shares the connection and these helpers with
 * store_protect.c (deleting a plan, purges, reading the audit log).
 * The database file is created 0600 whatever the umask (it holds every
 * request, profile and token hash), and SQLite gives its -wal and -shm
 * files the database file's mode.
 */
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store_int.h"

static const char *const store_migrations[] = {
    /* 0 -> 1: plans, tokens, audit. */
    "CREATE TABLE plans ("
    "  seq INTEGER PRIMARY KEY,"
    "  id TEXT NOT NULL UNIQUE,"
    "  month TEXT NOT NULL,"
    "  status TEXT NOT NULL,"
    "  submitted TEXT NOT NULL,"
    "  started TEXT, finished TEXT,"
    "  who TEXT NOT NULL,"
    "  request TEXT NOT NULL,"
    "  progress TEXT, result TEXT, error TEXT);"
    "CREATE INDEX plans_month ON plans(month, seq);"
    "CREATE INDEX plans_status ON plans(status, seq);"
    "CREATE TABLE tokens ("
    "  name TEXT PRIMARY KEY,"
    "  role TEXT NOT NULL,"
    "  hash BLOB NOT NULL,"
    "  created TEXT NOT NULL);"
    "CREATE TABLE audit ("
    "  seq INTEGER PRIMARY KEY,"
    "  at TEXT NOT NULL,"
    "  who TEXT NOT NULL,"
    "  action TEXT NOT NULL,"
    "  object TEXT NOT NULL);",
    /* 1 -> 2: the specialist registry and assignments (matching).  An
     * assignment keeps the parent's document (profile) and policy, when
     * given, for suggestions after its specialist leaves. */
    "CREATE TABLE specialists ("
    "  id TEXT PRIMARY KEY,"
    "  capacity INTEGER NOT NULL,"
    "  doc TEXT NOT NULL,"
    "  created TEXT NOT NULL,"
    "  updated TEXT NOT NULL,"
    "  who TEXT NOT NULL);"
    "CREATE TABLE assignments ("
    "  parent TEXT PRIMARY KEY,"
    "  specialist TEXT NOT NULL REFERENCES specialists(id),"
    "  profile TEXT, policy TEXT,"
    "  created TEXT NOT NULL,"
    "  who TEXT NOT NULL);"
    "CREATE INDEX assignments_specialist ON assignments(specialist, parent);",
    /* 2 -> 3: a plan whose previous named a stored plan (API.md, previous
     * {"plan": id}) keeps that plan's id, and its calendar's SEQUENCE (the
     * revised plan's + 1 within one month).  Older rows revise nothing and
     * are sequence 0, which is what they were. */
    "ALTER TABLE plans ADD COLUMN revises TEXT;"
    "ALTER TABLE plans ADD COLUMN sequence INTEGER NOT NULL DEFAULT 0;",
    /* 3 -> 4: running the program (API.md).  A month's adopted plan is
     * flagged, at most one per month (the partial unique index refuses a
     * second); older plans are not adopted.  Attendance is one row per
     * meeting (month, series, date), replaced by a later PUT; present and
     * absent are JSON arrays of parent ids as recorded, `plan` the adopted
     * plan they were checked against. */
    "ALTER TABLE plans ADD COLUMN adopted INTEGER NOT NULL DEFAULT 0;"
    "CREATE UNIQUE INDEX plans_adopted ON plans(month) WHERE adopted = 1;"
    "CREATE TABLE attendance ("
    "  month TEXT NOT NULL,"
    "  series TEXT NOT NULL,"
    "  date TEXT NOT NULL,"
    "  plan TEXT NOT NULL,"
    "  present TEXT NOT NULL,"
    "  absent TEXT NOT NULL,"
    "  recorded TEXT NOT NULL,"
    "  who TEXT NOT NULL,"
    "  PRIMARY KEY (month, series, date));",
    /* 4 -> 5: data protection (store_protect.c).  A token may expire
     * (NULL: never; older tokens never do).  Indexes for what deletes and
     * purges look up: the plans a plan's revisions name, a plan's
     * attendance, finished plans and audit rows by age, audit rows by
     * actor. */
    "ALTER TABLE tokens ADD COLUMN expires TEXT;"
    "CREATE INDEX plans_revises ON plans(revises) WHERE revises IS NOT NULL;"
    "CREATE INDEX plans_finished ON plans(finished) WHERE finished IS NOT NULL;"
    "CREATE INDEX attendance_plan ON attendance(plan);"
    "CREATE INDEX audit_at ON audit(at);"
    "CREATE INDEX audit_who ON audit(who, seq);",
    /* 5 -> 6: Idempotency-Key (store_idem.c).  The first 2xx answer to a
     * POST that carried a key, by actor and key, with a hash of the route
     * and body it answered; written in the transaction of what it
     * acknowledges, live for a day, purged by age. */
    "CREATE TABLE idempotency ("
    "  who TEXT NOT NULL,"
    "  key TEXT NOT NULL,"
    "  route TEXT NOT NULL,"
    "  hash BLOB NOT NULL,"
    "  created TEXT NOT NULL,"
    "  status INTEGER NOT NULL,"
    "  body TEXT NOT NULL,"
    "  location TEXT,"
    "  PRIMARY KEY (who, key));"
    "CREATE INDEX idempotency_created ON idempotency(created);",
};

#define STORE_NMIGRATIONS ((int)(sizeof store_migrations / sizeof store_migrations[0]))

int store_fail(struct store *st, struct pp_error *err, const char *what)
{
	return pp_error_set(err, PP_ERR_INTERNAL, "", "database: %s: %s", what,
			    sqlite3_errmsg(st->db));
}

void store_now(char buf[32])
{
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(buf, 32, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + 19, 13, ".%03dZ", (int)(ts.tv_nsec / 1000000) % 1000);
}

int store_schema_version(struct store *st)
{
	sqlite3_stmt *s;
	int v = -1;

	if (sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &s, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return v;
}

/* Run the migrations the database lacks, in one transaction. */
static int store_migrate(struct store *st, struct pp_error *err)
{
	char pragma[64];
	int v;

	if (sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return store_fail(st, err, "begin");
	v = store_schema_version(st);
	if (v < 0 || v > STORE_NMIGRATIONS) {
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
		return pp_error_set(err, PP_ERR_INTERNAL, "",
				    "database schema version %d is newer than this peerpland (%d)",
				    v, STORE_NMIGRATIONS);
	}
	for (; v < STORE_NMIGRATIONS; v++) {
		if (sqlite3_exec(st->db, store_migrations[v], NULL, NULL, NULL) != SQLITE_OK) {
			store_fail(st, err, "migration");
			sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
			return -1;
		}
	}
	snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d", STORE_NMIGRATIONS);
	if (sqlite3_exec(st->db, pragma, NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		store_fail(st, err, "commit migration");
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	return 0;
}

/* Create the database file at path, mode 0600 whatever the umask, unless
 * it exists.  SQLite would create it 0644 less the umask; its -wal and
 * -shm files take the database file's mode, so they are 0600 too.  -1
 * with err set. */
static int store_create_private(const char *path, struct pp_error *err)
{
	int fd;

	if (path[0] == '\0' || strcmp(path, ":memory:") == 0)
		return 0; /* SQLite's temporary and in-memory databases */
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return errno == EEXIST
			   ? 0
			   : pp_error_set(err, PP_ERR_INTERNAL, "", "cannot create database %s: %s",
					  path, strerror(errno));
	if (fchmod(fd, 0600) < 0) { /* a umask such as 0277 took more */
		pp_error_set(err, PP_ERR_INTERNAL, "", "cannot create database %s: %s", path,
			     strerror(errno));
		close(fd);
		unlink(path);
		return -1;
	}
	close(fd);
	return 0;
}

struct store *store_open(const char *path, struct pp_error *err)
{
	struct store *st = calloc(1, sizeof *st);

	if (st == NULL) {
		pp_error_set(err, PP_ERR_INTERNAL, "", "out of memory");
		return NULL;
	}
	if (store_create_private(path, err) < 0) {
		free(st);
		return NULL;
	}
	if (sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
	    SQLITE_OK) {
		pp_error_set(err, PP_ERR_INTERNAL, "", "cannot open database %s: %s", path,
			     st->db ? sqlite3_errmsg(st->db) : "out of memory");
		store_close(st);
		return NULL;
	}
	sqlite3_busy_timeout(st->db, 5000);
	if (sqlite3_exec(st->db,
			 "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
			 " PRAGMA foreign_keys=ON;",
			 NULL, NULL, NULL) != SQLITE_OK) {
		store_fail(st, err, path);
		store_close(st);
		return NULL;
	}
	if (store_migrate(st, err) < 0) {
		store_close(st);
		return NULL;
	}
	return st;
}

void store_close(struct store *st)
{
	if (st == NULL)
		return;
	for (int i = 0; i < STORE_NSTMT; i++)
		sqlite3_finalize(st->stmt[i]);
	sqlite3_close(st->db);
	free(st);
}

sqlite3_stmt *store_prepare(struct store *st, const char *sql, const char *const *params,
			    struct pp_error *err)
{
	sqlite3_stmt *s;

	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK) {
		store_fail(st, err, "prepare");
		return NULL;
	}
	for (int i = 0; params && params[i] != NULL; i++) {
		if (sqlite3_bind_text(s, i + 1, params[i], -1, SQLITE_TRANSIENT) != SQLITE_OK) {
			store_fail(st, err, "bind");
			sqlite3_finalize(s);
			return NULL;
		}
	}
	return s;
}

/* The kept statement of slot (sql prepared on first use) with the text
 * parameters bound; give it back with store_release.  NULL with err set. */
static sqlite3_stmt *store_cached(struct store *st, int slot, const char *sql,
				  const char *const *params, struct pp_error *err)
{
	sqlite3_stmt *s = st->stmt[slot];

	if (s == NULL) {
		if (sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, NULL) !=
		    SQLITE_OK) {
			store_fail(st, err, "prepare");
			return NULL;
		}
		st->stmt[slot] = s;
	}
	for (int i = 0; params && params[i] != NULL; i++) {
		if (sqlite3_bind_text(s, i + 1, params[i], -1, SQLITE_TRANSIENT) != SQLITE_OK) {
			store_fail(st, err, "bind");
			sqlite3_reset(s);
			return NULL;
		}
	}
	return s;
}

/* Done with s: a kept statement is reset (ending its read transaction) and
 * unbound, any other finalized. */
static void store_release(struct store *st, sqlite3_stmt *s)
{
	for (int i = 0; i < STORE_NSTMT; i++) {
		if (st->stmt[i] == s) {
			sqlite3_reset(s);
			sqlite3_clear_bindings(s);
			return;
		}
	}
	sqlite3_finalize(s);
}

/* Run a write statement with text parameters; returns rows changed or -1.
 * A NULL entry in params ends the list, so optional columns use COALESCE
 * with a sentinel-free design: callers pass "" and SQL turns it into NULL. */
int store_exec(struct store *st, const char *sql, const char *const *params, struct pp_error *err)
{
	sqlite3_stmt *s = store_prepare(st, sql, params, err);
	int rc;

	if (s == NULL)
		return -1;
	rc = sqlite3_step(s);
	if (rc != SQLITE_DONE) {
		/* A duplicate key is the caller's conflict; any other failed
		 * constraint (foreign key, trigger) is the database's error. */
		int ext = sqlite3_extended_errcode(st->db);

		sqlite3_finalize(s);
		if (ext == SQLITE_CONSTRAINT_PRIMARYKEY || ext == SQLITE_CONSTRAINT_UNIQUE)
			return pp_error_set(err, PP_ERR_CONFLICT, "", "already exists");
		return store_fail(st, err, "write");
	}
	sqlite3_finalize(s);
	return sqlite3_changes(st->db);
}

int store_plan_put(struct store *st, const struct store_plan_new *p, char submitted[32],
		   struct pp_error *err)
{
	char seq[16];

	store_now(submitted);
	snprintf(seq, sizeof seq, "%d", p->sequence);
	const char *v[] = {p->id,  p->month,   submitted,
			   p->who, p->request, p->revises ? p->revises : "",
			   seq,    NULL};
	if (store_begin(st, err) < 0)
		return -1;
	if (store_exec(st,
		       "INSERT INTO plans(id, month, status, submitted, who, request, revises,"
		       " sequence) VALUES (?1, ?2, 'queued', ?3, ?4, ?5, NULLIF(?6, ''), ?7)",
		       v, err) < 0 ||
	    (p->idem != NULL && store_idem_put(st, p->idem, submitted, err) < 0))
		return store_rollback(st, -1);
	return store_commit(st, err);
}

int store_plan_set_status(struct store *st, const char *id, const char *status,
			  const char *progress, const char *result, const char *error,
			  struct pp_error *err)
{
	char now[32];
	int n;

	store_now(now);
	const char *p[] = {
	    id,  status, now, progress ? progress : "", result ? result : "", error ? error : "",
	    NULL};
	n = store_exec(st,
		       "UPDATE plans SET status = ?2,"
		       " started = CASE WHEN ?2 = 'running' THEN ?3 ELSE started END,"
		       " finished = CASE WHEN ?2 IN ('done', 'failed', 'cancelled') THEN ?3"
		       "                 ELSE finished END,"
		       " progress = COALESCE(NULLIF(?4, ''), progress),"
		       " result = COALESCE(NULLIF(?5, ''), result),"
		       " error = COALESCE(NULLIF(?6, ''), error)"
		       " WHERE id = ?1",
		       p, err);
	if (n < 0)
		return -1;
	if (n == 0)
		return pp_error_set(err, PP_ERR_NOT_FOUND, "", "no plan '%s'", id);
	return 0;
}

static char *store_col(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	return t ? strdup((const char *)t) : NULL;
}

#define STORE_PLAN_COLS                                                                            \
	"id, month, status, submitted, started, finished, who, progress, error, revises, "         \
	"sequence,"                                                                                \
	" adopted"
#define STORE_PLAN_NCOLS 12

static void store_plan_row(sqlite3_stmt *s, struct store_plan *p)
{
	memset(p, 0, sizeof *p);
	p->id = store_col(s, 0);
	p->month = store_col(s, 1);
	p->status = store_col(s, 2);
	p->submitted = store_col(s, 3);
	p->started = store_col(s, 4);
	p->finished = store_col(s, 5);
	p->who = store_col(s, 6);
	p->progress = store_col(s, 7);
	p->error = store_col(s, 8);
	p->revises = store_col(s, 9);
	p->sequence = sqlite3_column_int(s, 10);
	p->adopted = sqlite3_column_int(s, 11) != 0;
}

void store_plan_free(struct store_plan *p)
{
	if (p == NULL)
		return;
	free(p->id);
	free(p->month);
	free(p->status);
	free(p->submitted);
	free(p->started);
	free(p->finished);
	free(p->who);
	free(p->progress);
	free(p->error);
	free(p->revises);
	free(p->request);
	free(p->result);
	memset(p, 0, sizeof *p);
}

/* Step s, a query of STORE_PLAN_COLS then the bodies of mask `bodies`
 * (request before result), and read its one row into *out; give s back.
 * NOT_FOUND (with message `missing`) when there is no row. */
static int store_plan_one(struct store *st, sqlite3_stmt *s, unsigned bodies,
			  struct store_plan *out, const char *missing, struct pp_error *err)
{
	int rc = sqlite3_step(s);

	if (rc == SQLITE_ROW) {
		int col = STORE_PLAN_NCOLS;

		store_plan_row(s, out);
		if (bodies & STORE_PLAN_REQUEST)
			out->request = store_col(s, col++);
		if (bodies & STORE_PLAN_RESULT)
			out->result = store_col(s, col);
	}
	store_release(st, s);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc == SQLITE_DONE)
		return pp_error_set(err, PP_ERR_NOT_FOUND, "", "%s", missing);
	return store_fail(st, err, "read plan");
}

/* The columns after STORE_PLAN_COLS for a body mask (request, result). */
static const char *const store_plan_bodies[4] = {"", ", result", ", request", ", request, result"};

int store_plan_get(struct store *st, const char *id, unsigned bodies, struct store_plan *out,
		   struct pp_error *err)
{
	/* Indexed by the mask: SQLite reads (and copies) only the named columns. */
	static const char *const sql[4] = {
	    "SELECT " STORE_PLAN_COLS " FROM plans WHERE id = ?1",
	    "SELECT " STORE_PLAN_COLS ", result FROM plans WHERE id = ?1",
	    "SELECT " STORE_PLAN_COLS ", request FROM plans WHERE id = ?1",
	    "SELECT " STORE_PLAN_COLS ", request, result FROM plans WHERE id = ?1",
	};
	const char *p[] = {id, NULL};
	sqlite3_stmt *s =
	    store_cached(st, STORE_STMT_PLAN + (int)(bodies & 3u), sql[bodies & 3u], p, err);
	char missing[200];

	if (s == NULL)
		return -1;
	snprintf(missing, sizeof missing, "no plan '%.150s'", id);
	return store_plan_one(st, s, bodies, out, missing, err);
}

int store_plan_adopted(struct store *st, const char *month, unsigned bodies, struct store_plan *out,
		       struct pp_error *err)
{
	const char *p[] = {month, NULL};
	char sql[256], missing[200];
	sqlite3_stmt *s;

	snprintf(sql, sizeof sql,
		 "SELECT " STORE_PLAN_COLS "%s FROM plans WHERE month = ?1 AND adopted = 1",
		 store_plan_bodies[bodies & 3u]);
	s = store_prepare(st, sql, p, err);
	if (s == NULL)
		return -1;
	snprintf(missing, sizeof missing, "month %.20s has no adopted plan", month);
	return store_plan_one(st, s, bodies, out, missing, err);
}

/* Walk the rows of a prepared plan query, calling fn with each.  A non-zero
 * return from fn is a failure (out of memory in the caller), never a
 * partial answer. */
static int store_plan_walk(struct store *st, sqlite3_stmt *s, bool with_request, store_plan_fn fn,
			   void *arg, struct pp_error *err)
{
	int rc;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_plan p;
		int failed;

		store_plan_row(s, &p);
		if (with_request)
			p.request = store_col(s, STORE_PLAN_NCOLS);
		failed = fn(&p, arg);
		if (failed)
			pp_error_set(err, PP_ERR_INTERNAL, "",
				     "plan '%s' cannot be read (out of memory)", p.id ? p.id : "?");
		store_plan_free(&p);
		if (failed) {
			sqlite3_finalize(s);
			return -1;
		}
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : store_fail(st, err, "read plans");
}

int store_plan_list(struct store *st, const char *month, store_plan_fn fn, void *arg,
		    struct pp_error *err)
{
	const char *p[] = {month, NULL};
	sqlite3_stmt *s = store_prepare(
	    st,
	    month ? "SELECT " STORE_PLAN_COLS " FROM plans WHERE month = ?1 ORDER BY seq DESC"
		  : "SELECT " STORE_PLAN_COLS " FROM plans ORDER BY seq DESC",
	    month ? p : NULL, err);

	return s ? store_plan_walk(st, s, false, fn, arg, err) : -1;
}

int store_plan_pending(struct store *st, store_plan_fn fn, void *arg, struct pp_error *err)
{
	sqlite3_stmt *s = store_prepare(st,
					"SELECT " STORE_PLAN_COLS ", request FROM plans"
					" WHERE status IN ('queued', 'running') ORDER BY seq",
					NULL, err);

	return s ? store_plan_walk(st, s, true, fn, arg, err) : -1;
}

int store_token_add(struct store *st, const char *name, const char *role, const char *expires,
		    const unsigned char hash[STORE_HASH_LEN], struct pp_error *err)
{
	char now[32];
	const char *p[] = {name, role, now, expires ? expires : "", NULL};
	sqlite3_stmt *s;
	int rc;

	store_now(now);
	s = store_prepare(st,
			  "INSERT INTO tokens(name, role, created, expires, hash)"
			  " VALUES (?1, ?2, ?3, NULLIF(?4, ''), ?5)",
			  p, err);
	if (s == NULL)
		return -1;
	sqlite3_bind_blob(s, 5, hash, STORE_HASH_LEN, SQLITE_TRANSIENT);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc == SQLITE_CONSTRAINT)
		return pp_error_set(err, PP_ERR_CONFLICT, "", "a token named '%s' exists", name);
	return rc == SQLITE_DONE ? 0 : store_fail(st, err, "add token");
}

int store_token_rotate(struct store *st, const char *name, const char *expires,
		       const unsigned char hash[STORE_HASH_LEN], char kept[32],
		       struct pp_error *err)
{
	const char *p[] = {name, expires ? expires : "", NULL}, *pn[] = {name, NULL};
	sqlite3_stmt *s;
	int rc;

	kept[0] = '\0';
	if (store_begin(st, err) < 0)
		return -1;
	s = store_prepare(st,
			  "UPDATE tokens SET hash = ?3, expires = COALESCE(NULLIF(?2, ''), expires)"
			  " WHERE name = ?1",
			  p, err);
	if (s == NULL)
		return store_rollback(st, -1);
	sqlite3_bind_blob(s, 3, hash, STORE_HASH_LEN, SQLITE_TRANSIENT);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return store_rollback(st, store_fail(st, err, "rotate token"));
	if (sqlite3_changes(st->db) == 0)
		return store_rollback(
		    st, pp_error_set(err, PP_ERR_NOT_FOUND, "", "no token named '%s'", name));
	s = store_prepare(st, "SELECT expires FROM tokens WHERE name = ?1", pn, err);
	if (s == NULL)
		return store_rollback(st, -1);
	if (sqlite3_step(s) == SQLITE_ROW && store_text(s, 0) != NULL)
		snprintf(kept, 32, "%s", store_text(s, 0));
	sqlite3_finalize(s);
	return store_commit(st, err);
}

int store_token_revoke(struct store *st, const char *name, struct pp_error *err)
{
	const char *p[] = {name, NULL};
	int n = store_exec(st, "DELETE FROM tokens WHERE name = ?1", p, err);

	if (n < 0)
		return -1;
	return n == 0 ? pp_error_set(err, PP_ERR_NOT_FOUND, "", "no token named '%s'", name) : 0;
}

int store_token_each(struct store *st, store_token_fn fn, void *arg, struct pp_error *err)
{
	sqlite3_stmt *s = store_cached(
	    st, STORE_STMT_TOKENS,
	    "SELECT name, role, created, hash, expires FROM tokens ORDER BY name", NULL, err);
	int rc;

	if (s == NULL)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_token t = {
		    .name = (const char *)sqlite3_column_text(s, 0),
		    .role = (const char *)sqlite3_column_text(s, 1),
		    .created = (const char *)sqlite3_column_text(s, 2),
		    .hash = sqlite3_column_blob(s, 3),
		    .expires = (const char *)sqlite3_column_text(s, 4),
		};
		if (t.hash == NULL || sqlite3_column_bytes(s, 3) != STORE_HASH_LEN)
			continue;
		if (fn(&t, arg)) {
			rc = SQLITE_DONE;
			break;
		}
	}
	store_release(st, s);
	return rc == SQLITE_DONE ? 0 : store_fail(st, err, "read tokens");
}

int store_audit(struct store *st, const char *who, const char *action, const char *object,
		struct pp_error *err)
{
	char now[32];
	const char *p[] = {now, who, action, object, NULL};

	store_now(now);
	return store_exec(st, "INSERT INTO audit(at, who, action, object) VALUES (?1, ?2, ?3, ?4)",
			  p, err) < 0
		   ? -1
		   : 0;
}

long store_audit_count(struct store *st)
{
	sqlite3_stmt *s;
	long n = -1;

	if (sqlite3_prepare_v2(st->db, "SELECT count(*) FROM audit", -1, &s, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return n;
}

/* --- the specialist registry and assignments -------------------------------
 * A write that checks before it changes (a caseload against a capacity, a
 * specialist's parents before it goes) runs in one BEGIN IMMEDIATE
 * transaction, so nothing can slip between the check and the change. */

int store_begin(struct store *st, struct pp_error *err)
{
	return sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK
		   ? 0
		   : store_fail(st, err, "begin");
}

int store_commit(struct store *st, struct pp_error *err)
{
	if (sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK)
		return 0;
	store_fail(st, err, "commit");
	sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

int store_rollback(struct store *st, int rc)
{
	sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

/* Audit rows of many reads in one transaction: one statement, rebound per
 * row, and one commit, so one sync covers them all (see res_plans.c). */
int store_audit_many(struct store *st, const struct store_audit_row *rows, int n,
		     struct pp_error *err)
{
	sqlite3_stmt *s;
	int rc = SQLITE_DONE;

	if (n <= 0)
		return 0;
	if (store_begin(st, err) < 0)
		return -1;
	s = store_cached(st, STORE_STMT_AUDIT,
			 "INSERT INTO audit(at, who, action, object) VALUES (?1, ?2, ?3, ?4)", NULL,
			 err);
	if (s == NULL)
		return store_rollback(st, -1);
	for (int i = 0; i < n && rc == SQLITE_DONE; i++) {
		const char *v[] = {rows[i].at, rows[i].who, rows[i].action, rows[i].object};

		sqlite3_reset(s);
		for (int k = 0; k < 4; k++)
			sqlite3_bind_text(s, k + 1, v[k], -1, SQLITE_STATIC);
		rc = sqlite3_step(s);
	}
	if (rc != SQLITE_DONE)
		store_fail(st, err, "write audit");
	store_release(st, s);
	return rc == SQLITE_DONE ? store_commit(st, err) : store_rollback(st, -1);
}

long store_scalar(struct store *st, const char *sql, const char *const *params, long dflt,
		  struct pp_error *err)
{
	sqlite3_stmt *s = store_prepare(st, sql, params, err);
	long v = dflt;
	int rc;

	if (s == NULL)
		return -1;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		v = (long)sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_fail(st, err, "read");
	return v;
}

const char *store_text(sqlite3_stmt *s, int i)
{
	return (const char *)sqlite3_column_text(s, i);
}

int store_specialist_put(struct store *st, const char *id, int capacity, const char *doc,
			 const char *who, bool *created, struct pp_error *err)
{
	char now[32], cap[16];
	const char *p[] = {id, cap, doc, now, who, NULL};
	const char *pid[] = {id, NULL};
	long n;

	store_now(now);
	snprintf(cap, sizeof cap, "%d", capacity);
	if (store_begin(st, err) < 0)
		return -1;
	n = store_scalar(st, "SELECT count(*) FROM specialists WHERE id = ?1", pid, 0, err);
	if (n < 0 || store_exec(st,
				"INSERT INTO specialists(id, capacity, doc, created, updated, who)"
				" VALUES (?1, ?2, ?3, ?4, ?4, ?5) ON CONFLICT(id) DO UPDATE SET"
				" capacity = excluded.capacity, doc = excluded.doc,"
				" updated = excluded.updated, who = excluded.who",
				p, err) < 0)
		return store_rollback(st, -1);
	if (store_commit(st, err) < 0)
		return -1;
	*created = n == 0;
	return 0;
}

#define STORE_SPEC_SELECT                                                                          \
	"SELECT s.id, s.capacity, s.doc, s.created, s.updated,"                                    \
	" (SELECT count(*) FROM assignments a WHERE a.specialist = s.id) FROM specialists s"

/* Walk specialist rows of a prepared STORE_SPEC_SELECT; *nrows counts them.
 * A non-zero return from fn is a failure (out of memory, or a stored
 * document the caller cannot read), never a partial answer. */
static int store_specialist_walk(struct store *st, sqlite3_stmt *s, store_specialist_fn fn,
				 void *arg, int *nrows, struct pp_error *err)
{
	int rc;

	*nrows = 0;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_specialist r = {
		    .id = store_text(s, 0),
		    .capacity = sqlite3_column_int(s, 1),
		    .doc = store_text(s, 2),
		    .created = store_text(s, 3),
		    .updated = store_text(s, 4),
		    .caseload = sqlite3_column_int(s, 5),
		};
		(*nrows)++;
		if (fn(&r, arg)) {
			pp_error_set(err, PP_ERR_INTERNAL, "",
				     "specialist '%s' cannot be read (out of memory, or its stored "
				     "document is damaged)",
				     r.id ? r.id : "?");
			sqlite3_finalize(s);
			return -1;
		}
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : store_fail(st, err, "read specialists");
}

int store_specialist_get(struct store *st, const char *id, store_specialist_fn fn, void *arg,
			 struct pp_error *err)
{
	const char *p[] = {id, NULL};
	sqlite3_stmt *s = store_prepare(st, STORE_SPEC_SELECT " WHERE s.id = ?1", p, err);
	int n;

	if (s == NULL || store_specialist_walk(st, s, fn, arg, &n, err) < 0)
		return -1;
	return n == 0 ? pp_error_set(err, PP_ERR_NOT_FOUND, "", "no specialist '%s'", id) : 0;
}

int store_specialist_each(struct store *st, store_specialist_fn fn, void *arg, struct pp_error *err)
{
	sqlite3_stmt *s = store_prepare(st, STORE_SPEC_SELECT " ORDER BY s.id", NULL, err);
	int n;

	return s ? store_specialist_walk(st, s, fn, arg, &n, err) : -1;
}

#define STORE_ASG_SELECT "SELECT parent, specialist, profile, policy, created, who FROM assignments"

/* Walk assignment rows of a prepared STORE_ASG_SELECT; *nrows counts them.
 * A non-zero return from fn is a failure (out of memory in the caller). */
static int store_assignment_walk(struct store *st, sqlite3_stmt *s, store_assignment_fn fn,
				 void *arg, int *nrows, struct pp_error *err)
{
	int rc;

	*nrows = 0;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_assignment a = {
		    .parent = store_text(s, 0),
		    .specialist = store_text(s, 1),
		    .profile = store_text(s, 2),
		    .policy = store_text(s, 3),
		    .created = store_text(s, 4),
		    .who = store_text(s, 5),
		};
		(*nrows)++;
		if (fn != NULL && fn(&a, arg)) {
			sqlite3_finalize(s);
			return pp_error_set(err, PP_ERR_INTERNAL, "", "out of memory");
		}
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : store_fail(st, err, "read assignments");
}

int store_assignment_each(struct store *st, const char *specialist, store_assignment_fn fn,
			  void *arg, struct pp_error *err)
{
	const char *p[] = {specialist, NULL};
	sqlite3_stmt *s =
	    store_prepare(st,
			  specialist ? STORE_ASG_SELECT " WHERE specialist = ?1 ORDER BY parent"
				     : STORE_ASG_SELECT " ORDER BY parent",
			  specialist ? p : NULL, err);
	int n;

	return s ? store_assignment_walk(st, s, fn, arg, &n, err) : -1;
}

int store_specialist_delete(struct store *st, const char *id, bool end_assignments, const char *who,
			    store_assignment_fn ended, void *arg, struct pp_error *err)
{
	char now[32];
	const char *p[] = {id, NULL}, *pa[] = {id, now, who, NULL};
	sqlite3_stmt *s;
	long exists, n;
	int rows;

	store_now(now);
	if (store_begin(st, err) < 0)
		return -1;
	exists = store_scalar(st, "SELECT count(*) FROM specialists WHERE id = ?1", p, 0, err);
	n = exists < 0 ? -1
		       : store_scalar(st, "SELECT count(*) FROM assignments WHERE specialist = ?1",
				      p, 0, err);
	if (n < 0)
		return store_rollback(st, -1);
	if (exists == 0)
		return store_rollback(
		    st, pp_error_set(err, PP_ERR_NOT_FOUND, "", "no specialist '%s'", id));
	if (n > 0 && !end_assignments)
		return store_rollback(
		    st, pp_error_set(err, PP_ERR_CONFLICT, "",
				     "specialist '%s' has %ld assigned parent(s); end those "
				     "assignments first, or DELETE with ?reassign=true",
				     id, n));
	s = store_prepare(st, STORE_ASG_SELECT " WHERE specialist = ?1 ORDER BY parent", p, err);
	if (s == NULL || store_assignment_walk(st, s, ended, arg, &rows, err) < 0 ||
	    (n > 0 &&
	     store_exec(st,
			"INSERT INTO audit(at, who, action, object)"
			" SELECT ?2, ?3, 'reassign', ?1 || ': ' || group_concat(parent, ',')"
			" FROM (SELECT parent FROM assignments WHERE specialist = ?1"
			" ORDER BY parent)",
			pa, err) < 0) ||
	    store_exec(st, "DELETE FROM assignments WHERE specialist = ?1", p, err) < 0 ||
	    store_exec(st, "DELETE FROM specialists WHERE id = ?1", p, err) < 0)
		return store_rollback(st, -1);
	return store_commit(st, err);
}

int store_assignment_add(struct store *st, const struct store_assignment_new *a,
			 store_assignment_fn fn, void *arg, struct pp_error *err)
{
	const char *parent = a->parent, *specialist = a->specialist, *who = a->who;
	char now[32];
	const char *p[] = {
	    parent, specialist, a->profile ? a->profile : "", a->policy ? a->policy : "", now,
	    who,    NULL};
	const char *ps[] = {specialist, NULL}, *pp[] = {parent, NULL};
	sqlite3_stmt *s;
	long cap, load, had;
	int rows;

	store_now(now);
	if (store_begin(st, err) < 0)
		return -1;
	cap = store_scalar(st, "SELECT capacity FROM specialists WHERE id = ?1", ps, -2, err);
	if (cap == -1)
		return store_rollback(st, -1);
	if (cap == -2)
		return store_rollback(st, pp_error_set(err, PP_ERR_NOT_FOUND, "specialist",
						       "no specialist '%s'", specialist));
	had = store_scalar(st, "SELECT count(*) FROM assignments WHERE parent = ?1", pp, 0, err);
	load = had < 0 ? -1
		       : store_scalar(st, "SELECT count(*) FROM assignments WHERE specialist = ?1",
				      ps, 0, err);
	if (load < 0)
		return store_rollback(st, -1);
	if (had > 0) {
		/* The refusal reveals that the parent has a specialist: audited. */
		const char *pa[] = {now, who, parent, NULL};

		if (store_exec(st,
			       "INSERT INTO audit(at, who, action, object)"
			       " VALUES (?1, ?2, 'assign refused', ?3)",
			       pa, err) < 0)
			return store_rollback(st, -1);
		if (store_commit(st, err) < 0)
			return -1;
		return pp_error_set(err, PP_ERR_CONFLICT, "parent",
				    "parent '%s' already has a specialist; end that "
				    "assignment first",
				    parent);
	}
	if (load >= cap)
		return store_rollback(st, pp_error_set(err, PP_ERR_CONFLICT, "specialist",
						       "specialist '%s' is full (%ld of %ld)",
						       specialist, load, cap));
	if (store_exec(st,
		       "INSERT INTO assignments(parent, specialist, profile, policy, created, who)"
		       " VALUES (?1, ?2, NULLIF(?3, ''), NULLIF(?4, ''), ?5, ?6)",
		       p, err) < 0)
		return store_rollback(st, -1);
	s = store_prepare(st, STORE_ASG_SELECT " WHERE parent = ?1", pp, err);
	if (s == NULL || store_assignment_walk(st, s, fn, arg, &rows, err) < 0 ||
	    (a->idem != NULL && store_idem_put(st, a->idem, now, err) < 0))
		return store_rollback(st, -1);
	return store_commit(st, err);
}

int store_assignment_delete(struct store *st, const char *parent, const char *who,
			    store_assignment_fn fn, void *arg, struct pp_error *err)
{
	char now[32];
	const char *p[] = {parent, NULL}, *pa[] = {now, who, parent, NULL};
	sqlite3_stmt *s;
	int rows;

	store_now(now);
	if (store_begin(st, err) < 0)
		return -1;
	s = store_prepare(st, STORE_ASG_SELECT " WHERE parent = ?1", p, err);
	if (s == NULL || store_assignment_walk(st, s, fn, arg, &rows, err) < 0)
		return store_rollback(st, -1);
	if (rows == 0)
		return store_rollback(st, pp_error_set(err, PP_ERR_NOT_FOUND, "",
						       "parent '%s' has no assignment", parent));
	if (store_exec(st, "DELETE FROM assignments WHERE parent = ?1", p, err) < 0 ||
	    store_exec(st,
		       "INSERT INTO audit(at, who, action, object)"
		       " VALUES (?1, ?2, 'end assignment', ?3)",
		       pa, err) < 0)
		return store_rollback(st, -1);
	return store_commit(st, err);
}

/* --- running the program: adoption and attendance ------------------------ */

/* The first column of the first row of a query, as text, into out (""
 * when there is no row); -1 with err set on failure. */
static int store_scalar_text(struct store *st, const char *sql, const char *const *params,
			     char *out, size_t outlen, struct pp_error *err)
{
	sqlite3_stmt *s = store_prepare(st, sql, params, err);
	int rc;

	if (s == NULL)
		return -1;
	out[0] = '\0';
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW && sqlite3_column_text(s, 0) != NULL)
		snprintf(out, outlen, "%s", (const char *)sqlite3_column_text(s, 0));
	sqlite3_finalize(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : store_fail(st, err, "read");
}

int store_plan_adopt(struct store *st, const char *id, const char *who, char replaced[40],
		     struct pp_error *err)
{
	char now[32], month[16];
	const char *p[] = {id, NULL}, *pm[] = {month, NULL}, *pa[] = {now, who, id, NULL};

	store_now(now);
	if (store_begin(st, err) < 0)
		return -1;
	if (store_scalar_text(st, "SELECT month FROM plans WHERE id = ?1", p, month, sizeof month,
			      err) < 0 ||
	    store_scalar_text(st, "SELECT id FROM plans WHERE month = ?1 AND adopted = 1", pm,
			      replaced, 40, err) < 0)
		return store_rollback(st, -1);
	if (month[0] == '\0')
		return store_rollback(st,
				      pp_error_set(err, PP_ERR_NOT_FOUND, "", "no plan '%s'", id));
	if (strcmp(replaced, id) == 0)
		return store_rollback(st, 0); /* adopted already: nothing changes */
	if (store_exec(st, "UPDATE plans SET adopted = 0 WHERE month = ?1 AND adopted = 1", pm,
		       err) < 0 ||
	    store_exec(st, "UPDATE plans SET adopted = 1 WHERE id = ?1", p, err) < 0 ||
	    store_exec(
		st, "INSERT INTO audit(at, who, action, object) VALUES (?1, ?2, 'adopt plan', ?3)",
		pa, err) < 0)
		return store_rollback(st, -1);
	return store_commit(st, err);
}

int store_attendance_put(struct store *st, const struct store_attendance *a, bool *replaced,
			 struct pp_error *err)
{
	char now[32];
	const char *key[] = {a->month, a->series, a->date, NULL};
	const char *pp[] = {a->plan, a->month, NULL};
	const char *v[] = {a->month,  a->series, a->date, a->plan, a->present,
			   a->absent, now,       a->who,  NULL};
	long adopted, had;

	store_now(now);
	if (store_begin(st, err) < 0)
		return -1;
	adopted = store_scalar(st,
			       "SELECT count(*) FROM plans WHERE id = ?1 AND month = ?2"
			       " AND adopted = 1",
			       pp, 0, err);
	had = adopted < 0 ? -1
			  : store_scalar(st,
					 "SELECT count(*) FROM attendance WHERE month = ?1"
					 " AND series = ?2 AND date = ?3",
					 key, 0, err);
	if (had < 0)
		return store_rollback(st, -1);
	if (adopted == 0)
		return store_rollback(st,
				      pp_error_set(err, PP_ERR_CONFLICT, "",
						   "plan %s is no longer the adopted plan of %s",
						   a->plan, a->month));
	if (store_exec(
		st,
		"INSERT OR REPLACE INTO attendance(month, series, date, plan, present, absent,"
		" recorded, who) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
		v, err) < 0)
		return store_rollback(st, -1);
	if (store_commit(st, err) < 0)
		return -1;
	*replaced = had > 0;
	return 0;
}

int store_attendance_each(struct store *st, const char *month, store_attendance_fn fn, void *arg,
			  struct pp_error *err)
{
	const char *p[] = {month, NULL};
	sqlite3_stmt *s =
	    store_prepare(st,
			  "SELECT month, series, date, plan, present, absent, recorded,"
			  " who FROM attendance WHERE month = ?1 ORDER BY date, series",
			  p, err);
	int rc;

	if (s == NULL)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_attendance a = {
		    .month = store_text(s, 0),
		    .series = store_text(s, 1),
		    .date = store_text(s, 2),
		    .plan = store_text(s, 3),
		    .present = store_text(s, 4),
		    .absent = store_text(s, 5),
		    .recorded = store_text(s, 6),
		    .who = store_text(s, 7),
		};
		if (fn(&a, arg)) {
			sqlite3_finalize(s);
			return pp_error_set(err, PP_ERR_INTERNAL, "",
					    "attendance of %s on %s cannot be read (out of memory, "
					    "or its stored lists are damaged)",
					    a.series, a.date);
		}
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : store_fail(st, err, "read attendance");
}
