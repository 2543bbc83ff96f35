/*
 * audit.h - the audit writer: commits audit rows off the event loop.
 *
 * The loop hands over batches of rows, each with a completion callback; one
 * writer thread with its own database connection commits everything queued
 * in one transaction (group commit) and hands the batches back to the loop,
 * which calls each callback with the outcome.  A reply that depends on its
 * audit row is sent from the callback, so it is never sent before the row is
 * committed, and the loop never waits for a sync.
 */
#ifndef PP_AUDIT_H
#define PP_AUDIT_H

#include "error.h"
#include "store.h"

struct audit;
struct event_base;

/* Called on the loop thread once a batch is committed (rc 0) or not (rc -1,
 * err says why; none of the batch's rows is stored). */
typedef void (*audit_done_fn)(void *arg, int rc, const struct pp_error *err);

/* Open a second connection to the database at path and start the writer;
 * its callbacks run on base's loop.  NULL with err set. */
struct audit *audit_new(struct event_base *base, const char *path, struct pp_error *err);

/* Queue n rows (copied) for commit; done(arg, ...) runs later on the loop.
 * -1 with err set (out of memory) when nothing was queued and done will not
 * be called. */
int audit_submit(struct audit *a, const struct store_audit_row *rows, int n, audit_done_fn done,
		 void *arg, struct pp_error *err);

/* Batches submitted whose callbacks have not run yet. */
int audit_pending(const struct audit *a);

/* Block until every submitted batch is committed, then run the callbacks
 * (loop thread, when the loop is not running: shutdown). */
void audit_drain(struct audit *a);

/* Drain, stop the writer and close its connection. */
void audit_free(struct audit *a);

#endif
