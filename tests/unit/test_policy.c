/* The policy compiler and its evaluator, without the kernel: the fixture's
 * table of cases (dp_fixture.h; test_dataplane runs the same table through
 * the BPF programs), every port of a range, compile errors, and a
 * randomized comparison of the compiled evaluator with a direct reading of
 * the model's rules (AWS semantics written the obvious way). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "util/err.h"
#include "model/policy.h"
#include "dp_fixture.h"

static struct policy pol;

static int setup(void **state)
{
	policy_init(&pol);
	if (policy_compile_vpc(&pol, &fx_topo, 0)) {
		fprintf(stderr, "compile: %s\n", err_msg());
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	policy_free(&pol);
	return 0;
}

static void test_ids(void **state)
{
	assert_int_equal(policy_group_id(&fx_topo, 0, 0), G_DEFAULT);
	assert_int_equal(policy_group_id(&fx_topo, 0, 5), G_OPEN);
	assert_int_equal(policy_nacl_id(&fx_topo, 0, 1), N_PRIVATE);
}

static void test_sg_cases(void **state)
{
	for (int i = 0; i < FX_N_SG_CASES; i++) {
		const struct fx_sg_case *c = &fx_sg_cases[i];
		struct policy_query q = {
			.dir = c->dir, .remote_ip = c->remote,
			.remote_groups = c->rgroups, .n_remote_groups = c->nrg,
			.proto = c->proto, .port = c->port, .sport = c->sport,
		};
		uint16_t flags = policy_eni_flags(&pol, c->groups, c->n);
		bool track = true;
		bool allow = policy_sg_allows(&pol, c->groups, c->n, flags, &q, &track);

		if (allow != c->allow || (allow && track != c->track))
			fail_msg("case '%s': allow %d track %d, want %d %d",
				 c->what, allow, track, c->allow, c->track);
	}
}

static void test_nacl_cases(void **state)
{
	for (int i = 0; i < FX_N_NACL_CASES; i++) {
		const struct fx_nacl_case *c = &fx_nacl_cases[i];
		struct policy_query q = {
			.dir = c->dir, .remote_ip = c->remote,
			.proto = c->proto, .port = c->port,
		};
		bool allow;
		int rule = nacl_eval(&pol, c->nacl, &q, &allow);

		if (rule != c->rule || allow != c->allow)
			fail_msg("case '%s': rule %d allow %d, want %d %d",
				 c->what, rule, allow, c->rule, c->allow);
	}
}

static void test_every_port(void **state)
{
	uint16_t g = G_WEB;

	for (uint32_t port = 0; port <= 65535; port++) {
		struct policy_query q = {
			.dir = DP_DIR_INGRESS, .remote_ip = IP(10, 0, 9, 9),
			.proto = 6, .port = (uint16_t)port,
		};
		bool want = port == 80 || (port >= 8000 && port <= 8100);

		if (policy_sg_allows(&pol, &g, 1, 0, &q, NULL) != want)
			fail_msg("tcp port %u: want %d", port, want);
	}
}

static void test_eni_flags(void **state)
{
	uint16_t open[] = { G_OPEN }, web[] = { G_WEB }, wl[] = { G_WEB, G_LAMBDA };

	assert_int_equal(policy_eni_flags(&pol, open, 1), DP_ENI_F_EGRESS_OPEN);
	assert_int_equal(policy_eni_flags(&pol, web, 1), 0);
	assert_int_equal(policy_eni_flags(&pol, wl, 2), DP_ENI_F_EGRESS_OPEN);
}

static void test_too_many_rules(void **state)
{
	static struct sg_rule many[DP_MAX_RULES + 1];
	struct security_group g = { .name = "big", .ingress = many,
				    .n_ingress = DP_MAX_RULES + 1 };
	struct vpc v = { .name = "v", .security_groups = &g, .n_security_groups = 1 };
	struct topology t = { .vpcs = &v, .n_vpcs = 1 };
	struct policy p;

	policy_init(&p);
	assert_int_equal(policy_compile_sg(&p, &t, 0, 0), -E2BIG);
	assert_non_null(strstr(err_msg(), "big"));
	policy_free(&p);
}

/* ---- randomized: compiled evaluator vs. the rules read directly ------- */

static bool rule_proto_port(int proto, struct port_range ports, int itype,
			    int icode, uint8_t qproto, uint16_t qport)
{
	if (proto == PROTO_ALL)
		return true;
	if (proto != qproto)
		return false;
	if (proto == 6 || proto == 17)
		return qport >= ports.lo && qport <= ports.hi;
	if (proto == 1)
		return (itype == ICMP_ANY || itype == qport >> 8) &&
		       (itype == ICMP_ANY || icode == ICMP_ANY ||
			icode == (qport & 0xff));
	return true;
}

static bool naive_sg(const struct security_group *g, enum dp_dir dir,
		     const struct policy_query *q)
{
	const struct sg_rule *r = dir == DP_DIR_INGRESS ? g->ingress : g->egress;
	int n = dir == DP_DIR_INGRESS ? g->n_ingress : g->n_egress;

	for (int i = 0; i < n; i++) {
		bool peer = false;

		if (r[i].peer_is_sg)
			for (int j = 0; j < q->n_remote_groups; j++)
				peer |= q->remote_groups[j] ==
					policy_group_id(&fx_topo, r[i].peer_vpc, r[i].peer_sg);
		else
			peer = cidr_contains_ip(r[i].cidr, q->remote_ip);
		if (peer && rule_proto_port(r[i].proto, r[i].ports, r[i].icmp_type,
					    r[i].icmp_code, q->proto, q->port))
			return true;
	}
	return false;
}

static int naive_nacl(const struct nacl *a, enum dp_dir dir,
		      const struct policy_query *q, bool *allow)
{
	const struct nacl_rule *r = dir == DP_DIR_INGRESS ? a->ingress : a->egress;
	int n = dir == DP_DIR_INGRESS ? a->n_ingress : a->n_egress, best = -1;

	for (int i = 0; i < n; i++)
		if (cidr_contains_ip(r[i].cidr, q->remote_ip) &&
		    rule_proto_port(r[i].proto, r[i].ports, r[i].icmp_type,
				    r[i].icmp_code, q->proto, q->port) &&
		    (best < 0 || r[i].number < r[best].number))
			best = i;
	*allow = best >= 0 && r[best].allow;
	return best >= 0 ? r[best].number : 0;
}

static const struct cidr pool[] = {
	{ IP(0, 0, 0, 0), 0 }, { IP(10, 0, 0, 0), 8 }, { IP(10, 0, 0, 0), 16 },
	{ IP(10, 0, 1, 0), 24 }, { IP(10, 0, 1, 128), 25 }, { IP(10, 0, 1, 7), 32 },
	{ IP(10, 0, 2, 0), 24 }, { IP(192, 168, 0, 0), 16 },
};
static const int protos[] = { 6, 17, 1, 47, PROTO_ALL };

static void random_rule(int *proto, struct port_range *ports, int *itype,
			int *icode, struct cidr *c)
{
	uint16_t a = (uint16_t)(rand() % 70000), b = (uint16_t)(rand() % 600);

	*proto = protos[rand() % 5];
	ports->lo = rand() % 4 ? a : 0;
	ports->hi = (uint32_t)ports->lo + b > 65535 ? 65535 : ports->lo + b;
	if (rand() % 8 == 0)
		ports->hi = 65535;
	*itype = rand() % 3 ? rand() % 4 + 7 : ICMP_ANY;
	*icode = rand() % 2 ? rand() % 3 : ICMP_ANY;
	*c = pool[rand() % 8];
}

static uint32_t random_ip(void)
{
	static const uint32_t bases[] = { IP(10, 0, 1, 0), IP(10, 0, 2, 0),
					  IP(10, 5, 0, 0), IP(192, 168, 3, 0),
					  IP(8, 8, 8, 0) };
	return bases[rand() % 5] | (rand() % 256);
}

static void random_query(struct policy_query *q, uint16_t *rg)
{
	q->remote_ip = random_ip();
	q->proto = (uint8_t)protos[rand() % 4];
	if (q->proto == 1)
		q->port = (uint16_t)((rand() % 5 + 6) << 8 | rand() % 4);
	else if (q->proto == 47)
		q->port = 0;
	else
		q->port = (uint16_t)(rand() % 66000);
	q->n_remote_groups = rand() % 3;
	for (int i = 0; i < q->n_remote_groups; i++)
		rg[i] = (uint16_t)(1 + rand() % 3);
	q->remote_groups = rg;
	q->dir = rand() % 2 ? DP_DIR_INGRESS : DP_DIR_EGRESS;
}

static void test_random_vs_model(void **state)
{
	int n_allow = 0, n_nacl_match = 0, n_total = 0;

	srand(42);
	for (int round = 0; round < 200; round++) {
		static struct sg_rule sr[3][2][12];
		static struct nacl_rule nr[2][12];
		struct security_group g[3];
		struct nacl a = { .name = "r", .ingress = nr[0], .egress = nr[1] };
		struct vpc v = { .name = "v", .security_groups = g,
				 .n_security_groups = 3, .nacls = &a, .n_nacls = 1 };
		struct topology t = { .vpcs = &v, .n_vpcs = 1 };
		struct policy p;

		memset(g, 0, sizeof(g));
		for (int k = 0; k < 3; k++) {
			g[k].name = "g";
			g[k].ingress = sr[k][0];
			g[k].egress = sr[k][1];
			g[k].n_ingress = rand() % 13;
			g[k].n_egress = rand() % 13;
			for (int d = 0; d < 2; d++)
				for (int i = 0; i < 12; i++) {
					struct sg_rule *r = &sr[k][d][i];

					memset(r, 0, sizeof(*r));
					random_rule(&r->proto, &r->ports, &r->icmp_type,
						    &r->icmp_code, &r->cidr);
					if (rand() % 4 == 0) {
						r->peer_is_sg = true;
						r->peer_sg = rand() % 3;
					}
				}
		}
		a.n_ingress = rand() % 13;
		a.n_egress = rand() % 13;
		for (int d = 0; d < 2; d++)
			for (int i = 0; i < 12; i++) {
				struct nacl_rule *r = &nr[d][i];

				memset(r, 0, sizeof(*r));
				random_rule(&r->proto, &r->ports, &r->icmp_type,
					    &r->icmp_code, &r->cidr);
				r->number = 10 * (12 - i) + rand() % 5; /* unsorted */
				r->allow = rand() % 2;
			}
		policy_init(&p);
		if (policy_compile_vpc(&p, &t, 0))
			fail_msg("compile: %s", err_msg());
		for (int k = 0; k < 300; k++) {
			struct policy_query q;
			uint16_t rg[DP_MAX_SGS], gid = (uint16_t)(1 + k % 3);
			bool want, got, wa, ga;
			int wr, gr;

			random_query(&q, rg);
			want = naive_sg(&g[k % 3], q.dir, &q);
			n_allow += want;
			n_total++;
			got = policy_sg_allows(&p, &gid, 1, 0, &q, NULL);
			if (want != got)
				fail_msg("round %d query %d: group %d sg %d, model %d",
					 round, k, gid, got, want);
			wr = naive_nacl(&a, q.dir, &q, &wa);
			gr = nacl_eval(&p, 1, &q, &ga);
			n_nacl_match += wr != 0;
			if (wr != gr || wa != ga)
				fail_msg("round %d query %d: nacl rule %d/%d, model %d/%d",
					 round, k, gr, ga, wr, wa);
		}
		policy_free(&p);
	}
	/* the random cases must exercise both answers */
	assert_true(n_allow > n_total / 20 && n_allow < n_total - n_total / 20);
	assert_true(n_nacl_match > n_total / 20);
	printf("random: %d queries, %d allowed by groups, %d matched a NACL rule\n",
	       n_total, n_allow, n_nacl_match);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ids),
		cmocka_unit_test(test_sg_cases),
		cmocka_unit_test(test_nacl_cases),
		cmocka_unit_test(test_every_port),
		cmocka_unit_test(test_eni_flags),
		cmocka_unit_test(test_too_many_rules),
		cmocka_unit_test(test_random_vs_model),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
