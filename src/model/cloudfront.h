/* CloudFront distributions of a topology (docs/EDGE.md): their names,
 * ids and addresses, computed from the topology alone. A distribution
 * lives in the AWS zone (model/aws_zone.h) like a service: its address on
 * the zone's lo, its name in every resolver's view, served by the zone's
 * front with the topology's CA. */
#ifndef VPCSIM_CLOUDFRONT_H
#define VPCSIM_CLOUDFRONT_H

#include <stdint.h>

#include "model/topology.h"

#define CF_IP_BASE 64u             /* distribution i: 198.18.0.(64 + i) */
#define CF_DOMAIN_MAX 40           /* "d" + 13 + ".cloudfront.net" */
#define CF_ID_MAX 16               /* "E" + 13 */
#define CF_DOMAIN_SUFFIX "cloudfront.net"

static inline uint32_t cf_ip(int i)
{
	return AWS_ZONE_NET | (CF_IP_BASE + (uint32_t)i);
}

/* dXXXXXXXXXXXXX.cloudfront.net: 13 lowercase letters and digits drawn
 * from the account, the topology's and the distribution's names (the same
 * at every `up`, different across topologies). */
void cf_domain(const struct topology *t, int i, char out[CF_DOMAIN_MAX]);
/* The distribution's id, E and 13 uppercase letters and digits. */
void cf_id(const struct topology *t, int i, char out[CF_ID_MAX]);
/* The distributions' records in the resolver's hosts-file format
 * (model/dns.h): "198.18.0.64\tdXXXXXXXXXXXXX.cloudfront.net" lines, the
 * same in every view; malloc'ed ("" without distributions), NULL without
 * memory. */
char *cf_records(const struct topology *t);
/* The distribution a Host header names (port and case ignored), or -1. */
int cf_route(const struct topology *t, const char *host);

#endif
