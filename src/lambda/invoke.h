/* One invoke of a function: the single path every caller takes (`vpcsim
 * invoke`, `serve`, and the event sources to come), a request in and an
 * outcome out. Nothing here prints: the function's response and logs go to
 * the streams the request names, and the caller reports the outcome.
 *
 * A function with code (runtime + code, or image) runs through its
 * environment's supervisor, as `sam local invoke` shows it: the logs
 * (START, the function's output, END, REPORT) to rq->logs, the response or
 * error body to rq->out. A command (rq->argv), or a code-less function's
 * handler, runs in the sandbox (sandbox.h) with its output relayed to our
 * stdout and stderr; its REPORT figures are o->run.
 *
 * Picks an idle environment of the function or makes one (cold start:
 * network, cgroup, /tmp, then the code made ready and the supervisor
 * started), under the account's and the function's concurrency limits;
 * environments whose supervisor reclaimed them for idleness are removed
 * first. After a reset (timeout, crash, OOM kill, failed init) the
 * environment is destroyed, so the next invoke is cold. An invoke that ran
 * is counted once in the function's usage (state/usage.h); a refused one
 * (throttled, too large, a bad client context) is not.
 *
 * Everything of one invoke lives in the request and the outcome (no
 * globals), so callers may keep several. */
#ifndef VPCSIM_INVOKE_H
#define VPCSIM_INVOKE_H

#include <stdbool.h>
#include <stdio.h>

#include "lambda/sandbox.h" /* struct invoke_result */
#include "state/state.h"

struct invoke_outcome;

struct invoke_request {
	const char *payload;       /* the event, NUL-terminated; NULL: "{}"
				    * for code, an empty stdin for a command */
	size_t len;                /* its length (code: at most
				    * RAPI_PAYLOAD_MAX) */
	const char *client_context; /* base64 of a JSON object, as the Invoke
				    * API takes it, or NULL */
	char *const *argv;         /* a command to run instead (invoke FN --
				    * CMD ...), or NULL */
	FILE *out;                 /* code: the response or error body; a
				    * streamed response's bytes as they come */
	FILE *logs;                /* code: START ... REPORT */
	/* For a caller that streams (serve's InvokeWithResponseStream): */
	void (*stream_start)(void *arg, const char *content_type);
				   /* a streamed response begins: called
				    * before its first byte goes to out */
	void *stream_arg;
	/* The response is out (on out, or errors) and the outcome's status
	 * says how it ended; called before invoke_function() returns, when
	 * the runtime posts its response, as Lambda answers the caller then:
	 * the invoke goes on until the runtime's next `next` and the
	 * extensions' (END, REPORT, the freeze). NULL: the caller waits
	 * for the end (it gets the body early only while extensions work). */
	void (*responded)(void *arg, const struct invoke_outcome *o);
	void *responded_arg;
	FILE *errors;              /* a failed invoke's error body (streamed
				    * or not) goes here; NULL: to out */
	bool exact;                /* out gets the body's bytes alone; else a
				    * newline follows a body, for a terminal */
};

struct invoke_outcome {
	char status[32];           /* how it ended: ok, function_error,
				    * timeout, exit, oom, too_large,
				    * init_error (a command: ok, exit,
				    * timeout, oom) */
	bool command;              /* ran a command: run holds its figures */
	bool streamed;             /* the runtime streamed its response
				    * (Lambda-Runtime-Function-Response-Mode) */
	bool cold;
	bool reset;
	bool early;                /* the response went out before the
				    * invoke ended (the runtime's next
				    * `next`, the extensions): status is
				    * what the caller got, reset and the
				    * figures how the invoke ended */
	bool ext_working;          /* early: extensions registered for
				    * INVOKE still worked then */
	char env_id[64];
	char request_id[40];       /* the invoke's RequestId (START, REPORT),
				    * for x-amzn-RequestId; "" if its
				    * supervisor did not say */
	double duration_ms;        /* REPORT's Duration (code) */
	long long billed_ms;       /* 0: not billed */
	int memory_mb;
	char uncounted[256];       /* "" or why usage did not count it */
	struct invoke_result run;  /* a command's REPORT figures */
};

/* Run one invoke of function fn. Returns 0 when the invoke ran (o->status
 * says how it ended), < 0 when it could not, with err_msg():
 *   -EBADMSG  InvalidRequestContentException: the client context is not
 *             base64 of a JSON object of at most 3583 bytes;
 *   -E2BIG    RequestEntityTooLargeException;
 *   -EAGAIN   TooManyRequestsException (a concurrency limit);
 *   -ENOSPC   SubnetIPAddressLimitReachedException;
 *   other     a kernel or state error. */
int invoke_function(const struct live *lv, int fn, const struct invoke_request *rq,
		    struct invoke_outcome *o);

/* Remove every idle environment of function fn (busy ones stay), so the
 * next invoke is a cold start with the function's settings as they are in
 * lv now: `tune` changes memory_mb between sizes. The number removed, or
 * < 0 with err_msg(). */
int invoke_drop_idle(const struct live *lv, int fn);

/* The Invoke API's ClientContext: base64 (at most 3583 characters) of a
 * JSON object, without NUL bytes. *json is the decoded text, malloc'ed.
 * 0, or -EBADMSG when it is not that. */
int invoke_client_context(const char *b64, char **json);

#endif
