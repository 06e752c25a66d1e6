/* The reach analysis without the kernel: every explanation code on the
 * topology built to show them (tests/integration/data/reach.json, which
 * t_reach.sh also brings up and probes), and the demo's expectations.
 * Paths are relative to the repository root or $VPCSIM_SRCDIR. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "model/cloudfront.h"
#include "model/reach.h"

struct fixture {
	struct topology *t;
	struct layout L;
	struct policy pol;
};

static int setup_file(void **state, const char *rel)
{
	struct fixture *f = calloc(1, sizeof(*f));
	const char *root = getenv("VPCSIM_SRCDIR");
	struct diags d = { 0 };
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", root ? root : ".", rel);
	f->t = topology_load(path, &d);
	if (!f->t || layout_build(f->t, &f->L, &d) < 0 || reach_policy_compile(&f->L, &f->pol) < 0)
		fail_msg("loading %s: %s", path, d.n ? d.items[0].message : "?");
	diags_free(&d);
	*state = f;
	return 0;
}

static int setup_codes(void **state)
{
	return setup_file(state, "tests/integration/data/reach.json");
}

static int setup_demo(void **state)
{
	return setup_file(state, "examples/demo.json");
}

static int setup_peering(void **state)
{
	return setup_file(state, "examples/peering.json");
}

static int setup_lambda_vpc(void **state) { return setup_file(state, "examples/lambda-vpc.json"); }
static int setup_nat(void **state) { return setup_file(state, "examples/nat-gateway.json"); }
static int setup_nacl(void **state) { return setup_file(state, "examples/nacl-ephemeral-ports.json"); }
static int setup_hyperplane(void **state) { return setup_file(state, "examples/hyperplane-vs-per-sandbox.json"); }
static int setup_limits(void **state) { return setup_file(state, "examples/limits.json"); }
static int setup_rds(void **state) { return setup_file(state, "examples/rds-proxy.json"); }

static int setup_edge(void **state) { return setup_file(state, "examples/edge.json"); }

static int teardown(void **state)
{
	struct fixture *f = *state;

	policy_free(&f->pol);
	layout_free(&f->L);
	topology_free(f->t);
	free(f);
	return 0;
}

static void expect(struct fixture *f, const char *from, const char *to, uint8_t proto,
		   uint16_t port, enum probe_result want, enum reach_code code)
{
	struct reach_query q = { from, to, proto, port, 0 };
	struct reach_result r;

	assert_int_equal(reach_analyze(&f->L, &f->pol, &q, &r), 0);
	if (r.verdict != want || r.code != code)
		fail_msg("%s -> %s %u: %s %s, want %s %s (%s)", from, to, port,
			 probe_result_str(r.verdict), reach_code_name(r.code), probe_result_str(want),
			 reach_code_name(code), r.explanation);
	if (code != REACH_OK)
		assert_true(r.fix[0] && r.explanation[0] && r.component[0]);
}

static void test_codes(void **state)
{
	struct fixture *f = *state;

	expect(f, "app", "db", 6, 5432, PROBE_TIMEOUT, REACH_ENI_SG_RULES_MISMATCH);
	expect(f, "closed", "web", 6, 80, PROBE_TIMEOUT, REACH_SG_HAS_NO_RULES);
	expect(f, "app", "db", 6, 22, PROBE_TIMEOUT, REACH_SUBNET_ACL_RESTRICTION);
	expect(f, "app", "nrweb", 6, 80, PROBE_TIMEOUT, REACH_SUBNET_ACL_RESTRICTION);
	expect(f, "isores", "api", 6, 443, PROBE_TIMEOUT, REACH_NO_ROUTE_TO_DESTINATION);
	expect(f, "bhres", "api", 6, 443, PROBE_TIMEOUT, REACH_BAD_STATE_ROUTE);
	expect(f, "app", "api", 6, 443, PROBE_TIMEOUT, REACH_IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS);
	expect(f, "isores", "dsrv", 6, 22, PROBE_TIMEOUT, REACH_DISCONNECTED_VPCS);
	expect(f, "fn", "csrv", 6, 22, PROBE_TIMEOUT, REACH_PEERING_NOT_TRANSITIVE);
	expect(f, "app", "10.20.0.99", 6, 80, PROBE_TIMEOUT, REACH_NO_PATH);
	expect(f, "db", "fn", 6, 80, PROBE_TIMEOUT, REACH_LAMBDA_NO_INBOUND);
	expect(f, "deffn", "db", 6, 5432, PROBE_TIMEOUT, REACH_LAMBDA_NO_VPC_CONFIG);
	/* fn2 shares fn's hyperplane ENI: its address is answered there */
	expect(f, "fn2", "fn", 6, 80, PROBE_REFUSED, REACH_NO_LISTENER);
	expect(f, "api", "web", 6, 81, PROBE_REFUSED, REACH_NO_LISTENER);
	expect(f, "fn", "db", 6, 5432, PROBE_OPEN, REACH_OK);
	expect(f, "api", "web", 6, 80, PROBE_OPEN, REACH_OK);
	expect(f, "fn", "bsrv", 6, 22, PROBE_OPEN, REACH_OK);
	expect(f, "fn", "api", 6, 443, PROBE_OPEN, REACH_OK);
	/* the port unreachable is ICMP type 3 code 3, which strict does not allow in */
	expect(f, "fn", "api", 17, 53, PROBE_TIMEOUT, REACH_SUBNET_ACL_RESTRICTION);
	expect(f, "app", "api", 17, 53, PROBE_TIMEOUT, REACH_IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS);
	expect(f, "api", "web", 17, 53, PROBE_TIMEOUT, REACH_ENI_SG_RULES_MISMATCH);
	expect(f, "fn", "api", 1, 0, PROBE_TIMEOUT, REACH_SUBNET_ACL_RESTRICTION);
	expect(f, "deffn", "api", 1, 0, PROBE_OPEN, REACH_OK);
}

static void test_details(void **state)
{
	struct fixture *f = *state;
	struct reach_query q = { "bhres", "api", 6, 443, 0 };
	struct reach_result r;

	assert_int_equal(reach_analyze(&f->L, &f->pol, &q, &r), 0);
	assert_int_equal(r.code2, REACH_MORE_SPECIFIC_ROUTE);
	q = (struct reach_query){ "app", "nrweb", 6, 80, 0 };
	assert_int_equal(reach_analyze(&f->L, &f->pol, &q, &r), 0);
	assert_true(r.on_reply);
	assert_non_null(strstr(r.fix, "32768-60999"));
	q = (struct reach_query){ "app", "db", 6, 5432, 0 };
	assert_int_equal(reach_analyze(&f->L, &f->pol, &q, &r), 0);
	assert_string_equal(r.fix, "add an inbound rule to group a/db allowing tcp 5432 from group a/app");
	q = (struct reach_query){ "nosuch", "db", 6, 5432, 0 };
	assert_int_equal(reach_analyze(&f->L, &f->pol, &q, &r), -1);
}

/* Every expectation of an example file holds by analysis. */
static void test_demo(void **state)
{
	struct fixture *f = *state;

	for (int i = 0; i < f->t->n_expects; i++) {
		const struct expectation *e = &f->t->expects[i];
		struct reach_query q = { e->from, e->to, e->proto, (uint16_t)e->port, 0 };
		struct reach_result r;

		assert_int_equal(reach_analyze(&f->L, &f->pol, &q, &r), 0);
		if (r.verdict != e->result)
			fail_msg("demo: %s -> %s %d: %s, expected %s", e->from, e->to, e->port,
				 probe_result_str(r.verdict), probe_result_str(e->result));
	}
}

static int node_index(const struct layout *L, const char *name)
{
	for (int i = 0; i < L->n_nodes; i++)
		if (!strcmp(L->nodes[i].name, name))
			return i;
	fail_msg("no node %s", name);
	return -1;
}

/* A real engine listens on its port without a `listen` entry: the
 * database on its `port`, the proxy on 5432; nothing else does. */
static void test_engine_ports(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(reach_node_engine_port(&f->L, node_index(&f->L, "db")), 5432);
	assert_int_equal(reach_node_engine_port(&f->L, node_index(&f->L, "proxy")), 5432);
	assert_int_equal(reach_node_engine_port(&f->L, node_index(&f->L, "laptop")), 0);
	expect(f, "app", "db", 6, 5432, PROBE_OPEN, REACH_OK);
	expect(f, "app", "proxy", 6, 5432, PROBE_OPEN, REACH_OK);
	expect(f, "app", "db", 6, 5433, PROBE_TIMEOUT, REACH_ENI_SG_RULES_MISMATCH);
	expect(f, "app", "db", 17, 5432, PROBE_TIMEOUT, REACH_ENI_SG_RULES_MISMATCH);
}

static bool has_hop(const struct reach_result *r, const char *component, const char *detail)
{
	for (int i = 0; i < r->n_hops; i++)
		if (strstr(r->hops[i].component, component) && strstr(r->hops[i].detail, detail))
			return true;
	return false;
}

/* A CloudFront distribution as TO (examples/edge.json): by name or
 * domain, the viewer's connection to the zone, then CloudFront's own to
 * the origin. web declares no listener (the example starts a real server
 * by hand): the viewer's connection opens, the origin leg is refused;
 * with tcp 80 in web's listen list the whole way is open. */
static void test_cloudfront(void **state)
{
	struct fixture *f = *state;
	struct reach_query q = { "client", "cdn", 6, 443, 0 };
	struct reach_result r;
	struct listen_port http = { .proto = 6, .port = 80 };
	char dom[64];

	assert_int_equal(reach_analyze(&f->L, &f->pol, &q, &r), 0);
	assert_int_equal(r.verdict, PROBE_OPEN);
	assert_string_equal(r.component, "origin web");
	assert_int_equal(r.code, REACH_NO_LISTENER);
	assert_non_null(strstr(r.explanation, "viewers get 502"));
	assert_true(has_hop(&r, "internet", "CloudFront distribution cdn"));
	assert_true(has_hop(&r, "CloudFront distribution cdn", "viewer-request=auth"));
	assert_true(has_hop(&r, "origin web (203.0.113.80)", "tcp 80 refused"));
	q.port = 8080;
	assert_int_equal(reach_analyze(&f->L, &f->pol, &q, &r), 0);
	assert_int_equal(r.verdict, PROBE_REFUSED);
	assert_non_null(strstr(r.fix, "443 (HTTPS) or 80 (HTTP)"));
	for (int i = 0; i < f->t->n_hosts; i++)
		if (!strcmp(f->t->hosts[i].name, "web")) {
			f->t->hosts[i].listen = &http;
			f->t->hosts[i].n_listen = 1;
		}
	cf_domain(f->t, 0, dom);
	q = (struct reach_query){ "client", dom, 6, 80, 0 };
	assert_int_equal(reach_analyze(&f->L, &f->pol, &q, &r), 0);
	assert_int_equal(r.verdict, PROBE_OPEN);
	assert_int_equal(r.code, REACH_OK);
	assert_true(has_hop(&r, "origin web (203.0.113.80)", "tcp 80 open"));
	for (int i = 0; i < f->t->n_hosts; i++)
		if (f->t->hosts[i].listen == &http)
			f->t->hosts[i].listen = NULL, f->t->hosts[i].n_listen = 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_codes, setup_codes, teardown),
		cmocka_unit_test_setup_teardown(test_details, setup_codes, teardown),
		cmocka_unit_test_setup_teardown(test_demo, setup_demo, teardown),
		cmocka_unit_test_setup_teardown(test_demo, setup_peering, teardown),
		cmocka_unit_test_setup_teardown(test_demo, setup_lambda_vpc, teardown),
		cmocka_unit_test_setup_teardown(test_demo, setup_nat, teardown),
		cmocka_unit_test_setup_teardown(test_demo, setup_nacl, teardown),
		cmocka_unit_test_setup_teardown(test_demo, setup_hyperplane, teardown),
		cmocka_unit_test_setup_teardown(test_demo, setup_limits, teardown),
		cmocka_unit_test_setup_teardown(test_demo, setup_rds, teardown),
		cmocka_unit_test_setup_teardown(test_engine_ports, setup_rds, teardown),
		cmocka_unit_test_setup_teardown(test_cloudfront, setup_edge, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
