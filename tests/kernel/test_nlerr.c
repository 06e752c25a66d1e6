/* The kernel's extended ack in netlink errors (kernel/nlerr.h): a request
 * the kernel refuses with a reason must carry that reason into the message
 * vpcsim prints, for links and routes (libnl, rtnl.c) and for tc (tc.c).
 * Needs root; skipped otherwise. Works in one namespace of its own,
 * vpcsim-nlerrtest-<pid>, removed at the end. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <bpf/bpf.h>
#include <linux/bpf.h>

#include "ns_fixture.h"
#include "kernel/netns.h"
#include "kernel/rtnl.h"
#include "kernel/tc.h"
#include "util/err.h"

static char name[64];
static struct netns *ns;

static int group_setup(void **state)
{
	if (geteuid() != 0)
		return 0;
	snprintf(name, sizeof(name), "vpcsim-nlerrtest-%d", (int)getpid());
	if (netns_create(name, NULL, 0, &ns) < 0) {
		print_message("netns_create: %s\n", err_msg());
		return -1;
	}
	struct veth_spec v = { .name = "a0", .ifindex = 10, .peer_ns = ns,
			       .peer_name = "b0", .peer_ifindex = 11 };

	return rt_link_veth_add(ns, &v);
}

static int group_teardown(void **state)
{
	if (!ns)
		return 0;
	netns_close(ns);
	return netns_delete(name);
}

/* A gateway that is not on a connected network: the kernel says so. */
static void test_route_reason(void **state)
{
	struct route_spec r = {
		.table = 254, .dst = { 0x0a630000, 16 }, .kind = ROUTE_UNICAST,
		.oif = 10, .gateway = 0xc0a80101,
	};

	NEED_ROOT();
	assert_int_equal(rt_link_set_up(ns, 10), 0);
	assert_true(rt_route_add(ns, &r) < 0);
	print_message("route: %s\n", err_msg());
	assert_non_null(strstr(err_msg(), "(kernel: "));
	assert_non_null(strstr(err_msg(), name));
}

/* The same filter twice with NLM_F_EXCL: "Filter already exists". */
static void test_tc_reason(void **state)
{
	const struct bpf_insn ret0[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	int fd;

	NEED_ROOT();
	fd = bpf_prog_load(BPF_PROG_TYPE_SCHED_CLS, "nlerr", "GPL", ret0, 2, NULL);
	assert_true(fd >= 0);
	assert_int_equal(tc_clsact_add(ns, 10), 0);
	assert_int_equal(tc_bpf_filter_add(ns, 10, true, fd, "nlerr", 1, 1), 0);
	assert_true(tc_bpf_filter_add(ns, 10, true, fd, "nlerr", 1, 1) < 0);
	print_message("tc: %s\n", err_msg());
	assert_non_null(strstr(err_msg(), "(kernel: "));
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_route_reason),
		cmocka_unit_test(test_tc_reason),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
