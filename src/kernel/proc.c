#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/prctl.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util/err.h"
#include "util/fork_flush.h"
#include "util/clock.h"
#include "util/paths.h"
#include "kernel/jail.h"
#include "kernel/netns.h"
#include "kernel/proc.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif


/* Fields 3 (state) and 22 (starttime) of /proc/PID/stat. The command name
 * (field 2) may hold spaces and parentheses, so parsing starts after the
 * last ')'. */
static int proc_stat_read(pid_t pid, char *state, unsigned long long *start)
{
	char path[64], buf[1024], *p, *tok, *save;
	ssize_t r;
	int fd, field;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -(errno == ENOENT ? ESRCH : errno);
	r = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (r <= 0)
		return -ESRCH; /* reaped between open and read */
	buf[r] = '\0';
	p = strrchr(buf, ')');
	if (!p)
		return -EIO;
	for (field = 3, tok = strtok_r(p + 1, " ", &save); tok;
	     field++, tok = strtok_r(NULL, " ", &save)) {
		if (field == 3)
			*state = tok[0];
		if (field == 22) {
			*start = strtoull(tok, NULL, 10);
			return 0;
		}
	}
	return -EIO;
}

int proc_start_time(pid_t pid, unsigned long long *out)
{
	char state;
	int err;

	if (pid <= 0)
		return errf(EINVAL, "process id %d is not valid", (int)pid);
	err = proc_stat_read(pid, &state, out);
	if (err < 0)
		return errf(err, "reading /proc/%d/stat: %s", (int)pid,
			    strerror(-err));
	return 0;
}

bool proc_alive(const struct proc_id *p)
{
	unsigned long long start;
	char state;

	if (!p || p->pid <= 0 || proc_stat_read(p->pid, &state, &start) < 0)
		return false;
	return start == p->start_time && state != 'Z' && state != 'X';
}

/* What `ip netns exec` does after setns(): a private mount namespace where
 * /sys describes the node's network namespace and /etc/netns/NAME/FILE
 * shadows /etc/FILE (read-only here). Mounts made here never propagate
 * back to the host. */
static int node_mounts(const char *netns)
{
	char dir[sizeof(ETC_NETNS) + NETNS_NAME_MAX], src[512], dst[512];
	unsigned long sysflags = 0;
	struct statvfs sv;
	struct dirent *de;
	DIR *d;
	int err;

	if ((err = jail_own_mounts(netns)) < 0)
		return err;
	/* A sysfs instance shows the network devices of the namespace that
	 * mounts it. A read-only /sys that cannot be detached can only be
	 * shadowed by a read-only one. */
	if (umount2("/sys", MNT_DETACH) < 0 && statvfs("/sys", &sv) == 0 &&
	    (sv.f_flag & ST_RDONLY))
		sysflags = MS_RDONLY;
	if (mount(netns, "/sys", "sysfs", sysflags, NULL) < 0)
		return errf(errno, "mounting /sys for %s: %s", netns,
			    strerror(errno));

	path_etc_netns(dir, sizeof(dir), netns, NULL);
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : errf(errno, "reading %s: %s", dir,
						  strerror(errno));
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(src, sizeof(src), "%s/%s", dir, de->d_name);
		snprintf(dst, sizeof(dst), "/etc/%s", de->d_name);
		/* Read-only: nodes of a VPC share one hosts file (hard links,
		 * see state/apply.c), which is vpcsim's, not the node's. */
		if (mount(src, dst, "none", MS_BIND, NULL) < 0 ||
		    mount(NULL, dst, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) < 0) {
			err = errno;
			closedir(d);
			return errf(err, "bind-mounting %s over %s: %s", src, dst,
				    strerror(err));
		}
	}
	closedir(d);
	return 0;
}

int proc_enter_node(const char *netns)
{
	int err;

	if (!netns_name_ok(netns))
		return errf(EINVAL, "entering node '%s': not a namespace name",
			    netns ? netns : "(null)");
	err = netns_enter_name(netns, NULL);
	if (err < 0)
		return err;
	return node_mounts(netns);
}

/* A child forked for a caller that can no longer have it: killed and
 * reaped. */
static void child_abandon(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

pid_t proc_fork_pid_ns(int *pidfd)
{
	int self = open("/proc/thread-self/ns/pid", O_RDONLY | O_CLOEXEC), saved;
	pid_t pid;

	if (self < 0)
		return -1;
	/* This thread's children go into a new namespace; glibc's fork()
	 * takes and resets malloc's, stdio's and the dynamic loader's locks
	 * around the copy (a raw clone3 would copy them as other threads
	 * hold them, and the child would wait on them for ever). */
	if (unshare(CLONE_NEWPID) < 0) {
		saved = errno;
		close(self);
		errno = saved;
		return -1;
	}
	pid = fork();
	if (pid == 0) {
		close(self);
		return 0;
	}
	saved = errno;
	/* Back: this thread's later children are in its own namespace. */
	if (setns(self, CLONE_NEWPID) < 0 && pid > 0) {
		saved = errno;
		child_abandon(pid);
		pid = -1;
	}
	close(self);
	if (pid > 0 && pidfd && (*pidfd = (int)syscall(SYS_pidfd_open, pid, 0)) < 0) {
		saved = errno;
		child_abandon(pid);
		pid = -1;
	}
	errno = saved;
	return pid;
}

void proc_signals_default(void)
{
	static const int sigs[] = { SIGPIPE, SIGTERM, SIGINT, SIGHUP, SIGCHLD,
				    SIGQUIT, SIGUSR1, SIGUSR2 };
	sigset_t none;

	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

int proc_cred_lookup(const char *user, struct proc_cred *out)
{
	struct passwd *pw;
	char *end;
	long id;
	int n = PROC_GROUPS_MAX;

	memset(out, 0, sizeof(*out));
	errno = 0;
	id = strtol(user, &end, 10);
	pw = *user && !*end ? getpwuid((uid_t)id) : getpwnam(user);
	if (!pw && (!*user || *end || errno || id < 0))
		return errf(ENOENT, "user '%s': no such user on this machine", user);
	if (!pw) { /* a bare uid */
		out->uid = (uid_t)id;
		out->gid = (gid_t)id;
		snprintf(out->name, sizeof(out->name), "%ld", id);
		snprintf(out->home, sizeof(out->home), "/");
		return 0;
	}
	out->uid = pw->pw_uid;
	out->gid = pw->pw_gid;
	snprintf(out->name, sizeof(out->name), "%s", pw->pw_name);
	snprintf(out->home, sizeof(out->home), "%s", pw->pw_dir);
	if (getgrouplist(pw->pw_name, pw->pw_gid, out->groups, &n) < 0)
		n = PROC_GROUPS_MAX; /* more than we keep: the first ones */
	out->n_groups = n;
	return 0;
}

/* The whole environment of a command run as cred's user: PATH, HOME, USER,
 * LOGNAME and the caller's LANG, nothing else of root's (a secret in
 * root's environment would be readable in /proc/PID/environ by that
 * user). Built before the fork; static storage (one command is started
 * at a time). */
static char **cred_environ(const struct proc_cred *c)
{
	static char home[300], user[80], logname[80], lang[128];
	static char path[] = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	static char *env[8];
	const char *l = getenv("LANG");
	int n = 0;

	snprintf(home, sizeof(home), "HOME=%s", c->home);
	snprintf(user, sizeof(user), "USER=%s", c->name);
	snprintf(logname, sizeof(logname), "LOGNAME=%s", c->name);
	env[n++] = path;
	env[n++] = home;
	env[n++] = user;
	env[n++] = logname;
	if (l && strlen(l) < sizeof(lang) - 5 && !strpbrk(l, "/")) {
		snprintf(lang, sizeof(lang), "LANG=%s", l);
		env[n++] = lang;
	}
	env[n] = NULL;
	return env;
}

/* Root keeps its capabilities but gains none by exec; a user has none. */
static int child_identity(const struct proc_cred *c)
{
	int err;

	if (!c) {
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			return errf(errno, "PR_SET_NO_NEW_PRIVS: %s", strerror(errno));
		return 0;
	}
	if (c->uid == 0) /* root by name or number: as without a user */
		return child_identity(NULL);
	if ((err = jail_drop_privileges(c->uid, c->gid, c->groups, c->n_groups)) < 0)
		return err;
	if (chdir(c->home) < 0 && chdir("/") < 0)
		return errf(errno, "chdir /: %s", strerror(errno));
	return 0;
}

/* In the forked child; never returns. A failure's message goes up the
 * CLOEXEC pipe `report`; a successful exec closes it empty. */
static __attribute__((noreturn)) void
child_start(const char *netns, const char *command, int logfd, int report,
	    const struct proc_cred *cred, char **envp)
{
	const char *msg;
	int devnull, err;

	proc_signals_default();
	if (setsid() < 0) {
		err = errf(errno, "setsid: %s", strerror(errno));
		goto fail;
	}
	err = proc_enter_node(netns);
	if (err < 0)
		goto fail;
	devnull = open("/dev/null", O_RDONLY);
	if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(logfd, 1) < 0 ||
	    dup2(logfd, 2) < 0) {
		err = errf(errno, "redirecting stdio: %s", strerror(errno));
		goto fail;
	}
	if ((err = child_identity(cred)) < 0)
		goto fail;
	/* Nothing of ours leaks into the command; the report pipe stays
	 * usable until exec closes it. */
	syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
	execle("/bin/sh", "sh", "-c", command, (char *)NULL, envp);
	err = errf(errno, "exec /bin/sh: %s", strerror(errno));
fail:
	msg = err_msg();
	if (write(report, msg, strlen(msg)) < 0)
		_exit(126);
	_exit(127);
}

int proc_start_in_node(const char *netns, const char *command, const char *log_path,
		       const struct proc_cred *cred, struct proc_id *out)
{
	extern char **environ;
	char **envp = cred ? cred_environ(cred) : environ;
	char msg[1024];
	int logfd, pipefd[2], err;
	ssize_t r, len = 0;
	pid_t pid;

	if (!netns_name_ok(netns) || !command || !log_path || !out)
		return errf(EINVAL, "starting a process in '%s': invalid arguments",
			    netns ? netns : "(null)");
	logfd = open(log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (logfd < 0)
		return errf(errno, "opening log %s: %s", log_path, strerror(errno));
	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		err = errf(errno, "pipe: %s", strerror(errno));
		close(logfd);
		return err;
	}
	fork_flush();
	pid = fork();
	if (pid < 0) {
		err = errf(errno, "fork: %s", strerror(errno));
		close(logfd);
		close(pipefd[0]);
		close(pipefd[1]);
		return err;
	}
	if (pid == 0) {
		close(pipefd[0]);
		child_start(netns, command, logfd, pipefd[1], cred, envp);
	}
	close(logfd);
	close(pipefd[1]);
	while (len < (ssize_t)sizeof(msg) - 1) {
		r = read(pipefd[0], msg + len, sizeof(msg) - 1 - (size_t)len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += r;
	}
	close(pipefd[0]);
	if (len > 0) {
		msg[len] = '\0';
		waitpid(pid, NULL, 0);
		return errf(EIO, "starting '%s' in %s: %s", command, netns, msg);
	}
	/* Not reaped yet, so /proc/PID exists even if it already exited. */
	out->pid = pid;
	err = proc_start_time(pid, &out->start_time);
	return err < 0 ? errf_prefix(err, "starting '%s' in %s", command, netns) : 0;
}

static int pidfd_open_(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

static int pidfd_signal(int pidfd, int sig)
{
	return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
}

/* Wait up to ms for the process behind pidfd to exit. True if it did. */
static bool pidfd_wait_exit(int pidfd, int ms)
{
	struct pollfd pfd = { .fd = pidfd, .events = POLLIN };
	double t0 = now_ms();
	int left = ms, r;

	for (;;) {
		r = poll(&pfd, 1, left);
		if (r > 0)
			return true;
		if (r == 0 || errno != EINTR)
			return false;
		left = ms - (int)(now_ms() - t0);
		if (left <= 0)
			return false;
	}
}

/* Reap pid if it is our child and a zombie with the right start time. */
static void reap_if_ours(const struct proc_id *p)
{
	unsigned long long start;
	char state;

	if (proc_stat_read(p->pid, &state, &start) == 0 &&
	    start == p->start_time && state == 'Z')
		waitpid(p->pid, NULL, WNOHANG);
}

int proc_stop(const struct proc_id *p, int grace_ms)
{
	return proc_stop_signal(p, SIGTERM, grace_ms);
}

int proc_stop_signal(const struct proc_id *p, int sig, int grace_ms)
{
	bool exited;
	int pidfd;

	if (!p || p->pid <= 0)
		return errf(EINVAL, "stopping a process: invalid process id");
	if (!proc_alive(p)) {
		reap_if_ours(p);
		return 0;
	}
	/* The pidfd pins this very process: once its start time is checked
	 * through it, a signal sent via the pidfd cannot reach a successor
	 * that reused the pid. */
	pidfd = pidfd_open_(p->pid);
	if (pidfd < 0)
		return errno == ESRCH ? 0 : errf(errno, "pidfd_open(%d): %s",
						 (int)p->pid, strerror(errno));
	if (!proc_alive(p)) {
		close(pidfd);
		reap_if_ours(p);
		return 0;
	}
	pidfd_signal(pidfd, sig);
	/* The group whose id is our leader's pid can only be the leader's:
	 * the kernel does not hand out a pid still in use as a group id. */
	kill(-p->pid, sig);
	exited = pidfd_wait_exit(pidfd, grace_ms < 0 ? 0 : grace_ms);
	/* Then SIGKILL whatever of the group is left. The kernel keeps a
	 * number that is still some process's group id from being handed
	 * out as a new pid, so while any member lives the id names our
	 * group; a stranger could own it only if every member ended and the
	 * pid space wrapped within the grace period. */
	if (!exited)
		pidfd_signal(pidfd, SIGKILL); /* even if it left its group */
	kill(-p->pid, SIGKILL);
	if (!exited && !pidfd_wait_exit(pidfd, 5000)) {
		close(pidfd);
		return errf(ETIMEDOUT, "process %d did not end after SIGKILL",
			    (int)p->pid);
	}
	close(pidfd);
	waitpid(p->pid, NULL, WNOHANG); /* ECHILD when not our child */
	return 0;
}

int proc_exec_in_node(const char *netns, char *const argv[])
{
	int err;

	if (!argv || !argv[0])
		return errf(EINVAL, "exec in %s: no command", netns ? netns : "(null)");
	err = proc_enter_node(netns);
	if (err < 0)
		return err;
	execvp(argv[0], argv);
	return errf(errno, "exec %s in %s: %s", argv[0], netns, strerror(errno));
}

static int ino_cmp(const void *a, const void *b)
{
	unsigned long long x = *(const unsigned long long *)a, y = *(const unsigned long long *)b;

	return x < y ? -1 : x > y;
}

/* The network namespace inode of process `pid`, 0 if it cannot be read. */
static unsigned long long pid_netns_ino(long pid)
{
	char path[64], link[64];
	unsigned long long ino = 0;
	ssize_t len;

	snprintf(path, sizeof(path), "/proc/%ld/ns/net", pid);
	len = readlink(path, link, sizeof(link) - 1);
	if (len < 0)
		return 0;
	link[len] = '\0';
	return sscanf(link, "net:[%llu]", &ino) == 1 ? ino : 0;
}

int proc_kill_netns_set(const char *const *netns, int n_netns)
{
	unsigned long long *inos = calloc((size_t)n_netns + 1, sizeof(*inos));
	char path[512];
	struct stat st, nsfs;
	struct dirent *de;
	DIR *d;
	int n = 0, k = 0;

	if (!inos || stat("/proc/self/ns/net", &nsfs) < 0) {
		free(inos);
		return 0;
	}
	for (int i = 0; i < n_netns; i++) {
		path_netns(path, sizeof(path), netns[i]);
		/* Only a mounted namespace (on nsfs's device): the file
		 * beneath is a hard link shared by many (kernel/netns.c),
		 * and its inode number is no namespace's. */
		if (stat(path, &st) == 0 && st.st_dev == nsfs.st_dev)
			inos[k++] = (unsigned long long)st.st_ino;
	}
	qsort(inos, (size_t)k, sizeof(*inos), ino_cmp);
	/* One pass over /proc for all of them: the cost of a `down` must not
	 * be (namespaces x processes on the machine). */
	d = k ? opendir("/proc") : NULL;
	while (d && (de = readdir(d))) {
		char *end;
		long pid = strtol(de->d_name, &end, 10);
		unsigned long long ino;

		if (*end || pid <= 1 || pid == getpid() || !(ino = pid_netns_ino(pid)))
			continue;
		if (bsearch(&ino, inos, (size_t)k, sizeof(*inos), ino_cmp) &&
		    kill((pid_t)pid, SIGKILL) == 0)
			n++;
	}
	if (d)
		closedir(d);
	free(inos);
	return n;
}

int proc_kill_netns(const char *netns)
{
	return proc_kill_netns_set(&netns, 1);
}

int proc_read_report(int fd, char *msg, size_t size)
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

static char *args_start;
static size_t args_len;

void proc_args_remember(int argc, char **argv)
{
	if (argc < 1)
		return;
	args_start = argv[0];
	args_len = (size_t)(argv[argc - 1] + strlen(argv[argc - 1]) + 1 - argv[0]);
}

int proc_set_cmdline(const char *title)
{
	if (!args_start)
		return errf(EINVAL, "the command line to overwrite is unknown (proc_args_remember)");
	/* In place: the kernel shows the bytes between arg_start and arg_end,
	 * the strings main() received. */
	memset(args_start, 0, args_len);
	snprintf(args_start, args_len, "%s", title);
	return 0;
}
