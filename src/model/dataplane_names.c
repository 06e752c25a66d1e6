/* Names and explanations of the data plane's drop reasons, for counters,
 * drop events and flow logs shown to a user: from DP_DROP_REASONS. */
#include <stddef.h>

#include "vpcsim/dataplane.h"

static const struct {
	const char *name;
	const char *explain;
} reasons[DP_DROP__MAX] = {
#define DP_DROP_ROW(id, num, text) [DP_DROP_##id] = { #id, text },
	DP_DROP_REASONS(DP_DROP_ROW)
#undef DP_DROP_ROW
};

const char *dp_drop_reason_name(unsigned int reason)
{
	return reason < DP_DROP__MAX && reasons[reason].name ?
		reasons[reason].name : "UNKNOWN";
}

const char *dp_drop_reason_explain(unsigned int reason)
{
	return reason < DP_DROP__MAX && reasons[reason].explain ?
		reasons[reason].explain : "";
}
