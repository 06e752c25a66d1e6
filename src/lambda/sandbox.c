/* Lambda execution environments; see lambda/sandbox.h and
 * docs/SANDBOX.md. */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/sched.h>
#include <poll.h>
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
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <uuid/uuid.h>

#include "kernel/cgroup.h"
#include "kernel/freezer.h"
#include "kernel/jail.h"
#include "kernel/relay.h"
#include "util/err.h"
#include "util/fork_flush.h"
#include "util/hash.h"
#include "util/fs.h"
#include "util/clock.h"
#include "util/paths.h"
#include "kernel/netns.h"
#include "kernel/proc.h"
#include "lambda/codefs.h"
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
/* Each environment's own uid and gid: BASE + 24 bits of a hash of
 * TOPO/ENV, in a range no distribution or systemd hands out. */
#define SANDBOX_UID_BASE 0x70000000u
#define SANDBOX_UID_BITS 24
#define SHM_MB_MAX 64            /* /dev/shm: at most this, at most memory */
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
	path_env_dir(out, size, topo, env_id);
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

/* A mount point has another device than its parent; our tmpfs always has. */
static bool is_mountpoint(const char *path)
{
	char parent[STATE_PATH_MAX + 64];
	struct stat a, b;

	snprintf(parent, sizeof(parent), "%s/..", path);
	return stat(path, &a) == 0 && stat(parent, &b) == 0 && a.st_dev != b.st_dev;
}

uid_t sandbox_uid(const char *topo, const char *env_id)
{
	uint32_t h = 2166136261u;

	for (const char *p = topo; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	h = (h ^ '/') * 16777619u;
	for (const char *p = env_id; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	return (uid_t)(SANDBOX_UID_BASE + (h & ((1u << SANDBOX_UID_BITS) - 1)));
}

/* The environment's /tmp: a tmpfs only its uid may enter. The source names
 * it, so a mount left in any namespace can be found (/proc/PID/mountinfo). */
static int tmp_mount(const char *dir, int size_mb, const char *topo, const char *env_id)
{
	char opts[96], src[2 * CG_NAME_MAX + 16];
	unsigned id = (unsigned)sandbox_uid(topo, env_id);

	snprintf(opts, sizeof(opts), "size=%dm,mode=0700,uid=%u,gid=%u", size_mb, id, id);
	snprintf(src, sizeof(src), "vpcsim-tmp:%s:%s", topo, env_id);
	if (is_mountpoint(dir)) {
		/* Warm: keep the files, apply a changed size. */
		if (mount(NULL, dir, NULL, MS_REMOUNT | MS_NOSUID | MS_NODEV, opts) < 0)
			return errf(errno, "resizing tmpfs %s to %d MB: %s", dir,
				    size_mb, strerror(errno));
		return 0;
	}
	if (mount(src, dir, "tmpfs", MS_NOSUID | MS_NODEV, opts) < 0)
		return errf(errno, "mounting a %d MB tmpfs on %s: %s", size_mb, dir,
			    strerror(errno));
	return 0;
}

long sandbox_millicpus(int memory_mb)
{
	long m = (long)memory_mb * 1000 / LAMBDA_MB_PER_VCPU;

	return m > LAMBDA_VCPUS_MAX * 1000L ? LAMBDA_VCPUS_MAX * 1000L : m;
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
	if (err == 0)
		err = cgroup_set_cpu(&cg, sandbox_millicpus(l->memory_mb));
	cgroup_close(&cg);
	sandbox_tmp_dir(sb->topo, sb->env_id, tmp, sizeof(tmp));
	if (err == 0)
		err = mkdir_p(tmp, 0700);
	if (err == 0)
		err = tmp_mount(tmp, l->ephemeral_storage_mb, sb->topo, sb->env_id);
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
		CGROUP_ROOT "/" CGROUP_FOLDER, CGROUP_UNIFIED_ROOT "/" CGROUP_FOLDER,
		CGROUP_V1_MEMORY_ROOT "/" CGROUP_FOLDER, CGROUP_V1_FREEZE_ROOT "/" CGROUP_FOLDER,
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
	uint64_t h[2] = { FNV1A_OFFSET, 0x84222325cbf29ce4ull };

	for (int k = 0; k < 2; k++)
		h[k] = fnv1a(fnv1a(fnv1a(h[k], topo), "/"), env_id);
	snprintf(out, 33, "%016llx%016llx", (unsigned long long)h[0],
		 (unsigned long long)h[1]);
}

/* fn_aws_vars()'s adder. */
static int aws_add(void *ctx, const char *key, const char *value)
{
	return envp_add(ctx, "%s=%s", key, value);
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
	if (err == 0 && sb->aws)
		err = fn_aws_vars(sb->aws, e->v, aws_add, e);
	if (err < 0)
		envp_free(e);
	return err;
}

/* What the forked child needs; everything is prepared by the parent so the
 * child only makes system calls. */
struct child_args {
	const struct sandbox *sb;
	const struct cgroup *cg;
	struct jail jail;
	char *const *argv;
	char **envp;
	int stdio[3];              /* made the child's 0, 1, 2 */
	uid_t uid;                 /* and gid */
	int parent_pidfd;          /* vpcsim itself, readable once it exits */
	int report;
};

static int child_stdio(const int fds[3])
{
	for (int i = 0; i < 3; i++) {
		if (fds[i] == i ? fcntl(i, F_SETFD, 0) < 0 : dup2(fds[i], i) < 0)
			return errf(errno, "preparing descriptor %d: %s", i, strerror(errno));
	}
	return 0;
}

/* The command's file system: the jail, or an image function's root. */
static int child_root(const struct child_args *a)
{
	const char *wd = a->sb->workdir ? a->sb->workdir : "/";
	int err;

	if (!a->sb->rootfs)
		return jail_enter(&a->jail);
	if ((err = codefs_enter_image(a->sb->rootfs, a->jail.tmp,
				      a->sb->aws ? a->sb->aws->ca_bundle : NULL)) < 0)
		return err;
	if (chdir(wd) < 0)
		return errf(errno, "chdir %s in the image: %s", wd, strerror(errno));
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
	/* Its own session: no controlling terminal, so no TIOCSTI, no
	 * /dev/tty, no signals from the caller's terminal. */
	if (setsid() < 0) {
		err = errf(errno, "setsid: %s", strerror(errno));
		goto fail;
	}
	if ((err = proc_enter_node(a->sb->netns)) < 0 || (err = child_root(a)) < 0 ||
	    (err = child_stdio(a->stdio)) < 0)
		goto fail;
	setrlimit(RLIMIT_NOFILE, &nofile);
	if ((err = jail_drop_privileges(a->uid, (gid_t)a->uid, NULL, 0)) < 0)
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

/* The payload in a memfd, handed to the command read-only. */
static int payload_fd(const char *payload)
{
	size_t len = payload ? strlen(payload) : 0;
	int fd = memfd_create("vpcsim-payload", MFD_CLOEXEC), ro;
	char path[64];

	if (fd < 0)
		return errf(errno, "memfd_create for the payload: %s", strerror(errno));
	if (fd_write_full(fd, payload, len) < 0) {
		int e = errno ? errno : EIO, err = errf(e, "writing the payload: %s", strerror(e));

		close(fd);
		return err;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	ro = open(path, O_RDONLY | O_CLOEXEC);
	close(fd);
	return ro < 0 ? errf(errno, "reopening the payload read-only: %s", strerror(errno)) : ro;
}

static bool oom_since(const struct cgroup *cg, long long before)
{
	long long n;

	return cgroup_oom_kills(cg, &n) == 0 && n > before;
}

/* One command run in an environment: what invoke and exec share. */
struct run {
	const struct sandbox *sb;
	struct cgroup cg;
	struct envp e;
	struct relay relay;
	bool relaying;
	int io[3];                 /* the child's ends */
	int lockfd, pidfd, parent_pidfd, report[2];
	pid_t pid;
};

/* Check the environment, take it (unless the caller holds it), kill what
 * an earlier run left, build the command's environment variables. */
static int run_open(struct run *x, const struct sandbox *sb, const struct sandbox_env *env,
		    const char *verb)
{
	char tmp[STATE_PATH_MAX + 64];
	int err;

	memset(x, 0, sizeof(*x));
	x->sb = sb;
	x->cg.peak_fd = -1;
	x->lockfd = x->pidfd = x->parent_pidfd = x->report[0] = x->report[1] = -1;
	x->io[0] = x->io[1] = x->io[2] = -1;
	if ((err = check_names(sb->topo, sb->env_id, verb)) < 0)
		return err;
	if (!netns_name_ok(sb->netns))
		return errf(EINVAL, "bad namespace name '%s'", sb->netns ? sb->netns : "(null)");
	if (sb->limits.timeout_s <= 0 || sb->limits.memory_mb <= 0)
		return errf(EINVAL, "limits must be positive");
	sandbox_tmp_dir(sb->topo, sb->env_id, tmp, sizeof(tmp));
	if (!is_mountpoint(tmp))
		return errf(ENOENT, "it does not exist (no /tmp mounted at %s)", tmp);
	if (!sb->locked && (x->lockfd = env_lock(sb->topo, sb->env_id)) < 0)
		return x->lockfd;
	if ((err = cgroup_open(sb->topo, sb->env_id, false, &x->cg)) < 0)
		return err;
	/* Leftovers of a run that was itself killed would share our limit
	 * and our peak. */
	if (!sb->beside_runtime && (err = cgroup_kill_all(&x->cg)) < 0)
		return err;
	return envp_build(&x->e, sb, env);
}

/* Start argv in the environment, stdin the payload (invoke) or ours
 * relayed (exec). Returns once the command was exec'd (0) or its setup
 * failed (< 0, with the child's message). */
static int run_start(struct run *x, char *const argv[], const char *payload, bool exec)
{
	char tmp[STATE_PATH_MAX + 64], msg[1024];
	struct child_args a = { .sb = x->sb, .cg = &x->cg, .argv = argv, .envp = x->e.v };
	int err, len, code = EIO;

	sandbox_tmp_dir(x->sb->topo, x->sb->env_id, tmp, sizeof(tmp));
	a.jail = (struct jail){ .tmp = tmp, .binds = x->sb->binds, .n_binds = x->sb->n_binds,
		.layered = x->sb->layered,
		.shm_mb = x->sb->limits.memory_mb < SHM_MB_MAX ? x->sb->limits.memory_mb : SHM_MB_MAX };
	if ((err = jail_check(&a.jail)) < 0)
		return err;
	if ((err = relay_open(&x->relay, exec, x->io)) < 0)
		return err;
	x->relaying = true;
	/* An invoke's output on a terminal: its escape sequences shown, not
	 * obeyed; an interactive exec keeps the terminal's features. */
	x->relay.visible = !exec;
	if (!exec) {
		close(x->io[0]);
		if ((x->io[0] = payload_fd(payload)) < 0)
			return x->io[0];
	}
	if (pipe2(x->report, O_CLOEXEC) < 0)
		return errf(errno, "pipe: %s", strerror(errno));
	x->parent_pidfd = (int)syscall(SYS_pidfd_open, getpid(), 0);
	if (x->parent_pidfd < 0)
		return errf(errno, "pidfd_open(self): %s", strerror(errno));
	memcpy(a.stdio, x->io, sizeof(a.stdio));
	a.uid = sandbox_uid(x->sb->topo, x->sb->env_id);
	a.parent_pidfd = x->parent_pidfd;
	a.report = x->report[1];
	fork_flush();
	x->pid = proc_fork_pid_ns(&x->pidfd);
	if (x->pid < 0)
		return errf(errno, "fork into a new PID namespace: %s", strerror(errno));
	if (x->pid == 0)
		child_run(&a);
	relay_close_child(x->io);
	close(x->report[1]);
	x->report[1] = -1;
	if ((len = proc_read_report(x->report[0], msg, sizeof(msg))) == 0)
		return 0; /* the pipe closed at exec */
	if (len > (int)sizeof(code))
		memcpy(&code, msg, sizeof(code));
	waitpid(x->pid, NULL, 0);
	x->pid = -1;
	cgroup_kill_all(&x->cg);
	return errf(code, "%s", len > (int)sizeof(code) ? msg + sizeof(code) :
		    "setting up the command failed");
}

/* Wait for the command to end, the deadline (< 0: none), or an OOM kill
 * in the group, copying its output meanwhile. Returns the moment it ended
 * (ms, CLOCK_MONOTONIC). */
static double run_wait(struct run *x, long long oom_before, double deadline,
		       struct invoke_result *r)
{
	struct pollfd p[1 + RELAY_POLLFDS];
	double t;
	int rc, wait, n;

	for (;;) {
		t = now_ms();
		if (deadline >= 0 && t >= deadline) {
			r->timed_out = true;
			return t;
		}
		wait = deadline < 0 ? OOM_TICK_MS : (int)(deadline - t) + 1;
		p[0] = (struct pollfd){ .fd = x->pidfd, .events = POLLIN };
		n = relay_pollfds(&x->relay, p + 1);
		rc = poll(p, (nfds_t)n + 1, wait < OOM_TICK_MS ? wait : OOM_TICK_MS);
		t = now_ms();
		if (rc > 0)
			relay_handle(&x->relay, p + 1, n);
		if (rc > 0 && p[0].revents)
			return t;
		if (rc < 0 && errno != EINTR)
			return t; /* cannot wait: end it */
		if (oom_since(&x->cg, oom_before)) {
			r->out_of_memory = true;
			return t;
		}
	}
}

/* The command is over (or must be): kill whatever it left, reap it, copy
 * the rest of its output. Returns the wait status. */
static int run_end(struct run *x, bool kill_first, int *err)
{
	int st = 0;

	if (kill_first)
		cgroup_kill_all(&x->cg);
	waitpid(x->pid, &st, 0);
	x->pid = -1;
	/* Whatever it left running goes too (Lambda would freeze it), but
	 * for a runtime the command was only a guest of. */
	*err = x->sb->beside_runtime ? 0 : cgroup_kill_all(&x->cg);
	relay_drain(&x->relay, 1000);
	return st;
}

static void run_close(struct run *x)
{
	int fds[] = { x->pidfd, x->lockfd, x->report[0], x->report[1], x->parent_pidfd };

	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		if (fds[i] >= 0)
			close(fds[i]);
	relay_close_child(x->io);
	if (x->relaying)
		relay_close(&x->relay);
	envp_free(&x->e);
	cgroup_close(&x->cg);
}

static void result_fill(const struct run *x, int st, double t0, double t1,
			long long oom_before, struct invoke_result *r)
{
	long long peak = 0;

	if (oom_since(&x->cg, oom_before))
		r->out_of_memory = true;
	if (WIFEXITED(st))
		r->exit_status = WEXITSTATUS(st);
	else if (WIFSIGNALED(st))
		r->term_signal = WTERMSIG(st);
	r->duration_ms = r->timed_out ? x->sb->limits.timeout_s * 1000.0 : t1 - t0;
	/* What is printed with two decimals is what is billed. */
	r->duration_ms = (double)(long long)(r->duration_ms * 100.0 + 0.5) / 100.0;
	r->billed_ms = invoke_billed_ms(r->duration_ms);
	if (cgroup_peak_read(&x->cg, &peak) == 0) {
		long long mb = (peak + (1 << 20) - 1) >> 20;

		r->max_memory_used_mb = (int)(mb > x->sb->limits.memory_mb ?
					      x->sb->limits.memory_mb : mb);
	}
}

void sandbox_uuid_v4(char out[37])
{
	uuid_t u;

	/* A random (version 4) UUID, as Lambda's request ids are. */
	uuid_generate_random(u);
	uuid_unparse_lower(u, out);
}

int sandbox_invoke(const struct sandbox *sb, const struct sandbox_env *env,
		   const char *payload, char *const argv[], double init_ms,
		   struct invoke_result *r)
{
	char *sh_argv[] = { "sh", "-c", NULL, NULL };
	long long oom_before = 0;
	struct run x;
	double t0, t1;
	int err, st;

	memset(r, 0, sizeof(*r));
	sandbox_uuid_v4(r->request_id);
	r->exit_status = -1;
	r->init_ms = init_ms;
	r->memory_mb = sb->limits.memory_mb;
	r->timeout_s = sb->limits.timeout_s;
	if (!argv && env && env->handler) {
		sh_argv[2] = (char *)env->handler;
		argv = sh_argv;
	}
	if (!argv || !argv[0])
		return errf(EINVAL, "invoking environment %s of %s: %s", sb->env_id, sb->topo,
			    argv ? "empty command" : "no command and no handler");
	err = run_open(&x, sb, env, "invoking");
	if (err == 0)
		err = cgroup_peak_reset(&x.cg);
	if (err == 0)
		err = cgroup_oom_kills(&x.cg, &oom_before);
	if (err == 0)
		err = run_start(&x, argv, payload, false);
	if (err == 0) {
		t0 = now_ms(); /* the pipe closed at exec: the command starts now */
		t1 = run_wait(&x, oom_before, t0 + sb->limits.timeout_s * 1000.0, r);
		st = run_end(&x, r->timed_out || r->out_of_memory, &err);
		result_fill(&x, st, t0, t1, oom_before, r);
	}
	run_close(&x);
	return err < 0 ? errf_prefix(err, "invoking environment %s of %s",
				     sb->env_id, sb->topo) : 0;
}

int sandbox_exec(const struct sandbox *sb, const struct sandbox_env *env,
		 char *const argv[], int *status)
{
	struct invoke_result r = { 0 };
	struct run x;
	bool frozen;
	int err, st;

	*status = -1;
	if (!argv || !argv[0])
		return errf(EINVAL, "exec in environment %s of %s: empty command",
			    sb->env_id, sb->topo);
	err = run_open(&x, sb, env, "exec in");
	/* A runtime frozen between invokes must not freeze the command. */
	frozen = err == 0 && sb->beside_runtime && cgroup_frozen(&x.cg);
	if (frozen)
		err = cgroup_freeze(&x.cg, false);
	if (err == 0)
		err = run_start(&x, argv, NULL, true);
	if (err == 0) {
		run_wait(&x, LLONG_MAX, -1, &r);
		st = run_end(&x, false, &err);
		*status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	}
	if (frozen)
		cgroup_freeze(&x.cg, true);
	run_close(&x);
	return err < 0 ? errf_prefix(err, "exec in environment %s of %s",
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
