/* Lambda@Edge's event and result (docs/EDGE.md; AWS-FACTS 9, CloudFront's
 * "Lambda@Edge event structure"): a request or response as CloudFront
 * shows it to a function, and what the function answers applied back,
 * with CloudFront's validation. Pure: the caller brings the HTTP side. */
#ifndef VPCSIM_CF_EVENT_H
#define VPCSIM_CF_EVENT_H

#include <stdbool.h>
#include <stddef.h>

#include "model/topology.h"

#define CF_VIEWER_GENERATED_MAX 40960     /* a generated response, viewer events */
#define CF_ORIGIN_GENERATED_MAX 1048576   /* origin events */
#define CF_WHY_MAX 512

struct cf_header {
	char *name;                /* as sent (its case kept) */
	char *value;
};

/* A request (method, uri, querystring, client_ip) or a response (status,
 * status_desc); headers in order; a body. Every string malloc'ed. */
struct cf_message {
	char method[16];
	char *uri, *querystring;
	char client_ip[48];
	int status;
	char *status_desc;
	struct cf_header *h;
	int n_h;
	char *body;
	size_t body_len;
};

/* What the event says besides the messages. */
struct cf_context {
	const char *domain, *id, *request_id;
	const char *origin_domain;  /* origin events */
	int origin_port;
	bool origin_https;          /* request.origin.custom.protocol https */
	bool include_body;
};

/* The event for e (Records[0].cf): config, request (with origin for origin
 * events, body with include_body), response for response events.
 * malloc'ed JSON, NULL without memory. */
char *cf_event_json(const struct cf_context *x, enum cf_event_type e,
		    const struct cf_message *rq, const struct cf_message *rp);

/* Apply a function's result (n bytes of JSON) for event e. A request
 * event's result is the request, or a response (it has "status"): then
 * *generated and rp is it. A response event's result is the response.
 * 0, or -1 with CloudFront's reason in why ("The Lambda function returned
 * invalid JSON: ..." or "The Lambda function result failed validation:
 * ..."): CloudFront then answers 502. */
int cf_event_apply(enum cf_event_type e, const char *out, size_t n, struct cf_message *rq,
		   struct cf_message *rp, bool *generated, char why[CF_WHY_MAX]);

/* Header lookups and edits (name case-insensitive). */
const char *cf_header_get(const struct cf_message *m, const char *name);
void cf_header_set(struct cf_message *m, const char *name, const char *value);
void cf_header_add(struct cf_message *m, const char *name, const char *value);
void cf_message_clear(struct cf_message *m);
/* "OK", "Not Found", ...: HTTP's reason phrase for status. */
const char *cf_reason(int status);

#endif
