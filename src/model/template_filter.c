/* A template's packet filters as a topology's: AWS::EC2::SecurityGroup with
 * its inline rules, SecurityGroupIngress/Egress, NetworkAcl and
 * NetworkAclEntry (the associations are in template_map.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "model/template_internal.h"

/* IpProtocol / Protocol: "-1", "tcp", "6"... as the topology's proto. */
static const char *proto_of(const cJSON *v, char *buf, size_t size)
{
	const char *s = cJSON_IsString(v) ? v->valuestring : NULL;
	long n = tmpl_num(v, -2);

	if (n == -1 || (s && !strcmp(s, "-1")))
		return "all";
	if (n == 6 || (s && !strcasecmp(s, "tcp")))
		return "tcp";
	if (n == 17 || (s && !strcasecmp(s, "udp")))
		return "udp";
	if (n == 1 || (s && !strcasecmp(s, "icmp")))
		return "icmp";
	if (n >= 0 && n <= 255) {
		snprintf(buf, size, "%ld", n);
		return buf;
	}
	return NULL;
}

/* FromPort/ToPort (or PortRange From/To) onto rule r. */
static void ports_of(cJSON *r, const char *proto, const cJSON *from, const cJSON *to)
{
	long lo = tmpl_num(from, -1), hi = tmpl_num(to, lo);
	char buf[32];

	if (!strcmp(proto, "icmp")) {
		cJSON_AddNumberToObject(r, "icmp_type", lo);
		cJSON_AddNumberToObject(r, "icmp_code", hi);
		return;
	}
	if (strcmp(proto, "tcp") && strcmp(proto, "udp"))
		return;
	if (lo < 0 || (lo == 0 && hi == 65535))
		snprintf(buf, sizeof(buf), "all");
	else if (lo == hi)
		snprintf(buf, sizeof(buf), "%ld", lo);
	else
		snprintf(buf, sizeof(buf), "%ld-%ld", lo, hi);
	cJSON_AddStringToObject(r, "ports", buf);
}

static const char *const rule_known[] = { "IpProtocol", "FromPort", "ToPort", "CidrIp",
	"SourceSecurityGroupId", "DestinationSecurityGroupId", "Description", "GroupId", NULL };

/* One rule object j (inline, or the properties of a separate rule
 * resource) at path, into a new topology rule; NULL reported. */
static cJSON *sg_rule(struct tctx *c, cJSON *topo, const cJSON *j, const char *path,
		      bool ingress, const char *vpc)
{
	const cJSON *cidr = cJSON_GetObjectItemCaseSensitive(j, "CidrIp"), *k;
	const char *peer_key = ingress ? "SourceSecurityGroupId" : "DestinationSecurityGroupId";
	const cJSON *peer = cJSON_GetObjectItemCaseSensitive(j, peer_key);
	char buf[16], kp[TPATH_LEN], sg[64];
	const char *proto = proto_of(cJSON_GetObjectItemCaseSensitive(j, "IpProtocol"), buf,
				     sizeof(buf));
	cJSON *r;

	snprintf(kp, sizeof(kp), "%s.IpProtocol", path);
	if (!proto) {
		tmpl_error(c, kp, "InvalidParameterValue", "IpProtocol: -1, tcp, udp, icmp or a "
			   "protocol number");
		return NULL;
	}
	r = cJSON_CreateObject();
	cJSON_AddStringToObject(r, "proto", proto);
	ports_of(r, proto, cJSON_GetObjectItemCaseSensitive(j, "FromPort"),
		 cJSON_GetObjectItemCaseSensitive(j, "ToPort"));
	snprintf(kp, sizeof(kp), "%s.%s", path, peer_key);
	if (cJSON_IsString(cidr)) {
		cJSON_AddStringToObject(r, "cidr", cidr->valuestring);
	} else if (peer && tmpl_ref_at(c, peer, kp, "AWS::EC2::SecurityGroup", true, sg, sizeof(sg))) {
		cJSON *pv = tmpl_vpc_of(topo, "security_groups", sg);
		const cJSON *pvn = cJSON_GetObjectItemCaseSensitive(pv, "name");
		char full[140];

		if (cJSON_IsString(pvn) && strcmp(pvn->valuestring, vpc))
			snprintf(full, sizeof(full), "%s/%s", pvn->valuestring, sg);
		else
			snprintf(full, sizeof(full), "%s", sg);
		cJSON_AddStringToObject(r, "sg", full);
	} else {
		if (!peer)
			tmpl_error(c, path, "MissingParameter", "the rule needs CidrIp or %s "
				   "(CidrIpv6 and prefix lists are not simulated)", peer_key);
		cJSON_Delete(r);
		return NULL;
	}
	cJSON_ArrayForEach(k, (cJSON_IsObject(j) ? j : NULL)) { /* a list has no names */
		int i = 0;

		while (rule_known[i] && strcmp(rule_known[i], k->string))
			i++;
		if (!rule_known[i]) {
			snprintf(kp, sizeof(kp), "%s.%s", path, k->string);
			tmpl_unmapped(c, kp, "security group rule property %s is not simulated; "
				      "left out", k->string);
		}
	}
	return r;
}

/* The group's inline rules of one direction into the topology group. */
static int inline_rules(struct tctx *c, cJSON *topo, const char *id, const cJSON *p,
			cJSON *g, bool ingress, const char *vpc)
{
	const char *key = ingress ? "SecurityGroupIngress" : "SecurityGroupEgress";
	const cJSON *list = cJSON_GetObjectItemCaseSensitive(p, key), *it;
	cJSON *out;
	int i = 0, rc = 0;

	if (!list && !ingress)
		return 0;          /* no egress rules: allow all, as AWS */
	out = cJSON_AddArrayToObject(g, ingress ? "ingress" : "egress");
	cJSON_ArrayForEach(it, list) {
		char path[TPATH_LEN];
		cJSON *r;

		snprintf(path, sizeof(path), "Resources.%s.Properties.%s[%d]", id, key, i++);
		r = sg_rule(c, topo, it, path, ingress, vpc);
		if (r)
			cJSON_AddItemToArray(out, r);
		else
			rc = -1;
	}
	return rc;
}

static int map_sg(struct tctx *c, cJSON *topo, const char *id, const cJSON *p)
{
	static const char *const known[] = { "GroupDescription", "VpcId", "SecurityGroupIngress",
					     "SecurityGroupEgress", NULL };
	const cJSON *desc = cJSON_GetObjectItemCaseSensitive(p, "GroupDescription");
	char vpc[64], name[64];
	cJSON *v, *g;

	if (!tmpl_ref(c, id, p, "VpcId", "AWS::EC2::VPC", true, vpc, sizeof(vpc)))
		return -1;
	v = tmpl_named(cJSON_GetObjectItemCaseSensitive(topo, "vpcs"), vpc);
	tmpl_name(c, id, name, sizeof(name));
	g = cJSON_CreateObject();
	cJSON_AddStringToObject(g, "name", name);
	if (cJSON_IsString(desc))
		cJSON_AddStringToObject(g, "description", desc->valuestring);
	cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(v, "security_groups"), g);
	tmpl_rest_unmapped(c, id, p, known);
	return 0;
}

/* Inline rules after every group exists, so that a rule may name any. */
static int map_sg_rules(struct tctx *c, cJSON *topo, const char *id, const cJSON *p)
{
	char name[64];
	cJSON *v, *g;
	const cJSON *vn;

	tmpl_name(c, id, name, sizeof(name));
	v = tmpl_vpc_of(topo, "security_groups", name);
	vn = cJSON_GetObjectItemCaseSensitive(v, "name");
	g = tmpl_named(cJSON_GetObjectItemCaseSensitive(v, "security_groups"), name);
	if (!g)
		return -1;
	return inline_rules(c, topo, id, p, g, true, vn->valuestring) |
	       inline_rules(c, topo, id, p, g, false, vn->valuestring);
}

/* AWS::EC2::SecurityGroupIngress / Egress: one rule added to GroupId's
 * group; the first separate egress rule replaces the default allow-all. */
static int map_sg_rule_resource(struct tctx *c, cJSON *topo, const char *id, const cJSON *p)
{
	bool ingress = !strcmp(tmpl_type(c, id), "AWS::EC2::SecurityGroupIngress");
	char sg[64], path[TPATH_LEN];
	cJSON *v, *g, *list, *r;
	const cJSON *vn;

	if (!tmpl_ref(c, id, p, "GroupId", "AWS::EC2::SecurityGroup", true, sg, sizeof(sg)))
		return -1;
	v = tmpl_vpc_of(topo, "security_groups", sg);
	vn = cJSON_GetObjectItemCaseSensitive(v, "name");
	g = tmpl_named(cJSON_GetObjectItemCaseSensitive(v, "security_groups"), sg);
	snprintf(path, sizeof(path), "Resources.%s.Properties", id);
	if (!g || !(r = sg_rule(c, topo, p, path, ingress, vn->valuestring)))
		return -1;
	list = cJSON_GetObjectItemCaseSensitive(g, ingress ? "ingress" : "egress");
	if (!list && !ingress) {
		/* A separate egress rule joins the group's default allow-all. */
		cJSON *all = cJSON_CreateObject();

		list = cJSON_AddArrayToObject(g, "egress");
		cJSON_AddStringToObject(all, "proto", "all");
		cJSON_AddStringToObject(all, "cidr", "0.0.0.0/0");
		cJSON_AddItemToArray(list, all);
	} else if (!list) {
		list = cJSON_AddArrayToObject(g, "ingress");
	}
	cJSON_AddItemToArray(list, r);
	return 0;
}

static int map_nacl(struct tctx *c, cJSON *topo, const char *id, const cJSON *p)
{
	static const char *const known[] = { "VpcId", NULL };
	char vpc[64], name[64];
	cJSON *v, *a;

	if (!tmpl_ref(c, id, p, "VpcId", "AWS::EC2::VPC", true, vpc, sizeof(vpc)))
		return -1;
	v = tmpl_named(cJSON_GetObjectItemCaseSensitive(topo, "vpcs"), vpc);
	tmpl_name(c, id, name, sizeof(name));
	a = cJSON_CreateObject();
	cJSON_AddStringToObject(a, "name", name);
	cJSON_AddArrayToObject(a, "ingress");
	cJSON_AddArrayToObject(a, "egress");
	cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(v, "network_acls"), a);
	tmpl_rest_unmapped(c, id, p, known);
	return 0;
}

static int map_nacl_entry(struct tctx *c, cJSON *topo, const char *id, const cJSON *p)
{
	static const char *const known[] = { "NetworkAclId", "Protocol", "RuleAction",
		"RuleNumber", "CidrBlock", "Egress", "PortRange", "Icmp", NULL };
	const cJSON *cidr = cJSON_GetObjectItemCaseSensitive(p, "CidrBlock");
	const cJSON *act = cJSON_GetObjectItemCaseSensitive(p, "RuleAction");
	const cJSON *pr = cJSON_GetObjectItemCaseSensitive(p, "PortRange");
	const cJSON *icmp = cJSON_GetObjectItemCaseSensitive(p, "Icmp");
	char acl[64], buf[16], path[TPATH_LEN];
	const char *proto = proto_of(cJSON_GetObjectItemCaseSensitive(p, "Protocol"), buf,
				     sizeof(buf));
	cJSON *v, *a, *r;

	if (!tmpl_ref(c, id, p, "NetworkAclId", "AWS::EC2::NetworkAcl", true, acl, sizeof(acl)))
		return -1;
	snprintf(path, sizeof(path), "Resources.%s.Properties", id);
	if (!proto || !cJSON_IsString(cidr) || !cJSON_IsString(act)) {
		tmpl_error(c, path, "MissingParameter", "a network ACL entry needs Protocol, "
			   "RuleAction, RuleNumber and CidrBlock (IPv6 entries are not simulated)");
		return -1;
	}
	v = tmpl_vpc_of(topo, "network_acls", acl);
	a = tmpl_named(cJSON_GetObjectItemCaseSensitive(v, "network_acls"), acl);
	r = cJSON_CreateObject();
	cJSON_AddNumberToObject(r, "rule", (double)tmpl_num(cJSON_GetObjectItemCaseSensitive(p,
							 "RuleNumber"), 0));
	cJSON_AddStringToObject(r, "proto", proto);
	if (!strcmp(proto, "icmp"))
		ports_of(r, proto, cJSON_GetObjectItemCaseSensitive(icmp, "Type"),
			 cJSON_GetObjectItemCaseSensitive(icmp, "Code"));
	else
		ports_of(r, proto, cJSON_GetObjectItemCaseSensitive(pr, "From"),
			 cJSON_GetObjectItemCaseSensitive(pr, "To"));
	cJSON_AddStringToObject(r, "cidr", cidr->valuestring);
	cJSON_AddStringToObject(r, "action", strcasecmp(act->valuestring, "allow") ? "deny" : "allow");
	cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(a, tmpl_bool(
		cJSON_GetObjectItemCaseSensitive(p, "Egress")) == 1 ? "egress" : "ingress"), r);
	tmpl_rest_unmapped(c, id, p, known);
	return 0;
}

int tmpl_map_filters(struct tctx *c, cJSON *topo)
{
	static const struct tmpl_step steps[] = {
		{ "AWS::EC2::SecurityGroup", map_sg, NULL },
		{ "AWS::EC2::NetworkAcl", map_nacl, NULL },
		{ NULL, NULL, NULL },
		{ "AWS::EC2::SecurityGroup", map_sg_rules, NULL },
		{ "AWS::EC2::SecurityGroupIngress", map_sg_rule_resource, NULL },
		{ "AWS::EC2::SecurityGroupEgress", map_sg_rule_resource, NULL },
		{ "AWS::EC2::NetworkAclEntry", map_nacl_entry, NULL },
		{ "AWS::EC2::SubnetNetworkAclAssociation", tmpl_map_subnet_assoc, NULL },
	};

	return tmpl_run(c, topo, steps, sizeof(steps) / sizeof(steps[0])) < 0 ? -1 : 0;
}
