/* PostgreSQL, MariaDB and vpcsim-rds-proxy processes (engine.h). */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kernel/engine.h"
#include "kernel/jail.h"
#include "util/err.h"
#include "util/fork_flush.h"
#include "util/fs.h"

#define PG_LIB "/usr/lib/postgresql"
#define POLL_MS 20

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

static const char *const prog_name[] = {
	[PROG_INITDB] = "initdb", [PROG_POSTGRES] = "postgres",
	[PROG_OPENSSL] = "openssl", [PROG_RDSPROXY] = "vpcsim-rds-proxy",
	[PROG_MARIADB_INSTALL_DB] = "/usr/bin/mariadb-install-db",
	[PROG_MARIADBD] = "/usr/sbin/mariadbd",
};

/* The highest version folder of /usr/lib/postgresql that has a server. */
static int pg_bindir(char out[ENGINE_PATH_MAX])
{
	const char *env = getenv("VPCSIM_PG_BINDIR");
	struct dirent *de;
	long best = -1;
	DIR *d;

	if (env) {
		snprintf(out, ENGINE_PATH_MAX, "%s", env);
		return 0;
	}
	d = opendir(PG_LIB);
	if (!d)
		return -ENOENT;
	while ((de = readdir(d))) {
		char path[ENGINE_PATH_MAX];
		char *end;
		long v = strtol(de->d_name, &end, 10);

		snprintf(path, sizeof(path), "%s/%s/bin/postgres", PG_LIB, de->d_name);
		if (*end || end == de->d_name || access(path, X_OK) < 0 || v <= best)
			continue;
		best = v;
		snprintf(out, ENGINE_PATH_MAX, "%s/%ld/bin", PG_LIB, v);
	}
	closedir(d);
	return best < 0 ? -ENOENT : 0;
}

/* vpcsim-rds-proxy: $VPCSIM_RDS_PROXY, else beside vpcsim's own binary
 * (a checkout's build/), else in ../lib/vpcsim (make install). */
static int rdsproxy_path(char out[ENGINE_PATH_MAX])
{
	static const char *const rel[] = { "", "/../lib/vpcsim" };
	const char *env = getenv("VPCSIM_RDS_PROXY");
	char exe[ENGINE_PATH_MAX];
	ssize_t n;

	if (env && env[0]) {
		snprintf(out, ENGINE_PATH_MAX, "%s", env);
		return access(out, X_OK) == 0 ? 0 : errf(ENOENT, "VPCSIM_RDS_PROXY=%s is not an "
							 "executable", env);
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = '\0';
	if (strrchr(exe, '/'))
		*strrchr(exe, '/') = '\0';
	for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
		snprintf(out, ENGINE_PATH_MAX, "%s%s/vpcsim-rds-proxy", exe, rel[i]);
		if (access(out, X_OK) == 0)
			return 0;
	}
	return errf(ENOENT, "vpcsim-rds-proxy is neither beside %s/vpcsim nor in %s/../lib/vpcsim: "
		    "build it with make (or make install), or set VPCSIM_RDS_PROXY", exe, exe);
}

int engine_prog_path(enum engine_prog p, char out[ENGINE_PATH_MAX])
{
	char dir[ENGINE_PATH_MAX];

	if (p == PROG_RDSPROXY)
		return rdsproxy_path(out);
	if (p == PROG_MARIADB_INSTALL_DB || p == PROG_MARIADBD) {
		snprintf(out, ENGINE_PATH_MAX, "%s", prog_name[p]);
		if (access(out, X_OK) == 0)
			return 0;
		return errf(ENOENT, "MariaDB's %s is not installed: install the Debian package "
			    "mariadb-server (make deps; its packaging starts a server of its own "
			    "unless a policy-rc.d refuses it, as scripts/install-deps.sh does)", out);
	}
	if (p == PROG_OPENSSL) {
		snprintf(out, ENGINE_PATH_MAX, "/usr/bin/openssl");
		if (access(out, X_OK) == 0)
			return 0;
		return errf(ENOENT, "openssl is not installed (%s): install the Debian package openssl "
			    "(apt-get install openssl, or make deps)", out);
	}
	if (pg_bindir(dir) == 0) {
		snprintf(out, ENGINE_PATH_MAX, "%s/%s", dir, prog_name[p]);
		if (access(out, X_OK) == 0)
			return 0;
	}
	return errf(ENOENT, "PostgreSQL's %s is not installed (no %s/N/bin/%s): install the Debian "
		    "package postgresql (apt-get install postgresql, or make deps)", prog_name[p],
		    getenv("VPCSIM_PG_BINDIR") ? getenv("VPCSIM_PG_BINDIR") : PG_LIB, prog_name[p]);
}

int engine_mkdir(const char *dir, uid_t uid)
{
	if (mkdir(dir, 0700) < 0)
		return errf(errno, "creating %s: %s", dir, strerror(errno));
	if (chown(dir, uid, (gid_t)uid) < 0)
		return errf(errno, "chown %s to uid %u: %s", dir, (unsigned)uid, strerror(errno));
	return 0;
}

int engine_write(const char *path, const char *text, uid_t uid)
{
	size_t len = strlen(text);
	int fd, err;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return errf(errno, "creating %s: %s", path, strerror(errno));
	if (fchown(fd, uid, (gid_t)uid) < 0 || write(fd, text, len) != (ssize_t)len) {
		err = errf(errno, "writing %s: %s", path, strerror(errno));
		close(fd);
		return err;
	}
	close(fd);
	return 0;
}

void log_last_line(const char *log, char *out, size_t len)
{
	char buf[4096];
	ssize_t n = 0;
	int fd = open(log, O_RDONLY | O_CLOEXEC);
	off_t size;
	char *end, *start;

	snprintf(out, len, "(no output)");
	if (fd < 0)
		return;
	size = lseek(fd, 0, SEEK_END);
	if (size > 0 && lseek(fd, size > (off_t)sizeof(buf) - 1 ? size - (off_t)sizeof(buf) + 1 : 0,
			      SEEK_SET) >= 0)
		n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	for (end = buf + n; end > buf && (end[-1] == '\n' || end[-1] == ' '); end--)
		;
	*end = '\0';
	start = strrchr(buf, '\n');
	snprintf(out, len, "%s", start ? start + 1 : buf);
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Line 8 of postmaster.pid is the server's status; "ready" once it
 * accepts connections (what pg_ctl -w waits for). */
static bool pg_ready(const void *arg)
{
	const char *datadir = arg;
	char path[ENGINE_PATH_MAX + 32], line[128];
	bool ready = false;
	FILE *f;
	int i = 0;

	snprintf(path, sizeof(path), "%s/postmaster.pid", datadir);
	f = fopen(path, "re");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		if (++i == 8)
			ready = strncmp(line, "ready", 5) == 0;
	fclose(f);
	return ready;
}



/* ---- running a program jailed, as the engine's uid ---- */

/* Sizes of the jail's private tmpfs: /tmp (PostgreSQL's temporary files
 * go to the data folder, not /tmp) and /dev/shm (parallel queries'
 * dynamic shared memory). Memory is used only as files are written. */
#define ENGINE_TMP_MB 16
#define ENGINE_SHM_MB 64

/* What every engine program gets instead of vpcsim's environment. */
static char *const engine_env[] = { "PATH=/usr/local/bin:/usr/bin:/bin", "LC_ALL=C", NULL };

struct engine_run {
	const char *netns;         /* NULL: stay in the caller's network */
	const char *dir;           /* the engine's folder, its only writable one */
	uid_t uid;                 /* and gid */
	bool own_ipc;              /* a System V IPC namespace of its own */
	char *const *argv;         /* argv[0] is an absolute path */
	int exe_fd;                /* > 0: run this file (opened before the jail) */
	int stdin_fd;              /* > 0: its stdin, else /dev/null */
	int logfd;
	/* made by run_start() before the fork */
	struct jail_bind bind;
	struct jail_file files[2];
	char passwd[160], group[96];
	struct jail jail;
};

/* The jail of r (kernel/jail.h), built before the fork: nothing to
 * allocate in the child. */
static void run_jail(struct engine_run *r)
{
	snprintf(r->passwd, sizeof(r->passwd),
		 "root:x:0:0:root:/root:/usr/sbin/nologin\n"
		 "%s:x:%u:%u:vpcsim database engine:/nonexistent:/usr/sbin/nologin\n",
		 ENGINE_OS_USER, (unsigned)r->uid, (unsigned)r->uid);
	snprintf(r->group, sizeof(r->group), "root:x:0:\n%s:x:%u:\n", ENGINE_OS_USER,
		 (unsigned)r->uid);
	r->bind = (struct jail_bind){ .src = r->dir, .dst = r->dir, .writable = true };
	r->files[0] = (struct jail_file){ .dst = "/etc/passwd", .text = r->passwd };
	r->files[1] = (struct jail_file){ .dst = "/etc/group", .text = r->group };
	r->jail = (struct jail){ .tmp_mb = ENGINE_TMP_MB, .shm_mb = ENGINE_SHM_MB,
				 .binds = &r->bind, .n_binds = 1, .files = r->files, .n_files = 2 };
}

/* In the child's own mount namespace: cover the state root (two levels
 * above the engine's folder) with an empty tmpfs and bind the engine's
 * folder back at its own path. The engine's uid then reaches its folder
 * whatever the modes of the folders above (root's only), and sees no
 * other topology's state. */
static int expose_only(const char *dir)
{
	char root[ENGINE_PATH_MAX], src[64], *slash;
	int err, fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return errf(errno, "opening %s: %s", dir, strerror(errno));
	snprintf(root, sizeof(root), "%s", dir);
	for (int up = 0; up < 2; up++) {
		slash = strrchr(root, '/');
		if (!slash || slash == root)
			return errf(EINVAL, "%s: no state root above it", dir);
		*slash = '\0';
	}
	snprintf(src, sizeof(src), "/proc/self/fd/%d", fd);
	if (mount("vpcsim-engine", root, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=64k") < 0)
		return errf(errno, "covering %s with a tmpfs: %s", root, strerror(errno));
	if ((err = mkdir_p(dir, 0755)) < 0)
		return errf_prefix(err, "in the tmpfs over %s", root);
	if (mount(src, dir, NULL, MS_BIND, NULL) < 0)
		return errf(errno, "binding %s: %s", dir, strerror(errno));
	close(fd);
	return 0;
}

int engine_own_view(const char *dir)
{
	int err = jail_own_mounts("the engine's view");

	return err < 0 ? err : expose_only(dir);
}

/* The forked child, PID 1 of its PID namespace; never returns. Errors go
 * up the CLOEXEC pipe. */
static __attribute__((noreturn)) void run_child(const struct engine_run *r, int report)
{
	const char *msg;
	int err, devnull;

	proc_signals_default();
	err = setsid() < 0 ? errf(errno, "setsid: %s", strerror(errno)) : 0;
	if (!err)
		err = r->netns ? proc_enter_node(r->netns) : jail_own_mounts("the engine");
	if (!err && r->own_ipc && unshare(CLONE_NEWIPC) < 0)
		err = errf(errno, "unshare(CLONE_NEWIPC): %s", strerror(errno));
	if (!err)
		err = jail_enter(&r->jail);
	if (!err)
		err = jail_drop_privileges(r->uid, (gid_t)r->uid, NULL, 0);
	if (!err && chdir(r->dir) < 0)
		err = errf(errno, "chdir %s: %s", r->dir, strerror(errno));
	devnull = err ? -1 : r->stdin_fd > 0 ? r->stdin_fd : open("/dev/null", O_RDONLY);
	if (!err && (devnull < 0 || dup2(devnull, 0) < 0 || dup2(r->logfd, 1) < 0 ||
		     dup2(r->logfd, 2) < 0))
		err = errf(errno, "redirecting stdio: %s", strerror(errno));
	if (!err) {
		syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
		if (r->exe_fd > 0)
			syscall(SYS_execveat, r->exe_fd, "", r->argv, engine_env, AT_EMPTY_PATH);
		else
			execve(r->argv[0], r->argv, engine_env);
		err = errf(errno, "exec %s: %s", r->argv[0], strerror(errno));
	}
	msg = err_msg();
	if (write(report, msg, strlen(msg)) < 0)
		_exit(126);
	_exit(127);
}

/* Fork and exec as run_child() sets up; returns once the exec succeeded
 * (the pipe closed empty) with the child's pid, or the setup error. */
static int run_start(const struct engine_run *r, const char *log, pid_t *pid)
{
	struct engine_run rr = *r;
	char msg[1024];
	ssize_t len = 0, n;
	int fd[2];

	rr.logfd = open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (rr.logfd < 0)
		return errf(errno, "opening log %s: %s", log, strerror(errno));
	if (pipe2(fd, O_CLOEXEC) < 0) {
		close(rr.logfd);
		return errf(errno, "pipe: %s", strerror(errno));
	}
	run_jail(&rr);
	fork_flush();
	*pid = proc_fork_pid_ns(NULL);
	if (*pid == 0) {
		close(fd[0]);
		run_child(&rr, fd[1]);
	}
	close(fd[1]);
	close(rr.logfd);
	if (*pid < 0) {
		close(fd[0]);
		return errf(errno, "fork into a new PID namespace: %s", strerror(errno));
	}
	while (len < (ssize_t)sizeof(msg) - 1 &&
	       ((n = read(fd[0], msg + len, sizeof(msg) - 1 - (size_t)len)) > 0 ||
		(n < 0 && errno == EINTR)))
		len += n > 0 ? n : 0;
	close(fd[0]);
	if (len > 0) {
		msg[len] = '\0';
		waitpid(*pid, NULL, 0);
		return errf(EIO, "starting %s: %s", r->argv[0], msg);
	}
	return 0;
}

/* Run r to its end; 0 when it exits 0, else the log's last line. */
static int run_wait(const char *what, const struct engine_run *r, const char *log)
{
	char last[512];
	int err, status;
	pid_t pid;

	err = run_start(r, log, &pid);
	if (err < 0)
		return errf_prefix(err, "%s", what);
	if (waitpid(pid, &status, 0) < 0)
		return errf(errno, "waiting for %s: %s", what, strerror(errno));
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	log_last_line(log, last, sizeof(last));
	return errf(EIO, "%s failed (exit status %d): %s", what,
		    WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), last);
}

int engine_self_signed(const char *dir, uid_t uid, const char *cn, const char *log)
{
	char prog[ENGINE_PATH_MAX], subj[128], what[ENGINE_PATH_MAX + 64];
	char *argv[] = { prog, "req", "-x509", "-newkey", "ec", "-pkeyopt",
			 "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "server.key",
			 "-out", "server.crt", "-days", "3650", "-subj", subj, NULL };
	struct engine_run r = { .dir = dir, .uid = uid, .argv = argv };
	int err = engine_prog_path(PROG_OPENSSL, prog);

	if (err < 0)
		return err;
	snprintf(subj, sizeof(subj), "/CN=%s", cn);
	snprintf(what, sizeof(what), "making the TLS certificate in %s", dir);
	return run_wait(what, &r, log);
}

int pg_initdb(const char *datadir, uid_t uid, const char *admin, const char *log)
{
	char prog[ENGINE_PATH_MAX], user[128], what[ENGINE_PATH_MAX + 16];
	char *argv[] = { prog, "-D", (char *)datadir, user, "--auth-local=peer",
			 "--auth-host=scram-sha-256", "--encoding=UTF8", "--locale=C",
			 "--no-sync", "--no-instructions", NULL };
	struct engine_run r = { .dir = datadir, .uid = uid, .argv = argv };
	int err = engine_prog_path(PROG_INITDB, prog);

	if (err < 0)
		return err;
	snprintf(user, sizeof(user), "--username=%s", admin);
	snprintf(what, sizeof(what), "initdb of %s", datadir);
	return run_wait(what, &r, log);
}

/* Start r and wait for ready(arg); the process is stopped again when it
 * does not get there. */
static int start_and_wait(const char *what, const struct engine_run *r, const char *log,
			  int timeout_ms, bool (*ready)(const void *), const void *arg,
			  struct proc_id *out)
{
	char last[512];
	int err = run_start(r, log, &out->pid), waited = 0;

	if (err < 0)
		return err;
	err = proc_start_time(out->pid, &out->start_time);
	if (err < 0)
		return err;
	while (!ready(arg)) {
		if (!proc_alive(out) || waited >= timeout_ms) {
			bool alive = proc_alive(out);

			proc_stop(out, 1000);
			log_last_line(log, last, sizeof(last));
			return errf(alive ? ETIMEDOUT : EIO, "%s in %s %s: %s", what, r->netns,
				    alive ? "did not get ready in time" : "exited", last);
		}
		sleep_ms(POLL_MS);
		waited += POLL_MS;
	}
	return 0;
}

int pg_start(const char *netns, const char *datadir, uid_t uid, const char *log,
	     int timeout_ms, struct proc_id *out)
{
	char prog[ENGINE_PATH_MAX];
	char *argv[] = { prog, "-D", (char *)datadir, NULL };
	struct engine_run r = { .netns = netns, .dir = datadir, .uid = uid, .own_ipc = true,
				.argv = argv };
	int err = engine_prog_path(PROG_POSTGRES, prog);

	if (err < 0)
		return err;
	return start_and_wait("postgres", &r, log, timeout_ms, pg_ready, datadir, out);
}

static bool file_exists(const void *path)
{
	return access(path, F_OK) == 0;
}

int mariadb_install_db(const char *dir, const char *conf, uid_t uid, const char *log)
{
	char prog[ENGINE_PATH_MAX], defaults[ENGINE_PATH_MAX + 32], what[ENGINE_PATH_MAX + 32];
	char *argv[] = { prog, defaults, "--auth-root-authentication-method=socket",
			 "--auth-root-socket-user=root", "--skip-test-db", "--force", NULL };
	struct engine_run r = { .dir = dir, .uid = uid, .argv = argv };
	int err = engine_prog_path(PROG_MARIADB_INSTALL_DB, prog);

	if (err < 0)
		return err;
	snprintf(defaults, sizeof(defaults), "--defaults-file=%s", conf);
	snprintf(what, sizeof(what), "mariadb-install-db in %s", dir);
	return run_wait(what, &r, log);
}

/* The pid file is written once the server's sockets listen; both there. */
static bool mariadb_listening(const void *arg)
{
	const struct mariadb_run *m = arg;

	return file_exists(m->pid) && file_exists(m->sock);
}

int mariadb_start(const struct mariadb_run *m, int timeout_ms, struct proc_id *out)
{
	char prog[ENGINE_PATH_MAX], defaults[ENGINE_PATH_MAX + 32];
	char *argv[] = { prog, defaults, NULL };
	struct engine_run r = { .netns = m->netns, .dir = m->dir, .uid = m->uid, .own_ipc = true,
				.argv = argv };
	int err = engine_prog_path(PROG_MARIADBD, prog);

	if (err < 0)
		return err;
	snprintf(defaults, sizeof(defaults), "--defaults-file=%s", m->conf);
	return start_and_wait("mariadbd", &r, m->log, timeout_ms, mariadb_listening,
			      m, out);
}

int rdsproxy_start(const struct rdsproxy_run *p, int timeout_ms, struct proc_id *out)
{
	char prog[ENGINE_PATH_MAX];
	char *argv[] = { "vpcsim-rds-proxy", NULL };
	struct engine_run r = { .netns = p->netns, .dir = p->dir, .uid = p->uid, .argv = argv };
	size_t len = strlen(p->config);
	int err = engine_prog_path(PROG_RDSPROXY, prog), cfg[2] = { -1, -1 };

	if (err < 0)
		return err;
	r.exe_fd = open(prog, O_PATH | O_CLOEXEC);
	if (r.exe_fd < 0)
		return errf(errno, "opening %s: %s", prog, strerror(errno));
	/* the configuration (passwords too) goes through a pipe, never a file */
	if (pipe2(cfg, O_CLOEXEC) < 0 || fcntl(cfg[1], F_SETPIPE_SZ, (int)len + 4096) < 0 ||
	    write(cfg[1], p->config, len) != (ssize_t)len) {
		err = errf(errno, "handing vpcsim-rds-proxy its configuration: %s", strerror(errno));
		goto out;
	}
	close(cfg[1]);
	cfg[1] = -1;
	r.stdin_fd = cfg[0];
	err = start_and_wait("vpcsim-rds-proxy", &r, p->log, timeout_ms, file_exists, p->metrics,
			     out);
out:
	close(r.exe_fd);
	if (cfg[0] >= 0)
		close(cfg[0]);
	if (cfg[1] >= 0)
		close(cfg[1]);
	return err;
}

int rdsproxy_metrics_read(const char *dir, struct rdsproxy_metrics *out)
{
	char path[ENGINE_PATH_MAX + 32], buf[4096], *line, *save = NULL;
	struct stat st;
	ssize_t n;
	int fd;

	out->n = 0;
	snprintf(path, sizeof(path), "%s/metrics", dir);
	/* the proxy's uid owns the folder: no link followed, a file only */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		int e = fd < 0 ? errno : EINVAL;

		if (fd >= 0)
			close(fd);
		return errf(e, "reading %s: %s", path, fd < 0 ? strerror(e) : "not a regular file");
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return errf(EIO, "reading %s: empty", path);
	buf[n] = '\0';
	for (line = strtok_r(buf, "\n", &save); line && out->n < RDSPROXY_METRICS_MAX;
	     line = strtok_r(NULL, "\n", &save)) {
		char *sp = strchr(line, ' ');

		if (!sp || sp - line >= (long)sizeof(out->name[0]))
			continue;
		*sp = '\0';
		if (!strcmp(line, "ProxyName"))   /* a name, not a figure */
			continue;
		snprintf(out->name[out->n], sizeof(out->name[0]), "%s", line);
		out->value[out->n++] = strtoll(sp + 1, NULL, 10);
	}
	return 0;
}

long long rdsproxy_metric(const struct rdsproxy_metrics *m, const char *name)
{
	for (int i = 0; i < m->n; i++)
		if (!strcmp(m->name[i], name))
			return m->value[i];
	return 0;
}
