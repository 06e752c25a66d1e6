/* Lambda's on-demand prices (see pricing.h). */
#include <stdio.h>

#include "model/pricing.h"

/* The rates, x86 architecture, first pricing tier (the first 6 billion
 * GB-seconds a month), as published on https://aws.amazon.com/lambda/pricing/
 * for US East (N. Virginia), read 2026-11: $0.20 per 1M requests,
 * $0.0000166667 per GB-second; free tier 1M requests and 400,000
 * GB-seconds a month (shared by all functions of an account). To update,
 * change these numbers and the date; tests/unit/test_pricing.c checks the
 * arithmetic against them. */
const struct lambda_rates lambda_rates = {
	.usd_per_request = 0.20 / 1e6,
	.usd_per_gb_second = 0.0000166667,
	.free_requests = 1000000,
	.free_gb_seconds = 400000,
	.source = "AWS Lambda on-demand pricing, x86, us-east-1, read 2026-11",
};

double lambda_gb_seconds(long long billed_ms, int memory_mb)
{
	return (double)billed_ms / 1000.0 * (double)memory_mb / 1024.0;
}

struct lambda_cost lambda_cost(long long requests, double gb_seconds)
{
	struct lambda_cost c = { .requests = requests, .gb_seconds = gb_seconds };

	c.request_usd = (double)requests * lambda_rates.usd_per_request;
	c.compute_usd = gb_seconds * lambda_rates.usd_per_gb_second;
	c.total_usd = c.request_usd + c.compute_usd;
	return c;
}

const char *lambda_usd_str(double usd, char *buf, size_t len)
{
	if (usd >= 1.0 || usd == 0.0)
		snprintf(buf, len, "$%.2f", usd);
	else if (usd >= 0.01)
		snprintf(buf, len, "$%.4f", usd);
	else
		snprintf(buf, len, "$%.10f", usd);
	return buf;
}

/* 1000000 -> "1,000,000" */
static void thousands(long long n, char *buf, size_t len)
{
	char digits[32];
	int nd = snprintf(digits, sizeof(digits), "%lld", n);
	size_t o = 0;

	for (int i = 0; i < nd && o + 2 < len; i++) {
		if (i && (nd - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = digits[i];
	}
	buf[o] = '\0';
}

const char *lambda_rates_str(char *buf, size_t len)
{
	snprintf(buf, len, "on-demand x86: $%.2f per 1M requests, $%.10f per GB-s",
		 lambda_rates.usd_per_request * 1e6, lambda_rates.usd_per_gb_second);
	return buf;
}

const char *lambda_free_tier_str(char *buf, size_t len)
{
	char r[32], g[32];

	thousands(lambda_rates.free_requests, r, sizeof(r));
	thousands(lambda_rates.free_gb_seconds, g, sizeof(g));
	snprintf(buf, len, "free tier: %s requests and %s GB-seconds a month", r, g);
	return buf;
}
