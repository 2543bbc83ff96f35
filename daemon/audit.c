/*
 * audit.c - the audit writer thread (group commit of audit rows).
 *
 * Every plan read and candidates request writes an audit row that must be
 * committed (WAL, synchronous=FULL) before its reply leaves.  Committing on
 * the loop thread made the loop wait for each sync; here one writer thread,
 * with its own connection to the same database (WAL lets the loop's
 * connection read meanwhile), does the commits.
 *
 * Design, after redis's bio.c: one mutex guards a FIFO of submitted batches
 * and a list of finished ones.  The writer takes the whole FIFO, commits all
 * its rows in one transaction (while it syncs, the next batches gather: group
 * commit), records the outcome in each batch, moves them to the finished list
 * and activates the loop's wake event.  The wake callback (loop thread) runs
 * each batch's callback, which sends the replies, so replies still leave only
 * from the loop thread and only after their rows are committed.  A failed
 * commit fails every batch of that transaction and nothing of it is stored.
 *
 * Shutdown: audit_drain() waits (cond `idle`) until the FIFO is empty and the
 * writer idle, then runs the callbacks itself; audit_free() drains, tells the
 * writer to stop and joins it.
 */
#include "audit.h"

#include <event2/event.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

struct audit_batch {
	struct audit_batch *next;
	struct store_audit_row *rows; /* n rows; their strings follow them */
	int n;
	audit_done_fn done;
	void *arg;
	int rc;
	struct pp_error err;
};

struct audit {
	struct store *st; /* the writer's own connection */
	struct event *wake;
	pthread_t thread;
	bool started;
	pthread_mutex_t lock;
	pthread_cond_t work; /* the writer waits for batches or stop */
	pthread_cond_t idle; /* audit_drain waits for an idle writer */
	struct audit_batch *queue, **queue_end;
	struct audit_batch *done, **done_end;
	bool busy; /* the writer holds batches taken from queue */
	bool stop;
	int pending; /* loop thread only: submitted, callback not yet run */
};

/* Commit the rows of every batch of list in one transaction and record the
 * outcome in each batch. */
static void audit_commit(struct audit *a, struct audit_batch *list)
{
	struct store_audit_row *rows;
	struct pp_error err = {0};
	int n = 0, i = 0, rc;

	for (struct audit_batch *b = list; b != NULL; b = b->next)
		n += b->n;
	rows = calloc((size_t)n + 1, sizeof *rows);
	if (rows == NULL) {
		rc = pp_error_set(&err, PP_ERR_INTERNAL, "", "out of memory");
	} else {
		for (struct audit_batch *b = list; b != NULL; b = b->next) {
			memcpy(rows + i, b->rows, (size_t)b->n * sizeof *rows);
			i += b->n;
		}
		rc = store_audit_many(a->st, rows, n, &err);
		free(rows);
	}
	for (struct audit_batch *b = list; b != NULL; b = b->next) {
		b->rc = rc;
		b->err = err;
	}
}

static void *audit_thread(void *arg)
{
	struct audit *a = arg;
	struct audit_batch *list;

	pthread_mutex_lock(&a->lock);
	for (;;) {
		while (a->queue == NULL && !a->stop)
			pthread_cond_wait(&a->work, &a->lock);
		if (a->queue == NULL)
			break; /* stop, and nothing left to commit */
		list = a->queue;
		a->queue = NULL;
		a->queue_end = &a->queue;
		a->busy = true;
		pthread_mutex_unlock(&a->lock);
		audit_commit(a, list);
		pthread_mutex_lock(&a->lock);
		*a->done_end = list;
		while (*a->done_end != NULL)
			a->done_end = &(*a->done_end)->next;
		a->busy = false;
		pthread_cond_broadcast(&a->idle);
		event_active(a->wake, EV_READ, 0);
	}
	pthread_mutex_unlock(&a->lock);
	return NULL;
}

/* Loop: run the callbacks of every finished batch, oldest first. */
static void audit_wake_cb(evutil_socket_t fd, short what, void *arg)
{
	struct audit *a = arg;
	struct audit_batch *b, *next;

	pthread_mutex_lock(&a->lock);
	b = a->done;
	a->done = NULL;
	a->done_end = &a->done;
	pthread_mutex_unlock(&a->lock);
	for (; b != NULL; b = next) {
		next = b->next;
		if (b->rc < 0)
			log_error("audit of %d row(s) not stored: %s", b->n, b->err.message);
		a->pending--;
		b->done(b->arg, b->rc, &b->err);
		free(b);
	}
}

struct audit *audit_new(struct event_base *base, const char *path, struct pp_error *err)
{
	struct audit *a = calloc(1, sizeof *a);

	if (a == NULL) {
		pp_error_set(err, PP_ERR_INTERNAL, "", "out of memory");
		return NULL;
	}
	pthread_mutex_init(&a->lock, NULL);
	pthread_cond_init(&a->work, NULL);
	pthread_cond_init(&a->idle, NULL);
	a->queue_end = &a->queue;
	a->done_end = &a->done;
	a->wake = event_new(base, -1, 0, audit_wake_cb, a);
	if (a->wake == NULL) {
		pp_error_set(err, PP_ERR_INTERNAL, "", "out of memory");
		audit_free(a);
		return NULL;
	}
	a->st = store_open(path, err);
	if (a->st == NULL) {
		audit_free(a);
		return NULL;
	}
	if (pthread_create(&a->thread, NULL, audit_thread, a) != 0) {
		pp_error_set(err, PP_ERR_INTERNAL, "", "cannot start the audit writer thread");
		audit_free(a);
		return NULL;
	}
	a->started = true;
	return a;
}

int audit_submit(struct audit *a, const struct store_audit_row *rows, int n, audit_done_fn done,
		 void *arg, struct pp_error *err)
{
	size_t size = sizeof(struct audit_batch) + (size_t)n * sizeof *rows, at;
	struct audit_batch *b;
	char *p;

	for (int i = 0; i < n; i++) {
		const char *v[] = {rows[i].at, rows[i].who, rows[i].action, rows[i].object};

		for (int k = 0; k < 4; k++)
			size += strlen(v[k]) + 1;
	}
	b = malloc(size);
	if (b == NULL)
		return pp_error_set(err, PP_ERR_INTERNAL, "", "out of memory");
	memset(b, 0, sizeof *b);
	b->rows = (struct store_audit_row *)(b + 1);
	b->n = n;
	b->done = done;
	b->arg = arg;
	p = (char *)(b->rows + n);
	for (int i = 0; i < n; i++) {
		const char *v[] = {rows[i].at, rows[i].who, rows[i].action, rows[i].object};
		const char *copy[4];

		for (int k = 0; k < 4; k++) {
			at = strlen(v[k]) + 1;
			memcpy(p, v[k], at);
			copy[k] = p;
			p += at;
		}
		b->rows[i] = (struct store_audit_row){copy[0], copy[1], copy[2], copy[3]};
	}
	a->pending++;
	pthread_mutex_lock(&a->lock);
	*a->queue_end = b;
	a->queue_end = &b->next;
	pthread_cond_signal(&a->work);
	pthread_mutex_unlock(&a->lock);
	return 0;
}

int audit_pending(const struct audit *a)
{
	return a != NULL ? a->pending : 0;
}

void audit_drain(struct audit *a)
{
	if (a == NULL)
		return;
	pthread_mutex_lock(&a->lock);
	while (a->started && (a->queue != NULL || a->busy))
		pthread_cond_wait(&a->idle, &a->lock);
	pthread_mutex_unlock(&a->lock);
	audit_wake_cb(-1, 0, a);
}

void audit_free(struct audit *a)
{
	if (a == NULL)
		return;
	audit_drain(a);
	if (a->started) {
		pthread_mutex_lock(&a->lock);
		a->stop = true;
		pthread_cond_signal(&a->work);
		pthread_mutex_unlock(&a->lock);
		pthread_join(a->thread, NULL);
	}
	store_close(a->st);
	if (a->wake != NULL)
		event_free(a->wake);
	pthread_cond_destroy(&a->idle);
	pthread_cond_destroy(&a->work);
	pthread_mutex_destroy(&a->lock);
	free(a);
}
