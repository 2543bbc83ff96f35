/*
 * jobs.c - the solver thread pool: every solve the daemon runs, month plans
 * and matching batches alike, runs on one of its `workers` threads.
 *
 * Design, after memcached's thread.c and redis's bio.c: one mutex guards
 * the queued jobs, a list of jobs that workers started and a list of jobs
 * they finished; a condition variable wakes idle workers.  A worker takes a
 * job, marks it running, queues a "started" notice and activates the loop's
 * wake event; after run() returns it moves the job to the finished list and
 * activates the event again.  The wake callback (loop thread) drains both
 * lists and calls the hooks.  Workers never touch evhttp or SQLite.
 *
 * One pool, one queue per kind of solve (enum job_queue).  One pool, because
 * the bound is then the pool's size by construction: a solve runs only on
 * one of its threads, whatever its kind.  (Two pools would each need their
 * own threads and a shared count of running solves, and a worker would hold
 * a job while it waited for a slot.)  A queue per kind, because each kind
 * keeps its own limit (queue-max: a burst of matching batches cannot fill
 * the months' queue, nor the reverse) and its own gauges, and because a
 * free worker takes the queues in turn -- the oldest job of the next
 * non-empty queue after the one it served last -- so that while both kinds
 * wait they start alternately: a steady stream of months does not hold a
 * matching batch (whose caller waits on the connection) behind all of
 * them, nor a stream of batches the months.
 *
 * Priority: solves are batch work and the loop thread must win the CPU
 * whenever it has a request (health p99 under load).  Before each job a
 * worker applies the pool's `nice` to itself -- SCHED_BATCH and that nice
 * value, per thread (Linux keeps a nice value per thread) -- so that a
 * SIGHUP change applies from the next job on.  Lowering one's own priority
 * needs no privilege.
 *
 * GLPK: a month solve frees its thread's GLPK environment before it returns
 * (month_solve, glp_free_env), so a worker holds none between jobs and a
 * matching batch (no GLPK) never finds one left by a month.
 *
 * Shutdown: jobs_stop() raises every running job's cancel flag and marks it
 * `stopped` so its owner knows to leave a stored plan pending (or to reply
 * if the job still ends); queued jobs are finished unrun, with `stopped`
 * set, so that their owners answer them (a waiting batch gets its 503; a
 * month stays queued in the database and the next start re-queues it).
 * jobs_free() joins the threads and hands over the last notices.
 */
#define _GNU_SOURCE /* SCHED_BATCH, gettid */
#include "jobs.h"

#include <event2/event.h>
#include <pthread.h>
#include <sched.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "log.h"

/* One FIFO of queued jobs, oldest first. */
struct jobs_queue {
	struct job *head, *tail;
	int nqueued, nrunning;
};

struct jobs {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct jobs_queue q[JOBQ_COUNT];
	int last;             /* the queue a worker took from last */
	struct job *started;  /* notices for the loop */
	struct job *done;     /* finished, for the loop */
	struct job **running; /* one slot per worker */
	int queue_max;        /* of each queue */
	int nice;             /* of the workers: 0 = normal, up to 19 = lowest */
	bool stopping;
	struct event *wake;
	pthread_t *threads;
	int nthreads;
};

struct worker_arg {
	struct jobs *pool;
	int slot;
};

/* Append j to a list kept in FIFO order, linked through the field at link. */
static void jobs_list_append(struct job **list, struct job *j, size_t link)
{
	*(struct job **)((char *)j + link) = NULL;
	while (*list != NULL)
		list = (struct job **)((char *)*list + link);
	*list = j;
}

#define JOBS_NEXT  offsetof(struct job, next)
#define JOBS_SNEXT offsetof(struct job, started_next)

int jobs_thread_nice(int nice)
{
	struct sched_param sp = {0};
	int rc = 0;

	if (pthread_setschedparam(pthread_self(), nice > 0 ? SCHED_BATCH : SCHED_OTHER, &sp) != 0)
		rc = -1;
	if (setpriority(PRIO_PROCESS, (id_t)gettid(), nice) < 0)
		rc = -1;
	return rc;
}

/* Take the oldest job of the next non-empty queue after the one taken from
 * last, mark it running in slot, and queue its started notice; NULL when
 * every queue is empty.  Under the lock. */
static struct job *jobs_take(struct jobs *p, int slot)
{
	for (int k = 1; k <= JOBQ_COUNT; k++) {
		int qi = (p->last + k) % JOBQ_COUNT;
		struct jobs_queue *q = &p->q[qi];
		struct job *j = q->head;

		if (j == NULL)
			continue;
		q->head = j->next;
		if (q->head == NULL)
			q->tail = NULL;
		q->nqueued--;
		q->nrunning++;
		p->last = qi;
		j->state = JOB_RUNNING;
		p->running[slot] = j;
		jobs_list_append(&p->started, j, JOBS_SNEXT);
		return j;
	}
	return NULL;
}

static void *jobs_worker(void *arg)
{
	struct worker_arg *wa = arg;
	struct jobs *p = wa->pool;
	int slot = wa->slot, applied = -1;

	free(wa);
	pthread_mutex_lock(&p->lock);
	for (;;) {
		struct job *j = NULL;
		int nice;

		while (!p->stopping && (j = jobs_take(p, slot)) == NULL)
			pthread_cond_wait(&p->cond, &p->lock);
		if (p->stopping)
			break;
		nice = p->nice;
		pthread_mutex_unlock(&p->lock);
		event_active(p->wake, EV_READ, 0);

		if (nice != applied) {
			if (jobs_thread_nice(nice) < 0)
				log_warn("solver thread: cannot set nice %d", nice);
			applied = nice; /* warn once per value */
		}
		j->run(j);

		pthread_mutex_lock(&p->lock);
		p->running[slot] = NULL;
		p->q[j->queue].nrunning--;
		j->state = JOB_FINISHED;
		jobs_list_append(&p->done, j, JOBS_NEXT);
		pthread_mutex_unlock(&p->lock);
		event_active(p->wake, EV_READ, 0);
		pthread_mutex_lock(&p->lock);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

/* Loop thread: hand started and finished jobs to their owners, started
 * notices first (a quick job can be on both lists at once). */
static void jobs_wake_cb(evutil_socket_t fd, short what, void *arg)
{
	struct jobs *p = arg;
	struct job *started, *done, *next;

	pthread_mutex_lock(&p->lock);
	started = p->started;
	done = p->done;
	p->started = p->done = NULL;
	pthread_mutex_unlock(&p->lock);
	for (struct job *j = started; j != NULL; j = next) {
		next = j->started_next;
		if (j->started != NULL)
			j->started(j);
	}
	for (struct job *j = done; j != NULL; j = next) {
		next = j->next;
		j->finished(j);
	}
}

struct jobs *jobs_new(struct event_base *base, int nworkers, int queue_max)
{
	struct jobs *p = calloc(1, sizeof *p);

	if (p == NULL)
		return NULL;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->cond, NULL);
	p->queue_max = queue_max;
	p->last = JOBQ_COUNT - 1; /* the first worker looks at JOBQ_PLAN first */
	p->wake = event_new(base, -1, 0, jobs_wake_cb, p);
	p->running = calloc((size_t)nworkers, sizeof *p->running);
	p->threads = calloc((size_t)nworkers, sizeof *p->threads);
	if (p->wake == NULL || p->running == NULL || p->threads == NULL)
		goto fail;
	for (int i = 0; i < nworkers; i++) {
		struct worker_arg *wa = malloc(sizeof *wa);

		if (wa == NULL)
			goto fail;
		*wa = (struct worker_arg){p, i};
		if (pthread_create(&p->threads[i], NULL, jobs_worker, wa) != 0) {
			free(wa);
			goto fail;
		}
		p->nthreads++;
	}
	return p;
fail:
	jobs_stop(p);
	jobs_free(p);
	return NULL;
}

void jobs_set_nice(struct jobs *p, int nice)
{
	pthread_mutex_lock(&p->lock);
	p->nice = nice;
	pthread_mutex_unlock(&p->lock);
}

void jobs_set_queue_max(struct jobs *p, int queue_max)
{
	pthread_mutex_lock(&p->lock);
	p->queue_max = queue_max;
	pthread_mutex_unlock(&p->lock);
}

/* Append j to its queue under the lock; force ignores the limit. */
static int jobs_enqueue(struct jobs *p, struct job *j, bool force)
{
	struct jobs_queue *q = &p->q[j->queue];

	pthread_mutex_lock(&p->lock);
	if (p->stopping || (!force && q->nqueued >= p->queue_max)) {
		pthread_mutex_unlock(&p->lock);
		return -1;
	}
	atomic_store(&j->cancel, 0);
	j->state = JOB_QUEUED;
	j->next = NULL;
	if (q->tail != NULL)
		q->tail->next = j;
	else
		q->head = j;
	q->tail = j;
	q->nqueued++;
	pthread_cond_signal(&p->cond);
	pthread_mutex_unlock(&p->lock);
	return 0;
}

int jobs_submit(struct jobs *p, struct job *j)
{
	return jobs_enqueue(p, j, false);
}

void jobs_submit_force(struct jobs *p, struct job *j)
{
	jobs_enqueue(p, j, true);
}

enum job_state jobs_cancel(struct jobs *p, struct job *j)
{
	enum job_state was;

	pthread_mutex_lock(&p->lock);
	was = j->state;
	if (was == JOB_QUEUED) {
		struct jobs_queue *q = &p->q[j->queue];
		struct job **pp = &q->head, *prev = NULL;

		while (*pp != NULL && *pp != j) {
			prev = *pp;
			pp = &(*pp)->next;
		}
		if (*pp == j) {
			*pp = j->next;
			if (q->tail == j)
				q->tail = prev;
			q->nqueued--;
		}
		j->state = JOB_FINISHED;
		atomic_store(&j->cancel, 1);
		jobs_list_append(&p->done, j, JOBS_NEXT);
		pthread_mutex_unlock(&p->lock);
		event_active(p->wake, EV_READ, 0);
		return was;
	}
	if (was == JOB_RUNNING)
		atomic_store(&j->cancel, 1);
	pthread_mutex_unlock(&p->lock);
	return was;
}

void jobs_progress_set(struct jobs *p, struct job *j, const struct job_progress *pr)
{
	pthread_mutex_lock(&p->lock);
	j->progress = *pr;
	pthread_mutex_unlock(&p->lock);
}

enum job_state jobs_progress_get(struct jobs *p, struct job *j, struct job_progress *out)
{
	enum job_state s;

	pthread_mutex_lock(&p->lock);
	*out = j->progress;
	s = j->state;
	pthread_mutex_unlock(&p->lock);
	return s;
}

/* The count at offset field of struct jobs_queue, of queue q or of all. */
static int jobs_count(struct jobs *p, enum job_queue q, size_t field)
{
	int n = 0;

	pthread_mutex_lock(&p->lock);
	for (int i = 0; i < JOBQ_COUNT; i++)
		if (q == JOBQ_ALL || q == (enum job_queue)i)
			n += *(const int *)((const char *)&p->q[i] + field);
	pthread_mutex_unlock(&p->lock);
	return n;
}

int jobs_queued(struct jobs *p, enum job_queue q)
{
	return jobs_count(p, q, offsetof(struct jobs_queue, nqueued));
}

int jobs_running(struct jobs *p, enum job_queue q)
{
	return jobs_count(p, q, offsetof(struct jobs_queue, nrunning));
}

void jobs_stop(struct jobs *p)
{
	pthread_mutex_lock(&p->lock);
	p->stopping = true;
	for (int i = 0; i < p->nthreads; i++) {
		if (p->running[i] != NULL) {
			p->running[i]->stopped = true;
			atomic_store(&p->running[i]->cancel, 1);
		}
	}
	/* Each queue, linked through `next` as the finished list is, goes to
	 * that list's end whole. */
	for (int i = 0; i < JOBQ_COUNT; i++) {
		struct job **end = &p->done;

		for (struct job *j = p->q[i].head; j != NULL; j = j->next) {
			j->stopped = true;
			j->state = JOB_FINISHED;
			atomic_store(&j->cancel, 1);
		}
		while (*end != NULL)
			end = &(*end)->next;
		*end = p->q[i].head;
		p->q[i].head = p->q[i].tail = NULL;
		p->q[i].nqueued = 0;
	}
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
	if (p->wake != NULL)
		event_active(p->wake, EV_READ, 0);
}

void jobs_free(struct jobs *p)
{
	if (p == NULL)
		return;
	for (int i = 0; i < p->nthreads; i++)
		pthread_join(p->threads[i], NULL);
	jobs_wake_cb(-1, 0, p);
	if (p->wake != NULL)
		event_free(p->wake);
	free(p->running);
	free(p->threads);
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->cond);
	free(p);
}
