/* vpcsim sg authorize|revoke [-t NAME] VPC/SG (--ingress|--egress) RULE:
 * change a security group of a topology that is up, live.
 *
 * The state copy /run/vpcsim/<topo>/topology.json is the truth; the layout
 * and the compiled policy are derived from it. So an edit is: parse the
 * rule with the parser's own code, check it against the group as AWS does
 * (duplicate, absent, 60 rules), write the edited file to a temporary file
 * and load it whole, change the VPC's maps to it (state/policy_change.h),
 * and only then rename the file over the old one. Any failure before the
 * rename puts the old policy and entries back, so the file and the maps
 * never disagree. Everything runs under the state lock. */
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "lambda/env.h"
#include "util/err.h"
#include "state/state.h"
#include "util/fs.h"
#include "state/policy_change.h"

struct sg_args {
	bool authorize;
	bool ingress;
	const char *topo, *group, *rule;
};

static int parse_args(int argc, char **argv, struct sg_args *a)
{
	static const struct option opts[] = {
		{ "ingress", no_argument, NULL, 'i' },
		{ "egress", no_argument, NULL, 'e' },
		{ 0 },
	};
	int c, dirs = 0;

	if (argc < 2)
		return fail(EXIT_USAGE, "%s", verb_usage("sg"));
	if (!strcmp(argv[1], "authorize"))
		a->authorize = true;
	else if (strcmp(argv[1], "revoke") != 0)
		return fail(EXIT_USAGE, "sg '%s': use authorize or revoke; %s", argv[1],
			    verb_usage("sg"));
	argc--;
	argv++;
	while ((c = getopt_long(argc, argv, "t:", opts, NULL)) != -1) {
		switch (c) {
		case 't': a->topo = optarg; break;
		case 'i': a->ingress = true; dirs++; break;
		case 'e': a->ingress = false; dirs++; break;
		default: return fail(EXIT_USAGE, "%s", verb_usage("sg"));
		}
	}
	if (dirs != 1)
		return fail(EXIT_USAGE, "give exactly one of --ingress and --egress; %s",
			    verb_usage("sg"));
	if (argc - optind != 2)
		return fail(EXIT_USAGE, "%s", verb_usage("sg"));
	a->group = argv[optind];
	a->rule = argv[optind + 1];
	return EXIT_OK;
}

static void list_names(const struct topology *t, int vi, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = 0;
	if (vi < 0) {
		for (int i = 0; i < t->n_vpcs && n < len; i++)
			n += (size_t)snprintf(buf + n, len - n, "%s%s", i ? ", " : "", t->vpcs[i].name);
		return;
	}
	for (int i = 0; i < t->vpcs[vi].n_security_groups && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s%s", i ? ", " : "",
				      t->vpcs[vi].security_groups[i].name);
}

/* VPC/SG to indices; exit 2 naming the choices. */
static int find_group(const struct live *lv, const char *ref, int *vi, int *gi)
{
	const char *slash = strchr(ref, '/');
	char vname[NAME_MAX_LEN + 2], names[1024];

	if (lv->t->n_vpcs == 0)
		return fail(EXIT_USAGE, "InvalidGroup.NotFound: topology %s has no VPC", lv->name);
	if (!slash) {
		list_names(lv->t, -1, names, sizeof(names));
		return fail(EXIT_USAGE, "InvalidGroup.NotFound: name the group as VPC/SG, "
			    "e.g. %s/default (VPCs of %s: %s)", lv->t->vpcs[0].name, lv->name, names);
	}
	snprintf(vname, sizeof(vname), "%.*s",
		 slash - ref > NAME_MAX_LEN ? NAME_MAX_LEN + 1 : (int)(slash - ref), ref);
	*vi = topology_find_vpc(lv->t, vname);
	if (*vi < 0) {
		list_names(lv->t, -1, names, sizeof(names));
		return fail(EXIT_USAGE, "InvalidGroup.NotFound: the security group '%s' does not "
			    "exist: there is no VPC '%s' in %s (VPCs: %s)", ref, vname, lv->name, names);
	}
	*gi = vpc_find_sg(&lv->t->vpcs[*vi], slash + 1);
	if (*gi < 0) {
		list_names(lv->t, *vi, names, sizeof(names));
		return fail(EXIT_USAGE, "InvalidGroup.NotFound: the security group '%s' does not "
			    "exist in VPC %s (groups: %s)", slash + 1, vname, names);
	}
	return EXIT_OK;
}

/* "tcp 5432 from sg app", "all to 0.0.0.0/0", "icmp 8/any from 10.0.0.0/8". */
static void rule_describe(const struct topology *t, int vi, const struct sg_rule *r,
			  bool ingress, char *buf, size_t len)
{
	char pb[8], what[48], peer[2 * NAME_MAX_LEN + 8], cb[CIDR_STRLEN];

	if (r->proto == 6 || r->proto == 17) {
		if (r->ports.lo == 0 && r->ports.hi == 65535)
			snprintf(what, sizeof(what), "%s all ports", proto_str(r->proto, pb));
		else if (r->ports.lo == r->ports.hi)
			snprintf(what, sizeof(what), "%s %u", proto_str(r->proto, pb), r->ports.lo);
		else
			snprintf(what, sizeof(what), "%s %u-%u", proto_str(r->proto, pb),
				 r->ports.lo, r->ports.hi);
	} else if (r->proto == 1 && (r->icmp_type != ICMP_ANY || r->icmp_code != ICMP_ANY)) {
		char ty[8] = "any", co[8] = "any";

		if (r->icmp_type != ICMP_ANY)
			snprintf(ty, sizeof(ty), "%d", r->icmp_type);
		if (r->icmp_code != ICMP_ANY)
			snprintf(co, sizeof(co), "%d", r->icmp_code);
		snprintf(what, sizeof(what), "icmp type %s code %s", ty, co);
	} else {
		snprintf(what, sizeof(what), "%s", proto_str(r->proto, pb));
	}
	if (!r->peer_is_sg)
		snprintf(peer, sizeof(peer), "%s", cidr_str(r->cidr, cb));
	else if (r->peer_vpc == vi)
		snprintf(peer, sizeof(peer), "sg %s", t->vpcs[vi].security_groups[r->peer_sg].name);
	else
		snprintf(peer, sizeof(peer), "sg %s/%s", t->vpcs[r->peer_vpc].name,
			 t->vpcs[r->peer_vpc].security_groups[r->peer_sg].name);
	snprintf(buf, len, "%s %s %s", what, ingress ? "from" : "to", peer);
}

/* The rules of the group's direction in model `t`. */
static void group_rules(const struct topology *t, int vi, int gi, bool ingress,
			const struct sg_rule **rules, int *n)
{
	const struct security_group *g = &t->vpcs[vi].security_groups[gi];

	*rules = ingress ? g->ingress : g->egress;
	*n = ingress ? g->n_ingress : g->n_egress;
}

struct sg_edit {
	struct sg_args a;
	struct live lv;
	int vi, gi;
	struct sg_rule rule;
	int found;                 /* index of the same rule in the group, or -1 */
	int n_before;
	char what[160];
	char path[STATE_PATH_MAX + 32], tmp[STATE_PATH_MAX + 48];
};

/* The AWS checks of the edit against the group as it is: exit 1. */
static int check_edit(struct sg_edit *e)
{
	const struct sg_rule *rules;
	const char *dir = e->a.ingress ? "ingress" : "egress";

	group_rules(e->lv.t, e->vi, e->gi, e->a.ingress, &rules, &e->n_before);
	e->found = -1;
	for (int i = 0; i < e->n_before && e->found < 0; i++)
		if (sg_rule_same(&rules[i], &e->rule))
			e->found = i;
	if (e->a.authorize && e->found >= 0)
		return fail(EXIT_FAILED, "InvalidPermission.Duplicate: the %s rule %s already "
			    "exists on %s (rule %d of %d)", dir, e->what, e->a.group,
			    e->found + 1, e->n_before);
	if (!e->a.authorize && e->found < 0)
		return fail(EXIT_FAILED, "InvalidPermission.NotFound: %s has no %s rule %s "
			    "(it has %d)", e->a.group, dir, e->what, e->n_before);
	if (e->a.authorize && e->n_before >= SG_RULES_MAX)
		return fail(EXIT_FAILED, "RulesPerSecurityGroupLimitExceeded: %s has %d %s "
			    "rules; the limit is %d per direction", e->a.group, e->n_before, dir,
			    SG_RULES_MAX);
	return EXIT_OK;
}

/* Write the edited file to e->tmp and load it whole with its layout. */
static int stage_file(struct sg_edit *e, struct topology **nt, struct layout *nL)
{
	struct diags d = { 0 };
	size_t len = 0;
	char *text, *edited;
	int err;

	text = file_read(e->path, &len);
	if (!text)
		return fail(EXIT_FAILED, "reading %s: %s", e->path, strerror(errno));
	edited = topology_edit_sg_rules(text, len, e->lv.t, e->vi, e->gi, e->a.ingress,
					e->a.authorize ? e->a.rule : NULL, e->found);
	free(text);
	if (!edited)
		return fail(EXIT_FAILED, "editing %s: %s", e->path, err_msg());
	err = file_write(e->tmp, edited);
	free(edited);
	if (err < 0)
		return fail(EXIT_FAILED, "%s", err_msg());
	*nt = topology_open(e->tmp, nL, &d);
	if (!*nt) {
		diags_print(&d, e->tmp, stderr);
		diags_free(&d);
		unlink(e->tmp);
		return fail(EXIT_FAILED, "the edited topology does not load; %s is unchanged",
			    e->path);
	}
	diags_free(&d);
	if (!policy_change_allowed(&e->lv.L, nL)) {
		layout_free(nL);
		topology_free(*nt);
		*nt = NULL;
		unlink(e->tmp);
		return fail(EXIT_FAILED, "the edit would move groups or ENIs of %s; %s is unchanged",
			    e->lv.name, e->path);
	}
	return EXIT_OK;
}

static int commit_edit(struct sg_edit *e)
{
	struct policy_change c = { 0 };
	struct attachment *env_atts = NULL;
	struct topology *nt = NULL;
	struct layout nL;
	int rc, err, n_after, n_env = 0;
	const struct sg_rule *rules;

	rc = stage_file(e, &nt, &nL);
	if (rc != EXIT_OK)
		return rc;
	/* Per-sandbox environments' ENIs too (env.h). */
	err = env_vpc_enis(&e->lv, e->vi, &env_atts, &n_env);
	if (!err)
		err = policy_change_apply(&c, &e->lv.L, &nL, e->vi, env_atts, n_env);
	free(env_atts);
	if (!err && rename(e->tmp, e->path) < 0)
		err = errf(errno, "renaming %s to %s: %s", e->tmp, e->path, strerror(errno));
	if (err < 0) {
		policy_change_undo(&c);
		unlink(e->tmp);
		rc = fail(EXIT_FAILED, "changing %s live: %s; nothing changed", e->a.group, err_msg());
	} else {
		group_rules(nt, e->vi, e->gi, e->a.ingress, &rules, &n_after);
		if (e->a.authorize)
			printf("authorized %s %s on %s (rule %d of %d)", e->a.ingress ? "ingress" : "egress",
			       e->what, e->a.group, n_after, n_after);
		else
			printf("revoked %s %s on %s (was rule %d; %d left)", e->a.ingress ? "ingress" : "egress",
			       e->what, e->a.group, e->found + 1, n_after);
		if (c.n_eni)
			printf("; %d ENI entr%s refreshed", c.n_eni, c.n_eni == 1 ? "y" : "ies");
		putchar('\n');
	}
	policy_change_free(&c);
	layout_free(&nL);
	topology_free(nt);
	return rc;
}

int cmd_sg(int argc, char **argv)
{
	struct sg_edit e = { 0 };
	struct diags d = { 0 };
	int rc;

	if ((rc = parse_args(argc, argv, &e.a)) != EXIT_OK)
		return rc;
	if ((rc = need_privilege("sg")) != EXIT_OK)
		return rc;
	if (state_lock() < 0)
		return fail(EXIT_FAILED, "%s", err_msg());
	if ((rc = open_topology(e.a.topo, &e.lv)) != EXIT_OK)
		return rc;
	rc = find_group(&e.lv, e.a.group, &e.vi, &e.gi);
	if (rc != EXIT_OK)
		goto out;
	if (topology_parse_sg_rule(e.lv.t, e.vi, e.a.rule, strlen(e.a.rule), &e.rule, &d) < 0) {
		rc = EXIT_USAGE;
		goto out;
	}
	rule_describe(e.lv.t, e.vi, &e.rule, e.a.ingress, e.what, sizeof(e.what));
	rc = check_edit(&e);
	if (rc != EXIT_OK)
		goto out;
	snprintf(e.path, sizeof(e.path), "%s/topology.json", e.lv.dir);
	snprintf(e.tmp, sizeof(e.tmp), "%s/topology.json.sg-tmp", e.lv.dir);
	rc = commit_edit(&e);
out:
	diags_print(&d, "RULE", stderr); /* the problems, or warnings of a good rule */
	diags_free(&d);
	live_close(&e.lv);
	return rc;
}
