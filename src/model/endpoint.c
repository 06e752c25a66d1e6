/* VPC endpoint ids and names; see endpoint.h. */
#include <stdio.h>
#include <string.h>

#include <stdlib.h>

#include "model/aws_zone.h"
#include "model/dns.h"
#include "model/endpoint.h"
#include "util/hash.h"

static uint64_t endpoint_hash(const struct topology *t, int vpc, int ep)
{
	uint64_t h = fnv1a(FNV1A_OFFSET, t->name);

	h = fnv1a(fnv1a(h, "/vpce/"), t->vpcs[vpc].name);
	return fnv1a(fnv1a(h, "/"), t->vpcs[vpc].endpoints[ep].name);
}

void vpce_id(const struct topology *t, int vpc, int ep, char out[VPCE_ID_LEN])
{
	uint64_t a = endpoint_hash(t, vpc, ep);
	uint64_t b = a * FNV1A_PRIME ^ 0x9e3779b97f4a7c15ull;

	snprintf(out, VPCE_ID_LEN, "vpce-%01x%016llx", (unsigned)(b >> 60),
		 (unsigned long long)a);
}

void vpce_prefix_list_id(const struct topology *t, enum aws_service s, char out[PL_ID_LEN])
{
	uint64_t h;

	if (!strcmp(t->region, "us-east-1") && (s == AWS_S3 || s == AWS_DYNAMODB)) {
		snprintf(out, PL_ID_LEN, "%s", s == AWS_S3 ? "pl-63a5400a" : "pl-02cd2c6b");
		return;
	}
	h = fnv1a(fnv1a(fnv1a(FNV1A_OFFSET, "pl/"), t->region), aws_service_name(s));
	snprintf(out, PL_ID_LEN, "pl-%08x", (unsigned)(h ^ h >> 32));
}

void vpce_service_name(const struct topology *t, enum aws_service s, char *out, size_t len)
{
	snprintf(out, len, "com.amazonaws.%s.%s", t->region, aws_service_name(s));
}

struct cidr vpce_prefix_list_cidr(enum aws_service s)
{
	return (struct cidr){ .addr = aws_service_ip(s), .len = 32 };
}

void vpce_dns_name(const struct topology *t, int vpc, int ep, char out[VPCE_NAME_MAX])
{
	static const char alnum[] = "0123456789abcdefghijklmnopqrstuvwxyz";
	uint64_t h = fnv1a(endpoint_hash(t, vpc, ep), "/dns");
	char id[VPCE_ID_LEN], tail[9];

	for (int i = 0; i < 8; i++, h /= 36)
		tail[i] = alnum[h % 36];
	tail[8] = '\0';
	vpce_id(t, vpc, ep, id);
	snprintf(out, VPCE_NAME_MAX, "%s-%s.%s.%s.vpce.amazonaws.com", id, tail,
		 aws_service_name(t->vpcs[vpc].endpoints[ep].service), t->region);
}

int vpce_gateway_for(const struct topology *t, int vpc, int rt, enum aws_service s)
{
	const struct vpc *v = &t->vpcs[vpc];

	for (int e = 0; e < v->n_endpoints; e++) {
		const struct vpc_endpoint *x = &v->endpoints[e];

		if (x->type != VPCE_GATEWAY || x->service != (int)s)
			continue;
		for (int k = 0; k < x->n_route_tables; k++)
			if (x->route_tables[k] == rt)
				return e;
	}
	return -1;
}

int vpce_private_dns_for(const struct topology *t, int vpc, enum aws_service s)
{
	const struct vpc *v = &t->vpcs[vpc];

	for (int e = 0; e < v->n_endpoints; e++)
		if (v->endpoints[e].type == VPCE_INTERFACE && v->endpoints[e].private_dns &&
		    v->endpoints[e].service == (int)s)
			return e;
	return -1;
}

const char *vpce_type_str(enum vpce_type type)
{
	return type == VPCE_INTERFACE ? "interface" : "gateway";
}

/* The addresses of the ENIs of interface endpoint ep of VPC vpc (at most
 * max), in ips; returns how many. */
static int endpoint_ips(const struct layout *L, int vpc, int ep, uint32_t *ips, int max)
{
	int n = 0;

	for (int i = 0; i < L->n_vpce_enis && n < max; i++)
		if (L->vpce_enis[i].vpc == vpc && L->vpce_enis[i].endpoint == ep)
			ips[n++] = L->atts[L->nodes[L->vpce_enis[i].node].att].ip;
	return n;
}

static void put_names(FILE *f, const uint32_t *ips, int n, const char *name)
{
	char ip[IP4_STRLEN];

	for (int i = 0; i < n; i++)
		fprintf(f, "%s\t%s\n", ip4_str(ips[i], ip), name);
}

char *vpce_view_records(const struct layout *L, int view)
{
	const struct topology *t = L->t;
	int vpc = dns_view_vpc(L, view), max = L->n_vpce_enis + 1;
	uint32_t *ips = calloc((size_t)max, sizeof(*ips));
	char host[AWS_HOST_MAX], *buf = NULL;
	size_t size = 0;
	FILE *f = ips ? open_memstream(&buf, &size) : NULL;

	if (!f) {
		free(ips);
		return NULL;
	}
	for (int s = 0; s < AWS_SERVICE_COUNT; s++) {
		int ep = vpc >= 0 ? vpce_private_dns_for(t, vpc, s) : -1, n = 1;

		if (!aws_serves(t, s))
			continue;
		if (ep >= 0)
			n = endpoint_ips(L, vpc, ep, ips, max);
		else
			ips[0] = aws_service_ip(s);
		for (int i = 0; aws_service_host(t, s, i, host); i++)
			put_names(f, ips, n, host);
	}
	for (int v = 0; v < t->n_vpcs; v++)
		for (int e = 0; e < t->vpcs[v].n_endpoints; e++) {
			if (t->vpcs[v].endpoints[e].type != VPCE_INTERFACE)
				continue;
			vpce_dns_name(t, v, e, host);
			put_names(f, ips, endpoint_ips(L, v, e, ips, max), host);
		}
	free(ips);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}
