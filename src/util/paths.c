/* Host paths: see paths.h. */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/err.h"
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

int path_bundled(char *out, size_t len, const char *env, const char *folder,
		 const char *probe)
{
	static const char *const rel[] = { "..", "../lib/vpcsim" };
	const char *set = getenv(env);
	char exe[PATH_MAX], dir[PATH_MAX * 2], real[PATH_MAX], file[PATH_MAX * 3];
	ssize_t n;

	if (set && set[0]) {
		snprintf(out, len, "%s", set);
		return 0;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n < 0)
		return errf(errno, "reading /proc/self/exe: %s", strerror(errno));
	exe[n] = '\0';
	dirname(exe);
	for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
		snprintf(dir, sizeof(dir), "%s/%s/%s", exe, rel[i], folder);
		snprintf(file, sizeof(file), "%s/%s", dir, probe);
		if (access(file, R_OK) == 0) {
			snprintf(out, len, "%s", realpath(dir, real) ? real : dir);
			return 0;
		}
	}
	return errf(ENOENT, "neither %s/../%s nor %s/../lib/vpcsim/%s holds %s (run `make install`, "
		    "or set %s)", exe, folder, exe, folder, probe, env);
}
