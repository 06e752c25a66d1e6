/* Idle reclaim under memory pressure, as Lambda reclaims idle execution
 * environments: before a cold start's runtime starts, when the machine's
 * memory is short, the least recently used idle (frozen) environments of
 * the topology are destroyed, each named on stderr, until there is room.
 *
 * Memory is short when
 *   - MemAvailable (/proc/meminfo) is below the reserve: VPCSIM_MEM_RESERVE_MB,
 *     default the larger of 256 MiB and 5% of MemTotal; or
 *   - VPCSIM_ENV_MEMORY_MB is set and the topology's environments hold at
 *     least that much together (their memory cgroups' usage): a budget,
 *     for tests and for a machine shared with other work.
 * Each reclaimed environment counts as the memory its cgroup held. When
 * memory is still short and no idle environment is left, the cold start
 * is refused: -EAGAIN, "TooManyRequestsException: Rate Exceeded. (...)"
 * naming the figures, answered 429 like a concurrency throttle, rather
 * than a machine driven into its OOM killer. */
#ifndef VPCSIM_ENV_RECLAIM_H
#define VPCSIM_ENV_RECLAIM_H

#include "state/state.h"

/* Room for a new environment of function `fn_name` (self: its id, held by
 * the caller, never reclaimed). 0 (after reclaiming what was needed), or
 * -EAGAIN with err_msg(). */
int env_reclaim_for(const struct live *lv, const char *fn_name, const char *self);

#endif
