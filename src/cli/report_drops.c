/* The data plane's drop counters in `status`: per VPC, per reason. */
#include <stdio.h>

#include "util/err.h"
#include "state/vpc_dataplane.h"
#include "cli/report_internal.h"

void print_drops(const struct layout *L)
{
	struct table T = { .cols = 4 };
	struct dp_counter c[DP_DROP__MAX];
	char packets[32];

	table_row(&T, "VPC", "REASON", "PACKETS", "MEANING");
	for (int v = 0; v < L->t->n_vpcs; v++) {
		if (vpc_dp_drops_read(L, v, c) < 0) {
			table_row(&T, L->t->vpcs[v].name, "?", "?", err_msg());
			continue;
		}
		for (unsigned r = DP_DROP_NONE + 1; r < DP_DROP__MAX; r++) {
			if (!c[r].packets)
				continue;
			snprintf(packets, sizeof(packets), "%llu", (unsigned long long)c[r].packets);
			table_row(&T, L->t->vpcs[v].name, dp_drop_reason_name(r), packets,
				  dp_drop_reason_explain(r));
		}
	}
	if (T.n == 1)
		table_row(&T, "-", "-", "0", "no packet dropped");
	table_print(&T);
}

void json_add_drops(cJSON *vpcs, const struct layout *L)
{
	struct dp_counter c[DP_DROP__MAX];

	for (int v = 0; v < L->t->n_vpcs; v++) {
		cJSON *jv = cJSON_GetArrayItem(vpcs, v), *drops;

		if (!jv)
			return;
		if (vpc_dp_drops_read(L, v, c) < 0) {
			fprintf(stderr, "vpcsim: %s\n", err_msg());
			cJSON_AddNullToObject(jv, "drops");
			continue;
		}
		drops = cJSON_AddObjectToObject(jv, "drops");
		for (unsigned r = DP_DROP_NONE + 1; r < DP_DROP__MAX; r++)
			cJSON_AddNumberToObject(drops, dp_drop_reason_name(r), (double)c[r].packets);
	}
}

void json_add_drop_reasons(cJSON *root)
{
	cJSON *list = cJSON_AddArrayToObject(root, "drop_reasons");

	for (unsigned r = DP_DROP_NONE + 1; r < DP_DROP__MAX; r++) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "name", dp_drop_reason_name(r));
		cJSON_AddNumberToObject(o, "number", r);
		cJSON_AddStringToObject(o, "meaning", dp_drop_reason_explain(r));
		cJSON_AddItemToArray(list, o);
	}
}
