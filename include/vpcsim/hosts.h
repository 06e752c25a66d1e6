/* Hosts files of nodes: every node name with the address the asking node
 * should use (split horizon, see layout_resolve()). Served as
 * /etc/netns/<netns>/hosts, which `ip netns exec` and `vpcsim exec` mount
 * over /etc/hosts. */
#ifndef VPCSIM_HOSTS_H
#define VPCSIM_HOSTS_H

#include "vpcsim/layout.h"

/* The hosts file text of node `asker`, malloc'ed, NUL-terminated. */
char *hosts_render(const struct layout *L, int asker);
/* The same as seen from VPC `vpc` (-1: outside every VPC) by `who` (named
 * in the header comment): for execution environments, which are no nodes. */
char *hosts_render_view(const struct layout *L, int vpc, const char *who);

#endif
