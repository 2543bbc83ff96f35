/*
 * store_int.h - what the files of the store share (store.c,
 * store_protect.c) and nothing else of the daemon sees: the connection,
 * its kept statements, and the helpers every query goes through.
 *
 * Text parameters are bound from NULL-terminated lists, so an optional
 * column is passed as "" and SQL turns it into NULL (NULLIF(?n, '')).
 * A write that checks before it changes runs between store_begin (BEGIN
 * IMMEDIATE) and store_commit, or store_rollback on any failure.
 */
#ifndef PP_STORE_INT_H
#define PP_STORE_INT_H

#include <sqlite3.h>

#include "store.h"

/* Slots of the kept statements; a plan by id has one per body mask. */
enum store_stmt {
	STORE_STMT_TOKENS,
	STORE_STMT_AUDIT,
	STORE_STMT_PLAN,
	STORE_NSTMT = STORE_STMT_PLAN + 4
};

struct store {
	sqlite3 *db;
	sqlite3_stmt *stmt[STORE_NSTMT];
};

/* Set err to INTERNAL "database: what: SQLite's message"; -1. */
int store_fail(struct store *st, struct pp_error *err, const char *what);

/* Prepare sql and bind the NULL-terminated list of text parameters (params
 * may be NULL); NULL with err set. */
sqlite3_stmt *store_prepare(struct store *st, const char *sql, const char *const *params,
			    struct pp_error *err);

/* Run a write statement with text parameters: the rows it changed, or -1
 * with err set (CONFLICT for a duplicate key). */
int store_exec(struct store *st, const char *sql, const char *const *params, struct pp_error *err);

/* One integer from a query with text parameters: dflt when there is no
 * row, -1 with err set on failure. */
long store_scalar(struct store *st, const char *sql, const char *const *params, long dflt,
		  struct pp_error *err);

/* BEGIN IMMEDIATE, COMMIT (rolled back when it fails), each 0 or -1 with
 * err set; ROLLBACK, passing rc through. */
int store_begin(struct store *st, struct pp_error *err);
int store_commit(struct store *st, struct pp_error *err);
int store_rollback(struct store *st, int rc);

/* Column i of the current row as text (SQLite's buffer; NULL for NULL). */
const char *store_text(sqlite3_stmt *s, int i);

/* Store Idempotency-Key record k as made at `now`, inside the caller's
 * transaction (store_idem.c): a record of the key past its day is
 * replaced, a live one is CONFLICT.  0, or -1 with err set. */
int store_idem_put(struct store *st, const struct store_idem *k, const char *now,
		   struct pp_error *err);

#endif
