/* The layout: a topology as it is laid out in the kernel, computed without
 * touching it. Namespace and interface names, private and public addresses,
 * ENI ids, kernel table numbers and link addresses all follow from the
 * topology alone, deterministically, so `up`, `status`, `probe` and later
 * `reach` all derive the same picture from the topology file kept in the
 * state directory.
 *
 * Roles: a *router* namespace forwards (one per VPC, the simulated internet,
 * the Lambda service VPC); a *node* namespace is an endpoint with one `eth0`
 * (a resource, a function's execution environment, an internet host, a NAT
 * gateway). Every node hangs off one router by an *attachment* (a veth: the
 * router end named e<k>, the node end eth0); attachments in a VPC are ENIs.
 * Routers are joined by *links* (internet gateway, peering, Lambda egress). */
#ifndef VPCSIM_LAYOUT_H
#define VPCSIM_LAYOUT_H

#include <net/if.h>
#include <stdint.h>

#include "util/paths.h" /* NETNS_NAME_MAX */
#include "model/topology.h"
#include "model/numbering.h"

#define ENI_ID_LEN 22              /* "eni-" + 17 hex digits + NUL */
#define INET_GATEWAY 0xa9fefe01u   /* 169.254.254.1: hosts' router address */

/* MTUs (AWS-SEMANTICS.md): 9001 inside a VPC and over peering, 8500 at a
 * NAT gateway, 1500 on the internet, through an internet gateway and the
 * Lambda service VPC's path to the internet. */
#define MTU_VPC 9001
#define MTU_NAT 8500
#define MTU_INTERNET 1500

#define IFINDEX_NODE_ETH0 2        /* eth0 in every node (lo is 1) */

/* Kernel routing tables of a VPC router: route table i is table 100 + i;
 * the VPC-local routes (one /32 per ENI) live in the kernel's main table. */
#define TABLE_BASE 100
#define RULE_PREF_LOCAL 100        /* to VPC_CIDR lookup main */
#define RULE_PREF_SUBNET 1000      /* + subnet index: from SUBNET lookup T */

enum router_role {
	ROUTER_VPC,
	ROUTER_INTERNET,
	ROUTER_LAMBDA,             /* the Lambda service VPC */
	ROUTER_VPCE,               /* a gateway VPC endpoint (docs/AWS-SERVICES.md) */
};

struct router {
	enum router_role role;
	int vpc;                   /* ROUTER_VPC, ROUTER_VPCE: index into topology.vpcs */
	int endpoint;              /* ROUTER_VPCE: index into vpc.endpoints, else -1 */
	char netns[NETNS_NAME_MAX];
	int n_attachments;         /* e0..e<n-1> */
};

enum node_kind {
	NODE_RESOURCE,
	NODE_HYPERPLANE,           /* a hyperplane ENI of VPC functions */
	NODE_HOST,                 /* internet host */
	NODE_NAT,                  /* NAT gateway */
	NODE_AWS,                  /* the AWS public zone (aws_zone.h) */
	NODE_VPCE,                 /* an interface endpoint's ENI (layout.vpce_enis) */
};

struct node {
	enum node_kind kind;
	int index;                 /* into topology resources/hosts,
				    * vpc.nat_gateways for NODE_NAT,
				    * layout.hpls for NODE_HYPERPLANE,
				    * layout.vpce_enis for NODE_VPCE */
	int vpc;                   /* -1: internet or Lambda service VPC */
	const char *name;          /* topology name (owned by the topology) */
	char netns[NETNS_NAME_MAX];
	int att;                   /* its attachment */
};

struct attachment {
	int router, node;
	char ifname[IFNAMSIZ];     /* router end: e<k> */
	int ifindex;               /* router end: IFINDEX_ATT_BASE + k */
	int vpc, subnet;           /* -1 outside VPCs */
	uint32_t ip, gateway;      /* node address and its router address */
	uint8_t prefix;            /* shown on eth0: the subnet's length */
	uint32_t public_ip;        /* 0: none */
	int sgs[ENI_SG_MAX];       /* VPC ENIs: group indices within the VPC */
	int n_sgs;
	char eni_id[ENI_ID_LEN];   /* VPC ENIs only, else "" */
	int mtu;                   /* of both ends of the veth */
};

enum link_kind {
	LINK_IGW,                  /* VPC router <-> internet */
	LINK_PEERING,              /* VPC router <-> VPC router */
	LINK_LAMBDA,               /* Lambda service VPC <-> internet */
	LINK_VPCE,                 /* VPC router <-> gateway endpoint router */
	LINK_VPCE_ZONE,            /* gateway endpoint router <-> internet (the AWS zone) */
};

struct router_link {
	enum link_kind kind;
	int ref;                   /* vpc (IGW), peering, the endpoint's router
				    * (LINK_VPCE*), or -1 */
	int router[2];
	char ifname[2][IFNAMSIZ];
	int ifindex[2];
	uint32_t ip[2];            /* /30 link addresses */
	int mtu;                   /* MTU_VPC for peering, else MTU_INTERNET */
};

/* A hyperplane ENI: one per (subnet, sorted security-group set) used by
 * VPC functions in hyperplane mode; their execution environments attach
 * to its namespace and are source-NATed onto its address. */
struct hyperplane {
	int vpc, subnet;
	int sgs[ENI_SG_MAX];       /* sorted */
	int n_sgs;
	int node;
	char name[64];             /* hpl-SUBNET-K */
	char functions[256];       /* "a,b": the functions sharing it */
};

/* An interface endpoint's ENI in one of its subnets. The AWS zone's
 * front listens on its address, port 443, and serves the endpoint's
 * service there (aws/front_vpce.c). */
struct vpce_eni {
	int vpc, endpoint, subnet;
	int node;
	char name[72];             /* ENDPOINT-SUBNET, for status and graph */
};

struct layout {
	const struct topology *t;
	struct router *routers;
	int n_routers;
	int inet, lambda;          /* router indices */
	int *vpc_router;           /* vpc index -> router */
	int *vpc_igw;              /* vpc index -> link, -1 without igw */
	struct node *nodes;
	int n_nodes;
	struct attachment *atts;
	int n_atts;
	struct router_link *links;
	int n_links;
	uint32_t lambda_egress_ip; /* public source of default-mode functions */
	int **nat_node;            /* [vpc][nat gateway] -> node */
	struct hyperplane *hpls;   /* empty in per-sandbox mode */
	int n_hpls;
	int aws_node;              /* the AWS public zone, -1 without "aws" */
	struct vpce_eni *vpce_enis;
	int n_vpce_enis;
};

/* Compute the layout. Problems that only show once addresses are handed
 * out (a full subnet, an exhausted public pool) are added to *d with their
 * JSON path and make it fail (-1). */
int layout_build(const struct topology *t, struct layout *L, struct diags *d);
void layout_free(struct layout *L);
/* Load, check and lay out `file` (topology_load + layout_build): the
 * topology with *L built, or NULL with every problem in d. The one way
 * commands read a topology file. */
struct topology *topology_open(const char *file, struct layout *L, struct diags *d);
/* The same, reading the file once: on success *text holds the exact bytes
 * that were parsed (malloc'd, *len bytes; the caller frees them), which
 * `up` saves, so the saved copy can never differ from the checked one. */
struct topology *topology_open_bytes(const char *file, struct layout *L, struct diags *d,
				     char **text, size_t *len);
/* The same for a file that may be a SAM or CloudFormation template
 * (template.h): o->name names its topology (o NULL or name NULL: the
 * file's name without extension), o->overrides sets its parameters;
 * *text is then the topology document made of it. A topology file keeps
 * its own name. */
struct template_opts;
struct topology *topology_open_as(const char *file, const struct template_opts *o,
				  struct layout *L, struct diags *d, char **text, size_t *len);

/* The node named `name` (resource or host), or -1. Functions are no
 * nodes: their execution environments come and go (env.h). */
int layout_find_node(const struct layout *L, const char *name);
/* The function named `name`, or -1. */
int layout_find_function(const struct layout *L, const char *name);
/* For an error about a name that is none of the topology's: "; did you
 * mean 'X'?" with the function (and, unless functions_only, resource or
 * internet host) name within 2 edits of it, or "" (a static buffer). */
const char *layout_name_hint(const struct layout *L, const char *name, bool functions_only);
/* The hyperplane of function `fn` for its subnet_i-th subnet, or -1
 * (per-sandbox mode, or no VPC). */
int layout_fn_hyperplane(const struct layout *L, int fn, int subnet_i);
/* Split horizon as seen from VPC `vpc` (-1: outside every VPC). */
uint32_t layout_resolve_vpc(const struct layout *L, int vpc, int target);
/* The address `asker` should use for `target`, split-horizon as
 * docs/TOPOLOGY.md says: private within the VPC or a peered one, else public if
 * the target has one, else private. asker may be -1 (outside every VPC). */
uint32_t layout_resolve(const struct layout *L, int asker, int target);
/* The link index of peering p, or -1. */
int layout_peering_link(const struct layout *L, int peering);
/* The router of gateway endpoint ep of VPC vpc, and its link of `kind`
 * (LINK_VPCE: to the VPC router; LINK_VPCE_ZONE: to the internet); -1
 * when the endpoint is no gateway. */
int layout_vpce_router(const struct layout *L, int vpc, int ep);
int layout_vpce_link(const struct layout *L, int vpc, int ep, enum link_kind kind);

/* ENI ids: "eni-" + 17 hex digits, a hash of the topology name and the
 * attachment's description, stable across runs. */
void eni_id_make(const char *topology, const char *what, char out[ENI_ID_LEN]);

#endif
