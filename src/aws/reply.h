/* Answers of the AWS zone's services in AWS's own shapes
 * (docs/AWS-SERVICES.md): JSON 1.1 (Secrets Manager, DynamoDB, Lambda's
 * errors: {"__type","message"}), Query/XML (STS: <ErrorResponse>) and S3's
 * REST/XML (<Error>). Every answer carries x-amzn-RequestId. */
#ifndef VPCSIM_AWS_REPLY_H
#define VPCSIM_AWS_REPLY_H

#include <stddef.h>

#include "util/dlib.h"

enum aws_protocol {
	AWS_PROTO_JSON,          /* application/x-amz-json-1.1 */
	AWS_PROTO_QUERY,         /* STS: text/xml, <ErrorResponse> */
	AWS_PROTO_REST_XML,      /* S3: application/xml, <Error> */
	AWS_PROTO_REST_JSON,     /* Lambda: application/json, x-amzn-ErrorType */
};

/* One request as the handlers see it. */
struct aws_call {
	struct MHD_Connection *c;
	enum aws_protocol proto;
	char request_id[37];
};

/* Queue body (len bytes) with status and content type. */
enum MHD_Result aws_reply(const struct aws_call *k, unsigned status, const char *type,
			  const char *body, size_t len);
/* The protocol's error document for code and message (escaped here). */
enum MHD_Result aws_error(const struct aws_call *k, unsigned status, const char *code,
			  const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* XML text: & < > " ' escaped into out (len bytes, always terminated). */
void aws_xml_escape(const char *in, char *out, size_t len);

#endif
