/* S3 event notifications (docs/EVENTS.md), born at the front: s3rver
 * cannot call out, but every request to it passes here, verified, and its
 * answer too. A request that changed objects (2xx) makes AWS's events:
 *
 *   PUT /bucket/key                    ObjectCreated:Put (Copy with x-amz-copy-source)
 *   POST /bucket/key?uploadId=...      ObjectCreated:CompleteMultipartUpload
 *   DELETE /bucket/key                 ObjectRemoved:Delete
 *   POST /bucket?delete                ObjectRemoved:Delete for each <Key> deleted
 *
 * and each function whose "s3" source takes the event (bucket, event type,
 * prefix and suffix on the key) gets it asynchronously: a file in the
 * topology's async queue (state/async_queue.h), which the event service
 * delivers. Loop detection: a write signed by a function's credentials
 * while it runs for an S3 event carries that event's chain depth plus
 * one (async_lineage_get); the event service drops an event 16 deep. */
#include <arpa/inet.h>
#include <ctype.h>
#include <libgen.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>

#include "aws/front_internal.h"
#include "lambda/sandbox.h"
#include "model/aws_zone.h"
#include "model/event_payload.h"
#include "state/async_queue.h"
#include "util/err.h"

#define KEY_MAX 1024

static atomic_ullong sequence;

/* Percent-decode a path component (S3 keys in the URI). */
static void uri_decode(const char *in, size_t n, char *out, size_t size)
{
	size_t w = 0;

	for (size_t i = 0; i < n && w + 1 < size; i++) {
		unsigned v;

		if (in[i] == '%' && i + 2 < n + 0 && isxdigit((unsigned char)in[i + 1]) &&
		    isxdigit((unsigned char)in[i + 2]) && sscanf(in + i + 1, "%2x", &v) == 1 && v) {
			out[w++] = (char)v;
			i += 2;
		} else {
			out[w++] = in[i];
		}
	}
	out[w] = '\0';
}

/* Bucket and key of the request (virtual-hosted: host_bucket and all of
 * the path; else the path's first segment), and its query. */
static void object_of(const char *uri, const char *host_bucket, char bucket[AWS_HOST_MAX],
		      char key[KEY_MAX], const char **query)
{
	const char *p = uri[0] == '/' ? uri + 1 : uri, *q = strchr(p, '?');
	size_t n = q ? (size_t)(q - p) : strlen(p);

	*query = q ? q + 1 : "";
	key[0] = '\0';
	if (host_bucket[0]) {
		snprintf(bucket, AWS_HOST_MAX, "%s", host_bucket);
		uri_decode(p, n, key, KEY_MAX);
		return;
	}
	const char *slash = memchr(p, '/', n);

	snprintf(bucket, AWS_HOST_MAX, "%.*s", (int)(slash ? slash - p : (long)n), p);
	if (slash)
		uri_decode(slash + 1, n - (size_t)(slash + 1 - p), key, KEY_MAX);
}

static bool query_has(const char *query, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = query; p && *p; p = strchr(p, '&') ? strchr(p, '&') + 1 : NULL)
		if (!strncmp(p, name, n) && (p[n] == '=' || p[n] == '&' || !p[n]))
			return true;
	return false;
}

static void source_ip(const struct aws_call *k, char out[INET_ADDRSTRLEN])
{
	const union MHD_ConnectionInfo *ci =
		sym_MHD_get_connection_info(k->c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr_in *a = ci ? (const struct sockaddr_in *)ci->client_addr : NULL;

	snprintf(out, INET_ADDRSTRLEN, "0.0.0.0");
	if (a && a->sin_family == AF_INET)
		inet_ntop(AF_INET, &a->sin_addr, out, INET_ADDRSTRLEN);
}

static void state_of(const struct front *f, char state[4096])
{
	snprintf(state, 4096, "%s", f->dir);
	dirname(state); /* f->dir is STATE/aws */
}

/* Queue the event n for every function that takes it. */
static void deliver(struct front *f, struct s3_notice *n, int lineage)
{
	char state[4096];

	state_of(f, state);
	for (int i = 0; i < f->t->n_functions; i++)
		for (int k = 0; k < f->t->functions[i].n_events; k++) {
			struct async_event e = { .lineage = lineage };

			if (!s3_event_matches(&f->t->functions[i].events[k], n->bucket, n->name, n->key))
				continue;
			e.payload = event_s3(f->t, n);
			if (!e.payload)
				continue;
			e.len = strlen(e.payload);
			sandbox_uuid_v4(e.id);
			snprintf(e.function, sizeof(e.function), "%s", f->t->functions[i].name);
			snprintf(e.source, sizeof(e.source), "s3");
			if (async_enqueue(state, &e) < 0)
				fprintf(stderr, "aws front: S3 notification of %s/%s to %s: %s\n",
					n->bucket, n->key, e.function, err_msg());
			free(e.payload);
			break; /* one notification per function, as S3's overlap rule leaves it */
		}
}

static void notify_one(struct front *f, struct s3_notice *n, int lineage)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	n->ms = (long long)tv.tv_sec * 1000 + tv.tv_usec / 1000;
	n->sequence = (unsigned long long)n->ms << 16 | (atomic_fetch_add(&sequence, 1) & 0xffff);
	deliver(f, n, lineage);
}

/* DeleteObjects: each <Key> of the request's body. */
static void notify_deletes(struct front *f, struct s3_notice *n, const char *body, size_t len,
			   int lineage)
{
	char *copy = strndup(body ? body : "", len), key[KEY_MAX];

	for (char *p = copy; p && (p = strstr(p, "<Key>")); ) {
		char *end = strstr(p + 5, "</Key>");

		if (!end)
			break;
		snprintf(key, sizeof(key), "%.*s", (int)(end - p - 5), p + 5);
		n->key = key;
		notify_one(f, n, lineage);
		p = end + 6;
	}
	free(copy);
}

void s3_notify(struct front *f, const struct aws_call *k, const struct aws_cred *who,
	       const char *method, const char *uri, const char *bucket, const char *body,
	       size_t len, const struct s3_answer *ans)
{
	char b[AWS_HOST_MAX], key[KEY_MAX], ip[INET_ADDRSTRLEN], principal[160], etag[128], path[4400];
	const char *query, *copy = sym_MHD_lookup_connection_value(k->c, MHD_HEADER_KIND,
								   "x-amz-copy-source");
	struct s3_notice n = { .bucket = b, .key = key, .etag = ans->etag, .size = -1,
			       .principal = principal, .source_ip = ip, .request_id = k->request_id };
	long long size;
	int lineage = 0;

	if (who && who->token[0]) { /* a function's (or AssumeRole's) key */
		char state[4096];

		state_of(f, state);
		lineage = async_lineage_get(state, who->session);
	}
	object_of(uri, bucket, b, key, &query);
	source_ip(k, ip);
	snprintf(principal, sizeof(principal), "AWS:%s", who ? who->akid : "anonymous");
	if (!strcmp(method, "POST") && !key[0] && query_has(query, "delete")) {
		n.name = "ObjectRemoved:Delete";
		n.etag = NULL;
		notify_deletes(f, &n, body, len, lineage);
		return;
	}
	if (!key[0])
		return; /* a bucket's own operation */
	if (!strcmp(method, "DELETE") && !query[0]) {
		n.name = "ObjectRemoved:Delete";
		n.etag = NULL;
	} else if (!strcmp(method, "PUT") && !query[0]) {
		n.name = copy ? "ObjectCreated:Copy" : "ObjectCreated:Put";
		n.size = copy ? -1 : (long long)len;
	} else if (!strcmp(method, "POST") && query_has(query, "uploadId")) {
		n.name = "ObjectCreated:CompleteMultipartUpload";
	} else {
		return; /* parts, tags, ACLs: no notification here */
	}
	if (n.size < 0 && n.etag) {
		snprintf(path, sizeof(path), "/%s/%.*s", b, (int)strcspn(uri + 1 + (bucket[0] ? 0 :
			 strlen(b) + 1), "?"), uri + 1 + (bucket[0] ? 0 : strlen(b) + 1));
		if (s3_engine_head(path, &size, etag) == 0) {
			n.size = size;
			n.etag = etag;
		}
	}
	notify_one(f, &n, lineage);
}
