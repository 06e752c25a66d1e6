/* The plan: the ordered list of kernel steps that builds a layout. Pure
 * (unit-tested without root); state/apply.h runs it. */
#ifndef VPCSIM_PLAN_H
#define VPCSIM_PLAN_H

#include "model/layout.h"
#include "model/route.h"

enum step_op {
	STEP_ROUTER,        /* create a router namespace, forwarding on */
	STEP_NODE,          /* create a node namespace */
	STEP_GATEWAY_ADDR,  /* router address (subnet +1) on the router's lo */
	STEP_ATTACH,        /* veth router e<k> <-> node eth0, addresses, routes */
	STEP_LINK,          /* veth router <-> router with /30 addresses */
	STEP_ROUTE,         /* a route in a router table */
	STEP_RULE,          /* a policy rule in a router */
	STEP_NAT,           /* nftables NAT in a router or NAT gateway */
	STEP_DATAPLANE,     /* load and pin a VPC's BPF data plane, fill policy */
	STEP_ENI_DATAPLANE, /* an ENI's entry in its VPC's maps, programs attached */
	STEP_HOSTS,         /* /etc/netns/<node>/hosts and resolv.conf */
	STEP_RESOLVER,      /* a view's DNS records and resolver (ref: view, dns.h) */
	STEP_RESOLVERS_READY, /* wait until every resolver answers */
	STEP_RESPONDER,     /* the built-in responder for every listen port */
	STEP_DB_INIT,       /* an rds engine's data folder: initdb, configuration */
	STEP_DB_START,      /* start it, wait until ready, create the master user */
	STEP_PROXY_START,   /* an rds-proxy's pooler: configuration, start, wait */
	STEP_COMMAND,       /* a resource's command */
};

struct step {
	enum step_op op;
	int ns;             /* namespace: plan_ns_router(r) or plan_ns_node(n) */
	int ref;            /* attachment, link, node or resource index */
	uint32_t addr;      /* STEP_GATEWAY_ADDR */
	struct route_spec route;
	struct {
		uint32_t pref, table;
		struct cidr src, dst;
	} rule;
};

struct plan {
	struct step *steps;
	int n, cap;
};

/* Namespace indices used in steps: routers first, then nodes. */
static inline int plan_ns_router(int router) { return router; }
static inline int plan_ns_node(const struct layout *L, int node) { return L->n_routers + node; }
const char *plan_ns_name(const struct layout *L, int ns);

int plan_build(const struct layout *L, struct plan *P);
void plan_free(struct plan *P);
/* One line describing step i, for --dry-run and error messages. */
void plan_step_describe(const struct layout *L, const struct step *s, char *buf, size_t len);

#endif
