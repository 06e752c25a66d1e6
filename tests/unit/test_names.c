/* Namespace names and their owners (names.h): the owner is the exact text
 * between "vpcsim-" and the first '.', and no two objects, of one topology
 * or of two, share a name. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "model/layout.h"
#include "model/names.h"

static void test_owner(void **state)
{
	char o[TOPO_NAME_MAX_LEN + 1];

	assert_true(ns_owner("vpcsim-a-b.vpc.app", o));
	assert_string_equal(o, "a-b");
	assert_true(ns_owned_by("vpcsim-a-b.vpc.app", "a-b"));
	/* a prefix of the owner is not the owner, nor is a longer name */
	assert_false(ns_owned_by("vpcsim-a-b.vpc.app", "a"));
	assert_false(ns_owned_by("vpcsim-a-b.vpc.app", "a-b-c"));
	assert_false(ns_owned_by("vpcsim-a.vpc.app", "a-b"));
	/* old-scheme and foreign names belong to no topology, only to clean */
	assert_false(ns_owner("vpcsim-a-vpc-app", o));
	assert_false(ns_owned_by("vpcsim-a-vpc-app", "a"));
	assert_true(ns_owned_by("vpcsim-a-vpc-app", NULL));
	assert_false(ns_owned_by("other.vpc.x", NULL));
	assert_false(ns_owner("vpcsim-.vpc.x", o));
	assert_false(ns_owner("vpcsim-a.", o));
	assert_false(ns_owner("vpcsim-A.vpc.x", o));
	assert_false(ns_owner("vpcsim-abcdefghijklm.vpc.x", o)); /* 13 > 12 */
	assert_true(ns_owner("vpcsim-abcdefghijkl.vpc.x", o));
}

static void test_name_parts(void **state)
{
	char out[NS_NAME_MAX], small[12];

	assert_int_equal(ns_name(out, sizeof(out), "t", "nat", "a-b", "c", NULL), 18);
	assert_string_equal(out, "vpcsim-t.nat.a-b.c");
	ns_name(out, sizeof(out), "t", "inet", NULL, NULL, NULL);
	assert_string_equal(out, "vpcsim-t.inet");
	assert_int_equal(ns_name(small, sizeof(small), "t", "nat", "a-b", "c", NULL), -1);
}

struct names {
	char (*v)[NS_NAME_MAX];
	int n;
};

/* Every namespace name of a topology's layout, checked to be owned by it. */
static void collect(const char *json, struct names *out)
{
	struct diags d = { 0 };
	struct topology *t = topology_parse("n.json", json, strlen(json), &d);
	struct layout L;
	char o[TOPO_NAME_MAX_LEN + 1];

	if (!t)
		diags_print(&d, "n.json", stderr);
	assert_non_null(t);
	assert_int_equal(layout_build(t, &L, &d), 0);
	out->v = realloc(out->v, (size_t)(out->n + L.n_routers + L.n_nodes) * sizeof(*out->v));
	for (int i = 0; i < L.n_routers + L.n_nodes; i++) {
		const char *ns = i < L.n_routers ? L.routers[i].netns : L.nodes[i - L.n_routers].netns;

		assert_true(ns_owner(ns, o));
		assert_string_equal(o, t->name);
		snprintf(out->v[out->n++], NS_NAME_MAX, "%s", ns);
	}
	layout_free(&L);
	topology_free(t);
	diags_free(&d);
}

static void assert_all_distinct(const struct names *s)
{
	for (int i = 0; i < s->n; i++)
		for (int j = i + 1; j < s->n; j++)
			if (!strcmp(s->v[i], s->v[j]))
				fail_msg("two objects share the namespace name %s", s->v[i]);
}

#define NAT_VPC(v, nat, cidr) \
	"{ \"name\": \"" v "\", \"cidr\": \"" cidr "\", \"internet_gateway\": true," \
	"  \"subnets\": [ { \"name\": \"s" v "\", \"cidr\": \"" cidr "\", \"route_table\": \"pub\" } ]," \
	"  \"route_tables\": [ { \"name\": \"pub\", \"routes\": [" \
	"    { \"destination\": \"0.0.0.0/0\", \"target\": \"igw\" } ] } ]," \
	"  \"nat_gateways\": [ { \"name\": \"" nat "\", \"subnet\": \"s" v "\" } ] }"

/* VPC a-b with NAT c and VPC a with NAT b-c: vpcsim-t-nat-a-b-c twice
 * in the old scheme. */
static void test_nat_collision(void **state)
{
	struct names s = { 0 };

	collect("{ \"name\": \"t\", \"vpcs\": [ " NAT_VPC("a-b", "c", "10.0.0.0/24") ", "
		NAT_VPC("a", "b-c", "10.1.0.0/24") " ] }", &s);
	assert_all_distinct(&s);
	free(s.v);
}

/* Topology t with a resource named inet, and topology t-res's internet
 * router: vpcsim-t-res-inet twice in the old scheme. */
static void test_cross_topology_collision(void **state)
{
	struct names s = { 0 };

	collect("{ \"name\": \"t\", \"vpcs\": [ { \"name\": \"v\", \"cidr\": \"10.0.0.0/24\","
		"  \"subnets\": [ { \"name\": \"s\", \"cidr\": \"10.0.0.0/24\" } ] } ],"
		"  \"resources\": [ { \"name\": \"inet\", \"subnet\": \"s\" },"
		"                   { \"name\": \"lambda\", \"subnet\": \"s\" } ] }", &s);
	collect("{ \"name\": \"t-res\", \"vpcs\": [ { \"name\": \"inet\", \"cidr\": \"10.0.0.0/24\" } ] }", &s);
	collect("{ \"name\": \"t-vpc\", \"vpcs\": [ { \"name\": \"v\", \"cidr\": \"10.0.0.0/24\" } ] }", &s);
	assert_all_distinct(&s);
	free(s.v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_owner),
		cmocka_unit_test(test_name_parts),
		cmocka_unit_test(test_nat_collision),
		cmocka_unit_test(test_cross_topology_collision),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
