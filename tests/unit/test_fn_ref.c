/* FunctionName references as the Invoke API takes them. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "model/fn_ref.h"

#define R "us-east-1"
#define A "123456789012"

static void ok_as(const char *ref, const char *q, const char *name, const char *qual)
{
	struct fn_ref f;

	assert_int_equal(fn_ref_parse(ref, q, R, A, &f), FN_REF_OK);
	assert_string_equal(f.name, name);
	assert_string_equal(f.qualifier, qual);
}

static void test_forms(void **state)
{
	ok_as("reader", NULL, "reader", "");
	ok_as("reader:$LATEST", NULL, "reader", "$LATEST");
	ok_as("reader", "$LATEST", "reader", "$LATEST");
	ok_as("123456789012:function:reader", NULL, "reader", "");
	ok_as("function:reader", NULL, "reader", "");
	ok_as("arn:aws:lambda:us-east-1:123456789012:function:reader", NULL, "reader", "");
	ok_as("arn:aws:lambda:us-east-1:123456789012:function:reader:prod", NULL, "reader", "prod");
}

static void test_refused(void **state)
{
	struct fn_ref f;

	assert_int_equal(fn_ref_parse("bad name", NULL, R, A, &f), FN_REF_INVALID);
	assert_int_equal(fn_ref_parse("arn:aws:s3:::bucket", NULL, R, A, &f), FN_REF_INVALID);
	assert_int_equal(fn_ref_parse("12:function:reader", NULL, R, A, &f), FN_REF_INVALID);
	assert_int_equal(fn_ref_parse("reader:a:b", NULL, R, A, &f), FN_REF_INVALID);
	assert_int_equal(fn_ref_parse("arn:aws:lambda:eu-west-1:123456789012:function:reader",
				      NULL, R, A, &f), FN_REF_ELSEWHERE);
	assert_int_equal(fn_ref_parse("999999999999:function:reader", NULL, R, A, &f),
			 FN_REF_ELSEWHERE);
	assert_int_equal(fn_ref_parse("reader:v1", "v2", R, A, &f), FN_REF_CONFLICT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forms),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
