/* Processes started inside nodes (resource commands, `vpcsim exec`).
 *
 * A process is remembered by pid AND start time (field 22 of /proc/PID/stat,
 * clock ticks since boot), because a pid alone may be reused by an unrelated
 * process after ours ends. Nothing here ends a process by name. */
#ifndef VPCSIM_PROC_H
#define VPCSIM_PROC_H

#include <stdbool.h>
#include <sys/types.h>

struct proc_id {
	pid_t pid;
	unsigned long long start_time; /* field 22 of /proc/PID/stat */
};

/* Read the start time of `pid`. -ESRCH if there is no such process. */
int proc_start_time(pid_t pid, unsigned long long *out);

/* Is this exact process (pid + start time) still running? A zombie (ended,
 * not yet reaped) counts as not running. */
bool proc_alive(const struct proc_id *p);

/* Who a command runs as, resolved before the fork (no user database
 * lookups in a forked child of a threaded process). */
#define PROC_GROUPS_MAX 64
struct proc_cred {
	uid_t uid;
	gid_t gid;
	gid_t groups[PROC_GROUPS_MAX]; /* supplementary groups */
	int n_groups;
	char name[64];             /* USER and LOGNAME */
	char home[256];            /* HOME, and the working folder if it can be entered */
};

/* `user`: a name of the user database or a uid (without an entry: gid =
 * uid, no groups, HOME=/). -ENOENT naming the user when there is none. */
int proc_cred_lookup(const char *user, struct proc_cred *out);

/* Start `sh -c command` inside node namespace `netns` (a name under
 * /run/netns), in a new session and process group (no controlling
 * terminal), with its own mount namespace in which each file of
 * /etc/netns/<netns>/ is bind-mounted over /etc/<file> and /sys is a sysfs
 * of the node's namespace (what `ip netns exec` does). stdin is /dev/null,
 * stdout and stderr are appended to log_path, every other descriptor is
 * closed, PR_SET_NO_NEW_PRIVS is set. cred NULL: as root with the
 * inherited environment (the host's file system, every capability);
 * else as cred's user with no capabilities and an environment of PATH, HOME,
 * USER, LOGNAME and the caller's LANG only.
 * Setup and exec failures are returned here (-errno, err_msg() names the
 * step). */
int proc_start_in_node(const char *netns, const char *command, const char *log_path,
		       const struct proc_cred *cred, struct proc_id *out);

/* End the process and its process group: SIGTERM, up to grace_ms for the
 * leader to exit, then SIGKILL to whatever of the group is left. Signals
 * only if proc_alive(p): a reused pid is never signalled. Reaps the leader
 * if it is our child. Returns 0 when it is no longer running (also when it
 * was gone already), <0 on error. */
int proc_stop(const struct proc_id *p, int grace_ms);
/* proc_stop() asking with `sig` instead of SIGTERM (PostgreSQL: SIGINT is
 * its fast shutdown, SIGTERM waits for every client to leave). */
int proc_stop_signal(const struct proc_id *p, int sig, int grace_ms);

/* Replace the calling process by argv[0] (PATH searched) run inside the
 * node as proc_start_in_node() sets it up, without the new session and
 * without redirections (for `vpcsim exec`). Returns only on failure. */
int proc_exec_in_node(const char *netns, char *const argv[]);

/* Move the calling process into node `netns` for good, as
 * proc_start_in_node() sets a command up: its network namespace, then a
 * private mount namespace with the node's /etc/netns files and /sys. Meant
 * for a forked child about to exec (the sandbox builds on it); the
 * caller's namespaces change and are not restored. */
int proc_enter_node(const char *netns);

/* fork() into a new PID namespace, where the child is PID 1: it cannot see
 * or signal any process but its own, and when it ends the kernel kills
 * everything it left in there. With pidfd, also a pidfd of the child.
 * Like fork(): 0 in the child, the pid in the parent, -1 and errno.
 *
 * glibc's fork(), never a raw clone3, for callers with threads (the
 * supervisor's Runtime API, serve's workers, the front's): glibc takes
 * malloc's arenas, every stdio stream and the dynamic loader's locks
 * around the copy and resets them in the child. A raw clone copies each
 * as another thread holds it at that instant, and a child that then
 * allocates, prints or binds a symbol waits on a futex no one will
 * release: a cold start's runtime stuck before its exec, its supervisor
 * giving no word (tests/kernel/test_proc_fork.c). The namespace is this
 * thread's children's for the one fork (unshare), then its own again
 * (setns). */
pid_t proc_fork_pid_ns(int *pidfd);

/* Make /proc/self/cmdline (what `ps` shows every user) read `title`
 * (cut to the length of the original arguments): a process forked from a
 * vpcsim command would otherwise show that command's arguments for as
 * long as it lives (an invoke's payload, for the supervisor). Overwrites
 * the strings main() received, which proc_args_remember() noted; no
 * argv[] string may be used after it. 0 or -EINVAL. */
void proc_args_remember(int argc, char **argv);
int proc_set_cmdline(const char *title);

/* In a forked child before exec: default dispositions for the signals a
 * vpcsim command may catch or ignore, and an empty signal mask, so the
 * command starts as it would from a shell. */
void proc_signals_default(void);

/* SIGKILL every process (but this one and init) whose network namespace is
 * NETNS_RUN_DIR/NETNS. Returns how many were signalled. */
int proc_kill_netns(const char *netns);
/* The same for several namespaces at once, in one pass over /proc. */
int proc_kill_netns_set(const char *const *netns, int n_netns);

/* Read a forked child's report pipe to its end (the child writes an int
 * error code and a message when its setup fails; the pipe is O_CLOEXEC, so
 * it closes empty at exec). Returns the length read into msg (NUL-ended):
 * 0 means the exec happened. */
int proc_read_report(int fd, char *msg, size_t size);

#endif
