/* Shared by reach.c (the walk), reach_eni.c (an ENI's checks) and
 * reach_text.c (names of things, rules and fixes in plain words). */
#ifndef VPCSIM_REACH_INTERNAL_H
#define VPCSIM_REACH_INTERNAL_H

#include "model/reach.h"

/* Linux clients take their source ports from 32768-60999
 * (net.ipv4.ip_local_port_range); NAT gateways and hyperplane ENIs keep
 * them (nftables masquerade keeps a free port). Replies go back to one. */
#define EPHEMERAL_LO 32768
#define EPHEMERAL_HI 60999

#define WALK_MAX_CT 16
#define WALK_MAX_SNAT 8

/* One packet as the data plane sees it. icmp: type << 8 | code. */
struct rpkt {
	uint32_t src, dst;
	uint8_t proto;
	uint16_t sport, dport;
	uint16_t icmp;
};

struct walk {
	const struct layout *L;
	const struct policy *pol;
	struct reach_result *r;
	const struct attachment *sandbox;   /* per-sandbox source ENI, or NULL */
	bool reply;                         /* walking the reply */
	bool record;                        /* add hops to r */
	int src_vpc;                        /* -1: internet or Lambda service */
	bool from_service;                  /* source: a function without VPC */
	uint32_t service_ip;                /* its environment's address */
	int target_node;                    /* the node TO names, or -1 */
	/* ENIs whose groups admitted the request: connection tracking lets
	 * the reply through them. */
	const struct attachment *ct[WALK_MAX_CT];
	int n_ct;
	/* Source NAT done by NAT gateways on the way: undone for the reply. */
	struct {
		const struct attachment *nat;
		uint32_t orig;
	} snat[WALK_MAX_SNAT];
	int n_snat;
	const struct attachment *arrived;   /* where the walk ended */
	uint32_t vpce_orig;                 /* source before a gateway endpoint's NAT, 0 */
	int dist;                           /* the CloudFront distribution TO names, or -1 */
};

/* reach_eni.c: the checks of the data plane at a VPC ENI, in its order.
 * Return true when the packet passes; otherwise the block is in w->r. */
bool eni_leave(struct walk *w, const struct attachment *a, const struct rpkt *p);
bool eni_enter(struct walk *w, const struct attachment *a, const struct rpkt *p,
	       bool from_outside);

/* reach.c */
void walk_hop(struct walk *w, const char *component, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Record the block (first one wins) and return false. */
bool walk_block(struct walk *w, enum reach_code code, const char *component,
		const char *fix, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* The attachment with private address ip whose groups VPC vpc's data
 * plane knows (its own and peered VPCs' ENIs), or NULL. */
const struct attachment *walk_member(const struct walk *w, int vpc, uint32_t ip);
bool vpcs_are_peered(const struct topology *t, int a, int b);

/* reach_route.c: one router's decision for p, which it may translate
 * (NAT). True with *n set, or false with the block in w->r. */
/* Where the packet goes next from a router. */
struct next {
	int router;                        /* >= 0: on to this router */
	int link;                          /* ... arriving by this link */
	const struct attachment *att;      /* or: delivered into this ENI/node */
	bool done;                         /* or: reply back at a service function */
};
bool router_vpc(struct walk *w, int router, int in_link, struct rpkt *p, struct next *n);
bool router_inet(struct walk *w, struct rpkt *p, struct next *n);
bool router_lambda(struct walk *w, struct rpkt *p, struct next *n);
/* The ENI of VPC vpc with address ip (the router's /32s), the per-sandbox
 * source's included, or NULL. */
const struct attachment *walk_vpc_att(const struct walk *w, int vpc, uint32_t ip);

/* reach_vpce.c: VPC endpoints. The service the zone serves at ip, or -1. */
int reach_zone_service(const struct topology *t, uint32_t ip);
/* In router_vpc: the prefix-list route of a gateway endpoint in table rt
 * (subnet s) when it beats the table's own route r for p: true with *n
 * set to the endpoint's router. */
bool reach_gateway_endpoint(struct walk *w, int v, int s, int rt, const struct route *r,
			    struct rpkt *p, struct next *n);
/* A gateway endpoint's router: source NAT towards the zone, and back. */
bool router_vpce(struct walk *w, int router, int in_link, struct rpkt *p, struct next *n);
/* In router_inet: the zone's service addresses and the endpoints' links
 * (true with *n set), else false. */
bool router_inet_zone(struct walk *w, struct rpkt *p, struct next *n);
/* The fix when table rt of VPC v has no route for a service address. */
void reach_service_no_route(const struct walk *w, int v, const struct route_table *rt,
			    uint32_t dst, char *fix, size_t len);
/* A packet for a service that came in by a peering to a VPC with a
 * gateway endpoint for it: blocked with the reason (true), else false. */
bool reach_peer_gateway_endpoint(struct walk *w, int v, int in_link, uint32_t dst);
/* TO naming an AWS service (s3.us-east-1.amazonaws.com): the address the
 * source VPC's resolver gives (the interface endpoint's ENI under private
 * DNS, else the public one) and the node there. */
bool reach_resolve_service(const struct layout *L, int src_vpc, const char *name, uint32_t *ip,
			   int *node);

/* reach.c: reach_analyze() from node src_node of the layout (one
 * reach_analyze cannot name: the AWS zone) when >= 0, else from q->from. */
int reach_analyze_from(const struct layout *L, const struct policy *pol,
		       const struct reach_query *q, int src_node, struct reach_result *r);

/* reach_cloudfront.c: CloudFront distributions. The distribution at ip,
 * or -1. */
int reach_distribution_at(const struct topology *t, uint32_t ip);
/* TO naming a distribution (its name or domain): its address, the zone's
 * node and its index. */
bool reach_resolve_distribution(const struct layout *L, const char *name, uint32_t *ip,
				int *node, int *dist);
/* After the viewer's connection to distribution d opened: the
 * distribution's hop and the walk from the zone to its origin appended
 * to r; a blocked origin leg is r's block (the verdict stays the
 * viewer's). */
void reach_origin_leg(const struct layout *L, const struct policy *pol, int d,
		      struct reach_result *r);

/* reach_text.c */
void text_eni(const struct layout *L, const struct attachment *a, char *buf, size_t len);
void text_traffic(uint8_t proto, uint16_t port, uint16_t icmp, char *buf, size_t len);
void text_sg_rule(const struct topology *t, int vpc, const struct sg_rule *r,
		  bool ingress, char *buf, size_t len);
void text_nacl_rule(const struct nacl_rule *r, bool ingress, char *buf, size_t len);
/* "group app/db" as seen from VPC `from` ("db" would be ambiguous). */
void text_group(const struct topology *t, int vpc, int sg, char *buf, size_t len);
/* How a rule of a group of VPC `vpc` would name the remote end ip:
 * "group app/lambda" when it is an ENI the VPC knows, else "10.0.1.4/32". */
void text_peer(const struct walk *w, int vpc, uint32_t ip, char *buf, size_t len);

#endif
