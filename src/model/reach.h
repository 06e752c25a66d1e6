/* Reachability analysis: what a connection attempt FROM -> TO PORT/PROTO
 * would see, computed from the topology, its layout and the compiled
 * policy alone, without a packet (AWS Reachability Analyzer's job).
 *
 * The analysis walks the packet the way the kernel objects `up` built
 * would carry it (docs/REACH.md): the source ENI's entry
 * (eni_entry_build, the very entry the data plane holds) and groups
 * (policy_sg_allows on the compiled policy), the subnet's NACL
 * (nacl_eval), the VPC router's rules (to the VPC CIDR: the ENIs' /32s;
 * from a subnet: its route table, longest prefix, blackhole when none),
 * the internet gateway's 1:1 NAT and its drop of sources without a public
 * address, NAT gateways and hyperplane ENIs (source NAT), peering (not
 * transitive), the Lambda service VPC, the destination's inbound checks in
 * the data plane's order (NACL, outside guard, function inbound, groups),
 * the listener, and then the reply back along the same way (NACLs are
 * stateless: checked for every port of the client's ephemeral range;
 * groups are stateful: the reply passes where the request made an
 * entry). Verdicts use the probe's words: open, refused, timeout.
 *
 * Pure: no kernel, no state; the caller hands in what is up. */
#ifndef VPCSIM_REACH_H
#define VPCSIM_REACH_H

#include <stdbool.h>
#include <stdint.h>

#include "model/layout.h"
#include "model/policy.h"

/* Explanation codes: AWS Reachability Analyzer's names, and vpcsim's own
 * (marked) where AWS has none. reach_code_name() gives the text. */
enum reach_code {
	REACH_OK = 0,
	REACH_ENI_SG_RULES_MISMATCH,
	REACH_SG_HAS_NO_RULES,
	REACH_SUBNET_ACL_RESTRICTION,
	REACH_NO_ROUTE_TO_DESTINATION,
	REACH_BAD_STATE_ROUTE,
	REACH_MORE_SPECIFIC_ROUTE,
	REACH_IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS,
	REACH_DISCONNECTED_VPCS,
	REACH_PEERING_NOT_TRANSITIVE,     /* vpcsim */
	REACH_NO_PATH,
	REACH_LAMBDA_NO_INBOUND,          /* vpcsim */
	REACH_LAMBDA_NO_VPC_CONFIG,       /* vpcsim */
	REACH_NO_LISTENER,                /* vpcsim: refused */
	REACH_NO_PUBLIC_IP,               /* vpcsim: the outside-link guard */
	REACH__COUNT,
};

const char *reach_code_name(enum reach_code c);

#define REACH_MAX_HOPS 48
#define REACH_TEXT 320

/* One step of the path: a component and what decided there. */
struct reach_hop {
	bool reply;                   /* on the way back */
	char component[96];           /* "eni-0123… (db)", "route table app/private" */
	char detail[REACH_TEXT];      /* "group app/db inbound rule 1: tcp 5432 from group app/lambda" */
};

struct reach_result {
	enum probe_result verdict;
	uint32_t dst_ip;              /* the address FROM uses for TO */
	struct reach_hop hops[REACH_MAX_HOPS];
	int n_hops;
	/* Blocked (timeout) or refused: */
	enum reach_code code;
	enum reach_code code2;        /* an additional code, REACH_OK if none */
	bool on_reply;                /* the reply, not the request, is blocked */
	char component[96];
	char explanation[REACH_TEXT];
	char fix[REACH_TEXT];
};

/* Where the source sits when it is a function in per-sandbox mode: the
 * address its environment's own ENI has (or will get). 0 = predict the
 * lowest free one of its first subnet. */
struct reach_query {
	const char *from, *to;        /* node or function names; `to` may be an IPv4 address */
	uint8_t proto;                /* 6, 17 or 1 */
	uint16_t port;                /* 0 for icmp */
	uint32_t sandbox_ip;
};

/* Analyse q on layout L (the topology is L->t) with `pol`, the policy of
 * every VPC compiled as the data planes hold it (reach_policy_compile).
 * Returns 0 with *r filled, or -1 with errf() for an unknown FROM or TO
 * (the message names it and the choices). */
int reach_analyze(const struct layout *L, const struct policy *pol,
		  const struct reach_query *q, struct reach_result *r);

/* Compile the policy of every VPC into one struct policy (ids are global,
 * so the VPCs' entries never collide). 0 or -errno with errf(). */
int reach_policy_compile(const struct layout *L, struct policy *pol);

/* The listening ports of node `node` (resource or host): count, and
 * each (proto, port) through the arrays (may be NULL). */
int reach_node_listen(const struct layout *L, int node, const struct listen_port **out);

/* The TCP port a real engine of node `node` listens on: an `rds` with an
 * engine (its `port`) or an `rds-proxy` with a target (5432); 0 for any
 * other node. Engines listen besides the `listen` list (docs/RDS.md). */
uint16_t reach_node_engine_port(const struct layout *L, int node);

#endif
