/* nat_install/nat_remove on real packets: a little routed network of three
 * namespaces made with `ip`, NAT installed in the middle one, and TCP
 * connections across it whose addresses the server side checks.
 *
 *   A (10.0.1.10, 10.0.1.11)          R (router, NAT here)        B
 *   a0 ---------------------- r0 10.0.1.1 | r1 203.0.113.1 ------ b0 203.0.113.10
 *   default via 10.0.1.1                       10.0.1.0/24, 198.51.100.0/24 via .1
 *
 * B can route back to A's private addresses, so without NAT every connection
 * from A completes (checked first): a changed source address or a timeout
 * in the tests is the NAT table's doing, not a missing route. Public
 * (Elastic) addresses are 198.51.100.x.
 *
 * Needs root; skipped otherwise. Touches nothing of the root namespace: the
 * namespaces' links are created inside R, ip_forward is written from inside
 * R, and the test checks the root namespace's ip_forward and nftables table
 * afterwards. Namespaces are deleted on every path (group teardown, atexit)
 * and main() fails if one is left. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "ns_fixture.h"
#include <libmnl/libmnl.h>
#include <libnftnl/batch.h>
#include <libnftnl/common.h>
#include <libnftnl/table.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include "util/err.h"
#include "kernel/nat.h"

#define IP(a, b, c, d) (((uint32_t)(a) << 24) | ((b) << 16) | ((c) << 8) | (d))

#define A_MAPPED   IP(10, 0, 1, 10)
#define A_UNMAPPED IP(10, 0, 1, 11)
#define R_B_SIDE   IP(203, 0, 113, 1)
#define B_ADDR     IP(203, 0, 113, 10)
#define PUBLIC_A   IP(198, 51, 100, 50)

static char prefix[64];            /* vpcsim-nattest-<pid>- */
static char ns_a[80], ns_r[80], ns_b[80];
static char root_forward[8];       /* root ip_forward before the test */
static struct mnl_socket *nl_r;    /* NETLINK_NETFILTER inside R */
static int built;

/* ---- helpers (test-only; src/kernel/netns.c is the real thing; the
 * shared ones are in ns_fixture.h) ---------------------------------------- */

/* Socket created in `ns`; it stays there after we leave. */
static int ns_socket(const char *ns, int type)
{
	int fd;

	if (ns_enter(ns) < 0)
		return -1;
	fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);
	ns_back();
	return fd;
}

static int read_file(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");

	if (!f)
		return -errno;
	if (!fgets(buf, (int)len, f))
		buf[0] = '\0';
	fclose(f);
	return 0;
}

static int write_in_ns(const char *ns, const char *path, const char *val)
{
	FILE *f;
	int rc = 0;

	if (ns_enter(ns) < 0)
		return -1;
	f = fopen(path, "w");   /* /proc/sys/net is the opener's namespace */
	if (!f || fputs(val, f) < 0)
		rc = -1;
	if (f && fclose(f) != 0)
		rc = -1;
	ns_back();
	return rc;
}

static struct mnl_socket *nf_socket_in(const char *ns)
{
	struct mnl_socket *nl;

	if (ns && ns_enter(ns) < 0)
		return NULL;
	nl = mnl_socket_open(NETLINK_NETFILTER);
	if (nl && mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		mnl_socket_close(nl);
		nl = NULL;
	}
	if (ns)
		ns_back();
	return nl;
}

static int table_found_cb(const struct nlmsghdr *nlh, void *data)
{
	*(int *)data = 1;
	return MNL_CB_OK;
}

/* 1 if table ip vpcsim exists in the socket's namespace, 0 if not, <0 on
 * error. */
static int table_exists(struct mnl_socket *nl)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nftnl_table *t = nftnl_table_alloc();
	uint32_t seq = (uint32_t)time(NULL) + 777;
	struct nlmsghdr *nlh;
	int found = 0, rc;
	ssize_t n;

	nftnl_table_set_str(t, NFTNL_TABLE_NAME, NAT_TABLE);
	nlh = nftnl_table_nlmsg_build_hdr(buf, NFT_MSG_GETTABLE, NFPROTO_IPV4,
					  NLM_F_ACK, seq);
	nftnl_table_nlmsg_build_payload(nlh, t);
	nftnl_table_free(t);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	do {
		n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (n < 0)
			return -errno;
		rc = mnl_cb_run(buf, (size_t)n, seq, mnl_socket_get_portid(nl),
				table_found_cb, &found);
	} while (rc > 0);
	if (rc < 0)
		return errno == ENOENT ? 0 : -errno;
	return found;
}

/* Remove table ip vpcsim (absent is success: the batch makes it first),
 * as one nftables transaction. vpcsim itself never removes it: the
 * namespace goes with it. */
static int nat_remove(struct mnl_socket *nl)
{
	char buf[MNL_SOCKET_BUFFER_SIZE * 2];
	uint32_t seq = (uint32_t)time(NULL) + 999;
	struct mnl_nlmsg_batch *b = mnl_nlmsg_batch_start(buf, sizeof(buf) / 2);
	struct nftnl_table *t = nftnl_table_alloc();
	int rc = 0, types[] = { NFT_MSG_NEWTABLE, NFT_MSG_DELTABLE };
	ssize_t n;

	nftnl_batch_begin(mnl_nlmsg_batch_current(b), seq++);
	mnl_nlmsg_batch_next(b);
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, NAT_TABLE);
	for (int i = 0; i < 2; i++) {
		struct nlmsghdr *nlh = nftnl_table_nlmsg_build_hdr(
			mnl_nlmsg_batch_current(b), types[i], NFPROTO_IPV4,
			(i == 0 ? NLM_F_CREATE : 0) | NLM_F_ACK, seq++);

		nftnl_table_nlmsg_build_payload(nlh, t);
		mnl_nlmsg_batch_next(b);
	}
	nftnl_batch_end(mnl_nlmsg_batch_current(b), seq++);
	mnl_nlmsg_batch_next(b);
	nftnl_table_free(t);
	if (mnl_socket_sendto(nl, mnl_nlmsg_batch_head(b), mnl_nlmsg_batch_size(b)) < 0)
		rc = -errno;
	mnl_nlmsg_batch_stop(b);
	/* One ack per table message. */
	for (int acks = 0; rc == 0 && acks < 2; acks++) {
		n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (n < 0)
			return -errno;
		if (mnl_cb_run(buf, (size_t)n, 0, mnl_socket_get_portid(nl), NULL, NULL) < 0)
			rc = -errno;
	}
	return rc;
}

static void addr_of(struct sockaddr_in *sa, uint32_t ip, uint16_t port)
{
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_addr.s_addr = htonl(ip);
	sa->sin_port = htons(port);
}

struct seen {
	uint32_t peer;    /* source address the server saw */
	uint32_t local;   /* destination address the server saw */
};

/* TCP connect from `src` in namespace `cli` to dst:port, with a server
 * listening on port in namespace `srv`. Returns 0 and what the server saw,
 * -ETIMEDOUT if the handshake did not finish in timeout_ms (silent drop),
 * or another -errno (e.g. -ECONNREFUSED, -EHOSTUNREACH). */
static int tcp_probe(const char *srv, uint16_t port, const char *cli,
		     uint32_t src, uint32_t dst, int timeout_ms, struct seen *seen)
{
	struct sockaddr_in sa;
	socklen_t len;
	int lfd, cfd = -1, afd = -1, one = 1, soerr = 0, rc;
	struct pollfd p;

	lfd = ns_socket(srv, SOCK_STREAM);
	if (lfd < 0)
		return -errno;
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	addr_of(&sa, INADDR_ANY, port);
	if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(lfd, 4) < 0) {
		rc = -errno;
		goto out;
	}
	cfd = ns_socket(cli, SOCK_STREAM | SOCK_NONBLOCK);
	if (cfd < 0) {
		rc = -errno;
		goto out;
	}
	addr_of(&sa, src, 0);
	if (bind(cfd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		rc = -errno;
		goto out;
	}
	addr_of(&sa, dst, port);
	if (connect(cfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 && errno != EINPROGRESS) {
		rc = -errno;
		goto out;
	}
	p = (struct pollfd){ .fd = cfd, .events = POLLOUT };
	rc = poll(&p, 1, timeout_ms);
	if (rc == 0) {
		rc = -ETIMEDOUT;
		goto out;
	}
	len = sizeof(soerr);
	getsockopt(cfd, SOL_SOCKET, SO_ERROR, &soerr, &len);
	if (soerr) {
		rc = -soerr;
		goto out;
	}
	p = (struct pollfd){ .fd = lfd, .events = POLLIN };
	if (poll(&p, 1, timeout_ms) != 1) {
		rc = -ETIMEDOUT;
		goto out;
	}
	afd = accept(lfd, NULL, NULL);
	if (afd < 0) {
		rc = -errno;
		goto out;
	}
	len = sizeof(sa);
	getpeername(afd, (struct sockaddr *)&sa, &len);
	seen->peer = ntohl(sa.sin_addr.s_addr);
	len = sizeof(sa);
	getsockname(afd, (struct sockaddr *)&sa, &len);
	seen->local = ntohl(sa.sin_addr.s_addr);
	rc = 0;
out:
	if (afd >= 0)
		close(afd);
	if (cfd >= 0)
		close(cfd);
	close(lfd);
	return rc;
}

static const char *ip_s(uint32_t ip)
{
	static char buf[4][INET_ADDRSTRLEN];
	static int i;
	uint32_t be = htonl(ip);

	i = (i + 1) % 4;
	return inet_ntop(AF_INET, &be, buf[i], sizeof(buf[i]));
}

static void dump_ruleset(const char *title)
{
	if (!getenv("VPCSIM_NAT_DUMP"))
		return;
	printf("---- %s: ip netns exec %s nft list ruleset\n", title, ns_r);
	fflush(stdout);
	sh_loud("ip netns exec %s nft list ruleset", ns_r);
}

/* ---- the network ------------------------------------------------------ */

static int leftover_count(void)
{
	DIR *d = opendir("/run/netns");
	struct dirent *e;
	int n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)))
		if (strncmp(e->d_name, prefix, strlen(prefix)) == 0)
			n++;
	closedir(d);
	return n;
}

static void network_destroy(void)
{
	if (nl_r) {
		mnl_socket_close(nl_r);
		nl_r = NULL;
	}
	if (!prefix[0])
		return;
	/* Each exists only if we made it; errors are silenced on purpose. */
	if (leftover_count()) {
		sh_loud("ip netns del %s 2>/dev/null; ip netns del %s 2>/dev/null; "
		    "ip netns del %s 2>/dev/null; true", ns_a, ns_r, ns_b);
	}
	built = 0;
}

static int network_build(void)
{
	if (sh_loud("ip netns add %s", ns_a) || sh_loud("ip netns add %s", ns_r) ||
	    sh_loud("ip netns add %s", ns_b))
		return -1;
	/* veths are made inside R with the peer moved straight into A / B:
	 * no link ever exists in the root namespace. */
	if (sh_loud("ip -n %s link add r0 type veth peer name a0 netns %s", ns_r, ns_a) ||
	    sh_loud("ip -n %s link add r1 type veth peer name b0 netns %s", ns_r, ns_b))
		return -1;
	if (sh_loud("ip -n %s link set lo up && ip -n %s link set a0 up && "
		"ip -n %s addr add 10.0.1.10/24 dev a0 && "
		"ip -n %s addr add 10.0.1.11/24 dev a0 && "
		"ip -n %s route add default via 10.0.1.1",
		ns_a, ns_a, ns_a, ns_a, ns_a))
		return -1;
	if (sh_loud("ip -n %s link set lo up && ip -n %s link set r0 up && "
		"ip -n %s link set r1 up && "
		"ip -n %s addr add 10.0.1.1/24 dev r0 && "
		"ip -n %s addr add 203.0.113.1/24 dev r1",
		ns_r, ns_r, ns_r, ns_r, ns_r))
		return -1;
	if (sh_loud("ip -n %s link set lo up && ip -n %s link set b0 up && "
		"ip -n %s addr add 203.0.113.10/24 dev b0 && "
		"ip -n %s route add 198.51.100.0/24 via 203.0.113.1 && "
		"ip -n %s route add 10.0.1.0/24 via 203.0.113.1",
		ns_b, ns_b, ns_b, ns_b, ns_b))
		return -1;
	if (write_in_ns(ns_r, "/proc/sys/net/ipv4/ip_forward", "1") < 0)
		return -1;
	nl_r = nf_socket_in(ns_r);
	return nl_r ? 0 : -1;
}

static int group_setup(void **state)
{
	if (geteuid() != 0)
		return 0;   /* every test skips */
	if (ns_home_save() < 0)
		return -1;
	read_file("/proc/sys/net/ipv4/ip_forward", root_forward, sizeof(root_forward));
	if (network_build() < 0) {
		network_destroy();
		return -1;
	}
	built = 1;
	return 0;
}

static int group_teardown(void **state)
{
	network_destroy();
	return leftover_count() == 0 ? 0 : -1;
}

#define NEED_NETWORK()                 \
	do {                           \
		if (geteuid() != 0)    \
			skip();        \
		assert_true(built);    \
	} while (0)

static const struct nat_map static_maps[] = {
	{ A_MAPPED, PUBLIC_A },
	{ IP(10, 0, 1, 20), IP(198, 51, 100, 60) },   /* host absent: only in the map */
};

static const struct nat_spec static_spec = {
	.static_if = "r1",
	.static_maps = static_maps,
	.n_static = 2,
};

static void install(const struct nat_spec *spec)
{
	int rc = nat_install(nl_r, spec);

	if (rc < 0)
		fail_msg("nat_install: %s", err_msg());
}

/* ---- tests ------------------------------------------------------------ */

/* Control: before any NAT, both of A's addresses reach B untranslated, so
 * what the NAT tests see is the table's doing. */
static void test_plain_routing(void **state)
{
	struct seen s;

	NEED_NETWORK();
	assert_int_equal(table_exists(nl_r), 0);
	assert_int_equal(tcp_probe(ns_b, 7000, ns_a, A_MAPPED, B_ADDR, 3000, &s), 0);
	assert_int_equal(s.peer, A_MAPPED);
	assert_int_equal(tcp_probe(ns_b, 7003, ns_a, A_UNMAPPED, B_ADDR, 3000, &s), 0);
	assert_int_equal(s.peer, A_UNMAPPED);
}

static void test_snat_oif(void **state)
{
	const struct nat_spec spec = { .snat_oif = "r1", .snat_to = R_B_SIDE };
	struct seen s;
	int rc;

	NEED_NETWORK();
	install(&spec);
	assert_int_equal(table_exists(nl_r), 1);
	dump_ruleset("snat_oif");
	rc = tcp_probe(ns_b, 7001, ns_a, A_MAPPED, B_ADDR, 3000, &s);
	assert_int_equal(rc, 0);
	if (s.peer != R_B_SIDE)
		fail_msg("server saw source %s, want %s", ip_s(s.peer), ip_s(R_B_SIDE));
	/* both of A's addresses go out as the one NAT address */
	rc = tcp_probe(ns_b, 7002, ns_a, A_UNMAPPED, B_ADDR, 3000, &s);
	assert_int_equal(rc, 0);
	assert_int_equal(s.peer, R_B_SIDE);
	assert_int_equal(nat_remove(nl_r), 0);
}

/* A hyperplane: SNAT out of r1, and nothing opens a connection in from
 * r1, neither to R itself nor forwarded to A; replies still pass. */
static void test_drop_new_in(void **state)
{
	const struct nat_spec spec = { .snat_oif = "r1", .snat_to = R_B_SIDE,
				       .drop_new_in = "r1" };
	struct seen s;

	NEED_NETWORK();
	install(&spec);
	dump_ruleset("drop_new_in");
	assert_int_equal(tcp_probe(ns_b, 7021, ns_a, A_MAPPED, B_ADDR, 3000, &s), 0);
	assert_int_equal(s.peer, R_B_SIDE);
	assert_int_equal(tcp_probe(ns_a, 7022, ns_b, B_ADDR, A_MAPPED, 800, &s), -ETIMEDOUT);
	assert_int_equal(tcp_probe(ns_r, 7023, ns_b, B_ADDR, R_B_SIDE, 800, &s), -ETIMEDOUT);
	assert_int_equal(nat_remove(nl_r), 0);
}

/* Only new connections out of r1 are forwarded: B cannot open one to A
 * (forwarded out r0), silently; A still reaches B and gets the replies.
 * Without the rule B reaches A. */
static void test_only_new_out(void **state)
{
	const struct nat_spec spec = { .only_new_out = "r1" };
	struct seen s;

	NEED_NETWORK();
	assert_int_equal(tcp_probe(ns_a, 7024, ns_b, B_ADDR, A_MAPPED, 3000, &s), 0);
	install(&spec);
	dump_ruleset("only_new_out");
	assert_int_equal(tcp_probe(ns_b, 7025, ns_a, A_MAPPED, B_ADDR, 3000, &s), 0);
	assert_int_equal(s.peer, A_MAPPED);
	assert_int_equal(tcp_probe(ns_a, 7026, ns_b, B_ADDR, A_MAPPED, 800, &s), -ETIMEDOUT);
	assert_int_equal(nat_remove(nl_r), 0);
}

static void test_static_inbound(void **state)
{
	struct seen s;
	int rc;

	NEED_NETWORK();
	install(&static_spec);
	dump_ruleset("static 1:1");
	rc = tcp_probe(ns_a, 7011, ns_b, B_ADDR, PUBLIC_A, 3000, &s);
	assert_int_equal(rc, 0);
	if (s.local != A_MAPPED || s.peer != B_ADDR)
		fail_msg("server in A saw %s -> %s, want %s -> %s", ip_s(s.peer),
			 ip_s(s.local), ip_s(B_ADDR), ip_s(A_MAPPED));
	/* the other public address has no host behind it: silence */
	assert_int_equal(tcp_probe(ns_a, 7012, ns_b, B_ADDR, IP(198, 51, 100, 60),
				   800, &s), -ETIMEDOUT);
}

static void test_static_outbound_mapped(void **state)
{
	struct seen s;
	int rc;

	NEED_NETWORK();
	install(&static_spec);
	rc = tcp_probe(ns_b, 7021, ns_a, A_MAPPED, B_ADDR, 3000, &s);
	assert_int_equal(rc, 0);
	if (s.peer != PUBLIC_A)
		fail_msg("server in B saw source %s, want %s", ip_s(s.peer),
			 ip_s(PUBLIC_A));
}

static void test_static_outbound_unmapped_dropped(void **state)
{
	struct seen s;

	NEED_NETWORK();
	install(&static_spec);
	/* a timeout, not a refusal or an ICMP error: the drop is silent */
	assert_int_equal(tcp_probe(ns_b, 7031, ns_a, A_UNMAPPED, B_ADDR, 1500, &s),
			 -ETIMEDOUT);
	/* the mapped neighbour still gets through with the same table */
	assert_int_equal(tcp_probe(ns_b, 7032, ns_a, A_MAPPED, B_ADDR, 3000, &s), 0);
	assert_int_equal(s.peer, PUBLIC_A);
}

/* All at once on one link (a VPC router whose IGW link also does port NAT
 * for unmapped hosts would be wrong for AWS, but the order of rules is what
 * is checked): static mappings win, unmapped sources are dropped before
 * any SNAT could hide them. */
static void test_static_and_snat_together(void **state)
{
	struct nat_spec spec = static_spec;
	struct seen s;

	NEED_NETWORK();
	spec.snat_oif = "r1";
	spec.snat_to = R_B_SIDE;
	install(&spec);
	dump_ruleset("static 1:1 + snat_oif");
	assert_int_equal(tcp_probe(ns_b, 7041, ns_a, A_MAPPED, B_ADDR, 3000, &s), 0);
	assert_int_equal(s.peer, PUBLIC_A);
	assert_int_equal(tcp_probe(ns_b, 7042, ns_a, A_UNMAPPED, B_ADDR, 1000, &s),
			 -ETIMEDOUT);
}

/* Many mappings: the batch spans many NEWSETELEM messages and more than
 * the default socket buffer. A_MAPPED comes last, so its translation
 * working shows the last chunk arrived. */
static void test_many_mappings(void **state)
{
	enum { N = 20000 };
	struct nat_map *maps = calloc(N, sizeof(*maps));
	struct nat_spec spec = { .static_if = "r1", .static_maps = maps, .n_static = N };
	struct seen s;
	int rc;

	NEED_NETWORK();
	assert_non_null(maps);
	for (int i = 0; i < N - 1; i++) {
		maps[i].private_ip = IP(10, 1, 0, 0) + (uint32_t)i;
		maps[i].public_ip = IP(198, 18, 0, 0) + (uint32_t)i;
	}
	maps[N - 1] = (struct nat_map){ A_MAPPED, PUBLIC_A };
	rc = nat_install(nl_r, &spec);
	free(maps);
	if (rc < 0)
		fail_msg("nat_install with %d mappings: %s", N, err_msg());
	assert_int_equal(tcp_probe(ns_b, 7061, ns_a, A_MAPPED, B_ADDR, 3000, &s), 0);
	assert_int_equal(s.peer, PUBLIC_A);
	assert_int_equal(tcp_probe(ns_a, 7062, ns_b, B_ADDR, PUBLIC_A, 3000, &s), 0);
	assert_int_equal(s.local, A_MAPPED);
}

static void test_remove(void **state)
{
	struct seen s;

	NEED_NETWORK();
	install(&static_spec);
	install(&static_spec);   /* a second install replaces the first */
	assert_int_equal(table_exists(nl_r), 1);
	assert_int_equal(nat_remove(nl_r), 0);
	assert_int_equal(table_exists(nl_r), 0);
	assert_int_equal(nat_remove(nl_r), 0);   /* absent is success */
	assert_int_equal(table_exists(nl_r), 0);
	/* without the table nothing translates any more (R has no route to
	 * the public address: a timeout or an ICMP error, never a connection) */
	assert_int_not_equal(tcp_probe(ns_a, 7051, ns_b, B_ADDR, PUBLIC_A, 800, &s), 0);
}

static void test_bad_spec(void **state)
{
	const struct nat_map dup_pub[] = {
		{ IP(10, 0, 1, 10), PUBLIC_A },
		{ IP(10, 0, 1, 12), PUBLIC_A },
	};
	const struct nat_map dup_priv[] = {
		{ IP(10, 0, 1, 10), PUBLIC_A },
		{ IP(10, 0, 1, 10), IP(198, 51, 100, 61) },
	};
	struct nat_spec spec = { .static_if = "r1", .static_maps = dup_pub,
				 .n_static = 2 };

	NEED_NETWORK();
	assert_int_equal(nat_install(nl_r, &spec), -EINVAL);
	assert_non_null(strstr(err_msg(), "198.51.100.50"));
	spec.static_maps = dup_priv;
	assert_int_equal(nat_install(nl_r, &spec), -EINVAL);
	assert_non_null(strstr(err_msg(), "10.0.1.10"));
	spec = (struct nat_spec){ .snat_oif = "a-name-longer-than-15", .snat_to = 1 };
	assert_int_equal(nat_install(nl_r, &spec), -EINVAL);
	assert_non_null(strstr(err_msg(), "snat_oif"));
	spec = (struct nat_spec){ .snat_oif = "r1" };
	assert_int_equal(nat_install(nl_r, &spec), -EINVAL);
	assert_non_null(strstr(err_msg(), "snat_to"));
	/* nothing was sent: no table appeared */
	assert_int_equal(table_exists(nl_r), 0);
}

/* The root namespace saw none of this. */
static void test_root_untouched(void **state)
{
	char now[8] = "";
	struct mnl_socket *nl;

	NEED_NETWORK();
	read_file("/proc/sys/net/ipv4/ip_forward", now, sizeof(now));
	assert_string_equal(now, root_forward);
	nl = nf_socket_in(NULL);
	assert_non_null(nl);
	assert_int_equal(table_exists(nl), 0);
	mnl_socket_close(nl);
}

static void cleanup_at_exit(void)
{
	network_destroy();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_routing),
		cmocka_unit_test(test_snat_oif),
		cmocka_unit_test(test_drop_new_in),
		cmocka_unit_test(test_only_new_out),
		cmocka_unit_test(test_static_inbound),
		cmocka_unit_test(test_static_outbound_mapped),
		cmocka_unit_test(test_static_outbound_unmapped_dropped),
		cmocka_unit_test(test_static_and_snat_together),
		cmocka_unit_test(test_many_mappings),
		cmocka_unit_test(test_remove),
		cmocka_unit_test(test_bad_spec),
		cmocka_unit_test(test_root_untouched),
	};
	int failed;

	snprintf(prefix, sizeof(prefix), "vpcsim-nattest-%d-", (int)getpid());
	snprintf(ns_a, sizeof(ns_a), "%sa", prefix);
	snprintf(ns_r, sizeof(ns_r), "%sr", prefix);
	snprintf(ns_b, sizeof(ns_b), "%sb", prefix);
	atexit(cleanup_at_exit);

	failed = cmocka_run_group_tests(tests, group_setup, group_teardown);
	network_destroy();
	if (leftover_count()) {
		fprintf(stderr, "test_nat: namespaces %s* left behind\n", prefix);
		return 1;
	}
	return failed;
}
