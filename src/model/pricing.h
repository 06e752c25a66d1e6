/* What Lambda would charge: requests and GB-seconds at the published
 * on-demand rates (x86), with the monthly free tier. The rates are data,
 * in one place: `lambda_rates` in pricing.c. */
#ifndef VPCSIM_PRICING_H
#define VPCSIM_PRICING_H

#include <stddef.h>

struct lambda_rates {
	double usd_per_request;        /* per request */
	double usd_per_gb_second;      /* per GB-second of billed duration */
	long long free_requests;       /* per month */
	long long free_gb_seconds;     /* per month */
	const char *source;            /* where and when the rates were read */
};

extern const struct lambda_rates lambda_rates;

/* GB-seconds of one invoke: billed ms / 1000 x memory MB / 1024. */
double lambda_gb_seconds(long long billed_ms, int memory_mb);

struct lambda_cost {
	long long requests;
	double gb_seconds;
	double request_usd, compute_usd, total_usd; /* at on-demand rates, no free tier */
};

/* The price of `requests` requests and `gb_seconds` GB-seconds. */
struct lambda_cost lambda_cost(long long requests, double gb_seconds);

/* "$0.0000002021" under a cent, "$0.1234" under a dollar, "$12.35" above:
 * enough digits that one 1 ms invoke of 128 MB is not $0.00. Returns buf. */
const char *lambda_usd_str(double usd, char *buf, size_t len);

/* The rates as words: "on-demand x86: $0.20 per 1M requests,
 * $0.0000166667 per GB-s". Returns buf. */
const char *lambda_rates_str(char *buf, size_t len);

/* The free tier as words: "free tier: 1,000,000 requests and 400,000
 * GB-seconds a month". Returns buf. */
const char *lambda_free_tier_str(char *buf, size_t len);

#endif
