/* A bounded pool of worker threads that run jobs in the order they were
 * handed in (serve's invokes). Threads are made as jobs need them, up to
 * the pool's bound, each with a stack of WORKER_POOL_STACK bytes, and end
 * after WORKER_POOL_IDLE_S without a job: a pool bounded at the account's
 * 1,000 concurrent executions holds only the threads its load needs. A
 * job waits while the bound's worth of workers are busy; the number of
 * jobs waiting is bounded by the caller (serve: one per connection). */
#ifndef VPCSIM_WORKER_POOL_H
#define VPCSIM_WORKER_POOL_H

#include <stdbool.h>

#define WORKER_POOL_STACK (512 * 1024) /* a cold start's deepest chain is < 200 KiB */
#define WORKER_POOL_IDLE_S 30

struct worker_job {
	void (*run)(struct worker_job *j); /* called on a worker */
	struct worker_job *next;           /* the pool's */
};

/* At most max workers from now on (none made yet). 0, or < 0 with
 * err_msg(). */
int worker_pool_start(int max);
/* Queue j. 0, or (j not run) -ESHUTDOWN once worker_pool_stop() began,
 * -EBUSY when no worker is free, nor can one be made, to take it at once
 * and either `now` or no worker is alive to take it later. */
int worker_pool_submit(struct worker_job *j, bool now);
/* Threads alive now, and the most alive at once since start. */
void worker_pool_counts(int *alive, int *peak);
/* Refuse new jobs, let the workers finish the queued ones, wait for
 * every thread to end. */
void worker_pool_stop(void);

#endif
