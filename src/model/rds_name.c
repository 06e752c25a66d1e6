/* RDS endpoint names (rds_name.h). Pure. */
#include <stdint.h>
#include <stdio.h>

#include "util/hash.h"
#include "model/rds_name.h"

void rds_name_token(const char *account, const char *region, const char *topology,
		    char out[RDS_TOKEN_LEN])
{
	static const char digits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
	uint64_t h = fnv1a(FNV1A_OFFSET, "rds/");

	h = fnv1a(fnv1a(fnv1a(h, account), "/"), region);
	h = fnv1a(fnv1a(h, "/"), topology);
	/* A letter first, as AWS's tokens mostly are; 36^11 > 2^56. */
	out[0] = digits[10 + h % 26];
	h /= 26;
	for (int i = 1; i < RDS_TOKEN_LEN - 1; i++) {
		out[i] = digits[h % 36];
		h /= 36;
	}
	out[RDS_TOKEN_LEN - 1] = '\0';
}

void rds_name_endpoint(const char *account, const char *region, const char *topology,
		       const char *name, bool proxy, char *out, size_t len)
{
	char token[RDS_TOKEN_LEN];

	rds_name_token(account, region, topology, token);
	snprintf(out, len, "%s.%s%s.%s.rds.amazonaws.com", name, proxy ? "proxy-" : "", token,
		 region);
}
