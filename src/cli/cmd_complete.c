/* vpcsim __complete WHAT [ARG]: the answers completion/vpcsim.bash asks
 * for, one a line, nothing on any error (a completion must stay quiet):
 *
 *   verbs               the verb table's names
 *   flags VERB          the flags in VERB's usage text (-t, --json, ...)
 *   valued VERB         those of them that take a value
 *   values VERB FLAG    what FLAG's value can be (see print_flags)
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

/* The value a flag at `p` (in a usage text) takes: the first word that is
 * no flag before the next ']' (or the end), e.g. "NAME" for "[-t NAME]",
 * "tcp|udp|icmp" for "[--proto tcp|udp|icmp]", "RULE" for
 * "--ingress|--egress RULE". Empty when the flag takes none. */
static void flag_value(const char *p, char *out, size_t len)
{
	size_t n;

	out[0] = '\0';
	p += strcspn(p, " ]|");
	while (*p && *p != ']') {
		p += strspn(p, " |");
		n = strcspn(p, " ]");
		if (n && p[0] != '-' && p[0] != '[') {
			snprintf(out, len, "%.*s", (int)n, p);
			return;
		}
		if (n && p[0] == '[')
			return;
		p += n;
	}
}

/* Each flag of `usage` (a token starting with '-', not a bare "--", cut at
 * the first of " []|="): all of them (what 0), those that take a value
 * (what 1), or the completions of flag `flag`'s value (what 2): the
 * alternatives of a lower-case a|b|c list, "@files" for FILE or OUT,
 * "@topologies" for NAME, nothing for any other placeholder. */
static void print_flags(const char *usage, int what, const char *flag)
{
	const char *p = usage;
	char val[128];

	while (*p) {
		size_t len;

		p += strspn(p, " []|");
		len = strcspn(p, " []|=");
		if (len > 1 && p[0] == '-' && !(len == 2 && p[1] == '-')) {
			flag_value(p, val, sizeof(val));
			if (what == 0 || (what == 1 && val[0]))
				printf("%.*s\n", (int)len, p);
			if (what == 2 && strlen(flag) == len && !strncmp(p, flag, len)) {
				if (!strcmp(val, "FILE") || !strcmp(val, "OUT"))
					printf("@files\n");
				else if (!strcmp(val, "NAME"))
					printf("@topologies\n");
				else if (val[0] >= 'a' && val[0] <= 'z')
					for (char *a = strtok(val, "|"); a; a = strtok(NULL, "|"))
						printf("%s\n", a);
				return;
			}
		}
		p += len ? len : (*p != 0);   /* a lone '=' (KEY=VALUE) */
	}
}

static int flags_of(const char *verb, int what, const char *flag)
{
	size_t n;
	const struct verb *v = verb_table(&n);

	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i].name, verb)) {
			print_flags(v[i].usage, what, flag);
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
		return argc == 3 ? flags_of(argv[2], 0, NULL) : EXIT_USAGE;
	if (!strcmp(argv[1], "valued"))
		return argc == 3 ? flags_of(argv[2], 1, NULL) : EXIT_USAGE;
	if (!strcmp(argv[1], "values"))
		return argc == 4 ? flags_of(argv[2], 2, argv[3]) : EXIT_USAGE;
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
