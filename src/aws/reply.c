/* AWS-shaped answers; see reply.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "aws/reply.h"

enum MHD_Result aws_reply(const struct aws_call *k, unsigned status, const char *type,
			  const char *body, size_t len)
{
	struct MHD_Response *r = sym_MHD_create_response_from_buffer(len, (void *)body,
								     MHD_RESPMEM_MUST_COPY);
	enum MHD_Result ret;

	if (!r)
		return MHD_NO;
	sym_MHD_add_response_header(r, "Content-Type", type);
	sym_MHD_add_response_header(r, "x-amzn-RequestId", k->request_id);
	if (k->proto == AWS_PROTO_REST_XML)
		sym_MHD_add_response_header(r, "x-amz-request-id", k->request_id);
	ret = sym_MHD_queue_response(k->c, status, r);
	sym_MHD_destroy_response(r);
	return ret;
}

void aws_xml_escape(const char *in, char *out, size_t len)
{
	size_t n = 0;

	for (; *in && n + 7 < len; in++) {
		const char *rep = *in == '&' ? "&amp;" : *in == '<' ? "&lt;" : *in == '>' ? "&gt;"
				: *in == '"' ? "&quot;" : *in == '\'' ? "&apos;" : NULL;

		if (rep)
			n += (size_t)snprintf(out + n, len - n, "%s", rep);
		else
			out[n++] = *in;
	}
	out[n] = '\0';
}

static enum MHD_Result json_error(const struct aws_call *k, unsigned status, const char *code,
				  const char *msg)
{
	cJSON *o = cJSON_CreateObject();
	char *text;
	enum MHD_Result ret = MHD_NO;
	struct MHD_Response *r;

	cJSON_AddStringToObject(o, "__type", code);
	cJSON_AddStringToObject(o, k->proto == AWS_PROTO_REST_JSON ? "Message" : "message", msg);
	text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (!text)
		return MHD_NO;
	r = sym_MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_COPY);
	free(text);
	if (!r)
		return MHD_NO;
	sym_MHD_add_response_header(r, "Content-Type", k->proto == AWS_PROTO_REST_JSON
				    ? "application/json" : "application/x-amz-json-1.1");
	sym_MHD_add_response_header(r, "x-amzn-RequestId", k->request_id);
	sym_MHD_add_response_header(r, "x-amzn-ErrorType", code);
	ret = sym_MHD_queue_response(k->c, status, r);
	sym_MHD_destroy_response(r);
	return ret;
}

enum MHD_Result aws_error(const struct aws_call *k, unsigned status, const char *code,
			  const char *fmt, ...)
{
	char msg[1024], esc[4096], body[5120];
	va_list ap;
	int n;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (k->proto == AWS_PROTO_JSON || k->proto == AWS_PROTO_REST_JSON)
		return json_error(k, status, code, msg);
	aws_xml_escape(msg, esc, sizeof(esc));
	if (k->proto == AWS_PROTO_QUERY)
		n = snprintf(body, sizeof(body),
			     "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n"
			     "  <Error>\n    <Type>%s</Type>\n    <Code>%s</Code>\n"
			     "    <Message>%s</Message>\n  </Error>\n"
			     "  <RequestId>%s</RequestId>\n</ErrorResponse>\n",
			     status < 500 ? "Sender" : "Receiver", code, esc, k->request_id);
	else
		n = snprintf(body, sizeof(body),
			     "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>%s</Code>"
			     "<Message>%s</Message><RequestId>%s</RequestId></Error>",
			     code, esc, k->request_id);
	return aws_reply(k, status, k->proto == AWS_PROTO_QUERY ? "text/xml" : "application/xml",
			 body, (size_t)n);
}
