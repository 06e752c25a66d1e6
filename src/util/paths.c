/* Host paths: see paths.h. */
#include <stdio.h>

#include "util/paths.h"

int path_state_dir(char *out, size_t len, const char *topo)
{
	return snprintf(out, len, "%s/%s", STATE_ROOT, topo);
}

int path_journal(char *out, size_t len, const char *topo)
{
	return snprintf(out, len, "%s/%s/journal", STATE_ROOT, topo);
}

int path_env_dir(char *out, size_t len, const char *topo, const char *env_id)
{
	return snprintf(out, len, "%s/%s/envs/%s", STATE_ROOT, topo, env_id);
}

int path_pin_dir(char *out, size_t len, const char *topo, const char *vpc)
{
	if (!vpc)
		return snprintf(out, len, "%s/%s", PIN_ROOT, topo);
	return snprintf(out, len, "%s/%s/%s", PIN_ROOT, topo, vpc);
}

int path_netns(char *out, size_t len, const char *netns)
{
	return snprintf(out, len, "%s/%s", NETNS_RUN_DIR, netns);
}

int path_etc_netns(char *out, size_t len, const char *netns, const char *file)
{
	if (!file)
		return snprintf(out, len, "%s/%s", ETC_NETNS, netns);
	return snprintf(out, len, "%s/%s/%s", ETC_NETNS, netns, file);
}
