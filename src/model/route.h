/* A kernel route as a value: what the plan asks for (plan.h) and rtnl
 * installs (rtnl.h). Addresses in host byte order. */
#ifndef VPCSIM_ROUTE_H
#define VPCSIM_ROUTE_H

#include <stdint.h>

#include "util/cidr.h"

enum route_kind {
	ROUTE_UNICAST,
	ROUTE_BLACKHOLE,
};

struct route_spec {
	uint32_t table;          /* RT_TABLE_MAIN = 254 */
	struct cidr dst;
	enum route_kind kind;
	int oif;                 /* unicast: output ifindex */
	uint32_t gateway;        /* 0: directly connected (scope link) */
	int onlink;              /* gateway is on-link without a route to it */
};

#endif
