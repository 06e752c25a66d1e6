/* Hosts files of nodes: every node name with the address the asking node
 * should use (split horizon, see layout_resolve()). Served as
 * /etc/netns/<netns>/hosts, which `ip netns exec` and `vpcsim exec` mount
 * over /etc/hosts. */
#ifndef VPCSIM_HOSTS_H
#define VPCSIM_HOSTS_H

#include "model/layout.h"

/* The hosts file text of node `asker`, malloc'ed, NUL-terminated. */
char *hosts_render(const struct layout *L, int asker);
/* The same as seen from VPC `vpc` (-1: outside every VPC): for execution
 * environments, which are no nodes; with Lambda's sandbox.localdomain
 * (the environment's own loopback). */
char *hosts_render_view(const struct layout *L, int vpc);

/* The text depends only on the asker's VPC (which decides what is private
 * to it), so nodes of one VPC share it: rendering once per VPC keeps `up`
 * linear in the number of nodes. */
struct hosts_cache {
	const struct layout *L;
	char **text;               /* [vpc + 1]; [0]: outside every VPC */
};

void hosts_cache_init(struct hosts_cache *c, const struct layout *L);
/* The text for `asker`, owned by the cache; NULL when out of memory. */
const char *hosts_cached(struct hosts_cache *c, int asker);
void hosts_cache_free(struct hosts_cache *c);

#endif
