/* PostgreSQL and PgBouncer processes (engine.h). */
#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kernel/engine.h"
#include "util/err.h"

#define PG_LIB "/usr/lib/postgresql"
#define PGBOUNCER_PATH "/usr/sbin/pgbouncer"
#define POLL_MS 20

static const char *const prog_name[] = {
	[PROG_INITDB] = "initdb", [PROG_POSTGRES] = "postgres", [PROG_PGBOUNCER] = "pgbouncer",
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

int engine_prog_path(enum engine_prog p, char out[ENGINE_PATH_MAX])
{
	char dir[ENGINE_PATH_MAX];
	const char *env = getenv("VPCSIM_PGBOUNCER");

	if (p == PROG_PGBOUNCER) {
		snprintf(out, ENGINE_PATH_MAX, "%s", env ? env : PGBOUNCER_PATH);
		if (access(out, X_OK) == 0)
			return 0;
		return errf(ENOENT, "%s is not installed (%s): install the Debian package pgbouncer "
			    "(apt-get install pgbouncer, or make deps)", prog_name[p], out);
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

int engine_user(uid_t *uid, gid_t *gid)
{
	struct passwd *pw = getpwnam(ENGINE_USER);

	if (!pw)
		return errf(ENOENT, "there is no user '%s' (the Debian package postgresql-common "
			    "creates it: apt-get install postgresql)", ENGINE_USER);
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	return 0;
}

int engine_mkdir(const char *dir)
{
	uid_t uid = 0;
	gid_t gid = 0;
	int err = engine_user(&uid, &gid);

	if (err < 0)
		return err;
	if (mkdir(dir, 0700) < 0)
		return errf(errno, "creating %s: %s", dir, strerror(errno));
	if (chown(dir, uid, gid) < 0)
		return errf(errno, "chown %s to %s: %s", dir, ENGINE_USER, strerror(errno));
	return 0;
}

int engine_write(const char *path, const char *text)
{
	size_t len = strlen(text);
	uid_t uid = 0;
	gid_t gid = 0;
	int fd, err = engine_user(&uid, &gid);

	if (err < 0)
		return err;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return errf(errno, "creating %s: %s", path, strerror(errno));
	if (fchown(fd, uid, gid) < 0 || write(fd, text, len) != (ssize_t)len) {
		err = errf(errno, "writing %s: %s", path, strerror(errno));
		close(fd);
		return err;
	}
	close(fd);
	return 0;
}

/* In a forked child: become the postgres user for good. */
static int drop_to_engine_user(void)
{
	uid_t uid = 0;
	gid_t gid = 0;

	if (engine_user(&uid, &gid) < 0)
		return -1;
	if (setgid(gid) < 0 || initgroups(ENGINE_USER, gid) < 0 || setuid(uid) < 0)
		return -1;
	return 0;
}

int pg_initdb(const char *datadir, const char *admin, const char *log)
{
	char prog[ENGINE_PATH_MAX], user[128];
	int err = engine_prog_path(PROG_INITDB, prog), status, logfd;
	pid_t pid;

	if (err < 0)
		return err;
	logfd = open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (logfd < 0)
		return errf(errno, "opening log %s: %s", log, strerror(errno));
	snprintf(user, sizeof(user), "--username=%s", admin);
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(logfd);
		return errf(errno, "fork for initdb: %s", strerror(errno));
	}
	if (pid == 0) {
		if (drop_to_engine_user() < 0 || chdir("/") < 0 || dup2(logfd, 1) < 0 ||
		    dup2(logfd, 2) < 0)
			_exit(126);
		execl(prog, "initdb", "-D", datadir, user, "--auth-local=peer",
		      "--auth-host=scram-sha-256", "--encoding=UTF8", "--locale=C", "--no-sync",
		      "--no-instructions", (char *)NULL);
		_exit(127);
	}
	close(logfd);
	if (waitpid(pid, &status, 0) < 0)
		return errf(errno, "waiting for initdb of %s: %s", datadir, strerror(errno));
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return errf(EIO, "initdb of %s failed (exit status %d); see %s", datadir,
			    WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), log);
	return 0;
}

/* The last non-empty line of a log, for an error message. */
static void log_last_line(const char *log, char *out, size_t len)
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
static bool pg_ready(const char *datadir)
{
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

static bool socket_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISSOCK(st.st_mode);
}

/* Start `command` in netns and wait for ready(arg); the process is stopped
 * again when it does not get there. */
static int start_and_wait(const char *what, const char *netns, const char *command,
			  const char *log, int timeout_ms, bool (*ready)(const char *),
			  const char *arg, struct proc_id *out)
{
	char last[512];
	int err = proc_start_in_node(netns, command, log, out), waited = 0;

	if (err < 0)
		return err;
	while (!ready(arg)) {
		if (!proc_alive(out) || waited >= timeout_ms) {
			bool alive = proc_alive(out);

			proc_stop(out, 1000);
			log_last_line(log, last, sizeof(last));
			return errf(alive ? ETIMEDOUT : EIO, "%s in %s %s: %s", what, netns,
				    alive ? "did not get ready in time" : "exited", last);
		}
		sleep_ms(POLL_MS);
		waited += POLL_MS;
	}
	return 0;
}

int pg_start(const char *netns, const char *datadir, const char *log, int timeout_ms,
	     struct proc_id *out)
{
	char prog[ENGINE_PATH_MAX], cmd[2 * ENGINE_PATH_MAX + 128];
	int err = engine_prog_path(PROG_POSTGRES, prog);

	if (err < 0)
		return err;
	/* Paths come from validated names: no shell quoting needed. */
	snprintf(cmd, sizeof(cmd),
		 "exec unshare --ipc -- setpriv --reuid=%s --regid=%s --init-groups -- %s -D %s",
		 ENGINE_USER, ENGINE_USER, prog, datadir);
	return start_and_wait("postgres", netns, cmd, log, timeout_ms, pg_ready, datadir, out);
}

int pgb_start(const char *netns, const char *ini, const char *socket, const char *log,
	      int timeout_ms, struct proc_id *out)
{
	char prog[ENGINE_PATH_MAX], cmd[2 * ENGINE_PATH_MAX + 128];
	int err = engine_prog_path(PROG_PGBOUNCER, prog);

	if (err < 0)
		return err;
	snprintf(cmd, sizeof(cmd),
		 "exec setpriv --reuid=%s --regid=%s --init-groups -- %s %s",
		 ENGINE_USER, ENGINE_USER, prog, ini);
	return start_and_wait("pgbouncer", netns, cmd, log, timeout_ms, socket_exists, socket, out);
}
