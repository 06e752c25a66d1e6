/* VPC Flow Logs records (version 2, default format) from the data plane's
 * flow records (struct dp_flow_record below, read by bpf_loader.h):
 *
 *   version account-id interface-id srcaddr dstaddr srcport dstport
 *   protocol packets bytes start end action log-status
 *
 * Ports are written for TCP and UDP, 0 for ICMP, `-` for other protocols
 * (AWS writes `-` where a field does not apply). start and end are Unix
 * seconds: the records' CLOCK_MONOTONIC times plus the offset from
 * flowlog_clock_offset_ns(). */
#ifndef VPCSIM_FLOWLOG_H
#define VPCSIM_FLOWLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One flow-log record: a direction of a tracked flow (ACCEPT, from the
 * conntrack counters) or a rejected flow (REJECT, from flow_reject).
 * Addresses and ports in host byte order; ports are 0 for ICMP and for
 * protocols without ports. Times are CLOCK_MONOTONIC nanoseconds. */
struct dp_flow_record {
	uint32_t ifindex;
	uint32_t eni_id;       /* from enis; 0 when the ENI is gone */
	bool accept;
	uint8_t proto;
	uint32_t src, dst;
	uint16_t sport, dport;
	uint64_t packets, bytes;
	uint64_t first_ns, last_ns;
};

/* CLOCK_REALTIME - CLOCK_MONOTONIC, now. */
int64_t flowlog_clock_offset_ns(void);

/* Writes one line (no newline) into buf; returns its length, or the length
 * it would have had if buf was too small (as snprintf). */
int flowlog_format(char *buf, size_t len, const char *account_id,
		   const char *interface_id, const struct dp_flow_record *r,
		   int64_t clock_offset_ns);

/* The fields of a line, in order, as AWS names them ("version",
 * "account-id", ..., "log-status"), and whether a field holds a number
 * (when it is not `-`): for writers of other formats (JSON) that must
 * carry exactly the line's values. */
#define FLOWLOG_FIELDS 14
extern const char *const flowlog_field_names[FLOWLOG_FIELDS];
bool flowlog_field_is_number(int field);

#endif
