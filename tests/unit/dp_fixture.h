/* A hand-made topology model for the policy and data plane tests (the
 * parser is not used: these tests must not depend on it), and a table of
 * policy cases with their expected answers, shared by test_policy (the
 * evaluator) and test_dataplane (the BPF programs, which must agree).
 *
 * VPC "app" 10.0.0.0/16, subnets a 10.0.1.0/24 and b 10.0.2.0/24.
 * Groups (index = id - 1, single VPC):
 *   0 default  implicit, no rules: compiles to AWS's default
 *   1 web      in: tcp 80 0.0.0.0/0; tcp 8000-8100 10.0.0.0/16;
 *                  icmp echo (any code) 10.0.1.0/24      out: none ([])
 *   2 db       in: tcp 5432 from group lambda             out: none
 *   3 lambda   in: none                                   out: all 0.0.0.0/0
 *   4 admin    in: all 10.0.2.0/24; icmp any 0.0.0.0/0; udp 53 10.0.0.0/8;
 *                  proto 47 10.0.1.5/32                   out: tcp 443 0/0
 *   5 open     in: tcp 443 0.0.0.0/0                      out: all 0.0.0.0/0
 * NACLs:
 *   0 default  implicit, no rules: rule 100 allow all
 *   1 private  in:  90 deny tcp 5432 10.0.2.0/24; 100 allow tcp 5432
 *                   10.0.0.0/16; 110 allow tcp 1024-65535 0.0.0.0/0
 *              out: 100 allow tcp 1024-65535 10.0.0.0/16;
 *                   120 deny all 10.0.2.128/25; 130 allow all 10.0.2.0/24
 *   2 empty    custom, no rules: denies everything
 */
#ifndef VPCSIM_TEST_DP_FIXTURE_H
#define VPCSIM_TEST_DP_FIXTURE_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "model/policy.h"
#include "model/topology.h"

#define IP(a, b, c, d) (((uint32_t)(a) << 24) | ((b) << 16) | ((c) << 8) | (d))
#define CIDR(a, b, c, d, l) ((struct cidr){ IP(a, b, c, d), (l) })

enum { G_DEFAULT = 1, G_WEB, G_DB, G_LAMBDA, G_ADMIN, G_OPEN };
enum { N_DEFAULT = 1, N_PRIVATE, N_EMPTY };

#define TCP(lo, hi, c) { .proto = 6, .ports = { lo, hi }, .icmp_type = -1, .icmp_code = -1, .cidr = c }
#define UDP(lo, hi, c) { .proto = 17, .ports = { lo, hi }, .icmp_type = -1, .icmp_code = -1, .cidr = c }
#define ICMP(t, k, c)  { .proto = 1, .icmp_type = t, .icmp_code = k, .cidr = c }
#define ALLP(c)        { .proto = PROTO_ALL, .ports = { 0, 65535 }, .icmp_type = -1, .icmp_code = -1, .cidr = c }
#define PROTO(p, c)    { .proto = p, .icmp_type = -1, .icmp_code = -1, .cidr = c }

static struct sg_rule fx_web_in[] = {
	TCP(80, 80, CIDR(0, 0, 0, 0, 0)),
	TCP(8000, 8100, CIDR(10, 0, 0, 0, 16)),
	ICMP(8, -1, CIDR(10, 0, 1, 0, 24)),
};
static struct sg_rule fx_db_in[] = {
	{ .proto = 6, .ports = { 5432, 5432 }, .icmp_type = -1, .icmp_code = -1,
	  .peer_is_sg = true, .peer_vpc = 0, .peer_sg = 3 },
};
static struct sg_rule fx_all_out[] = { ALLP(CIDR(0, 0, 0, 0, 0)) };
static struct sg_rule fx_admin_in[] = {
	ALLP(CIDR(10, 0, 2, 0, 24)),
	ICMP(-1, -1, CIDR(0, 0, 0, 0, 0)),
	UDP(53, 53, CIDR(10, 0, 0, 0, 8)),
	PROTO(47, CIDR(10, 0, 1, 5, 32)),
};
static struct sg_rule fx_admin_out[] = { TCP(443, 443, CIDR(0, 0, 0, 0, 0)) };
static struct sg_rule fx_open_in[] = { TCP(443, 443, CIDR(0, 0, 0, 0, 0)) };

static struct security_group fx_groups[] = {
	{ .name = "default", .implicit = true },
	{ .name = "web", .ingress = fx_web_in, .n_ingress = 3 },
	{ .name = "db", .ingress = fx_db_in, .n_ingress = 1 },
	{ .name = "lambda", .egress = fx_all_out, .n_egress = 1 },
	{ .name = "admin", .ingress = fx_admin_in, .n_ingress = 4,
	  .egress = fx_admin_out, .n_egress = 1 },
	{ .name = "open", .ingress = fx_open_in, .n_ingress = 1,
	  .egress = fx_all_out, .n_egress = 1 },
};

static struct nacl_rule fx_private_in[] = {
	{ .number = 90, .proto = 6, .ports = { 5432, 5432 }, .icmp_type = -1, .icmp_code = -1,
	  .cidr = CIDR(10, 0, 2, 0, 24), .allow = false },
	{ .number = 100, .proto = 6, .ports = { 5432, 5432 }, .icmp_type = -1, .icmp_code = -1,
	  .cidr = CIDR(10, 0, 0, 0, 16), .allow = true },
	{ .number = 110, .proto = 6, .ports = { 1024, 65535 }, .icmp_type = -1, .icmp_code = -1,
	  .cidr = CIDR(0, 0, 0, 0, 0), .allow = true },
};
static struct nacl_rule fx_private_out[] = {
	{ .number = 100, .proto = 6, .ports = { 1024, 65535 }, .icmp_type = -1, .icmp_code = -1,
	  .cidr = CIDR(10, 0, 0, 0, 16), .allow = true },
	{ .number = 120, .proto = PROTO_ALL, .ports = { 0, 65535 }, .icmp_type = -1, .icmp_code = -1,
	  .cidr = CIDR(10, 0, 2, 128, 25), .allow = false },
	{ .number = 130, .proto = PROTO_ALL, .ports = { 0, 65535 }, .icmp_type = -1, .icmp_code = -1,
	  .cidr = CIDR(10, 0, 2, 0, 24), .allow = true },
};

static struct nacl fx_nacls[] = {
	{ .name = "default", .implicit = true },
	{ .name = "private", .ingress = fx_private_in, .n_ingress = 3,
	  .egress = fx_private_out, .n_egress = 3 },
	{ .name = "empty" },
};

static struct subnet fx_subnets[] = {
	{ .name = "a", .cidr = CIDR(10, 0, 1, 0, 24) },
	{ .name = "b", .cidr = CIDR(10, 0, 2, 0, 24) },
};

static struct vpc fx_vpc = {
	.name = "app", .cidr = CIDR(10, 0, 0, 0, 16),
	.subnets = fx_subnets, .n_subnets = 2,
	.security_groups = fx_groups, .n_security_groups = 6, .default_sg = 0,
	.nacls = fx_nacls, .n_nacls = 3, .default_nacl = 0,
};

static struct topology fx_topo = {
	.name = "fx", .vpcs = &fx_vpc, .n_vpcs = 1,
};

/* One policy question with its expected answer. Remote addresses are
 * not those of test_dataplane's ENIs (it rewrites their memberships). */
struct fx_sg_case {
	const char *what;
	uint16_t groups[DP_MAX_SGS];
	int n;
	enum dp_dir dir;
	uint32_t remote;
	uint16_t rgroups[DP_MAX_SGS];
	int nrg;
	uint8_t proto;
	uint16_t port;          /* TCP/UDP dport; ICMP type << 8 | code */
	bool allow;
	bool track;             /* when allowed, with policy_eni_flags() */
	uint16_t sport;         /* TCP/UDP source port; 0: any (test picks) */
};

static const struct fx_sg_case fx_sg_cases[] = {
	{ "cidr 0/0 tcp 80", { G_WEB }, 1, DP_DIR_INGRESS, IP(203, 0, 113, 5), {}, 0, 6, 80, true, true, 0 },
	{ "tcp 81 no rule", { G_WEB }, 1, DP_DIR_INGRESS, IP(203, 0, 113, 5), {}, 0, 6, 81, false, false, 0 },
	{ "udp 80 no rule", { G_WEB }, 1, DP_DIR_INGRESS, IP(203, 0, 113, 5), {}, 0, 17, 80, false, false, 0 },
	{ "range low end", { G_WEB }, 1, DP_DIR_INGRESS, IP(10, 0, 5, 5), {}, 0, 6, 8000, true, true, 0 },
	{ "range inside", { G_WEB }, 1, DP_DIR_INGRESS, IP(10, 0, 5, 5), {}, 0, 6, 8050, true, true, 0 },
	{ "range high end", { G_WEB }, 1, DP_DIR_INGRESS, IP(10, 0, 5, 5), {}, 0, 6, 8100, true, true, 0 },
	{ "range above", { G_WEB }, 1, DP_DIR_INGRESS, IP(10, 0, 5, 5), {}, 0, 6, 8101, false, false, 0 },
	{ "range below", { G_WEB }, 1, DP_DIR_INGRESS, IP(10, 0, 5, 5), {}, 0, 6, 7999, false, false, 0 },
	{ "range from outside cidr", { G_WEB }, 1, DP_DIR_INGRESS, IP(192, 168, 1, 1), {}, 0, 6, 8050, false, false, 0 },
	{ "icmp echo code 0", { G_WEB }, 1, DP_DIR_INGRESS, IP(10, 0, 1, 9), {}, 0, 1, 8 << 8, true, true, 0 },
	{ "icmp echo any code", { G_WEB }, 1, DP_DIR_INGRESS, IP(10, 0, 1, 9), {}, 0, 1, 8 << 8 | 3, true, true, 0 },
	{ "icmp other type", { G_WEB }, 1, DP_DIR_INGRESS, IP(10, 0, 1, 9), {}, 0, 1, 0, false, false, 0 },
	{ "icmp other cidr", { G_WEB }, 1, DP_DIR_INGRESS, IP(10, 0, 2, 9), {}, 0, 1, 8 << 8, false, false, 0 },
	{ "empty egress", { G_WEB }, 1, DP_DIR_EGRESS, IP(10, 0, 2, 9), {}, 0, 6, 80, false, false, 0 },
	{ "peer group", { G_DB }, 1, DP_DIR_INGRESS, IP(10, 0, 1, 20), { G_LAMBDA }, 1, 6, 5432, true, true, 0 },
	{ "peer group among others", { G_DB }, 1, DP_DIR_INGRESS, IP(10, 0, 1, 20), { G_WEB, G_ADMIN, G_LAMBDA }, 3, 6, 5432, true, true, 0 },
	{ "peer group wrong port", { G_DB }, 1, DP_DIR_INGRESS, IP(10, 0, 1, 20), { G_LAMBDA }, 1, 6, 5433, false, false, 0 },
	{ "not a member", { G_DB }, 1, DP_DIR_INGRESS, IP(10, 0, 1, 20), { G_WEB }, 1, 6, 5432, false, false, 0 },
	{ "no groups", { G_DB }, 1, DP_DIR_INGRESS, IP(10, 0, 1, 20), {}, 0, 6, 5432, false, false, 0 },
	{ "union web+db web rule", { G_WEB, G_DB }, 2, DP_DIR_INGRESS, IP(1, 2, 3, 4), {}, 0, 6, 80, true, true, 0 },
	{ "union web+db db rule", { G_WEB, G_DB }, 2, DP_DIR_INGRESS, IP(10, 0, 1, 20), { G_LAMBDA }, 1, 6, 5432, true, true, 0 },
	{ "union web+db neither", { G_WEB, G_DB }, 2, DP_DIR_INGRESS, IP(10, 0, 1, 20), { G_LAMBDA }, 1, 6, 22, false, false, 0 },
	{ "all protocols from /24", { G_ADMIN }, 1, DP_DIR_INGRESS, IP(10, 0, 2, 7), {}, 0, 6, 22, true, true, 0 },
	{ "all protocols gre", { G_ADMIN }, 1, DP_DIR_INGRESS, IP(10, 0, 2, 7), {}, 0, 47, 0, true, true, 0 },
	{ "all protocols outside", { G_ADMIN }, 1, DP_DIR_INGRESS, IP(10, 0, 3, 7), {}, 0, 6, 22, false, false, 0 },
	{ "proto 47 /32", { G_ADMIN }, 1, DP_DIR_INGRESS, IP(10, 0, 1, 5), {}, 0, 47, 0, true, true, 0 },
	{ "proto 47 other host", { G_ADMIN }, 1, DP_DIR_INGRESS, IP(10, 0, 1, 6), {}, 0, 47, 0, false, false, 0 },
	{ "icmp any", { G_ADMIN }, 1, DP_DIR_INGRESS, IP(8, 8, 8, 8), {}, 0, 1, 3 << 8 | 4, true, true, 0 },
	{ "udp 53 10/8", { G_ADMIN }, 1, DP_DIR_INGRESS, IP(10, 9, 9, 9), {}, 0, 17, 53, true, true, 0 },
	{ "udp 53 outside 10/8", { G_ADMIN }, 1, DP_DIR_INGRESS, IP(11, 9, 9, 9), {}, 0, 17, 53, false, false, 0 },
	{ "default from member", { G_DEFAULT }, 1, DP_DIR_INGRESS, IP(10, 0, 1, 31), { G_DEFAULT }, 1, 6, 22, true, true, 0 },
	{ "default from non-member", { G_DEFAULT }, 1, DP_DIR_INGRESS, IP(10, 0, 1, 31), { G_WEB }, 1, 6, 22, false, false, 0 },
	{ "default egress all", { G_DEFAULT }, 1, DP_DIR_EGRESS, IP(1, 1, 1, 1), {}, 0, 17, 9999, true, true, 0 },
	{ "lambda egress all", { G_LAMBDA }, 1, DP_DIR_EGRESS, IP(1, 1, 1, 1), {}, 0, 6, 443, true, true, 0 },
	{ "lambda ingress none", { G_LAMBDA }, 1, DP_DIR_INGRESS, IP(10, 0, 1, 9), { G_LAMBDA }, 1, 6, 443, false, false, 0 },
	{ "untracked 0/0 in, out open", { G_OPEN }, 1, DP_DIR_INGRESS, IP(1, 2, 3, 4), {}, 0, 6, 443, true, false, 0 },
	{ "untracked both ways", { G_OPEN }, 1, DP_DIR_EGRESS, IP(1, 2, 3, 4), {}, 0, 17, 5000, true, true, 0 },
	{ "tracked: out not open", { G_WEB }, 1, DP_DIR_INGRESS, IP(1, 2, 3, 4), {}, 0, 6, 80, true, true, 0 },
	{ "icmp always tracked", { G_ADMIN, G_LAMBDA }, 2, DP_DIR_INGRESS, IP(1, 2, 3, 4), {}, 0, 1, 8 << 8, true, true, 0 },
	{ "non-world rule tracks", { G_ADMIN, G_LAMBDA }, 2, DP_DIR_INGRESS, IP(10, 1, 1, 1), {}, 0, 17, 53, true, true, 0 },
	{ "reply of untracked flow", { G_OPEN }, 1, DP_DIR_EGRESS, IP(1, 2, 3, 4), {}, 0, 6, 50000, true, false, 443 },
	{ "reply of untracked, other port", { G_OPEN }, 1, DP_DIR_EGRESS, IP(1, 2, 3, 4), {}, 0, 6, 50000, true, true, 444 },
	{ "web+lambda 0/0 untracked", { G_WEB, G_LAMBDA }, 2, DP_DIR_INGRESS, IP(1, 2, 3, 4), {}, 0, 6, 80, true, false, 0 },
};
#define FX_N_SG_CASES ((int)(sizeof(fx_sg_cases) / sizeof(fx_sg_cases[0])))

struct fx_nacl_case {
	const char *what;
	uint16_t nacl;
	enum dp_dir dir;
	uint32_t remote;
	uint8_t proto;
	uint16_t port;
	int rule;               /* 0: implicit deny */
	bool allow;
};

static const struct fx_nacl_case fx_nacl_cases[] = {
	{ "deny 90 before allow 100", N_PRIVATE, DP_DIR_INGRESS, IP(10, 0, 2, 5), 6, 5432, 90, false },
	{ "allow 100", N_PRIVATE, DP_DIR_INGRESS, IP(10, 0, 1, 5), 6, 5432, 100, true },
	{ "allow 110 ephemeral", N_PRIVATE, DP_DIR_INGRESS, IP(192, 168, 0, 1), 6, 40000, 110, true },
	{ "implicit deny port", N_PRIVATE, DP_DIR_INGRESS, IP(192, 168, 0, 1), 6, 22, 0, false },
	{ "implicit deny proto", N_PRIVATE, DP_DIR_INGRESS, IP(10, 0, 1, 5), 17, 5432, 0, false },
	{ "out allow 100", N_PRIVATE, DP_DIR_EGRESS, IP(10, 0, 2, 200), 6, 1024, 100, true },
	{ "out deny 120 /25", N_PRIVATE, DP_DIR_EGRESS, IP(10, 0, 2, 200), 17, 53, 120, false },
	{ "out allow 130 /24", N_PRIVATE, DP_DIR_EGRESS, IP(10, 0, 2, 5), 17, 53, 130, true },
	{ "out implicit deny", N_PRIVATE, DP_DIR_EGRESS, IP(10, 0, 3, 5), 17, 53, 0, false },
	{ "default allows", N_DEFAULT, DP_DIR_INGRESS, IP(1, 2, 3, 4), 47, 0, 100, true },
	{ "default allows out", N_DEFAULT, DP_DIR_EGRESS, IP(1, 2, 3, 4), 1, 8 << 8, 100, true },
	{ "empty denies", N_EMPTY, DP_DIR_INGRESS, IP(10, 0, 1, 5), 6, 5432, 0, false },
};
#define FX_N_NACL_CASES ((int)(sizeof(fx_nacl_cases) / sizeof(fx_nacl_cases[0])))

#endif
