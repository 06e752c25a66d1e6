/* Topology parsing and validation.
 *
 * Data files live under tests/data/; paths are relative to the repository
 * root, where `make` runs the tests, or to $VPCSIM_SRCDIR when set. The
 * invalid cases are a table, tests/data/invalid/cases.tsv: one file per
 * broken rule and the (path, code) diag it must produce. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "model/layout.h"
#include "model/topology.h"
#include "vpcsim/dataplane.h"

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))

static const char *data_path(char *buf, size_t size, const char *rel)
{
	const char *root = getenv("VPCSIM_SRCDIR");

	if (snprintf(buf, size, "%s/tests/data/%s", root ? root : ".", rel) >= (int)size)
		fail_msg("path too long: %s", rel);
	return buf;
}

static struct topology *load(const char *rel, struct diags *d)
{
	char path[512];

	return topology_load(data_path(path, sizeof(path), rel), d);
}

static struct topology *parse(const char *json, struct diags *d)
{
	return topology_parse("test.json", json, strlen(json), d);
}

static bool has_diag(const struct diags *d, const char *path, const char *code, bool warning)
{
	for (int i = 0; i < d->n; i++)
		if (!strcmp(d->items[i].path, path) && !strcmp(d->items[i].code, code) &&
		    d->items[i].warning == warning)
			return true;
	return false;
}

static void assert_clean(struct topology *t, struct diags *d)
{
	if (!t || d->n_errors)
		diags_print(d, "test", stderr);
	assert_non_null(t);
	assert_int_equal(d->n_errors, 0);
}

static void test_minimal_defaults(void **state)
{
	struct diags d = { 0 };
	struct topology *t = parse("{ \"name\": \"mini\" }", &d);

	assert_clean(t, &d);
	assert_int_equal(d.n, 0);
	assert_string_equal(t->name, "mini");
	assert_string_equal(t->file, "test.json");
	assert_string_equal(t->account_id, "123456789012");
	assert_string_equal(t->region, "us-east-1");
	assert_int_equal(t->eni_mode, ENI_MODE_HYPERPLANE);
	assert_int_equal(t->concurrency_limit, 1000);
	assert_int_equal(t->service_cidr.addr, IP(100, 64, 0, 0));
	assert_int_equal(t->service_cidr.len, 16);
	assert_int_equal(t->n_vpcs + t->n_hosts + t->n_peerings + t->n_resources +
			 t->n_functions + t->n_expects, 0);
	topology_free(t);
	diags_free(&d);
}

/* A VPC that defines nothing gets AWS's implicit objects. */
static void test_vpc_implicit_objects(void **state)
{
	struct diags d = { 0 };
	struct topology *t = parse(
		"{ \"name\": \"x\", \"vpcs\": [ { \"name\": \"app\", \"cidr\": \"10.0.0.0/16\","
		"  \"subnets\": [ { \"name\": \"a\", \"cidr\": \"10.0.0.0/28\" } ] } ] }", &d);
	const struct vpc *v;
	const struct security_group *g;
	const struct nacl *n;

	assert_clean(t, &d);
	v = &t->vpcs[0];
	assert_int_equal(v->n_route_tables, 1);
	assert_int_equal(v->main_table, 0);
	assert_true(v->route_tables[0].implicit_main);
	assert_string_equal(v->route_tables[0].name, "main");
	assert_int_equal(v->route_tables[0].n_routes, 0);
	assert_int_equal(v->subnets[0].route_table, 0);
	assert_false(v->subnets[0].is_public);

	assert_int_equal(v->n_security_groups, 1);
	g = &v->security_groups[v->default_sg];
	assert_true(g->implicit);
	assert_string_equal(g->name, "default");
	assert_int_equal(g->n_ingress, 1);
	assert_int_equal(g->ingress[0].proto, PROTO_ALL);
	assert_true(g->ingress[0].peer_is_sg);
	assert_int_equal(g->ingress[0].peer_vpc, 0);
	assert_int_equal(g->ingress[0].peer_sg, v->default_sg);
	assert_int_equal(g->n_egress, 1);
	assert_false(g->egress[0].peer_is_sg);
	assert_int_equal(g->egress[0].cidr.len, 0);

	assert_int_equal(v->n_nacls, 1);
	n = &v->nacls[v->default_nacl];
	assert_true(n->implicit);
	assert_int_equal(v->subnets[0].nacl, v->default_nacl);
	assert_int_equal(n->n_ingress, 1);
	assert_int_equal(n->n_egress, 1);
	assert_int_equal(n->ingress[0].number, 100);
	assert_int_equal(n->ingress[0].proto, PROTO_ALL);
	assert_int_equal(n->ingress[0].cidr.len, 0);
	assert_true(n->ingress[0].allow);
	assert_true(n->egress[0].allow);
	topology_free(t);
	diags_free(&d);
}

static void test_valid_demo(void **state)
{
	struct diags d = { 0 };
	struct topology *t = load("valid/demo.json", &d);
	const struct vpc *app, *shared;
	const struct security_group *db;
	const struct nacl *priv;
	const struct route_table *rt;
	const struct resource *r;
	const struct function *f;

	assert_clean(t, &d);
	assert_int_equal(d.n, 0);
	assert_int_equal(t->eni_mode, ENI_MODE_PER_SANDBOX);
	assert_int_equal(t->concurrency_limit, 50);
	assert_int_equal(t->n_hosts, 1);
	assert_int_equal(t->hosts[0].ip, IP(203, 0, 113, 10));
	assert_int_equal(t->hosts[0].n_listen, 1);
	assert_int_equal(t->hosts[0].listen[0].proto, 6);
	assert_int_equal(t->hosts[0].listen[0].port, 443);

	assert_int_equal(t->n_vpcs, 2);
	app = &t->vpcs[topology_find_vpc(t, "app")];
	shared = &t->vpcs[topology_find_vpc(t, "shared")];
	assert_int_equal(topology_find_vpc(t, "nope"), -1);
	assert_true(app->internet_gateway);
	assert_false(shared->internet_gateway);

	/* Tables: two from the file plus the implicit main one, last. */
	assert_int_equal(app->n_route_tables, 3);
	assert_int_equal(app->main_table, 2);
	assert_true(app->route_tables[2].implicit_main);
	assert_int_equal(app->subnets[0].route_table, 0);
	assert_int_equal(app->subnets[1].route_table, 1);
	assert_int_equal(app->subnets[2].route_table, app->main_table);
	assert_true(app->subnets[0].is_public);
	assert_false(app->subnets[1].is_public);
	assert_false(app->subnets[2].is_public);
	rt = &app->route_tables[1];
	assert_int_equal(rt->n_routes, 3);
	assert_int_equal(rt->routes[0].kind, RT_NAT);
	assert_int_equal(rt->routes[0].target, 0);
	assert_int_equal(rt->routes[1].kind, RT_PEERING);
	assert_int_equal(rt->routes[1].target, 0);
	assert_int_equal(rt->routes[1].dst.addr, IP(10, 1, 0, 0));
	assert_int_equal(rt->routes[2].kind, RT_BLACKHOLE);
	assert_int_equal(app->route_tables[0].routes[0].kind, RT_IGW);
	assert_int_equal(app->route_tables[0].routes[0].dst.len, 0);

	/* A file-defined main table is used as given. */
	assert_int_equal(shared->n_route_tables, 1);
	assert_int_equal(shared->main_table, 0);
	assert_false(shared->route_tables[0].implicit_main);
	assert_int_equal(shared->subnets[0].route_table, 0);

	assert_int_equal(app->n_nat_gateways, 1);
	assert_int_equal(app->nat_gateways[0].subnet, 0);

	/* Groups: lambda, db, then the implicit default. */
	assert_int_equal(app->n_security_groups, 3);
	assert_int_equal(app->default_sg, 2);
	assert_int_equal(vpc_find_sg(app, "db"), 1);
	assert_int_equal(vpc_find_sg(app, "nope"), -1);
	assert_int_equal(app->security_groups[0].n_egress, 1); /* omitted: all out */
	assert_string_equal(app->security_groups[0].description, "functions");
	db = &app->security_groups[1];
	assert_int_equal(db->n_egress, 0);                      /* "egress": [] */
	assert_int_equal(db->n_ingress, 4);
	assert_int_equal(db->ingress[0].proto, 6);
	assert_int_equal(db->ingress[0].ports.lo, 5432);
	assert_int_equal(db->ingress[0].ports.hi, 5432);
	assert_true(db->ingress[0].peer_is_sg);
	assert_int_equal(db->ingress[0].peer_vpc, 0);
	assert_int_equal(db->ingress[0].peer_sg, 0);
	assert_int_equal(db->ingress[1].peer_vpc, 1);            /* shared/tools */
	assert_int_equal(db->ingress[1].peer_sg, 0);
	assert_int_equal(db->ingress[2].proto, 1);
	assert_int_equal(db->ingress[2].icmp_type, 8);
	assert_int_equal(db->ingress[2].icmp_code, ICMP_ANY);
	assert_int_equal(db->ingress[2].cidr.addr, IP(10, 0, 0, 0));
	assert_int_equal(db->ingress[3].proto, 47);
	assert_int_equal(db->ingress[3].ports.lo, 0);
	assert_int_equal(db->ingress[3].ports.hi, 65535);

	/* A file-defined default keeps AWS's ingress when it omits it. */
	assert_int_equal(shared->default_sg, 1);
	assert_false(shared->security_groups[1].implicit);
	assert_int_equal(shared->security_groups[1].n_ingress, 1);
	assert_true(shared->security_groups[1].ingress[0].peer_is_sg);
	assert_int_equal(shared->security_groups[1].n_egress, 0);

	/* NACL rules are sorted by number. */
	assert_int_equal(app->n_nacls, 2);
	assert_int_equal(app->default_nacl, 1);
	assert_int_equal(app->subnets[1].nacl, 0);
	assert_int_equal(app->subnets[0].nacl, 1);
	priv = &app->nacls[0];
	assert_false(priv->implicit);
	assert_int_equal(priv->n_ingress, 2);
	assert_int_equal(priv->ingress[0].number, 100);
	assert_true(priv->ingress[0].allow);
	assert_int_equal(priv->ingress[1].number, 200);
	assert_false(priv->ingress[1].allow);
	assert_int_equal(priv->egress[0].ports.lo, 1024);
	assert_int_equal(priv->egress[0].ports.hi, 65535);

	assert_int_equal(t->n_peerings, 1);
	assert_int_equal(t->peerings[0].vpc[0], 0);
	assert_int_equal(t->peerings[0].vpc[1], 1);

	assert_int_equal(t->n_resources, 3);
	r = &t->resources[0];
	assert_int_equal(r->kind, RES_RDS);
	assert_int_equal(r->vpc, 0);
	assert_int_equal(r->subnet, 1);
	assert_int_equal(r->n_sgs, 1);
	assert_int_equal(r->sgs[0], 1);
	assert_int_equal(r->ip, IP(10, 0, 1, 10));
	assert_false(r->public_ip_auto);
	assert_null(r->command);
	r = &t->resources[1];
	assert_int_equal(r->kind, RES_EC2);
	assert_true(r->publicly_accessible);
	assert_true(r->public_ip_auto);
	assert_int_equal(r->ip, 0);
	assert_int_equal(r->n_sgs, 1);
	assert_int_equal(r->sgs[0], app->default_sg);   /* default ["default"] */
	assert_string_equal(r->command, "sleep 1000");
	r = &t->resources[2];
	assert_int_equal(r->vpc, 1);
	assert_int_equal(r->n_sgs, 2);
	assert_int_equal(r->sgs[1], shared->default_sg);

	assert_int_equal(t->n_functions, 2);
	f = &t->functions[0];
	assert_int_equal(f->memory_mb, 256);
	assert_int_equal(f->timeout_s, 10);
	assert_int_equal(f->ephemeral_storage_mb, 512);
	assert_int_equal(f->reserved_concurrency, 5);
	assert_int_equal(f->n_env, 1);
	assert_string_equal(f->env[0].key, "DB_HOST");
	assert_string_equal(f->env[0].value, "db");
	assert_true(f->has_vpc);
	assert_int_equal(f->vpc, 0);
	assert_int_equal(f->n_subnets, 1);
	assert_int_equal(f->subnets[0], 1);
	assert_int_equal(f->n_sgs, 1);
	assert_int_equal(f->sgs[0], 0);
	f = &t->functions[1];
	assert_false(f->has_vpc);
	assert_int_equal(f->memory_mb, 128);
	assert_int_equal(f->timeout_s, 3);
	assert_int_equal(f->reserved_concurrency, -1);
	assert_null(f->handler);

	assert_int_equal(t->n_expects, 4);
	assert_string_equal(t->expects[0].from, "reader");
	assert_int_equal(t->expects[0].proto, 6);
	assert_int_equal(t->expects[0].port, 5432);
	assert_int_equal(t->expects[0].result, PROBE_OPEN);
	assert_int_equal(t->expects[1].result, PROBE_TIMEOUT);
	assert_int_equal(t->expects[3].proto, 1);
	assert_int_equal(t->expects[3].port, 0);
	assert_string_equal(t->expects[3].to, "203.0.113.10");
	topology_free(t);
	diags_free(&d);
}

static void test_rule_forms(void **state)
{
	struct diags d = { 0 };
	struct topology *t = parse(
		"{ \"name\": \"x\", \"vpcs\": [ { \"name\": \"app\", \"cidr\": \"10.0.0.0/16\","
		"  \"security_groups\": [ { \"name\": \"g\", \"ingress\": ["
		"    { \"proto\": \"udp\", \"ports\": \"all\", \"cidr\": \"0.0.0.0/0\" },"
		"    { \"proto\": \"6\", \"ports\": \"1000-2000\", \"cidr\": \"10.0.0.0/8\" },"
		"    { \"proto\": -1, \"ports\": \"80\", \"sg\": \"default\" },"
		"    { \"proto\": \"icmp\", \"icmp_type\": -1, \"icmp_code\": 0, \"cidr\": \"1.2.3.4/32\" },"
		"    { \"proto\": \"tcp\", \"ports\": 22, \"cidr\": \"10.1.2.3/16\" } ] } ] } ] }", &d);
	const struct sg_rule *r;

	assert_clean(t, &d);
	r = t->vpcs[0].security_groups[0].ingress;
	assert_int_equal(r[0].proto, 17);
	assert_int_equal(r[0].ports.lo, 0);
	assert_int_equal(r[0].ports.hi, 65535);
	assert_int_equal(r[1].proto, 6);
	assert_int_equal(r[1].ports.lo, 1000);
	assert_int_equal(r[1].ports.hi, 2000);
	assert_int_equal(r[2].proto, PROTO_ALL);
	assert_int_equal(r[2].ports.hi, 65535);               /* ignored for all */
	assert_int_equal(r[2].peer_sg, t->vpcs[0].default_sg);
	assert_int_equal(r[3].icmp_type, ICMP_ANY);
	assert_int_equal(r[3].icmp_code, 0);
	assert_int_equal(r[4].ports.lo, 22);
	/* Rule CIDRs are canonicalised, with a warning. */
	assert_int_equal(r[4].cidr.addr, IP(10, 1, 0, 0));
	assert_true(has_diag(&d, "vpcs[0].security_groups[0].ingress[4].cidr", "NonCanonicalCidr", true));
	topology_free(t);
	diags_free(&d);
}

/* Two peered VPCs: app (group g, "default" implicit) and shared (group
 * c with egress omitted). */
static const char sg_edit_topo[] =
	"{ \"name\": \"x\", \"vpcs\": ["
	"  { \"name\": \"app\", \"cidr\": \"10.0.0.0/16\","
	"    \"security_groups\": [ { \"name\": \"g\", \"ingress\": [ { \"proto\": \"tcp\", \"ports\": \"5432\", \"sg\": \"shared/c\" } ] } ] },"
	"  { \"name\": \"shared\", \"cidr\": \"10.1.0.0/16\","
	"    \"security_groups\": [ { \"name\": \"c\" } ] } ],"
	"  \"peerings\": [ { \"name\": \"p\", \"vpcs\": [ \"app\", \"shared\" ] } ] }";

static int rule(const struct topology *t, int vpc, const char *json, struct sg_rule *r,
		struct diags *d)
{
	return topology_parse_sg_rule(t, vpc, json, strlen(json), r, d);
}

static void test_parse_sg_rule(void **state)
{
	struct diags d = { 0 };
	struct topology *t = parse(sg_edit_topo, &d);
	struct sg_rule r, same;

	assert_clean(t, &d);
	/* A group of a peered VPC, the same rule as in the file. */
	assert_int_equal(rule(t, 0, "{\"proto\":\"tcp\",\"ports\":5432,\"sg\":\"shared/c\",\"description\":\"x\"}",
			      &r, &d), 0);
	assert_true(r.peer_is_sg);
	assert_int_equal(r.peer_vpc, 1);
	assert_int_equal(r.peer_sg, 0);
	assert_true(sg_rule_same(&r, &t->vpcs[0].security_groups[0].ingress[0]));
	assert_int_equal(rule(t, 0, "{\"proto\":\"tcp\",\"ports\":\"5433\",\"sg\":\"shared/c\"}", &same, &d), 0);
	assert_false(sg_rule_same(&r, &same));
	/* Ports do not count for proto all; a canonicalised CIDR matches. */
	assert_int_equal(rule(t, 0, "{\"proto\":\"all\",\"ports\":\"80\",\"cidr\":\"10.0.0.0/8\"}", &r, &d), 0);
	assert_int_equal(rule(t, 0, "{\"proto\":-1,\"cidr\":\"10.9.9.9/8\"}", &same, &d), 0);
	assert_true(sg_rule_same(&r, &same));
	assert_true(has_diag(&d, "$.cidr", "NonCanonicalCidr", true));
	assert_int_equal(d.n_errors, 0);
	/* Problems carry paths under $. */
	assert_int_equal(rule(t, 0, "{\"proto\":\"tcp\",\"ports\":\"x\",\"sg\":\"c\",\"foo\":1}", &r, &d), -1);
	assert_true(has_diag(&d, "$.ports", "InvalidParameterValue", false));
	assert_true(has_diag(&d, "$.foo", "UnknownKey", false));
	assert_true(has_diag(&d, "$.sg", "InvalidGroup.NotFound", false));
	assert_int_equal(rule(t, 0, "{\"proto\":", &r, &d), -1);
	assert_true(has_diag(&d, "$", "InvalidJson", false));
	assert_int_equal(rule(t, 0, "[]", &r, &d), -1);
	topology_free(t);
	diags_free(&d);
}

/* Edit, reparse, check the model: implicit rules written out, indices
 * kept, the implicit default group appended where the model has it. */
static void test_edit_sg_rules(void **state)
{
	struct diags d = { 0 };
	struct topology *t = parse(sg_edit_topo, &d), *t2;
	const struct security_group *g;
	char *text;

	assert_clean(t, &d);
	/* Revoke the implicit egress rule of shared/c. */
	text = topology_edit_sg_rules(sg_edit_topo, strlen(sg_edit_topo), t, 1, 0, false, NULL, 0);
	assert_non_null(text);
	t2 = parse(text, &d);
	assert_clean(t2, &d);
	g = &t2->vpcs[1].security_groups[0];
	assert_int_equal(g->n_egress, 0);
	assert_int_equal(g->n_ingress, 0);
	topology_free(t2);
	free(text);
	/* Authorize on the implicit default group of app. */
	text = topology_edit_sg_rules(sg_edit_topo, strlen(sg_edit_topo), t, 0,
				      t->vpcs[0].default_sg, true,
				      "{\"proto\":\"tcp\",\"ports\":\"22\",\"cidr\":\"10.0.0.0/8\"}", -1);
	assert_non_null(text);
	t2 = parse(text, &d);
	assert_clean(t2, &d);
	assert_int_equal(t2->vpcs[0].n_security_groups, t->vpcs[0].n_security_groups);
	assert_int_equal(t2->vpcs[0].default_sg, t->vpcs[0].default_sg);
	g = &t2->vpcs[0].security_groups[t2->vpcs[0].default_sg];
	assert_false(g->implicit);
	assert_int_equal(g->n_ingress, 2);
	assert_true(sg_rule_same(&g->ingress[0], &t->vpcs[0].security_groups[t->vpcs[0].default_sg].ingress[0]));
	assert_int_equal(g->ingress[1].proto, 6);
	assert_int_equal(g->n_egress, 1);
	assert_int_equal(g->egress[0].cidr.len, 0);
	topology_free(t2);
	free(text);
	/* A rule index that is not there. */
	assert_null(topology_edit_sg_rules(sg_edit_topo, strlen(sg_edit_topo), t, 0, 0, true, NULL, 1));
	topology_free(t);
	diags_free(&d);
}

/* Every line of the manifest: the file fails (or, for "warning:Code",
 * loads) and the expected diag is among those reported. */
static void test_invalid_table(void **state)
{
	char path[512], line[1024];
	FILE *f = fopen(data_path(path, sizeof(path), "invalid/cases.tsv"), "r");
	int cases = 0;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		char *file = strtok(line, "\t\n"), *jpath = strtok(NULL, "\t\n"), *code = strtok(NULL, "\t\n");
		bool warning = code && !strncmp(code, "warning:", 8);
		struct diags d = { 0 };
		struct topology *t;
		char rel[600];

		if (!file || file[0] == '#')
			continue;
		assert_non_null(code);
		if (warning)
			code += 8;
		snprintf(rel, sizeof(rel), "invalid/%s", file);
		t = load(rel, &d);
		if ((t != NULL) != warning || !has_diag(&d, jpath, code, warning)) {
			fprintf(stderr, "case %s: expected %s%s at %s; got:\n", file,
				warning ? "warning " : "", code, jpath);
			diags_print(&d, file, stderr);
			fail();
		}
		topology_free(t);
		diags_free(&d);
		cases++;
	}
	fclose(f);
	assert_true(cases >= 40);
}

static void test_many_problems_all_reported(void **state)
{
	struct diags d = { 0 };
	struct topology *t = parse(
		"{ \"name\": \"Bad\", \"regoin\": \"x\",\n"
		"  \"vpcs\": [ { \"name\": \"app\", \"cidr\": \"10.0.0.0/8\", \"subnets\": [\n"
		"    { \"name\": \"a\", \"cidr\": \"10.0.0.0/24\" }, { \"name\": \"a\", \"cidr\": \"10.0.0.0/25\" } ] },\n"
		"    { \"name\": \"b\", \"cidr\": \"10.1.0.0/16\", \"subnets\": [ { \"name\": \"s\", \"cidr\": \"10.1.0.0/24\" },\n"
		"      { \"name\": \"s2\", \"cidr\": \"10.1.0.0/25\" } ] } ],\n"
		"  \"functions\": [ { \"name\": \"f\", \"timeout_s\": 0, \"memory_mb\": 99999 } ],\n"
		"  \"expect\": [ { \"from\": \"f\", \"to\": \"nowhere\", \"port\": 1, \"result\": \"open\" } ] }", &d);

	assert_null(t);
	assert_true(has_diag(&d, "name", "InvalidParameterValue", false));
	assert_true(has_diag(&d, "regoin", "UnknownKey", false));
	assert_true(has_diag(&d, "vpcs[0].cidr", "InvalidVpc.Range", false));
	assert_true(has_diag(&d, "vpcs[0].subnets[1].name", "DuplicateName", false));
	assert_true(has_diag(&d, "vpcs[1].subnets[1].cidr", "InvalidSubnet.Conflict", false));
	assert_true(has_diag(&d, "functions[0].timeout_s", "InvalidParameterValueException", false));
	assert_true(has_diag(&d, "functions[0].memory_mb", "InvalidParameterValueException", false));
	assert_true(has_diag(&d, "expect[0].to", "InvalidNode.NotFound", false));
	assert_true(has_diag(&d, "vpcs[0].subnets[1].cidr", "InvalidSubnet.Conflict", false));
	assert_int_equal(d.n_errors, 9);
	diags_free(&d);
}

static void test_invalid_json_position(void **state)
{
	struct diags d = { 0 };
	struct topology *t = parse("{\n  \"name\": \"x\",\n  \"vpcs\": [ 1 2 ]\n}\n", &d);

	assert_null(t);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.items[0].code, "InvalidJson");
	assert_string_equal(d.items[0].path, "$");
	assert_non_null(strstr(d.items[0].message, "line 3, column 15"));
	diags_free(&d);
}

static void test_diags_print_format(void **state)
{
	struct diags d = { 0 };
	struct topology *t = parse(
		"{ \"name\": \"x\", \"vpcs\": [ { \"name\": \"app\", \"cidr\": \"10.0.0.0/16\","
		"  \"subnets\": [ { \"name\": \"a\", \"cidr\": \"10.1.0.0/24\" } ],"
		"  \"security_groups\": [ { \"name\": \"g\", \"ingress\": [ { \"proto\": \"all\", \"cidr\": \"10.0.0.1/16\" } ] } ] } ] }",
		&d);
	char *buf = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&buf, &size);

	assert_null(t);
	diags_print(&d, "demo.json", out);
	fclose(out);
	assert_string_equal(buf,
		"demo.json: vpcs[0].subnets[0].cidr: InvalidSubnet.Range: The CIDR '10.1.0.0/24' is invalid (outside VPC app 10.0.0.0/16)\n"
		"demo.json: vpcs[0].security_groups[0].ingress[0].cidr: warning: NonCanonicalCidr: The CIDR '10.0.0.1/16' has host bits set; it is used as '10.0.0.0/16'\n");
	free(buf);
	diags_free(&d);
}

/* User text in messages cannot break the one-line-per-problem output. */
static void test_messages_single_line(void **state)
{
	struct diags d = { 0 };
	struct topology *t = parse("{ \"name\": \"x\\ny\", \"a\\nb\": 1 }", &d);

	assert_null(t);
	for (int i = 0; i < d.n; i++) {
		assert_null(strchr(d.items[i].message, '\n'));
		assert_null(strchr(d.items[i].path, '\n'));
	}
	diags_free(&d);
}

/* Keys are case-sensitive: a miscased section is one unknown key, not
 * also a broken section. */
static void test_key_case(void **state)
{
	struct diags d = { 0 };
	struct topology *t = parse("{ \"name\": \"x\", \"Lambda\": { \"eni_mode\": \"nope\" } }", &d);

	assert_null(t);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.items[0].code, "UnknownKey");
	assert_non_null(strstr(d.items[0].message, "did you mean 'lambda'"));
	diags_free(&d);
}

static void test_unreadable_file(void **state)
{
	struct diags d = { 0 };

	assert_null(topology_load("/nonexistent/vpcsim.json", &d));
	assert_int_equal(d.n_errors, 1);
	assert_string_equal(d.items[0].code, "FileNotReadable");
	diags_free(&d);
}

static void test_strings(void **state)
{
	char buf[8];

	assert_string_equal(proto_str(6, buf), "tcp");
	assert_string_equal(proto_str(17, buf), "udp");
	assert_string_equal(proto_str(1, buf), "icmp");
	assert_string_equal(proto_str(PROTO_ALL, buf), "all");
	assert_string_equal(proto_str(47, buf), "47");
	assert_string_equal(resource_kind_str(RES_RDS_PROXY), "rds-proxy");
	assert_string_equal(resource_kind_str(RES_GENERIC), "generic");
	assert_string_equal(probe_result_str(PROBE_REFUSED), "refused");
	assert_string_equal(probe_result_str(PROBE_TIMEOUT), "timeout");
}

/* A growing JSON text. */
struct buf {
	char *s;
	size_t n, cap;
};

__attribute__((format(printf, 2, 3)))
static void put(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->cap - b->n < 256) {
		b->cap = b->cap ? 2 * b->cap : 1 << 16;
		b->s = realloc(b->s, b->cap);
		assert_non_null(b->s);
	}
	va_start(ap, fmt);
	n = vsnprintf(b->s + b->n, b->cap - b->n, fmt, ap);
	va_end(ap);
	assert_true(n >= 0 && (size_t)n < b->cap - b->n);
	b->n += (size_t)n;
}

static int count_code(const struct diags *d, const char *code)
{
	int n = 0;

	for (int i = 0; i < d->n; i++)
		n += !strcmp(d->items[i].code, code);
	return n;
}

/* 60,000 keys in one object (unknown ones, then repeats of one key): every
 * one reported, in time linear in the keys (it took 6 s to 18 s when
 * duplicates were found by scanning all earlier keys). No time is asserted;
 * a quadratic check would make this test crawl. */
static void test_huge_object_linear(void **state)
{
	struct buf b = { 0 };
	struct diags d = { 0 };
	struct topology *t;

	put(&b, "{ \"name\": \"big\"");
	for (int i = 0; i < 60000; i++)
		put(&b, ", \"k%d\": %d", i, i);
	put(&b, " }");
	t = topology_parse("big.json", b.s, b.n, &d);
	assert_null(t);
	assert_int_equal(count_code(&d, "UnknownKey"), 60000);
	diags_free(&d);
	b.n = 0;
	put(&b, "{ \"name\": \"big\"");
	for (int i = 0; i < 60000; i++)
		put(&b, ", \"name\": \"big\"");
	put(&b, " }");
	t = topology_parse("big.json", b.s, b.n, &d);
	assert_null(t);
	assert_int_equal(count_code(&d, "DuplicateKey"), 60000);
	diags_free(&d);
	free(b.s);
}

/* Map and layout limits are validation errors with their paths. */
static void test_id_space_limits(void **state)
{
	struct buf b = { 0 };
	struct diags d = { 0 };
	struct topology *t;

	/* 4096 VPCs, each with its default NACL: one more than the ids. */
	put(&b, "{ \"name\": \"big\", \"vpcs\": [");
	for (int i = 0; i < 4096; i++)
		put(&b, "%s{ \"name\": \"v%d\", \"cidr\": \"10.%d.%d.0/24\" }", i ? ", " : "",
		    i, i / 256, i % 256);
	put(&b, "] }");
	t = topology_parse("big.json", b.s, b.n, &d);
	assert_null(t);
	assert_true(has_diag(&d, "vpcs[4095].network_acls", "NetworkAclLimitExceeded", false));
	diags_free(&d);
	/* 900 router links (Lambda egress + 899 gateways + peerings) fill
	 * 100..999; one more peering would take ENI ifindex 1000. */
	b.n = 0;
	put(&b, "{ \"name\": \"big\", \"vpcs\": [");
	for (int i = 0; i < 899; i++)
		put(&b, "%s{ \"name\": \"v%d\", \"cidr\": \"10.%d.%d.0/24\", \"internet_gateway\": true }",
		    i ? ", " : "", i, i / 256, i % 256);
	put(&b, "], \"peerings\": [ { \"name\": \"p\", \"vpcs\": [ \"v0\", \"v1\" ] } ] }");
	t = topology_parse("big.json", b.s, b.n, &d);
	assert_null(t);
	assert_true(has_diag(&d, "peerings[0]", "VpcPeeringConnectionLimitExceeded", false));
	diags_free(&d);
	/* 65535 groups and the default one: past the 16-bit group ids. */
	b.n = 0;
	put(&b, "{ \"name\": \"big\", \"vpcs\": [ { \"name\": \"v\", \"cidr\": \"10.0.0.0/16\", "
	    "\"security_groups\": [");
	for (int i = 0; i < 65535; i++)
		put(&b, "%s{ \"name\": \"g%d\" }", i ? ", " : "", i);
	put(&b, "] } ] }");
	t = topology_parse("big.json", b.s, b.n, &d);
	assert_null(t);
	assert_true(has_diag(&d, "vpcs[0].security_groups", "SecurityGroupLimitExceeded", false));
	diags_free(&d);
	free(b.s);
}

/* More ENIs in one VPC than its enis map holds: refused by the layout,
 * which `validate` runs, with the VPC's path. */
static void test_eni_limit(void **state)
{
	struct buf b = { 0 };
	struct diags d = { 0 };
	struct topology *t;
	struct layout L;

	put(&b, "{ \"name\": \"big\", \"vpcs\": [ { \"name\": \"v\", \"cidr\": \"10.0.0.0/16\", "
	    "\"subnets\": [ { \"name\": \"s\", \"cidr\": \"10.0.0.0/16\" } ] } ], \"resources\": [");
	for (int i = 0; i <= DP_ENIS_MAX; i++)
		put(&b, "%s{ \"name\": \"r%d\", \"subnet\": \"s\" }", i ? ", " : "", i);
	put(&b, "] }");
	t = topology_parse("big.json", b.s, b.n, &d);
	assert_non_null(t);
	assert_int_equal(layout_build(t, &L, &d), -1);
	assert_true(has_diag(&d, "vpcs[0]", "NetworkInterfaceLimitExceeded", false));
	layout_free(&L);
	topology_free(t);
	diags_free(&d);
	free(b.s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_minimal_defaults),
		cmocka_unit_test(test_vpc_implicit_objects),
		cmocka_unit_test(test_valid_demo),
		cmocka_unit_test(test_rule_forms),
		cmocka_unit_test(test_parse_sg_rule),
		cmocka_unit_test(test_edit_sg_rules),
		cmocka_unit_test(test_invalid_table),
		cmocka_unit_test(test_many_problems_all_reported),
		cmocka_unit_test(test_invalid_json_position),
		cmocka_unit_test(test_diags_print_format),
		cmocka_unit_test(test_messages_single_line),
		cmocka_unit_test(test_key_case),
		cmocka_unit_test(test_unreadable_file),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_huge_object_linear),
		cmocka_unit_test(test_id_space_limits),
		cmocka_unit_test(test_eni_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
