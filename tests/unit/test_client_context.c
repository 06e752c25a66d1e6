/* The one client-context decoder (lambda/invoke.c) that `invoke
 * --client-context` and serve's X-Amz-Client-Context both go through:
 * base64 of a JSON object, at most 3583 characters, no NUL bytes. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lambda/invoke.h"

static int decode(const char *b64, char **json)
{
	return invoke_client_context(b64, json);
}

static void test_object_decoded(void **state)
{
	char *json;

	/* {"custom":{"k":"v"}} */
	assert_int_equal(decode("eyJjdXN0b20iOnsiayI6InYifX0=", &json), 0);
	assert_string_equal(json, "{\"custom\":{\"k\":\"v\"}}");
	free(json);
	/* {} with two padding characters */
	assert_int_equal(decode("e30=", &json), 0);
	assert_string_equal(json, "{}");
	free(json);
}

static void test_refused(void **state)
{
	char *json = (char *)1;

	assert_int_equal(decode("", &json), -EBADMSG);
	assert_null(json);
	assert_int_equal(decode("WyJhIl0=", &json), -EBADMSG);     /* ["a"]: not an object */
	assert_int_equal(decode("e30", &json), -EBADMSG);          /* not a multiple of 4 */
	assert_int_equal(decode("e3!=", &json), -EBADMSG);         /* not base64 */
	assert_int_equal(decode("ewB9", &json), -EBADMSG);         /* "{\0}": a NUL byte */
	assert_null(json);
}

static void test_size_cap(void **state)
{
	char b64[3589], *json;

	/* "{" then spaces: 3584 characters of base64 is one over the cap */
	for (size_t i = 0; i + 4 < sizeof(b64); i += 4)
		memcpy(b64 + i, i ? "ICAg" : "eyAg", 4);
	b64[3584] = '\0';
	assert_int_equal(decode(b64, &json), -EBADMSG);
	b64[3580] = '\0';
	assert_int_equal(decode(b64, &json), 0);
	assert_int_equal(json[0], '{');
	assert_int_equal(strlen(json), 3580 / 4 * 3);
	free(json);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_object_decoded),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_size_cap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
