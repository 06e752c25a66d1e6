/* InvokeWithResponseStream's answer; see serve_stream.h. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include <cjson/cJSON.h>

#include "cli/serve_stream.h"
#include "util/eventstream.h"

#define ROUTE_PREFIX "/2021-11-15/functions/"
#define ROUTE_SUFFIX "/response-streaming-invocations"
#define READ_BLOCK (32 * 1024)

struct serve_stream {
	pthread_mutex_t mu;
	pthread_cond_t room;
	int refs;                  /* the writer's, and the response's once begun */
	struct MHD_Connection *c;
	struct MHD_Response **resp_slot;
	unsigned *status_slot;
	FILE *out;
	unsigned char *buf;        /* encoded messages not yet read */
	size_t len;
	bool begun, done, suspended, gone;
};

bool serve_stream_route(const char *url, char *name, size_t size)
{
	size_t n = strlen(url), p = strlen(ROUTE_PREFIX), s = strlen(ROUTE_SUFFIX);

	if (n <= p + s || strncmp(url, ROUTE_PREFIX, p) || strcmp(url + n - s, ROUTE_SUFFIX) ||
	    n - p - s >= size || memchr(url + p, '/', n - p - s))
		return false;
	snprintf(name, size, "%.*s", (int)(n - p - s), url + p);
	return true;
}

static void unref(struct serve_stream *s)
{
	bool last;

	pthread_mutex_lock(&s->mu);
	last = --s->refs == 0;
	pthread_mutex_unlock(&s->mu);
	if (!last)
		return;
	free(s->buf);
	free(s);
}

/* The connection's thread: what is there, the end, or suspend until the
 * writer resumes it (the one place libmicrohttpd allows it, with the
 * access handler). */
static ssize_t reader(void *cls, uint64_t pos, char *out, size_t max)
{
	struct serve_stream *s = cls;
	ssize_t n = 0;

	pthread_mutex_lock(&s->mu);
	if (s->len) {
		n = (ssize_t)(s->len < max ? s->len : max);
		memcpy(out, s->buf, (size_t)n);
		memmove(s->buf, s->buf + n, s->len - (size_t)n);
		s->len -= (size_t)n;
		pthread_cond_broadcast(&s->room);
	} else if (s->done) {
		n = MHD_CONTENT_READER_END_OF_STREAM;
	} else {
		s->suspended = true;
		sym_MHD_suspend_connection(s->c);
	}
	pthread_mutex_unlock(&s->mu);
	return n;
}

/* The response is gone (sent, or the client went away). */
static void reader_done(void *cls)
{
	struct serve_stream *s = cls;

	pthread_mutex_lock(&s->mu);
	s->gone = true;
	pthread_cond_broadcast(&s->room);
	pthread_mutex_unlock(&s->mu);
	unref(s);
}

/* Under s->mu: wake the reader if it waits. The connection cannot go
 * while suspended, so resuming after the unlock is safe. */
static bool wake(struct serve_stream *s)
{
	bool was = s->suspended;

	s->suspended = false;
	return was;
}

static void push(struct serve_stream *s, unsigned char *m, size_t n)
{
	unsigned char *grown;
	bool resume = false;

	pthread_mutex_lock(&s->mu);
	while (!s->gone && s->len && s->len + n > SERVE_STREAM_BUF)
		pthread_cond_wait(&s->room, &s->mu);
	if (!s->gone && (grown = realloc(s->buf, s->len + n))) {
		memcpy(grown + s->len, m, n);
		s->buf = grown;
		s->len += n;
		resume = wake(s);
	}
	pthread_mutex_unlock(&s->mu);
	if (resume)
		sym_MHD_resume_connection(s->c);
	free(m);
}

static ssize_t chunk_write(void *cookie, const char *p, size_t n)
{
	struct serve_stream *s = cookie;
	unsigned char *m;
	size_t size;

	if (!s->begun)
		serve_stream_begin(s, NULL);
	for (size_t off = 0; off < n; off += SERVE_STREAM_BUF / 2) {
		size_t part = n - off < SERVE_STREAM_BUF / 2 ? n - off : SERVE_STREAM_BUF / 2;

		if (!(m = evstream_event("PayloadChunk", "application/octet-stream", p + off, part,
					 &size)))
			return -1;
		push(s, m, size);
	}
	return (ssize_t)n;
}

struct serve_stream *serve_stream_open(struct MHD_Connection *c, struct MHD_Response **resp,
				       unsigned *status)
{
	struct serve_stream *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->room, NULL);
	s->refs = 1;
	s->c = c;
	s->resp_slot = resp;
	s->status_slot = status;
	s->out = fopencookie(s, "w", (cookie_io_functions_t){ .write = chunk_write });
	if (!s->out) {
		free(s);
		return NULL;
	}
	setvbuf(s->out, NULL, _IONBF, 0);
	return s;
}

FILE *serve_stream_out(struct serve_stream *s)
{
	return s->out;
}

void serve_stream_begin(void *arg, const char *content_type)
{
	struct serve_stream *s = arg;
	struct MHD_Response *r;

	if (s->begun)
		return;
	s->begun = true;
	s->refs++; /* the response's, given back by reader_done */
	r = sym_MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, READ_BLOCK, reader, s,
						  reader_done);
	if (r) {
		sym_MHD_add_response_header(r, "Content-Type", content_type && content_type[0] ?
					    content_type : "application/octet-stream");
		sym_MHD_add_response_header(r, "X-Amz-Executed-Version", "$LATEST");
	} else {
		s->refs--;
		s->gone = true; /* nothing will read: writes are dropped */
	}
	*s->resp_slot = r;
	*s->status_slot = 200;
	sym_MHD_resume_connection(s->c);
}

bool serve_stream_begun(const struct serve_stream *s)
{
	return s->begun;
}

void serve_stream_complete(struct serve_stream *s, const char *error_code,
			   const char *error_details, const char *log_result)
{
	cJSON *j = cJSON_CreateObject();
	unsigned char *m = NULL;
	char *text = NULL;
	bool resume = false;
	size_t size;

	if (!s->begun)
		serve_stream_begin(s, NULL);
	if (j && error_code)
		cJSON_AddStringToObject(j, "ErrorCode", error_code);
	if (j && error_details)
		cJSON_AddStringToObject(j, "ErrorDetails", error_details);
	if (j && log_result)
		cJSON_AddStringToObject(j, "LogResult", log_result);
	if (j && (text = cJSON_PrintUnformatted(j)))
		m = evstream_event("InvokeComplete", "application/json", text, strlen(text), &size);
	if (m)
		push(s, m, size);
	cJSON_free(text);
	cJSON_Delete(j);
	pthread_mutex_lock(&s->mu);
	s->done = true;
	resume = !s->gone && wake(s);
	pthread_mutex_unlock(&s->mu);
	if (resume)
		sym_MHD_resume_connection(s->c);
}

void serve_stream_release(struct serve_stream *s)
{
	fclose(s->out);
	unref(s);
}
