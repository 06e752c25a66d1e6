/* CloudFront distributions in `vpcsim status` (docs/EDGE.md): their
 * dXXXXXXXXXXXXX.cloudfront.net names, ids, addresses in the AWS zone,
 * origins and Lambda@Edge associations. */
#include <stdio.h>
#include <string.h>

#include "cli/report_internal.h"
#include "model/cloudfront.h"

static void assoc_str(const struct topology *t, int d, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (int e = 0; e < CF_EVENT_COUNT && n < len; e++) {
		int fn = t->cloudfront[d].assoc[e].function;

		if (fn >= 0)
			n += (size_t)snprintf(buf + n, len - n, "%s%s=%s", n ? " " : "",
					      cf_event_name(e), t->functions[fn].name);
	}
}

void print_distributions(const struct layout *L)
{
	const struct topology *t = L->t;
	struct table T = { .cols = 6 };
	char dom[CF_DOMAIN_MAX], id[CF_ID_MAX], ip[IP4_STRLEN], origin[320], fns[1024];

	if (!t->n_cloudfront)
		return;
	table_row(&T, "DISTRIBUTION", "DOMAIN", "ID", "ADDRESS", "ORIGIN", "LAMBDA@EDGE");
	for (int d = 0; d < t->n_cloudfront; d++) {
		cf_domain(t, d, dom);
		cf_id(t, d, id);
		snprintf(origin, sizeof(origin), "%s:%d", t->cloudfront[d].origin,
			 t->cloudfront[d].origin_port);
		assoc_str(t, d, fns, sizeof(fns));
		table_row(&T, t->cloudfront[d].name, dom, id, ip4_str(cf_ip(d), ip), origin,
			  fns[0] ? fns : NULL);
	}
	putchar('\n');
	table_print(&T);
}

void json_add_distributions(cJSON *root, const struct layout *L)
{
	const struct topology *t = L->t;
	cJSON *arr = cJSON_AddArrayToObject(root, "distributions");
	char buf[CF_DOMAIN_MAX + IP4_STRLEN];

	for (int d = 0; d < t->n_cloudfront; d++) {
		cJSON *o = cJSON_CreateObject(), *a;

		cJSON_AddStringToObject(o, "name", t->cloudfront[d].name);
		cf_domain(t, d, buf);
		cJSON_AddStringToObject(o, "domain_name", buf);
		cf_id(t, d, buf);
		cJSON_AddStringToObject(o, "id", buf);
		cJSON_AddStringToObject(o, "ip", ip4_str(cf_ip(d), buf));
		cJSON_AddStringToObject(o, "origin", t->cloudfront[d].origin);
		cJSON_AddNumberToObject(o, "origin_port", t->cloudfront[d].origin_port);
		a = cJSON_AddArrayToObject(o, "lambda_associations");
		for (int e = 0; e < CF_EVENT_COUNT; e++) {
			const struct cf_association *x = &t->cloudfront[d].assoc[e];
			cJSON *ao;

			if (x->function < 0)
				continue;
			ao = cJSON_CreateObject();
			cJSON_AddStringToObject(ao, "event_type", cf_event_name(e));
			cJSON_AddStringToObject(ao, "function", t->functions[x->function].name);
			cJSON_AddBoolToObject(ao, "include_body", x->include_body);
			cJSON_AddItemToArray(a, ao);
		}
		cJSON_AddItemToArray(arr, o);
	}
}
