/* Function code keys: runtime identifiers and the state copy's paths. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "model/topology_code.h"

static void test_runtime_ids(void **state)
{
	assert_true(runtime_id_known("python3.11"));
	assert_true(runtime_id_known("provided.al2023"));
	assert_true(runtime_id_known("java21"));
	assert_false(runtime_id_known("python9"));
	assert_false(runtime_id_known("nodejs20"));
	assert_int_equal(runtime_family_of("python3.13"), RUNTIME_PYTHON);
	assert_int_equal(runtime_family_of("nodejs22.x"), RUNTIME_NODEJS);
	assert_int_equal(runtime_family_of("provided.al2"), RUNTIME_PROVIDED);
	assert_int_equal(runtime_family_of("provided"), RUNTIME_PROVIDED);
	assert_int_equal(runtime_family_of("java17"), RUNTIME_JAVA);
	assert_int_equal(runtime_family_of("java21"), RUNTIME_NONE);
	assert_int_equal(runtime_family_of("java11"), RUNTIME_NONE);
	assert_int_equal(runtime_family_of("python2.7"), RUNTIME_NONE);
	assert_int_equal(runtime_family_of("nodejs"), RUNTIME_NONE);
}

static void test_absolute_paths(void **state)
{
	const char *text = "{\"name\":\"t\",\"functions\":[{\"name\":\"a\",\"code\":\"src/a\"},"
			   "{\"name\":\"b\",\"image\":\"/abs/img.tar\"},{\"name\":\"c\"}]}";
	char *out = function_code_absolute_paths(text, strlen(text), "/top/dir/t.json");

	assert_non_null(out);
	assert_non_null(strstr(out, "\"/top/dir/src/a\""));
	assert_non_null(strstr(out, "\"/abs/img.tar\""));
	free(out);
	assert_null(function_code_absolute_paths("{", 1, "/x.json"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_runtime_ids),
		cmocka_unit_test(test_absolute_paths),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
