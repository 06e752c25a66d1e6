/* The DOT picture (model/graph.c): clusters, ENIs, routes, and the hook
 * that colours reachability edges by result. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "model/graph.h"
#include "model/layout.h"

static const char *json =
	"{ \"name\": \"gr\","
	"  \"internet\": { \"hosts\": [ { \"name\": \"api\", \"ip\": \"203.0.113.10\" } ] },"
	"  \"vpcs\": [ { \"name\": \"app\", \"cidr\": \"10.0.0.0/16\", \"internet_gateway\": true,"
	"    \"subnets\": ["
	"      { \"name\": \"pub\", \"cidr\": \"10.0.0.0/24\", \"route_table\": \"public\" },"
	"      { \"name\": \"priv\", \"cidr\": \"10.0.1.0/24\", \"route_table\": \"private\" } ],"
	"    \"route_tables\": ["
	"      { \"name\": \"public\", \"routes\": [ { \"destination\": \"0.0.0.0/0\", \"target\": \"igw\" } ] },"
	"      { \"name\": \"private\", \"routes\": [ { \"destination\": \"0.0.0.0/0\", \"target\": \"nat:nat-a\" },"
	"                                          { \"destination\": \"192.168.0.0/16\", \"target\": \"blackhole\" } ] } ],"
	"    \"nat_gateways\": [ { \"name\": \"nat-a\", \"subnet\": \"pub\" } ],"
	"    \"security_groups\": [ { \"name\": \"lambda\" } ] } ],"
	"  \"resources\": [ { \"name\": \"db\", \"kind\": \"rds\", \"subnet\": \"priv\", \"ip\": \"10.0.1.10\" } ],"
	"  \"functions\": ["
	"    { \"name\": \"reader\", \"vpc_config\": { \"subnets\": [\"priv\"], \"security_groups\": [\"lambda\"] } },"
	"    { \"name\": \"plain\" } ],"
	"  \"expect\": [ { \"from\": \"reader\", \"to\": \"db\", \"port\": 5432, \"result\": \"open\" },"
	"              { \"from\": \"plain\", \"to\": \"db\", \"port\": 5432, \"result\": \"timeout\" } ] }";

/* The DOT text of `json` with the given edges (NULL: its expectations). */
static char *dot_of(const struct graph_edge *edges, int n)
{
	struct diags d = { 0 };
	struct topology *t = topology_parse("g.json", json, strlen(json), &d);
	struct layout L;
	struct graph_edge *ex = NULL;
	char *buf = NULL;
	size_t len = 0;
	FILE *o;

	assert_non_null(t);
	assert_int_equal(layout_build(t, &L, &d), 0);
	if (!edges)
		edges = ex = graph_expect_edges(t, &n);
	o = open_memstream(&buf, &len);
	assert_int_equal(graph_write_dot(&L, edges, n, o), 0);
	fclose(o);
	free(ex);
	layout_free(&L);
	topology_free(t);
	diags_free(&d);
	return buf;
}

static int count(const char *hay, const char *needle)
{
	int n = 0;

	for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

static void test_clusters_and_nodes(void **state)
{
	char *dot = dot_of(NULL, 0);

	assert_int_equal(count(dot, "subgraph cluster_vpc_"), 1);
	assert_int_equal(count(dot, "subgraph cluster_subnet_"), 2);
	assert_int_equal(count(dot, "subgraph cluster_internet"), 1);
	assert_int_equal(count(dot, "subgraph cluster_lambda"), 1);
	assert_non_null(strstr(dot, "\"res:db\" [shape=cylinder"));
	assert_non_null(strstr(dot, "\"host:api\" ["));
	assert_non_null(strstr(dot, "\"fn:plain\" ["));
	assert_non_null(strstr(dot, "\"nat:app/nat-a\" ["));
	assert_non_null(strstr(dot, "\"igw:app\" ["));
	/* the VPC function reaches its subnet through a hyperplane ENI */
	assert_non_null(strstr(dot, "\"fn:reader\" -> \"hpl:"));
	free(dot);
}

static void test_routes(void **state)
{
	char *dot = dot_of(NULL, 0);

	assert_non_null(strstr(dot, "\"sn:pub\" -> \"igw:app\" [ltail=cluster_subnet_0_0"));
	assert_non_null(strstr(dot, "\"sn:priv\" -> \"nat:app/nat-a\""));
	assert_non_null(strstr(dot, "\"sn:priv\" -> \"bh:app\""));
	assert_non_null(strstr(dot, "\"bh:app\" [shape=octagon"));
	free(dot);
}

static void test_expect_edges_coloured(void **state)
{
	char *dot = dot_of(NULL, 0);

	assert_non_null(strstr(dot, "\"fn:reader\" -> \"res:db\" [color=green3"));
	assert_non_null(strstr(dot, "\"fn:plain\" -> \"res:db\" [color=red3"));
	assert_non_null(strstr(dot, "label=\"tcp/5432 open\""));
	free(dot);
}

/* The hook reach --matrix uses: any list of facts, addresses resolved to
 * the node that holds them, unknown addresses drawn on their own. */
static void test_edges_hook(void **state)
{
	const struct graph_edge e[] = {
		{ "reader", "10.0.1.10", 5432, 6, PROBE_REFUSED },
		{ "api", "198.51.100.200", 0, 1, PROBE_TIMEOUT },
	};
	char *dot = dot_of(e, 2);

	assert_non_null(strstr(dot, "\"fn:reader\" -> \"res:db\" [color=orange"));
	assert_non_null(strstr(dot, "\"addr:198.51.100.200\" [shape=plaintext"));
	assert_non_null(strstr(dot, "\"host:api\" -> \"addr:198.51.100.200\" [color=red3"));
	assert_non_null(strstr(dot, "label=\"icmp timeout\""));
	assert_int_equal(count(dot, "constraint=false"), 2);
	free(dot);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clusters_and_nodes),
		cmocka_unit_test(test_routes),
		cmocka_unit_test(test_expect_edges_coloured),
		cmocka_unit_test(test_edges_hook),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
