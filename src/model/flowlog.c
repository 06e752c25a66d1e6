/* VPC Flow Logs v2 lines from data plane flow records. */
#include <inttypes.h>
#include <stdio.h>
#include <time.h>

#include "util/cidr.h"
#include "model/flowlog.h"

const char *const flowlog_field_names[FLOWLOG_FIELDS] = {
	"version", "account-id", "interface-id", "srcaddr", "dstaddr",
	"srcport", "dstport", "protocol", "packets", "bytes", "start", "end",
	"action", "log-status",
};

bool flowlog_field_is_number(int field)
{
	/* account-id is digits but an identifier, as AWS treats it. */
	return field == 0 || (field >= 5 && field <= 11);
}

int64_t flowlog_clock_offset_ns(void)
{
	struct timespec real, mono;

	clock_gettime(CLOCK_REALTIME, &real);
	clock_gettime(CLOCK_MONOTONIC, &mono);
	return ((int64_t)real.tv_sec - mono.tv_sec) * 1000000000LL +
	       (real.tv_nsec - mono.tv_nsec);
}

static void port_str(char out[8], uint8_t proto, uint16_t port)
{
	if (proto == 6 || proto == 17)
		snprintf(out, 8, "%u", port);
	else
		snprintf(out, 8, "%s", proto == 1 ? "0" : "-");
}

int flowlog_format(char *buf, size_t len, const char *account_id,
		   const char *interface_id, const struct dp_flow_record *r,
		   int64_t clock_offset_ns)
{
	char src[IP4_STRLEN], dst[IP4_STRLEN], sp[8], dp[8];
	int64_t start = ((int64_t)r->first_ns + clock_offset_ns) / 1000000000LL;
	int64_t end = ((int64_t)r->last_ns + clock_offset_ns) / 1000000000LL;

	port_str(sp, r->proto, r->sport);
	port_str(dp, r->proto, r->dport);
	return snprintf(buf, len,
			"2 %s %s %s %s %s %s %u %" PRIu64 " %" PRIu64 " %" PRId64
			" %" PRId64 " %s OK",
			account_id, interface_id, ip4_str(r->src, src),
			ip4_str(r->dst, dst), sp, dp, r->proto, r->packets,
			r->bytes, start, end, r->accept ? "ACCEPT" : "REJECT");
}
