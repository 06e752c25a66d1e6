/* Control groups of execution environments; see kernel/cgroup.h.
 *
 * Every path written here is built from one of the hierarchy roots below
 * plus "/vpcsim/"; the only file written outside a vpcsim folder is the v2
 * root's cgroup.subtree_control, and only to add "memory" when a pure-v2
 * host does not delegate it yet (systemd does). */
#include <dirent.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "kernel/cgroup.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/clock.h"
#include "util/paths.h"

#define CG_FS        CGROUP_ROOT
#define CG_UNIFIED   CGROUP_UNIFIED_ROOT
#define CG_V1_MEMORY CGROUP_V1_MEMORY_ROOT
#define CG_V1_FREEZE CGROUP_V1_FREEZE_ROOT
#define CG_V1_CPU    CGROUP_V1_CPU_ROOT
#define CG_CPU_PERIOD_US 100000 /* the kernel's default CFS period */
#define CG_FOLDER    CGROUP_FOLDER
#define KILL_WAIT_MS 5000

static enum cg_kill forced_kill = CG_KILL_AUTO;
static char fake_v2[CG_PATH_MAX];

void cgroup_force_kill(enum cg_kill how)
{
	forced_kill = how;
}

void cgroup_fake_v2_root(const char *dir)
{
	snprintf(fake_v2, sizeof(fake_v2), "%s", dir ? dir : "");
}

bool cgroup_name_ok(const char *name)
{
	size_t n;

	if (!name || !name[0] || name[0] == '.')
		return false;
	n = strlen(name);
	if (n >= CG_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
			return false;
	}
	return true;
}

static bool fs_is(const char *path, unsigned long magic)
{
	struct statfs sf;

	return statfs(path, &sf) == 0 && (unsigned long)sf.f_type == magic;
}

static bool file_exists(const char *path)
{
	return access(path, F_OK) == 0;
}

/* A kept control file's text (cgroup_keep_files), read from its start. */
static int kept_get(int fd, char *buf, size_t size)
{
	ssize_t r = pread(fd, buf, size - 1, 0);

	if (r < 0)
		return -errno;
	buf[r] = '\0';
	return (int)r;
}

/* The value of "key N" in a flat-keyed control file (read through fd
 * when it is kept open, else by its path). */
static int read_key(const char *path, int fd, const char *key, long long *out)
{
	char buf[4096], *line, *save;
	size_t klen = strlen(key);
	int r;

	r = fd >= 0 ? kept_get(fd, buf, sizeof(buf)) : file_get(path, buf, sizeof(buf));
	if (r < 0)
		return errf(r, "reading %s: %s", path, strerror(-r));
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, key, klen) && line[klen] == ' ') {
			*out = strtoll(line + klen + 1, NULL, 10);
			return 0;
		}
	}
	return errf(ENOENT, "%s has no '%s' line", path, key);
}

/* Is `word` one of the space-separated words of file `path`? */
static bool file_has_word(const char *path, const char *word)
{
	char buf[1024], *tok, *save;

	if (file_get(path, buf, sizeof(buf)) < 0)
		return false;
	for (tok = strtok_r(buf, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save))
		if (!strcmp(tok, word))
			return true;
	return false;
}

/* Where the memory controller is: a cgroup2 mount that offers it, else
 * the v1 memory hierarchy. */
static int memory_root(const char **root, int *version)
{
	if (fake_v2[0]) {
		*root = fake_v2;
		*version = 2;
		return 0;
	}
	if (fs_is(CG_FS, CGROUP2_SUPER_MAGIC) &&
	    file_has_word(CG_FS "/cgroup.controllers", "memory")) {
		*root = CG_FS;
		*version = 2;
		return 0;
	}
	if (fs_is(CG_UNIFIED, CGROUP2_SUPER_MAGIC) &&
	    file_has_word(CG_UNIFIED "/cgroup.controllers", "memory")) {
		*root = CG_UNIFIED;
		*version = 2;
		return 0;
	}
	if (fs_is(CG_V1_MEMORY, CGROUP_SUPER_MAGIC)) {
		*root = CG_V1_MEMORY;
		*version = 1;
		return 0;
	}
	return errf(ENOTSUP, "no memory cgroup controller: neither a cgroup2 mount "
		    "with 'memory' in cgroup.controllers (%s, %s) nor a v1 "
		    "hierarchy at %s", CG_FS, CG_UNIFIED, CG_V1_MEMORY);
}

/* A cgroup2 mount to track processes in when memory is on v1. */
static const char *v2_root(void)
{
	if (fake_v2[0])
		return fake_v2;
	if (fs_is(CG_FS, CGROUP2_SUPER_MAGIC))
		return CG_FS;
	if (fs_is(CG_UNIFIED, CGROUP2_SUPER_MAGIC))
		return CG_UNIFIED;
	return NULL;
}

/* Add the memory controller (and cpu, with `cpu`) to dir's children if it
 * is not there yet: one write, "+memory +cpu", as cgroup v2 allows. */
static int v2_delegate(const char *dir, bool cpu)
{
	char path[CG_PATH_MAX + 32], want[32] = "";
	int err;

	snprintf(path, sizeof(path), "%s/cgroup.subtree_control", dir);
	if (!file_has_word(path, "memory"))
		snprintf(want, sizeof(want), "+memory");
	if (cpu && !file_has_word(path, "cpu"))
		snprintf(want + strlen(want), sizeof(want) - strlen(want), "%s+cpu",
			 want[0] ? " " : "");
	if (!want[0])
		return 0;
	err = file_put(path, want);
	return err < 0 ? errf(err, "enabling the %s controller in %s: %s", want + 1,
			      path, strerror(-err)) : 0;
}

/* mkdir root/vpcsim, root/vpcsim/TOPO, root/vpcsim/TOPO/ENV (existing is
 * fine). With v2_memory, each level passes the memory controller down, and
 * the cpu controller when the mount offers it. A
 * concurrent cgroup_remove() may rmdir an empty level between two of our
 * mkdirs, so an ENOENT restarts the chain a few times. */
static int group_make(const char *root, const char *topo, const char *env,
		      bool v2_memory, char out[CG_PATH_MAX])
{
	char dir[CG_PATH_MAX], ctl[CG_PATH_MAX + 24];
	const char *parts[] = { CG_FOLDER, topo, env };
	bool cpu;
	int err = 0;

	snprintf(ctl, sizeof(ctl), "%s/cgroup.controllers", root);
	cpu = v2_memory && file_has_word(ctl, "cpu");
	for (int attempt = 0; attempt < 3; attempt++) {
		snprintf(dir, sizeof(dir), "%s", root);
		for (size_t i = 0; i < 3; i++) {
			if (v2_memory && (err = v2_delegate(dir, cpu)) < 0)
				return err;
			snprintf(dir + strlen(dir), sizeof(dir) - strlen(dir), "/%s", parts[i]);
			if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
				err = -errno;
				break;
			}
			err = 0;
		}
		if (err != -ENOENT)
			break;
	}
	if (err < 0)
		return errf(err, "creating cgroup %s: %s", dir, strerror(-err));
	snprintf(out, CG_PATH_MAX, "%s", dir);
	return 0;
}

static void group_path(const char *root, const char *topo, const char *env,
		       char out[CG_PATH_MAX])
{
	snprintf(out, CG_PATH_MAX, "%s/" CG_FOLDER "/%s/%s", root, topo, env);
}

static int group_get(const char *root, const char *topo, const char *env,
		     bool create, bool v2_memory, char out[CG_PATH_MAX])
{
	if (create)
		return group_make(root, topo, env, v2_memory, out);
	group_path(root, topo, env, out);
	if (!file_exists(out))
		return errf(ENOENT, "cgroup %s does not exist", out);
	return 0;
}

/* Where the cpu controller is: a cgroup2 mount that offers it, else the
 * v1 cpu hierarchy; 0 when neither. */
static int cpu_root(const char **root)
{
	if (fake_v2[0]) {
		*root = fake_v2;
		return 2;
	}
	if (fs_is(CG_FS, CGROUP2_SUPER_MAGIC) && file_has_word(CG_FS "/cgroup.controllers", "cpu")) {
		*root = CG_FS;
		return 2;
	}
	if (fs_is(CG_UNIFIED, CGROUP2_SUPER_MAGIC) &&
	    file_has_word(CG_UNIFIED "/cgroup.controllers", "cpu")) {
		*root = CG_UNIFIED;
		return 2;
	}
	if (fs_is(CG_V1_CPU, CGROUP_SUPER_MAGIC)) {
		*root = CG_V1_CPU;
		return 1;
	}
	return 0;
}

/* Pass the cpu controller down from `root` to the environment's group
 * (v2: each level's cgroup.subtree_control, as for memory). */
static int v2_delegate_cpu(const char *root, const char *topo)
{
	char dir[CG_PATH_MAX], path[CG_PATH_MAX + 32];
	const char *parts[] = { "", "/" CG_FOLDER, "/" };

	snprintf(dir, sizeof(dir), "%s", root);
	for (size_t i = 0; i < 3; i++) {
		int err;

		snprintf(dir + strlen(dir), sizeof(dir) - strlen(dir), "%s%s", parts[i],
			 i == 2 ? topo : "");
		snprintf(path, sizeof(path), "%s/cgroup.subtree_control", dir);
		if (file_has_word(path, "cpu"))
			continue;
		if ((err = file_put(path, "+cpu")) < 0)
			return errf(err, "enabling the cpu controller in %s: %s", path,
				    strerror(-err));
	}
	return 0;
}

/* The environment's cpu group: the memory group when both controllers
 * share a v2 mount, else a group of the cpu hierarchy. */
static int cpu_group(const char *topo, const char *env, bool create, struct cgroup *cg,
		     const char *mem_root)
{
	const char *root = NULL;
	int err;

	cg->cpu_version = cpu_root(&root);
	if (!cg->cpu_version)
		return 0;
	if (cg->cpu_version == 2 && !strcmp(root, mem_root) && cg->mem_version == 2) {
		snprintf(cg->cpu, sizeof(cg->cpu), "%s", cg->mem); /* group_make passed it down */
		return 0;
	}
	err = group_get(root, topo, env, create, false, cg->cpu);
	if (err == 0 && create && cg->cpu_version == 2)
		err = v2_delegate_cpu(root, topo);
	if (err == -ENOENT && !create) {
		err_clear(); /* made before the cpu controller was used */
		cg->cpu_version = 0;
		cg->cpu[0] = '\0';
		return 0;
	}
	return err;
}

int cgroup_open(const char *topo, const char *env, bool create, struct cgroup *cg)
{
	char probe[CG_PATH_MAX + 16];
	const char *root = NULL, *v2;
	int err;

	memset(cg, 0, sizeof(*cg));
	cg->peak_fd = -1;
	if (!cgroup_name_ok(topo) || !cgroup_name_ok(env))
		return errf(EINVAL, "cgroup for environment '%s' of '%s': invalid name",
			    env ? env : "(null)", topo ? topo : "(null)");
	snprintf(cg->rel, sizeof(cg->rel), "/" CG_FOLDER "/%s/%s", topo, env);
	err = memory_root(&root, &cg->mem_version);
	if (err < 0)
		return err;
	err = group_get(root, topo, env, create, cg->mem_version == 2, cg->mem);
	if (err < 0)
		return err;
	if ((err = cpu_group(topo, env, create, cg, root)) < 0)
		return err;

	cg->kill = forced_kill;
	v2 = cg->mem_version == 2 ? root : v2_root();
	if (cg->kill == CG_KILL_AUTO)
		cg->kill = v2 ? CG_KILL_V2 :
			fs_is(CG_V1_FREEZE, CGROUP_SUPER_MAGIC) ? CG_KILL_FREEZER :
			CG_KILL_SIGNAL;
	switch (cg->kill) {
	case CG_KILL_V2:
		if (!v2)
			return errf(ENOTSUP, "no cgroup2 mount to track processes in");
		if (cg->mem_version == 2)
			snprintf(cg->track, sizeof(cg->track), "%s", cg->mem);
		else if ((err = group_get(v2, topo, env, create, false, cg->track)) < 0)
			return err;
		/* cgroup.kill appeared in Linux 5.14. */
		snprintf(probe, sizeof(probe), "%s/cgroup.kill", cg->track);
		if (!file_exists(probe))
			cg->kill = CG_KILL_SIGNAL;
		break;
	case CG_KILL_FREEZER:
		if (cg->mem_version != 1 || !fs_is(CG_V1_FREEZE, CGROUP_SUPER_MAGIC))
			return errf(ENOTSUP, "no v1 freezer hierarchy at %s", CG_V1_FREEZE);
		err = group_get(CG_V1_FREEZE, topo, env, create, false, cg->track);
		if (err < 0)
			return err;
		break;
	default:
		cg->kill = CG_KILL_SIGNAL;
		snprintf(cg->track, sizeof(cg->track), "%s", cg->mem);
		break;
	}
	return 0;
}

/* A peak fd that is not the kept one closed. */
static void peak_close(struct cgroup *cg)
{
	if (cg->peak_fd >= 0) {
		close(cg->peak_fd);
		cg->peak_fd = -1;
	}
}

void cgroup_close(struct cgroup *cg)
{
	if (!cg)
		return;
	peak_close(cg);
	if (cg->kept) {
		int *fds[] = { &cg->freeze_fd, &cg->state_fd, &cg->oom_fd, &cg->max_use_fd };

		for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
			if (*fds[i] >= 0)
				close(*fds[i]);
	}
	cg->kept = false;
}

static int open_in(const char *dir, const char *file, int flags)
{
	char path[CG_PATH_MAX + 40];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	return open(path, flags | O_CLOEXEC);
}

void cgroup_keep_files(struct cgroup *cg)
{
	bool v2 = cg->kill == CG_KILL_V2, v1f = cg->kill == CG_KILL_FREEZER;

	if (cg->kept)
		return;
	cg->freeze_fd = v2 ? open_in(cg->track, "cgroup.freeze", O_WRONLY) :
			v1f ? open_in(cg->track, "freezer.state", O_WRONLY) : -1;
	cg->state_fd = v2 ? open_in(cg->track, "cgroup.events", O_RDONLY) :
		       v1f ? open_in(cg->track, "freezer.state", O_RDONLY) : -1;
	cg->oom_fd = open_in(cg->mem, cg->mem_version == 1 ? "memory.oom_control" :
			     "memory.events", O_RDONLY);
	cg->max_use_fd = cg->mem_version == 1 ?
			 open_in(cg->mem, "memory.max_usage_in_bytes", O_RDWR) : -1;
	cg->kept = true;
}

static int mem_write(const struct cgroup *cg, const char *file, const char *val)
{
	char path[CG_PATH_MAX + 40];
	int err;

	snprintf(path, sizeof(path), "%s/%s", cg->mem, file);
	err = file_put(path, val);
	return err < 0 ? errf(err, "writing %s to %s: %s", val, path, strerror(-err)) : 0;
}

static bool mem_has(const struct cgroup *cg, const char *file)
{
	char path[CG_PATH_MAX + 40];

	snprintf(path, sizeof(path), "%s/%s", cg->mem, file);
	return file_exists(path);
}

int cgroup_set_memory_limit(const struct cgroup *cg, long long bytes)
{
	char val[32];
	int err;

	if (bytes <= 0)
		return errf(EINVAL, "memory limit of %s: %lld bytes", cg->mem, bytes);
	snprintf(val, sizeof(val), "%lld", bytes);
	if (cg->mem_version == 2) {
		err = mem_write(cg, "memory.max", val);
		if (err == 0 && mem_has(cg, "memory.swap.max"))
			err = mem_write(cg, "memory.swap.max", "0");
		return err;
	}
	/* v1 wants memsw >= limit at every moment: open memsw up, set the
	 * limit, then close memsw down to it (memory + swap = memory). */
	if (mem_has(cg, "memory.memsw.limit_in_bytes") &&
	    (err = mem_write(cg, "memory.memsw.limit_in_bytes", "-1")) < 0)
		return err;
	if ((err = mem_write(cg, "memory.limit_in_bytes", val)) < 0)
		return err;
	if (mem_has(cg, "memory.memsw.limit_in_bytes") &&
	    (err = mem_write(cg, "memory.memsw.limit_in_bytes", val)) < 0)
		return err;
	if (mem_has(cg, "memory.swappiness"))
		mem_write(cg, "memory.swappiness", "0"); /* best effort */
	return 0;
}

int cgroup_set_cpu(const struct cgroup *cg, long millicpus)
{
	char path[CG_PATH_MAX + 32], val[48];
	long quota = millicpus * (CG_CPU_PERIOD_US / 1000);
	int err;

	if (!cg->cpu_version)
		return errf(ENOTSUP, "no cpu cgroup controller: neither a cgroup2 mount with "
			    "'cpu' in cgroup.controllers (%s, %s) nor a v1 hierarchy at %s",
			    CG_FS, CG_UNIFIED, CG_V1_CPU);
	if (millicpus > 0 && quota < 1000)
		quota = 1000; /* the kernel's smallest quota: 1 ms */
	if (cg->cpu_version == 2) {
		snprintf(path, sizeof(path), "%s/cpu.max", cg->cpu);
		if (millicpus <= 0)
			snprintf(val, sizeof(val), "max %d", CG_CPU_PERIOD_US);
		else
			snprintf(val, sizeof(val), "%ld %d", quota, CG_CPU_PERIOD_US);
		err = file_put(path, val);
	} else {
		snprintf(path, sizeof(path), "%s/cpu.cfs_period_us", cg->cpu);
		snprintf(val, sizeof(val), "%d", CG_CPU_PERIOD_US);
		err = file_put(path, val);
		if (err == 0) {
			snprintf(path, sizeof(path), "%s/cpu.cfs_quota_us", cg->cpu);
			snprintf(val, sizeof(val), "%ld", millicpus <= 0 ? -1L : quota);
			err = file_put(path, val);
		}
	}
	return err < 0 ? errf(err, "writing %s to %s: %s", val, path, strerror(-err)) : 0;
}

int cgroup_attach(const struct cgroup *cg, pid_t pid)
{
	const char *dirs[3] = { cg->mem, cg->track, cg->cpu };
	char path[CG_PATH_MAX + 16], who[16];
	int err;

	snprintf(who, sizeof(who), "%d", (int)pid);
	for (int i = 0; i < 3; i++) {
		/* Each group once: the tracking group may be the memory one,
		 * and without a cpu controller there is no cpu group. */
		if ((i == 2 && !cg->cpu_version) || (i > 0 && !strcmp(dirs[i], cg->mem)) ||
		    (i == 2 && !strcmp(dirs[i], cg->track)))
			continue;
		snprintf(path, sizeof(path), "%s/cgroup.procs", dirs[i]);
		if ((err = file_put(path, who)) < 0)
			return errf(err, "joining %s: %s", path, strerror(-err));
	}
	return 0;
}

int cgroup_join(const struct cgroup *cg)
{
	return cgroup_attach(cg, 0);
}

int cgroup_peak_reset(struct cgroup *cg)
{
	char path[CG_PATH_MAX + 32];

	if (cg->mem_version == 1 && cg->kept && cg->max_use_fd >= 0 &&
	    write(cg->max_use_fd, "0", 1) == 1)
		return 0;
	if (cg->mem_version == 1)
		return mem_write(cg, "memory.max_usage_in_bytes", "0");
	/* A kept fd's peak starts again with another "reset" (Linux >=
	 * 6.12); else a new fd. */
	if (cg->kept && cg->peak_fd >= 0 && write(cg->peak_fd, "reset\n", 6) == 6)
		return 0;
	peak_close(cg);
	snprintf(path, sizeof(path), "%s/memory.peak", cg->mem);
	cg->peak_fd = open(path, O_RDWR | O_CLOEXEC);
	if (cg->peak_fd < 0)
		return 0; /* before 5.19: no peak at all, memory.current is used */
	/* The reset holds for reads through this fd only (Linux >= 6.12);
	 * before that the write fails and the peak counts from creation. */
	if (write(cg->peak_fd, "reset\n", 6) < 0) {
		close(cg->peak_fd);
		cg->peak_fd = -1;
	}
	return 0;
}

int cgroup_usage_read(const struct cgroup *cg, long long *bytes)
{
	char path[CG_PATH_MAX + 40], buf[64];
	ssize_t r;

	snprintf(path, sizeof(path), "%s/%s", cg->mem,
		 cg->mem_version == 1 ? "memory.usage_in_bytes" : "memory.current");
	r = file_get(path, buf, sizeof(buf));
	if (r < 0)
		return errf((int)r, "reading %s: %s", path, strerror((int)-r));
	*bytes = strtoll(buf, NULL, 10);
	return 0;
}

int cgroup_peak_read(const struct cgroup *cg, long long *bytes)
{
	char path[CG_PATH_MAX + 40], buf[64];
	ssize_t r;

	int fd = cg->peak_fd >= 0 ? cg->peak_fd : cg->kept ? cg->max_use_fd : -1;

	if (fd >= 0 && (r = kept_get(fd, buf, sizeof(buf))) > 0) {
		*bytes = strtoll(buf, NULL, 10);
		return 0;
	}
	snprintf(path, sizeof(path), "%s/%s", cg->mem,
		 cg->mem_version == 1 ? "memory.max_usage_in_bytes" :
		 mem_has(cg, "memory.peak") ? "memory.peak" : "memory.current");
	r = file_get(path, buf, sizeof(buf));
	if (r < 0)
		return errf((int)r, "reading %s: %s", path, strerror((int)-r));
	*bytes = strtoll(buf, NULL, 10);
	return 0;
}

int cgroup_oom_kills(const struct cgroup *cg, long long *n)
{
	char path[CG_PATH_MAX + 32];

	snprintf(path, sizeof(path), "%s/%s", cg->mem,
		 cg->mem_version == 1 ? "memory.oom_control" : "memory.events");
	return read_key(path, cg->kept ? cg->oom_fd : -1, "oom_kill", n);
}

/* The pids listed in dir/cgroup.procs, at most max. */
static int group_pids(const char *dir, pid_t *pids, int max)
{
	char path[CG_PATH_MAX + 16], buf[16384], *tok, *save;
	int r, n = 0;

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	r = file_get(path, buf, sizeof(buf));
	if (r < 0)
		return errf(r, "reading %s: %s", path, strerror(-r));
	for (tok = strtok_r(buf, "\n", &save); tok && n < max; tok = strtok_r(NULL, "\n", &save))
		pids[n++] = (pid_t)atoi(tok);
	return n;
}

/* Is pid in the group `rel` of the hierarchy that `dir` belongs to? The
 * hierarchy is named by its line in /proc/PID/cgroup: "0::" for v2, the
 * controller for v1. */
static bool pid_in_group(pid_t pid, const char *dir, const char *rel)
{
	char path[64], buf[4096], *line, *save, *p;
	const char *ctrl = NULL;

	if (!strncmp(dir, CG_V1_MEMORY "/", sizeof(CG_V1_MEMORY)))
		ctrl = "memory";
	else if (!strncmp(dir, CG_V1_FREEZE "/", sizeof(CG_V1_FREEZE)))
		ctrl = "freezer";
	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	if (file_get(path, buf, sizeof(buf)) < 0)
		return false;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		p = strchr(line, ':');
		if (!p)
			continue;
		if (ctrl) {
			char *end = strchr(p + 1, ':'), *csave;
			bool match = false;

			if (!end)
				continue;
			*end = '\0';
			for (char *c = strtok_r(p + 1, ",", &csave); c;
			     c = strtok_r(NULL, ",", &csave))
				match |= !strcmp(c, ctrl);
			if (match)
				return !strcmp(end + 1, rel);
		} else if (!strncmp(line, "0::", 3)) {
			return !strcmp(line + 3, rel);
		}
	}
	return false;
}

/* SIGKILL each member of dir once. The pidfd is opened first and the
 * membership checked after: the pidfd then names a process that was in the
 * group, never a later owner of the pid. Returns the number signalled. */
static int group_signal(const char *dir, const char *rel)
{
	pid_t pids[1024];
	int n, pidfd, sent = 0;

	n = group_pids(dir, pids, 1024);
	for (int i = 0; i < n; i++) {
		pidfd = (int)syscall(SYS_pidfd_open, pids[i], 0);
		if (pidfd < 0)
			continue; /* gone already */
		if (pid_in_group(pids[i], dir, rel) &&
		    syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0) == 0)
			sent++;
		close(pidfd);
	}
	return n < 0 ? n : sent;
}

static int group_count(const char *dir)
{
	pid_t pids[1024];

	return group_pids(dir, pids, 1024);
}

/* Wait until dir has no process; signal members again when asked. */
static int group_wait_empty(const char *dir, const char *rel, bool resignal)
{
	double deadline = now_ms() + KILL_WAIT_MS;
	int n, pause = 1;

	while ((n = group_count(dir)) > 0) {
		if (now_ms() > deadline)
			return errf(ETIMEDOUT, "%d processes still in %s after SIGKILL",
				    n, dir);
		if (resignal)
			group_signal(dir, rel);
		sleep_ms(pause);
		pause = pause < 20 ? pause * 2 : 20;
	}
	return n;
}

static int freezer_state(const char *dir, const char *state, bool wait)
{
	char path[CG_PATH_MAX + 16], buf[32];
	double deadline = now_ms() + KILL_WAIT_MS;
	int err;

	snprintf(path, sizeof(path), "%s/freezer.state", dir);
	if ((err = file_put(path, state)) < 0)
		return errf(err, "writing %s to %s: %s", state, path, strerror(-err));
	while (wait) {
		if (file_get(path, buf, sizeof(buf)) > 0 && !strncmp(buf, state, strlen(state)))
			break;
		if (now_ms() > deadline)
			return errf(ETIMEDOUT, "%s did not become %s", path, state);
		sleep_ms(1);
	}
	return 0;
}

int cgroup_kill_all(const struct cgroup *cg)
{
	char path[CG_PATH_MAX + 16];
	int err;

	switch (cg->kill) {
	case CG_KILL_V2:
		snprintf(path, sizeof(path), "%s/cgroup.kill", cg->track);
		if ((err = file_put(path, "1")) < 0)
			return errf(err, "writing 1 to %s: %s", path, strerror(-err));
		return group_wait_empty(cg->track, cg->rel, false);
	case CG_KILL_FREEZER:
		/* Frozen, no member can fork or exit, so the list is complete
		 * and every pid in it still names a member; the kills land
		 * at the thaw. */
		if (group_count(cg->track) == 0)
			return 0;
		if ((err = freezer_state(cg->track, "FROZEN", true)) < 0) {
			freezer_state(cg->track, "THAWED", false);
			return err;
		}
		group_signal(cg->track, cg->rel);
		if ((err = freezer_state(cg->track, "THAWED", false)) < 0)
			return err;
		return group_wait_empty(cg->track, cg->rel, true);
	default:
		group_signal(cg->track, cg->rel);
		return group_wait_empty(cg->track, cg->rel, true);
	}
}

/* rmdir dir, then its parent and grandparent (TOPO, vpcsim) if empty. */
static int group_rmdir(const char *dir)
{
	char path[CG_PATH_MAX], *slash;

	/* EBUSY for a moment after the last process left: threads of a
	 * killed multi-threaded process may still be exiting. */
	for (int i = 0; rmdir(dir) < 0 && errno != ENOENT; i++) {
		if (errno != EBUSY || i == 200)
			return errf(errno, "removing cgroup %s: %s", dir, strerror(errno));
		sleep_ms(10);
	}
	snprintf(path, sizeof(path), "%s", dir);
	for (int up = 0; up < 2 && (slash = strrchr(path, '/')); up++) {
		*slash = '\0';
		rmdir(path); /* ENOTEMPTY: another environment or topology */
	}
	return 0;
}

int cgroup_remove(const char *topo, const char *env)
{
	const char *roots[] = { CG_FS, CG_UNIFIED, CG_V1_MEMORY, CG_V1_FREEZE, CG_V1_CPU };
	char dir[CG_PATH_MAX], rel[CG_PATH_MAX];
	struct cgroup cg;
	int err, first = 0;

	if (!cgroup_name_ok(topo) || !cgroup_name_ok(env))
		return errf(EINVAL, "removing cgroup of environment '%s' of '%s': invalid name",
			    env ? env : "(null)", topo ? topo : "(null)");
	snprintf(rel, sizeof(rel), "/" CG_FOLDER "/%s/%s", topo, env);
	/* The best way first, then whatever each hierarchy still holds, in
	 * case the groups were made under other conditions. */
	if (cgroup_open(topo, env, false, &cg) == 0) {
		err = cgroup_kill_all(&cg);
		cgroup_close(&cg);
		if (err < 0)
			return err;
	}
	for (size_t i = 0; i < sizeof(roots) / sizeof(roots[0]); i++) {
		group_path(roots[i], topo, env, dir);
		if (!file_exists(dir))
			continue;
		if (!strncmp(roots[i], CG_V1_FREEZE, sizeof(CG_V1_FREEZE)) &&
		    group_count(dir) > 0)
			freezer_state(dir, "THAWED", false); /* a frozen member cannot die */
		group_signal(dir, rel);
		err = group_wait_empty(dir, rel, true);
		if (err == 0)
			err = group_rmdir(dir);
		if (err < 0 && first == 0)
			first = err;
	}
	return first;
}
