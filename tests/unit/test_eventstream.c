/* AWS's event stream encoding (util/eventstream.c) against a message built
 * by Python's struct and zlib.crc32 (the framing of botocore's
 * eventstream.py), and its bounds. The SDK's own decoder reads serve's
 * messages in t_runtime_stream. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/eventstream.h"

/* python3: headers :event-type PayloadChunk, :content-type
 * application/octet-stream, :message-type event; payload "hi". */
static const char expected_hex[] =
	"0000006c0000005ab25efdcf0b3a6576656e742d7479706507000c5061796c6f61644368756e6b0d3a63"
	"6f6e74656e742d747970650700186170706c69636174696f6e2f6f637465742d73747265616d0d3a6d65"
	"73736167652d747970650700056576656e7468691162e469";

static void test_payload_chunk_matches_python(void **state)
{
	size_t size = 0;
	unsigned char *m = evstream_event("PayloadChunk", "application/octet-stream", "hi", 2, &size);
	char hex[2 * 256 + 1];

	assert_non_null(m);
	assert_int_equal(size, (sizeof(expected_hex) - 1) / 2);
	for (size_t i = 0; i < size; i++)
		snprintf(hex + 2 * i, 3, "%02x", m[i]);
	assert_string_equal(hex, expected_hex);
	free(m);
}

static void test_empty_payload(void **state)
{
	size_t size = 0;
	unsigned char *m = evstream_message(NULL, 0, NULL, 0, &size);

	/* prelude and the message CRC only: 16 bytes, total length 16 */
	assert_non_null(m);
	assert_int_equal(size, 16);
	assert_int_equal(m[3], 16);
	assert_int_equal(m[7], 0);
	free(m);
}

static void test_bounds(void **state)
{
	char *name = malloc(300), *big = malloc(70000);
	size_t size;

	memset(name, 'n', 299);
	name[299] = '\0';
	memset(big, 'v', 69999);
	big[69999] = '\0';
	assert_null(evstream_message(&(struct evstream_header){ name, "v" }, 1, "", 0, &size));
	assert_null(evstream_message(&(struct evstream_header){ "k", big }, 1, "", 0, &size));
	assert_null(evstream_message(&(struct evstream_header){ "", "v" }, 1, "", 0, &size));
	assert_null(evstream_message(NULL, 0, big, EVSTREAM_PAYLOAD_MAX + 1, &size));
	free(name);
	free(big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_payload_chunk_matches_python),
		cmocka_unit_test(test_empty_payload),
		cmocka_unit_test(test_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
