/* Secrets Manager in the AWS zone (JSON 1.1, X-Amz-Target
 * secretsmanager.OPERATION): the topology's "secrets" (their value as the
 * JSON SecretString RDS uses) and those created while it is up, kept in
 * the front's memory until `down`. GetSecretValue, DescribeSecret,
 * ListSecrets, PutSecretValue and CreateSecret, with AWS's errors. Only
 * the current version of a secret is kept (AWSCURRENT); VersionStage
 * AWSPREVIOUS and rotation are not served. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cJSON.h>

#include "aws/front_internal.h"
#include "lambda/sandbox.h"

#define SECRET_VALUE_MAX 65536       /* SecretString's quota */
#define SECRET_NAME_MAX 512
#define TARGET_PREFIX "secretsmanager."

struct secret_entry {
	char *name, *arn, *value, *description;
	char version[37];
	double created, changed;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)(ts.tv_nsec / 1000000) / 1e3;
}

/* ARN: arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME-XXXXXX */
static char *make_arn(const struct topology *t, const char *name)
{
	char id[37], *arn = NULL;

	sandbox_uuid_v4(id);
	if (asprintf(&arn, "arn:aws:secretsmanager:%s:%s:secret:%s-%.6s", t->region,
		     t->account_id, name, id) < 0)
		return NULL;
	return arn;
}

/* Add a secret (f->lock held by the caller, or before serving). */
static struct secret_entry *secret_add(struct front *f, const char *name, const char *value,
				       const char *description)
{
	struct secret_entry *s;

	if (f->n_secrets == f->cap_secrets) {
		int cap = f->cap_secrets ? 2 * f->cap_secrets : 16;
		struct secret_entry *g = realloc(f->secrets, (size_t)cap * sizeof(*g));

		if (!g)
			return NULL;
		f->secrets = g;
		f->cap_secrets = cap;
	}
	s = &f->secrets[f->n_secrets];
	memset(s, 0, sizeof(*s));
	s->name = strdup(name);
	s->arn = make_arn(f->t, name);
	s->value = strdup(value ? value : "");
	s->description = description ? strdup(description) : NULL;
	sandbox_uuid_v4(s->version);
	s->created = s->changed = now_s();
	if (!s->name || !s->arn || !s->value)
		return NULL;
	f->n_secrets++;
	return s;
}

int secrets_init(struct front *f)
{
	for (int i = 0; i < f->t->n_secrets; i++) {
		const struct secret *sec = &f->t->secrets[i];
		cJSON *o = cJSON_CreateObject();
		char *v;

		cJSON_AddStringToObject(o, "username", sec->username ? sec->username : "");
		cJSON_AddStringToObject(o, "password", sec->password ? sec->password : "");
		v = cJSON_PrintUnformatted(o);
		cJSON_Delete(o);
		if (!v || !secret_add(f, sec->name, v, NULL)) {
			free(v);
			return -1;
		}
		free(v);
	}
	return 0;
}

/* By name or ARN (f->lock held). */
static struct secret_entry *secret_find(struct front *f, const char *id)
{
	for (int i = 0; i < f->n_secrets; i++)
		if (!strcmp(f->secrets[i].name, id) || !strcmp(f->secrets[i].arn, id))
			return &f->secrets[i];
	return NULL;
}

char *secret_value_copy(struct front *f, const char *name)
{
	struct secret_entry *s;
	char *v = NULL;

	pthread_mutex_lock(&f->lock);
	s = secret_find(f, name);
	if (s)
		v = strdup(s->value);
	pthread_mutex_unlock(&f->lock);
	return v;
}

static enum MHD_Result send_json(const struct aws_call *k, cJSON *o)
{
	char *text = cJSON_PrintUnformatted(o);
	enum MHD_Result ret;

	cJSON_Delete(o);
	if (!text)
		return aws_error(k, 500, "InternalServiceError", "out of memory");
	ret = aws_reply(k, 200, "application/x-amz-json-1.1", text, strlen(text));
	free(text);
	return ret;
}

static enum MHD_Result not_found(const struct aws_call *k)
{
	return aws_error(k, 400, "ResourceNotFoundException",
			 "Secrets Manager can't find the specified secret.");
}

static enum MHD_Result missing(const struct aws_call *k, const char *member)
{
	return aws_error(k, 400, "ValidationException", "1 validation error detected: Value null "
			 "at '%s' failed to satisfy constraint: Member must not be null", member);
}

static const char *str_member(const cJSON *req, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(req, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static cJSON *stages(void)
{
	cJSON *a = cJSON_CreateArray();

	cJSON_AddItemToArray(a, cJSON_CreateString("AWSCURRENT"));
	return a;
}

/* The secret the request's SecretId names (its name or ARN), returned
 * with f->lock held; NULL with AWS's error queued in *ret and the lock
 * not held. */
static struct secret_entry *secret_of(struct front *f, const struct aws_call *k,
				      const cJSON *req, enum MHD_Result *ret)
{
	const char *id = str_member(req, "SecretId");
	struct secret_entry *s;

	if (!id) {
		*ret = missing(k, "secretId");
		return NULL;
	}
	pthread_mutex_lock(&f->lock);
	s = secret_find(f, id);
	if (!s) {
		pthread_mutex_unlock(&f->lock);
		*ret = not_found(k);
	}
	return s;
}

static enum MHD_Result get_value(struct front *f, const struct aws_call *k, const cJSON *req)
{
	const char *ver = str_member(req, "VersionId"), *stage = str_member(req, "VersionStage");
	struct secret_entry *s;
	enum MHD_Result ret;
	cJSON *o;

	if (!(s = secret_of(f, k, req, &ret)))
		return ret;
	if ((ver && strcmp(ver, s->version)) || (stage && strcmp(stage, "AWSCURRENT"))) {
		pthread_mutex_unlock(&f->lock);
		return aws_error(k, 400, "ResourceNotFoundException",
				 "Secrets Manager can't find the specified secret value for %s: %s",
				 ver ? "VersionId" : "staging label", ver ? ver : stage);
	}
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "ARN", s->arn);
	cJSON_AddStringToObject(o, "Name", s->name);
	cJSON_AddStringToObject(o, "VersionId", s->version);
	cJSON_AddStringToObject(o, "SecretString", s->value);
	cJSON_AddItemToObject(o, "VersionStages", stages());
	cJSON_AddNumberToObject(o, "CreatedDate", s->changed);
	pthread_mutex_unlock(&f->lock);
	return send_json(k, o);
}

static cJSON *describe(const struct secret_entry *s)
{
	cJSON *o = cJSON_CreateObject(), *v = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "ARN", s->arn);
	cJSON_AddStringToObject(o, "Name", s->name);
	if (s->description)
		cJSON_AddStringToObject(o, "Description", s->description);
	cJSON_AddNumberToObject(o, "LastChangedDate", s->changed);
	cJSON_AddNumberToObject(o, "CreatedDate", s->created);
	cJSON_AddItemToObject(v, s->version, stages());
	cJSON_AddItemToObject(o, "SecretVersionsToStages", v);
	return o;
}

static enum MHD_Result describe_secret(struct front *f, const struct aws_call *k, const cJSON *req)
{
	struct secret_entry *s;
	enum MHD_Result ret;
	cJSON *o;

	if (!(s = secret_of(f, k, req, &ret)))
		return ret;
	o = describe(s);
	pthread_mutex_unlock(&f->lock);
	return send_json(k, o);
}

static enum MHD_Result list_secrets(struct front *f, const struct aws_call *k)
{
	cJSON *o = cJSON_CreateObject(), *a = cJSON_CreateArray();

	pthread_mutex_lock(&f->lock);
	for (int i = 0; i < f->n_secrets; i++)
		cJSON_AddItemToArray(a, describe(&f->secrets[i]));
	pthread_mutex_unlock(&f->lock);
	cJSON_AddItemToObject(o, "SecretList", a);
	return send_json(k, o);
}

static cJSON *version_reply(const struct secret_entry *s)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "ARN", s->arn);
	cJSON_AddStringToObject(o, "Name", s->name);
	cJSON_AddStringToObject(o, "VersionId", s->version);
	return o;
}

static enum MHD_Result put_value(struct front *f, const struct aws_call *k, const cJSON *req)
{
	const char *v = str_member(req, "SecretString");
	struct secret_entry *s;
	enum MHD_Result ret;
	char *copy;
	cJSON *o;

	if (!v && str_member(req, "SecretId"))
		return aws_error(k, 400, "InvalidRequestException",
				 "You must provide either SecretString or SecretBinary.");
	if (v && strlen(v) > SECRET_VALUE_MAX)
		return aws_error(k, 400, "InvalidParameterException",
				 "SecretString must be at most %d bytes", SECRET_VALUE_MAX);
	if (!(s = secret_of(f, k, req, &ret)))
		return ret;
	if (!(copy = strdup(v))) {
		pthread_mutex_unlock(&f->lock);
		return aws_error(k, 500, "InternalServiceError", "out of memory");
	}
	free(s->value);
	s->value = copy;
	sandbox_uuid_v4(s->version);
	s->changed = now_s();
	o = version_reply(s);
	cJSON_AddItemToObject(o, "VersionStages", stages());
	pthread_mutex_unlock(&f->lock);
	return send_json(k, o);
}

static bool name_valid(const char *s)
{
	size_t n = strlen(s);

	return n >= 1 && n <= SECRET_NAME_MAX &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/_+=.@-") == n;
}

static enum MHD_Result create_secret(struct front *f, const struct aws_call *k, const cJSON *req)
{
	const char *name = str_member(req, "Name"), *v = str_member(req, "SecretString");
	struct secret_entry *s;
	cJSON *o = NULL;

	if (!name)
		return missing(k, "name");
	if (!name_valid(name))
		return aws_error(k, 400, "InvalidParameterException", "Invalid name. Must be a valid "
				 "name containing alphanumeric characters, or any of the following: -/_+=.@!");
	if (v && strlen(v) > SECRET_VALUE_MAX)
		return aws_error(k, 400, "InvalidParameterException",
				 "SecretString must be at most %d bytes", SECRET_VALUE_MAX);
	pthread_mutex_lock(&f->lock);
	if (secret_find(f, name)) {
		pthread_mutex_unlock(&f->lock);
		return aws_error(k, 400, "ResourceExistsException",
				 "The operation failed because the secret %s already exists.", name);
	}
	s = secret_add(f, name, v, str_member(req, "Description"));
	if (s)
		o = version_reply(s);
	pthread_mutex_unlock(&f->lock);
	return o ? send_json(k, o) : aws_error(k, 500, "InternalServiceError", "out of memory");
}

enum MHD_Result aws_secrets(struct front *f, const struct aws_call *k,
			    const struct aws_cred *who, const char *body, size_t len)
{
	const char *target = sym_MHD_lookup_connection_value(k->c, MHD_HEADER_KIND, "X-Amz-Target");
	const char *op = target && !strncmp(target, TARGET_PREFIX, strlen(TARGET_PREFIX))
			 ? target + strlen(TARGET_PREFIX) : NULL;
	cJSON *req = body ? cJSON_ParseWithLength(body, len) : cJSON_CreateObject();
	enum MHD_Result ret;

	if (!req || !cJSON_IsObject(req)) {
		cJSON_Delete(req);
		return aws_error(k, 400, "SerializationException",
				 "Start of structure or map found where not expected.");
	}
	if (!op)
		ret = aws_error(k, 400, "UnknownOperationException", "%s",
				"The X-Amz-Target header must name secretsmanager.OPERATION");
	else if (!strcmp(op, "GetSecretValue"))
		ret = get_value(f, k, req);
	else if (!strcmp(op, "DescribeSecret"))
		ret = describe_secret(f, k, req);
	else if (!strcmp(op, "ListSecrets"))
		ret = list_secrets(f, k);
	else if (!strcmp(op, "PutSecretValue"))
		ret = put_value(f, k, req);
	else if (!strcmp(op, "CreateSecret"))
		ret = create_secret(f, k, req);
	else
		ret = aws_error(k, 400, "UnknownOperationException", "%s", "");
	cJSON_Delete(req);
	(void)who;
	return ret;
}
