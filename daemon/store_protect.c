/*
 * store_protect.c - data protection in the store: a finished plan deleted
 * with what hangs on it, what is older than its retention purged in
 * batches, and the audit log read back.
 *
 * A plan's parent data lives in its row (request and result) and in the
 * attendance recorded against it; both go with it, and so does its
 * adoption (a flag of the row).  Its audit rows stay: they say who read
 * what and when, which outlives the data (audit-retain-days purges them on
 * their own clock).  A plan may be named by a later plan's previous
 * ({"plan": id}, the `revises` column) -- next month's plan names this
 * month's, so the chain runs through every month.  Deleting a plan
 * therefore writes its stored output into each revision's request in
 * place of the reference (SQLite's json_set: the document replan_resolve()
 * would have made), so a revision reads back, re-queues and has its
 * calendar as before, and no plan is kept only because a younger one
 * names it.
 *
 * A purge runs in batches of at most `batch` rows of each kind, one
 * transaction each, which the daemon runs one per pass of its event loop
 * (retention.c), so a large first purge never holds the loop long.  Each
 * batch that removes anything commits an audit row "purge" with it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

/* Remove plan id (in the caller's transaction) as store_plan_delete does,
 * counting into *out (may be NULL); the row must exist.  -1 with err. */
static int protect_remove_plan(struct store *st, const char *id, struct store_plan_removed *out,
			       struct pp_error *err)
{
	const char *p[] = {id, NULL};
	long adopted = store_scalar(st, "SELECT adopted FROM plans WHERE id = ?1", p, 0, err);
	int revisions, attendance;

	if (adopted < 0)
		return -1;
	revisions = store_exec(st,
			       "UPDATE plans SET request = json_set(request, '$.previous',"
			       " json((SELECT result FROM plans WHERE id = ?1)))"
			       " WHERE revises = ?1 AND id <> ?1"
			       " AND json_extract(request, '$.previous.plan') = ?1"
			       " AND (SELECT result FROM plans WHERE id = ?1) IS NOT NULL",
			       p, err);
	attendance =
	    revisions < 0 ? -1 : store_exec(st, "DELETE FROM attendance WHERE plan = ?1", p, err);
	if (attendance < 0 || store_exec(st, "DELETE FROM plans WHERE id = ?1", p, err) < 0)
		return -1;
	if (out != NULL) {
		out->adopted = adopted != 0;
		out->attendance += attendance;
		out->revisions += revisions;
	}
	return 0;
}

int store_plan_delete(struct store *st, const char *id, const char *who,
		      struct store_plan_removed *out, struct pp_error *err)
{
	char now[32], status[16] = "";
	const char *p[] = {id, NULL}, *pa[] = {now, who, id, NULL};
	sqlite3_stmt *s;
	int rc;

	memset(out, 0, sizeof *out);
	store_now(now);
	if (store_begin(st, err) < 0)
		return -1;
	s = store_prepare(st, "SELECT status FROM plans WHERE id = ?1", p, err);
	if (s == NULL)
		return store_rollback(st, -1);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		snprintf(status, sizeof status, "%s", store_text(s, 0) ? store_text(s, 0) : "");
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_rollback(st, store_fail(st, err, "read plan"));
	if (rc == SQLITE_DONE)
		return store_rollback(
		    st, pp_error_set(err, PP_ERR_NOT_FOUND, "", "no plan '%.150s'", id));
	if (strcmp(status, "queued") == 0 || strcmp(status, "running") == 0)
		return store_rollback(st,
				      pp_error_set(err, PP_ERR_CONFLICT, "",
						   "plan %s is %s; cancel it first", id, status));
	if (protect_remove_plan(st, id, out, err) < 0 ||
	    store_exec(
		st, "INSERT INTO audit(at, who, action, object) VALUES (?1, ?2, 'delete plan', ?3)",
		pa, err) < 0)
		return store_rollback(st, -1);
	return store_commit(st, err);
}

/* The ids of at most batch finished plans that finished before `before`,
 * oldest first: *ids a malloc'd array of *n malloc'd strings.  0, or -1
 * with err set (and nothing to free). */
static int protect_old_plans(struct store *st, const char *before, int batch, char ***ids, int *n,
			     struct pp_error *err)
{
	char lim[16];
	const char *p[] = {before, lim, NULL};
	sqlite3_stmt *s;
	int rc;

	*n = 0;
	*ids = calloc((size_t)batch, sizeof **ids);
	if (*ids == NULL)
		return pp_error_set(err, PP_ERR_INTERNAL, "", "out of memory");
	snprintf(lim, sizeof lim, "%d", batch);
	s = store_prepare(st,
			  "SELECT id FROM plans WHERE finished < ?1"
			  " AND status IN ('done', 'failed', 'cancelled')"
			  " ORDER BY finished, seq LIMIT CAST(?2 AS INTEGER)",
			  p, err);
	rc = s != NULL ? SQLITE_DONE : SQLITE_ERROR;
	while (s != NULL && *n < batch && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		(*ids)[*n] = strdup(store_text(s, 0));
		if ((*ids)[*n] == NULL) {
			rc = SQLITE_NOMEM;
			break;
		}
		(*n)++;
	}
	sqlite3_finalize(s);
	if (rc == SQLITE_DONE || rc == SQLITE_ROW)
		return 0;
	if (rc == SQLITE_NOMEM)
		pp_error_set(err, PP_ERR_INTERNAL, "", "out of memory");
	else if (s != NULL)
		store_fail(st, err, "read plans");
	for (int i = 0; i < *n; i++)
		free((*ids)[i]);
	free(*ids);
	*ids = NULL;
	*n = 0;
	return -1;
}

/* Delete at most batch rows of table whose time column is before
 * `before`, oldest key first: the rows deleted, or -1 with err. */
static int protect_delete_old(struct store *st, const char *sql, const char *before, int batch,
			      struct pp_error *err)
{
	char lim[16];
	const char *p[] = {before, lim, NULL};

	snprintf(lim, sizeof lim, "%d", batch);
	return store_exec(st, sql, p, err);
}

int store_purge_batch(struct store *st, const struct store_purge *p, store_id_fn deleted, void *arg,
		      struct store_purged *n, struct pp_error *err)
{
	struct store_plan_removed rm = {0};
	char now[32], what[200];
	const char *pa[] = {now, what, NULL};
	char **ids = NULL;
	int nids = 0, rc = -1, att = 0, aud = 0;

	memset(n, 0, sizeof *n);
	store_now(now);
	if (store_begin(st, err) < 0)
		return -1;
	if (p->plans_before != NULL) {
		if (protect_old_plans(st, p->plans_before, p->batch, &ids, &nids, err) < 0)
			goto out;
		for (int i = 0; i < nids; i++)
			if (protect_remove_plan(st, ids[i], &rm, err) < 0)
				goto out;
		att = protect_delete_old(st,
					 "DELETE FROM attendance WHERE rowid IN (SELECT rowid"
					 " FROM attendance WHERE recorded < ?1"
					 " LIMIT CAST(?2 AS INTEGER))",
					 p->plans_before, p->batch, err);
		if (att < 0)
			goto out;
	}
	if (p->audit_before != NULL) {
		aud = protect_delete_old(st,
					 "DELETE FROM audit WHERE seq IN (SELECT seq FROM audit"
					 " WHERE at < ?1 ORDER BY seq LIMIT CAST(?2 AS INTEGER))",
					 p->audit_before, p->batch, err);
		if (aud < 0)
			goto out;
	}
	n->plans = nids;
	n->attendance = rm.attendance + att;
	n->audit = aud;
	snprintf(what, sizeof what,
		 "%d plan(s) and %d attendance record(s) before %s, %d audit row(s) before %s",
		 n->plans, n->attendance, p->plans_before ? p->plans_before : "-", n->audit,
		 p->audit_before ? p->audit_before : "-");
	if ((n->plans > 0 || n->attendance > 0 || n->audit > 0) &&
	    store_exec(st,
		       "INSERT INTO audit(at, who, action, object)"
		       " VALUES (?1, 'peerpland', 'purge', ?2)",
		       pa, err) < 0)
		goto out;
	rc = store_commit(st, err);
	if (rc == 0 && deleted != NULL)
		for (int i = 0; i < nids; i++)
			deleted(ids[i], arg);
out:
	if (rc < 0) {
		store_rollback(st, -1);
		memset(n, 0, sizeof *n);
	}
	for (int i = 0; i < nids; i++)
		free(ids[i]);
	free(ids);
	return rc;
}

int store_audit_list(struct store *st, const struct store_audit_filter *f, store_audit_fn fn,
		     void *arg, struct pp_error *err)
{
	const char *text[] = {f->since, f->who, f->parent};
	sqlite3_stmt *s = store_prepare(
	    st,
	    "SELECT seq, at, who, action, object FROM audit WHERE seq > ?1"
	    " AND (?2 = '' OR at >= ?2) AND (?3 = '' OR who = ?3)"
	    " AND (?4 = '' OR object = ?4 OR (instr(object, ': ') > 0 AND"
	    " instr(',' || substr(object, instr(object, ': ') + 2) || ',', ',' || ?4 || ',') > 0))"
	    " ORDER BY seq LIMIT ?5",
	    NULL, err);
	int rc;

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, f->after);
	for (int i = 0; i < 3; i++)
		sqlite3_bind_text(s, i + 2, text[i] ? text[i] : "", -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(s, 5, f->limit);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_audit_entry e = {
		    .seq = sqlite3_column_int64(s, 0),
		    .at = store_text(s, 1),
		    .who = store_text(s, 2),
		    .action = store_text(s, 3),
		    .object = store_text(s, 4),
		};
		if (fn(&e, arg)) {
			sqlite3_finalize(s);
			return pp_error_set(err, PP_ERR_INTERNAL, "", "out of memory");
		}
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : store_fail(st, err, "read audit");
}
