/* Database engine processes: PostgreSQL and MariaDB from the Debian
 * packages and vpcsim-rds-proxy, run inside a node, each jailed as a function is
 * (docs/RDS.md, docs/SECURITY.md):
 *
 *   - its own uid and gid (`uid`, engine_uid() of model/engine_conf.h),
 *     no supplementary groups, no capabilities, no_new_privs; never root,
 *     never the host's `postgres` user;
 *   - PID 1 of a PID namespace of its own: it sees and signals only its
 *     own processes, and when it ends the kernel kills what it left;
 *   - kernel/jail.h's root: the host's system folders read-only, its own
 *     /proc, /dev and a private /dev/shm (PostgreSQL's dynamic shared
 *     memory), a private /tmp, and of the host's writable folders only
 *     its own folder (`dir`, read-write at its real path, so the paths
 *     in its configuration and the unix socket root connects to are the
 *     real ones). No /run but that folder, no /var, /home, /sys/fs/bpf;
 *     /etc/passwd and /etc/group name root and its uid (`rdsdb`, as RDS
 *     names its engine's user), which initdb needs;
 *   - an environment of PATH and LC_ALL only, not vpcsim's.
 *
 * Nothing here knows topologies: callers hand folders, namespaces, uids
 * and logs. Every error names the operation and the object. */
#ifndef VPCSIM_ENGINE_H
#define VPCSIM_ENGINE_H

#include <stdbool.h>
#include <sys/types.h>

#include "kernel/proc.h"

#define ENGINE_PATH_MAX 512
#define ENGINE_OS_USER "rdsdb"     /* the jail's name for the engine's uid */

enum engine_prog {
	PROG_INITDB,
	PROG_POSTGRES,
	PROG_OPENSSL,              /* /usr/bin/openssl: a proxy's TLS certificate */
	PROG_RDSPROXY,             /* vpcsim-rds-proxy, built with vpcsim */
	PROG_MARIADB_INSTALL_DB,   /* /usr/bin/mariadb-install-db (mariadb-server) */
	PROG_MARIADBD,             /* /usr/sbin/mariadbd (mariadb-server-core) */
};

/* The path of a program, or -ENOENT with a message naming the Debian
 * package that installs it. PostgreSQL's are taken from the highest
 * /usr/lib/postgresql/N/bin (VPCSIM_PG_BINDIR overrides it). */
int engine_prog_path(enum engine_prog p, char out[ENGINE_PATH_MAX]);

/* Create folder `dir` (mode 0700) owned by uid (and gid uid). */
int engine_mkdir(const char *dir, uid_t uid);
/* Write `text` to `path` (mode 0600) owned by uid (and gid uid). */
int engine_write(const char *path, const char *text, uid_t uid);

/* For a forked child about to become an engine's uid without a jail (a
 * libpq client of its socket, pgsql.c): a mount namespace of its own where
 * the folder two levels above `dir` (the root of every topology's state,
 * root's only) is covered by an empty tmpfs that shows `dir` alone, at its
 * own path, so the uid reaches it without any right on the folders above
 * and sees no other state. */
int engine_own_view(const char *dir);

/* initdb of an empty data folder, jailed as above (no network namespace):
 * bootstrap superuser `admin`, no password (local peer logins only),
 * UTF8, C locale, no fsync. Output is appended to `log`. */
int pg_initdb(const char *datadir, uid_t uid, const char *admin, const char *log);

/* A self-signed certificate for `cn` (P-256 key, 10 years) written as
 * dir/server.key and dir/server.crt by openssl, jailed as above. */
int engine_self_signed(const char *dir, uid_t uid, const char *cn, const char *log);

/* Start PostgreSQL on `datadir` inside node `netns`, jailed as above and
 * in an IPC namespace of its own (its System V memory goes with it), and
 * wait until it accepts connections (postmaster.pid says "ready"), at
 * most timeout_ms. On failure the process is stopped and the message has
 * the log's last line. */
int pg_start(const char *netns, const char *datadir, uid_t uid, const char *log,
	     int timeout_ms, struct proc_id *out);

/* mariadb-install-db into `dir`/data, jailed as above (no network
 * namespace), with the server settings of `conf` (a my.cnf in `dir`, read
 * instead of the host's /etc/mysql): the system tables, root@localhost
 * by unix_socket for the OS user root only, no test database. */
int mariadb_install_db(const char *dir, const char *conf, uid_t uid, const char *log);

/* Start mariadbd with `conf` inside node `netns`, jailed as above and in
 * an IPC namespace of its own, and wait until it listens (its pid file
 * and socket, `pid` and `sock` in `dir`, exist: it writes the pid file
 * once its sockets listen), at most timeout_ms. Stopped by SIGTERM. */
struct mariadb_run {
	const char *netns, *dir, *conf, *pid, *sock, *log;
	uid_t uid;
};
int mariadb_start(const struct mariadb_run *m, int timeout_ms, struct proc_id *out);

/* vpcsim-rds-proxy (src/rdsproxy) in `netns`, jailed as above; its
 * binary is opened before the jail and run by descriptor (the jail shows
 * only the host's system folders), its configuration written into a pipe
 * that is its stdin. Ready once it wrote its metrics file. */
struct rdsproxy_run {
	const char *netns, *dir, *config, *metrics, *log;
	uid_t uid;
};
int rdsproxy_start(const struct rdsproxy_run *p, int timeout_ms, struct proc_id *out);

/* Its figures, from the metrics file in its folder (`dir`), read as root
 * without following a link the proxy's uid may have put there: RDS
 * Proxy's CloudWatch names with their values (latencies in µs). */
#define RDSPROXY_METRICS_MAX 32
struct rdsproxy_metrics {
	int n;
	char name[RDSPROXY_METRICS_MAX][48];
	long long value[RDSPROXY_METRICS_MAX];
};
int rdsproxy_metrics_read(const char *dir, struct rdsproxy_metrics *out);
/* The value of `name`, 0 when absent. */
long long rdsproxy_metric(const struct rdsproxy_metrics *m, const char *name);

/* The last non-empty line of a log ("(no output)" if none), for an
 * error message. */
void log_last_line(const char *log, char *out, size_t len);

#endif
