/* Lambda's Invoke API (2015-03-31) around the one invoke path
 * (lambda/invoke.h), shared by its two servers: `vpcsim serve` (a local
 * address, the admin key) and the AWS zone's lambda.REGION.amazonaws.com
 * (aws/lambda_svc.c, functions' own credentials). Which function a
 * request names, and AWS's answer to one that cannot run: the status, the
 * error type (x-amzn-ErrorType) and its message. */
#ifndef VPCSIM_INVOKE_API_H
#define VPCSIM_INVOKE_API_H

#include <stddef.h>

#include "state/state.h"

#define INVOKE_API_PREFIX "/2015-03-31/functions/"

struct invoke_api_error {
	unsigned status;           /* 400, 404, 413, 429, 500 */
	char type[64];             /* ResourceNotFoundException, ... */
	char message[700];
	char reason[64];           /* 429's Reason, else "" */
};

/* Percent-decode `in` (a path segment or query value the SDK encoded:
 * ':' as %3A, '$' as %24) into out; a bad escape is kept as it is. */
void invoke_api_url_decode(const char *in, char *out, size_t size);

/* The function FunctionName `raw` (as sent, percent-encoded: a name,
 * partial or full ARN) and the Qualifier query parameter (NULL: none)
 * name in lv, or -1 with AWS's error in *e: 400 ValidationException for a
 * malformed name, 400 InvalidParameterValueException for two qualifiers
 * that differ, 404 ResourceNotFoundException for a function, version or
 * alias that is not there (only $LATEST is modelled). */
int invoke_api_function(const struct live *lv, const char *raw, const char *qualifier,
			struct invoke_api_error *e);

/* The X-Amz-Invocation-Type and X-Amz-Log-Type headers (NULL: absent):
 * 0, or -1 with 400 InvalidParameterValueException naming the enum a
 * value is not in, as Lambda refuses it (nothing runs). */
int invoke_api_header_values(const char *type, const char *log_type, struct invoke_api_error *e);

/* AWS's answer to invoke_function()'s err (< 0, err_msg() set):
 * 400 InvalidRequestContentException, 413 RequestEntityTooLargeException,
 * 429 TooManyRequestsException (with its Reason), else 500
 * ServiceException with err_msg(). */
void invoke_api_refused(int err, struct invoke_api_error *e);

/* InvocationType Event: the event of function fn queued for the event
 * service (lambda/event_service.h: delivered later with Lambda's async
 * retries). 0 with the request id in id; -1 with AWS's error in *e: 413
 * RequestEntityTooLargeException over the 1 MB limit, 400
 * InvalidParameterValueException for a function with nothing to run, 500
 * ServiceException. */
int invoke_api_queue(const struct live *lv, int fn, const char *payload, size_t len,
		     char id[40], struct invoke_api_error *e);

#endif
