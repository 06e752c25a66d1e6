/* The AWS services of a topology file (TOPOLOGY.md, v3 additions;
 * docs/AWS-SERVICES.md): the top-level "aws" key and a function's "role".
 * Names follow AWS's own rules and errors: S3's InvalidBucketName,
 * DynamoDB's ValidationException, IAM's role-name pattern. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/topology_internal_json.h"

#define BUCKET_MIN 3
#define BUCKET_MAX 63
#define TABLE_MIN 3
#define TABLE_MAX 255
#define ROLE_MAX 64

static void *xcalloc_n(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);

	if (!p)
		abort();
	return p;
}

/* S3's rules for new buckets: 3..63 of a-z 0-9 . -, a letter or digit at
 * both ends, no "..", not shaped like an IPv4 address. */
static bool bucket_name_valid(const char *s)
{
	size_t n = strlen(s);
	unsigned a, b, c, d;
	char tail;

	if (n < BUCKET_MIN || n > BUCKET_MAX ||
	    strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789.-") != n)
		return false;
	if (s[0] == '.' || s[0] == '-' || s[n - 1] == '.' || s[n - 1] == '-' || strstr(s, ".."))
		return false;
	return sscanf(s, "%u.%u.%u.%u%c", &a, &b, &c, &d, &tail) != 4;
}

/* DynamoDB: 3..255 of a-z A-Z 0-9 _ . - */
static bool table_name_valid(const char *s)
{
	size_t n = strlen(s);

	return n >= TABLE_MIN && n <= TABLE_MAX &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == n;
}

/* IAM role names: 1..64 of [\w+=,.@-]. */
static bool role_name_valid(const char *s)
{
	size_t n = strlen(s);

	return n >= 1 && n <= ROLE_MAX &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_+=,.@-") == n;
}

static void parse_services(struct parse *p, const cJSON *arr, const char *path)
{
	struct topo_aws *a = &p->t->aws;
	const cJSON *e;
	char ep[PATH_LEN];
	int i = 0;

	if (!cJSON_IsArray(arr)) {
		ERR(p, path, CODE_TYPE, "aws.services must be an array of service names, not %s",
		    json_type(arr));
		return;
	}
	a->services = 0;
	cJSON_ArrayForEach(e, arr) {
		int s = cJSON_IsString(e) ? aws_service_from_name(e->valuestring) : -1;

		path_idx(ep, path, i++);
		if (s < 0)
			ERR(p, ep, CODE_PARAM,
			    "The service %s%s%s is not one vpcsim serves: use s3, dynamodb, "
			    "secretsmanager, sts or lambda", cJSON_IsString(e) ? "'" : "",
			    cJSON_IsString(e) ? e->valuestring : json_type(e), cJSON_IsString(e) ? "'" : "");
		else if (!(AWS_SERVED & (1u << s)))
			ERR(p, ep, CODE_PARAM,
			    "The service '%s' is not served by this vpcsim yet: use s3, dynamodb, "
			    "secretsmanager, sts or lambda (docs/AWS-SERVICES.md)", e->valuestring);
		else
			a->services |= 1u << s;
	}
}

/* The array `key` of object `obj` (at `path`), each element parsed by fn
 * into an array of n structs of `size` bytes. */
static void parse_array(struct parse *p, const cJSON *obj, const char *path, const char *key,
			size_t size, void **out, int *n, elem_fn fn)
{
	const cJSON *arr = member(p, obj, path, key, false), *e;
	char ap[PATH_LEN], ep[PATH_LEN];
	int i = 0;

	if (!arr)
		return;
	path_key(ap, path, key);
	if (!cJSON_IsArray(arr)) {
		ERR(p, ap, CODE_TYPE, "%s must be an array, not %s", key, json_type(arr));
		return;
	}
	*n = cJSON_GetArraySize(arr);
	*out = xcalloc_n((size_t)*n, size);
	cJSON_ArrayForEach(e, arr)
		fn(p, e, path_idx(ep, ap, i), (char *)*out + size * (size_t)i), i++;
}

static void parse_bucket(struct parse *p, const cJSON *j, const char *path, void *out)
{
	static const char *const keys[] = { "name", NULL };
	struct aws_bucket *b = out;
	const char *s;
	char kp[PATH_LEN];

	if (!as_object(p, j, path, "bucket", keys) || get_str(p, j, path, "name", true, &s) != 1)
		return;
	b->name = topo_strdup(s);
	path_key(kp, path, "name");
	if (!bucket_name_valid(s))
		ERR(p, kp, "InvalidBucketName",
		    "The specified bucket is not valid: '%s'; use 3 to 63 lowercase letters, digits, "
		    "'.' and '-', a letter or digit at both ends, not an IP address", s);
	for (const struct aws_bucket *o = p->t->aws.buckets; o < b; o++)
		if (o->name && !strcmp(o->name, s))
			ERR(p, kp, "BucketAlreadyOwnedByYou",
			    "The bucket '%s' is listed twice; bucket names are unique", s);
}

static void parse_table(struct parse *p, const cJSON *j, const char *path, void *out)
{
	static const char *const keys[] = { "name", "hash_key", NULL };
	struct aws_table *t = out;
	const char *s;
	char kp[PATH_LEN];

	if (!as_object(p, j, path, "table", keys))
		return;
	if (get_str(p, j, path, "name", true, &s) == 1) {
		t->name = topo_strdup(s);
		path_key(kp, path, "name");
		if (!table_name_valid(s))
			ERR(p, kp, "ValidationException",
			    "TableName '%s' must be 3 to 255 characters of a-z, A-Z, 0-9, '_', '-' and '.'", s);
		for (const struct aws_table *o = p->t->aws.tables; o < t; o++)
			if (o->name && !strcmp(o->name, s))
				ERR(p, kp, "ResourceInUseException",
				    "Table already exists: %s (listed twice)", s);
	}
	if (get_str(p, j, path, "hash_key", true, &s) == 1) {
		t->hash_key = topo_strdup(s);
		if (!*s || strlen(s) > TABLE_MAX)
			ERR(p, path_key(kp, path, "hash_key"), "ValidationException",
			    "hash_key must be 1 to 255 characters");
	}
}

/* An engine's own section needs its service listed. */
static void needs_service(struct parse *p, const cJSON *obj, const char *key, enum aws_service s)
{
	if (obj && !(p->t->aws.services & (1u << s)))
		ERR(p, key, CODE_PARAM, "aws.%s is given but '%s' is not in aws.services; add it there",
		    aws_service_name(s), aws_service_name(s));
}

void parse_aws(struct parse *p, const cJSON *j)
{
	static const char *const keys[] = { "services", "s3", "dynamodb", NULL };
	static const char *const s3_keys[] = { "buckets", NULL };
	static const char *const ddb_keys[] = { "tables", NULL };
	struct topo_aws *a = &p->t->aws;
	const cJSON *m;

	if (!as_object(p, j, "aws", "aws", keys))
		return;
	a->enabled = true;
	a->services = AWS_SERVED;
	if ((m = member(p, j, "aws", "services", false)))
		parse_services(p, m, "aws.services");
	if ((m = member(p, j, "aws", "s3", false)) && as_object(p, m, "aws.s3", "aws.s3", s3_keys))
		parse_array(p, m, "aws.s3", "buckets", sizeof(*a->buckets), (void **)&a->buckets,
			    &a->n_buckets, parse_bucket);
	needs_service(p, m, "aws.s3", AWS_S3);
	if ((m = member(p, j, "aws", "dynamodb", false)) &&
	    as_object(p, m, "aws.dynamodb", "aws.dynamodb", ddb_keys))
		parse_array(p, m, "aws.dynamodb", "tables", sizeof(*a->tables), (void **)&a->tables,
			    &a->n_tables, parse_table);
	needs_service(p, m, "aws.dynamodb", AWS_DYNAMODB);
}

void parse_function_role(struct parse *p, const cJSON *j, const char *path, struct function *f)
{
	const char *s;
	char kp[PATH_LEN];

	if (get_str(p, j, path, "role", false, &s) != 1)
		return;
	f->role = topo_strdup(s);
	if (!role_name_valid(s))
		ERR(p, path_key(kp, path, "role"), "ValidationError",
		    "The role name '%s' is invalid: use 1 to 64 letters, digits or _+=,.@-", s);
}

/* Internet hosts may not take the zone's addresses. */
void check_aws_zone(const struct topology *t, struct diags *d)
{
	char path[64], ip[IP4_STRLEN];

	if (!t->aws.enabled)
		return;
	for (int i = 0; i < t->n_hosts; i++) {
		if ((t->hosts[i].ip & AWS_ZONE_MASK) != AWS_ZONE_NET)
			continue;
		snprintf(path, sizeof(path), "internet.hosts[%d].ip", i);
		topo_error(d, path, CODE_PARAM,
			   "The address %s is in %s, where vpcsim puts the AWS service endpoints "
			   "of a topology with \"aws\"; give the host another address",
			   ip4_str(t->hosts[i].ip, ip), AWS_ZONE_CIDR_STR);
	}
}

void topo_aws_free(struct topo_aws *a)
{
	for (int i = 0; i < a->n_buckets; i++)
		free(a->buckets[i].name);
	for (int i = 0; i < a->n_tables; i++) {
		free(a->tables[i].name);
		free(a->tables[i].hash_key);
	}
	free(a->buckets);
	free(a->tables);
}

static const char *const service_names[AWS_SERVICE_COUNT] = {
	[AWS_S3] = "s3", [AWS_DYNAMODB] = "dynamodb", [AWS_SECRETSMANAGER] = "secretsmanager",
	[AWS_STS] = "sts", [AWS_LAMBDA] = "lambda", [AWS_EXECUTE_API] = "execute-api",
};

/* Only the services a user may list (AWS_SERVED): the HTTP API comes with
 * http_api events, never by name. */
int aws_service_from_name(const char *name)
{
	for (int s = 0; s < AWS_SERVICE_COUNT; s++)
		if ((AWS_SERVED & (1u << s)) && !strcmp(name, service_names[s]))
			return s;
	return -1;
}

const char *aws_service_name(enum aws_service s)
{
	return s >= 0 && s < AWS_SERVICE_COUNT ? service_names[s] : NULL;
}
