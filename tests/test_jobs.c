/*
 * test_jobs.c - unit tests of the solver pool (daemon/jobs.c) with jobs
 * that stand in for solves: no running job ever shares the pool with more
 * than `workers` others whatever its queue, a free worker takes the queues
 * in turn, each queue has its own limit, a queued job can be cancelled, and
 * jobs_stop() cancels running jobs and finishes queued ones unrun (so that
 * a waiting matching batch is answered).
 *
 * A job either sleeps a little or waits at a gate the test opens, which
 * holds a worker as a long month solve does.  The hooks run on this thread
 * (the loop's), which pumps the event base until what it waits for has
 * happened, with a deadline.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <event2/event.h>
#include <event2/thread.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <time.h>
#include <unistd.h>

#include "jobs.h"

struct tctx {
	struct event_base *base;
	struct jobs *pool;
	atomic_int now, max, order; /* jobs in run() now, at most, started */
	int nfinished;              /* finished hooks called */
	pthread_mutex_t gate_lock;
	pthread_cond_t gate_cond;
	bool gate_open;
};

struct tjob {
	struct job job;
	struct tctx *t;
	bool gated;   /* wait at the gate, else sleep 2 ms */
	int ran_at;   /* place in the order of starts; -1 until run */
	bool done;    /* finished hook called */
	bool stopped; /* ... with job.stopped set */
};

static void tjob_run(struct job *j)
{
	struct tjob *tj = j->data;
	struct tctx *t = tj->t;
	int n = atomic_fetch_add(&t->now, 1) + 1, m = atomic_load(&t->max);

	while (n > m && !atomic_compare_exchange_weak(&t->max, &m, n))
		;
	tj->ran_at = atomic_fetch_add(&t->order, 1);
	if (tj->gated) {
		pthread_mutex_lock(&t->gate_lock);
		while (!t->gate_open)
			pthread_cond_wait(&t->gate_cond, &t->gate_lock);
		pthread_mutex_unlock(&t->gate_lock);
	} else {
		usleep(2000);
	}
	atomic_fetch_sub(&t->now, 1);
}

static void tjob_finished(struct job *j)
{
	struct tjob *tj = j->data;

	tj->done = true;
	tj->stopped = j->stopped;
	tj->t->nfinished++;
}

static void tctx_init(struct tctx *t, int nworkers, int queue_max)
{
	*t = (struct tctx){0};
	pthread_mutex_init(&t->gate_lock, NULL);
	pthread_cond_init(&t->gate_cond, NULL);
	t->base = event_base_new();
	assert_non_null(t->base);
	t->pool = jobs_new(t->base, nworkers, queue_max);
	assert_non_null(t->pool);
}

static void tctx_free(struct tctx *t)
{
	jobs_stop(t->pool);
	jobs_free(t->pool);
	event_base_free(t->base);
	pthread_mutex_destroy(&t->gate_lock);
	pthread_cond_destroy(&t->gate_cond);
}

static void tjob_init(struct tjob *tj, struct tctx *t, enum job_queue q, bool gated)
{
	*tj = (struct tjob){.t = t, .gated = gated, .ran_at = -1};
	tj->job.queue = q;
	tj->job.run = tjob_run;
	tj->job.finished = tjob_finished;
	tj->job.data = tj;
}

static void gate_open(struct tctx *t)
{
	pthread_mutex_lock(&t->gate_lock);
	t->gate_open = true;
	pthread_cond_broadcast(&t->gate_cond);
	pthread_mutex_unlock(&t->gate_lock);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Run the loop until nfinished reaches want (true) or 10 s pass (false). */
static bool pump_finished(struct tctx *t, int want)
{
	double until = now_s() + 10;

	while (t->nfinished < want && now_s() < until) {
		event_base_loop(t->base, EVLOOP_NONBLOCK);
		usleep(500);
	}
	return t->nfinished >= want;
}

/* Wait until the pool runs n jobs of queue q (true) or 10 s pass. */
static bool wait_running(struct tctx *t, enum job_queue q, int n)
{
	double until = now_s() + 10;

	while (jobs_running(t->pool, q) != n && now_s() < until)
		usleep(500);
	return jobs_running(t->pool, q) == n;
}

/* Month and matching jobs mixed, 24 of them on 2 workers, or 8 on 1: at
 * no time do more run than the pool has workers, and with 2 both run. */
static void test_bound_across_queues(void **state)
{
	for (int workers = 1; workers <= 2; workers++) {
		struct tctx t;
		struct tjob jobs[24];
		int n = workers == 1 ? 8 : 24;

		tctx_init(&t, workers, 64);
		for (int i = 0; i < n; i++) {
			tjob_init(&jobs[i], &t, i % 3 == 0 ? JOBQ_MATCH : JOBQ_PLAN, false);
			assert_int_equal(jobs_submit(t.pool, &jobs[i].job), 0);
		}
		assert_true(pump_finished(&t, n));
		for (int i = 0; i < n; i++)
			assert_true(jobs[i].done && !jobs[i].stopped && jobs[i].ran_at >= 0);
		assert_int_equal(atomic_load(&t.max), workers);
		assert_int_equal(jobs_running(t.pool, JOBQ_ALL), 0);
		assert_int_equal(jobs_queued(t.pool, JOBQ_ALL), 0);
		tctx_free(&t);
	}
}

/* One worker held by a month: a batch submitted then waits in its queue
 * (counted there, not running) until the month ends, and the reverse. */
static void test_one_worker_makes_the_other_kind_wait(void **state)
{
	const enum job_queue kinds[2] = {JOBQ_PLAN, JOBQ_MATCH};

	for (int k = 0; k < 2; k++) {
		enum job_queue first = kinds[k], second = kinds[1 - k];
		struct tctx t;
		struct tjob hold, other;

		tctx_init(&t, 1, 64);
		tjob_init(&hold, &t, first, true);
		tjob_init(&other, &t, second, false);
		assert_int_equal(jobs_submit(t.pool, &hold.job), 0);
		assert_true(wait_running(&t, first, 1));
		assert_int_equal(jobs_submit(t.pool, &other.job), 0);
		usleep(50000);
		assert_int_equal(jobs_running(t.pool, second), 0);
		assert_int_equal(jobs_queued(t.pool, second), 1);
		assert_int_equal(jobs_running(t.pool, JOBQ_ALL), 1);
		assert_int_equal(other.ran_at, -1);
		gate_open(&t);
		assert_true(pump_finished(&t, 2));
		assert_int_equal(hold.ran_at, 0);
		assert_int_equal(other.ran_at, 1);
		assert_int_equal(atomic_load(&t.max), 1);
		tctx_free(&t);
	}
}

/* A free worker takes the queues in turn, each oldest first. */
static void test_queues_taken_in_turn(void **state)
{
	struct tctx t;
	struct tjob hold, p[3], m[2];

	tctx_init(&t, 1, 64);
	tjob_init(&hold, &t, JOBQ_PLAN, true);
	assert_int_equal(jobs_submit(t.pool, &hold.job), 0);
	assert_true(wait_running(&t, JOBQ_PLAN, 1));
	for (int i = 0; i < 3; i++) {
		tjob_init(&p[i], &t, JOBQ_PLAN, false);
		assert_int_equal(jobs_submit(t.pool, &p[i].job), 0);
	}
	for (int i = 0; i < 2; i++) {
		tjob_init(&m[i], &t, JOBQ_MATCH, false);
		assert_int_equal(jobs_submit(t.pool, &m[i].job), 0);
	}
	gate_open(&t);
	assert_true(pump_finished(&t, 6));
	/* hold was a month, so a batch is next */
	assert_int_equal(m[0].ran_at, 1);
	assert_int_equal(p[0].ran_at, 2);
	assert_int_equal(m[1].ran_at, 3);
	assert_int_equal(p[1].ran_at, 4);
	assert_int_equal(p[2].ran_at, 5);
	tctx_free(&t);
}

/* queue_max holds per queue; a queued job cancelled is finished unrun. */
static void test_limits_and_cancel(void **state)
{
	struct tctx t;
	struct tjob hold, m[3], p;

	tctx_init(&t, 1, 2);
	tjob_init(&hold, &t, JOBQ_PLAN, true);
	assert_int_equal(jobs_submit(t.pool, &hold.job), 0);
	assert_true(wait_running(&t, JOBQ_PLAN, 1));
	for (int i = 0; i < 3; i++)
		tjob_init(&m[i], &t, JOBQ_MATCH, false);
	assert_int_equal(jobs_submit(t.pool, &m[0].job), 0);
	assert_int_equal(jobs_submit(t.pool, &m[1].job), 0);
	assert_int_equal(jobs_submit(t.pool, &m[2].job), -1); /* the batches' queue is full */
	tjob_init(&p, &t, JOBQ_PLAN, false);
	assert_int_equal(jobs_submit(t.pool, &p.job), 0); /* the months' is not */
	assert_int_equal(jobs_cancel(t.pool, &m[0].job), JOB_QUEUED);
	assert_true(pump_finished(&t, 1));
	assert_true(m[0].done && m[0].ran_at == -1 && !m[0].stopped);
	assert_int_equal(atomic_load(&m[0].job.cancel), 1);
	assert_int_equal(jobs_queued(t.pool, JOBQ_MATCH), 1);
	assert_int_equal(jobs_queued(t.pool, JOBQ_ALL), 2);
	gate_open(&t);
	assert_true(pump_finished(&t, 4));
	assert_true(m[1].ran_at > 0 && p.ran_at > 0 && m[2].ran_at == -1 && !m[2].done);
	tctx_free(&t);
}

/* jobs_stop: the running job has cancel and stopped raised; the queued
 * ones of both queues are finished, stopped, never run; nothing more is
 * accepted; jobs_free hands over the running job once it ends. */
static void test_stop(void **state)
{
	struct tctx t;
	struct tjob hold, p, m, late;

	tctx_init(&t, 1, 64);
	tjob_init(&hold, &t, JOBQ_PLAN, true);
	tjob_init(&p, &t, JOBQ_PLAN, false);
	tjob_init(&m, &t, JOBQ_MATCH, false);
	tjob_init(&late, &t, JOBQ_MATCH, false);
	assert_int_equal(jobs_submit(t.pool, &hold.job), 0);
	assert_true(wait_running(&t, JOBQ_PLAN, 1));
	assert_int_equal(jobs_submit(t.pool, &p.job), 0);
	assert_int_equal(jobs_submit(t.pool, &m.job), 0);
	jobs_stop(t.pool);
	assert_true(hold.job.stopped);
	assert_int_equal(atomic_load(&hold.job.cancel), 1);
	assert_int_equal(jobs_queued(t.pool, JOBQ_ALL), 0);
	assert_int_equal(jobs_submit(t.pool, &late.job), -1);
	assert_true(pump_finished(&t, 2));
	assert_true(p.done && p.stopped && p.ran_at == -1);
	assert_true(m.done && m.stopped && m.ran_at == -1);
	assert_false(hold.done);
	gate_open(&t);
	jobs_free(t.pool); /* joins, then calls hold's finished hook */
	assert_true(hold.done && hold.stopped && hold.ran_at == 0);
	assert_false(late.done);
	event_base_free(t.base);
	pthread_mutex_destroy(&t.gate_lock);
	pthread_cond_destroy(&t.gate_cond);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_bound_across_queues),
	    cmocka_unit_test(test_one_worker_makes_the_other_kind_wait),
	    cmocka_unit_test(test_queues_taken_in_turn),
	    cmocka_unit_test(test_limits_and_cancel),
	    cmocka_unit_test(test_stop),
	};

	if (evthread_use_pthreads() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
