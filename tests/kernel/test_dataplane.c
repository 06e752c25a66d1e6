/* The BPF data plane on crafted packets (BPF_PROG_TEST_RUN), with maps
 * filled from the fixture's compiled policy (dp_fixture.h), plus the
 * loader's pin, attach and unpin.
 *
 * Needs root; every test skips otherwise. The process first moves into a
 * network namespace of its own (unshare), where it makes the veths whose
 * ifindexes stand for ENIs: BPF_PROG_TEST_RUN takes ctx_in.ifindex only
 * for a device that exists in the caller's namespace (else -ENODEV), and
 * then the program sees it as skb->ifindex. Nothing of the root namespace
 * is touched. Pins go under /sys/fs/bpf/vpcsim/dptest<pid>/ and are
 * removed at the end; the test fails if anything is left.
 *
 * ENIs (router-side veths r1..):
 *   web     10.0.1.10  subnet a  NACL default  {web}
 *   db      10.0.2.20  subnet b  NACL private  {db}
 *   lambda  10.0.1.30  subnet a  NACL default  {lambda}
 *   nat     10.0.1.40  subnet a  NACL default  no groups, src/dst exempt, public
 *   admin   10.0.2.50  subnet b  NACL private  {admin, lambda}
 *   open    10.0.1.60  subnet a  NACL default  {open}, public
 *   probe   10.0.9.9   subnet 10.0.9.0/24, rewritten per table case
 *   igw     an outside link; other: a router link that is not
 *   unknown a veth that is no ENI
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <net/if.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "ns_fixture.h"
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "kernel/bpf_loader.h"
#include "util/err.h"
#include "model/flowlog.h"
#include "model/policy.h"
#include "dp_fixture.h"

#define DNS_IP IP(10, 0, 0, 2)

enum { E_WEB, E_DB, E_LAMBDA, E_NAT, E_ADMIN, E_OPEN, E_PROBE, E_IGW,
       E_OTHER, E_UNKNOWN, E__COUNT };
static const char *const dev_names[E__COUNT] = {
	"r-web", "r-db", "r-lambda", "r-nat", "r-admin", "r-open", "r-probe",
	"r-igw", "r-other", "r-unknown",
};
static int ifx[E__COUNT];

static char topo_dir[128], pin_dir[160];
static struct dataplane *dp;
static struct policy pol;
static int is_root;


/* Test-only tc attachment with libbpf's tc calls, in the calling thread's
 * network namespace (vpcsim itself attaches over the router's netlink
 * socket: kernel/eni.c). dp_attach: dp_from_eni at tc ingress, dp_to_eni at
 * tc egress of ifindex, clsact created if absent, our filters replaced;
 * dp_detach: our two filters removed, absent is success. */
static int dp_attach(struct dataplane *d, int ifindex)
{
	static const enum bpf_tc_attach_point points[DP_PROG__COUNT] = {
		[DP_PROG_FROM_ENI] = BPF_TC_INGRESS,
		[DP_PROG_TO_ENI] = BPF_TC_EGRESS,
	};
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
		    .attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS);
	int rc;

	rc = bpf_tc_hook_create(&hook);
	if (rc && rc != -EEXIST)
		return errf(rc, "creating the clsact qdisc on ifindex %d: %s",
			    ifindex, strerror(-rc));
	for (int i = 0; i < DP_PROG__COUNT; i++) {
		LIBBPF_OPTS(bpf_tc_opts, opts, .handle = DP_TC_HANDLE,
			    .priority = DP_TC_PRIORITY, .prog_fd = d->prog_fd[i],
			    .flags = BPF_TC_F_REPLACE);

		hook.attach_point = points[i];
		rc = bpf_tc_attach(&hook, &opts);
		if (rc)
			return errf(rc, "attaching %s at tc %s of ifindex %d: %s",
				    dp_prog_names[i],
				    i == DP_PROG_FROM_ENI ? "ingress" : "egress",
				    ifindex, strerror(-rc));
	}
	return 0;
}


static int dp_detach(int ifindex)
{
	static const enum bpf_tc_attach_point points[] = { BPF_TC_INGRESS,
							   BPF_TC_EGRESS };

	for (int i = 0; i < 2; i++) {
		LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
			    .attach_point = points[i]);
		LIBBPF_OPTS(bpf_tc_opts, opts, .handle = DP_TC_HANDLE,
			    .priority = DP_TC_PRIORITY);
		int rc = bpf_tc_detach(&hook, &opts);

		if (rc && rc != -ENOENT && rc != -EINVAL)
			return errf(rc, "detaching the data plane from tc %s of ifindex %d: %s",
				    i ? "egress" : "ingress", ifindex, strerror(-rc));
	}
	return 0;
}


static int dp_outside_link_remove(struct dataplane *d, uint32_t ifindex)
{
	if (bpf_map_delete_elem(d->map_fd[DP_MAP_OUTSIDE_LINKS], &ifindex) &&
	    errno != ENOENT)
		return errf(errno, "removing outside link ifindex %u from %s: %s",
			    ifindex, d->pin_dir, strerror(errno));
	return 0;
}

/* ---- packets ---------------------------------------------------------- */

struct pkt {
	uint8_t buf[128];
	uint32_t len;
};

/* Stores into packet bytes at any alignment (a cast store to an odd
 * address is undefined; UBSan flags it). */
static void put16(uint8_t *at, uint16_t v)
{
	memcpy(at, &v, sizeof(v));
}

static void put32(uint8_t *at, uint32_t v)
{
	memcpy(at, &v, sizeof(v));
}

static uint16_t csum(const void *p, int len)
{
	const uint16_t *w = p;
	uint32_t s = 0;

	for (; len > 1; len -= 2)
		s += *w++;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* Ethernet + IPv4 (+ TCP SYN / UDP / ICMP header) + 16 bytes payload. For
 * ICMP, sport is type << 8 | code and dport the echo identifier. */
static struct pkt mk(uint32_t src, uint32_t dst, uint8_t proto,
		     uint16_t sport, uint16_t dport)
{
	struct pkt p;
	uint8_t *ip = p.buf + 14, *l4 = ip + 20;
	uint32_t l4len;

	memset(&p, 0, sizeof(p));
	memcpy(p.buf, "\x02\0\0\0\0\x01\x02\0\0\0\0\x02\x08\x00", 14);
	switch (proto) {
	case 6:
		l4len = 20;
		l4[12] = 5 << 4;
		l4[13] = 0x02;  /* SYN */
		break;
	case 17:
		l4len = 8;
		l4[4] = 0;
		l4[5] = 8 + 16;
		break;
	case 1:
		l4len = 8;
		break;
	default:
		l4len = 0;
	}
	if (proto == 6 || proto == 17) {
		put16(l4, htons(sport));
		put16(l4 + 2, htons(dport));
	} else if (proto == 1) {
		l4[0] = (uint8_t)(sport >> 8);
		l4[1] = (uint8_t)sport;
		put16(l4 + 4, htons(dport));
	}
	ip[0] = 0x45;
	put16(ip + 2, htons((uint16_t)(20 + l4len + 16)));
	ip[8] = 64;
	ip[9] = proto;
	put32(ip + 12, htonl(src));
	put32(ip + 16, htonl(dst));
	put16(ip + 10, csum(ip, 20));
	p.len = 14 + 20 + l4len + 16;
	return p;
}

/* Runs prog on the packet as if it were on ENI veth `dev` (and had come
 * into the router through `in_dev`, -1 for none). Returns the tc verdict. */
static int run(int prog, int dev, int in_dev, const struct pkt *p)
{
	struct __sk_buff ctx;
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = p->buf,
		    .data_size_in = p->len, .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx), .repeat = 1);
	int rc;

	memset(&ctx, 0, sizeof(ctx));
	ctx.ifindex = ifx[dev];
	ctx.ingress_ifindex = in_dev >= 0 ? ifx[in_dev] : 0;
	rc = bpf_prog_test_run_opts(dp->prog_fd[prog], &opts);
	if (rc)
		fail_msg("BPF_PROG_TEST_RUN: %s", strerror(-rc));
	return (int)opts.retval;
}

/* Leaving the ENI (dp_from_eni) / entering it (dp_to_eni). */
static int leave(int dev, const struct pkt *p)
{
	return run(DP_PROG_FROM_ENI, dev, -1, p);
}

/* Entering: as if the packet came into the router from an ENI of the VPC
 * (web's veth), so its source is this VPC's for group references. */
static int enter(int dev, const struct pkt *p)
{
	return run(DP_PROG_TO_ENI, dev, E_WEB, p);
}

static struct dp_counter before[DP_DROP__MAX];

static void counters_mark(void)
{
	if (dp_drop_counters_read(dp, before))
		fail_msg("%s", err_msg());
}

/* Exactly `n` drops with `reason` since counters_mark(), and no other. */
static void assert_drops(unsigned reason, unsigned n)
{
	struct dp_counter now[DP_DROP__MAX];

	if (dp_drop_counters_read(dp, now))
		fail_msg("%s", err_msg());
	for (unsigned r = 1; r < DP_DROP__MAX; r++) {
		uint64_t d = now[r].packets - before[r].packets;
		uint64_t want = r == reason ? n : 0;

		if (d != want)
			fail_msg("drop counter %s: %llu, want %llu",
				 dp_drop_reason_name(r), (unsigned long long)d,
				 (unsigned long long)want);
	}
	memcpy(before, now, sizeof(before));
}

#define PASS(x) assert_int_equal((x), TC_ACT_OK)
#define SHOT(x, reason)                              \
	do {                                         \
		assert_int_equal((x), TC_ACT_SHOT); \
		assert_drops(reason, 1);             \
	} while (0)

/* ---- ENIs --------------------------------------------------------------- */

static void eni_put(int dev, uint32_t id, uint32_t ip, struct cidr subnet,
		    uint16_t nacl, const uint16_t *groups, int n, uint16_t flags)
{
	struct dp_eni e;

	memset(&e, 0, sizeof(e));
	e.eni_id = id;
	e.ip = htonl(ip);
	e.subnet = htonl(subnet.addr);
	e.subnet_mask = htonl(cidr_mask(subnet.len));
	e.nacl_id = nacl;
	e.n_sgs = (uint8_t)n;
	if (n) /* groups may be NULL: memcpy(.., NULL, 0) is undefined */
		memcpy(e.sg_ids, groups, n * sizeof(*groups));
	e.flags = flags | policy_eni_flags(&pol, groups, n);
	if (dp_eni_add(dp, ifx[dev], &e))
		fail_msg("%s", err_msg());
	if (n && dp_member_set(dp, DP_ORIGIN_VPC, ip, groups, n))
		fail_msg("%s", err_msg());
}

static const struct cidr SUB_A = CIDR(10, 0, 1, 0, 24), SUB_B = CIDR(10, 0, 2, 0, 24);

static void enis_setup(void)
{
	static const uint16_t web[] = { G_WEB }, db[] = { G_DB },
		lambda[] = { G_LAMBDA }, admin[] = { G_ADMIN, G_LAMBDA },
		open[] = { G_OPEN };

	eni_put(E_WEB, 1, IP(10, 0, 1, 10), SUB_A, N_DEFAULT, web, 1, 0);
	eni_put(E_DB, 2, IP(10, 0, 2, 20), SUB_B, N_PRIVATE, db, 1, 0);
	eni_put(E_LAMBDA, 3, IP(10, 0, 1, 30), SUB_A, N_DEFAULT, lambda, 1, 0);
	eni_put(E_NAT, 4, IP(10, 0, 1, 40), SUB_A, N_DEFAULT, NULL, 0,
		DP_ENI_F_SRC_DST_CHECK_EXEMPT | DP_ENI_F_NO_SECURITY_GROUPS |
		DP_ENI_F_HAS_PUBLIC_IP);
	eni_put(E_ADMIN, 5, IP(10, 0, 2, 50), SUB_B, N_PRIVATE, admin, 2, 0);
	eni_put(E_OPEN, 6, IP(10, 0, 1, 60), SUB_A, N_DEFAULT, open, 1,
		DP_ENI_F_HAS_PUBLIC_IP);
	if (dp_outside_link_add(dp, ifx[E_IGW]))
		fail_msg("%s", err_msg());
}

static int ct_get(int proto, int dev, uint32_t local, uint32_t remote,
		  uint16_t lport, uint16_t rport, struct dp_ct_val *v)
{
	struct dp_ct_key k;

	memset(&k, 0, sizeof(k));
	k.ifindex = ifx[dev];
	k.proto = (uint8_t)proto;
	k.local_ip = htonl(local);
	k.remote_ip = htonl(remote);
	k.local_port = htons(lport);
	k.remote_port = htons(rport);
	return dp_ct_get(dp, &k, v);
}

static int bpf_obj_get_fd_for(const char *map)
{
	for (int i = 0; i < DP_MAP__COUNT; i++)
		if (!strcmp(dp_map_names[i], map))
			return dp->map_fd[i];
	fail_msg("no map %s", map);
	return -1;
}

/* ---- setup ---------------------------------------------------------- */

static int group_setup(void **state)
{
	if (!is_root)
		return 0;
	if (unshare(CLONE_NEWNET)) {
		perror("unshare(CLONE_NEWNET)");
		return -1;
	}
	if (sh("echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6 && "
	       "echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6"))
		return -1;
	for (int i = 0; i < E__COUNT; i++) {
		if (sh("ip link add %s type veth peer name n%d", dev_names[i], i))
			return -1;
		ifx[i] = (int)if_nametoindex(dev_names[i]);
		if (ifx[i] <= 1)
			return -1;
	}
	snprintf(topo_dir, sizeof(topo_dir), "%s/vpcsim/dptest%d", DP_BPFFS,
		 (int)getpid());
	snprintf(pin_dir, sizeof(pin_dir), "%s/app", topo_dir);
	policy_init(&pol);
	if (policy_compile_vpc(&pol, &fx_topo, 0) ||
	    dp_load(1, DNS_IP, IP(10, 0, 0, 0), 16, pin_dir, &dp) ||
	    dp_policy_write(dp, &pol)) {
		fprintf(stderr, "setup: %s\n", err_msg());
		return -1;
	}
	enis_setup();
	return 0;
}

static int group_teardown(void **state)
{
	if (!is_root)
		return 0;
	dp_close(dp);
	policy_free(&pol);
	if (dp_unpin(pin_dir)) {
		fprintf(stderr, "teardown: %s\n", err_msg());
		return -1;
	}
	if (rmdir(topo_dir)) {
		perror(topo_dir);
		return -1;
	}
	rmdir(DP_BPFFS "/vpcsim");  /* only if no other topology is there */
	return 0;
}

/* ---- tests -------------------------------------------------------------- */

/* The premise of every other test: ctx_in.ifindex reaches skb->ifindex
 * and ctx_in.ingress_ifindex reaches skb->ingress_ifindex. */
static void test_ctx_ifindex(void **state)
{
	struct pkt p = mk(IP(10, 0, 1, 30), IP(1, 1, 1, 1), 17, 5000, 53);

	NEED_ROOT();
	counters_mark();
	SHOT(leave(E_UNKNOWN, &p), DP_DROP_NO_ENI);
	SHOT(enter(E_UNKNOWN, &p), DP_DROP_NO_ENI);
	PASS(leave(E_LAMBDA, &p));
	assert_drops(0, 0);
}

static void test_sg_table_agrees(void **state)
{
	NEED_ROOT();
	counters_mark();
	for (int i = 0; i < FX_N_SG_CASES; i++) {
		const struct fx_sg_case *c = &fx_sg_cases[i];
		uint32_t me = IP(10, 0, 9, 9);
		bool in = c->dir == DP_DIR_INGRESS, ev_track, bpf_track;
		struct policy_query q = {
			.dir = c->dir, .remote_ip = c->remote,
			.remote_groups = c->rgroups, .n_remote_groups = c->nrg,
			.proto = c->proto, .port = c->port,
			.sport = c->sport ? c->sport : (uint16_t)(40000 + i),
		};
		uint16_t flags = policy_eni_flags(&pol, c->groups, c->n);
		bool ev = policy_sg_allows(&pol, c->groups, c->n, flags, &q, &ev_track);
		uint16_t sport = q.sport, id = 0;
		struct pkt p;
		struct dp_ct_val v;
		int verdict;

		if (dp_eni_remove(dp, ifx[E_PROBE]))   /* flushes its flows */
			fail_msg("%s", err_msg());
		eni_put(E_PROBE, 9, me, CIDR(10, 0, 9, 0, 24), N_DEFAULT,
			c->groups, c->n, 0);
		if (c->nrg)
			dp_member_set(dp, DP_ORIGIN_VPC, c->remote, c->rgroups, c->nrg);
		else
			dp_member_remove(dp, DP_ORIGIN_VPC, c->remote);
		if (c->proto == 1) {
			id = (c->port >> 8) == 8 || (c->port >> 8) == 0 ? 77 : 0;
			p = mk(in ? c->remote : me, in ? me : c->remote, 1, c->port, 77);
		} else {
			p = mk(in ? c->remote : me, in ? me : c->remote, c->proto,
			       sport, c->port);
		}
		verdict = in ? enter(E_PROBE, &p) : leave(E_PROBE, &p);
		if (c->proto == 1)
			bpf_track = ct_get(1, E_PROBE, me, c->remote, id, id, &v) == 0;
		else if (c->proto == 47)
			bpf_track = ct_get(47, E_PROBE, me, c->remote, 0, 0, &v) == 0;
		else if (in)
			bpf_track = ct_get(c->proto, E_PROBE, me, c->remote,
					   c->port, sport, &v) == 0;
		else
			bpf_track = ct_get(c->proto, E_PROBE, me, c->remote,
					   sport, c->port, &v) == 0;
		if (ev != c->allow)
			fail_msg("case '%s': evaluator %d, want %d", c->what, ev, c->allow);
		if ((verdict == TC_ACT_OK) != c->allow)
			fail_msg("case '%s': BPF verdict %d, want allow=%d",
				 c->what, verdict, c->allow);
		if (c->allow && (bpf_track != c->track || ev_track != c->track))
			fail_msg("case '%s': tracked BPF %d evaluator %d, want %d",
				 c->what, bpf_track, ev_track, c->track);
		if (!c->allow && bpf_track)
			fail_msg("case '%s': a refused flow got a conntrack entry", c->what);
		assert_drops(c->allow ? 0 : (in ? DP_DROP_SG_INGRESS : DP_DROP_SG_EGRESS),
			     c->allow ? 0 : 1);
		dp_member_remove(dp, DP_ORIGIN_VPC, c->remote);
	}
	dp_eni_remove(dp, ifx[E_PROBE]);
}

static void test_nacl_table_agrees(void **state)
{
	NEED_ROOT();
	counters_mark();
	for (int i = 0; i < FX_N_NACL_CASES; i++) {
		const struct fx_nacl_case *c = &fx_nacl_cases[i];
		uint32_t me = IP(10, 0, 9, 9);
		bool in = c->dir == DP_DIR_INGRESS, ev_allow;
		struct policy_query q = {
			.dir = c->dir, .remote_ip = c->remote,
			.proto = c->proto, .port = c->port,
		};
		int rule = nacl_eval(&pol, c->nacl, &q, &ev_allow), verdict;
		struct pkt p;

		eni_put(E_PROBE, 9, me, CIDR(10, 0, 9, 0, 24), c->nacl, NULL, 0,
			DP_ENI_F_NO_SECURITY_GROUPS);
		if (c->proto == 1)
			p = mk(in ? c->remote : me, in ? me : c->remote, 1, c->port, 5);
		else
			p = mk(in ? c->remote : me, in ? me : c->remote, c->proto,
			       33333, c->port);
		verdict = in ? enter(E_PROBE, &p) : leave(E_PROBE, &p);
		if (rule != c->rule || ev_allow != c->allow)
			fail_msg("case '%s': evaluator rule %d allow %d, want %d %d",
				 c->what, rule, ev_allow, c->rule, c->allow);
		if ((verdict == TC_ACT_OK) != c->allow)
			fail_msg("case '%s': BPF verdict %d, want allow=%d",
				 c->what, verdict, c->allow);
		assert_drops(c->allow ? 0 : (in ? DP_DROP_NACL_INBOUND : DP_DROP_NACL_OUTBOUND),
			     c->allow ? 0 : 1);
	}
	dp_eni_remove(dp, ifx[E_PROBE]);
}

/* lambda (egress all, no ingress) to db (ingress 5432 from lambda): the
 * request passes both ENIs by rules, the reply by conntrack only, and the
 * NACL still checks the reply (stateless). */
static void test_reply_of_tracked_flow(void **state)
{
	uint32_t l = IP(10, 0, 1, 30), d = IP(10, 0, 2, 20);
	struct pkt req = mk(l, d, 6, 40000, 5432), rep = mk(d, l, 6, 5432, 40000);
	struct pkt stray = mk(d, l, 6, 5432, 40001);
	struct pkt low_req = mk(l, d, 6, 1000, 5432), low_rep = mk(d, l, 6, 5432, 1000);
	struct dp_ct_val v;

	NEED_ROOT();
	counters_mark();
	PASS(leave(E_LAMBDA, &req));
	PASS(enter(E_DB, &req));
	PASS(leave(E_DB, &rep));      /* db has no egress rule: conntrack */
	PASS(enter(E_LAMBDA, &rep));  /* lambda has no ingress rule: conntrack */
	SHOT(enter(E_LAMBDA, &stray), DP_DROP_SG_INGRESS);

	assert_int_equal(ct_get(6, E_LAMBDA, l, d, 40000, 5432, &v), 0);
	assert_int_equal(v.packets_out, 1);
	assert_int_equal(v.packets_in, 1);
	assert_int_equal(v.bytes_out, req.len);
	assert_true(v.flags & DP_CT_F_SEEN_REPLY);
	assert_false(v.flags & DP_CT_F_ORIG_INGRESS);
	assert_int_equal(ct_get(6, E_DB, d, l, 5432, 40000, &v), 0);
	assert_true(v.flags & DP_CT_F_ORIG_INGRESS);

	/* the private NACL allows replies to 1024-65535 only */
	PASS(leave(E_LAMBDA, &low_req));
	PASS(enter(E_DB, &low_req));
	SHOT(leave(E_DB, &low_rep), DP_DROP_NACL_OUTBOUND);
}

static void test_icmp_echo_tracked(void **state)
{
	uint32_t l = IP(10, 0, 1, 30), a = IP(10, 0, 2, 50);
	struct pkt req = mk(l, a, 1, 8 << 8, 77), rep = mk(a, l, 1, 0, 77);
	struct pkt other = mk(a, l, 1, 0, 78);

	NEED_ROOT();
	counters_mark();
	PASS(leave(E_LAMBDA, &req));
	PASS(enter(E_LAMBDA, &rep));
	SHOT(enter(E_LAMBDA, &other), DP_DROP_SG_INGRESS);
}

/* An ICMP error (type 3 code 3, port unreachable) from `from` to `to`
 * quoting the IPv4 header and first 8 bytes of `about`. */
static struct pkt mk_icmp_error(uint32_t from, uint32_t to, const struct pkt *about)
{
	struct pkt p = mk(from, to, 1, 3 << 8 | 3, 0);
	uint8_t *ip = p.buf + 14;

	memcpy(ip + 28, about->buf + 14, 28);
	put16(ip + 2, htons(20 + 8 + 28));
	put16(ip + 10, 0);
	put16(ip + 10, csum(ip, 20));
	p.len = 14 + 20 + 8 + 28;
	return p;
}

/* An ICMP error about a tracked flow passes the groups as its replies do
 * (a closed UDP port refuses); one about no tracked flow is judged by the
 * rules (lambda admits nothing in). */
static void test_icmp_error_related(void **state)
{
	uint32_t l = IP(10, 0, 1, 30), r = IP(10, 0, 2, 50);
	struct pkt req = mk(l, r, 17, 5002, 9998);
	struct pkt untracked = mk(l, r, 17, 5003, 9998);
	struct pkt err = mk_icmp_error(r, l, &req);
	struct pkt stray = mk_icmp_error(r, l, &untracked);

	NEED_ROOT();
	counters_mark();
	PASS(leave(E_LAMBDA, &req));
	PASS(enter(E_LAMBDA, &err));
	SHOT(enter(E_LAMBDA, &stray), DP_DROP_SG_INGRESS);
}

/* A function's hyperplane ENI (DP_ENI_F_NO_INBOUND, no *_OPEN flags, as
 * vpc_dp_eni() writes it): a group admitting everything in does not let a
 * connection in; the function's own flows are tracked and get replies. */
static void test_function_no_inbound(void **state)
{
	static const uint16_t open[] = { G_OPEN };
	uint32_t f = IP(10, 0, 1, 60), r = IP(10, 0, 1, 10);
	struct pkt in = mk(r, f, 6, 40000, 22);
	struct pkt out = mk(f, r, 6, 40001, 80), back = mk(r, f, 6, 80, 40001);
	struct dp_eni e;

	NEED_ROOT();
	memset(&e, 0, sizeof(e));
	e.eni_id = 6;
	e.ip = htonl(f);
	e.subnet = htonl(SUB_A.addr);
	e.subnet_mask = htonl(cidr_mask(SUB_A.len));
	e.nacl_id = N_DEFAULT;
	e.n_sgs = 1;
	e.sg_ids[0] = G_OPEN;
	e.flags = DP_ENI_F_NO_INBOUND;
	assert_int_equal(dp_eni_add(dp, ifx[E_OPEN], &e), 0);
	counters_mark();
	SHOT(enter(E_OPEN, &in), DP_DROP_FUNCTION_INBOUND);
	PASS(leave(E_OPEN, &out));
	PASS(enter(E_OPEN, &back));
	eni_put(E_OPEN, 6, f, SUB_A, N_DEFAULT, open, 1, DP_ENI_F_HAS_PUBLIC_IP);
}

static void test_udp_timeout(void **state)
{
	uint32_t l = IP(10, 0, 1, 30), r = IP(1, 1, 1, 1);
	struct pkt req = mk(l, r, 17, 5001, 9999), rep = mk(r, l, 17, 9999, 5001);
	struct dp_ct_key k;
	struct dp_ct_val v;
	struct timespec ts;

	NEED_ROOT();
	counters_mark();
	PASS(leave(E_LAMBDA, &req));
	assert_int_equal(ct_get(17, E_LAMBDA, l, r, 5001, 9999, &v), 0);
	/* idle for 31 s: past the 30 s UDP timeout */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	v.last_seen_ns = (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec -
			 31ULL * 1000000000ULL;
	memset(&k, 0, sizeof(k));
	k.ifindex = ifx[E_LAMBDA];
	k.proto = 17;
	k.local_ip = htonl(l);
	k.remote_ip = htonl(r);
	k.local_port = htons(5001);
	k.remote_port = htons(9999);
	assert_int_equal(dp_ct_put(dp, &k, &v), 0);
	SHOT(enter(E_LAMBDA, &rep), DP_DROP_SG_INGRESS);
	assert_int_not_equal(ct_get(17, E_LAMBDA, l, r, 5001, 9999, &v), 0);

	/* a stream (reply seen) keeps 180 s: 31 s idle is fine */
	PASS(leave(E_LAMBDA, &req));
	PASS(enter(E_LAMBDA, &rep));
	assert_int_equal(ct_get(17, E_LAMBDA, l, r, 5001, 9999, &v), 0);
	v.last_seen_ns -= 31ULL * 1000000000ULL;
	assert_int_equal(dp_ct_put(dp, &k, &v), 0);
	PASS(enter(E_LAMBDA, &rep));
	assert_drops(0, 0);
}

/* ---- connection tracking: allowance, TCP states, per-ENI timeouts ------ */

static struct pkt mk_tcp(uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport,
			 uint8_t flags)
{
	struct pkt p = mk(src, dst, 6, sport, dport);

	p.buf[14 + 20 + 13] = flags;
	return p;
}

static void ct_key_of(struct dp_ct_key *k, int proto, int dev, uint32_t local,
		      uint32_t remote, uint16_t lport, uint16_t rport)
{
	memset(k, 0, sizeof(*k));
	k->ifindex = ifx[dev];
	k->proto = (uint8_t)proto;
	k->local_ip = htonl(local);
	k->remote_ip = htonl(remote);
	k->local_port = htons(lport);
	k->remote_port = htons(rport);
}

/* Move an entry's last packet `s` seconds into the past. */
static void ct_age(int proto, int dev, uint32_t local, uint32_t remote,
		   uint16_t lport, uint16_t rport, uint64_t s)
{
	struct dp_ct_key k;
	struct dp_ct_val v;

	ct_key_of(&k, proto, dev, local, remote, lport, rport);
	assert_int_equal(dp_ct_get(dp, &k, &v), 0);
	v.last_seen_ns -= s * 1000000000ULL;
	assert_int_equal(dp_ct_put(dp, &k, &v), 0);
}

/* The lambda ENI again, with a tracking table made afresh with these
 * settings (all 0: the defaults, as enis_setup() made it). */
static void lambda_with(uint32_t allowance, uint32_t tcp_s, uint16_t udp_s,
			uint16_t stream_s)
{
	static const uint16_t lambda[] = { G_LAMBDA };
	struct dp_eni e;

	assert_int_equal(dp_eni_remove(dp, ifx[E_LAMBDA]), 0);
	memset(&e, 0, sizeof(e));
	e.eni_id = 3;
	e.ip = htonl(IP(10, 0, 1, 30));
	e.subnet = htonl(SUB_A.addr);
	e.subnet_mask = htonl(cidr_mask(SUB_A.len));
	e.nacl_id = N_DEFAULT;
	e.n_sgs = 1;
	e.sg_ids[0] = lambda[0];
	e.flags = policy_eni_flags(&pol, lambda, 1);
	e.ct_allowance = allowance;
	e.ct_tcp_established_s = tcp_s;
	e.ct_udp_s = udp_s;
	e.ct_udp_stream_s = stream_s;
	if (dp_eni_add(dp, ifx[E_LAMBDA], &e))
		fail_msg("%s", err_msg());
}

/* An ENI's allowance: new flows beyond it are dropped and counted, its
 * tracked flows go on, another ENI is not touched, and an expired entry
 * makes room again (swept when the table is full). */
static void test_allowance_per_eni(void **state)
{
	uint32_t l = IP(10, 0, 1, 30), a = IP(10, 0, 1, 60), r = IP(1, 1, 1, 1);
	struct pkt p;
	struct dp_ct_val v;

	NEED_ROOT();
	lambda_with(4, 0, 0, 0);
	counters_mark();
	for (uint16_t i = 0; i < 4; i++) {
		p = mk(l, r, 17, 6000 + i, 53);
		PASS(leave(E_LAMBDA, &p));
	}
	p = mk(l, r, 17, 6004, 53);
	SHOT(leave(E_LAMBDA, &p), DP_DROP_CONNTRACK_ALLOWANCE_EXCEEDED);
	SHOT(leave(E_LAMBDA, &p), DP_DROP_CONNTRACK_ALLOWANCE_EXCEEDED);
	for (uint16_t i = 0; i < 4; i++) {
		p = mk(r, l, 17, 53, 6000 + i);
		PASS(enter(E_LAMBDA, &p));
	}
	assert_int_equal(dp_ct_count(dp, ifx[E_LAMBDA]), 4);
	/* another ENI's new flows are not limited by this one's table */
	for (uint16_t i = 0; i < 8; i++) {
		p = mk(a, r, 17, 7000 + i, 53);
		PASS(leave(E_OPEN, &p));
	}
	assert_drops(0, 0);
	/* a stream idle past 180 s expires: the next new flow finds room */
	ct_age(17, E_LAMBDA, l, r, 6000, 53, 181);
	usleep(DP_CT_GC_INTERVAL_NS / 1000 + 20000);
	p = mk(l, r, 17, 6004, 53);
	PASS(leave(E_LAMBDA, &p));
	assert_int_equal(ct_get(17, E_LAMBDA, l, r, 6004, 53, &v), 0);
	assert_int_not_equal(ct_get(17, E_LAMBDA, l, r, 6000, 53, &v), 0);
	assert_int_equal(dp_ct_count(dp, ifx[E_LAMBDA]), 4);
	assert_drops(0, 0);
	lambda_with(0, 0, 0, 0);
}

/* TCP: SYN, SYN-ACK, FIN both ways; a new SYN on the closed entry is a
 * new connection; RST shortens the timeout to 10 s; established keeps
 * the ENI's timeout. */
static void test_tcp_states(void **state)
{
	uint32_t l = IP(10, 0, 1, 30), r = IP(1, 1, 1, 1);
	struct pkt syn = mk_tcp(l, r, 41000, 443, 0x02), synack = mk_tcp(r, l, 443, 41000, 0x12);
	struct pkt ack = mk_tcp(l, r, 41000, 443, 0x10), back = mk_tcp(r, l, 443, 41000, 0x10);
	struct pkt fin_out = mk_tcp(l, r, 41000, 443, 0x11), fin_in = mk_tcp(r, l, 443, 41000, 0x11);
	struct pkt rst_in = mk_tcp(r, l, 443, 41000, 0x14);
	struct dp_ct_val v;

	NEED_ROOT();
	lambda_with(0, 60, 0, 0);
	counters_mark();
	/* a SYN without answer: SYN_SENT, 120 s */
	PASS(leave(E_LAMBDA, &syn));
	assert_int_equal(ct_get(6, E_LAMBDA, l, r, 41000, 443, &v), 0);
	assert_true(v.flags & DP_CT_F_TCP_SYN);
	ct_age(6, E_LAMBDA, l, r, 41000, 443, 100);
	PASS(enter(E_LAMBDA, &synack));
	/* established: the ENI's 60 s */
	PASS(leave(E_LAMBDA, &ack));
	ct_age(6, E_LAMBDA, l, r, 41000, 443, 59);
	PASS(enter(E_LAMBDA, &back));
	ct_age(6, E_LAMBDA, l, r, 41000, 443, 61);
	SHOT(enter(E_LAMBDA, &back), DP_DROP_SG_INGRESS);

	/* FIN both ways closes it: a new SYN from the same port is judged
	 * by the rules and gets a new entry */
	PASS(leave(E_LAMBDA, &syn));
	PASS(enter(E_LAMBDA, &synack));
	PASS(leave(E_LAMBDA, &fin_out));
	PASS(enter(E_LAMBDA, &fin_in));
	PASS(leave(E_LAMBDA, &ack));
	assert_int_equal(ct_get(6, E_LAMBDA, l, r, 41000, 443, &v), 0);
	assert_int_equal(v.flags & (DP_CT_F_TCP_FIN_OUT | DP_CT_F_TCP_FIN_IN),
			 DP_CT_F_TCP_FIN_OUT | DP_CT_F_TCP_FIN_IN);
	assert_int_equal(v.packets_out, 3);
	PASS(leave(E_LAMBDA, &syn));
	assert_int_equal(ct_get(6, E_LAMBDA, l, r, 41000, 443, &v), 0);
	assert_int_equal(v.packets_out, 1);
	assert_int_equal(v.packets_in, 0);
	assert_false(v.flags & DP_CT_F_TCP_FIN_OUT);

	/* RST: CLOSE, 10 s; the reply 11 s later is a stranger */
	PASS(enter(E_LAMBDA, &synack));
	PASS(enter(E_LAMBDA, &rst_in));
	ct_age(6, E_LAMBDA, l, r, 41000, 443, 11);
	SHOT(enter(E_LAMBDA, &back), DP_DROP_SG_INGRESS);
	lambda_with(0, 0, 0, 0);
}

/* An ENI's UDP timeouts: 60 s instead of 30, 60 s for a stream. */
static void test_udp_timeouts_per_eni(void **state)
{
	uint32_t l = IP(10, 0, 1, 30), r = IP(1, 1, 1, 1);
	struct pkt req = mk(l, r, 17, 5101, 9999), rep = mk(r, l, 17, 9999, 5101);

	NEED_ROOT();
	lambda_with(0, 0, 60, 60);
	counters_mark();
	PASS(leave(E_LAMBDA, &req));
	ct_age(17, E_LAMBDA, l, r, 5101, 9999, 45);
	PASS(enter(E_LAMBDA, &rep));       /* 45 s < 60 s */
	ct_age(17, E_LAMBDA, l, r, 5101, 9999, 61);
	SHOT(enter(E_LAMBDA, &rep), DP_DROP_SG_INGRESS);  /* stream: 60 s */
	lambda_with(0, 0, 0, 0);
}

/* dp_ct_forget_peer: every ENI's entries with that remote address go,
 * others stay. */
static void test_forget_peer(void **state)
{
	uint32_t l = IP(10, 0, 1, 30), a = IP(10, 0, 1, 60);
	uint32_t gone = IP(10, 0, 7, 7), kept = IP(10, 0, 7, 8);
	struct pkt p1 = mk(l, gone, 17, 8000, 53), p2 = mk(a, gone, 17, 8001, 53);
	struct pkt p3 = mk(l, kept, 17, 8002, 53);
	struct dp_ct_val v;

	NEED_ROOT();
	PASS(leave(E_LAMBDA, &p1));
	PASS(leave(E_OPEN, &p2));
	PASS(leave(E_LAMBDA, &p3));
	assert_int_equal(dp_ct_forget_peer(dp, gone), 2);
	assert_int_not_equal(ct_get(17, E_LAMBDA, l, gone, 8000, 53, &v), 0);
	assert_int_not_equal(ct_get(17, E_OPEN, a, gone, 8001, 53, &v), 0);
	assert_int_equal(ct_get(17, E_LAMBDA, l, kept, 8002, 53, &v), 0);
}

/* "Fragmentation needed" from the VPC router (an address inside the
 * subnet) about a packet the ENI sent out of its subnet: the groups pass
 * it (related to the tracked flow), the subnet's NACL judges it as coming
 * from the quoted destination: the private NACL has no ICMP rule, so it
 * is denied there; the default NACL lets it in. */
static void test_pmtud_error_nacl(void **state)
{
	uint32_t a = IP(10, 0, 2, 50), l = IP(10, 0, 1, 30), far = IP(10, 0, 1, 99);
	struct pkt out_a = mk(a, far, 6, 40100, 2000), out_l = mk(l, far, 6, 40101, 2000);
	struct pkt err_a = mk_icmp_error(IP(10, 0, 2, 1), a, &out_a);
	struct pkt err_l = mk_icmp_error(IP(10, 0, 1, 1), l, &out_l);

	NEED_ROOT();
	err_a.buf[14 + 21] = 4;   /* code 4: fragmentation needed */
	err_l.buf[14 + 21] = 4;
	counters_mark();
	PASS(leave(E_ADMIN, &out_a));
	SHOT(enter(E_ADMIN, &err_a), DP_DROP_NACL_INBOUND);
	PASS(leave(E_LAMBDA, &out_l));
	PASS(enter(E_LAMBDA, &err_l));
}

/* Group references match a member only where it is: 10.9.0.5 is in the
 * lambda group behind the peering link "other"; db admits lambda on 5432.
 * From that link it passes; the same address from the internet gateway
 * or from inside the VPC does not, nor does the VPC's own lambda member
 * (10.0.1.30) arriving over the peering link. */
static void test_members_by_origin(void **state)
{
	static const uint16_t lambda[] = { G_LAMBDA };
	uint32_t d = IP(10, 0, 2, 20), peer = IP(10, 9, 0, 5), own = IP(10, 0, 1, 30);
	struct pkt from_peer = mk(peer, d, 6, 41000, 5432), from_own = mk(own, d, 6, 41001, 5432);

	NEED_ROOT();
	assert_int_equal(dp_member_set(dp, (uint32_t)ifx[E_OTHER], peer, lambda, 1), 0);
	counters_mark();
	SHOT(run(DP_PROG_TO_ENI, E_DB, E_WEB, &from_peer), DP_DROP_SG_INGRESS);
	SHOT(run(DP_PROG_TO_ENI, E_DB, E_IGW, &from_peer), DP_DROP_PRIVATE_ADDRESS_FROM_OUTSIDE);
	SHOT(run(DP_PROG_TO_ENI, E_DB, E_OTHER, &from_own), DP_DROP_SG_INGRESS);
	PASS(run(DP_PROG_TO_ENI, E_DB, E_OTHER, &from_peer));
	PASS(run(DP_PROG_TO_ENI, E_DB, E_WEB, &from_own));
	assert_int_equal(dp_member_remove(dp, (uint32_t)ifx[E_OTHER], peer), 0);
	from_peer = mk(peer, d, 6, 41002, 5432);
	SHOT(run(DP_PROG_TO_ENI, E_DB, E_OTHER, &from_peer), DP_DROP_SG_INGRESS);
}

/* ---- fragments ------------------------------------------------------------ */

/* p as a fragment of datagram `id`: offset in 8-byte units, more = MF. */
static struct pkt frag_of(struct pkt p, uint16_t id, uint16_t offset, int more)
{
	uint8_t *ip = p.buf + 14;

	*(uint16_t *)(ip + 4) = htons(id);
	*(uint16_t *)(ip + 6) = htons((uint16_t)((more ? 0x2000 : 0) | offset));
	*(uint16_t *)(ip + 10) = 0;
	*(uint16_t *)(ip + 10) = csum(ip, 20);
	return p;
}

/* Later fragments follow their first fragment's verdict, per ENI and
 * direction; without a first fragment that passed they are dropped. */
static void test_fragments_follow_first(void **state)
{
	uint32_t l = IP(10, 0, 1, 30), r = IP(1, 1, 1, 1), w = IP(10, 0, 1, 10);
	struct pkt first = frag_of(mk(l, r, 17, 5300, 53), 77, 0, 1);
	struct pkt mid = frag_of(mk(l, r, 17, 0, 0), 77, 185, 1);
	struct pkt last = frag_of(mk(l, r, 17, 0, 0), 77, 370, 0);
	struct pkt stray = frag_of(mk(l, r, 17, 0, 0), 78, 185, 0);
	struct pkt in_first = frag_of(mk(r, l, 17, 53, 5300), 900, 0, 1);
	struct pkt in_last = frag_of(mk(r, l, 17, 0, 0), 900, 185, 0);
	/* web admits nothing from lambda on udp: first refused, rest too */
	struct pkt bad_first = frag_of(mk(l, w, 17, 5301, 9), 79, 0, 1);
	struct pkt bad_last = frag_of(mk(l, w, 17, 0, 0), 79, 185, 0);

	NEED_ROOT();
	counters_mark();
	SHOT(leave(E_LAMBDA, &mid), DP_DROP_FRAGMENT);  /* before its first */
	PASS(leave(E_LAMBDA, &first));
	PASS(leave(E_LAMBDA, &mid));
	PASS(leave(E_LAMBDA, &last));
	SHOT(leave(E_LAMBDA, &stray), DP_DROP_FRAGMENT);
	in_last = frag_of(mk(r, l, 17, 0, 0), 77, 370, 0);
	SHOT(enter(E_LAMBDA, &in_last), DP_DROP_FRAGMENT); /* same id, other way */
	in_last = frag_of(mk(r, l, 17, 0, 0), 900, 185, 0);
	/* the reply, fragmented, follows the tracked flow */
	PASS(enter(E_LAMBDA, &in_first));
	PASS(enter(E_LAMBDA, &in_last));
	PASS(leave(E_LAMBDA, &bad_first));              /* lambda: all out */
	SHOT(enter(E_WEB, &bad_first), DP_DROP_SG_INGRESS);
	SHOT(enter(E_WEB, &bad_last), DP_DROP_FRAGMENT);
}

/* A NAT gateway forwards UDP fragments and drops TCP and ICMP ones. */
static void test_fragments_nat_gateway(void **state)
{
	uint32_t n = IP(10, 0, 1, 40), r = IP(1, 1, 1, 1);
	struct pkt u1 = frag_of(mk(n, r, 17, 1024, 53), 5, 0, 1);
	struct pkt u2 = frag_of(mk(n, r, 17, 0, 0), 5, 185, 0);
	struct pkt t1 = frag_of(mk(n, r, 6, 1024, 443), 6, 0, 1);
	struct pkt i1 = frag_of(mk(r, n, 1, 8 << 8, 7), 7, 0, 1);
	struct pkt i2 = frag_of(mk(r, n, 1, 0, 0), 7, 185, 0);
	struct pkt t_whole = mk(n, r, 6, 1025, 443);

	NEED_ROOT();
	counters_mark();
	PASS(leave(E_NAT, &u1));
	PASS(leave(E_NAT, &u2));
	SHOT(leave(E_NAT, &t1), DP_DROP_FRAGMENT);
	SHOT(enter(E_NAT, &i1), DP_DROP_FRAGMENT);
	SHOT(enter(E_NAT, &i2), DP_DROP_FRAGMENT);
	PASS(leave(E_NAT, &t_whole));
}

/* The maps hold exactly p's entries, in one generation. */
static void assert_policy_in_maps(const struct policy *p)
{
	for (int pm = 0; pm < PM__COUNT; pm++) {
		int fd = bpf_obj_get_fd_for(policy_map_names[pm]);
		uint8_t cur[16], next[16];
		void *prev = NULL;
		int n = 0;

		if (pm == PM_NACLS) {
			struct dp_nacl acl;

			for (uint32_t i = 0; i < 2 * DP_NACLS_MAX; i++)
				if (bpf_map_lookup_elem(fd, &i, &acl) == 0 &&
				    (acl.allow_mask[0] || acl.allow_mask[1]))
					n++;
		} else {
			while (bpf_map_get_next_key(fd, prev, next) == 0) {
				memcpy(cur, next, sizeof(cur));
				prev = cur;
				n++;
			}
		}
		int want = p->maps[pm].n;

		if (pm == PM_NACLS)  /* zero entries ("empty" NACL) are not seen */
			for (int i = 0; i < p->maps[pm].n; i++) {
				const struct dp_nacl *a = (const void *)(p->maps[pm].values +
									 i * sizeof(*a));

				want -= !a->allow_mask[0] && !a->allow_mask[1];
			}
		if (n != want)
			fail_msg("map %s: %d entries, want %d", policy_map_names[pm],
				 n, want);
	}
}

/* Removing the admitting rule cuts an untracked flow at once and leaves a
 * tracked one running (AWS-SEMANTICS.md, "untracked flows"). */
static void test_untracked_cut_tracked_kept(void **state)
{
	uint32_t o = IP(10, 0, 1, 60), w = IP(10, 0, 1, 10), c = IP(198, 51, 100, 7);
	struct pkt to_open = mk(c, o, 6, 50000, 443), to_web = mk(c, w, 6, 50001, 80);
	struct pkt from_open = mk(o, c, 6, 443, 50000);
	struct dp_ct_val v;
	struct security_group saved_open = fx_groups[5], saved_web = fx_groups[1];
	struct policy cut;
	uint32_t zero = 0, gen, gen2;

	NEED_ROOT();
	counters_mark();
	PASS(enter(E_OPEN, &to_open));
	assert_int_not_equal(ct_get(6, E_OPEN, o, c, 443, 50000, &v), 0);
	/* its reply leaves by the open egress rule and must not start
	 * tracking the flow either */
	PASS(leave(E_OPEN, &from_open));
	assert_int_not_equal(ct_get(6, E_OPEN, o, c, 443, 50000, &v), 0);
	PASS(enter(E_WEB, &to_web));
	assert_int_equal(ct_get(6, E_WEB, w, c, 80, 50001, &v), 0);

	fx_groups[5].n_ingress = 0;
	fx_groups[1].n_ingress = 0;
	policy_init(&cut);
	assert_int_equal(policy_compile_vpc(&cut, &fx_topo, 0), 0);
	fx_groups[5] = saved_open;
	fx_groups[1] = saved_web;
	assert_int_equal(bpf_map_lookup_elem(bpf_obj_get_fd_for("policy_gen"), &zero, &gen), 0);
	assert_int_equal(dp_policy_write(dp, &cut), 0);
	assert_policy_in_maps(&cut);
	assert_int_equal(bpf_map_lookup_elem(bpf_obj_get_fd_for("policy_gen"), &zero, &gen2), 0);
	assert_int_equal(gen2, gen ^ 1);

	SHOT(enter(E_OPEN, &to_open), DP_DROP_SG_INGRESS);
	PASS(enter(E_WEB, &to_web));
	assert_int_equal(dp_policy_write(dp, &pol), 0);
	assert_policy_in_maps(&pol);
	PASS(enter(E_OPEN, &to_open));
	policy_free(&cut);
}

static void test_nacl_only_across_subnets(void **state)
{
	uint32_t a = IP(10, 0, 2, 50);
	struct pkt same = mk(IP(10, 0, 2, 7), a, 6, 40000, 5432);
	struct pkt across = mk(IP(10, 0, 3, 7), a, 17, 40000, 53);
	struct pkt within = mk(IP(10, 0, 2, 7), a, 17, 40000, 53);

	NEED_ROOT();
	counters_mark();
	/* rule 90 of the private NACL would deny this: within the subnet it
	 * is not evaluated, and admin allows all from 10.0.2.0/24 */
	PASS(enter(E_ADMIN, &same));
	/* admin allows udp 53 from 10/8; the NACL has no udp rule */
	SHOT(enter(E_ADMIN, &across), DP_DROP_NACL_INBOUND);
	PASS(enter(E_ADMIN, &within));
}

static void test_src_dst_check(void **state)
{
	struct pkt spoof = mk(IP(10, 0, 1, 99), IP(10, 0, 1, 30), 6, 1, 80);
	struct pkt not_mine = mk(IP(10, 0, 1, 30), IP(10, 0, 1, 99), 6, 40000, 80);
	struct pkt nat_out = mk(IP(10, 0, 2, 20), IP(203, 0, 113, 10), 6, 40000, 443);
	struct pkt nat_in = mk(IP(10, 0, 2, 20), IP(203, 0, 113, 10), 6, 40000, 443);

	NEED_ROOT();
	counters_mark();
	SHOT(leave(E_WEB, &spoof), DP_DROP_SPOOFED_SOURCE);
	SHOT(enter(E_WEB, &not_mine), DP_DROP_SPOOFED_DESTINATION);
	/* the NAT gateway forwards others' packets: exempt, no groups */
	PASS(enter(E_NAT, &nat_in));
	PASS(leave(E_NAT, &nat_out));
}

static void test_outside_guard(void **state)
{
	uint32_t w = IP(10, 0, 1, 10), o = IP(10, 0, 1, 60), l = IP(10, 0, 1, 30);
	uint32_t pub = IP(203, 0, 113, 10);
	struct pkt to_web = mk(pub, w, 6, 50000, 80), to_open = mk(pub, o, 6, 50000, 443);
	struct pkt out = mk(l, pub, 6, 41000, 443), back = mk(pub, l, 6, 443, 41000);

	NEED_ROOT();
	counters_mark();
	/* web allows tcp 80 from 0.0.0.0/0, but has no public address */
	SHOT(run(DP_PROG_TO_ENI, E_WEB, E_IGW, &to_web),
	     DP_DROP_PRIVATE_ADDRESS_FROM_OUTSIDE);
	PASS(run(DP_PROG_TO_ENI, E_WEB, E_OTHER, &to_web));
	PASS(run(DP_PROG_TO_ENI, E_OPEN, E_IGW, &to_open));
	/* the reply of a tracked flow comes back from outside */
	PASS(leave(E_LAMBDA, &out));
	PASS(run(DP_PROG_TO_ENI, E_LAMBDA, E_IGW, &back));
}

static void test_parse_drops(void **state)
{
	struct pkt p = mk(IP(10, 0, 1, 30), IP(1, 1, 1, 1), 17, 5000, 53);
	struct pkt arp = p, v6 = p, trunc = p, ihl = p, frag = p, first = p;

	NEED_ROOT();
	counters_mark();
	arp.buf[12] = 0x08, arp.buf[13] = 0x06;
	PASS(leave(E_LAMBDA, &arp));
	PASS(enter(E_LAMBDA, &arp));
	v6.buf[12] = 0x86, v6.buf[13] = 0xdd;
	SHOT(leave(E_LAMBDA, &v6), DP_DROP_NOT_IPV4);
	/* BPF_PROG_TEST_RUN refuses (EINVAL) an IPv4 frame shorter than
	 * Ethernet + 20 bytes on this kernel: truncate inside L4 instead */
	trunc.len = 14 + 20 + 2;
	trunc.buf[14 + 2] = 0, trunc.buf[14 + 3] = 22;
	SHOT(leave(E_LAMBDA, &trunc), DP_DROP_MALFORMED);
	trunc.buf[14 + 3] = 200;                            /* tot_len > frame */
	SHOT(leave(E_LAMBDA, &trunc), DP_DROP_MALFORMED);
	ihl.buf[14] = 0x44;
	SHOT(leave(E_LAMBDA, &ihl), DP_DROP_MALFORMED);
	frag.buf[14 + 6] = 0x00, frag.buf[14 + 7] = 0x10;  /* offset 16*8 */
	SHOT(leave(E_LAMBDA, &frag), DP_DROP_FRAGMENT);
	first.buf[14 + 6] = 0x20;                           /* MF, offset 0 */
	PASS(leave(E_LAMBDA, &first));
}

static void test_dns_not_filtered(void **state)
{
	uint32_t w = IP(10, 0, 1, 10);
	struct pkt q = mk(w, DNS_IP, 17, 5353, 53), a = mk(DNS_IP, w, 17, 53, 5353);
	struct pkt other = mk(w, DNS_IP, 17, 5353, 54);

	NEED_ROOT();
	counters_mark();
	/* web has no egress rule at all */
	PASS(leave(E_WEB, &q));
	PASS(enter(E_WEB, &a));
	SHOT(leave(E_WEB, &other), DP_DROP_SG_EGRESS);
}

/* AWS's quota: DP_DNS_PPS_MAX packets a second per ENI to the resolver
 * (base + 2 or 169.254.169.253); the next one is dropped, and the ENI's
 * replies and other traffic are not counted. */
static void test_dns_quota(void **state)
{
	uint32_t w = IP(10, 0, 1, 10);
	struct pkt q = mk(w, DNS_IP, 17, 5353, 53), ll = mk(w, DP_DNS_LINK_LOCAL, 17, 5353, 53);
	struct pkt a = mk(DNS_IP, w, 17, 53, 5353);

	uint32_t key;

	NEED_ROOT();
	/* Earlier tests' queries count in the window: start a fresh one. */
	while (bpf_map_get_next_key(dp->map_fd[DP_MAP_DNS_RATE], NULL, &key) == 0)
		bpf_map_delete_elem(dp->map_fd[DP_MAP_DNS_RATE], &key);
	counters_mark();
	for (int i = 0; i < DP_DNS_PPS_MAX / 2; i++) {
		PASS(leave(E_WEB, &q));
		PASS(leave(E_WEB, &ll));
		PASS(enter(E_WEB, &a));
	}
	SHOT(leave(E_WEB, &q), DP_DROP_DNS_QUOTA_EXCEEDED);
	SHOT(leave(E_WEB, &ll), DP_DROP_DNS_QUOTA_EXCEEDED);
	PASS(enter(E_WEB, &a));
}

static int on_event(void *ctx, void *data, size_t len)
{
	const struct dp_drop_event *e = data;
	int *seen = ctx;

	if (len >= sizeof(*e) && e->reason == DP_DROP_SG_INGRESS &&
	    e->dport == htons(4444) && e->eni_id == 1 &&
	    e->vpc_id == 1)
		*seen = 1;
	return 0;
}

struct seen_flows {
	int reject_4444, accept_out, accept_in;
	char line[256];
};

static int on_flow(const struct dp_flow_record *r, void *ctx)
{
	struct seen_flows *s = ctx;

	if (!r->accept && r->eni_id == 1 && r->dport == 4444 && r->packets == 2)
		s->reject_4444++;
	if (r->accept && r->ifindex == (uint32_t)ifx[E_LAMBDA] &&
	    r->src == IP(10, 0, 1, 30) && r->sport == 40000 &&
	    r->dst == IP(10, 0, 2, 20) && r->dport == 5432 && r->packets == 1) {
		s->accept_out++;
		flowlog_format(s->line, sizeof(s->line), "123456789012",
			       "eni-3", r, flowlog_clock_offset_ns());
	}
	if (r->accept && r->ifindex == (uint32_t)ifx[E_LAMBDA] &&
	    r->src == IP(10, 0, 2, 20) && r->sport == 5432 && r->dport == 40000)
		s->accept_in++;
	return 0;
}

static void test_flow_logs(void **state)
{
	struct seen_flows flows = { 0 };
	uint32_t w = IP(10, 0, 1, 10), c = IP(10, 0, 2, 99);
	struct pkt p = mk(c, w, 6, 33000, 4444);
	struct dp_flow_key k;
	struct dp_flow_val v;
	struct ring_buffer *rb;
	int seen = 0;

	NEED_ROOT();
	rb = ring_buffer__new(dp->map_fd[DP_MAP_DROP_EVENTS], on_event, &seen, NULL);
	assert_non_null(rb);
	ring_buffer__consume(rb);  /* earlier tests' events */
	counters_mark();
	SHOT(enter(E_WEB, &p), DP_DROP_SG_INGRESS);
	SHOT(enter(E_WEB, &p), DP_DROP_SG_INGRESS);
	memset(&k, 0, sizeof(k));
	k.ifindex = ifx[E_WEB];
	k.proto = 6;
	k.dir = DP_DIR_INGRESS;
	k.src = htonl(c);
	k.dst = htonl(w);
	k.sport = htons(33000);
	k.dport = htons(4444);
	assert_int_equal(bpf_map_lookup_elem(dp->map_fd[DP_MAP_FLOW_REJECT], &k, &v), 0);
	assert_int_equal(v.packets, 2);
	assert_int_equal(v.bytes, 2 * p.len);
	assert_int_equal(v.reason, DP_DROP_SG_INGRESS);
	assert_true(v.last_ns >= v.first_ns);
	ring_buffer__consume(rb);
	assert_int_equal(seen, 1);
	ring_buffer__free(rb);

	/* flow-log records: this REJECT and the ACCEPTed lambda -> db flow
	 * of test_reply_of_tracked_flow, one record per direction */
	assert_int_equal(dp_flows_read(dp, on_flow, &flows), 0);
	assert_int_equal(flows.reject_4444, 1);
	assert_int_equal(flows.accept_out, 1);
	assert_int_equal(flows.accept_in, 1);
	assert_non_null(strstr(flows.line, "2 123456789012 eni-3 10.0.1.30 10.0.2.20 40000 5432 6 1 "));
	assert_non_null(strstr(flows.line, " ACCEPT OK"));
}

static void test_eni_remove_flushes(void **state)
{
	uint32_t l = IP(10, 0, 1, 30), r = IP(1, 1, 1, 1);
	struct pkt req = mk(l, r, 6, 45000, 443);
	struct dp_ct_val v;
	static const uint16_t lambda[] = { G_LAMBDA };
	uint8_t used;

	NEED_ROOT();
	PASS(leave(E_LAMBDA, &req));
	assert_int_equal(ct_get(6, E_LAMBDA, l, r, 45000, 443, &v), 0);
	assert_int_equal(dp_eni_remove(dp, ifx[E_LAMBDA]), 0);
	assert_int_not_equal(ct_get(6, E_LAMBDA, l, r, 45000, 443, &v), 0);
	/* the table stays, empty and no longer marked used, for the
	 * ifindex's next ENI */
	assert_int_equal(dp_ct_count(dp, ifx[E_LAMBDA]), 0);
	assert_int_not_equal(bpf_map_lookup_elem(dp->map_fd[DP_MAP_CT_USED], &ifx[E_LAMBDA],
						 &used), 0);
	counters_mark();
	SHOT(leave(E_LAMBDA, &req), DP_DROP_NO_ENI);
	assert_int_equal(dp_ct_count(dp, ifx[E_LAMBDA]), 0);
	eni_put(E_LAMBDA, 3, l, SUB_A, N_DEFAULT, lambda, 1, 0);
	PASS(leave(E_LAMBDA, &req));
	assert_int_equal(dp_ct_count(dp, ifx[E_LAMBDA]), 1);
	/* the programs marked it used again: walks (forget, flows) visit it */
	assert_int_equal(bpf_map_lookup_elem(dp->map_fd[DP_MAP_CT_USED], &ifx[E_LAMBDA],
					     &used), 0);
}

/* Tracking tables made in one batch (one grace period): one per ifindex,
 * duplicates once, existing tables kept with their entries. */
static void test_ct_tables_batch(void **state)
{
	const uint32_t fresh[] = { 3001, 3002, 3002, 3003 };
	uint32_t l = IP(10, 0, 1, 30), r = IP(1, 1, 1, 1);
	struct pkt req = mk(l, r, 6, 45100, 443);
	uint32_t lambda_if = (uint32_t)ifx[E_LAMBDA];

	NEED_ROOT();
	assert_int_equal(dp_ct_count(dp, 3001), -ENOENT);
	assert_int_equal(dp_ct_tables_add(dp, fresh, 4, 64), 0);
	for (int i = 0; i < 4; i++)
		assert_int_equal(dp_ct_count(dp, fresh[i]), 0);
	assert_int_equal(dp_ct_count(dp, 3004), -ENOENT);
	PASS(leave(E_LAMBDA, &req));
	assert_int_equal(dp_ct_count(dp, ifx[E_LAMBDA]), 2);
	assert_int_equal(dp_ct_tables_add(dp, &lambda_if, 1, 64), 0);
	assert_int_equal(dp_ct_count(dp, ifx[E_LAMBDA]), 2);
}

/* Every reason has been counted by the tests above (run in order). */
static void test_every_reason_counted(void **state)
{
	struct dp_counter all[DP_DROP__MAX];

	NEED_ROOT();
	assert_int_equal(dp_drop_counters_read(dp, all), 0);
	for (unsigned r = 1; r < DP_DROP__MAX; r++) {
		if (!all[r].packets)
			fail_msg("no test dropped a packet for %s", dp_drop_reason_name(r));
		assert_string_not_equal(dp_drop_reason_explain(r), "");
	}
}

static void test_pins_and_reopen(void **state)
{
	struct dataplane *again;
	struct dp_counter all[DP_DROP__MAX];
	char path[300];
	struct stat st;

	NEED_ROOT();
	assert_int_equal(stat(pin_dir, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	for (int i = 0; i < DP_MAP__COUNT; i++) {
		snprintf(path, sizeof(path), "%s/%s", pin_dir, dp_map_names[i]);
		assert_int_equal(access(path, F_OK), 0);
	}
	assert_int_equal(dp_open(pin_dir, &again), 0);
	assert_int_equal(dp_drop_counters_read(again, all), 0);
	assert_true(all[DP_DROP_NO_ENI].packets > 0);
	dp_close(again);
	/* loading twice into one directory is refused */
	assert_int_equal(dp_load(1, 0, IP(10, 0, 0, 0), 16, pin_dir, &again), -EEXIST);
}

static void test_attach_detach(void **state)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = 0, .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, q, .handle = 0x5c1, .priority = 1);
	struct bpf_prog_info info;
	uint32_t len = sizeof(info);

	NEED_ROOT();
	hook.ifindex = ifx[E_WEB];
	assert_int_equal(dp_attach(dp, ifx[E_WEB]), 0);
	assert_int_equal(dp_attach(dp, ifx[E_WEB]), 0);  /* replace is fine */
	assert_int_equal(bpf_tc_query(&hook, &q), 0);
	memset(&info, 0, sizeof(info));
	assert_int_equal(bpf_obj_get_info_by_fd(dp->prog_fd[DP_PROG_FROM_ENI], &info, &len), 0);
	assert_int_equal(q.prog_id, info.id);
	hook.attach_point = BPF_TC_EGRESS;
	memset(&q, 0, sizeof(q));
	q.sz = sizeof(q);
	q.handle = 0x5c1;
	q.priority = 1;
	assert_int_equal(bpf_tc_query(&hook, &q), 0);
	assert_int_equal(dp_detach(ifx[E_WEB]), 0);
	memset(&q, 0, sizeof(q));
	q.sz = sizeof(q);
	q.handle = 0x5c1;
	q.priority = 1;
	/* this kernel reports a missing filter as EINVAL ("Cannot find
	 * specified filter chain"), not ENOENT */
	assert_int_not_equal(bpf_tc_query(&hook, &q), 0);
	assert_int_equal(dp_detach(ifx[E_WEB]), 0);       /* absent is fine */
}

/* ---- real packets through attached programs ------------------------- */

/* A node namespace: made by unshare() from the test's own namespace and
 * held by an fd (no name, nothing under /run/netns). */
static int node_ns_new(int router_ns)
{
	int fd;

	if (unshare(CLONE_NEWNET))
		return -1;
	fd = open("/proc/self/ns/net", O_RDONLY);
	if (setns(router_ns, CLONE_NEWNET))
		fail_msg("back to the router namespace: %s", strerror(errno));
	return fd;
}

/* Router side rX, node side eth0 (ip/24, default via gw) in node_ns. */
static int node_link(int router_ns, int node_ns, const char *rname,
		     uint32_t ip, uint32_t gw)
{
	char a[IP4_STRLEN], g[IP4_STRLEN];
	int rc;

	ip4_str(ip, a);
	ip4_str(gw, g);
	rc = sh("ip link add %s type veth peer name %s-n && "
		"ip link set %s-n netns /proc/%d/fd/%d && "
		"ip addr add %s/24 dev %s && ip link set %s up",
		rname, rname, rname, (int)getpid(), node_ns, g, rname, rname);
	if (rc || setns(node_ns, CLONE_NEWNET))
		return -1;
	/* IPv6 would send router solicitations and MLD reports, which the
	 * data plane drops as NOT_IPV4: vpcsim nodes are IPv4 only */
	rc = sh("echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6 && "
		"echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6 && "
		"ip link set lo up && ip link set %s-n name eth0 && "
		"ip addr add %s/24 dev eth0 && ip link set eth0 up && "
		"ip route add default via %s", rname, a, g);
	if (setns(router_ns, CLONE_NEWNET))
		fail_msg("back to the router namespace: %s", strerror(errno));
	return rc ? -1 : (int)if_nametoindex(rname);
}

/* A TCP socket made inside ns (it stays there). */
static int socket_in(int ns, int router_ns)
{
	int fd;

	if (setns(ns, CLONE_NEWNET))
		return -1;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (setns(router_ns, CLONE_NEWNET))
		fail_msg("back to the router namespace: %s", strerror(errno));
	return fd;
}

static int listen_in(int ns, int router_ns, uint16_t port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	int one = 1, fd = socket_in(ns, router_ns);

	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fd < 0 || bind(fd, (void *)&sa, sizeof(sa)) || listen(fd, 8))
		fail_msg("listening on %u: %s", port, strerror(errno));
	return fd;
}

/* Since counters_mark(): drops for `reason` only (a SYN may have been
 * retransmitted, so at least one). */
static void assert_drop_seen(unsigned reason)
{
	struct dp_counter now[DP_DROP__MAX];

	if (dp_drop_counters_read(dp, now))
		fail_msg("%s", err_msg());
	for (unsigned r = 1; r < DP_DROP__MAX; r++) {
		uint64_t d = now[r].packets - before[r].packets;

		if ((r == reason && !d) || (r != reason && d))
			fail_msg("drop counter %s: %llu new drops while expecting %s",
				 dp_drop_reason_name(r), (unsigned long long)d,
				 dp_drop_reason_name(reason));
	}
	memcpy(before, now, sizeof(before));
}

/* 1: connected, 0: no answer within 700 ms. */
static int connects(int ns, int router_ns, uint32_t ip, uint16_t port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port),
				  .sin_addr.s_addr = htonl(ip) };
	int fd = socket_in(ns, router_ns), err = 0;
	socklen_t len = sizeof(err);
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };

	if (connect(fd, (void *)&sa, sizeof(sa)) && errno != EINPROGRESS)
		fail_msg("connect: %s", strerror(errno));
	if (poll(&pfd, 1, 700) == 1)
		getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
	else
		err = ETIMEDOUT;
	close(fd);
	if (err && err != ETIMEDOUT)
		fail_msg("connect to port %u: %s (a drop must be silent)", port,
			 strerror(err));
	return err == 0;
}

/* lambda-like node A (10.0.1.10) and db-like node B (10.0.2.20) routed
 * through this namespace, both programs attached to both router-side
 * veths. Also shows that skb->ingress_ifindex at tc egress is the device
 * the packet entered the router by. */
static void test_real_packets(void **state)
{
	static const uint16_t lambda[] = { G_LAMBDA }, db[] = { G_DB };
	uint32_t a = IP(10, 0, 1, 10), b = IP(10, 0, 2, 20);
	int router_ns, ns_a, ns_b, ra, rb, l5432, l5433, l22;
	struct dp_eni e;

	NEED_ROOT();
	router_ns = open("/proc/self/ns/net", O_RDONLY);
	ns_a = node_ns_new(router_ns);
	ns_b = node_ns_new(router_ns);
	assert_true(router_ns >= 0 && ns_a >= 0 && ns_b >= 0);
	ra = node_link(router_ns, ns_a, "r-a", a, IP(10, 0, 1, 1));
	rb = node_link(router_ns, ns_b, "r-b", b, IP(10, 0, 2, 1));
	assert_true(ra > 1 && rb > 1);
	assert_int_equal(sh("echo 1 > /proc/sys/net/ipv4/ip_forward"), 0);

	memset(&e, 0, sizeof(e));
	e.eni_id = 10; e.ip = htonl(a); e.subnet = htonl(IP(10, 0, 1, 0));
	e.subnet_mask = htonl(0xffffff00); e.nacl_id = N_DEFAULT;
	e.n_sgs = 1; e.sg_ids[0] = G_LAMBDA;
	e.flags = policy_eni_flags(&pol, lambda, 1);
	assert_int_equal(dp_eni_add(dp, ra, &e), 0);
	e.eni_id = 11; e.ip = htonl(b); e.subnet = htonl(IP(10, 0, 2, 0));
	e.nacl_id = N_PRIVATE; e.sg_ids[0] = G_DB;
	e.flags = policy_eni_flags(&pol, db, 1);
	assert_int_equal(dp_eni_add(dp, rb, &e), 0);
	assert_int_equal(dp_member_set(dp, DP_ORIGIN_VPC, a, lambda, 1), 0);
	assert_int_equal(dp_member_set(dp, DP_ORIGIN_VPC, b, db, 1), 0);
	assert_int_equal(dp_attach(dp, ra), 0);
	assert_int_equal(dp_attach(dp, rb), 0);

	l5432 = listen_in(ns_b, router_ns, 5432);
	l5433 = listen_in(ns_b, router_ns, 5433);
	l22 = listen_in(ns_a, router_ns, 22);
	counters_mark();
	assert_int_equal(connects(ns_a, router_ns, b, 5432), 1);
	assert_drops(0, 0);
	assert_int_equal(connects(ns_a, router_ns, b, 5433), 0);
	assert_drop_seen(DP_DROP_SG_INGRESS);   /* at B: no rule for 5433 */
	assert_int_equal(connects(ns_b, router_ns, a, 22), 0);
	assert_drop_seen(DP_DROP_SG_EGRESS);    /* at B: no egress rule */
	/* r-a as an outside link: B (no public address) is guarded */
	assert_int_equal(dp_outside_link_add(dp, ra), 0);
	assert_int_equal(connects(ns_a, router_ns, b, 5432), 0);
	assert_drop_seen(DP_DROP_PRIVATE_ADDRESS_FROM_OUTSIDE);
	assert_int_equal(dp_outside_link_remove(dp, ra), 0);

	close(l5432);
	close(l5433);
	close(l22);
	assert_int_equal(dp_detach(ra), 0);
	assert_int_equal(dp_detach(rb), 0);
	assert_int_equal(dp_eni_remove(dp, ra), 0);
	assert_int_equal(dp_eni_remove(dp, rb), 0);
	dp_member_remove(dp, DP_ORIGIN_VPC, a);
	dp_member_remove(dp, DP_ORIGIN_VPC, b);
	close(ns_a);   /* the last reference: the kernel frees them */
	close(ns_b);
	close(router_ns);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ctx_ifindex),
		cmocka_unit_test(test_sg_table_agrees),
		cmocka_unit_test(test_nacl_table_agrees),
		cmocka_unit_test(test_reply_of_tracked_flow),
		cmocka_unit_test(test_icmp_echo_tracked),
		cmocka_unit_test(test_icmp_error_related),
		cmocka_unit_test(test_function_no_inbound),
		cmocka_unit_test(test_udp_timeout),
		cmocka_unit_test(test_untracked_cut_tracked_kept),
		cmocka_unit_test(test_nacl_only_across_subnets),
		cmocka_unit_test(test_src_dst_check),
		cmocka_unit_test(test_outside_guard),
		cmocka_unit_test(test_parse_drops),
		cmocka_unit_test(test_dns_not_filtered),
		cmocka_unit_test(test_dns_quota),
		cmocka_unit_test(test_flow_logs),
		cmocka_unit_test(test_eni_remove_flushes),
		cmocka_unit_test(test_ct_tables_batch),
		cmocka_unit_test(test_allowance_per_eni),
		cmocka_unit_test(test_tcp_states),
		cmocka_unit_test(test_udp_timeouts_per_eni),
		cmocka_unit_test(test_forget_peer),
		cmocka_unit_test(test_fragments_follow_first),
		cmocka_unit_test(test_fragments_nat_gateway),
		cmocka_unit_test(test_pmtud_error_nacl),
		cmocka_unit_test(test_members_by_origin),
		cmocka_unit_test(test_every_reason_counted),
		cmocka_unit_test(test_pins_and_reopen),
		cmocka_unit_test(test_attach_detach),
		cmocka_unit_test(test_real_packets),
	};
	struct stat st;
	int failed;

	is_root = geteuid() == 0;
	failed = cmocka_run_group_tests(tests, group_setup, group_teardown);
	if (is_root && stat(topo_dir, &st) == 0) {
		fprintf(stderr, "test_dataplane: %s left behind\n", topo_dir);
		failed++;
	}
	return failed;
}
