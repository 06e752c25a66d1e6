/* Hosts files of nodes: every node name with the address the asking node
 * should use (split horizon, see layout_resolve()). Served as
 * /etc/netns/<netns>/hosts, which `ip netns exec` and `vpcsim exec` mount
 * over /etc/hosts. */
#ifndef VPCSIM_HOSTS_H
#define VPCSIM_HOSTS_H

#include "vpcsim/layout.h"

/* The hosts file text of node `asker`, malloc'ed, NUL-terminated. */
char *hosts_render(const struct layout *L, int asker);

#endif
