/* Nodes: the responder, processes inside nodes, probes. Needs root.
 *
 * Builds three namespaces with `ip` (tests may use it, the modules may not):
 *   A  eth0 10.77.0.1/24  -- veth --  B  eth0 10.77.0.2/24
 *   A: 10.99.0.0/24 blackhole (a drop before the packet leaves),
 *      10.98.0.0/24 via B, where B forwards into a blackhole (a silent drop
 *      on the far side: a true timeout)
 *   C: only lo, for a second namespace served by the same responder
 * and removes them, the hosts file and the logs on every path. */
#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <glob.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "ns_fixture.h"

#include "util/err.h"
#include "kernel/netns.h"
#include "kernel/probe.h"
#include "kernel/proc.h"
#include "kernel/responder.h"

#define ADDR_A 0x0a4d0001u       /* 10.77.0.1 */
#define ADDR_B 0x0a4d0002u       /* 10.77.0.2 */
#define LOCAL_BLACKHOLE 0x0a630001u  /* 10.99.0.1 */
#define REMOTE_BLACKHOLE 0x0a620001u /* 10.98.0.1 */
#define LOOPBACK 0x7f000001u
#define MANY_BASE 20000
#define MANY_PORTS 2000

static char ns_a[64], ns_b[64], ns_c[64], tmpdir[64], etc_dir[128];
static char resp_log[128], proc_log[128];
static struct proc_id responder = { 0 };
static bool root;

/* Processes whose parent is this test (started by it and not reaped). */
static int count_children(void)
{
	struct dirent *de;
	DIR *d = opendir("/proc");
	int n = 0;

	while (d && (de = readdir(d))) {
		char path[300], buf[512], *p;
		int ppid = 0, fd;
		ssize_t r;

		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
		fd = open(path, O_RDONLY);
		if (fd < 0)
			continue;
		r = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (r <= 0)
			continue;
		buf[r] = '\0';
		p = strrchr(buf, ')');
		if (p && sscanf(p + 2, "%*c %d", &ppid) == 1 && ppid == getpid())
			n++;
	}
	if (d)
		closedir(d);
	return n;
}

/* Ours only (the pid is in the name), so two runs at once do not trip
 * over each other. */
static int count_nodetest_netns(void)
{
	char pattern[80];
	glob_t g;
	int n;

	snprintf(pattern, sizeof(pattern), "/run/netns/vpcsim-nodetest-%d-*",
		 (int)getpid());
	if (glob(pattern, 0, NULL, &g) != 0)
		return 0;
	n = (int)g.gl_pathc;
	globfree(&g);
	return n;
}

/* Idempotent: used by the last test (which asserts on it) and by the group
 * teardown (the safety net when a test failed half way). */
static void cleanup(void)
{
	if (responder.pid > 0)
		proc_stop(&responder, 2000);
	responder.pid = 0;
	sh("ip netns del %s 2>/dev/null", ns_a);
	sh("ip netns del %s 2>/dev/null", ns_b);
	sh("ip netns del %s 2>/dev/null", ns_c);
	if (etc_dir[0])
		sh("rm -rf %s", etc_dir);
	if (tmpdir[0])
		sh("rm -rf %s", tmpdir);
}

static int group_setup(void **state)
{
	int pid = (int)getpid();

	root = geteuid() == 0;
	if (!root)
		return 0;
	snprintf(ns_a, sizeof(ns_a), "vpcsim-nodetest-%d-a", pid);
	snprintf(ns_b, sizeof(ns_b), "vpcsim-nodetest-%d-b", pid);
	snprintf(ns_c, sizeof(ns_c), "vpcsim-nodetest-%d-c", pid);
	snprintf(etc_dir, sizeof(etc_dir), "/etc/netns/%s", ns_a);
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/vpcsim-nodetest-XXXXXX");
	if (!mkdtemp(tmpdir)) {
		tmpdir[0] = '\0';
		return -1;
	}
	snprintf(resp_log, sizeof(resp_log), "%s/responder.log", tmpdir);
	snprintf(proc_log, sizeof(proc_log), "%s/proc.log", tmpdir);
	if (sh("ip netns add %s && ip netns add %s && ip netns add %s", ns_a,
	       ns_b, ns_c) ||
	    sh("ip -n %s link set lo up && ip -n %s link set lo up && "
	       "ip -n %s link set lo up", ns_a, ns_b, ns_c) ||
	    sh("ip -n %s link add eth0 type veth peer name eth0 netns %s",
	       ns_a, ns_b) ||
	    sh("ip -n %s addr add 10.77.0.1/24 dev eth0 && ip -n %s link set eth0 up",
	       ns_a, ns_a) ||
	    sh("ip -n %s addr add 10.77.0.2/24 dev eth0 && ip -n %s link set eth0 up",
	       ns_b, ns_b) ||
	    sh("ip -n %s route add blackhole 10.99.0.0/24", ns_a) ||
	    sh("ip -n %s route add 10.98.0.0/24 via 10.77.0.2", ns_a) ||
	    sh("ip -n %s route add blackhole 10.98.0.0/24", ns_b) ||
	    sh("ip netns exec %s sh -c 'echo 1 > /proc/sys/net/ipv4/ip_forward'",
	       ns_b) ||
	    sh("mkdir -p %s && printf '10.77.0.2 nodetest-b-custom\\n' > %s/hosts",
	       etc_dir, etc_dir)) {
		cleanup();
		return -1;
	}
	return 0;
}

static int group_teardown(void **state)
{
	if (root)
		cleanup();
	return 0;
}


static struct probe_ans probe(const char *ns, uint32_t dst, uint8_t proto,
			      uint16_t port, int timeout_ms)
{
	struct probe_req rq = { ns, dst, proto, port, timeout_ms };
	struct probe_ans ans;

	assert_int_equal(probe_run(&rq, &ans), 0);
	return ans;
}

/* Connect from inside `ns`, send `len` bytes of a pattern while reading
 * the echo back, half-close, and check every byte and the EOF. */
static void tcp_echo_check(const char *ns, uint32_t dst, uint16_t port,
			   size_t len)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(dst),
				  .sin_port = htons(port) };
	size_t sent = 0, got = 0;
	char buf[16384];
	bool eof = false;
	int saved, fd;

	assert_int_equal(netns_enter_name(ns, &saved), 0);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	netns_leave(saved);
	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(fcntl(fd, F_SETFL, O_NONBLOCK), 0);
	while (!eof) {
		struct pollfd pfd = { fd, POLLIN | (sent < len ? POLLOUT : 0), 0 };

		assert_true(poll(&pfd, 1, 5000) > 0);
		if (pfd.revents & POLLOUT) {
			size_t n = len - sent < sizeof(buf) ? len - sent : sizeof(buf);
			ssize_t w;

			for (size_t i = 0; i < n; i++)
				buf[i] = (char)((sent + i) * 7);
			w = send(fd, buf, n, MSG_NOSIGNAL);
			assert_true(w > 0 || errno == EAGAIN);
			if (w > 0)
				sent += (size_t)w;
			if (sent == len)
				shutdown(fd, SHUT_WR);
		}
		if (pfd.revents & (POLLIN | POLLHUP)) {
			ssize_t r = recv(fd, buf, sizeof(buf), 0);

			if (r == 0) {
				eof = true;
				continue;
			}
			assert_true(r > 0 || errno == EAGAIN);
			for (ssize_t i = 0; i < r; i++)
				assert_int_equal((unsigned char)buf[i],
						 (unsigned char)((got + (size_t)i) * 7));
			if (r > 0)
				got += (size_t)r;
		}
	}
	close(fd);
	assert_int_equal(got, len);
}

static void test_responder_start_errors(void **state)
{
	struct responder_port missing[] = { { "vpcsim-nodetest-absent", 6, 7000 } };
	struct responder_port bad[] = { { ns_b, 6, 7000 }, { "../x", 6, 7000 } };
	int before;
	pid_t pid;

	NEED_ROOT();
	before = count_children();
	assert_int_equal(responder_start(missing, 1, resp_log, &pid), -ENOENT);
	assert_non_null(strstr(err_msg(), "vpcsim-nodetest-absent"));
	assert_int_equal(responder_start(bad, 2, resp_log, &pid), -EINVAL);
	assert_int_equal(count_children(), before);
}

static void test_responder_and_probes(void **state)
{
	int n = 4 + MANY_PORTS;
	struct responder_port *ports = calloc((size_t)n, sizeof(*ports));
	struct responder_port dup[] = { { ns_b, 6, 7000 } };
	struct probe_ans a;
	pid_t pid, pid2;
	int before;

	NEED_ROOT();
	assert_non_null(ports);
	ports[0] = (struct responder_port){ ns_b, 6, 7000 };
	ports[1] = (struct responder_port){ ns_b, 17, 7001 };
	ports[2] = (struct responder_port){ ns_c, 6, 7100 };
	ports[3] = (struct responder_port){ ns_c, 17, 7101 };
	for (int i = 0; i < MANY_PORTS; i++)
		ports[4 + i] = (struct responder_port){ ns_b, 6,
							(uint16_t)(MANY_BASE + i) };
	assert_int_equal(responder_start(ports, n, resp_log, &pid), 0);
	free(ports);
	responder.pid = pid;
	assert_int_equal(proc_start_time(pid, &responder.start_time), 0);
	assert_true(proc_alive(&responder));
	assert_true(file_contains(resp_log, "serving 2004 ports"));

	/* A port already served: reported, nothing more left running. */
	before = count_children();
	assert_int_equal(responder_start(dup, 1, resp_log, &pid2), -EADDRINUSE);
	assert_non_null(strstr(err_msg(), "7000"));
	assert_int_equal(count_children(), before);

	a = probe(ns_a, ADDR_B, 6, 7000, 1000);
	assert_int_equal(a.result, PROBE_OPEN);
	tcp_echo_check(ns_a, ADDR_B, 7000, 13);
	tcp_echo_check(ns_a, ADDR_B, 7000, 8 << 20); /* backpressure path */

	a = probe(ns_a, ADDR_B, 6, 7002, 1000);
	assert_int_equal(a.result, PROBE_REFUSED);
	assert_string_equal(a.detail, "connect: Connection refused");

	a = probe(ns_a, ADDR_B, 17, 7001, 1000);
	assert_int_equal(a.result, PROBE_OPEN);
	assert_non_null(strstr(a.detail, "(echo)"));

	a = probe(ns_a, ADDR_B, 17, 7003, 1000);
	assert_int_equal(a.result, PROBE_REFUSED);
	assert_non_null(strstr(a.detail, "Connection refused"));

	a = probe(ns_a, ADDR_B, 1, 0, 1000);
	assert_int_equal(a.result, PROBE_OPEN);

	/* Second namespace, same responder. */
	assert_int_equal(probe(ns_c, LOOPBACK, 6, 7100, 1000).result, PROBE_OPEN);
	assert_int_equal(probe(ns_c, LOOPBACK, 17, 7101, 1000).result, PROBE_OPEN);
	assert_int_equal(probe(ns_c, LOOPBACK, 6, 7000, 1000).result, PROBE_REFUSED);
	tcp_echo_check(ns_c, LOOPBACK, 7100, 100000);

	/* Thousands of ports. */
	assert_int_equal(probe(ns_a, ADDR_B, 6, MANY_BASE, 1000).result, PROBE_OPEN);
	assert_int_equal(probe(ns_a, ADDR_B, 6, MANY_BASE + MANY_PORTS - 1, 1000).result,
			 PROBE_OPEN);
	assert_int_equal(probe(ns_a, ADDR_B, 6, MANY_BASE + MANY_PORTS, 1000).result,
			 PROBE_REFUSED);
	assert_true(proc_alive(&responder));
}

static void test_concurrent_connections(void **state)
{
	enum { N = 500 };
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(ADDR_B),
				  .sin_port = htons(7000) };
	static int fds[N];
	char msg[32], buf[64];
	int saved;

	NEED_ROOT();
	assert_true(responder.pid > 0);
	for (int i = 0; i < N; i++) {
		assert_int_equal(netns_enter_name(ns_a, &saved), 0);
		fds[i] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		netns_leave(saved);
		assert_true(fds[i] >= 0);
		assert_int_equal(connect(fds[i], (struct sockaddr *)&sa, sizeof(sa)), 0);
	}
	/* All open at once, then each one talks. */
	for (int i = 0; i < N; i++) {
		int len = snprintf(msg, sizeof(msg), "conn %d", i);

		assert_int_equal(send(fds[i], msg, (size_t)len, 0), len);
	}
	for (int i = N - 1; i >= 0; i--) {
		int len = snprintf(msg, sizeof(msg), "conn %d", i);
		struct pollfd pfd = { fds[i], POLLIN, 0 };

		assert_int_equal(poll(&pfd, 1, 5000), 1);
		assert_int_equal(recv(fds[i], buf, sizeof(buf), 0), len);
		assert_memory_equal(buf, msg, (size_t)len);
		close(fds[i]);
	}
}

static void test_probe_timeouts(void **state)
{
	const int t = 400;
	struct probe_ans a;
	uint8_t protos[] = { 6, 17, 1 };

	NEED_ROOT();
	for (size_t i = 0; i < sizeof(protos); i++) {
		/* Dropped by a blackhole route in the source namespace itself:
		 * the kernel fails the send at once (EINVAL); still a drop.
		 * (No upper time bound: speed is for bench/, and a loaded
		 * machine stretches any; the kernel's error says "at once".) */
		a = probe(ns_a, LOCAL_BLACKHOLE, protos[i], 7000, t);
		assert_int_equal(a.result, PROBE_TIMEOUT);
		assert_non_null(strstr(a.detail, "Invalid argument"));

		/* Dropped silently by the far side: the full wait, never less. */
		a = probe(ns_a, REMOTE_BLACKHOLE, protos[i], 7000, t);
		assert_int_equal(a.result, PROBE_TIMEOUT);
		assert_true(a.elapsed_ms >= t - 1);
	}
}

static void test_probe_errors(void **state)
{
	struct probe_req rq = { "vpcsim-nodetest-absent", ADDR_B, 6, 7000, 100 };
	struct probe_ans a;

	NEED_ROOT();
	assert_int_equal(probe_run(&rq, &a), -ENOENT);
	rq.netns = ns_a;
	rq.proto = 47;
	assert_int_equal(probe_run(&rq, &a), -EINVAL);
	rq.proto = 6;
	rq.timeout_ms = 0;
	assert_int_equal(probe_run(&rq, &a), -EINVAL);
}

static void test_proc_hosts_file(void **state)
{
	struct proc_id p;
	int st;

	NEED_ROOT();
	assert_int_equal(proc_start_in_node(ns_a, "echo $(cat /etc/hosts); "
					    "ls /sys/class/net | tr '\\n' ' '; echo",
					    proc_log, NULL, &p), 0);
	assert_int_equal(waitpid(p.pid, &st, 0), p.pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_true(file_contains(proc_log, "10.77.0.2 nodetest-b-custom"));
	/* /sys is the node's: its eth0 and lo, nothing of the host. */
	assert_true(file_contains(proc_log, "eth0 lo \n"));
	/* The bind mount stayed in the child's mount namespace. */
	assert_false(file_contains("/etc/hosts", "nodetest-b-custom"));
	assert_false(proc_alive(&p));
}

static void test_proc_start_errors(void **state)
{
	struct proc_id p;
	int before;

	NEED_ROOT();
	before = count_children();
	assert_true(proc_start_in_node("vpcsim-nodetest-absent", "true", proc_log,
				       NULL, &p) < 0);
	assert_non_null(strstr(err_msg(), "vpcsim-nodetest-absent"));
	assert_true(proc_start_in_node(ns_a, "true", "/nonexistent/dir/log", NULL, &p) < 0);
	assert_int_equal(count_children(), before);
}

static void test_proc_stop(void **state)
{
	struct proc_id p, fake, stubborn;

	NEED_ROOT();
	assert_int_equal(proc_start_in_node(ns_a, "sleep 100", proc_log, NULL, &p), 0);
	assert_true(proc_alive(&p));
	assert_int_equal(getpgid(p.pid), p.pid);
	assert_int_equal(getsid(p.pid), p.pid);

	/* Same pid, other start time: a reused pid. Never signalled. */
	fake = p;
	fake.start_time++;
	assert_false(proc_alive(&fake));
	assert_int_equal(proc_stop(&fake, 100), 0);
	usleep(50000);
	assert_true(proc_alive(&p));

	assert_int_equal(proc_stop(&p, 2000), 0);
	assert_false(proc_alive(&p));
	assert_int_equal(waitpid(p.pid, NULL, WNOHANG), -1); /* reaped */
	assert_int_equal(proc_stop(&p, 100), 0);              /* idempotent */

	/* A group that ignores SIGTERM ends by SIGKILL after the grace. */
	assert_int_equal(proc_start_in_node(ns_a, "trap '' TERM; sleep 100 & wait",
					    proc_log, NULL, &stubborn), 0);
	usleep(100000);
	assert_int_equal(proc_stop(&stubborn, 200), 0);
	assert_false(proc_alive(&stubborn));
	/* The orphaned `sleep` is dead but a zombie until init reaps it, and
	 * kill(-pgid, 0) still finds a group of zombies: poll a little. */
	for (int i = 0; i < 200 && kill(-stubborn.pid, 0) == 0; i++)
		usleep(10000);
	assert_int_equal(kill(-stubborn.pid, 0), -1);
	assert_int_equal(errno, ESRCH);
}

static void test_exec_in_node(void **state)
{
	int st;
	pid_t pid;

	NEED_ROOT();
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char *argv[] = { "sh", "-c",
				 "grep -q nodetest-b-custom /etc/hosts && "
				 "test -e /sys/class/net/eth0 && exit 7", NULL };

		proc_exec_in_node(ns_a, argv);
		_exit(99);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 7);
}

static void test_nothing_left(void **state)
{
	struct proc_id r = responder;

	NEED_ROOT();
	assert_true(r.pid > 0);
	assert_int_equal(proc_stop(&r, 2000), 0);
	responder.pid = 0;
	assert_false(proc_alive(&r));
	assert_true(file_contains(resp_log, "stopping on signal"));
	cleanup();
	assert_int_equal(count_children(), 0);
	assert_int_equal(count_nodetest_netns(), 0);
	assert_int_equal(access(etc_dir, F_OK), -1);
	assert_int_equal(access(tmpdir, F_OK), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_responder_start_errors),
		cmocka_unit_test(test_responder_and_probes),
		cmocka_unit_test(test_concurrent_connections),
		cmocka_unit_test(test_probe_timeouts),
		cmocka_unit_test(test_probe_errors),
		cmocka_unit_test(test_proc_hosts_file),
		cmocka_unit_test(test_proc_start_errors),
		cmocka_unit_test(test_proc_stop),
		cmocka_unit_test(test_exec_in_node),
		cmocka_unit_test(test_nothing_left),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
