/* A CloudFront distribution's request to its custom origin (docs/EDGE.md):
 * one HTTP/1.1 exchange over a new TCP connection (Connection: close),
 * made from the AWS zone's namespace, so it crosses the simulated
 * internet as any host's packets do; over TLS (libssl) to the HTTP API,
 * verified with the topology's CA. CloudFront's defaults: 10 s to
 * connect, 30 s for the response (its origin response timeout). */
#ifndef VPCSIM_CF_ORIGIN_H
#define VPCSIM_CF_ORIGIN_H

#include <stdint.h>

#include "model/cf_event.h"

#define CF_ORIGIN_CONNECT_S 10
#define CF_ORIGIN_READ_S 30
#define CF_ORIGIN_MAX (32 * 1024 * 1024)   /* an origin's answer here */

enum cf_origin_result {
	CF_ORIGIN_OK,
	CF_ORIGIN_CONNECT,         /* refused, unreachable, or no answer to the SYN */
	CF_ORIGIN_TIMEOUT,         /* connected, but no whole answer in time */
	CF_ORIGIN_BAD,             /* not HTTP, or larger than CF_ORIGIN_MAX */
};

/* HTTPS to the origin: the CA file to verify it with, the name its
 * certificate must carry (also the SNI). */
struct cf_origin_tls {
	const char *ca_file;
	const char *name;
};

/* Send rq (its method, uri, querystring, headers and body) to ip:port,
 * with Host `host`, and read the answer into rp (status, reason, headers,
 * body; chunked bodies decoded), over TLS when tls is not NULL (a
 * failed handshake or verification is CF_ORIGIN_CONNECT). why says what
 * failed. */
enum cf_origin_result cf_origin_fetch(uint32_t ip, int port, const char *host,
				      const struct cf_origin_tls *tls,
				      const struct cf_message *rq, struct cf_message *rp,
				      char why[256]);

#endif
