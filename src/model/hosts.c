/* Hosts files, split horizon. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/hosts.h"

static char *render(const struct layout *L, int vpc, bool environment);

char *hosts_render(const struct layout *L, int asker)
{
	return render(L, L->nodes[asker].vpc, false);
}

char *hosts_render_view(const struct layout *L, int vpc)
{
	return render(L, vpc, true);
}

static char *render(const struct layout *L, int vpc, bool environment)
{
	char *buf = NULL, ip[IP4_STRLEN];
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);

	if (!f)
		return NULL;
	fprintf(f, "# written by vpcsim for topology %s; removed by vpcsim down\n", L->t->name);
	fprintf(f, "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n");
	/* Lambda's name of the execution environment itself, where an
	 * extension's Telemetry API listener is reached. */
	if (environment)
		fprintf(f, "127.0.0.1\tsandbox.localdomain\n");
	for (int n = 0; n < L->n_nodes; n++) {
		if (L->nodes[n].kind == NODE_NAT || L->nodes[n].kind == NODE_HYPERPLANE ||
		    L->nodes[n].kind == NODE_AWS || L->nodes[n].kind == NODE_VPCE)
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

void hosts_cache_init(struct hosts_cache *c, const struct layout *L)
{
	c->L = L;
	c->text = calloc((size_t)L->t->n_vpcs + 1, sizeof(*c->text));
}

const char *hosts_cached(struct hosts_cache *c, int asker)
{
	int view = c->L->nodes[asker].vpc + 1;

	if (!c->text)
		return NULL;
	if (!c->text[view])
		c->text[view] = hosts_render(c->L, asker);
	return c->text[view];
}

void hosts_cache_free(struct hosts_cache *c)
{
	for (int i = 0; c->text && i <= c->L->t->n_vpcs; i++)
		free(c->text[i]);
	free(c->text);
	c->text = NULL;
}
