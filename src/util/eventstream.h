/* AWS's event stream encoding (application/vnd.amazon.eventstream), the
 * body of InvokeWithResponseStream and other streaming APIs. One message:
 *
 *   total length (4 bytes, big-endian) | headers length (4) |
 *   CRC32 of those 8 bytes (4) | headers | payload |
 *   CRC32 of everything before it (4)
 *
 * each header: name length (1 byte), name, value type (1 byte; 7: a
 * string), value length (2 bytes, big-endian), value. CRC32 is zlib's
 * (IEEE 802.3), as botocore's eventstream.py checks it. At most 128 KiB of
 * headers and 24 MiB of payload per message, as botocore accepts. */
#ifndef VPCSIM_EVENTSTREAM_H
#define VPCSIM_EVENTSTREAM_H

#include <stddef.h>

#define EVSTREAM_HEADERS_MAX (128 * 1024)
#define EVSTREAM_PAYLOAD_MAX (24 * 1024 * 1024)

/* A header whose value is a string. */
struct evstream_header {
	const char *name;          /* at most 255 bytes */
	const char *value;         /* at most 65535 bytes */
};

/* The message of n headers and len bytes of payload, malloc'ed, its size
 * in *size. NULL when a bound above is passed or memory ran out. */
unsigned char *evstream_message(const struct evstream_header *h, int n, const void *payload,
				size_t len, size_t *size);

/* An event of an AWS API: headers :event-type, :content-type and
 * :message-type "event". */
unsigned char *evstream_event(const char *event_type, const char *content_type,
			      const void *payload, size_t len, size_t *size);

#endif
