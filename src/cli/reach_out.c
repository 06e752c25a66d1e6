/* Printing reach results. */
#include <stdio.h>
#include <string.h>

#include "cli/reach_out.h"

const char *reach_proto_name(uint8_t proto)
{
	return proto == 6 ? "tcp" : proto == 17 ? "udp" : proto == 1 ? "icmp" : "?";
}

void reach_what(uint8_t proto, uint16_t port, char *buf, size_t len)
{
	if (proto == 1)
		snprintf(buf, len, "icmp");
	else
		snprintf(buf, len, "%s %u", reach_proto_name(proto), port);
}

void reach_oneline(const struct reach_result *r, char *buf, size_t len)
{
	if (r->code == REACH_OK) {
		snprintf(buf, len, "reachable");
		return;
	}
	snprintf(buf, len, "%s%s%s at %s%s: %s; fix: %s", reach_code_name(r->code),
		 r->code2 ? " + " : "", r->code2 ? reach_code_name(r->code2) : "", r->component,
		 r->on_reply ? " (on the reply)" : "", r->explanation, r->fix);
}

void reach_print(FILE *out, const struct reach_query *q, const struct reach_result *r)
{
	char ip[IP4_STRLEN], what[32];
	int n = 0;

	reach_what(q->proto, q->port, what, sizeof(what));
	fprintf(out, "%s -> %s (%s) %s: %s\n", q->from, q->to, ip4_str(r->dst_ip, ip), what,
		probe_result_str(r->verdict));
	for (int i = 0; i < r->n_hops; i++) {
		const struct reach_hop *h = &r->hops[i];

		if (h->reply && (i == 0 || !r->hops[i - 1].reply))
			fprintf(out, "  reply:\n");
		fprintf(out, "  %2d  %-44s %s\n", ++n, h->component, h->detail);
	}
	if (r->code == REACH_OK)
		return;
	fprintf(out, "  %s at:   %s%s\n", r->verdict == PROBE_REFUSED ? "refused" : "blocked",
		r->component, r->on_reply ? " (on the reply)" : "");
	fprintf(out, "  code:         %s%s%s\n", reach_code_name(r->code), r->code2 ? ", " : "",
		r->code2 ? reach_code_name(r->code2) : "");
	fprintf(out, "  explanation:  %s\n", r->explanation);
	if (r->fix[0])
		fprintf(out, "  fix:          %s\n", r->fix);
}

cJSON *reach_json(const struct reach_query *q, const struct reach_result *r)
{
	cJSON *o = cJSON_CreateObject(), *hops;
	char ip[IP4_STRLEN];

	cJSON_AddStringToObject(o, "from", q->from);
	cJSON_AddStringToObject(o, "to", q->to);
	cJSON_AddStringToObject(o, "address", ip4_str(r->dst_ip, ip));
	cJSON_AddStringToObject(o, "proto", reach_proto_name(q->proto));
	if (q->proto != 1)
		cJSON_AddNumberToObject(o, "port", q->port);
	cJSON_AddStringToObject(o, "result", probe_result_str(r->verdict));
	cJSON_AddBoolToObject(o, "reachable", r->verdict == PROBE_OPEN);
	hops = cJSON_AddArrayToObject(o, "hops");
	for (int i = 0; i < r->n_hops; i++) {
		cJSON *h = cJSON_CreateObject();

		cJSON_AddStringToObject(h, "direction", r->hops[i].reply ? "reply" : "request");
		cJSON_AddStringToObject(h, "component", r->hops[i].component);
		cJSON_AddStringToObject(h, "detail", r->hops[i].detail);
		cJSON_AddItemToArray(hops, h);
	}
	if (r->code == REACH_OK)
		return o;
	cJSON_AddStringToObject(o, "code", reach_code_name(r->code));
	if (r->code2)
		cJSON_AddStringToObject(o, "code2", reach_code_name(r->code2));
	cJSON_AddStringToObject(o, "component", r->component);
	cJSON_AddStringToObject(o, "blocked_on", r->on_reply ? "reply" : "request");
	cJSON_AddStringToObject(o, "explanation", r->explanation);
	cJSON_AddStringToObject(o, "fix", r->fix);
	return o;
}
