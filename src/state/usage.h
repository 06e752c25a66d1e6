/* Per-function usage of a topology that is up, for what Lambda would
 * charge: requests and billed duration x memory, kept in
 * /run/vpcsim/TOPO/usage/FN as two lines "requests N" and "mb_ms M" (the
 * sum of billed ms x memory MB, an integer, so nothing is lost to
 * rounding). Updated by every invoke that ran (a timeout is billed, as in
 * Lambda; a throttled invoke is not); removed with the state at `down`. */
#ifndef VPCSIM_USAGE_H
#define VPCSIM_USAGE_H

struct fn_usage {
	long long requests;
	long long mb_ms;
};

/* Add one request of billed_ms at memory_mb to FN's counters, under a
 * lock on the file (concurrent invokes each count). */
int usage_add(const char *topo, const char *fn, long long billed_ms, int memory_mb);
/* FN's counters; zeros (and 0) when it was never invoked. */
int usage_read(const char *topo, const char *fn, struct fn_usage *u);
/* GB-seconds of the counters: mb_ms / 1024 / 1000. */
double usage_gb_seconds(const struct fn_usage *u);

#endif
