/* FunctionName references; see fn_ref.h. */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "model/fn_ref.h"

static bool name_ok(const char *s, size_t n, size_t max)
{
	if (n == 0 || n >= max)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_' && s[i] != '.')
			return false;
	return true;
}

static bool qualifier_ok(const char *s)
{
	size_t n = strlen(s);

	if (!strcmp(s, "$LATEST"))
		return true;
	if (n == 0 || n >= FN_REF_QUAL_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_')
			return false;
	return true;
}

static bool account_ok(const char *s, size_t n)
{
	if (n != 12)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return true;
}

/* The part after "function:" (or the whole plain reference): NAME[:QUAL]. */
static enum fn_ref_result name_part(const char *p, struct fn_ref *out)
{
	const char *colon = strchr(p, ':');
	size_t n = colon ? (size_t)(colon - p) : strlen(p);

	if (!name_ok(p, n, FN_REF_NAME_MAX))
		return FN_REF_INVALID;
	snprintf(out->name, sizeof(out->name), "%.*s", (int)n, p);
	if (colon) {
		if (!qualifier_ok(colon + 1))
			return FN_REF_INVALID;
		snprintf(out->qualifier, sizeof(out->qualifier), "%s", colon + 1);
	}
	return FN_REF_OK;
}

enum fn_ref_result fn_ref_parse(const char *ref, const char *qualifier, const char *region,
				const char *account, struct fn_ref *out)
{
	enum fn_ref_result r = FN_REF_OK;
	const char *p = ref, *fn;

	memset(out, 0, sizeof(*out));
	if (!strncmp(p, "arn:", 4)) {
		/* arn:PARTITION:lambda:REGION:ACCOUNT:function:... */
		const char *part = p + 4, *svc = strchr(part, ':'), *reg, *acc;

		if (!svc || strncmp(svc, ":lambda:", 8))
			return FN_REF_INVALID;
		reg = svc + 8;
		acc = strchr(reg, ':');
		if (!acc || acc == reg)
			return FN_REF_INVALID;
		if ((size_t)(acc - reg) != strlen(region) || strncmp(reg, region, (size_t)(acc - reg)))
			r = FN_REF_ELSEWHERE;
		p = acc + 1;
	}
	fn = strstr(p, ":function:");
	if (fn) { /* ACCOUNT:function:... */
		if (!account_ok(p, (size_t)(fn - p)))
			return FN_REF_INVALID;
		if (strncmp(p, account, 12))
			r = FN_REF_ELSEWHERE;
		p = fn + strlen(":function:");
	} else if (!strncmp(p, "function:", 9)) {
		p += 9;
	} else if (p != ref) {
		return FN_REF_INVALID; /* an ARN without ACCOUNT:function: */
	}
	enum fn_ref_result n = name_part(p, out);

	if (n != FN_REF_OK)
		return n;
	if (qualifier && qualifier[0]) {
		if (!qualifier_ok(qualifier))
			return FN_REF_INVALID;
		if (out->qualifier[0] && strcmp(out->qualifier, qualifier))
			return FN_REF_CONFLICT;
		snprintf(out->qualifier, sizeof(out->qualifier), "%s", qualifier);
	}
	return r;
}
