/* The Telemetry API's subscriptions and deliveries; see telemetry.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <cJSON.h>

#include "lambda/telemetry.h"
#include "util/clock.h"

/* Lambda's buffering bounds and defaults (telemetry-api.md). */
#define ITEMS_MIN 1000
#define ITEMS_MAX 10000
#define BYTES_MIN 262144L
#define BYTES_MAX 1048576L
#define TIMEOUT_MIN 25
#define TIMEOUT_MAX 30000
#define POST_TIMEOUT_MS 1000 /* one delivery; the listener is the function's */
#define RUNTIME_API_PORT 9001 /* reserved (runtime_api.h's RAPI_PORT) */

void tel_init(struct telemetry *t)
{
	memset(t, 0, sizeof(*t));
	pthread_mutex_init(&t->mu, NULL);
}

static void stamp_now(char out[40])
{
	struct timespec ts;
	struct tm tm;
	size_t n;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(out, 40, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + n, 40 - n, ".%03ldZ", ts.tv_nsec / 1000000L);
}

static unsigned kind_of(const char *type)
{
	if (!strncmp(type, "platform.", 9))
		return TEL_PLATFORM;
	return !strcmp(type, "function") ? TEL_FUNCTION : TEL_EXTENSION;
}

/* The oldest seq a subscription still waits for (next_seq: none). */
static long long oldest_wanted(const struct telemetry *t)
{
	long long low = t->next_seq;

	for (int i = 0; i < t->n_sub; i++)
		if (t->sub[i].cursor < low)
			low = t->sub[i].cursor;
	return low;
}

/* Drop records nobody waits for, and the oldest past TEL_KEEP_MAX.
 * Under mu. */
static void trim(struct telemetry *t)
{
	long long keep_from = t->init_over ? oldest_wanted(t) : 0;
	size_t drop = 0;

	while (drop < t->n && (t->v[drop].seq < keep_from || t->bytes > TEL_KEEP_MAX)) {
		if (t->v[drop].seq >= keep_from && t->n_sub) { /* wanted: lost */
			t->dropped++;
			t->dropped_bytes += (long long)t->v[drop].len;
			snprintf(t->drop_reason, sizeof(t->drop_reason), "Some logs were dropped "
				 "because the downstream consumer is slower than the logs production rate");
		}
		t->bytes -= t->v[drop].len;
		free(t->v[drop].json);
		drop++;
	}
	if (!drop)
		return;
	memmove(t->v, t->v + drop, (t->n - drop) * sizeof(*t->v));
	t->n -= drop;
	for (int i = 0; i < t->n_sub; i++)
		if (t->n && t->sub[i].cursor < t->v[0].seq)
			t->sub[i].cursor = t->v[0].seq;
}

void tel_add(struct telemetry *t, const char *type, const char *record)
{
	char stamp[40], *json;
	int len;

	stamp_now(stamp);
	len = asprintf(&json, "{\"time\":\"%s\",\"type\":\"%s\",\"record\":%s}", stamp, type,
		       record);
	if (len < 0)
		return;
	pthread_mutex_lock(&t->mu);
	if (t->init_over && !t->n_sub) {
		pthread_mutex_unlock(&t->mu);
		free(json);
		return;
	}
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		struct tel_rec *v = realloc(t->v, cap * sizeof(*v));

		if (!v) {
			pthread_mutex_unlock(&t->mu);
			free(json);
			return;
		}
		t->v = v;
		t->cap = cap;
	}
	t->v[t->n++] = (struct tel_rec){ .seq = t->next_seq++, .type = kind_of(type),
					 .at_ms = now_ms(), .json = json, .len = (size_t)len };
	t->bytes += (size_t)len;
	trim(t);
	pthread_mutex_unlock(&t->mu);
}

void tel_add_line(struct telemetry *t, unsigned kind, const char *line, size_t len)
{
	cJSON *s;
	char *text, *copy = strndup(line, len);

	if (!copy)
		return;
	s = cJSON_CreateString(copy);
	text = s ? cJSON_PrintUnformatted(s) : NULL;
	if (text)
		tel_add(t, kind == TEL_FUNCTION ? "function" : "extension", text);
	free(text);
	cJSON_Delete(s);
	free(copy);
}

void tel_init_over(struct telemetry *t)
{
	pthread_mutex_lock(&t->mu);
	t->init_over = true;
	trim(t);
	pthread_mutex_unlock(&t->mu);
}

/* ---- subscribing ------------------------------------------------------ */

/* An integer of obj[key] within [lo, hi], or the default; false when out
 * of range (msg says so). */
static bool bounded(const cJSON *obj, const char *key, long lo, long hi, long dflt, long *out,
		    char *err, size_t size)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	*out = dflt;
	if (!v)
		return true;
	if (!cJSON_IsNumber(v) || v->valuedouble < lo || v->valuedouble > hi) {
		snprintf(err, size, "buffering.%s must be between %ld and %ld", key, lo, hi);
		return false;
	}
	*out = (long)v->valuedouble;
	return true;
}

static bool parse_types(const cJSON *types, unsigned *out, char *err, size_t size)
{
	const cJSON *e;

	*out = 0;
	cJSON_ArrayForEach(e, types) {
		const char *s = cJSON_GetStringValue(e);

		if (s && !strcmp(s, "platform"))
			*out |= TEL_PLATFORM;
		else if (s && !strcmp(s, "function"))
			*out |= TEL_FUNCTION;
		else if (s && !strcmp(s, "extension"))
			*out |= TEL_EXTENSION;
		else {
			snprintf(err, size, "types: '%s' is not one of platform, function, "
				 "extension", s ? s : "(not a string)");
			return false;
		}
	}
	if (!*out)
		snprintf(err, size, "types should not be empty");
	return *out != 0;
}

/* SCHEME://HOST:PORT[/path] (http, or tcp for TCP), HOST the environment
 * itself. */
static bool parse_uri(const char *uri, struct tel_sub *s, char *err, size_t size)
{
	static const char *const hosts[] = { "sandbox.localdomain", "sandbox", "localhost",
					     "127.0.0.1", NULL };
	const char *scheme = s->tcp ? "tcp://" : "http://";
	const char *h = uri && !strncmp(uri, scheme, strlen(scheme)) ? uri + strlen(scheme) : NULL;
	size_t hl = h ? strcspn(h, ":/") : 0;
	bool ok = false;
	char *end;
	long port;

	for (int i = 0; h && hosts[i]; i++)
		ok |= strlen(hosts[i]) == hl && !strncmp(h, hosts[i], hl);
	if (!ok) {
		snprintf(err, size, "destination.URI must be %ssandbox.localdomain:PORT: "
			 "the listener runs in the execution environment", scheme);
		return false;
	}
	if (h[hl] != ':') {
		snprintf(err, size, "URI port is not provided");
		return false;
	}
	port = strtol(h + hl + 1, &end, 10);
	if (end == h + hl + 1 || port < 1 || port > 65535 || port == RUNTIME_API_PORT ||
	    (*end && *end != '/')) {
		snprintf(err, size, "URI port must be 1-65535 and not %d (the Runtime API's)",
			 RUNTIME_API_PORT);
		return false;
	}
	s->port = (int)port;
	snprintf(s->path, sizeof(s->path), "%s", *end ? end : "/");
	return true;
}

/* The destination's URI, or for TCP its `port` (the 2025-01-29 schema's
 * form, which AWS's emulator takes). */
static bool parse_dest(const cJSON *dst, struct tel_sub *s, char *err, size_t size)
{
	const cJSON *port = cJSON_GetObjectItemCaseSensitive(dst, "port");

	if (!s->tcp || !port)
		return parse_uri(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(dst, "URI")),
				 s, err, size);
	if (!cJSON_IsNumber(port) || port->valuedouble < 1 || port->valuedouble > 65535 ||
	    port->valuedouble == RUNTIME_API_PORT || port->valuedouble != (int)port->valuedouble) {
		snprintf(err, size, "destination.port must be 1-65535 and not %d (the Runtime API's)",
			 RUNTIME_API_PORT);
		return false;
	}
	s->port = (int)port->valuedouble;
	return true;
}

static bool parse_sub(const cJSON *j, struct tel_sub *s, char *err, size_t size)
{
	const cJSON *buf = cJSON_GetObjectItemCaseSensitive(j, "buffering");
	const cJSON *dst = cJSON_GetObjectItemCaseSensitive(j, "destination");
	const char *proto = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(dst, "protocol"));
	const char *ver = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "schemaVersion"));
	long items, bytes, timeout;

	if (!ver || (strcmp(ver, "2022-07-01") && strcmp(ver, "2022-12-13") &&
		     strcmp(ver, "2025-01-29"))) {
		snprintf(err, size, "schemaVersion must be 2022-07-01, 2022-12-13 or 2025-01-29");
		return false;
	}
	if (!parse_types(cJSON_GetObjectItemCaseSensitive(j, "types"), &s->types, err, size))
		return false;
	if (!proto || (strcmp(proto, "HTTP") && strcmp(proto, "TCP"))) {
		snprintf(err, size, "destination.protocol must be HTTP or TCP");
		return false;
	}
	s->tcp = !strcmp(proto, "TCP");
	if (!parse_dest(dst, s, err, size))
		return false;
	if (!bounded(buf, "maxItems", ITEMS_MIN, ITEMS_MAX, ITEMS_MAX, &items, err, size) ||
	    !bounded(buf, "maxBytes", BYTES_MIN, BYTES_MAX, BYTES_MIN, &bytes, err, size) ||
	    !bounded(buf, "timeoutMs", TIMEOUT_MIN, TIMEOUT_MAX, 1000, &timeout, err, size))
		return false;
	s->max_items = (int)items;
	s->max_bytes = bytes;
	s->timeout_ms = (int)timeout;
	return true;
}

int tel_subscribe(struct telemetry *t, const char *ext, const char *body, char *err,
		  size_t size)
{
	cJSON *j = body ? cJSON_Parse(body) : NULL;
	struct tel_sub s = { 0 };
	int i;

	if (!j) {
		snprintf(err, size, "the request body is not JSON");
		return -EINVAL;
	}
	snprintf(s.ext, sizeof(s.ext), "%s", ext);
	if (!parse_sub(j, &s, err, size)) {
		cJSON_Delete(j);
		return -EINVAL;
	}
	cJSON_Delete(j);
	pthread_mutex_lock(&t->mu);
	for (i = 0; i < t->n_sub && strcmp(t->sub[i].ext, ext); i++)
		;
	/* A new subscription gets what the init kept (oldest first). */
	s.cursor = t->n ? t->v[0].seq : t->next_seq;
	s.fd = -1;
	if (i < t->n_sub && t->sub[i].fd >= 0)
		close(t->sub[i].fd);
	if (i < TEL_SUBS_MAX) {
		t->sub[i] = s;
		if (i == t->n_sub)
			t->n_sub++;
	}
	pthread_mutex_unlock(&t->mu);
	return 0;
}

/* ---- delivering ------------------------------------------------------- */

/* A connection to the listener at 127.0.0.1:port, each send and receive
 * bounded by POST_TIMEOUT_MS. The descriptor, or -errno. */
static int listener_connect(int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct timeval tv = { .tv_sec = POST_TIMEOUT_MS / 1000,
			      .tv_usec = (POST_TIMEOUT_MS % 1000) * 1000 };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -ECONNREFUSED;
	}
	return fd;
}

static int send_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t w = send(fd, p, len, MSG_NOSIGNAL);

		if (w <= 0)
			return -EPIPE;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

/* POST body to 127.0.0.1:port path; 0 when the listener answered 2xx. */
static int http_post(int port, const char *path, const char *body, size_t len)
{
	char head[512], reply[64] = "";
	int fd = listener_connect(port), n, status = 0;

	if (fd < 0)
		return fd;
	n = snprintf(head, sizeof(head), "POST %s HTTP/1.1\r\nHost: sandbox.localdomain:%d\r\n"
		     "Content-Type: application/json\r\nContent-Length: %zu\r\n"
		     "Connection: close\r\n\r\n", path, port, len);
	if (send_all(fd, head, (size_t)n) == 0 && send_all(fd, body, len) == 0 &&
	    recv(fd, reply, sizeof(reply) - 1, 0) > 0)
		sscanf(reply, "HTTP/1.%*d %d", &status);
	close(fd);
	return status >= 200 && status < 300 ? 0 : -EPROTO;
}

/* NDJSON lines on the subscription's connection (opened again when it
 * broke): as AWS's emulator, one connection kept for the batches. */
static int tcp_send(int *fd, int port, const char *body, size_t len)
{
	if (*fd < 0 && (*fd = listener_connect(port)) < 0)
		return *fd;
	if (send_all(*fd, body, len) == 0)
		return 0;
	close(*fd);
	*fd = -1;
	return -EPIPE;
}

/* The next batch of sub i (malloc'ed; NULL: none due): a JSON array, or
 * NDJSON lines for TCP; *items records, the cursor after it. Under mu. */
static char *batch(struct telemetry *t, int i, bool all, long long *after, size_t *len,
		   int *items)
{
	const struct tel_sub *s = &t->sub[i];
	size_t used = s->tcp ? 0 : 1, k, first = t->n;
	char *out;

	*items = 0;
	for (k = 0; k < t->n; k++)
		if (t->v[k].seq >= s->cursor && (t->v[k].type & s->types)) {
			first = k;
			break;
		}
	if (first == t->n)
		return NULL;
	if (!all && now_ms() - t->v[first].at_ms < s->timeout_ms)
		return NULL;
	out = malloc((size_t)s->max_bytes + t->v[first].len + 4);
	if (!out)
		return NULL;
	out[0] = '[';
	for (k = first; k < t->n && *items < s->max_items; k++) {
		if (!(t->v[k].type & s->types))
			continue;
		if (*items && used + t->v[k].len + 2 > (size_t)s->max_bytes)
			break;
		if ((*items)++ && !s->tcp)
			out[used++] = ',';
		memcpy(out + used, t->v[k].json, t->v[k].len);
		used += t->v[k].len;
		if (s->tcp)
			out[used++] = '\n';
	}
	if (!s->tcp)
		out[used++] = ']';
	out[used] = '\0';
	*after = k < t->n ? t->v[k].seq : t->next_seq;
	*len = used;
	return out;
}

/* One batch to sub's listener, TEL_TRIES times at most. */
static int deliver(struct tel_sub *s, const char *body, size_t len)
{
	int err = 0;

	for (int try = 0; try < TEL_TRIES; try++) {
		if (try)
			usleep(100 * 1000);
		err = s->tcp ? tcp_send(&s->fd, s->port, body, len)
			     : http_post(s->port, s->path, body, len);
		if (!err)
			return 0;
	}
	return err;
}

/* Records lost (a batch not taken, the buffer's bound) become one
 * platform.logsDropped record, as Lambda reports them. */
static void report_dropped(struct telemetry *t)
{
	char rec[400];

	pthread_mutex_lock(&t->mu);
	if (!t->dropped) {
		pthread_mutex_unlock(&t->mu);
		return;
	}
	snprintf(rec, sizeof(rec), "{\"reason\":\"%s\",\"droppedRecords\":%lld,"
		 "\"droppedBytes\":%lld}", t->drop_reason, t->dropped, t->dropped_bytes);
	t->dropped = t->dropped_bytes = 0;
	pthread_mutex_unlock(&t->mu);
	tel_add(t, "platform.logsDropped", rec);
}

/* Deliver what is due to sub i; false after a batch it did not take (the
 * rest waits for the next flush). */
static bool flush_one(struct telemetry *t, int i, bool all)
{
	for (int rounds = 0; rounds < 64; rounds++) {
		struct tel_sub s;
		long long after = 0;
		size_t len = 0;
		int items, err;
		char *body;

		pthread_mutex_lock(&t->mu);
		body = i < t->n_sub ? batch(t, i, all, &after, &len, &items) : NULL;
		if (body)
			s = t->sub[i];
		pthread_mutex_unlock(&t->mu);
		if (!body)
			return true;
		err = deliver(&s, body, len);
		free(body);
		pthread_mutex_lock(&t->mu);
		t->sub[i].fd = s.fd;
		t->sub[i].cursor = after;
		if (err) {
			t->dropped += items;
			t->dropped_bytes += (long long)len;
			snprintf(t->drop_reason, sizeof(t->drop_reason), "could not send events: the "
				 "listener at port %d did not take them (%d tries)", s.port, TEL_TRIES);
		}
		trim(t);
		pthread_mutex_unlock(&t->mu);
		if (err) {
			fprintf(stderr, "vpcsim supervisor: telemetry for %s: the listener at port %d "
				"did not take %zu bytes in %d tries\n", s.ext, s.port, len, TEL_TRIES);
			return false;
		}
	}
	return true;
}

void tel_flush(struct telemetry *t, bool all)
{
	report_dropped(t);
	for (int i = 0; i < TEL_SUBS_MAX; i++)
		flush_one(t, i, all);
}

int tel_due_ms(struct telemetry *t)
{
	double now = now_ms(), due = -1;

	pthread_mutex_lock(&t->mu);
	for (int i = 0; i < t->n_sub; i++)
		for (size_t k = 0; k < t->n; k++)
			if (t->v[k].seq >= t->sub[i].cursor && (t->v[k].type & t->sub[i].types)) {
				double at = t->v[k].at_ms + t->sub[i].timeout_ms;

				if (due < 0 || at < due)
					due = at;
				break;
			}
	pthread_mutex_unlock(&t->mu);
	if (due < 0)
		return -1;
	return due <= now ? 0 : (int)(due - now) + 1;
}
