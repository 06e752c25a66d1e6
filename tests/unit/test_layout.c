/* Layout (addresses, names, ENI ids) and planner, on parsed topologies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "model/hosts.h"
#include "model/layout.h"
#include "model/plan.h"

static const char *base_json =
	"{ \"name\": \"lt\","
	"  \"internet\": { \"hosts\": [ { \"name\": \"api\", \"ip\": \"203.0.113.10\" } ] },"
	"  \"vpcs\": [ { \"name\": \"app\", \"cidr\": \"10.0.0.0/16\", \"internet_gateway\": true,"
	"    \"subnets\": ["
	"      { \"name\": \"pub\", \"cidr\": \"10.0.0.0/24\", \"route_table\": \"public\" },"
	"      { \"name\": \"priv\", \"cidr\": \"10.0.1.0/28\", \"route_table\": \"private\" } ],"
	"    \"route_tables\": ["
	"      { \"name\": \"public\", \"routes\": [ { \"destination\": \"0.0.0.0/0\", \"target\": \"igw\" } ] },"
	"      { \"name\": \"private\", \"routes\": [ { \"destination\": \"0.0.0.0/0\", \"target\": \"nat:nat-a\" } ] } ],"
	"    \"nat_gateways\": [ { \"name\": \"nat-a\", \"subnet\": \"pub\" } ],"
	"    \"security_groups\": [ { \"name\": \"lambda\" } ] } ],"
	"  \"resources\": ["
	"    { \"name\": \"db\", \"subnet\": \"priv\", \"ip\": \"10.0.1.4\" },"
	"    { \"name\": \"db2\", \"subnet\": \"priv\" },"
	"    { \"name\": \"web\", \"subnet\": \"pub\", \"public_ip\": \"auto\" } ],"
	"  \"functions\": ["
	"    { \"name\": \"reader\", \"vpc_config\": { \"subnets\": [\"priv\"], \"security_groups\": [\"lambda\"] } },"
	"    { \"name\": \"reader2\", \"vpc_config\": { \"subnets\": [\"priv\"], \"security_groups\": [\"lambda\"] } },"
	"    { \"name\": \"plain\" } ] }";

struct fixture {
	struct topology *t;
	struct layout L;
	struct diags d;
};

static struct topology *parse(const char *json, struct diags *d)
{
	return topology_parse("test.json", json, strlen(json), d);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	f->t = parse(base_json, &f->d);
	if (!f->t) {
		diags_print(&f->d, "test.json", stderr);
		return -1;
	}
	if (layout_build(f->t, &f->L, &f->d) < 0) {
		diags_print(&f->d, "test.json", stderr);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	layout_free(&f->L);
	topology_free(f->t);
	diags_free(&f->d);
	free(f);
	return 0;
}

static const struct attachment *att_of(const struct fixture *f, const char *name)
{
	int n = layout_find_node(&f->L, name);

	assert_true(n >= 0);
	return &f->L.atts[f->L.nodes[n].att];
}

/* The hyperplane ENI that reader (and reader2) share. */
static const struct attachment *hpl_att(const struct fixture *f)
{
	assert_int_equal(f->L.n_hpls, 1);
	return &f->L.atts[f->L.nodes[f->L.hpls[0].node].att];
}

static void ip_is(uint32_t ip, const char *want)
{
	char buf[IP4_STRLEN];

	assert_string_equal(ip4_str(ip, buf), want);
}

static void test_addresses(void **state)
{
	struct fixture *f = *state;

	/* The NAT gateway comes first (its VPC comes first in the file) and
	 * takes the lowest usable address of pub: +4. */
	ip_is(f->L.atts[f->L.nodes[f->L.nat_node[0][0]].att].ip, "10.0.0.4");
	ip_is(att_of(f, "db")->ip, "10.0.1.4");       /* fixed */
	ip_is(att_of(f, "db2")->ip, "10.0.1.5");      /* lowest free after the fixed one */
	ip_is(att_of(f, "web")->ip, "10.0.0.5");
	ip_is(hpl_att(f)->ip, "10.0.1.6");            /* reader's hyperplane ENI */
	ip_is(hpl_att(f)->gateway, "10.0.1.1");
	assert_int_equal(hpl_att(f)->prefix, 28);
	/* Functions are no nodes: their environments come at invoke. */
	assert_int_equal(layout_find_node(&f->L, "reader"), -1);
	assert_int_equal(layout_find_node(&f->L, "plain"), -1);
	ip_is(att_of(f, "api")->ip, "203.0.113.10");
}

static void test_public_addresses(void **state)
{
	struct fixture *f = *state;

	ip_is(f->L.atts[f->L.nodes[f->L.nat_node[0][0]].att].public_ip, "198.51.100.1");
	ip_is(att_of(f, "web")->public_ip, "198.51.100.2");
	assert_int_equal(att_of(f, "db")->public_ip, 0);
	assert_int_equal(hpl_att(f)->public_ip, 0);
	ip_is(f->L.lambda_egress_ip, "198.51.100.3");
}

static void test_eni_ids(void **state)
{
	struct fixture *f = *state;
	const struct attachment *db = att_of(f, "db");
	char again[ENI_ID_LEN];

	assert_int_equal(strlen(db->eni_id), 21);
	assert_memory_equal(db->eni_id, "eni-", 4);
	for (int i = 4; i < 21; i++)
		assert_non_null(strchr("0123456789abcdef", db->eni_id[i]));
	eni_id_make("lt", "app/priv/resource/db", again);
	assert_string_equal(db->eni_id, again);
	assert_string_not_equal(db->eni_id, att_of(f, "db2")->eni_id);
	/* Another topology name gives other ids. */
	eni_id_make("lt2", "app/priv/resource/db", again);
	assert_string_not_equal(db->eni_id, again);
	/* Outside VPCs there is no ENI. */
	assert_string_equal(att_of(f, "api")->eni_id, "");
}

static void test_names(void **state)
{
	struct fixture *f = *state;

	assert_string_equal(f->L.routers[f->L.vpc_router[0]].netns, "vpcsim-lt.vpc.app");
	assert_string_equal(f->L.routers[f->L.inet].netns, "vpcsim-lt.inet");
	assert_string_equal(f->L.nodes[layout_find_node(&f->L, "db")].netns, "vpcsim-lt.res.db");
	assert_string_equal(f->L.nodes[f->L.hpls[0].node].netns, "vpcsim-lt.hpl.app.priv.0");
	assert_string_equal(f->L.nodes[f->L.nat_node[0][0]].netns, "vpcsim-lt.nat.app.nat-a");
	assert_string_equal(att_of(f, "db")->ifname, "e1");
	assert_int_equal(att_of(f, "db")->ifindex, IFINDEX_ATT_BASE + 1);
}

/* One hyperplane ENI per (subnet, group set), shared; none in
 * per-sandbox mode. */
static void test_hyperplane_shared(void **state)
{
	struct fixture *f = *state;
	struct diags d = { 0 };
	struct layout L;
	struct topology *t;
	char json[8192];
	const char *mode = strstr(base_json, "\"internet\"");

	assert_int_equal(f->L.n_hpls, 1);
	assert_string_equal(f->L.hpls[0].functions, "reader,reader2");
	assert_string_equal(f->L.hpls[0].name, "hpl-priv-0");
	assert_int_equal(layout_fn_hyperplane(&f->L, 0, 0), 0);
	assert_int_equal(layout_fn_hyperplane(&f->L, 1, 0), 0);
	assert_int_equal(layout_fn_hyperplane(&f->L, 2, 0), -1);
	assert_string_equal(f->L.nodes[f->L.hpls[0].node].name, "hpl-priv-0");

	snprintf(json, sizeof(json), "{ \"name\": \"lt\", \"lambda\": { \"eni_mode\": \"per-sandbox\" }, %s",
		 mode);
	t = parse(json, &d);
	assert_non_null(t);
	assert_int_equal(layout_build(t, &L, &d), 0);
	assert_int_equal(L.n_hpls, 0);
	assert_int_equal(layout_fn_hyperplane(&L, 0, 0), -1);
	layout_free(&L);
	topology_free(t);
	diags_free(&d);
}

static void test_split_horizon(void **state)
{
	struct fixture *f = *state;
	int web = layout_find_node(&f->L, "web"), db = layout_find_node(&f->L, "db");

	ip_is(layout_resolve_vpc(&f->L, 0, web), "10.0.0.5");       /* reader */
	ip_is(layout_resolve(&f->L, layout_find_node(&f->L, "api"), web), "198.51.100.2");
	ip_is(layout_resolve_vpc(&f->L, -1, web), "198.51.100.2");  /* plain */
	/* No public address: the private one, which the asker cannot reach. */
	ip_is(layout_resolve_vpc(&f->L, -1, db), "10.0.1.4");

	char *hosts = hosts_render(&f->L, layout_find_node(&f->L, "api"));

	assert_non_null(strstr(hosts, "198.51.100.2\tweb\n"));
	assert_non_null(strstr(hosts, "10.0.1.4\tdb\n"));
	assert_null(strstr(hosts, "nat-a"));
	free(hosts);
}

static void test_subnet_exhaustion(void **state)
{
	/* A /28 has 11 usable addresses. */
	char json[8192];
	struct diags d = { 0 };
	struct topology *t;
	struct layout L;
	int n = snprintf(json, sizeof(json),
			 "{ \"name\": \"full\", \"vpcs\": [ { \"name\": \"v\", \"cidr\": \"10.0.0.0/16\","
			 " \"subnets\": [ { \"name\": \"s\", \"cidr\": \"10.0.0.0/28\" } ] } ], \"resources\": [");

	(void)state;
	for (int i = 0; i < 12; i++)
		n += snprintf(json + n, sizeof(json) - (size_t)n, "%s{ \"name\": \"r%d\", \"subnet\": \"s\" }",
			      i ? "," : "", i);
	snprintf(json + n, sizeof(json) - (size_t)n, "] }");
	t = parse(json, &d);
	assert_non_null(t);
	assert_int_equal(layout_build(t, &L, &d), -1);
	assert_int_equal(d.n_errors, 1);
	assert_string_equal(d.items[0].code, "InsufficientFreeAddressesInSubnet");
	assert_string_equal(d.items[0].path, "resources[11]");
	layout_free(&L);
	topology_free(t);
	diags_free(&d);
}

static int count_steps(const struct plan *P, enum step_op op)
{
	int n = 0;

	for (int i = 0; i < P->n; i++)
		n += P->steps[i].op == op;
	return n;
}

static const struct step *find_route(const struct plan *P, uint32_t table, const char *dst)
{
	char buf[CIDR_STRLEN];

	for (int i = 0; i < P->n; i++)
		if (P->steps[i].op == STEP_ROUTE && P->steps[i].route.table == table &&
		    strcmp(cidr_str(P->steps[i].route.dst, buf), dst) == 0)
			return &P->steps[i];
	return NULL;
}

static void test_plan(void **state)
{
	struct fixture *f = *state;
	const struct step *s;
	struct plan P;
	int nat_att = f->L.nodes[f->L.nat_node[0][0]].att;

	assert_int_equal(plan_build(&f->L, &P), 0);
	assert_int_equal(count_steps(&P, STEP_ROUTER), 3);   /* inet, lambda, app */
	assert_int_equal(count_steps(&P, STEP_NODE), f->L.n_nodes);
	assert_int_equal(count_steps(&P, STEP_ATTACH), f->L.n_nodes);
	/* local, 169.254.169.253 to main (docs/DNS.md), one per subnet */
	assert_int_equal(count_steps(&P, STEP_RULE), 1 + 1 + 2);
	/* a resolver for app, the Lambda service VPC and the internet */
	assert_int_equal(count_steps(&P, STEP_RESOLVER), 3);
	assert_int_equal(count_steps(&P, STEP_HOSTS), f->L.n_nodes - 1); /* not the NAT gateway */
	/* igw, NAT gateway, Lambda egress, hyperplane */
	assert_int_equal(count_steps(&P, STEP_NAT), 4);
	/* public: default via the internet link; private: via the NAT ENI. */
	s = find_route(&P, TABLE_BASE + 0, "0.0.0.0/0");
	assert_non_null(s);
	assert_int_equal(s->route.kind, ROUTE_UNICAST);
	assert_int_equal(s->route.oif, f->L.links[f->L.vpc_igw[0]].ifindex[0]);
	s = find_route(&P, TABLE_BASE + 1, "0.0.0.0/0");
	assert_non_null(s);
	assert_int_equal(s->route.oif, f->L.atts[nat_att].ifindex);
	assert_int_equal(s->route.gateway, f->L.atts[nat_att].ip);
	assert_true(s->route.onlink);
	/* The main table drops what no ENI owns, silently. */
	s = find_route(&P, 254, "10.0.0.0/16");
	assert_non_null(s);
	assert_int_equal(s->route.kind, ROUTE_BLACKHOLE);
	/* The implicit main route table has only the local route: blackhole default. */
	s = find_route(&P, TABLE_BASE + (uint32_t)f->t->vpcs[0].main_table, "0.0.0.0/0");
	assert_non_null(s);
	assert_int_equal(s->route.kind, ROUTE_BLACKHOLE);
	/* Every route referencing an ENI comes after the step that makes it. */
	for (int i = 0; i < P.n; i++) {
		if (P.steps[i].op != STEP_ROUTE || P.steps[i].route.oif != f->L.atts[nat_att].ifindex)
			continue;
		for (int k = i; k < P.n; k++)
			assert_false(P.steps[k].op == STEP_ATTACH && P.steps[k].ref == nat_att);
	}
	plan_free(&P);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addresses),
		cmocka_unit_test(test_public_addresses),
		cmocka_unit_test(test_eni_ids),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_hyperplane_shared),
		cmocka_unit_test(test_split_horizon),
		cmocka_unit_test(test_plan),
	};
	const struct CMUnitTest alone[] = {
		cmocka_unit_test(test_subnet_exhaustion),
	};

	return cmocka_run_group_tests_name("layout", tests, setup, teardown) |
	       cmocka_run_group_tests_name("layout-alone", alone, NULL, NULL);
}
