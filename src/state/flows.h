/* Flow records of a topology that is up: every VPC's data plane read
 * (dp_flows_read) and each record tied to its ENI id from the layout.
 * What `vpcsim flows` prints, once or as it changes.
 *
 * A record belongs to the ENI whose attachment has the record's ifindex in
 * the record's VPC router (ifindexes repeat across routers). A record of an
 * ENI the layout no longer has gets interface-id "-". */
#ifndef VPCSIM_FLOWS_H
#define VPCSIM_FLOWS_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/bpf_loader.h"
#include "model/layout.h"

struct flow_entry {
	struct dp_flow_record r;
	int vpc;
	const char *eni_id;        /* owned by the layout, or "-" */
};

struct flow_set {
	struct flow_entry *e;
	int n, cap;
};

/* The open data planes of every VPC of a layout. */
struct flow_source {
	const struct layout *L;
	struct dataplane **dp;     /* [vpc] */
};

/* Open the pins of every VPC; errors name the VPC (the topology is not
 * fully up, or we lack privilege). */
int flows_open(const struct layout *L, struct flow_source *src);
void flows_close(struct flow_source *src);

/* Replace *set with every record now in the maps, in no order. */
int flows_read(struct flow_source *src, struct flow_set *set);
/* Append a copy of e (0 or -ENOMEM). */
int flow_set_add(struct flow_set *set, const struct flow_entry *e);
/* The order of `vpcsim flows`: start time as printed (Unix seconds, from
 * CLOCK_MONOTONIC plus clock_offset_ns), then ENI id, then exact start and
 * flow key, so the order is stable. */
void flow_set_sort(struct flow_set *set, int64_t clock_offset_ns);
void flow_set_free(struct flow_set *set);
void flow_set_sort_by_key(struct flow_set *set);

/* For --follow, as AWS publishes per aggregation interval: compare `now`
 * with `seen` (what was printed, sorted by key) and put into `out` the
 * records to print: a new flow whole; for a flow whose counters grew, only
 * the growth, starting where its previous record ended. A flow whose
 * counters went back or whose start moved is a new flow under the same key
 * (an expired entry made again) and is printed whole. `seen` is updated to
 * what `out` reports, and stays sorted by key. */
int flow_set_diff(struct flow_set *seen, const struct flow_set *now, struct flow_set *out);

/* Same flow: VPC, ENI, action, protocol, addresses and ports. */
int flow_entry_cmp_key(const struct flow_entry *a, const struct flow_entry *b);

#endif
