/* Hosts files, split horizon. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vpcsim/hosts.h"

char *hosts_render(const struct layout *L, int asker)
{
	return hosts_render_view(L, L->nodes[asker].vpc, L->nodes[asker].name);
}

char *hosts_render_view(const struct layout *L, int vpc, const char *who)
{
	char *buf = NULL, ip[IP4_STRLEN];
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);

	if (!f)
		return NULL;
	fprintf(f, "# written by vpcsim for %s; removed by vpcsim down\n",
		who);
	fprintf(f, "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n");
	for (int n = 0; n < L->n_nodes; n++) {
		if (L->nodes[n].kind == NODE_NAT || L->nodes[n].kind == NODE_HYPERPLANE)
			continue;
		fprintf(f, "%s\t%s\n", ip4_str(layout_resolve_vpc(L, vpc, n), ip),
			L->nodes[n].name);
	}
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}
