/* The Extensions API 2020-01-01, the Telemetry API's subscription and the
 * Logs API, served on the Runtime API's address (runtime_api.h). Status
 * codes, error types and messages are those of AWS's Runtime Interface
 * Emulator (rapi/handler, rapi/middleware); events as Lambda sends them
 * (LDG runtimes-extensions-api.md):
 *
 *   POST /2020-01-01/extension/register     Lambda-Extension-Name, body
 *        {"events":["INVOKE","SHUTDOWN"]} -> 200, Lambda-Extension-Identifier,
 *        {"functionName","functionVersion","handler"[,"accountId"]}
 *   GET  /2020-01-01/extension/event/next   blocks: the next INVOKE or SHUTDOWN
 *   POST /2020-01-01/extension/init/error   202; the init fails
 *   POST /2020-01-01/extension/exit/error   202; the environment is reset
 *   PUT  /2022-07-01/telemetry              200 "OK", or 400 (telemetry.h)
 *   PUT  /2020-08-15/logs                   202 Logs.NotSupported, as the
 *                                           emulator answers */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cJSON.h>

#include "lambda/runtime_api.h"
#include "lambda/sandbox.h"
#include "util/dlib.h"

#define EXT "/2020-01-01/extension/"
#define HDR_ID "Lambda-Extension-Identifier"
#define HDR_ERR_TYPE "Lambda-Extension-Function-Error-Type"

static enum MHD_Result send_json(struct MHD_Connection *c, unsigned status, const char *body,
				 const char *id)
{
	struct MHD_Response *resp = sym_MHD_create_response_from_buffer(
		strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
	enum MHD_Result ret;

	sym_MHD_add_response_header(resp, "Content-Type", "application/json");
	if (id)
		sym_MHD_add_response_header(resp, HDR_ID, id);
	ret = sym_MHD_queue_response(c, status, resp);
	sym_MHD_destroy_response(resp);
	return ret;
}

/* {"errorMessage","errorType"}, the message escaped (it may hold names
 * an extension chose). */
static enum MHD_Result fail(struct MHD_Connection *c, unsigned status, const char *type,
			    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static enum MHD_Result fail(struct MHD_Connection *c, unsigned status, const char *type,
			    const char *fmt, ...)
{
	char msg[512], *text;
	cJSON *j = cJSON_CreateObject();
	enum MHD_Result ret;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cJSON_AddStringToObject(j, "errorMessage", msg);
	cJSON_AddStringToObject(j, "errorType", type);
	text = cJSON_PrintUnformatted(j);
	ret = send_json(c, status, text ? text : "{}", NULL);
	free(text);
	cJSON_Delete(j);
	return ret;
}

static bool uuid_ok(const char *s)
{
	if (strlen(s) != 36)
		return false;
	for (int i = 0; i < 36; i++)
		if ((i == 8 || i == 13 || i == 18 || i == 23) ? s[i] != '-' :
		    !strchr("0123456789abcdefABCDEF", s[i]))
			return false;
	return true;
}

/* The extension a request names in Lambda-Extension-Identifier, or NULL
 * after answering the emulator's 403. Under r->mu. */
static struct rapi_ext *caller(struct rapi *r, struct MHD_Connection *c, enum MHD_Result *ret)
{
	const char *id = sym_MHD_lookup_connection_value(c, MHD_HEADER_KIND, HDR_ID);

	if (!id || !id[0]) {
		*ret = fail(c, 403, "Extension.MissingExtensionIdentifier",
			    "Missing Lambda-Extension-Identifier header");
		return NULL;
	}
	if (!uuid_ok(id)) {
		*ret = fail(c, 403, "Extension.InvalidExtensionIdentifier",
			    "Invalid Lambda-Extension-Identifier");
		return NULL;
	}
	for (int i = 0; i < r->n_ext; i++)
		if (r->ext[i].registered && !strcmp(r->ext[i].id, id))
			return &r->ext[i];
	*ret = fail(c, 403, "Extension.UnknownExtensionIdentifier", "Unknown extension %s", id);
	return NULL;
}

static void notify(struct rapi *r)
{
	uint64_t one = 1;

	if (write(r->notify_fd, &one, sizeof(one)) < 0) {
		/* the counter cannot overflow in practice */
	}
}

/* ---- register ---------------------------------------------------------- */

/* The events of a register body into x; NULL or the name of a bad one. */
static const char *events_parse(const cJSON *events, struct rapi_ext *x, bool *bad_format)
{
	const cJSON *e;

	*bad_format = events && !cJSON_IsArray(events);
	cJSON_ArrayForEach(e, events) {
		const char *s = cJSON_GetStringValue(e);

		if (s && !strcmp(s, "INVOKE"))
			x->on_invoke = true;
		else if (s && !strcmp(s, "SHUTDOWN") && x->external)
			x->on_shutdown = true;
		else
			return s ? s : "(not a string)";
	}
	return NULL;
}

/* The slot of extension `name`: its external one, or a new internal one. */
static struct rapi_ext *slot_for(struct rapi *r, struct MHD_Connection *c, const char *name,
				 enum MHD_Result *ret)
{
	for (int i = 0; i < r->n_ext; i++)
		if (!strcmp(r->ext[i].name, name)) {
			if (!r->ext[i].registered && r->ext[i].external)
				return &r->ext[i];
			*ret = fail(c, 403, "Extension.InvalidExtensionState",
				    "Extension with this name already registered");
			return NULL;
		}
	if (r->reg_closed) {
		*ret = fail(c, 403, "Extension.RegistrationClosed",
			    "Extension registration closed already");
		return NULL;
	}
	if (r->n_ext == RAPI_EXT_MAX) {
		*ret = fail(c, 403, "Extension.TooManyExtensions", "Extension limit (%d) reached",
			    RAPI_EXT_MAX);
		return NULL;
	}
	memset(&r->ext[r->n_ext], 0, sizeof(r->ext[0]));
	snprintf(r->ext[r->n_ext].name, sizeof(r->ext[0].name), "%s", name);
	return &r->ext[r->n_ext];
}

static enum MHD_Result on_register(struct rapi *r, struct MHD_Connection *c,
				   struct rapi_upload *u)
{
	const char *name = sym_MHD_lookup_connection_value(c, MHD_HEADER_KIND,
							   "Lambda-Extension-Name");
	const char *feat = sym_MHD_lookup_connection_value(c, MHD_HEADER_KIND,
							   "Lambda-Extension-Accept-Feature");
	cJSON *j = u && u->buf ? cJSON_Parse(u->buf) : NULL;
	struct rapi_ext x = { 0 }, *slot;
	enum MHD_Result ret = MHD_NO;
	const char *bad;
	bool bad_format;

	if (!name || !name[0] || strlen(name) >= sizeof(x.name)) {
		cJSON_Delete(j);
		return fail(c, 403, "Extension.InvalidExtensionName", "Empty extension name");
	}
	if (!j || !cJSON_IsObject(j)) {
		cJSON_Delete(j);
		return fail(c, 403, "InvalidRequestFormat", "the body must be a JSON object: "
			    "{\"events\": [\"INVOKE\", \"SHUTDOWN\"]}");
	}
	pthread_mutex_lock(&r->mu);
	slot = slot_for(r, c, name, &ret);
	if (slot) {
		x = *slot;
		bad = events_parse(cJSON_GetObjectItemCaseSensitive(j, "events"), &x, &bad_format);
		if (bad || bad_format) {
			ret = fail(c, 403, "Extension.InvalidEventType", "%s: %s", bad ? bad : "events",
				   bad && !strcmp(bad, "SHUTDOWN") ? "internal extensions may not "
				   "register for SHUTDOWN" : "not an event (INVOKE, SHUTDOWN)");
		} else {
			x.registered = true;
			sandbox_uuid_v4(x.id);
			x.seen = r->ev_seq;
			*slot = x;
			if (slot == &r->ext[r->n_ext])
				r->n_ext++;
			ret = send_json(c, 200, feat && strstr(feat, "accountId") ?
					r->fn_info_account : r->fn_info, x.id);
			notify(r);
		}
	}
	pthread_mutex_unlock(&r->mu);
	cJSON_Delete(j);
	return ret;
}

/* ---- next, errors -------------------------------------------------------- */

static bool wants(const struct rapi *r, const struct rapi_ext *x)
{
	return r->ev_seq > x->seen && r->ev_json &&
	       (r->ev_shutdown ? x->on_shutdown : x->on_invoke);
}

static enum MHD_Result on_next(struct rapi *r, struct MHD_Connection *c)
{
	enum MHD_Result ret = MHD_NO;
	struct rapi_ext *x;
	char *body, evid[37];

	pthread_mutex_lock(&r->mu);
	if (!(x = caller(r, c, &ret))) {
		pthread_mutex_unlock(&r->mu);
		return ret;
	}
	if (x->failed) {
		pthread_mutex_unlock(&r->mu);
		return fail(c, 403, "Extension.InvalidExtensionState", "State transition from "
			    "ExitError to Ready failed for extension %s. Error: State transition "
			    "is not allowed", x->id);
	}
	x->n_next++;
	x->waiting = true;
	notify(r);
	while (!wants(r, x) && !r->shutdown)
		pthread_cond_wait(&r->cv, &r->mu);
	x->waiting = false;
	if (r->shutdown) {
		pthread_mutex_unlock(&r->mu);
		return MHD_NO;
	}
	x->seen = r->ev_seq;
	body = strdup(r->ev_json);
	pthread_mutex_unlock(&r->mu);
	if (!body)
		return MHD_NO;
	sandbox_uuid_v4(evid);
	{
		struct MHD_Response *resp = sym_MHD_create_response_from_buffer(
			strlen(body), body, MHD_RESPMEM_MUST_FREE);

		sym_MHD_add_response_header(resp, "Content-Type", "application/json");
		sym_MHD_add_response_header(resp, "Lambda-Extension-Event-Identifier", evid);
		ret = sym_MHD_queue_response(c, 200, resp);
		sym_MHD_destroy_response(resp);
	}
	return ret;
}

/* init/error and exit/error: the extension is done for; the supervisor
 * fails the init or resets the environment. */
static enum MHD_Result on_error(struct rapi *r, struct MHD_Connection *c, bool init)
{
	const char *type = sym_MHD_lookup_connection_value(c, MHD_HEADER_KIND, HDR_ERR_TYPE);
	enum MHD_Result ret = MHD_NO;
	struct rapi_ext *x;

	pthread_mutex_lock(&r->mu);
	if (!(x = caller(r, c, &ret))) {
		pthread_mutex_unlock(&r->mu);
		return ret;
	}
	pthread_mutex_unlock(&r->mu);
	if (!type || !type[0])
		return fail(c, 403, "Extension.MissingHeader", "%s not found", HDR_ERR_TYPE);
	pthread_mutex_lock(&r->mu);
	if (x->failed || (init && r->reg_closed)) {
		pthread_mutex_unlock(&r->mu);
		return fail(c, 403, "Extension.InvalidExtensionState", "State transition from %s "
			    "to %s failed for extension %s. Error: State transition is not allowed",
			    x->failed ? "ExitError" : "Ready", init ? "InitError" : "ExitError",
			    x->id);
	}
	x->failed = true;
	snprintf(x->error_type, sizeof(x->error_type), "%s", type);
	r->ext_fatal++;
	notify(r);
	pthread_mutex_unlock(&r->mu);
	return send_json(c, 202, "{\"status\":\"OK\"}", NULL);
}

/* ---- telemetry, logs ------------------------------------------------------ */

static enum MHD_Result on_telemetry(struct rapi *r, struct MHD_Connection *c,
				    struct rapi_upload *u)
{
	enum MHD_Result ret = MHD_NO;
	char err[256], name[128], rec[512];
	struct rapi_ext *x;

	pthread_mutex_lock(&r->mu);
	x = caller(r, c, &ret);
	if (x)
		snprintf(name, sizeof(name), "%s", x->name);
	pthread_mutex_unlock(&r->mu);
	if (!x)
		return ret;
	if (tel_subscribe(&r->tel, name, u ? u->buf : NULL, err, sizeof(err)) < 0)
		return fail(c, 400, "ValidationError", "%s", err);
	snprintf(rec, sizeof(rec), "{\"name\":\"%s\",\"state\":\"Subscribed\",\"types\":"
		 "[\"platform\",\"function\",\"extension\"]}", name);
	tel_add(&r->tel, "platform.telemetrySubscription", rec);
	return send_json(c, 200, "\"OK\"", NULL);
}

int ext_api_handle(struct rapi *r, void *conn, const char *method, const char *url,
		   struct rapi_upload *u)
{
	struct MHD_Connection *c = conn;
	bool get = !strcmp(method, "GET"), post = !strcmp(method, "POST");

	if (get && !strcmp(url, EXT "event/next"))
		return on_next(r, c);
	if (post && !strcmp(url, EXT "register"))
		return on_register(r, c, u);
	if (post && !strcmp(url, EXT "init/error"))
		return on_error(r, c, true);
	if (post && !strcmp(url, EXT "exit/error"))
		return on_error(r, c, false);
	if (!strcmp(method, "PUT") && !strcmp(url, "/2022-07-01/telemetry"))
		return on_telemetry(r, c, u);
	if (!strcmp(method, "PUT") && !strcmp(url, "/2020-08-15/logs"))
		return fail(c, 202, "Logs.NotSupported", "Logs API is not supported");
	return -1;
}

/* ---- the supervisor's side ------------------------------------------------ */

void ext_post_event(struct rapi *r, const char *json, bool shutdown)
{
	char *copy = strdup(json);

	pthread_mutex_lock(&r->mu);
	free(r->ev_json);
	r->ev_json = copy;
	r->ev_shutdown = shutdown;
	r->ev_seq++;
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
}

bool ext_all_ready(struct rapi *r, bool init)
{
	bool ready = true;

	pthread_mutex_lock(&r->mu);
	for (int i = 0; i < r->n_ext; i++) {
		const struct rapi_ext *x = &r->ext[i];

		if (!x->registered)
			ready = false;
		else if (init)
			ready &= x->waiting && x->n_next > 0;
		else if (x->on_invoke)
			ready &= x->waiting && x->seen == r->ev_seq;
	}
	pthread_mutex_unlock(&r->mu);
	return ready;
}

void ext_function_info(struct rapi *r, const char *fn, const char *handler,
		       const char *account)
{
	cJSON *j = cJSON_CreateObject();
	char *text;

	cJSON_AddStringToObject(j, "functionName", fn);
	cJSON_AddStringToObject(j, "functionVersion", "$LATEST");
	cJSON_AddStringToObject(j, "handler", handler);
	text = cJSON_PrintUnformatted(j);
	snprintf(r->fn_info, sizeof(r->fn_info), "%s", text ? text : "{}");
	free(text);
	cJSON_AddStringToObject(j, "accountId", account);
	text = cJSON_PrintUnformatted(j);
	snprintf(r->fn_info_account, sizeof(r->fn_info_account), "%s", text ? text : "{}");
	free(text);
	cJSON_Delete(j);
}

void ext_reset(struct rapi *r, char names[][128], int n)
{
	pthread_mutex_lock(&r->mu);
	r->n_ext = 0;
	for (int i = 0; i < n && i < RAPI_EXT_MAX; i++) {
		memset(&r->ext[i], 0, sizeof(r->ext[i]));
		snprintf(r->ext[i].name, sizeof(r->ext[i].name), "%s", names[i]);
		r->ext[i].external = true;
		r->n_ext++;
	}
	r->reg_closed = false;
	pthread_mutex_unlock(&r->mu);
}

int ext_close(struct rapi *r, struct rapi_ext out[RAPI_EXT_MAX])
{
	int n;

	pthread_mutex_lock(&r->mu);
	r->reg_closed = true;
	n = r->n_ext;
	memcpy(out, r->ext, (size_t)n * sizeof(*out));
	pthread_mutex_unlock(&r->mu);
	return n;
}

int ext_count(struct rapi *r)
{
	int n;

	pthread_mutex_lock(&r->mu);
	n = r->n_ext;
	pthread_mutex_unlock(&r->mu);
	return n;
}

int ext_registered(struct rapi *r)
{
	int n = 0;

	pthread_mutex_lock(&r->mu);
	for (int i = 0; i < r->n_ext; i++)
		n += r->ext[i].external && r->ext[i].registered;
	pthread_mutex_unlock(&r->mu);
	return n;
}

int ext_take_fatal(struct rapi *r, char type[128], char name[128])
{
	int found = 0;

	pthread_mutex_lock(&r->mu);
	for (int i = 0; i < r->n_ext && !found; i++)
		if (r->ext[i].failed && r->ext[i].error_type[0]) {
			snprintf(type, 128, "%s", r->ext[i].error_type);
			snprintf(name, 128, "%s", r->ext[i].name);
			r->ext[i].error_type[0] = '\0'; /* reported once */
			found = 1;
		}
	pthread_mutex_unlock(&r->mu);
	return found;
}
