/* vpcsim __complete WHAT [ARG]: the answers completion/vpcsim.bash asks
 * for, one a line, nothing on any error (a completion must stay quiet):
 *
 *   verbs               the verb table's names
 *   flags VERB          the flags in VERB's usage text (-t, --json, ...)
 *   topologies          names of the topologies that are up
 *   nodes [TOPO]        functions, resources and internet hosts of TOPO
 *   functions [TOPO]    its functions
 *   groups [TOPO]       its security groups as VPC/GROUP
 *
 * TOPO empty or absent: the only topology that is up. Names come from the
 * saved topology copy, readable without root. Hidden: not in the table. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "state/state.h"

/* Print every token of `usage` that is a flag: starts with '-', is not a
 * bare "--", cut at the first of " []|=". */
static void print_flags(const char *usage)
{
	const char *p = usage;

	while (*p) {
		size_t len;

		p += strspn(p, " []|");
		len = strcspn(p, " []|=");
		if (len > 1 && p[0] == '-' && !(len == 2 && p[1] == '-'))
			printf("%.*s\n", (int)len, p);
		p += len;
	}
}

static int flags_of(const char *verb)
{
	size_t n;
	const struct verb *v = verb_table(&n);

	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i].name, verb)) {
			print_flags(v[i].usage);
			return EXIT_OK;
		}
	return EXIT_USAGE;
}

static void print_names(const struct topology *t, const char *what)
{
	bool all = !strcmp(what, "nodes");

	for (int i = 0; i < t->n_functions; i++)
		printf("%s\n", t->functions[i].name);
	for (int i = 0; all && i < t->n_resources; i++)
		printf("%s\n", t->resources[i].name);
	for (int i = 0; all && i < t->n_hosts; i++)
		printf("%s\n", t->hosts[i].name);
}

static void print_groups(const struct topology *t)
{
	for (int v = 0; v < t->n_vpcs; v++)
		for (int g = 0; g < t->vpcs[v].n_security_groups; g++)
			printf("%s/%s\n", t->vpcs[v].name, t->vpcs[v].security_groups[g].name);
}

static int names_of(const char *what, const char *topo)
{
	struct live lv;

	if (topo && !topo[0])
		topo = NULL;
	if (live_open(topo, &lv) < 0)
		return EXIT_FAILED;
	if (!strcmp(what, "groups"))
		print_groups(lv.t);
	else
		print_names(lv.t, what);
	live_close(&lv);
	return EXIT_OK;
}

int cmd_complete(int argc, char **argv)
{
	size_t n;
	const struct verb *v = verb_table(&n);

	if (argc < 2)
		return EXIT_USAGE;
	if (!strcmp(argv[1], "verbs")) {
		for (size_t i = 0; i < n; i++)
			printf("%s\n", v[i].name);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "flags"))
		return argc == 3 ? flags_of(argv[2]) : EXIT_USAGE;
	if (!strcmp(argv[1], "topologies")) {
		char names[64][TOPO_NAME_MAX_LEN + 1];
		int k = state_list(names, 64);

		for (int i = 0; i < k; i++)
			printf("%s\n", names[i]);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "nodes") || !strcmp(argv[1], "functions") ||
	    !strcmp(argv[1], "groups"))
		return names_of(argv[1], argc > 2 ? argv[2] : NULL);
	return EXIT_USAGE;
}
