/* Invoking a function that has code (runtime + code, or image) through
 * its environment's supervisor, as `sam local invoke` shows it: the logs
 * (START, the function's output, END, REPORT) to `logs`, the response or
 * error body to `out`.
 *
 * Picks an idle environment of the function or makes one (cold start:
 * network, cgroup, /tmp, then the code made ready and the supervisor
 * started), under the account's and the function's concurrency limits;
 * environments whose supervisor reclaimed them for idleness are removed
 * first. After a reset (timeout, crash, OOM kill, failed init) the
 * environment is destroyed, so the next invoke is cold. */
#ifndef VPCSIM_INVOKE_H
#define VPCSIM_INVOKE_H

#include <stdbool.h>
#include <stdio.h>

#include "state/state.h"

struct fn_result {
	char status[32];           /* ok, function_error, timeout, exit, oom, too_large, init_error */
	bool reset;
	bool cold;
	char env_id[64];
	long long billed_ms;       /* from the supervisor's REPORT line; 0 if none */
	int memory_mb;
};

/* client_context: the JSON the runtime gets in Lambda-Runtime-Client-Context
 * (decoded from the base64 the Invoke API takes), or NULL.
 * Returns 0 when the invoke ran (r->status says how it ended), <0 when it
 * could not (throttled: -EAGAIN "TooManyRequestsException..."; err_msg()). */
int fn_invoke(const struct live *lv, int fn, const char *payload, size_t len,
	      const char *client_context, FILE *out, FILE *logs, struct fn_result *r);

/* Destroy the environments of the topology whose supervisor is gone
 * (reclaimed for idleness, or died). Under state_lock(). */
void fn_reap_reclaimed(const struct live *lv);

#endif
