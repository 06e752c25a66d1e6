/* Lambda's Invoke API around invoke_function(); see invoke_api.h. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lambda/event_service.h"
#include "lambda/invoke_api.h"
#include "model/fn_ref.h"
#include "util/err.h"

void invoke_api_url_decode(const char *in, char *out, size_t size)
{
	size_t n = 0;

	for (; *in && n + 1 < size; in++) {
		unsigned v;

		if (*in == '%' && isxdigit((unsigned char)in[1]) && isxdigit((unsigned char)in[2]) &&
		    sscanf(in + 1, "%2x", &v) == 1 && v) {
			out[n++] = (char)v;
			in += 2;
		} else {
			out[n++] = *in;
		}
	}
	out[n] = '\0';
}

static int api_error(struct invoke_api_error *e, unsigned status, const char *type,
		     const char *msg)
{
	e->status = status;
	snprintf(e->type, sizeof(e->type), "%s", type);
	snprintf(e->message, sizeof(e->message), "%s", msg);
	e->reason[0] = '\0';
	return -1;
}

int invoke_api_function(const struct live *lv, const char *raw, const char *qualifier,
			struct invoke_api_error *e)
{
	char ref[320], q[160] = "", msg[700];
	struct fn_ref f = { .name = "" };
	int fn = -1;

	invoke_api_url_decode(raw, ref, sizeof(ref));
	if (qualifier)
		invoke_api_url_decode(qualifier, q, sizeof(q));
	switch (fn_ref_parse(ref, qualifier ? q : NULL, lv->t->region, lv->t->account_id, &f)) {
	case FN_REF_INVALID:
		snprintf(msg, sizeof(msg), "1 validation error detected: Value '%.200s' at "
			 "'functionName' failed to satisfy constraint: Member must satisfy regular "
			 "expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-"
			 "\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_\\.]+)(:(\\$LATEST|"
			 "[a-zA-Z0-9-_]+))?", ref);
		return api_error(e, 400, "ValidationException", msg);
	case FN_REF_CONFLICT:
		return api_error(e, 400, "InvalidParameterValueException", "The derived qualifier "
				 "from the function name does not match the specified qualifier.");
	case FN_REF_OK:
		fn = layout_find_function(&lv->L, f.name);
		break;
	case FN_REF_ELSEWHERE:
		break;
	}
	if (fn < 0 || lv->t->functions[fn].code.kind == CODE_NONE ||
	    (f.qualifier[0] && strcmp(f.qualifier, "$LATEST"))) {
		snprintf(msg, sizeof(msg), "Function not found: arn:aws:lambda:%s:%s:function:%s%s%s",
			 lv->t->region, lv->t->account_id, f.name[0] ? f.name : ref,
			 f.qualifier[0] ? ":" : "", f.qualifier);
		return api_error(e, 404, "ResourceNotFoundException", msg);
	}
	return fn;
}

int invoke_api_header_values(const char *type, const char *log_type, struct invoke_api_error *e)
{
	char msg[300];

	if (type && strcmp(type, "RequestResponse") && strcmp(type, "Event") &&
	    strcmp(type, "DryRun")) {
		snprintf(msg, sizeof(msg), "1 validation error detected: Value '%.64s' at "
			 "'invocationType' failed to satisfy constraint: Member must satisfy enum "
			 "value set: [Event, RequestResponse, DryRun]", type);
		return api_error(e, 400, "InvalidParameterValueException", msg);
	}
	if (log_type && strcmp(log_type, "None") && strcmp(log_type, "Tail")) {
		snprintf(msg, sizeof(msg), "1 validation error detected: Value '%.64s' at "
			 "'logType' failed to satisfy constraint: Member must satisfy enum value "
			 "set: [None, Tail]", log_type);
		return api_error(e, 400, "InvalidParameterValueException", msg);
	}
	return 0;
}

void invoke_api_refused(int err, struct invoke_api_error *e)
{
	if (err == -EBADMSG)
		api_error(e, 400, "InvalidRequestContentException",
			  "Client context must be a valid Base64-encoded JSON object.");
	else if (err == -E2BIG)
		api_error(e, 413, "RequestEntityTooLargeException",
			  "Request must be smaller than 6291456 bytes for the InvokeFunction operation");
	else if (err == -EAGAIN)
		api_error(e, 429, "TooManyRequestsException", "Rate Exceeded.");
	else
		api_error(e, 500, "ServiceException", err_msg());
	if (err == -EAGAIN)
		snprintf(e->reason, sizeof(e->reason), "%s", strstr(err_msg(), " has reserved_concurrency ")
			 ? "ReservedFunctionConcurrentInvocationLimitExceeded"
			 : "ConcurrentInvocationLimitExceeded");
}

int invoke_api_queue(const struct live *lv, int fn, const char *payload, size_t len,
		     char id[40], struct invoke_api_error *e)
{
	int err = async_invoke(lv, fn, "invoke", payload, len, 0, id);
	const char *msg = err_msg(), *sp = strchr(msg, ' ');

	if (err == -E2BIG)
		return api_error(e, 413, "RequestEntityTooLargeException", sp ? sp + 1 : msg);
	if (err == -EINVAL)
		return api_error(e, 400, "InvalidParameterValueException", msg);
	if (err < 0)
		return api_error(e, 500, "ServiceException", msg);
	return 0;
}
