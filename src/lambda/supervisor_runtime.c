/* Starting the runtime process of an environment; see supervisor_runtime.h. */
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kernel/jail.h"
#include "kernel/proc.h"
#include "lambda/codefs.h"
#include "lambda/node_links.h"
#include "lambda/runtime_api.h"
#include "lambda/sandbox.h"
#include "lambda/supervisor_runtime.h"
#include "util/err.h"
#include "util/fsat.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

#define LAMBDA_NOFILE 1024
#define ENV_MAX 600

/* What Lambda's managed runtimes have; a package or image may override
 * PATH, LANG and LD_LIBRARY_PATH. */
#define LAMBDA_PATH "/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin"
#define LAMBDA_LD_PATH "/var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:" \
	"/var/task:/var/task/lib:/opt/lib"

static const char *const reserved[] = {
	"_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION", "AWS_REGION",
	"AWS_EXECUTION_ENV", "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
	"AWS_LAMBDA_FUNCTION_VERSION", "AWS_LAMBDA_INITIALIZATION_TYPE",
	"AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME", "AWS_ACCESS_KEY",
	"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
	"AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR", "TZ", NULL,
};

struct envv {
	char *v[ENV_MAX + 1];
	int n;
};

static bool is_reserved(const char *kv)
{
	size_t k = strcspn(kv, "=");

	for (int i = 0; reserved[i]; i++)
		if (strlen(reserved[i]) == k && !strncmp(kv, reserved[i], k))
			return true;
	return false;
}

/* Set KEY=VALUE, replacing an earlier KEY. */
__attribute__((format(printf, 2, 3)))
static void envv_add(struct envv *e, const char *fmt, ...)
{
	va_list ap;
	char *s;
	size_t k;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		abort();
	va_end(ap);
	k = strcspn(s, "=");
	for (int i = 0; i < e->n; i++)
		if (!strncmp(e->v[i], s, k + 1)) {
			free(e->v[i]);
			e->v[i] = s;
			return;
		}
	if (e->n < ENV_MAX)
		e->v[e->n++] = s;
	else
		free(s);
	e->v[e->n] = NULL;
}

static bool env_has(const struct envv *e, const char *key)
{
	size_t k = strlen(key);

	for (int i = 0; i < e->n; i++)
		if (!strncmp(e->v[i], key, k) && e->v[i][k] == '=')
			return true;
	return false;
}

static int env_aws_add(void *ctx, const char *key, const char *value)
{
	envv_add(ctx, "%s=%s", key, value);
	return 0;
}

/* Where the managed runtimes look in /opt (AWS's "Layer paths for each
 * Lambda runtime"): NODE_PATH as Lambda sets it (nodeNN of the runtime
 * identifier first); PYTHONPATH is $LAMBDA_RUNTIME_DIR, the client puts
 * /opt/python and its site-packages on sys.path. Unless the function sets
 * them (they are not reserved). */
static void env_layer_paths(const struct sup_cfg *c, struct envv *e)
{
	if (c->family == RUNTIME_NODEJS && !env_has(e, "NODE_PATH"))
		envv_add(e, "NODE_PATH=/opt/nodejs/node%d/node_modules:/opt/nodejs/node_modules:"
			 "/var/runtime/node_modules:/var/runtime:/var/task",
			 atoi(c->runtime_id + strlen("nodejs")));
	if (c->family == RUNTIME_PYTHON && !env_has(e, "PYTHONPATH"))
		envv_add(e, "PYTHONPATH=/var/runtime");
}

/* Lambda's variables over the image's and the function's own (which may
 * not set the reserved ones). */
static void env_build(const struct sup_cfg *c, struct envv *e)
{
	e->n = 0;
	e->v[0] = NULL;
	for (int i = 0; c->env && c->env[i]; i++)
		if (!is_reserved(c->env[i]))
			envv_add(e, "%s", c->env[i]);
	if (!env_has(e, "PATH"))
		envv_add(e, "PATH=%s", LAMBDA_PATH);
	if (!env_has(e, "LD_LIBRARY_PATH"))
		envv_add(e, "LD_LIBRARY_PATH=%s", LAMBDA_LD_PATH);
	if (!env_has(e, "LANG"))
		envv_add(e, "LANG=en_US.UTF-8");
	env_layer_paths(c, e);
	envv_add(e, "TZ=:UTC");
	envv_add(e, "_HANDLER=%s", c->handler);
	envv_add(e, "AWS_LAMBDA_RUNTIME_API=127.0.0.1:%d", RAPI_PORT);
	envv_add(e, "LAMBDA_TASK_ROOT=/var/task");
	envv_add(e, "LAMBDA_RUNTIME_DIR=/var/runtime");
	envv_add(e, "AWS_REGION=%s", c->region);
	envv_add(e, "AWS_DEFAULT_REGION=%s", c->region);
	if (c->family == RUNTIME_PYTHON || c->family == RUNTIME_NODEJS || c->family == RUNTIME_JAVA)
		envv_add(e, "AWS_EXECUTION_ENV=AWS_Lambda_%s", c->runtime_id);
	envv_add(e, "AWS_LAMBDA_FUNCTION_NAME=%s", c->function);
	envv_add(e, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE=%d", c->memory_mb);
	envv_add(e, "AWS_LAMBDA_FUNCTION_VERSION=$LATEST");
	envv_add(e, "AWS_LAMBDA_INITIALIZATION_TYPE=on-demand");
	envv_add(e, "AWS_LAMBDA_LOG_GROUP_NAME=/aws/lambda/%s", c->function);
	envv_add(e, "AWS_LAMBDA_LOG_STREAM_NAME=%s", c->stream);
	/* The execution role's credentials, the AWS zone's CA unless the
	 * function sets its own (fn_aws.h). */
	fn_aws_vars(&c->aws, e->v, env_aws_add, e);
	/* LoggingConfig, as Lambda passes it to the runtime clients. */
	envv_add(e, "AWS_LAMBDA_LOG_FORMAT=%s", c->log_json ? "JSON" : "Text");
	if (c->app_level[0])
		envv_add(e, "AWS_LAMBDA_LOG_LEVEL=%s", c->app_level);
}

/* What an extension's process may not see (LDG "Extensions API"). */
static const char *const hidden_from_extensions[] = {
	"AWS_EXECUTION_ENV", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME",
	"AWS_XRAY_CONTEXT_MISSING", "AWS_XRAY_DAEMON_ADDRESS", "LAMBDA_RUNTIME_DIR",
	"LAMBDA_TASK_ROOT", "_AWS_XRAY_DAEMON_ADDRESS", "_AWS_XRAY_DAEMON_PORT", "_HANDLER", NULL,
};

static void env_hide(struct envv *e)
{
	int kept = 0;

	for (int i = 0; i < e->n; i++) {
		bool hide = false;

		for (int h = 0; hidden_from_extensions[h]; h++)
			hide |= !strncmp(e->v[i], hidden_from_extensions[h],
					 strlen(hidden_from_extensions[h])) &&
				e->v[i][strlen(hidden_from_extensions[h])] == '=';
		if (hide)
			free(e->v[i]);
		else
			e->v[kept++] = e->v[i];
	}
	e->n = kept;
	e->v[kept] = NULL;
}

static void env_free(struct envv *e)
{
	for (int i = 0; i < e->n; i++)
		free(e->v[i]);
	e->n = 0;
}

struct child {
	const struct sup_cfg *c;
	const struct cgroup *cg;
	char *const *argv;
	const char *workdir;
	char **envp;
	int out, report, go;
	uid_t uid;
	gid_t gid;
};

/* A code package: the same jail as every sandboxed command (kernel/jail.h:
 * the host read-only but for what Lambda shows, a private /tmp and
 * /dev/shm), with the code at /var/task, the runtime at /var/runtime and
 * for Node.js the links its module search follows (node_links.h). */
static int package_jail(const struct sup_cfg *c, const char *tmp)
{
	struct node_links links;
	struct jail_bind binds[3] = {
		{ .src = c->task_dir, .dst = "/var/task" },
		{ .src = c->runtime_dir, .dst = "/var/runtime" },
		{ .src = c->aws.ca_bundle, .dst = LAMBDA_CA_BUNDLE },
	};
	struct jail_union opt = { .dst = "/opt", .n = c->n_opt };
	struct jail j = {
		.tmp = tmp, .shm_mb = c->memory_mb < 64 ? c->memory_mb : 64,
		.binds = binds, .n_binds = c->runtime_dir[0] ? 2 : 1, .layered = &opt,
		.links = links.link,
	};

	for (int i = 0; i < c->n_opt; i++)
		opt.srcs[i] = c->opt_dirs[i];
	if (c->aws.ca_bundle[0]) {
		if (!c->runtime_dir[0])
			binds[1] = binds[2];
		j.n_binds++;
	}
	node_links_make(c, &links);
	j.n_links = links.n;
	return jail_enter(&j);
}

static __attribute__((noreturn)) void child_run(const struct child *a)
{
	struct rlimit nofile = { LAMBDA_NOFILE, LAMBDA_NOFILE };
	char tmp[PATH_MAX + 8];
	const char *msg;
	int err, devnull;
	char go;

	proc_signals_default();
	if (unshare(CLONE_NEWNS) < 0) {
		err = errf(errno, "unshare(CLONE_NEWNS): %s", strerror(errno));
		goto fail;
	}
	/* A mount namespace of its own, with the node's hosts file and sysfs,
	 * then Lambda's file system view. */
	if ((err = proc_enter_node(a->c->netns)) < 0)
		goto fail;
	snprintf(tmp, sizeof(tmp), "%s/tmp", a->c->env_dir);
	if (a->c->rootfs[0])
		err = codefs_enter_image(a->c->rootfs, tmp, a->c->aws.ca_bundle);
	else
		err = package_jail(a->c, tmp);
	if (err < 0)
		goto fail;
	devnull = open("/dev/null", O_RDONLY);
	if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(a->out, 1) < 0 || dup2(a->out, 2) < 0) {
		err = errf(errno, "redirecting stdio: %s", strerror(errno));
		goto fail;
	}
	if (chdir(a->workdir) < 0) {
		err = errf(errno, "chdir %s: %s", a->workdir, strerror(errno));
		goto fail;
	}
	setrlimit(RLIMIT_NOFILE, &nofile);
	/* Into the environment's groups (the parent moves it: child_place)
	 * before anything of the function runs. */
	if (read(a->go, &go, 1) != 1) {
		err = errf(EIO, "the supervisor did not move it into the environment's groups");
		goto fail;
	}
	if ((err = jail_drop_privileges(a->uid, a->gid, NULL, 0)) < 0)
		goto fail;
	/* The runtime goes with its supervisor. */
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
	execvpe(a->argv[0], a->argv, a->envp);
	err = errf(errno, "exec %s: %s", a->argv[0], strerror(errno));
fail:
	msg = err_msg();
	if (write(a->report, &err, sizeof(err)) < 0 || write(a->report, msg, strlen(msg)) < 0)
		_exit(126);
	_exit(127);
}


static void pair_close(int p[2])
{
	for (int i = 0; i < 2; i++)
		if (p[i] >= 0)
			close(p[i]);
}

/* Move the child `pid` into the environment's groups and let it go on
 * (a byte on go_w, closed here either way). The child builds its mount
 * namespace meanwhile: on a v1 hierarchy the first move waits for an RCU
 * grace period (kernel/cgroup.h), which its own cgroup_join() made the
 * longest step before its exec. */
static int child_place(const struct cgroup *cg, pid_t pid, int go_w)
{
	int err = pid > 0 ? cgroup_attach(cg, pid) : 0;

	if (pid > 0 && err == 0 && write(go_w, "g", 1) != 1)
		err = errf(errno, "telling the runtime to go on: %s", strerror(errno));
	close(go_w);
	return err;
}

/* Start argv in the environment (an extension's variables when
 * `extension`); its output into out_w, or with -1 into a pipe of its own
 * (rp->out_fd). */
static int start(const struct sup_cfg *c, const struct cgroup *cg, char *const *argv,
		 const char *workdir, bool extension, int out_w, struct runtime_proc *rp)
{
	struct child a = { .c = c, .cg = cg, .argv = argv, .workdir = workdir };
	struct envv e = { .n = 0 };
	int out[2] = { -1, out_w }, rep[2] = { -1, -1 }, go[2] = { -1, -1 }, len, err = 0;
	int placed;
	char msg[1024];

	rp->pid = -1;
	rp->pidfd = rp->out_fd = -1;
	if ((out_w < 0 && pipe2(out, O_CLOEXEC) < 0) || pipe2(rep, O_CLOEXEC) < 0 ||
	    pipe2(go, O_CLOEXEC) < 0) {
		err = errf(errno, "pipe: %s", strerror(errno));
		if (out_w < 0)
			pair_close(out);
		pair_close(rep);
		pair_close(go);
		return err;
	}
	env_build(c, &e);
	if (extension)
		env_hide(&e);
	a.envp = e.v;
	a.out = out[1];
	a.report = rep[1];
	a.go = go[0];
	/* The environment's own uid, as every command in it (sandbox.h):
	 * its /tmp is that uid's alone. */
	a.uid = sandbox_uid(c->topo, c->env_id);
	a.gid = (gid_t)a.uid;
	/* The supervisor may have threads (the Runtime API's, at a second
	 * init): glibc's fork, never a raw clone (kernel/proc.h). */
	rp->pid = proc_fork_pid_ns(&rp->pidfd);
	if (rp->pid == 0)
		child_run(&a);
	if (out_w < 0)
		close(out[1]);
	close(rep[1]);
	close(go[0]);
	placed = child_place(cg, rp->pid, go[1]);
	if (rp->pid < 0) {
		err = errf(errno, "fork into a new PID namespace for %s: %s", argv[0],
			   strerror(errno));
	} else if ((len = proc_read_report(rep[0], msg, sizeof(msg))) > 0) {
		int code = EIO;

		if (len > (int)sizeof(code))
			memcpy(&code, msg, sizeof(code));
		waitpid(rp->pid, NULL, 0);
		close(rp->pidfd);
		rp->pidfd = -1;
		rp->pid = -1;
		err = placed < 0 ? placed :
			errf(code, "starting %s: %s", extension ? argv[0] : "the runtime",
			     len > (int)sizeof(code) ? msg + sizeof(code) : "failed");
	}
	close(rep[0]);
	env_free(&e);
	if (err < 0) {
		if (out[0] >= 0)
			close(out[0]);
		return err;
	}
	if (out[0] >= 0)
		fcntl(out[0], F_SETFL, O_NONBLOCK);
	rp->out_fd = out[0];
	return 0;
}

int runtime_spawn(const struct sup_cfg *c, const struct cgroup *cg, struct runtime_proc *rp)
{
	return start(c, cg, c->argv, c->workdir, false, -1, rp);
}

int runtime_spawn_extension(const struct sup_cfg *c, const struct cgroup *cg, const char *name,
			    int out_w, struct runtime_proc *rp)
{
	char path[160];
	char *argv[2] = { path, NULL };

	snprintf(path, sizeof(path), "/opt/extensions/%s", name);
	return start(c, cg, argv, "/opt", true, out_w, rp);
}

/* Executable regular files of one extensions folder (opened without
 * following a symlink) added to names, once each. */
static int add_extensions(int dir, char names[][128], int n, int max)
{
	DIR *d = fdopendir(dir);
	struct dirent *de;
	struct stat st;

	if (!d) {
		close(dir);
		return n;
	}
	while (n < max && (de = readdir(d))) {
		bool dup = false;

		if (de->d_name[0] == '.' || strlen(de->d_name) >= 128 ||
		    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(st.st_mode) || !(st.st_mode & 0111))
			continue;
		for (int i = 0; i < n; i++)
			dup |= !strcmp(names[i], de->d_name);
		if (!dup)
			snprintf(names[n++], 128, "%s", de->d_name);
	}
	closedir(d);
	return n;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

int runtime_extensions(const struct sup_cfg *c, char names[][128], int max)
{
	int n = 0, root, dir;

	if (c->rootfs[0]) { /* an image's /opt/extensions, found inside it */
		root = open(c->rootfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		dir = root < 0 ? -1 : fsat_open(root, "opt/extensions", O_RDONLY | O_DIRECTORY, 0);
		if (root >= 0)
			close(root);
		if (dir >= 0)
			n = add_extensions(dir, names, n, max);
	}
	for (int i = 0; i < c->n_opt; i++) {
		root = open(c->opt_dirs[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		dir = root < 0 ? -1 : openat(root, "extensions",
					      O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (root >= 0)
			close(root);
		if (dir >= 0)
			n = add_extensions(dir, names, n, max);
	}
	qsort(names, (size_t)n, 128, name_cmp);
	return n;
}

int runtime_reap(struct runtime_proc *rp, char *how, size_t size)
{
	int st = 0;

	if (rp->pid <= 0)
		return -1;
	if (waitpid(rp->pid, &st, 0) < 0)
		st = 0;
	if (WIFSIGNALED(st))
		snprintf(how, size, "signal: %s", WTERMSIG(st) == SIGKILL ? "killed" :
			 strsignal(WTERMSIG(st)));
	else
		snprintf(how, size, "exit status %d", WEXITSTATUS(st));
	if (rp->pidfd >= 0)
		close(rp->pidfd);
	rp->pidfd = -1;
	rp->pid = -1;
	return st;
}
