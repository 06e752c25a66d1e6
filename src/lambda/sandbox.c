/* Lambda execution environments; see include/vpcsim/sandbox.h and
 * docs/SANDBOX.md. */
#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/sched.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kernel/cgroup.h"
#include "util/err.h"
#include "kernel/netns.h"
#include "kernel/proc.h"
#include "lambda/sandbox.h"
#include "state/state.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

/* Lambda's own values for what it sets (AWS docs, "Defined runtime
 * environment variables"); PATH and LANG may be overridden. */
#define LAMBDA_PATH "/usr/local/bin:/usr/bin/:/bin:/opt/bin"
#define LAMBDA_LANG "en_US.UTF-8"
#define LAMBDA_NOFILE 1024       /* Lambda's file descriptor quota */
#define SANDBOX_USER "nobody"
#define SANDBOX_UID_FALLBACK 65534
#define OOM_TICK_MS 20           /* how often a running invoke checks OOM kills */
#define ENVP_MAX 512

extern char **environ;

static const char *const reserved_vars[] = {
	"_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION", "AWS_REGION",
	"AWS_EXECUTION_ENV", "AWS_LAMBDA_FUNCTION_NAME",
	"AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION",
	"AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME",
	"AWS_LAMBDA_LOG_STREAM_NAME", "AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID",
	"AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_LAMBDA_RUNTIME_API",
	"LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR", "TZ",
};

/* The environment's folder: /run/vpcsim/TOPO/envs/ENV. */
static void env_dir(const char *topo, const char *env_id, char *out, size_t size)
{
	char dir[STATE_PATH_MAX];

	state_dir(topo, dir);
	snprintf(out, size, "%s/envs/%s", dir, env_id);
}

void sandbox_tmp_dir(const char *topo, const char *env_id, char *out, size_t size)
{
	char dir[STATE_PATH_MAX + 64];

	env_dir(topo, env_id, dir, sizeof(dir));
	snprintf(out, size, "%s/tmp", dir);
}

/* Lambda gives an environment one request at a time: an invoke holds
 * ENVDIR/lock, and a second one fails at once instead of sharing the
 * cgroup (its start would kill the first one's leftovers). */
static int env_lock(const char *topo, const char *env_id)
{
	char path[STATE_PATH_MAX + 64];
	int fd;

	env_dir(topo, env_id, path, sizeof(path));
	strcat(path, "/lock");
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return errf(errno, "opening %s: %s", path, strerror(errno));
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int err = errno == EWOULDBLOCK ? EBUSY : errno;

		close(fd);
		return errf(err, "the environment is busy with another invoke "
			    "(one at a time, as on Lambda): %s", strerror(err));
	}
	return fd;
}

static int check_names(const char *topo, const char *env_id, const char *what)
{
	if (!cgroup_name_ok(topo) || !cgroup_name_ok(env_id))
		return errf(EINVAL, "%s environment '%s' of topology '%s': a name "
			    "must be 1..%d characters of A-Z a-z 0-9 . _ - not "
			    "starting with '.'", what, env_id ? env_id : "(null)",
			    topo ? topo : "(null)", CG_NAME_MAX - 1);
	return 0;
}

static int mkdir_p(const char *path, mode_t mode)
{
	char buf[STATE_PATH_MAX + 64];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return errf(errno, "creating %s: %s", buf, strerror(errno));
		*p = '/';
	}
	if (mkdir(buf, mode) < 0 && errno != EEXIST)
		return errf(errno, "creating %s: %s", buf, strerror(errno));
	return 0;
}

/* A mount point has another device than its parent; our tmpfs always has. */
static bool is_mountpoint(const char *path)
{
	char parent[STATE_PATH_MAX + 64];
	struct stat a, b;

	snprintf(parent, sizeof(parent), "%s/..", path);
	return stat(path, &a) == 0 && stat(parent, &b) == 0 && a.st_dev != b.st_dev;
}

static int tmp_mount(const char *dir, int size_mb)
{
	char opts[64];

	snprintf(opts, sizeof(opts), "size=%dm,mode=1777", size_mb);
	if (is_mountpoint(dir)) {
		/* Warm: keep the files, apply a changed size. */
		if (mount(NULL, dir, NULL, MS_REMOUNT | MS_NOSUID | MS_NODEV, opts) < 0)
			return errf(errno, "resizing tmpfs %s to %d MB: %s", dir,
				    size_mb, strerror(errno));
		return 0;
	}
	if (mount("vpcsim-tmp", dir, "tmpfs", MS_NOSUID | MS_NODEV, opts) < 0)
		return errf(errno, "mounting a %d MB tmpfs on %s: %s", size_mb, dir,
			    strerror(errno));
	return 0;
}

int sandbox_create(const struct sandbox *sb)
{
	const struct sandbox_limits *l = &sb->limits;
	char tmp[STATE_PATH_MAX + 64];
	struct cgroup cg;
	bool existed;
	int err;

	if ((err = check_names(sb->topo, sb->env_id, "creating")) < 0)
		return err;
	if (l->memory_mb <= 0 || l->timeout_s <= 0 || l->ephemeral_storage_mb <= 0)
		return errf(EINVAL, "creating environment %s of %s: limits must be "
			    "positive (memory %d MB, timeout %d s, /tmp %d MB)",
			    sb->env_id, sb->topo, l->memory_mb, l->timeout_s,
			    l->ephemeral_storage_mb);
	existed = cgroup_open(sb->topo, sb->env_id, false, &cg) == 0;
	err_clear();
	err = cgroup_open(sb->topo, sb->env_id, true, &cg);
	if (err == 0)
		err = cgroup_set_memory_limit(&cg, (long long)l->memory_mb << 20);
	cgroup_close(&cg);
	sandbox_tmp_dir(sb->topo, sb->env_id, tmp, sizeof(tmp));
	if (err == 0)
		err = mkdir_p(tmp, 0755);
	if (err == 0)
		err = tmp_mount(tmp, l->ephemeral_storage_mb);
	if (err < 0) {
		errf_prefix(err, "creating environment %s of %s", sb->env_id, sb->topo);
		if (!existed) {
			char msg[1024];

			snprintf(msg, sizeof(msg), "%s", err_msg());
			sandbox_destroy(sb->topo, sb->env_id);
			errf(err, "%s", msg);
		}
		return err;
	}
	return 0;
}

int sandbox_destroy(const char *topo, const char *env_id)
{
	char tmp[STATE_PATH_MAX + 64], lock[STATE_PATH_MAX + 64], *slash;
	struct cgroup cg;
	int err, first = 0;

	if ((err = check_names(topo, env_id, "destroying")) < 0)
		return err;
	/* Processes first, then /tmp (its pages are charged to the memory
	 * cgroup and free with it), then the groups. */
	if (cgroup_open(topo, env_id, false, &cg) == 0) {
		first = cgroup_kill_all(&cg);
		cgroup_close(&cg);
	} else {
		err_clear(); /* absent: nothing to kill */
	}
	sandbox_tmp_dir(topo, env_id, tmp, sizeof(tmp));
	/* Several mounts may be stacked if creates raced; lift them all. */
	for (int i = 0; i < 16 && is_mountpoint(tmp); i++) {
		if (umount2(tmp, MNT_DETACH) < 0) {
			err = errf(errno, "unmounting %s: %s", tmp, strerror(errno));
			first = first ? first : err;
			break;
		}
	}
	err = cgroup_remove(topo, env_id);
	first = first ? first : err;
	env_dir(topo, env_id, lock, sizeof(lock));
	strcat(lock, "/lock");
	if (unlink(lock) < 0 && errno != ENOENT) {
		err = errf(errno, "removing %s: %s", lock, strerror(errno));
		first = first ? first : err;
	}
	/* tmp, envs/ENV, envs, then the topology's state folder: each only
	 * if empty, so a topology that is up keeps its own. */
	for (int up = 0; up < 4; up++) {
		if (rmdir(tmp) < 0 && errno != ENOENT && errno != ENOTEMPTY &&
		    errno != EEXIST && up == 0) {
			err = errf(errno, "removing %s: %s", tmp, strerror(errno));
			first = first ? first : err;
		}
		if (!(slash = strrchr(tmp, '/')))
			break;
		*slash = '\0';
	}
	return first ? errf_prefix(first, "destroying environment %s of %s",
				   env_id, topo) : 0;
}

/* Environments found by their marks, without duplicates. */
struct found {
	char (*pairs)[2][CG_NAME_MAX];
	int n, cap;
};

static int found_add(struct found *f, const char *topo, const char *env_id)
{
	if (!cgroup_name_ok(topo) || !cgroup_name_ok(env_id))
		return 0; /* not ours: we never make such names */
	for (int i = 0; i < f->n; i++)
		if (!strcmp(f->pairs[i][0], topo) && !strcmp(f->pairs[i][1], env_id))
			return 0;
	if (f->n == f->cap) {
		int cap = f->cap ? f->cap * 2 : 16;
		void *p = realloc(f->pairs, (size_t)cap * sizeof(f->pairs[0]));

		if (!p)
			return errf(ENOMEM, "sweeping environments: out of memory");
		f->pairs = p;
		f->cap = cap;
	}
	snprintf(f->pairs[f->n][0], CG_NAME_MAX, "%s", topo);
	snprintf(f->pairs[f->n][1], CG_NAME_MAX, "%s", env_id);
	f->n++;
	return 0;
}

/* Add every ENV of DIR/TOPO/SUB/ENV (SUB may be ""), for one TOPO or all. */
static int found_scan(struct found *f, const char *dir, const char *topo, const char *sub)
{
	char path[STATE_PATH_MAX + 2 * CG_NAME_MAX];
	struct dirent *t, *e;
	DIR *td, *ed;
	int err = 0;

	td = opendir(dir);
	if (!td)
		return 0;
	while (err == 0 && (t = readdir(td))) {
		if (t->d_name[0] == '.' || (topo && strcmp(t->d_name, topo)))
			continue;
		snprintf(path, sizeof(path), "%s/%s%s", dir, t->d_name, sub);
		ed = opendir(path);
		if (!ed)
			continue;
		while (err == 0 && (e = readdir(ed)))
			if (e->d_type == DT_DIR && e->d_name[0] != '.')
				err = found_add(f, t->d_name, e->d_name);
		closedir(ed);
	}
	closedir(td);
	return err;
}

int sandbox_sweep(const char *topo)
{
	static const char *const cg_dirs[] = {
		"/sys/fs/cgroup/vpcsim", "/sys/fs/cgroup/unified/vpcsim",
		"/sys/fs/cgroup/memory/vpcsim", "/sys/fs/cgroup/freezer/vpcsim",
	};
	struct found f = { 0 };
	int err, first = 0, n = 0;

	if (topo && !cgroup_name_ok(topo))
		return errf(EINVAL, "sweeping environments of '%s': invalid name", topo);
	err = found_scan(&f, STATE_ROOT, topo, "/envs");
	for (size_t i = 0; err == 0 && i < sizeof(cg_dirs) / sizeof(cg_dirs[0]); i++)
		err = found_scan(&f, cg_dirs[i], topo, "");
	for (int i = 0; err == 0 && i < f.n; i++) {
		int e = sandbox_destroy(f.pairs[i][0], f.pairs[i][1]);

		if (e < 0 && first == 0)
			first = e;
		else if (e == 0)
			n++;
	}
	free(f.pairs);
	if (err < 0)
		return err;
	return first < 0 ? first : n;
}

static double now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

void sandbox_uuid_v4(char out[37])
{
	unsigned char b[16];
	size_t got = 0;

	while (got < sizeof(b)) {
		ssize_t r = getrandom(b + got, sizeof(b) - got, 0);

		if (r > 0)
			got += (size_t)r;
		else if (errno != EINTR)
			break;
	}
	if (got < sizeof(b)) { /* no getrandom: still unique enough per host */
		struct timespec t;

		clock_gettime(CLOCK_REALTIME, &t);
		for (size_t i = 0; i < sizeof(b); i++)
			b[i] = (unsigned char)(((uint64_t)t.tv_nsec * 2654435761u +
						(uint64_t)getpid() * 40503u) >> (i % 8 * 4));
	}
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40); /* version 4 */
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80); /* RFC 4122 variant */
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
		 "%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3], b[4], b[5],
		 b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

/* The environment given to the command, in a malloc'd NULL-ended array. */
struct envp {
	char *v[ENVP_MAX + 1];
	int n;
};

static void envp_free(struct envp *e)
{
	for (int i = 0; i < e->n; i++)
		free(e->v[i]);
	e->n = 0;
}

__attribute__((format(printf, 2, 3)))
static int envp_add(struct envp *e, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int r;

	if (e->n >= ENVP_MAX)
		return errf(E2BIG, "more than %d environment variables", ENVP_MAX);
	va_start(ap, fmt);
	r = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (r < 0)
		return errf(ENOMEM, "building the environment: out of memory");
	e->v[e->n++] = s;
	e->v[e->n] = NULL;
	return 0;
}

static bool reserved(const char *key)
{
	for (size_t i = 0; i < sizeof(reserved_vars) / sizeof(reserved_vars[0]); i++)
		if (!strcmp(key, reserved_vars[i]))
			return true;
	return false;
}

static bool has_var(const struct sandbox_env *env, const char *key)
{
	for (int i = 0; env && i < env->n; i++)
		if (env->vars[i].key && !strcmp(env->vars[i].key, key))
			return true;
	return false;
}

/* 32 hex digits naming the environment's log stream, stable for it (Lambda
 * draws them at random per environment). FNV-1a, twice. */
static void stream_id(const char *topo, const char *env_id, char out[33])
{
	uint64_t h[2] = { 0xcbf29ce484222325ull, 0x84222325cbf29ce4ull };

	for (int k = 0; k < 2; k++) {
		for (const char *s = topo; *s; s++)
			h[k] = (h[k] ^ (unsigned char)*s) * 0x100000001b3ull;
		h[k] = (h[k] ^ '/') * 0x100000001b3ull;
		for (const char *s = env_id; *s; s++)
			h[k] = (h[k] ^ (unsigned char)*s) * 0x100000001b3ull;
	}
	snprintf(out, 33, "%016llx%016llx", (unsigned long long)h[0],
		 (unsigned long long)h[1]);
}

static int envp_build(struct envp *e, const struct sandbox *sb,
		      const struct sandbox_env *env)
{
	const char *fn = env && env->function_name ? env->function_name : sb->env_id;
	const char *region = env && env->region ? env->region : "us-east-1";
	char day[16], sid[33];
	time_t now = time(NULL);
	struct tm tm;
	int err = 0;

	e->n = 0;
	e->v[0] = NULL;
	for (int i = 0; env && i < env->n && err == 0; i++) {
		const struct env_var *v = &env->vars[i];

		if (v->key && v->value && !reserved(v->key))
			err = envp_add(e, "%s=%s", v->key, v->value);
	}
	gmtime_r(&now, &tm);
	strftime(day, sizeof(day), "%Y/%m/%d", &tm);
	stream_id(sb->topo, sb->env_id, sid);
	if (err == 0 && !has_var(env, "PATH"))
		err = envp_add(e, "PATH=%s", LAMBDA_PATH);
	if (err == 0 && !has_var(env, "LANG"))
		err = envp_add(e, "LANG=%s", LAMBDA_LANG);
	if (err == 0)
		err = envp_add(e, "TZ=:UTC");
	if (err == 0)
		err = envp_add(e, "AWS_REGION=%s", region);
	if (err == 0)
		err = envp_add(e, "AWS_DEFAULT_REGION=%s", region);
	if (err == 0)
		err = envp_add(e, "AWS_LAMBDA_FUNCTION_NAME=%s", fn);
	if (err == 0)
		err = envp_add(e, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE=%d", sb->limits.memory_mb);
	if (err == 0)
		err = envp_add(e, "AWS_LAMBDA_FUNCTION_VERSION=$LATEST");
	if (err == 0)
		err = envp_add(e, "AWS_LAMBDA_INITIALIZATION_TYPE=on-demand");
	if (err == 0)
		err = envp_add(e, "AWS_LAMBDA_LOG_GROUP_NAME=/aws/lambda/%s", fn);
	if (err == 0)
		err = envp_add(e, "AWS_LAMBDA_LOG_STREAM_NAME=%s/[$LATEST]%s", day, sid);
	if (err == 0 && env && env->handler)
		err = envp_add(e, "_HANDLER=%s", env->handler);
	if (err < 0)
		envp_free(e);
	return err;
}

/* What the forked child needs; everything is prepared by the parent so the
 * child only makes system calls. */
struct child_args {
	const struct sandbox *sb;
	const struct cgroup *cg;
	const char *tmp;
	char *const *argv;
	char **envp;
	int payload_fd;
	uid_t uid;
	gid_t gid;
	int parent_pidfd;          /* vpcsim itself, readable once it exits */
	int report;
};

/* No capabilities now or after exec: the bounding set and the ambient set
 * emptied, every uid and gid nobody's (which clears the permitted and
 * effective sets), no supplementary groups, no setuid gains. */
int sandbox_drop_privileges(uid_t uid, gid_t gid)
{
	int last = 63;
	FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");

	if (f) {
		if (fscanf(f, "%d", &last) != 1)
			last = 63;
		fclose(f);
	}
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	for (int c = 0; c <= last; c++)
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
			return errf(errno, "dropping capability %d: %s", c, strerror(errno));
	/* Raw system calls: glibc's wrappers would wait for every thread of
	 * the process to change ids too, and a child forked from a threaded
	 * process (the supervisor) inherits the list but not the threads. */
	if (syscall(SYS_setgroups, 0, NULL) < 0 || syscall(SYS_setresgid, gid, gid, gid) < 0 ||
	    syscall(SYS_setresuid, uid, uid, uid) < 0)
		return errf(errno, "becoming uid %d gid %d: %s", (int)uid, (int)gid,
			    strerror(errno));
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return errf(errno, "PR_SET_NO_NEW_PRIVS: %s", strerror(errno));
	return 0;
}

static __attribute__((noreturn)) void child_run(const struct child_args *a)
{
	struct rlimit nofile = { LAMBDA_NOFILE, LAMBDA_NOFILE };
	const char *msg;
	int err;

	proc_signals_default();
	/* First, so everything the command does is charged and killable. */
	if ((err = cgroup_join(a->cg)) < 0)
		goto fail;
	if ((err = proc_enter_node(a->sb->netns)) < 0)
		goto fail;
	/* A procfs of the new PID namespace: the function sees its own
	 * processes only, as on Lambda. */
	if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) {
		err = errf(errno, "mounting /proc: %s", strerror(errno));
		goto fail;
	}
	if (mount(a->tmp, "/tmp", NULL, MS_BIND | MS_REC, NULL) < 0) {
		err = errf(errno, "bind-mounting %s over /tmp: %s", a->tmp, strerror(errno));
		goto fail;
	}
	if (chdir("/") < 0 || dup2(a->payload_fd, 0) < 0) {
		err = errf(errno, "preparing cwd and stdin: %s", strerror(errno));
		goto fail;
	}
	setrlimit(RLIMIT_NOFILE, &nofile);
	if ((err = sandbox_drop_privileges(a->uid, a->gid)) < 0)
		goto fail;
	/* If vpcsim dies, the command goes too, and with it (PID 1 of its
	 * namespace) every process it started. Set after the uid change,
	 * which clears it; vpcsim's pidfd tells whether it died before. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 ||
	    poll(&(struct pollfd){ .fd = a->parent_pidfd, .events = POLLIN }, 1, 0) != 0) {
		err = errf(ECHILD, "vpcsim ended before the command started");
		goto fail;
	}
	syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
	environ = a->envp; /* execvp searches the command's PATH */
	execvp(a->argv[0], a->argv);
	err = errf(errno, "exec %s: %s", a->argv[0], strerror(errno));
fail:
	/* The error code, then the message. */
	msg = err_msg();
	if (write(a->report, &err, sizeof(err)) < 0 ||
	    write(a->report, msg, strlen(msg)) < 0)
		_exit(126);
	_exit(127);
}

/* fork() into a new PID namespace, where the child is PID 1: it cannot see
 * or signal any process but its own, and when it ends the kernel kills
 * everything it left in there. Also returns a pidfd of the child. Like
 * fork(): 0 in the child, the pid in the parent, -1 and errno. */
static pid_t spawn_pid_ns(int *pidfd)
{
	struct clone_args ca = {
		.flags = CLONE_NEWPID | CLONE_PIDFD,
		.pidfd = (uint64_t)(uintptr_t)pidfd,
		.exit_signal = SIGCHLD,
	};

	return (pid_t)syscall(SYS_clone3, &ca, sizeof(ca));
}

/* Lambda runs functions as an unprivileged user; ours is nobody. */
void sandbox_user(uid_t *uid, gid_t *gid)
{
	struct passwd *pw = getpwnam(SANDBOX_USER);

	*uid = pw ? pw->pw_uid : SANDBOX_UID_FALLBACK;
	*gid = pw ? pw->pw_gid : SANDBOX_UID_FALLBACK;
}

static int payload_fd(const char *payload)
{
	size_t len = payload ? strlen(payload) : 0, off = 0;
	int fd = memfd_create("vpcsim-payload", MFD_CLOEXEC);

	if (fd < 0)
		return errf(errno, "memfd_create for the payload: %s", strerror(errno));
	while (off < len) {
		ssize_t w = write(fd, payload + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			int err = errf(errno, "writing the payload: %s", strerror(errno));

			close(fd);
			return err;
		}
		off += (size_t)w;
	}
	lseek(fd, 0, SEEK_SET);
	return fd;
}

/* Read the child's report pipe to its end: empty means exec happened,
 * else an int error code and a message. */
static int read_report(int fd, char *msg, size_t size)
{
	size_t len = 0;
	ssize_t r;

	while (len < size - 1) {
		r = read(fd, msg + len, size - 1 - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	msg[len] = '\0';
	return (int)len;
}

static bool oom_since(const struct cgroup *cg, long long before)
{
	long long n;

	return cgroup_oom_kills(cg, &n) == 0 && n > before;
}

/* Wait for the command to end, the timeout, or an OOM kill in the group.
 * Returns the moment it ended (ms, CLOCK_MONOTONIC). */
static double wait_end(int pidfd, const struct cgroup *cg, long long oom_before,
		       double deadline, struct invoke_result *r)
{
	struct pollfd pfd = { .fd = pidfd, .events = POLLIN };
	double t;
	int rc, wait;

	for (;;) {
		t = now_ms();
		if (t >= deadline) {
			r->timed_out = true;
			return t;
		}
		wait = (int)(deadline - t) + 1;
		rc = poll(&pfd, 1, wait < OOM_TICK_MS ? wait : OOM_TICK_MS);
		t = now_ms();
		if (rc > 0)
			return t;
		if (rc < 0 && errno != EINTR)
			return t; /* cannot wait: end it */
		if (oom_since(cg, oom_before)) {
			r->out_of_memory = true;
			return t;
		}
	}
}

int sandbox_invoke(const struct sandbox *sb, const struct sandbox_env *env,
		   const char *payload, char *const argv[], double init_ms,
		   struct invoke_result *r)
{
	char tmp[STATE_PATH_MAX + 64], msg[1024];
	char *sh_argv[] = { "sh", "-c", NULL, NULL };
	struct child_args a = { .sb = sb, .payload_fd = -1, .parent_pidfd = -1 };
	struct envp e = { .n = 0 };
	struct cgroup cg = { .peak_fd = -1 };
	int err, len, pipefd[2] = { -1, -1 }, pidfd = -1, lockfd = -1, st = 0;
	long long oom_before = 0, peak = 0;
	double t0, t1;
	pid_t pid;

	memset(r, 0, sizeof(*r));
	sandbox_uuid_v4(r->request_id);
	r->exit_status = -1;
	r->init_ms = init_ms;
	r->memory_mb = sb->limits.memory_mb;
	r->timeout_s = sb->limits.timeout_s;
	if ((err = check_names(sb->topo, sb->env_id, "invoking")) < 0)
		return err;
	if (!netns_name_ok(sb->netns))
		return errf(EINVAL, "invoking environment %s of %s: bad namespace name '%s'",
			    sb->env_id, sb->topo, sb->netns ? sb->netns : "(null)");
	if (sb->limits.timeout_s <= 0 || sb->limits.memory_mb <= 0)
		return errf(EINVAL, "invoking environment %s of %s: limits must be positive",
			    sb->env_id, sb->topo);
	if (!argv) {
		if (!env || !env->handler)
			return errf(EINVAL, "invoking environment %s of %s: no command "
				    "and no handler", sb->env_id, sb->topo);
		sh_argv[2] = (char *)env->handler;
		argv = sh_argv;
	}
	if (!argv[0])
		return errf(EINVAL, "invoking environment %s of %s: empty command",
			    sb->env_id, sb->topo);
	sandbox_tmp_dir(sb->topo, sb->env_id, tmp, sizeof(tmp));
	if (!is_mountpoint(tmp))
		return errf(ENOENT, "invoking environment %s of %s: it does not exist "
			    "(no /tmp mounted at %s)", sb->env_id, sb->topo, tmp);
	if (!sb->locked && (lockfd = env_lock(sb->topo, sb->env_id)) < 0)
		return errf_prefix(lockfd, "invoking environment %s of %s", sb->env_id, sb->topo);
	if ((err = cgroup_open(sb->topo, sb->env_id, false, &cg)) < 0)
		goto out;
	/* Leftovers of an invoke that was itself killed would share our
	 * limit and our peak. */
	if ((err = cgroup_kill_all(&cg)) < 0)
		goto out;
	if ((err = envp_build(&e, sb, env)) < 0)
		goto out;
	if ((a.payload_fd = payload_fd(payload)) < 0) {
		err = a.payload_fd;
		goto out;
	}
	if ((err = cgroup_peak_reset(&cg)) < 0 ||
	    (err = cgroup_oom_kills(&cg, &oom_before)) < 0)
		goto out;
	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		err = errf(errno, "pipe: %s", strerror(errno));
		goto out;
	}
	a.cg = &cg;
	a.tmp = tmp;
	a.argv = argv;
	a.envp = e.v;
	a.report = pipefd[1];
	a.parent_pidfd = (int)syscall(SYS_pidfd_open, getpid(), 0);
	if (a.parent_pidfd < 0) {
		err = errf(errno, "pidfd_open(self): %s", strerror(errno));
		goto out;
	}
	sandbox_user(&a.uid, &a.gid);

	fflush(NULL);
	pid = spawn_pid_ns(&pidfd);
	if (pid < 0) {
		err = errf(errno, "clone3(CLONE_NEWPID): %s", strerror(errno));
		goto out;
	}
	if (pid == 0)
		child_run(&a);
	close(pipefd[1]);
	pipefd[1] = -1;
	if ((len = read_report(pipefd[0], msg, sizeof(msg))) > 0) {
		int code = EIO;

		if (len > (int)sizeof(code))
			memcpy(&code, msg, sizeof(code));
		waitpid(pid, NULL, 0);
		cgroup_kill_all(&cg);
		err = errf(code, "%s", len > (int)sizeof(code) ? msg + sizeof(code) :
			   "setting up the command failed");
		goto out;
	}
	/* The pipe closed at exec: the command starts now. */
	t0 = now_ms();
	t1 = wait_end(pidfd, &cg, oom_before, t0 + sb->limits.timeout_s * 1000.0, r);
	if (r->timed_out || r->out_of_memory)
		cgroup_kill_all(&cg);
	waitpid(pid, &st, 0);
	/* The command is over; whatever it left running goes too. */
	err = cgroup_kill_all(&cg);
	if (oom_since(&cg, oom_before))
		r->out_of_memory = true;
	if (WIFEXITED(st)) {
		r->exit_status = WEXITSTATUS(st);
	} else if (WIFSIGNALED(st)) {
		r->term_signal = WTERMSIG(st);
	}
	r->duration_ms = r->timed_out ? sb->limits.timeout_s * 1000.0 : t1 - t0;
	/* What is printed with two decimals is what is billed. */
	r->duration_ms = (double)(long long)(r->duration_ms * 100.0 + 0.5) / 100.0;
	r->billed_ms = invoke_billed_ms(r->duration_ms);
	if (cgroup_peak_read(&cg, &peak) == 0) {
		long long mb = (peak + (1 << 20) - 1) >> 20;

		r->max_memory_used_mb = (int)(mb > sb->limits.memory_mb ?
					      sb->limits.memory_mb : mb);
	}
out:
	if (pidfd >= 0)
		close(pidfd);
	if (lockfd >= 0)
		close(lockfd);
	if (pipefd[0] >= 0)
		close(pipefd[0]);
	if (pipefd[1] >= 0)
		close(pipefd[1]);
	if (a.payload_fd >= 0)
		close(a.payload_fd);
	if (a.parent_pidfd >= 0)
		close(a.parent_pidfd);
	envp_free(&e);
	cgroup_close(&cg);
	return err < 0 ? errf_prefix(err, "invoking environment %s of %s",
				     sb->env_id, sb->topo) : 0;
}

long long invoke_billed_ms(double duration_ms)
{
	long long ms = (long long)duration_ms;

	if ((double)ms < duration_ms)
		ms++; /* ceil without libm */
	return ms < 1 ? 1 : ms;
}

void invoke_report_print(FILE *out, const struct invoke_result *r)
{
	if (r->timed_out) {
		char stamp[40];
		struct timespec ts;
		struct tm tm;

		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
		fprintf(out, "%s.%03ldZ %s Task timed out after %.2f seconds\n", stamp,
			ts.tv_nsec / 1000000L, r->request_id, r->duration_ms / 1000.0);
	}
	fprintf(out, "REPORT RequestId: %s\tDuration: %.2f ms\tBilled Duration: %lld ms\t"
		"Memory Size: %d MB\tMax Memory Used: %d MB", r->request_id,
		r->duration_ms, r->billed_ms, r->memory_mb, r->max_memory_used_mb);
	if (r->init_ms >= 0)
		fprintf(out, "\tInit Duration: %.2f ms", r->init_ms);
	fputc('\n', out);
	if (r->out_of_memory) {
		fprintf(out, "RequestId: %s Error: Runtime exited with error: signal: killed\n",
			r->request_id);
		fprintf(out, "Memory limit exceeded: the function used all of its %d MB "
			"and the kernel's OOM killer ended it\n", r->memory_mb);
	}
	fflush(out);
}
