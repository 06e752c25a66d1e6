/* vpcsim serve: Lambda's Invoke API (2015-03-31) on a local address, so
 * AWS SDKs and the AWS CLI (--endpoint-url) invoke the functions of a
 * topology that is up:
 *
 *   POST /2015-03-31/functions/NAME/invocations
 *     X-Amz-Invocation-Type: RequestResponse (default) | DryRun (204)
 *     X-Amz-Client-Context: base64 JSON      X-Amz-Log-Type: Tail
 *   200 + the response; a function error adds X-Amz-Function-Error:
 *   Unhandled; Tail adds X-Amz-Log-Result (base64 of the log's last 4 KB);
 *   X-Amz-Executed-Version: $LATEST. Errors as the API's JSON with
 *   x-amzn-ErrorType: 400 InvalidRequestContentException (a client
 *   context that is not base64 JSON), 404 ResourceNotFoundException, 413
 *   RequestEntityTooLargeException, 429 TooManyRequestsException.
 *
 * The invoke itself is lambda/invoke.h's, as for `vpcsim invoke`: it is
 * counted in the function's usage the same way.
 *
 * One libmicrohttpd thread handles one request at a time, so invokes
 * through `serve` do not run concurrently (the topology lock is a
 * process's, and threads of one process would share it). */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/dlib.h"
#include "cli/cli.h"
#include "lambda/invoke.h"
#include "lambda/runtime_api.h"
#include "state/state.h"
#include "util/err.h"

#define PATH_PREFIX "/2015-03-31/functions/"
#define LOG_TAIL 4096

static const char *serve_topo;

static enum MHD_Result send_json(struct MHD_Connection *c, unsigned status, const char *type,
				 const char *body)
{
	struct MHD_Response *r = sym_MHD_create_response_from_buffer(strlen(body), (void *)body,
								 MHD_RESPMEM_MUST_COPY);
	enum MHD_Result ret;

	sym_MHD_add_response_header(r, "Content-Type", "application/json");
	if (type)
		sym_MHD_add_response_header(r, "x-amzn-ErrorType", type);
	ret = sym_MHD_queue_response(c, status, r);
	sym_MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result api_error(struct MHD_Connection *c, unsigned status, const char *type,
				 const char *msg)
{
	char body[1024];

	snprintf(body, sizeof(body), "{\"Type\":\"User\",\"message\":\"%s\"}", msg);
	return send_json(c, status, type, body);
}

/* The base64 text of the log's last LOG_TAIL bytes (malloc'ed). */
static char *log_tail_b64(const char *log, size_t len)
{
	size_t from = len > LOG_TAIL ? len - LOG_TAIL : 0, n = len - from;
	char *out = malloc(4 * ((n + 2) / 3) + 1);

	if (out)
		sym_EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)log + from, (int)n);
	return out;
}

static enum MHD_Result invoke_reply(struct MHD_Connection *c, const struct invoke_outcome *r,
				    const char *body, size_t blen, const char *log, size_t llen)
{
	const char *tail = sym_MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Amz-Log-Type");
	struct MHD_Response *resp = sym_MHD_create_response_from_buffer(blen, (void *)body,
								    MHD_RESPMEM_MUST_COPY);
	enum MHD_Result ret;

	sym_MHD_add_response_header(resp, "Content-Type", "application/json");
	sym_MHD_add_response_header(resp, "X-Amz-Executed-Version", "$LATEST");
	if (strcmp(r->status, "ok"))
		sym_MHD_add_response_header(resp, "X-Amz-Function-Error", "Unhandled");
	if (tail && !strcmp(tail, "Tail")) {
		char *b64 = log_tail_b64(log, llen);

		if (b64)
			sym_MHD_add_response_header(resp, "X-Amz-Log-Result", b64);
		free(b64);
	}
	ret = sym_MHD_queue_response(c, MHD_HTTP_OK, resp);
	sym_MHD_destroy_response(resp);
	return ret;
}

/* The Invoke API's answer to an invoke that could not run. */
static enum MHD_Result invoke_refused(struct MHD_Connection *c, int err)
{
	if (err == -EBADMSG)
		return api_error(c, 400, "InvalidRequestContentException",
				 "Client context must be a valid Base64-encoded JSON object.");
	if (err == -E2BIG)
		return api_error(c, 413, "RequestEntityTooLargeException",
				 "Request must be smaller than 6291456 bytes for the InvokeFunction operation");
	if (err == -EAGAIN)
		return api_error(c, 429, "TooManyRequestsException", "Rate Exceeded.");
	return api_error(c, 500, "ServiceException", err_msg());
}

/* One invoke of function `name` with the request's body. */
static enum MHD_Result do_invoke(struct MHD_Connection *c, const char *name, struct rapi_upload *u)
{
	const char *type = sym_MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Amz-Invocation-Type");
	struct invoke_request rq = {
		.payload = u->buf, .len = u->len,
		.client_context = sym_MHD_lookup_connection_value(c, MHD_HEADER_KIND,
								  "X-Amz-Client-Context"),
	};
	char *body = NULL, *log = NULL, msg[1200];
	size_t blen = 0, llen = 0;
	struct invoke_outcome r;
	struct live lv;
	enum MHD_Result ret;
	int fn, err;

	if (u->too_large)
		return invoke_refused(c, -E2BIG);
	if (live_open(serve_topo, &lv) < 0)
		return api_error(c, 500, "ServiceException", err_msg());
	fn = layout_find_function(&lv.L, name);
	if (fn < 0 || lv.t->functions[fn].code.kind == CODE_NONE) {
		snprintf(msg, sizeof(msg), "Function not found: arn:aws:lambda:%s:%s:function:%s",
			 lv.t->region, lv.t->account_id, name);
		live_close(&lv);
		return api_error(c, 404, "ResourceNotFoundException", msg);
	}
	if (type && !strcmp(type, "DryRun")) {
		live_close(&lv);
		return send_json(c, 204, NULL, "");
	}
	rq.out = open_memstream(&body, &blen);
	rq.logs = open_memstream(&log, &llen);
	err = invoke_function(&lv, fn, &rq, &r);
	fclose(rq.out);
	fclose(rq.logs);
	live_close(&lv);
	if (err < 0)
		ret = invoke_refused(c, err);
	else
		ret = invoke_reply(c, &r, body ? body : "", blen && body[blen - 1] == '\n' ?
				   blen - 1 : blen, log ? log : "", llen);
	free(body);
	free(log);
	return ret;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *data,
			      size_t *size, void **con_cls)
{
	struct rapi_upload *u = *con_cls;
	char name[128];
	const char *end;

	if (!u) {
		u = calloc(1, sizeof(*u));
		*con_cls = u;
		return u ? MHD_YES : MHD_NO;
	}
	if (*size) {
		if (rapi_upload_add(u, data, *size) < 0)
			return MHD_NO;
		*size = 0;
		return MHD_YES;
	}
	end = strncmp(url, PATH_PREFIX, strlen(PATH_PREFIX)) ? NULL :
		strchr(url + strlen(PATH_PREFIX), '/');
	if (strcmp(method, "POST") || !end || strcmp(end, "/invocations") ||
	    (size_t)(end - url - strlen(PATH_PREFIX)) >= sizeof(name))
		return api_error(c, 404, "UnknownOperationException", "Unknown operation");
	snprintf(name, sizeof(name), "%.*s", (int)(end - url - strlen(PATH_PREFIX)),
		 url + strlen(PATH_PREFIX));
	return do_invoke(c, name, u);
}

static void request_done(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode code)
{
	rapi_upload_free(*con_cls);
	*con_cls = NULL;
}

static int parse_listen(const char *s, struct sockaddr_in *sin)
{
	char host[64];
	const char *colon = strrchr(s, ':');
	int port;

	if (!colon || (size_t)(colon - s) >= sizeof(host))
		return -1;
	snprintf(host, sizeof(host), "%.*s", (int)(colon - s), s);
	port = atoi(colon + 1);
	if (port <= 0 || port > 65535 || inet_pton(AF_INET, host, &sin->sin_addr) != 1)
		return -1;
	sin->sin_family = AF_INET;
	sin->sin_port = htons((uint16_t)port);
	return 0;
}

int cmd_serve(int argc, char **argv)
{
	static const struct option opts[] = { { "listen", required_argument, NULL, 'l' }, { 0 } };
	const char *listen_at = "127.0.0.1:3001";
	struct sockaddr_in sin = { 0 };
	struct MHD_Daemon *d;
	char name[TOPO_NAME_MAX_LEN + 1];
	int c, rc;

	while ((c = getopt_long(argc, argv, "t:", opts, NULL)) != -1) {
		if (c == 't')
			serve_topo = optarg;
		else if (c == 'l')
			listen_at = optarg;
		else
			return fail(EXIT_USAGE, "%s", verb_usage("serve"));
	}
	if (optind < argc)
		serve_topo = argv[optind];
	if ((rc = need_privilege("serve")) != EXIT_OK)
		return rc;
	if (parse_listen(listen_at, &sin) < 0)
		return fail(EXIT_USAGE, "serve: --listen %s: give an IPv4 address and a port, "
			    "e.g. 127.0.0.1:3001", listen_at);
	if (state_pick(serve_topo, name) < 0)
		return fail(EXIT_FAILED, "%s", err_msg());
	serve_topo = name;
	if (dlib_load(DLIB_MHD) < 0 || dlib_load(DLIB_CRYPTO) < 0)
		return fail(EXIT_FAILED, "serve: %s", err_msg());
	signal(SIGPIPE, SIG_IGN);
	d = sym_MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, handle, NULL,
			     MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sin,
			     MHD_OPTION_NOTIFY_COMPLETED, request_done, NULL, MHD_OPTION_END);
	if (!d)
		return fail(EXIT_FAILED, "serve: listening on %s (libmicrohttpd): %s", listen_at,
			    strerror(errno));
	printf("serving Lambda's Invoke API for topology %s on http://%s "
	       "(aws lambda invoke --endpoint-url http://%s ...)\n", name, listen_at, listen_at);
	fflush(stdout);
	while (state_is_up(name))
		sleep(1);
	sym_MHD_stop_daemon(d);
	return EXIT_OK;
}
