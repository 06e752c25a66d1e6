/* VPC endpoints as AWS shows them (docs/AWS-SERVICES.md, "VPC endpoints"):
 * their ids, the prefix lists gateway endpoints route, and the DNS names
 * of interface endpoints. Computed from the topology alone, so `up`,
 * `status`, `reach` and `graph` agree. */
#ifndef VPCSIM_ENDPOINT_H
#define VPCSIM_ENDPOINT_H

#include <stddef.h>
#include <stdint.h>

#include "model/topology.h"
#include "util/cidr.h"

#define VPCE_ID_LEN 23             /* "vpce-" + 17 hex digits + NUL */
#define PL_ID_LEN 12               /* "pl-" + 8 hex digits + NUL */
#define VPCE_NAME_MAX 256

/* vpce-<17 hex>: a hash of the topology, VPC and endpoint names. */
void vpce_id(const struct topology *t, int vpc, int ep, char out[VPCE_ID_LEN]);
/* The AWS-managed prefix list of a gateway service (s3, dynamodb) in the
 * topology's Region: AWS's own id in us-east-1 (pl-63a5400a, pl-02cd2c6b),
 * a stable hash elsewhere. */
void vpce_prefix_list_id(const struct topology *t, enum aws_service s, char out[PL_ID_LEN]);
/* com.amazonaws.REGION.SERVICE */
void vpce_service_name(const struct topology *t, enum aws_service s, char *out, size_t len);
/* The CIDRs of a service's prefix list: the address the zone serves it at,
 * as a /32 (model/aws_zone.h). */
struct cidr vpce_prefix_list_cidr(enum aws_service s);
/* The regional DNS name of interface endpoint ep:
 * vpce-<id>-<8 chars>.SERVICE.REGION.vpce.amazonaws.com */
void vpce_dns_name(const struct topology *t, int vpc, int ep, char out[VPCE_NAME_MAX]);
/* Whether VPC `vpc` has a gateway endpoint for s in route table rt, and
 * which (-1: none). */
int vpce_gateway_for(const struct topology *t, int vpc, int rt, enum aws_service s);
/* The interface endpoint of VPC `vpc` with private DNS for s, or -1. */
int vpce_private_dns_for(const struct topology *t, int vpc, enum aws_service s);
struct layout;
/* The AWS names view `view` answers (model/dns.h; the resolver's "aws"
 * source), malloc'ed, NULL without memory: every served service's names
 * at its public address, except, in a VPC with a private-DNS interface
 * endpoint for it, at the addresses of that endpoint's ENIs; and in every
 * view, each interface endpoint's own vpce- name at its ENIs' addresses
 * (public DNS records of private addresses, as AWS's). */
char *vpce_view_records(const struct layout *L, int view);
/* "gateway" / "interface" */
const char *vpce_type_str(enum vpce_type type);

#endif
