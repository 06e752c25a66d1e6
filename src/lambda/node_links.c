/* Node.js's module search links; see node_links.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lambda/node_links.h"
#include "util/fsat.h"

/* Whether the layer folder `layer` may show `rel` as a folder in /opt:
 * false only when it surely does not (a component missing); a symbolic
 * link on the way (never followed as root), or anything unreadable,
 * counts as there. */
static bool layer_may_have(const char *layer, const char *rel)
{
	int root = open(layer, O_PATH | O_DIRECTORY | O_CLOEXEC), fd;

	if (root < 0)
		return true;
	fd = fsat_open(root, rel, O_PATH | O_DIRECTORY, 0);
	close(root);
	if (fd >= 0)
		close(fd);
	return fd != -ENOENT;
}

static bool layers_may_have(const struct sup_cfg *c, const char *rel)
{
	for (int i = 0; i < c->n_opt; i++)
		if (layer_may_have(c->opt_dirs[i], rel))
			return true;
	return false;
}

static bool sets_node_path(const struct sup_cfg *c)
{
	for (int i = 0; c->env && c->env[i]; i++)
		if (!strncmp(c->env[i], "NODE_PATH=", strlen("NODE_PATH=")))
			return true;
	return false;
}

void node_links_make(const struct sup_cfg *c, struct node_links *out)
{
	char versioned[64];
	bool by_version, plain;

	out->n = 0;
	if (c->family != RUNTIME_NODEJS || c->rootfs[0] || !c->runtime_dir[0] || sets_node_path(c))
		return;
	/* nodejs20.x: nodejs/node20/node_modules, as NODE_PATH names it. */
	snprintf(versioned, sizeof(versioned), "nodejs/node%d/node_modules",
		 atoi(c->runtime_id + strlen("nodejs")));
	by_version = layers_may_have(c, versioned);
	plain = layers_may_have(c, "nodejs/node_modules");
	if (by_version && plain)
		return;
	out->link[out->n++] = (struct jail_link){ .dst = "/node_modules",
						  .target = "/var/runtime/node_modules" };
	if (!by_version && !plain)
		return;
	snprintf(out->layers, sizeof(out->layers), "/opt/%s", by_version ? versioned : "nodejs/node_modules");
	out->link[out->n++] = (struct jail_link){ .dst = "/var/node_modules", .target = out->layers };
}
