/* Database engines and proxies as configuration: what vpcsim writes for a
 * PostgreSQL server (`rds` with an engine) and a PgBouncer (`rds-proxy`
 * with a target), and how RDS Proxy's settings map onto PgBouncer's
 * (docs/RDS.md). Pure: text in memory, no files, no processes.
 *
 * Each rendered text is malloc'd (free() it), or NULL when out of memory.
 * No password is ever part of a rendered text: the proxy's auth_file holds
 * the database's SCRAM secret, read from the database at `up`. */
#ifndef VPCSIM_ENGINE_CONF_H
#define VPCSIM_ENGINE_CONF_H

#include <stdint.h>
#include <sys/types.h>

#include "model/topology.h"

#define ENGINE_DIR_MAX 512

/* The engine's own folder under the topology's state folder:
 * STATE_DIR/engine-NAME (data, sockets, configuration). */
void engine_dir(const char *state_dir, const char *resource, char out[ENGINE_DIR_MAX]);

/* The uid (and gid) an engine's processes run as, owner of its folder:
 * 0x71000000 + the low 24 bits of FNV-1a("TOPO/RESOURCE"), a range no
 * distribution or systemd allocates and next to the execution
 * environments' (0x70000000, lambda/sandbox.h): every engine has its own,
 * none is the host's `postgres`, and the same names give the same uid. */
#define ENGINE_UID_BASE 0x71000000u
uid_t engine_uid(const char *topo, const char *resource);

/* Server connections the proxy may open: max_connections_percent of what
 * the target's non-superusers may use (max_connections less the
 * superuser_reserved_connections), at least 1. */
int proxy_pool_size(const struct topology *t, const struct resource *proxy);
/* Server connections kept open when idle: max_idle_connections_percent of
 * the same figure, at most the pool. */
int proxy_idle_size(const struct topology *t, const struct resource *proxy);

struct pg_conf {
	uint32_t listen_ip;        /* the ENI's address */
	int port;
	int max_connections;
	const char *socket_dir;    /* unix socket folder (the engine folder) */
};

/* postgresql.conf, pg_hba.conf, pg_ident.conf of a database. Local
 * (unix socket) logins: only DB_ADMIN_USER, by peer, for root; every TCP
 * login by SCRAM password. */
char *pg_conf_render(const struct pg_conf *c);
char *pg_hba_render(void);
char *pg_ident_render(void);

struct pgb_conf {
	uint32_t listen_ip;        /* the proxy's ENI address */
	int listen_port;
	const char *socket_dir;    /* its unix socket (admin console) */
	const char *auth_file;
	uint32_t db_ip;            /* the target's ENI address */
	int db_port;
	int pool_size, idle_size;
	int borrow_timeout_s, idle_client_timeout_s;
	const char *tls_key, *tls_cert;    /* NULL: clients may not use TLS */
};

/* With tls_key, clients must use TLS (client_tls_sslmode = require). */
char *pgb_ini_render(const struct pgb_conf *c);
/* One auth_file line: "USER" "SECRET" (both without double quotes). */
char *pgb_userlist_render(const char *user, const char *secret);

#endif
