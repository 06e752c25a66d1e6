/* STS in the AWS zone (Query protocol, version 2011-06-15):
 * GetCallerIdentity and AssumeRole of the topology's roles (the functions'
 * execution roles). Answers and errors as STS writes them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws/form.h"
#include "aws/front_internal.h"
#include "util/hash.h"

#define STS_NS "https://sts.amazonaws.com/doc/2011-06-15/"
#define STS_VERSION "2011-06-15"
#define DURATION_MIN 900
#define DURATION_MAX 43200
#define DURATION_DEFAULT 3600
#define ADMIN_USER "vpcsim-admin"

/* A stable unique id: prefix + 17 base32 letters of the name's hash (as
 * AROA…/AIDA… ids look). */
static void unique_id(const char *prefix, const char *name, char out[32])
{
	static const char b32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
	uint64_t h = fnv1a(0xcbf29ce484222325ull, name);
	int n = snprintf(out, 32, "%s", prefix);

	for (int i = 0; i < 17; i++, h = h * 0x100000001b3ull + (uint64_t)i)
		out[n++] = b32[(h >> 59) & 31];
	out[n] = '\0';
}

static void caller_arn(const struct topology *t, const struct aws_cred *c, char *out, size_t len)
{
	if (!strcmp(c->role, AWS_ADMIN_ROLE))
		snprintf(out, len, "arn:aws:iam::%s:user/%s", t->account_id, ADMIN_USER);
	else
		snprintf(out, len, "arn:aws:sts::%s:assumed-role/%s/%s", t->account_id, c->role,
			 c->session);
}

static enum MHD_Result send_xml(const struct aws_call *k, const char *action, const char *result)
{
	char *body = NULL;
	int n = asprintf(&body, "<%sResponse xmlns=\"%s\">\n  <%sResult>\n%s  </%sResult>\n"
			 "  <ResponseMetadata>\n    <RequestId>%s</RequestId>\n"
			 "  </ResponseMetadata>\n</%sResponse>\n",
			 action, STS_NS, action, result, action, k->request_id, action);
	enum MHD_Result ret;

	if (n < 0)
		return MHD_NO;
	ret = aws_reply(k, 200, "text/xml", body, (size_t)n);
	free(body);
	return ret;
}

static enum MHD_Result get_caller_identity(struct front *f, const struct aws_call *k,
					   const struct aws_cred *who)
{
	char arn[512], id[32], uid[160], result[1024];

	caller_arn(f->t, who, arn, sizeof(arn));
	if (!strcmp(who->role, AWS_ADMIN_ROLE)) {
		unique_id("AIDA", ADMIN_USER, id);
		snprintf(uid, sizeof(uid), "%s", id);
	} else {
		unique_id("AROA", who->role, id);
		snprintf(uid, sizeof(uid), "%s:%s", id, who->session);
	}
	snprintf(result, sizeof(result), "    <Arn>%s</Arn>\n    <UserId>%s</UserId>\n"
		 "    <Account>%s</Account>\n", arn, uid, f->t->account_id);
	return send_xml(k, "GetCallerIdentity", result);
}

/* Is role one of the topology's (a function's execution role)? */
static bool role_known(const struct topology *t, const char *role)
{
	char r[AWS_ROLE_MAX];

	for (int i = 0; i < t->n_functions; i++)
		if (!strcmp(aws_function_role(&t->functions[i], r), role))
			return true;
	return false;
}

static bool session_name_valid(const char *s)
{
	size_t n = strlen(s);

	return n >= 2 && n <= 64 &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_+=,.@-") == n;
}

static enum MHD_Result assume_role_reply(struct front *f, const struct aws_call *k,
					 const struct aws_cred *c, const char *role_arn)
{
	char id[32], result[2048], exp[32];
	time_t e = (time_t)c->expires;
	struct tm tm;

	unique_id("AROA", c->role, id);
	gmtime_r(&e, &tm);
	strftime(exp, sizeof(exp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	snprintf(result, sizeof(result),
		 "    <Credentials>\n      <AccessKeyId>%s</AccessKeyId>\n"
		 "      <SecretAccessKey>%s</SecretAccessKey>\n      <SessionToken>%s</SessionToken>\n"
		 "      <Expiration>%s</Expiration>\n    </Credentials>\n"
		 "    <AssumedRoleUser>\n      <AssumedRoleId>%s:%s</AssumedRoleId>\n"
		 "      <Arn>arn:aws:sts::%s:assumed-role/%s/%s</Arn>\n    </AssumedRoleUser>\n",
		 c->akid, c->secret, c->token, exp, id, c->session, f->t->account_id, c->role,
		 c->session);
	(void)role_arn;
	return send_xml(k, "AssumeRole", result);
}

static enum MHD_Result assume_role(struct front *f, const struct aws_call *k,
				   const struct aws_cred *who, const char *body, size_t len)
{
	char arn[256], session[128], dur[16], prefix[96], caller[512];
	const char *role;
	struct aws_cred c;
	long d = DURATION_DEFAULT;

	if (form_get(body, len, "RoleArn", arn, sizeof(arn)) != 1)
		return aws_error(k, 400, "ValidationError", "1 validation error detected: Value null "
				 "at 'roleArn' failed to satisfy constraint: Member must not be null");
	if (form_get(body, len, "RoleSessionName", session, sizeof(session)) != 1)
		return aws_error(k, 400, "ValidationError", "1 validation error detected: Value null "
				 "at 'roleSessionName' failed to satisfy constraint: Member must not be null");
	if (!session_name_valid(session))
		return aws_error(k, 400, "ValidationError", "1 validation error detected: Value '%s' "
				 "at 'roleSessionName' failed to satisfy constraint: Member must satisfy "
				 "regular expression pattern: [\\w+=,.@-]*", session);
	if (form_get(body, len, "DurationSeconds", dur, sizeof(dur)) == 1) {
		char *end;

		d = strtol(dur, &end, 10);
		if (*end || d < DURATION_MIN || d > DURATION_MAX)
			return aws_error(k, 400, "ValidationError", "1 validation error detected: Value "
					 "'%s' at 'durationSeconds' failed to satisfy constraint: Member "
					 "must have value between %d and %d", dur, DURATION_MIN, DURATION_MAX);
	}
	snprintf(prefix, sizeof(prefix), "arn:aws:iam::%s:role/", f->t->account_id);
	role = !strncmp(arn, prefix, strlen(prefix)) ? arn + strlen(prefix) : NULL;
	if (!role || !role_known(f->t, role)) {
		caller_arn(f->t, who, caller, sizeof(caller));
		return aws_error(k, 403, "AccessDenied", "User: %s is not authorized to perform: "
				 "sts:AssumeRole on resource: %s", caller, arn);
	}
	if (aws_cred_new(&c, role, session, true) < 0)
		return aws_error(k, 500, "InternalFailure", "could not make credentials");
	c.expires = (long long)time(NULL) + d;
	if (front_add_cred(f, &c) < 0)
		return aws_error(k, 500, "InternalFailure", "out of memory");
	return assume_role_reply(f, k, &c, arn);
}

enum MHD_Result aws_sts(struct front *f, const struct aws_call *k, const struct aws_cred *who,
			const char *body, size_t len)
{
	char action[64], version[32];

	if (form_get(body, len, "Action", action, sizeof(action)) != 1)
		return aws_error(k, 400, "MissingAction", "Missing Action");
	if (form_get(body, len, "Version", version, sizeof(version)) == 1 &&
	    strcmp(version, STS_VERSION))
		return aws_error(k, 400, "InvalidAction", "Could not find operation %s for version %s",
				 action, version);
	if (!strcmp(action, "GetCallerIdentity"))
		return get_caller_identity(f, k, who);
	if (!strcmp(action, "AssumeRole"))
		return assume_role(f, k, who, body, len);
	return aws_error(k, 400, "InvalidAction", "Could not find operation %s for version %s",
			 action, STS_VERSION);
}
