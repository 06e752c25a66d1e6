/* CloudFront distributions' names and addresses; see cloudfront.h. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/cloudfront.h"

/* FNV-1a of "ACCOUNT/TOPOLOGY/DISTRIBUTION/salt", 13 base-36 digits. */
static void draw(const struct topology *t, int i, const char *salt, bool upper, char out[14])
{
	const char *digits = upper ? "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				   : "0123456789abcdefghijklmnopqrstuvwxyz";
	const char *parts[4] = { t->account_id, t->name, t->cloudfront[i].name, salt };
	uint64_t h = 1469598103934665603ULL, h2;

	for (int k = 0; k < 4; k++) {
		for (const char *c = parts[k] ? parts[k] : ""; *c; c++)
			h = (h ^ (unsigned char)*c) * 1099511628211ULL;
		h = (h ^ '/') * 1099511628211ULL;
	}
	h2 = (h ^ 0x9e3779b97f4a7c15ULL) * 1099511628211ULL;
	for (int k = 0; k < 13; k++) {
		uint64_t *src = k < 7 ? &h : &h2;

		out[k] = digits[*src % 36];
		*src /= 36;
	}
	out[13] = '\0';
}

void cf_domain(const struct topology *t, int i, char out[CF_DOMAIN_MAX])
{
	char x[14];

	draw(t, i, "domain", false, x);
	snprintf(out, CF_DOMAIN_MAX, "d%s.%s", x, CF_DOMAIN_SUFFIX);
}

void cf_id(const struct topology *t, int i, char out[CF_ID_MAX])
{
	char x[14];

	draw(t, i, "id", true, x);
	snprintf(out, CF_ID_MAX, "E%s", x);
}

int cf_route(const struct topology *t, const char *host)
{
	char name[CF_DOMAIN_MAX + 2], want[CF_DOMAIN_MAX];
	size_t n = 0;

	for (; host && host[n] && host[n] != ':' && n < sizeof(name) - 1; n++)
		name[n] = (char)tolower((unsigned char)host[n]);
	name[n] = '\0';
	if (n && name[n - 1] == '.')
		name[--n] = '\0';
	for (int i = 0; host && i < t->n_cloudfront; i++) {
		cf_domain(t, i, want);
		if (!strcmp(name, want))
			return i;
	}
	return -1;
}

char *cf_records(const struct topology *t)
{
	char ip[IP4_STRLEN], host[CF_DOMAIN_MAX], *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);

	if (!f)
		return NULL;
	for (int i = 0; i < t->n_cloudfront; i++) {
		cf_domain(t, i, host);
		fprintf(f, "%s\t%s\n", ip4_str(cf_ip(i), ip), host);
	}
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}
