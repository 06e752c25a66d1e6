/* The plan: the ordered list of kernel steps that builds a layout, and the
 * executor that runs it with a journal.
 *
 * plan_build() is pure (unit-tested without root); plan_apply() runs the
 * steps and journals every object that outlives its namespace (namespaces,
 * files, directories, processes). Objects inside a namespace we created
 * (links, addresses, routes, rules, nftables tables) need no journal entry:
 * removing the namespace removes them. A failure at step k undoes the
 * journal in reverse, so nothing of the failed `up` remains. */
#ifndef VPCSIM_PLAN_H
#define VPCSIM_PLAN_H

#include "state/journal.h"
#include "model/layout.h"
#include "kernel/rtnl.h"

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
	STEP_HOSTS,         /* /etc/netns/<node>/hosts */
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

struct apply_opts {
	const char *state_dir;   /* logs go to STATE_DIR/logs */
	int fail_at;             /* testing: step fail_at (1-based) fails; 0 none */
};

/* Run every step; on failure undo the journal and return the error with
 * "step K/N (description)" in the message. */
int plan_apply(const struct layout *L, const struct plan *P, struct journal *J,
	       const struct apply_opts *o);

/* Shared with env.c, which attaches execution environments the same way.
 *
 * attach_veth: the veth of attachment `a` (router end a->ifname with
 * a->ifindex and `alias` in `router`, eth0 in `node`), the node's address
 * (noprefixroute) and default route via a->gateway on-link, and the
 * router's /32 to the node. */
int attach_veth(struct netns *router, struct netns *node, const struct attachment *a,
		const char *alias);
/* An ENI's entry in its VPC's ENI table, then the programs on its router
 * end (in `router`): a packet never meets the programs without its entry. */
struct dataplane;
struct dp_eni;
int eni_dataplane_attach(struct netns *router, struct dataplane *dp, int ifindex,
			 const struct dp_eni *eni);

#endif
