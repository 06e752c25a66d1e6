/* Database engine processes: PostgreSQL and PgBouncer from the Debian
 * packages, run as the `postgres` user inside a node (docs/RDS.md).
 *
 * Nothing here knows topologies: callers hand folders, namespaces and
 * logs. Every error names the operation and the object. */
#ifndef VPCSIM_ENGINE_H
#define VPCSIM_ENGINE_H

#include <stdbool.h>
#include <sys/types.h>

#include "kernel/proc.h"

#define ENGINE_PATH_MAX 512
#define ENGINE_USER "postgres"

enum engine_prog {
	PROG_INITDB,
	PROG_POSTGRES,
	PROG_PGBOUNCER,
	PROG_OPENSSL,              /* /usr/bin/openssl: a proxy's TLS certificate */
};

/* The path of a program, or -ENOENT with a message naming the Debian
 * package that installs it. PostgreSQL's are taken from the highest
 * /usr/lib/postgresql/N/bin (VPCSIM_PG_BINDIR overrides it), PgBouncer is
 * /usr/sbin/pgbouncer (VPCSIM_PGBOUNCER overrides it). */
int engine_prog_path(enum engine_prog p, char out[ENGINE_PATH_MAX]);

/* The postgres user's ids; -ENOENT (package named) if there is none. */
int engine_user(uid_t *uid, gid_t *gid);

/* Create folder `dir` (mode 0700) owned by the postgres user. */
int engine_mkdir(const char *dir);
/* Write `text` to `path` (mode 0600) owned by the postgres user. */
int engine_write(const char *path, const char *text);

/* The programs below run as the postgres user in a mount namespace of
 * their own, where the folder two levels above the engine's folder (the
 * root of every topology's state, root's only) is covered by an empty
 * tmpfs that shows the engine's folder alone, at its own path: the
 * postgres user reaches its folder without any right on the folders
 * above, and sees no other state. Its working directory is that folder. */

/* For a forked child about to become the postgres user: the mount
 * namespace described above, for engine folder `dir`. */
int engine_own_view(const char *dir);

/* initdb of an empty data folder as the postgres user: bootstrap
 * superuser `admin`, no password (local peer logins only), UTF8, C
 * locale, no fsync. Output is appended to `log`. */
int pg_initdb(const char *datadir, const char *admin, const char *log);

/* A self-signed certificate for `cn` (P-256 key, 10 years) written as
 * dir/server.key and dir/server.crt by openssl run as the postgres user. */
int engine_self_signed(const char *dir, const char *cn, const char *log);

/* Start PostgreSQL on `datadir` inside node `netns` as the postgres user,
 * in an IPC namespace of its own (its System V memory goes with it), and
 * wait until it accepts connections (postmaster.pid says "ready"), at
 * most timeout_ms. On failure the process is stopped and the message has
 * the log's last line. */
int pg_start(const char *netns, const char *datadir, const char *log, int timeout_ms,
	     struct proc_id *out);

/* Start PgBouncer with `ini` (in its folder `dir`) inside `netns` as the
 * postgres user and wait until its unix socket `socket` exists, at most
 * timeout_ms. */
int pgb_start(const char *netns, const char *dir, const char *ini, const char *socket,
	      const char *log, int timeout_ms, struct proc_id *out);

#endif
