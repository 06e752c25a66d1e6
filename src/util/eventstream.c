/* AWS's event stream encoding; see eventstream.h. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "util/eventstream.h"

#define PRELUDE 12
#define TYPE_STRING 7

static void be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

/* The headers' encoded size, or 0 when one is out of bounds. */
static size_t headers_size(const struct evstream_header *h, int n)
{
	size_t total = 0;

	for (int i = 0; i < n; i++) {
		size_t k = strlen(h[i].name), v = strlen(h[i].value);

		if (k == 0 || k > 255 || v > 65535)
			return 0;
		total += 1 + k + 1 + 2 + v;
	}
	return total <= EVSTREAM_HEADERS_MAX ? total : 0;
}

unsigned char *evstream_message(const struct evstream_header *h, int n, const void *payload,
				size_t len, size_t *size)
{
	size_t hl = headers_size(h, n), total = PRELUDE + hl + len + 4, off = PRELUDE;
	unsigned char *m;

	if ((n && !hl) || len > EVSTREAM_PAYLOAD_MAX || !(m = malloc(total)))
		return NULL;
	be32(m, (uint32_t)total);
	be32(m + 4, (uint32_t)hl);
	be32(m + 8, (uint32_t)crc32(0, m, 8));
	for (int i = 0; i < n; i++) {
		size_t k = strlen(h[i].name), v = strlen(h[i].value);

		m[off++] = (unsigned char)k;
		memcpy(m + off, h[i].name, k);
		off += k;
		m[off++] = TYPE_STRING;
		m[off++] = (unsigned char)(v >> 8);
		m[off++] = (unsigned char)v;
		memcpy(m + off, h[i].value, v);
		off += v;
	}
	if (len)
		memcpy(m + off, payload, len);
	off += len;
	be32(m + off, (uint32_t)crc32(0, m, (uInt)off));
	*size = total;
	return m;
}

unsigned char *evstream_event(const char *event_type, const char *content_type,
			      const void *payload, size_t len, size_t *size)
{
	const struct evstream_header h[] = {
		{ ":event-type", event_type },
		{ ":content-type", content_type },
		{ ":message-type", "event" },
	};

	return evstream_message(h, 3, payload, len, size);
}
