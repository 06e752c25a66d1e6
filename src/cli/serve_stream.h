/* serve's answer to InvokeWithResponseStream (POST
 * /2021-11-15/functions/NAME/response-streaming-invocations): 200 as soon
 * as the function's response begins, its Content-Type the stream's (the
 * API's ResponseStreamContentType), X-Amz-Executed-Version; then a chunked
 * body of AWS event stream messages (util/eventstream.h): a PayloadChunk
 * event (application/octet-stream) for each piece the function streams,
 * as it comes, and last an InvokeComplete event (application/json:
 * ErrorCode, ErrorDetails, LogResult). A function that does not stream
 * gives one PayloadChunk of its whole response.
 *
 * The worker that runs the invoke writes; the connection's thread reads
 * (libmicrohttpd's content reader), suspending the connection while
 * nothing is there and resumed by the writer. At most SERVE_STREAM_BUF
 * bytes wait: past that the writer, hence the function's supervisor and
 * its runtime's upload, waits for the client. A client that goes away
 * leaves the invoke to end as it would; its bytes are dropped. */
#ifndef VPCSIM_SERVE_STREAM_H
#define VPCSIM_SERVE_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "util/dlib.h"

#define SERVE_STREAM_BUF (1 << 20)

struct serve_stream;

/* NAME from the route's URL into name; false when url is not the route. */
bool serve_stream_route(const char *url, char *name, size_t size);

/* A stream for the suspended connection c: when it begins, its response
 * goes to *resp with *status 200 and c is resumed (the caller queues it);
 * neither is touched after. NULL when out of memory. */
struct serve_stream *serve_stream_open(struct MHD_Connection *c, struct MHD_Response **resp,
				       unsigned *status);

/* Writes to it become PayloadChunk events (an invoke_request's out). */
FILE *serve_stream_out(struct serve_stream *s);

/* Begin: the response with the stream's content type ("" or NULL:
 * application/octet-stream). Once only; an invoke_request's
 * stream_start. */
void serve_stream_begin(void *s, const char *content_type);
bool serve_stream_begun(const struct serve_stream *s);

/* The InvokeComplete event (NULL members left out) and the body's end;
 * begins the stream first when it had not. */
void serve_stream_complete(struct serve_stream *s, const char *error_code,
			   const char *error_details, const char *log_result);

/* The writer's part done: closes serve_stream_out's file. */
void serve_stream_release(struct serve_stream *s);

#endif
