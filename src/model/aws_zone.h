/* The AWS public zone of a topology (docs/AWS-SERVICES.md): where each
 * service answers and by which names, computed from the topology alone.
 * One namespace in the simulated internet holds every endpoint: the
 * zone's own address on its eth0 and one address per service on its lo,
 * all in AWS_ZONE_NET (topology.h says why that block). */
#ifndef VPCSIM_AWS_ZONE_H
#define VPCSIM_AWS_ZONE_H

#include <stddef.h>
#include <stdio.h>

#include "model/topology.h"

#define AWS_ZONE_IP (AWS_ZONE_NET | 1u)  /* 198.18.0.1: the zone's eth0 */
#define AWS_SERVICE_IP_BASE 10u          /* s3 198.18.0.10, dynamodb .11, ... */
#define AWS_HOST_MAX 256                 /* a DNS name: 253 characters */

static inline uint32_t aws_service_ip(enum aws_service s)
{
	return AWS_ZONE_NET | (AWS_SERVICE_IP_BASE + (uint32_t)s);
}

static inline bool aws_serves(const struct topology *t, enum aws_service s)
{
	return t->aws.enabled && (t->aws.services & (1u << s));
}

/* The service's names, one per call: i = 0, 1, ... until it returns
 * false. s3: s3.REGION.amazonaws.com, s3.amazonaws.com (botocore's global
 * name for us-east-1) and each bucket's virtual-hosted names; sts: also
 * sts.amazonaws.com; execute-api: the HTTP API's ID.execute-api.REGION.amazonaws.com;
 * the rest SERVICE.REGION.amazonaws.com. */
bool aws_service_host(const struct topology *t, enum aws_service s, int i,
		      char out[AWS_HOST_MAX]);

/* The topology's HTTP API id (API Gateway's: 10 of a-z 0-9), from its
 * name alone, so it stays the same from `up` to `up`. */
#define HTTP_API_ID_LEN 11
void http_api_id(const struct topology *t, char out[HTTP_API_ID_LEN]);

/* The records of every service of t in the resolver's hosts-file format
 * (model/dns.h), malloc'ed ("" without "aws"), or NULL without memory:
 * the "aws" source of every view (docs/DNS.md). The services' public
 * addresses, the same in every view. */
char *aws_zone_records(const struct topology *t);

/* The service a request's Host header (port and case ignored) names, or
 * -1. For S3's virtual-hosted names the bucket is copied to bucket
 * (else bucket is ""). Any name ending in a served name counts, since a
 * bucket need not be listed in the topology to be addressed. */
int aws_zone_route(const struct topology *t, const char *host, char bucket[AWS_HOST_MAX]);

#endif
