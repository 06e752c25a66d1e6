/* The optional libraries open on demand and every symbol resolves. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "util/dlib.h"
#include "util/err.h"

static void test_each_library_loads(void **state)
{
	(void)state;
	for (int id = 0; id < DLIB__COUNT; id++) {
		if (dlib_load((enum dlib_id)id) != 0)
			fail_msg("%s", err_msg());
		assert_int_equal(dlib_load((enum dlib_id)id), 0); /* once is enough */
	}
#define NONNULL(f) assert_non_null(sym_##f);
	DLIB_PQ_SYMS(NONNULL)
	DLIB_ARCHIVE_SYMS(NONNULL)
	DLIB_MHD_SYMS(NONNULL)
	DLIB_CRYPTO_SYMS(NONNULL)
	DLIB_YAML_SYMS(NONNULL)
}

/* The loaded code is the library's own: a round trip through base64. */
static void test_calls_reach_the_library(void **state)
{
	unsigned char enc[16], dec[16];

	(void)state;
	assert_int_equal(dlib_load(DLIB_CRYPTO), 0);
	assert_int_equal(sym_EVP_EncodeBlock(enc, (const unsigned char *)"vpc", 3), 4);
	assert_memory_equal(enc, "dnBj", 4);
	assert_int_equal(sym_EVP_DecodeBlock(dec, enc, 4), 3);
	assert_memory_equal(dec, "vpc", 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_each_library_loads),
		cmocka_unit_test(test_calls_reach_the_library),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
