/* vpcsim sg authorize|revoke [-t NAME] VPC/SG (--ingress|--egress) RULE:
 * change a security group of a topology that is up, live.
 *
 * The state copy /run/vpcsim/<topo>/topology.json is the truth; the layout
 * and the compiled policy are derived from it. So an edit is: parse the
 * rule with the parser's own code, check it against the group as AWS does
 * (duplicate, absent, 60 rules), write the edited file to a temporary file
 * and load it whole, compile the VPC's policy from it, swap the policy
 * generation in the maps, refresh the ENI entries whose untracked-flow
 * flags change, and only then rename the file over the old one. Any
 * failure before the rename puts the old policy and entries back, so the
 * file and the maps never disagree. Programs and links are not touched.
 * Everything runs under the state lock. */
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
#include "kernel/vpc_dataplane.h"

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

static char *read_text(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	char *text = NULL;
	long n;

	if (!f) {
		errf(errno, "opening %s: %s", path, strerror(errno));
		return NULL;
	}
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
		text = malloc((size_t)n + 1);
		if (text && fread(text, 1, (size_t)n, f) == (size_t)n) {
			text[n] = 0;
			*len = (size_t)n;
		} else {
			free(text);
			text = NULL;
		}
	}
	if (!text)
		errf(EIO, "reading %s", path);
	fclose(f);
	return text;
}

static int write_text(const char *path, const char *text)
{
	size_t len = strlen(text);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600), e;

	if (fd < 0)
		return errf(errno, "creating %s: %s", path, strerror(errno));
	if (write(fd, text, len) != (ssize_t)len || write(fd, "\n", 1) != 1 || fsync(fd) < 0) {
		e = errno ? errno : EIO;
		close(fd);
		return errf(e, "writing %s: %s", path, strerror(e));
	}
	close(fd);
	return 0;
}

/* The edit may change rules only: every group keeps its id (so the members
 * maps of this VPC and of peered VPCs stay right) and every ENI keeps its
 * address, interface and groups. Checked, not assumed. */
static bool same_identity(const struct layout *a, const struct layout *b)
{
	if (a->t->n_vpcs != b->t->n_vpcs || a->n_atts != b->n_atts)
		return false;
	for (int v = 0; v < a->t->n_vpcs; v++) {
		if (a->t->vpcs[v].n_security_groups != b->t->vpcs[v].n_security_groups)
			return false;
		for (int g = 0; g < a->t->vpcs[v].n_security_groups; g++)
			if (policy_group_id(a->t, v, g) != policy_group_id(b->t, v, g))
				return false;
	}
	for (int i = 0; i < a->n_atts; i++) {
		const struct attachment *x = &a->atts[i], *y = &b->atts[i];

		if (x->vpc != y->vpc || x->ip != y->ip || x->ifindex != y->ifindex ||
		    x->n_sgs != y->n_sgs || memcmp(x->sgs, y->sgs, sizeof(x->sgs[0]) * (size_t)x->n_sgs))
			return false;
	}
	return true;
}

/* A live change of one VPC's maps, with what it takes to undo it. */
struct live_change {
	struct dataplane *dp;
	struct policy old_pol, new_pol;
	uint32_t *ifindex;         /* ENI entries replaced, and their old values */
	struct dp_eni *old_eni;
	int n_eni;
	bool policy_written;
};

/* Refresh one ENI entry (if it has one) from the new policy. */
static int eni_refresh(struct live_change *c, const struct layout *newL,
		       const struct attachment *a)
{
	struct dp_eni old, now;
	int err = dp_eni_get(c->dp, (uint32_t)a->ifindex, &old);

	if (err == -ENOENT)
		return 0;
	if (err < 0)
		return err;
	vpc_dp_eni_of(newL, &c->new_pol, a, &now);
	if (!memcmp(&old, &now, sizeof(old)))
		return 0;
	err = dp_eni_add(c->dp, (uint32_t)a->ifindex, &now);
	if (err < 0)
		return err;
	c->ifindex[c->n_eni] = (uint32_t)a->ifindex;
	c->old_eni[c->n_eni++] = old;
	return 0;
}

static int change_apply(struct live_change *c, const struct live *lv,
			const struct layout *newL, int vi)
{
	const struct layout *oldL = &lv->L;
	struct attachment *env_atts = NULL;
	int err, n_env = 0;

	err = vpc_dp_compile(oldL, vi, &c->old_pol);
	if (!err)
		err = vpc_dp_compile(newL, vi, &c->new_pol);
	if (!err)
		err = vpc_dp_open(newL, vi, &c->dp);
	if (err < 0)
		return err;
	/* Per-sandbox environments' ENIs too (env.h). */
	err = env_vpc_enis(lv, vi, &env_atts, &n_env);
	if (err < 0)
		return err;
	c->ifindex = calloc((size_t)(newL->n_atts + n_env) + 1, sizeof(*c->ifindex));
	c->old_eni = calloc((size_t)(newL->n_atts + n_env) + 1, sizeof(*c->old_eni));
	if (!c->ifindex || !c->old_eni) {
		free(env_atts);
		return errf(ENOMEM, "ENI entries");
	}
	err = dp_policy_write(c->dp, &c->new_pol);
	if (err == 0)
		c->policy_written = true;
	/* The new rules are in force; now the flags that depend on them. An
	 * ENI without an entry (none at up) is left alone. */
	for (int i = 0; !err && i < newL->n_atts; i++)
		if (newL->atts[i].vpc == vi)
			err = eni_refresh(c, newL, &newL->atts[i]);
	for (int i = 0; !err && i < n_env; i++)
		err = eni_refresh(c, newL, &env_atts[i]);
	free(env_atts);
	return err;
}

/* Best effort: the error that led here is the one reported. */
static void change_undo(struct live_change *c)
{
	for (int i = 0; i < c->n_eni; i++)
		dp_eni_add(c->dp, c->ifindex[i], &c->old_eni[i]);
	if (c->policy_written)
		dp_policy_write(c->dp, &c->old_pol);
}

static void change_free(struct live_change *c)
{
	dp_close(c->dp);
	policy_free(&c->old_pol);
	policy_free(&c->new_pol);
	free(c->ifindex);
	free(c->old_eni);
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

	text = read_text(e->path, &len);
	if (!text)
		return fail(EXIT_FAILED, "%s", err_msg());
	edited = topology_edit_sg_rules(text, len, e->lv.t, e->vi, e->gi, e->a.ingress,
					e->a.authorize ? e->a.rule : NULL, e->found);
	free(text);
	if (!edited)
		return fail(EXIT_FAILED, "editing %s: %s", e->path, err_msg());
	err = write_text(e->tmp, edited);
	free(edited);
	if (err < 0)
		return fail(EXIT_FAILED, "%s", err_msg());
	*nt = topology_load(e->tmp, &d);
	if (*nt && layout_build(*nt, nL, &d) < 0) {
		layout_free(nL);
		topology_free(*nt);
		*nt = NULL;
	}
	if (!*nt) {
		diags_print(&d, e->tmp, stderr);
		diags_free(&d);
		unlink(e->tmp);
		return fail(EXIT_FAILED, "the edited topology does not load; %s is unchanged",
			    e->path);
	}
	diags_free(&d);
	if (!same_identity(&e->lv.L, nL)) {
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
	struct live_change c = { 0 };
	struct topology *nt = NULL;
	struct layout nL;
	int rc, err, n_after;
	const struct sg_rule *rules;

	rc = stage_file(e, &nt, &nL);
	if (rc != EXIT_OK)
		return rc;
	err = change_apply(&c, &e->lv, &nL, e->vi);
	if (!err && rename(e->tmp, e->path) < 0)
		err = errf(errno, "renaming %s to %s: %s", e->tmp, e->path, strerror(errno));
	if (err < 0) {
		change_undo(&c);
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
	change_free(&c);
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
	if ((rc = need_privilege("sg", argv[1])) != EXIT_OK)
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
