/* Power tuning, as AWS Lambda Power Tuning does it: a function invoked at
 * several memory sizes, each size's durations summed up, its cost per
 * invocation at Lambda's rates (model/pricing.h), and the cheapest and
 * the fastest size. Pure arithmetic over measured durations. */
#ifndef VPCSIM_TUNE_H
#define VPCSIM_TUNE_H

#define TUNE_SIZES_MAX 16

struct tune_point {
	int memory_mb;
	int runs;                  /* durations measured */
	double p50_ms, p95_ms;     /* of the durations (nearest rank) */
	long long billed_ms;       /* billed for the p50 duration: ceil, >= 1 */
	double usd;                /* one invocation at p50: request + GB-s */
};

/* Fill p from n durations (ms) measured at memory_mb. */
void tune_point_fill(struct tune_point *p, int memory_mb, const double *ms, int n);

/* The cheapest (lowest usd; a tie goes to the faster) and the fastest
 * (lowest p50; a tie goes to the cheaper) of n > 0 points, as indexes. */
void tune_pick(const struct tune_point *p, int n, int *cheapest, int *fastest);

/* "128,256,512" into sizes (at most TUNE_SIZES_MAX, each 128..10240 MB,
 * strictly increasing). The count, or -1 with err_msg() naming the bad
 * part and the rule. */
int tune_sizes_parse(const char *list, int sizes[TUNE_SIZES_MAX]);

#endif
