/* vpcsim validate FILE: every problem of a topology file, or a summary. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "model/layout.h"

/* What a resource's command may do on this host, said where it is read. */
static void commands_note(const struct topology *t)
{
	for (int i = 0; i < t->n_resources; i++) {
		const struct resource *r = &t->resources[i];

		if (!r->command)
			continue;
		if (!r->user || !strcmp(r->user, "root") || !strcmp(r->user, "0"))
			printf("note: resources[%d] (%s): its command runs as root, with every "
			       "capability and the host's whole file system; set \"user\" to run "
			       "it as another user (docs/SECURITY.md)\n", i, r->name);
		else
			printf("note: resources[%d] (%s): its command runs as user %s without "
			       "capabilities, on the host's file system (docs/SECURITY.md)\n",
			       i, r->name, r->user);
	}
}

int cmd_validate(int argc, char **argv)
{
	struct layout L;
	struct topology *t;
	int subnets = 0;

	if (argc != 2 || argv[1][0] == '-')
		return fail(EXIT_USAGE, "%s", verb_usage("validate"));
	t = topology_prepare(argv[1], &L);
	if (!t)
		return EXIT_USAGE;
	for (int v = 0; v < t->n_vpcs; v++)
		subnets += t->vpcs[v].n_subnets;
	printf("%s: topology %s is valid: %d VPC%s, %d subnet%s, %d resource%s, %d function%s, "
	       "%d internet host%s\n", argv[1], t->name,
	       t->n_vpcs, t->n_vpcs == 1 ? "" : "s", subnets, subnets == 1 ? "" : "s",
	       t->n_resources, t->n_resources == 1 ? "" : "s",
	       t->n_functions, t->n_functions == 1 ? "" : "s",
	       t->n_hosts, t->n_hosts == 1 ? "" : "s");
	commands_note(t);
	layout_free(&L);
	topology_free(t);
	return EXIT_OK;
}
