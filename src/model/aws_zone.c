/* The AWS public zone's names and addresses; see aws_zone.h. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "model/aws_zone.h"
#include "util/hash.h"

void http_api_id(const struct topology *t, char out[HTTP_API_ID_LEN])
{
	static const char digits[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	uint64_t h = fnv1a(fnv1a(FNV1A_OFFSET, "vpcsim-http-api/"), t->name ? t->name : "");

	for (int i = 0; i < HTTP_API_ID_LEN - 1; i++, h /= 36)
		out[i] = digits[h % 36];
	out[HTTP_API_ID_LEN - 1] = '\0';
}

bool aws_service_host(const struct topology *t, enum aws_service s, int i,
		      char out[AWS_HOST_MAX])
{
	const char *svc = aws_service_name(s);
	int n_global = (s == AWS_S3 || s == AWS_STS) ? 1 : 0;
	char id[HTTP_API_ID_LEN];

	if (s == AWS_EXECUTE_API) {
		http_api_id(t, id);
		snprintf(out, AWS_HOST_MAX, "%s.execute-api.%s.amazonaws.com", id, t->region);
		return i == 0;
	}
	if (i == 0) {
		snprintf(out, AWS_HOST_MAX, "%s.%s.amazonaws.com", svc, t->region);
		return true;
	}
	if (i == 1 && n_global) {
		snprintf(out, AWS_HOST_MAX, "%s.amazonaws.com", svc);
		return true;
	}
	i -= 1 + n_global;
	if (s != AWS_S3 || i >= 2 * t->aws.n_buckets)
		return false;
	if (i % 2 == 0)
		snprintf(out, AWS_HOST_MAX, "%s.s3.%s.amazonaws.com", t->aws.buckets[i / 2].name,
			 t->region);
	else
		snprintf(out, AWS_HOST_MAX, "%s.s3.amazonaws.com", t->aws.buckets[i / 2].name);
	return true;
}

char *aws_zone_records(const struct topology *t)
{
	char ip[IP4_STRLEN], host[AWS_HOST_MAX], *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);

	if (!f)
		return NULL;
	for (int s = 0; s < AWS_SERVICE_COUNT; s++) {
		if (!aws_serves(t, s))
			continue;
		ip4_str(aws_service_ip(s), ip);
		for (int i = 0; aws_service_host(t, s, i, host); i++)
			fprintf(f, "%s\t%s\n", ip, host);
	}
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* Does name (n bytes) end with "." suffix or equal it? The part before
 * the dot goes to prefix (when it is a single label). */
static bool name_under(const char *name, size_t n, const char *suffix,
		       char prefix[AWS_HOST_MAX])
{
	size_t k = strlen(suffix);

	prefix[0] = '\0';
	if (n == k)
		return !strncmp(name, suffix, n);
	if (n <= k + 1 || name[n - k - 1] != '.' || strncmp(name + n - k, suffix, k))
		return false;
	snprintf(prefix, AWS_HOST_MAX, "%.*s", (int)(n - k - 1), name);
	return true;
}

int aws_zone_route(const struct topology *t, const char *host, char bucket[AWS_HOST_MAX])
{
	char name[AWS_HOST_MAX], want[AWS_HOST_MAX], prefix[AWS_HOST_MAX];
	size_t n = 0;

	bucket[0] = '\0';
	for (; host && host[n] && host[n] != ':' && n < AWS_HOST_MAX - 1; n++)
		name[n] = (char)tolower((unsigned char)host[n]);
	name[n] = '\0';
	if (n && name[n - 1] == '.')
		name[--n] = '\0';
	for (int s = 0; s < AWS_SERVICE_COUNT; s++) {
		if (!aws_serves(t, s))
			continue;
		for (int i = 0; i < (s == AWS_S3 || s == AWS_STS ? 2 : 1); i++) {
			aws_service_host(t, s, i, want);
			if (!name_under(name, n, want, prefix))
				continue;
			if (!prefix[0])
				return s;
			if (s == AWS_S3) {
				snprintf(bucket, AWS_HOST_MAX, "%s", prefix);
				return s;
			}
		}
	}
	return -1;
}
