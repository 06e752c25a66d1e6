/* Lambda's FunctionName parameter as the Invoke API takes it: a name
 * (my-function), a name with a qualifier (my-function:v1), a partial ARN
 * (123456789012:function:my-function) or a full ARN
 * (arn:aws:lambda:us-east-1:123456789012:function:my-function[:QUAL]); the
 * Qualifier query parameter may name the qualifier too. */
#ifndef VPCSIM_FN_REF_H
#define VPCSIM_FN_REF_H

#define FN_REF_NAME_MAX 65  /* 64 characters */
#define FN_REF_QUAL_MAX 129 /* 128 */

enum fn_ref_result {
	FN_REF_OK,
	FN_REF_INVALID,       /* does not match AWS's pattern: ValidationException */
	FN_REF_ELSEWHERE,     /* an ARN of another region or account: not found */
	FN_REF_CONFLICT,      /* the ARN's qualifier and Qualifier differ */
};

struct fn_ref {
	char name[FN_REF_NAME_MAX];
	char qualifier[FN_REF_QUAL_MAX]; /* "" when none was given */
};

/* Parse `ref` (and `qualifier`, NULL when the query has none) for a
 * topology in `region`, account `account`. */
enum fn_ref_result fn_ref_parse(const char *ref, const char *qualifier, const char *region,
				const char *account, struct fn_ref *out);

#endif
