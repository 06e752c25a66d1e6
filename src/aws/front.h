/* The AWS public zone's front (docs/AWS-SERVICES.md): one process per
 * topology, inside the zone's namespace, that terminates HTTPS (443, with
 * the topology's CA, aws/ca.h) and plain HTTP (80), verifies every
 * request's SigV4 signature and session token against the keys vpcsim
 * issued (state/aws_creds.h, util/sigv4.h), and routes it by Host to the
 * service: STS and Secrets Manager are served here (aws/sts.c,
 * aws/secrets.c).
 *
 * Bounds: at most FRONT_CONNECTIONS connections (FRONT_PER_IP from one
 * address), each its own thread; FRONT_IDLE_S seconds idle closes one;
 * headers take at most FRONT_HEADER_BYTES; a body past its service's
 * limit is refused with the service's error, not kept. */
#ifndef VPCSIM_AWS_FRONT_H
#define VPCSIM_AWS_FRONT_H

#include "model/layout.h"
#include "state/journal.h"

#define FRONT_CONNECTIONS 256
#define FRONT_PER_IP 64
#define FRONT_IDLE_S 60
#define FRONT_HEADER_BYTES (64 * 1024)
#define AWS_DNS_SOURCE "aws"                /* its records' file in each view */
#define FRONT_JSON_BODY_MAX (6 * 1024 * 1024)   /* Lambda's payload limit; the JSON APIs' */

/* At `up` of a topology with "aws": the state folder's aws/ (CA, keys,
 * credentials) and the front, running and answering before this returns
 * (recorded in J, so `down` and a failed `up` stop it). 0 or -errno. */
int aws_zone_up(const struct layout *L, const char *state_dir, struct journal *J);

/* The zone's folder inside a state folder. */
void aws_zone_dir(const char *state_dir, char out[4096]);

#endif
