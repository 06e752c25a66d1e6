/* RDS endpoint names as AWS shapes them, from the topology's account,
 * Region and name alone (no layout), so that a template's Fn::GetAtt
 * Endpoint.Address (model/template_rds.c) and the VPC resolver
 * (model/dns.c) give the same name. */
#ifndef VPCSIM_RDS_NAME_H
#define VPCSIM_RDS_NAME_H

#include <stdbool.h>
#include <stddef.h>

#define RDS_TOKEN_LEN 13           /* 12 characters + NUL */

/* The 12-character id of a topology in RDS endpoint names, stable across
 * runs: lowercase letters and digits from a hash of account, Region and
 * topology name. */
void rds_name_token(const char *account, const char *region, const char *topology,
		    char out[RDS_TOKEN_LEN]);
/* NAME.TOKEN.REGION.rds.amazonaws.com, or NAME.proxy-TOKEN... for a proxy. */
void rds_name_endpoint(const char *account, const char *region, const char *topology,
		       const char *name, bool proxy, char *out, size_t len);

#endif
