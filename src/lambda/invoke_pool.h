/* The machinery every long-lived server of Lambda's Invoke API shares
 * (issue 22): `vpcsim serve` and the AWS zone's lambda.REGION.amazonaws.com
 * (aws/lambda_svc.c, its invoker). One per process, for one topology:
 *
 *  - the topology read once, and again only when its saved copy is
 *    replaced (`sg` renames a new topology.json into place): a request
 *    costs a stat(), not a reload, and takes no topology-wide lock.
 *    Requests hold a reference, so a reload never frees the copy an
 *    invoke is reading;
 *  - the environment registry (lambda/env_registry.h): an idle
 *    environment found, or a new one's place chosen, without listing
 *    every environment;
 *  - a bounded pool of workers (util/worker_pool.h), at most
 *    min(lambda.concurrency_limit, INVOKE_POOL_MAX) threads, made as the
 *    load needs them, so that many invokes run at once, each in an
 *    environment of its own. When the workers are the account's limit, a
 *    request that finds none free is throttled at once, as Lambda does
 *    (-EAGAIN, err_msg() naming the limit: invoke_api_refused() makes it
 *    429 TooManyRequestsException, Reason ConcurrentInvocationLimitExceeded);
 *    past INVOKE_POOL_MAX, requests wait for a worker. The function's
 *    reserved_concurrency throttles inside invoke_function().
 *
 * Descriptors: the process's soft RLIMIT_NOFILE raised for `extra` of
 * the caller's (connections) and an invoke's own per worker. */
#ifndef VPCSIM_INVOKE_POOL_H
#define VPCSIM_INVOKE_POOL_H

#include "lambda/env_registry.h"
#include "state/state.h"
#include "util/worker_pool.h"

#define INVOKE_POOL_MAX 1000 /* invokes run at once, whatever the limit:
			      * Lambda's default account concurrency */
#define INVOKE_POOL_FDS (4 * INVOKE_POOL_MAX + 256) /* an invoke's socket,
						     * lock, a cold start's few */

/* Serve the topology `topo` (a name state_pick() gave) from now on: read
 * it, start the registry (found: the environments on disk then), bound
 * the pool. 0, or < 0 with err_msg() (nothing started). */
int invoke_pool_start(const char *topo, int extra_fds, struct env_registry_info *found);
/* The topology now, held until invoke_pool_put(); NULL with err_msg(). */
const struct live *invoke_pool_live(void);
void invoke_pool_put(const struct live *lv);
/* Workers at most, and the account's concurrency_limit they answer to. */
void invoke_pool_bounds(int *workers, int *limit);
/* Hand j to a worker. 0; -EAGAIN throttled (the account's limit, with
 * err_msg()); -ESHUTDOWN once invoke_pool_stop() began. */
int invoke_pool_submit(struct worker_job *j);
/* The invokes under way end, no new ones start; the topology let go. */
void invoke_pool_stop(void);

#endif
