/* serve's workers: a bounded set of threads that run jobs in the order
 * they were handed in. A job waits while every worker is busy; the number
 * of jobs waiting is bounded by the caller (serve: one per connection). */
#ifndef VPCSIM_SERVE_POOL_H
#define VPCSIM_SERVE_POOL_H

#include <stdbool.h>

struct serve_job {
	void (*run)(struct serve_job *j); /* called on a worker */
	struct serve_job *next;           /* the pool's */
};

/* Start n workers. 0, or < 0 with err_msg(). */
int serve_pool_start(int n);
/* Queue j. 0, or (j not run) -ESHUTDOWN once serve_pool_stop() began,
 * -EBUSY when `now` and no worker is free to take it at once. */
int serve_pool_submit(struct serve_job *j, bool now);
/* Refuse new jobs, let the workers finish the queued ones, join them. */
void serve_pool_stop(void);

#endif
