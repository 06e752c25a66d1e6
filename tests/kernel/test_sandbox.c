/* Execution environments: limits, identity, /tmp, timeouts, memory, the
 * REPORT line. Needs root; skips otherwise.
 *
 * Makes one network namespace with `ip netns add vpcsim-sbtest-PID` (tests
 * may use `ip`, the modules may not) and a hosts file for it, then one
 * environment per test of topology "sbtPID", destroyed by each test's
 * teardown, which also checks that no cgroup, mount or folder of it is
 * left. The group teardown removes the namespace and the hosts file. */
#include <dirent.h>
#include <fcntl.h>
#include <regex.h>
#include <setjmp.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "ns_fixture.h"

#include "kernel/cgroup.h"
#include "kernel/jail.h"
#include "kernel/proc.h"
#include "util/clock.h"
#include "util/err.h"
#include "lambda/sandbox.h"

#define ENV "env"
#define ENV2 "env2"
/* No speed bound (that is bench/'s business): a run "did not wait" for a
 * command when it ended in less than half that command's own length
 * (sleep 100 under a 1 s limit ends in well under 50 s however loaded the
 * machine is; one that was not killed takes 100 s). */
#define NOT_WAITED_MS(cmd_ms) ((cmd_ms) / 2)
#define HOSTS_MARK "10.9.9.9 sbtest-marker"

/* Number of processes in the group cgroup_kill_all() empties, or -errno. */
static int cgroup_nprocs(const struct cgroup *cg)
{
	char path[CG_PATH_MAX + 16], line[64];
	FILE *f;
	int n = 0;

	snprintf(path, sizeof(path), "%s/cgroup.procs", cg->track);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		n++;
	fclose(f);
	return n;
}

static char ns[64], topo[32], etc_dir[128], out_path[64], root_dir[128];
static bool root;

static struct sandbox sb_make(const char *env, int mem, int timeout, int tmp_mb)
{
	struct sandbox sb = {
		.topo = topo, .env_id = env, .netns = ns,
		.limits = { .memory_mb = mem, .timeout_s = timeout,
			    .ephemeral_storage_mb = tmp_mb },
	};
	return sb;
}

/* Run an invoke with our stdout and stderr going to out_path; the output
 * comes back in out (NUL-terminated). Returns sandbox_invoke's value. */
static int invoke_capture(const struct sandbox *sb, const struct sandbox_env *env,
			  const char *payload, char *const argv[],
			  struct invoke_result *r, char *out, size_t size)
{
	int fd, saved1, saved2, rc;
	ssize_t n;

	fflush(NULL);
	fd = open(out_path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	saved1 = dup(1);
	saved2 = dup(2);
	dup2(fd, 1);
	dup2(fd, 2);
	rc = sandbox_invoke(sb, env, payload, argv, -1, r);
	fflush(NULL);
	dup2(saved1, 1);
	dup2(saved2, 2);
	close(saved1);
	close(saved2);
	n = pread(fd, out, size - 1, 0);
	close(fd);
	out[n > 0 ? n : 0] = '\0';
	if (rc < 0)
		print_message("invoke: %s\n", err_msg());
	return rc;
}

static int run_sh(const struct sandbox *sb, const char *script, const char *payload,
		  struct invoke_result *r, char *out, size_t size)
{
	struct sandbox_env env = { .function_name = "fn", .region = "eu-west-1",
				   .handler = script };

	return invoke_capture(sb, &env, payload, NULL, r, out, size);
}

static bool mounted_under(const char *needle)
{
	char line[1024];
	bool found = false;
	FILE *f = fopen("/proc/self/mountinfo", "re");

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		found |= strstr(line, needle) != NULL;
	fclose(f);
	return found;
}

/* Nothing of topology `topo` anywhere: cgroups, mounts, state. */
static void assert_nothing_left(void)
{
	char needle[64];

	assert_false(path_exists("/sys/fs/cgroup/memory/vpcsim/%s", topo));
	assert_false(path_exists("/sys/fs/cgroup/freezer/vpcsim/%s", topo));
	assert_false(path_exists("/sys/fs/cgroup/unified/vpcsim/%s", topo));
	assert_false(path_exists("/sys/fs/cgroup/vpcsim/%s", topo));
	assert_false(path_exists("/run/vpcsim/%s", topo));
	snprintf(needle, sizeof(needle), "/vpcsim/%s/", topo);
	assert_false(mounted_under(needle));
}

/* Host processes running (not zombies: an orphan killed with its
 * environment may wait for pid 1 to reap it) whose command line starts
 * with the NUL-separated `cmdline`. */
static int count_running(const char *cmdline)
{
	size_t len = strlen(cmdline) + 1 + strlen(cmdline + strlen(cmdline) + 1);
	char path[64], buf[512], *p;
	struct dirent *de;
	int n = 0, fd;
	ssize_t r;
	DIR *d = opendir("/proc");

	assert_non_null(d);
	while ((de = readdir(d))) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/cmdline", de->d_name);
		fd = open(path, O_RDONLY);
		if (fd < 0)
			continue;
		r = read(fd, buf, sizeof(buf));
		close(fd);
		if (r < (ssize_t)len || memcmp(buf, cmdline, len))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
		fd = open(path, O_RDONLY);
		if (fd < 0)
			continue;
		r = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		buf[r > 0 ? r : 0] = '\0';
		p = strrchr(buf, ')');
		if (p && p[1] == ' ' && p[2] != 'Z' && p[2] != 'X')
			n++;
	}
	closedir(d);
	return n;
}

static int group_setup(void **state)
{
	root = geteuid() == 0;
	if (!root)
		return 0;
	snprintf(ns, sizeof(ns), "vpcsim-sbtest-%d", (int)getpid());
	snprintf(topo, sizeof(topo), "sbt%d", (int)getpid());
	snprintf(etc_dir, sizeof(etc_dir), "/etc/netns/%s", ns);
	snprintf(out_path, sizeof(out_path), "/tmp/vpcsim-sbtest-%d.out", (int)getpid());
	snprintf(root_dir, sizeof(root_dir), "/tmp/vpcsim-sbtest-cg2-%d", (int)getpid());
	if (sh("ip netns add %s", ns) != 0)
		return -1;
	if (sh("mkdir -p %s && echo '" HOSTS_MARK "' > %s/hosts", etc_dir, etc_dir) != 0)
		return -1;
	return 0;
}

static int group_teardown(void **state)
{
	if (!root)
		return 0;
	sandbox_destroy(topo, ENV);
	sandbox_destroy(topo, ENV2);
	cgroup_force_kill(CG_KILL_AUTO);
	sh("ip netns del %s 2>/dev/null", ns);
	sh("rm -rf %s", etc_dir);
	unlink(out_path);
	return 0;
}

/* Each test's teardown: the environments go, and nothing may remain. */
static int env_teardown(void **state)
{
	if (!root)
		return 0;
	cgroup_force_kill(CG_KILL_AUTO);
	cgroup_fake_v2_root(NULL);
	sh("rm -rf %s", root_dir);
	if (sandbox_destroy(topo, ENV) < 0 || sandbox_destroy(topo, ENV2) < 0) {
		print_message("destroy: %s\n", err_msg());
		return -1;
	}
	assert_nothing_left();
	return 0;
}


static void test_payload_and_env(void **state)
{
	struct sandbox sb = sb_make(ENV, 128, 5, 16);
	struct env_var vars[] = { { "DB_HOST", "db" }, { "AWS_REGION", "evil" },
				  { "PATH", "/usr/bin:/bin" } };
	struct sandbox_env env = { .vars = vars, .n = 3, .function_name = "reader",
				   .region = "eu-west-1",
				   .handler = "cat; echo; echo \"FN=$AWS_LAMBDA_FUNCTION_NAME "
					      "MEM=$AWS_LAMBDA_FUNCTION_MEMORY_SIZE "
					      "REG=$AWS_REGION/$AWS_DEFAULT_REGION DB=$DB_HOST "
					      "VER=$AWS_LAMBDA_FUNCTION_VERSION PATH=$PATH "
					      "H=$_HANDLER\"; grep -c sbtest-marker /etc/hosts; "
					      "echo oops >&2; exit 3" };
	struct invoke_result r;
	char out[4096];

	NEED_ROOT();
	assert_int_equal(sandbox_create(&sb), 0);
	assert_int_equal(invoke_capture(&sb, &env, "{\"key\": \"value\"}", NULL, &r,
					out, sizeof(out)), 0);
	assert_non_null(strstr(out, "{\"key\": \"value\"}\n"));
	assert_non_null(strstr(out, "FN=reader MEM=128 REG=eu-west-1/eu-west-1 DB=db "
				    "VER=$LATEST PATH=/usr/bin:/bin H=cat;"));
	assert_non_null(strstr(out, "\n1\n"));   /* the node's hosts file */
	assert_non_null(strstr(out, "oops\n"));  /* stderr passes through */
	assert_int_equal(r.exit_status, 3);
	assert_int_equal(r.term_signal, 0);
	assert_false(r.timed_out);
	assert_false(r.out_of_memory);
	assert_int_equal(strlen(r.request_id), 36);
	assert_true(r.request_id[14] == '4');    /* uuid version 4 */
	assert_non_null(strchr("89ab", r.request_id[19]));

	/* argv without a shell, PATH searched; no payload is an empty stdin. */
	char *argv[] = { "wc", "-c", NULL };
	assert_int_equal(invoke_capture(&sb, &env, NULL, argv, &r, out, sizeof(out)), 0);
	assert_int_equal(atoi(out), 0);
	assert_int_equal(r.exit_status, 0);
}

static void test_unprivileged(void **state)
{
	struct sandbox sb = sb_make(ENV, 128, 5, 16);
	struct invoke_result r;
	char out[4096], want[64];

	NEED_ROOT();
	assert_int_equal(sandbox_create(&sb), 0);
	assert_int_equal(run_sh(&sb,
		"echo uid=$(id -u); /usr/sbin/ip link set lo down; echo rc=$?; "
		"grep -E '^(CapEff|CapPrm|CapBnd|NoNewPrivs)' /proc/self/status; "
		"/usr/sbin/ip -o link show | wc -l; echo pwd=$(pwd); echo nofile=$(ulimit -n); "
		"echo pid=$$; ls /proc | grep -c '^[0-9]'",
		NULL, &r, out, sizeof(out)), 0);
	snprintf(want, sizeof(want), "uid=%u\n", (unsigned)sandbox_uid(topo, ENV));
	assert_non_null(strstr(out, want));
	assert_true(sandbox_uid(topo, ENV) >= 0x70000000u &&
		    sandbox_uid(topo, ENV) < 0x71000000u);
	assert_int_not_equal(sandbox_uid(topo, ENV), sandbox_uid(topo, ENV2));
	assert_non_null(strstr(out, "Operation not permitted"));
	assert_null(strstr(out, "rc=0\n"));
	assert_non_null(strstr(out, "CapEff:\t0000000000000000"));
	assert_non_null(strstr(out, "CapPrm:\t0000000000000000"));
	assert_non_null(strstr(out, "CapBnd:\t0000000000000000"));
	assert_non_null(strstr(out, "NoNewPrivs:\t1"));
	assert_non_null(strstr(out, "\n1\npwd=/\n")); /* only lo: the node's netns */
	assert_non_null(strstr(out, "nofile=1024\n"));
	/* PID 1 of its own PID namespace, seeing only its processes (sh, ls,
	 * grep). */
	assert_non_null(strstr(out, "pid=1\n3\n"));
}

/* The jail: its own session without a terminal, a read-only root with
 * the host's system folders and nothing of /run or /var, extra read-only
 * binds where asked, a bind that is not allowed refused. */
static void test_jail(void **state)
{
	struct sandbox sb = sb_make(ENV, 128, 5, 16);
	char task[64], out[4096];
	struct jail_bind binds[] = { { task, "/var/task", false }, { "/etc/passwd", "/opt/name", false } };
	struct jail_bind bad[] = { { task, "/tmp/x", false } };
	struct invoke_result r;

	NEED_ROOT();
	snprintf(task, sizeof(task), "/tmp/vpcsim-sbtest-task-%d", (int)getpid());
	assert_int_equal(sh("mkdir -p %s && echo code > %s/app.sh", task, task), 0);
	sb.binds = binds;
	sb.n_binds = 2;
	assert_int_equal(sandbox_create(&sb), 0);
	assert_int_equal(run_sh(&sb,
		"echo sid=$(ps -o sid= -p $$ | tr -d ' ') tty=$(ps -o tty= -p $$); "
		"ls -d /run /var/tmp /home /root 2>/dev/null | wc -l; "
		"touch /usr/x /etc/x /x 2>/dev/null || echo ro; cat /var/task/app.sh; "
		"touch /var/task/y 2>/dev/null || echo task-ro; cat /opt/name >/dev/null && echo name; "
		"ls /etc/netns | wc -l; ls /sys/fs/bpf | wc -l; echo x > /dev/shm/x && echo shm",
		NULL, &r, out, sizeof(out)), 0);
	assert_non_null(strstr(out, "sid=1 tty=?\n0\nro\ncode\ntask-ro\nname\n0\n0\nshm\n"));
	sb.binds = bad;
	sb.n_binds = 1;
	assert_true(sandbox_invoke(&sb, NULL, NULL, (char *[]){ "true", NULL }, -1, &r) < 0);
	assert_non_null(strstr(err_msg(), "/tmp/x"));
	sh("rm -rf %s", task);
}

/* What the database engines use of the jail (kernel/engine.c): a private
 * tmpfs on /tmp, a read-write bind, a read-only file over a host's file;
 * the host's /tmp and /etc/passwd stay as they were, nothing of the files'
 * own tmpfs shows, and a private /tmp without a size is refused. And links
 * (lambda/node_links.h): made in the jail's root, their targets read inside
 * it (/root, which the host has, is not there), a relative one refused. */
static void test_jail_engine_options(void **state)
{
	char dir[64], mark[64], cmd[512];
	int status = -1;
	pid_t pid;

	NEED_ROOT();
	snprintf(dir, sizeof(dir), "/tmp/vpcsim-sbtest-rw-%d", (int)getpid());
	snprintf(mark, sizeof(mark), "vpcsim-sbtest-mark-%d", (int)getpid());
	assert_int_equal(sh("mkdir -p %s", dir), 0);
	snprintf(cmd, sizeof(cmd),
		 "echo x > /srv/data/f && echo y > /tmp/%s && [ \"$(stat -c %%a /tmp)\" = 1777 ] && "
		 "grep -qx 'rdsdb:x:1234:1234::/:/bin/sh' /etc/passwd && ! (echo z >> /etc/passwd) && "
		 "! touch /srv/x && [ \"$(ls -A / | grep -c jail)\" = 0 ] && "
		 "[ \"$(readlink /var/data)\" = /srv/data ] && grep -qx x /var/data/f && "
		 "[ -L /lnk/root ] && [ ! -e /lnk/root ]", mark);
	fflush(NULL);
	pid = proc_fork_pid_ns(NULL);
	if (pid == 0) {
		struct jail_bind b = { dir, "/srv/data", true };
		struct jail_file f = { "/etc/passwd", "root:x:0:0::/:/bin/sh\nrdsdb:x:1234:1234::/:/bin/sh\n" };
		struct jail_link l[] = { { "/var/data", "/srv/data" }, { "/lnk/root", "/root" } };
		struct jail j = { .tmp_mb = 1, .shm_mb = 1, .binds = &b, .n_binds = 1,
				  .files = &f, .n_files = 1, .links = l, .n_links = 2 };

		if (unshare(CLONE_NEWNS) < 0 || mount("", "/", NULL, MS_SLAVE | MS_REC, NULL) < 0 ||
		    jail_enter(&j) < 0) {
			fprintf(stderr, "jail: %s\n", err_msg());
			_exit(10);
		}
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(11);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(sh("grep -qx x %s/f", dir), 0);
	assert_false(path_exists("/tmp/%s", mark));
	assert_int_not_equal(sh("grep -q '^rdsdb:x:1234:' /etc/passwd"), 0);
	assert_int_equal(jail_check(&(struct jail){ .shm_mb = 1 }), -EINVAL);
	assert_int_equal(jail_check(&(struct jail){ .tmp_mb = 1, .shm_mb = 1, .n_links = 1,
		.links = &(struct jail_link){ "/var/x", "relative" } }), -EINVAL);
	sh("rm -rf %s", dir);
}

static void test_tmp_limit_and_persistence(void **state)
{
	struct sandbox sb = sb_make(ENV, 256, 10, 16), sb2 = sb_make(ENV2, 128, 5, 16);
	struct invoke_result r;
	char out[4096], tmp[512];
	struct statfs sf;

	NEED_ROOT();
	assert_int_equal(sandbox_create(&sb), 0);
	sandbox_tmp_dir(topo, ENV, tmp, sizeof(tmp));
	assert_int_equal(statfs(tmp, &sf), 0);
	assert_int_equal((long long)sf.f_blocks * sf.f_bsize, 16LL << 20);

	assert_int_equal(run_sh(&sb,
		"echo kept > /tmp/keep; dd if=/dev/zero of=/tmp/big bs=1M count=32 2>&1; "
		"echo rc=$?", NULL, &r, out, sizeof(out)), 0);
	assert_non_null(strstr(out, "No space left on device"));
	assert_non_null(strstr(out, "rc=1\n"));
	/* Warm: the same /tmp, files and all. */
	assert_int_equal(run_sh(&sb, "cat /tmp/keep; rm /tmp/big; df -k /tmp | tail -1",
				NULL, &r, out, sizeof(out)), 0);
	assert_non_null(strstr(out, "kept\n"));
	assert_int_equal(r.exit_status, 0);
	/* Created again (another limit): still the same files. */
	sb.limits.memory_mb = 300;
	assert_int_equal(sandbox_create(&sb), 0);
	assert_int_equal(run_sh(&sb, "cat /tmp/keep", NULL, &r, out, sizeof(out)), 0);
	assert_string_equal(out, "kept\n");
	/* Another environment has its own /tmp; the host's is untouched. */
	assert_int_equal(sandbox_create(&sb2), 0);
	assert_int_equal(run_sh(&sb2, "ls -A /tmp | wc -l", NULL, &r, out, sizeof(out)), 0);
	assert_string_equal(out, "0\n");
	assert_false(path_exists("/tmp/keep"));
	/* A new environment after a destroy starts with an empty /tmp. */
	assert_int_equal(sandbox_destroy(topo, ENV), 0);
	assert_int_equal(sandbox_create(&sb), 0);
	assert_int_equal(run_sh(&sb, "ls -A /tmp | wc -l", NULL, &r, out, sizeof(out)), 0);
	assert_string_equal(out, "0\n");
}

/* One invoke at a time per environment, as on Lambda. */
static void test_busy(void **state)
{
	struct sandbox sb = sb_make(ENV, 128, 60, 16);
	struct invoke_result r;
	char out[256];
	char busy_cmd[64], busy_argv[64];
	pid_t child;
	int st;

	NEED_ROOT();
	/* Unique arguments: other tests may run sleeps on this host. */
	snprintf(busy_cmd, sizeof(busy_cmd), "sleep 6.%06d", (int)getpid() % 1000000);
	snprintf(busy_argv, sizeof(busy_argv), "sleep%c6.%06d", 0, (int)getpid() % 1000000);
	assert_int_equal(sandbox_create(&sb), 0);
	fflush(NULL);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		struct sandbox_env env = { .function_name = "fn", .handler = busy_cmd };

		_exit(sandbox_invoke(&sb, &env, NULL, NULL, -1, &r) == 0 &&
		      r.exit_status == 0 ? 0 : 1);
	}
	/* Busy from when its command runs (the lock is taken before): not
	 * after a fixed wait, which a loaded machine outlasted (a fresh
	 * clone's run: the invoke had not begun after 300 ms). */
	for (int i = 0; i < 600 && count_running(busy_argv) == 0; i++)
		usleep(10 * 1000);
	assert_int_equal(count_running(busy_argv), 1); /* count_running works */
	assert_int_equal(run_sh(&sb, "true", NULL, &r, out, sizeof(out)), -EBUSY);
	assert_non_null(strstr(err_msg(), "busy"));
	assert_int_equal(waitpid(child, &st, 0), child);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_int_equal(run_sh(&sb, "true", NULL, &r, out, sizeof(out)), 0);
}

/* A timeout kills the command and what it started; Duration is the timeout. */
static void timeout_kills_tree(enum cg_kill how)
{
	struct sandbox sb = sb_make(ENV, 128, 1, 16);
	struct invoke_result r;
	char out[4096], report[1024], cmd[64], bg_argv[64];
	struct cgroup cg;
	double t0, took;
	FILE *f;

	cgroup_force_kill(how);
	assert_int_equal(sandbox_create(&sb), 0);
	t0 = now_ms();
	assert_int_equal(run_sh(&sb, "sleep 100", NULL, &r, out, sizeof(out)), 0);
	took = now_ms() - t0;
	assert_true(r.timed_out);
	assert_false(r.out_of_memory);
	assert_true(took >= 1000 && took < NOT_WAITED_MS(100000));
	assert_true(r.duration_ms == 1000.0);
	assert_int_equal(r.billed_ms, 1000);

	t0 = now_ms();
	snprintf(cmd, sizeof(cmd), "sleep 100.%06d & sleep 100", (int)getpid() % 1000000);
	snprintf(bg_argv, sizeof(bg_argv), "sleep%c100.%06d", 0, (int)getpid() % 1000000);
	assert_int_equal(run_sh(&sb, cmd, NULL, &r, out, sizeof(out)), 0);
	took = now_ms() - t0;
	assert_true(r.timed_out);
	assert_true(took >= 1000 && took < NOT_WAITED_MS(100000));
	assert_int_equal(r.term_signal, SIGKILL);
	assert_int_equal(r.exit_status, -1);
	assert_int_equal(count_running(bg_argv), 0); /* the background child */
	assert_int_equal(cgroup_open(topo, ENV, false, &cg), 0);
	assert_int_equal(cg.kill, how);
	assert_int_equal(cgroup_nprocs(&cg), 0);
	cgroup_close(&cg);

	f = fmemopen(report, sizeof(report), "w");
	invoke_report_print(f, &r);
	fclose(f);
	assert_non_null(strstr(report, " Task timed out after 1.00 seconds\n"));
	assert_non_null(strstr(report, "\tDuration: 1000.00 ms\tBilled Duration: 1000 ms\t"));
}

static void test_timeout_cgroup_kill(void **state)
{
	NEED_ROOT();
	timeout_kills_tree(CG_KILL_V2);
}

static void test_timeout_freezer(void **state)
{
	NEED_ROOT();
	timeout_kills_tree(CG_KILL_FREEZER);
}

static void test_timeout_signals(void **state)
{
	NEED_ROOT();
	timeout_kills_tree(CG_KILL_SIGNAL);
}

/* Leftover background processes go when the command returns. */
static void test_leftovers_killed(void **state)
{
	struct sandbox sb = sb_make(ENV, 128, 5, 16);
	struct invoke_result r;
	struct cgroup cg;
	char out[256];
	double t0 = now_ms();

	NEED_ROOT();
	assert_int_equal(sandbox_create(&sb), 0);
	assert_int_equal(run_sh(&sb, "sleep 100 >/dev/null 2>&1 & echo started",
				NULL, &r, out, sizeof(out)), 0);
	assert_false(r.timed_out);
	assert_int_equal(r.exit_status, 0);
	assert_true(now_ms() - t0 < NOT_WAITED_MS(100000)); /* not the sleep's */
	assert_int_equal(cgroup_open(topo, ENV, false, &cg), 0);
	assert_int_equal(cgroup_nprocs(&cg), 0);
	cgroup_close(&cg);
}

static void test_out_of_memory(void **state)
{
	struct sandbox sb = sb_make(ENV, 128, 20, 16);
	struct sandbox_env env = { .function_name = "hog" };
	char *argv[] = { "dd", "if=/dev/zero", "of=/dev/null", "bs=300M", "count=1", NULL };
	struct invoke_result r;
	char out[4096], report[1024];
	FILE *f;

	NEED_ROOT();
	assert_int_equal(sandbox_create(&sb), 0);
	assert_int_equal(invoke_capture(&sb, &env, NULL, argv, &r, out, sizeof(out)), 0);
	assert_true(r.out_of_memory);
	assert_false(r.timed_out);
	assert_int_equal(r.term_signal, SIGKILL);
	assert_true(r.max_memory_used_mb >= 120 && r.max_memory_used_mb <= 128);
	f = fmemopen(report, sizeof(report), "w");
	invoke_report_print(f, &r);
	fclose(f);
	assert_non_null(strstr(report, "Error: Runtime exited with error: signal: killed\n"));
	assert_non_null(strstr(report, "128 MB"));

	/* The same in a child of the shell: the invoke still ends there. */
	assert_int_equal(run_sh(&sb, "dd if=/dev/zero of=/dev/null bs=300M count=1; sleep 30",
				NULL, &r, out, sizeof(out)), 0);
	assert_true(r.out_of_memory);
	assert_false(r.timed_out);
	assert_true(r.duration_ms < NOT_WAITED_MS(30000)); /* ended at the OOM kill */
}

static void test_max_memory_used(void **state)
{
	struct sandbox sb = sb_make(ENV, 256, 10, 16);
	struct sandbox_env env = { .function_name = "fn" };
	char *argv[] = { "dd", "if=/dev/zero", "of=/dev/null", "bs=50M", "count=1", NULL };
	struct invoke_result r;
	char out[4096];

	NEED_ROOT();
	assert_int_equal(sandbox_create(&sb), 0);
	assert_int_equal(invoke_capture(&sb, &env, NULL, argv, &r, out, sizeof(out)), 0);
	assert_false(r.out_of_memory);
	assert_int_equal(r.exit_status, 0);
	print_message("max memory used for 50 MB touched: %d MB\n", r.max_memory_used_mb);
	assert_true(r.max_memory_used_mb >= 50 && r.max_memory_used_mb <= 70);
	/* The peak restarts per invoke. */
	assert_int_equal(run_sh(&sb, "true", NULL, &r, out, sizeof(out)), 0);
	assert_true(r.max_memory_used_mb < 20);
}

static bool matches(const char *re, const char *s)
{
	regex_t rx;
	bool ok;

	assert_int_equal(regcomp(&rx, re, REG_EXTENDED | REG_NOSUB), 0);
	ok = regexec(&rx, s, 0, NULL, 0) == 0;
	regfree(&rx);
	return ok;
}

#define REPORT_RE "^REPORT RequestId: [0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-" \
		  "[0-9a-f]{12}\tDuration: [0-9]+\\.[0-9]{2} ms\tBilled Duration: [0-9]+ ms\t" \
		  "Memory Size: [0-9]+ MB\tMax Memory Used: [0-9]+ MB"

static void test_report_and_billing(void **state)
{
	struct sandbox sb = sb_make(ENV, 128, 5, 16);
	struct invoke_result r;
	char out[256], report[1024];
	FILE *f;

	/* Billing per 1 ms, rounded up; no root needed. */
	assert_int_equal(invoke_billed_ms(0.01), 1);
	assert_int_equal(invoke_billed_ms(1.0), 1);
	assert_int_equal(invoke_billed_ms(1.01), 2);
	assert_int_equal(invoke_billed_ms(999.99), 1000);
	assert_int_equal(invoke_billed_ms(1000.0), 1000);
	assert_int_equal(invoke_billed_ms(1234.56), 1235);

	memset(&r, 0, sizeof(r));
	strcpy(r.request_id, "6bd9d3a2-6f1e-4c6b-9f5e-0c1d2e3f4a5b");
	r.duration_ms = 12.3;
	r.billed_ms = 13;
	r.memory_mb = 256;
	r.max_memory_used_mb = 42;
	r.init_ms = 123.456;
	f = fmemopen(report, sizeof(report), "w");
	invoke_report_print(f, &r);
	fclose(f);
	assert_string_equal(report, "REPORT RequestId: 6bd9d3a2-6f1e-4c6b-9f5e-0c1d2e3f4a5b\t"
			    "Duration: 12.30 ms\tBilled Duration: 13 ms\tMemory Size: 256 MB\t"
			    "Max Memory Used: 42 MB\tInit Duration: 123.46 ms\n");

	NEED_ROOT();
	assert_int_equal(sandbox_create(&sb), 0);
	/* Measured, not 0 or garbage. The clock starts when the caller sees
	 * the exec (its pipe closed), so a caller the scheduler wakes late
	 * under load counts less than the command slept (48 ms for a 50 ms
	 * sleep, once at load 7): half of a longer sleep is the bound. */
	assert_int_equal(run_sh(&sb, "sleep 0.2", NULL, &r, out, sizeof(out)), 0);
	assert_true(r.duration_ms >= 100 && r.duration_ms < 60000);
	assert_true(r.billed_ms >= r.duration_ms && r.billed_ms < r.duration_ms + 1);
	f = fmemopen(report, sizeof(report), "w");
	invoke_report_print(f, &r);
	fclose(f);
	assert_true(matches(REPORT_RE "\n$", report)); /* warm: no Init Duration */
	r.init_ms = 250.0;
	f = fmemopen(report, sizeof(report), "w");
	invoke_report_print(f, &r);
	fclose(f);
	assert_true(matches(REPORT_RE "\tInit Duration: 250\\.00 ms\n$", report));
}

static void test_errors(void **state)
{
	struct sandbox sb = sb_make(ENV, 128, 5, 16), bad = sb_make("../x", 128, 5, 16);
	struct sandbox_env env = { .function_name = "fn", .handler = "true" };
	char *argv[] = { "/nonexistent/cmd", NULL };
	struct invoke_result r;
	char out[256];

	NEED_ROOT();
	/* Not created yet. */
	assert_int_equal(invoke_capture(&sb, &env, NULL, NULL, &r, out, sizeof(out)), -ENOENT);
	assert_non_null(strstr(err_msg(), "does not exist"));
	assert_int_equal(sandbox_destroy(topo, ENV), 0);
	assert_int_equal(sandbox_create(&bad), -EINVAL);
	assert_int_equal(sandbox_destroy(topo, ".."), -EINVAL);
	bad = sb_make(ENV, 0, 5, 16);
	assert_int_equal(sandbox_create(&bad), -EINVAL);
	assert_nothing_left();
	/* A command that cannot start is an error, and leaves nothing running. */
	assert_int_equal(sandbox_create(&sb), 0);
	assert_int_equal(invoke_capture(&sb, &env, NULL, argv, &r, out, sizeof(out)), -ENOENT);
	assert_non_null(strstr(err_msg(), "exec /nonexistent/cmd: No such file"));
	sb.netns = "vpcsim-sbtest-absent";
	assert_int_equal(invoke_capture(&sb, &env, NULL, NULL, &r, out, sizeof(out)), -ENOENT);
	assert_non_null(strstr(err_msg(), "vpcsim-sbtest-absent"));
}

/* Environments found by their marks, only the topology's own. */
static void test_sweep(void **state)
{
	struct sandbox a = sb_make(ENV, 128, 5, 16), b = sb_make(ENV2, 128, 5, 16);
	struct invoke_result r;
	char out[64], tmp[512];

	NEED_ROOT();
	assert_int_equal(sandbox_create(&a), 0);
	assert_int_equal(sandbox_create(&b), 0);
	assert_int_equal(run_sh(&a, "echo x > /tmp/x", NULL, &r, out, sizeof(out)), 0);
	assert_int_equal(sandbox_sweep("sbt-other"), 0);
	sandbox_tmp_dir(topo, ENV, tmp, sizeof(tmp));
	assert_true(path_exists("%s/x", tmp));
	assert_int_equal(sandbox_sweep(topo), 2);
	assert_nothing_left();
	/* A state folder lost (a reboot of /run): the groups are still found. */
	assert_int_equal(sandbox_create(&a), 0);
	assert_int_equal(sandbox_destroy(topo, ENV), 0);
	assert_int_equal(sandbox_create(&a), 0);
	assert_int_equal(umount2(tmp, MNT_DETACH), 0);
	assert_int_equal(sh("rm -rf /run/vpcsim/%s", topo), 0);
	assert_int_equal(sandbox_sweep(topo), 1);
	assert_nothing_left();
	assert_int_equal(sandbox_sweep(topo), 0);
	assert_int_equal(sandbox_sweep("../x"), -EINVAL);
}

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static bool file_is(const char *dir, const char *name, const char *text)
{
	char path[512], buf[256];
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return !strcmp(buf, text);
}

/* The cgroup v2 memory files, on a folder that plays a cgroup2 mount: what
 * is written where, and how it is read back. (This host has memory on v1,
 * so the real v2 path cannot run here.) */
static void test_cgroup_v2_files(void **state)
{
	char vp[256], tp[320], ep[400];
	struct cgroup cg;
	long long n;

	NEED_ROOT();
	snprintf(vp, sizeof(vp), "%s/vpcsim", root_dir);
	snprintf(tp, sizeof(tp), "%s/t", vp);
	snprintf(ep, sizeof(ep), "%s/e", tp);
	assert_int_equal(sh("mkdir -p %s", ep), 0);
	write_file(root_dir, "cgroup.controllers", "cpuset cpu io memory pids\n");
	write_file(root_dir, "cgroup.subtree_control", "");
	write_file(vp, "cgroup.subtree_control", "memory cpu\n"); /* already delegated */
	write_file(tp, "cgroup.subtree_control", "");
	write_file(ep, "memory.max", "");      /* a file: what we write is all */
	write_file(ep, "memory.swap.max", "");
	write_file(ep, "memory.events", "low 0\nhigh 0\nmax 7\noom 2\noom_kill 1\n");
	write_file(ep, "memory.peak", "52428800\n");
	write_file(ep, "cgroup.procs", "");
	write_file(ep, "cgroup.kill", "");
	write_file(ep, "cpu.max", "");

	cgroup_fake_v2_root(root_dir);
	assert_int_equal(cgroup_open("t", "e", true, &cg), 0);
	assert_int_equal(cg.mem_version, 2);
	assert_int_equal(cg.kill, CG_KILL_V2);
	assert_string_equal(cg.mem, ep);
	assert_string_equal(cg.track, ep);  /* one group does both on v2 */
	assert_string_equal(cg.rel, "/vpcsim/t/e");
	/* memory and cpu passed down every level above the environment, once,
	 * in one write */
	assert_true(file_is(root_dir, "cgroup.subtree_control", "+memory +cpu"));
	assert_true(file_is(vp, "cgroup.subtree_control", "memory cpu\n"));
	assert_true(file_is(tp, "cgroup.subtree_control", "+memory +cpu"));
	assert_int_equal(cg.cpu_version, 2);
	assert_string_equal(cg.cpu, ep);
	/* Lambda's share at 128 MB, 72 thousandths of a CPU: 7.2 ms per 100 ms */
	assert_int_equal(cgroup_set_cpu(&cg, 72), 0);
	assert_true(file_is(ep, "cpu.max", "7200 100000"));
	assert_int_equal(cgroup_set_memory_limit(&cg, 128LL << 20), 0);
	assert_true(file_is(ep, "memory.max", "134217728"));
	assert_true(file_is(ep, "memory.swap.max", "0"));
	assert_int_equal(cgroup_oom_kills(&cg, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(cgroup_peak_read(&cg, &n), 0);
	assert_int_equal(n, 50LL << 20);
	assert_int_equal(cgroup_nprocs(&cg), 0);
	assert_int_equal(cgroup_kill_all(&cg), 0);
	assert_true(file_is(ep, "cgroup.kill", "1"));
	cgroup_close(&cg);
}

static void test_nothing_left(void **state)
{
	NEED_ROOT();
	assert_int_equal(group_teardown(state), 0);
	assert_nothing_left();
	assert_false(path_exists("/run/netns/%s", ns));
	assert_false(path_exists("%s", etc_dir));
	assert_false(path_exists("%s", out_path));
	assert_false(path_exists("%s", root_dir));
	root = false; /* the group teardown has nothing left to do */
}

#define T(f) cmocka_unit_test_teardown(f, env_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_payload_and_env),
		T(test_jail),
		cmocka_unit_test(test_jail_engine_options),
		T(test_unprivileged),
		T(test_tmp_limit_and_persistence),
		T(test_busy),
		T(test_timeout_cgroup_kill),
		T(test_timeout_freezer),
		T(test_timeout_signals),
		T(test_leftovers_killed),
		T(test_out_of_memory),
		T(test_max_memory_used),
		T(test_report_and_billing),
		T(test_errors),
		T(test_sweep),
		T(test_cgroup_v2_files),
		cmocka_unit_test(test_nothing_left),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
