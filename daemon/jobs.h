/*
 * jobs.h - the one pool of solver threads, fed by one bounded queue per
 * kind of solve (month plans, matching batches).
 *
 * The event loop submits jobs; worker threads run them; the loop hears back
 * through one libevent event that workers activate (libevent is set up with
 * pthreads, so event_active() from a worker is safe).  Only the loop thread
 * calls the `started` and `finished` hooks, so they may touch evhttp and the
 * database.  A job is owned by its creator; the pool only links it.  Every
 * solve runs on one of the pool's threads, so `workers` bounds all solves
 * together, whatever their kind.
 */
#ifndef PP_JOBS_H
#define PP_JOBS_H

#include <stdatomic.h>
#include <stdbool.h>

struct event_base;
struct jobs;

enum job_state { JOB_QUEUED = 0, JOB_RUNNING, JOB_FINISHED };

/* The pool's queues, one per kind of solve; JOBQ_ALL counts them all. */
enum job_queue { JOBQ_ALL = -1, JOBQ_PLAN = 0, JOBQ_MATCH, JOBQ_COUNT };

struct job_progress {
	char stage[16];
	bool has_incumbent;
	double incumbent, bound, gap;
	long nodes;
	double seconds;
};

struct job {
	char id[40];
	enum job_queue queue;            /* set by the owner before submitting */
	atomic_int cancel;               /* raised by jobs_cancel / jobs_stop */
	bool stopped;                    /* cancel came from jobs_stop (shutdown) */
	enum job_state state;            /* read and written under the pool lock */
	struct job_progress progress;    /* idem; see jobs_progress_get */
	void (*run)(struct job *j);      /* worker thread */
	void (*started)(struct job *j);  /* loop thread, once a worker took it */
	void (*finished)(struct job *j); /* loop thread, after run (or dropped) */
	void *data;
	struct job *next;         /* pool's queue or finished list */
	struct job *started_next; /* pool's started list */
};

/* A pool of nworkers threads (>= 1) with room for queue_max waiting jobs in
 * each queue. */
struct jobs *jobs_new(struct event_base *base, int nworkers, int queue_max);

/* Set the workers' nice value (0..19; > 0 also means SCHED_BATCH), applied
 * by each worker before its next job (start-up, SIGHUP). */
void jobs_set_nice(struct jobs *p, int nice);

/* Give the calling thread batch priority: SCHED_BATCH and nice (0..19; 0
 * restores SCHED_OTHER and nice 0 as far as allowed).  For any solver
 * thread; 0, or -1 if either setting was refused. */
int jobs_thread_nice(int nice);

/* Change the limit of every queue (SIGHUP). */
void jobs_set_queue_max(struct jobs *p, int queue_max);

/* Queue j in its queue (j->queue); -1 when that queue is full or the pool
 * is stopping. */
int jobs_submit(struct jobs *p, struct job *j);

/* Queue j even past the limit (re-queue on start); a no-op when the pool is
 * stopping. */
void jobs_submit_force(struct jobs *p, struct job *j);

/* Cancel j: a queued job leaves the queue and finished() is called from the
 * loop soon after; a running one has its cancel flag raised.  Returns the
 * state j was in. */
enum job_state jobs_cancel(struct jobs *p, struct job *j);

/* Called from run(): publish progress for readers on the loop thread. */
void jobs_progress_set(struct jobs *p, struct job *j, const struct job_progress *pr);

/* Copy j's current state and progress. */
enum job_state jobs_progress_get(struct jobs *p, struct job *j, struct job_progress *out);

/* Jobs of queue q (or JOBQ_ALL) waiting for a worker, and running. */
int jobs_queued(struct jobs *p, enum job_queue q);
int jobs_running(struct jobs *p, enum job_queue q);

/* Stop: refuse new jobs, raise cancel (with stopped set) on running jobs,
 * and drop queued ones: each is finished (with stopped set and run() never
 * called) and handed to finished() from the loop.  Non-blocking. */
void jobs_stop(struct jobs *p);

/* Join the workers (after jobs_stop), hand the jobs they started or
 * finished since the loop last heard to started() and finished() (the loop
 * no longer runs; this is its thread), and free the pool. */
void jobs_free(struct jobs *p);

#endif
