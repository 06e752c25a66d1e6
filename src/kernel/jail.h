/* Jails: the file system a sandboxed process sees, and who it runs as.
 *
 * jail_enter() is for a forked child about to exec, already in its own
 * mount namespace (proc_enter_node() makes one: the node's network
 * namespace, /etc/netns/NETNS/FILE over /etc/FILE) and, for /proc to show
 * its processes only, PID 1 of its own PID namespace. It builds a new root
 * on a small tmpfs and pivots into it, so nothing else of the host is
 * reachable:
 *
 *   /usr /bin /sbin /lib /lib32 /lib64 /libx32 /etc
 *                 read-only, nosuid, nodev binds of the host's (recursive:
 *                 the node's hosts file over /etc/hosts comes along); a
 *                 top-level symlink (merged /usr) stays a symlink
 *   /etc/netns    an empty read-only tmpfs over it: no other node's files
 *   /proc         a procfs of the caller's PID namespace
 *   /sys          a read-only sysfs of its network namespace (no
 *                 /sys/fs/bpf pins, no cgroup files)
 *   /dev          null zero full random urandom tty (binds of the host's
 *                 nodes), fd stdin stdout stderr symlinks, and /dev/shm: a
 *                 private tmpfs of shm_mb, mode 1777; read-only otherwise
 *   /tmp          `tmp`, bound read-write (nosuid, nodev), or without
 *                 one a private tmpfs of tmp_mb, mode 1777
 *   each bind     read-only (or read-write if `writable`; always nosuid,
 *                 nodev), its mount point made in the new root
 *   layered       a read-only overlay of its folders (or a bind of one)
 *   each file     a read-only file holding its text, made in the jail's
 *                 own root and mounted over dst (e.g. /etc/passwd: a user
 *                 database that names a uid the host's does not know)
 *   each link     a symbolic link made in the jail's own root, its target
 *                 read inside the jail when it is used (e.g. a
 *                 /node_modules for Node.js's own module search)
 *
 * The root itself is read-only; /run, /var, /home, /root, /srv, /opt, /mnt
 * and the rest of the host are absent (a bind may add /var/task, ...).
 * Every mount of the jail is private: nothing propagates in or out. When
 * the last process of the mount namespace ends, all of it goes away.
 *
 * No allocation, only system calls and fixed buffers: safe after fork() in
 * a threaded process. */
#ifndef VPCSIM_JAIL_H
#define VPCSIM_JAIL_H

#include <stdbool.h>
#include <sys/types.h>

#define JAIL_BINDS_MAX 8
#define JAIL_FILES_MAX 4
#define JAIL_UNION_MAX 5
#define JAIL_LINKS_MAX 2

/* A bind: host path `src` (a file or a folder) seen at `dst` inside,
 * read-only unless `writable` (a database engine's data folder). dst is
 * absolute, without "." or ".." components, and not under /proc, /sys,
 * /dev or /tmp. */
struct jail_bind {
	const char *src;
	const char *dst;
	bool writable;
};

/* A file made for the jail: `text` (at most 4 KB) seen read-only at `dst`
 * (same rules as a bind's dst). An existing file of the host's folders
 * (/etc/passwd) is covered, not changed. */
struct jail_file {
	const char *dst;
	const char *text;
};

/* A read-only union of host folders seen at `dst` (same rules as a
 * bind's dst): srcs[0] lowest, each later one's files over the earlier
 * ones' and same-named folders merged (overlayfs with lower layers only;
 * a single folder is a plain bind). Lambda's /opt made of layers. */
struct jail_union {
	const char *dst;
	const char *srcs[JAIL_UNION_MAX];
	int n;                     /* 0: none */
};

/* A symbolic link made for the jail: `dst` (same rules as a bind's dst,
 * nothing there yet) pointing at `target`, an absolute path that is only
 * ever resolved inside the jail, after the pivot: nothing of the host is
 * followed through it. */
struct jail_link {
	const char *dst;
	const char *target;
};

struct jail {
	const char *tmp;           /* host folder bound read-write at /tmp;
				    * NULL: a private tmpfs of tmp_mb */
	int tmp_mb;                /* with tmp NULL, > 0 */
	int shm_mb;                /* size of /dev/shm, > 0 */
	const struct jail_bind *binds; /* extra binds, may be NULL */
	int n_binds;               /* at most JAIL_BINDS_MAX */
	const struct jail_file *files; /* may be NULL */
	int n_files;               /* at most JAIL_FILES_MAX */
	const struct jail_union *layered; /* may be NULL */
	const struct jail_link *links; /* may be NULL */
	int n_links;               /* at most JAIL_LINKS_MAX */
};

/* The first step of a jail: a mount namespace of the calling process's
 * own, a slave of the host's (the host's later mounts still reach it; none
 * made here go back). proc_enter_node() and an engine's view take it;
 * jail_enter() then pivots and makes everything private. `what` names the
 * object in the message. */
int jail_own_mounts(const char *what);

/* Check the binds, files and links of j: -EINVAL and a message naming it. */
int jail_check(const struct jail *j);

/* Build the jail's root and pivot into it (see above); the working folder
 * is / afterwards. On failure the caller must not exec (the mount
 * namespace is half built); err_msg() names the step. */
int jail_enter(const struct jail *j);

/* Become uid:gid (not 0) with supplementary groups `groups` (n may be 0),
 * with no capabilities now or after exec (ambient set cleared, bounding set
 * emptied, and the uid change empties the permitted and effective sets)
 * and PR_SET_NO_NEW_PRIVS, so no setuid or file-capability program gains
 * anything. */
int jail_drop_privileges(uid_t uid, gid_t gid, const gid_t *groups, int n);

#endif
