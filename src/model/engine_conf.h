/* Database engines and proxies as configuration: what vpcsim writes for a
 * PostgreSQL server (`rds` with an engine) and vpcsim-rds-proxy (`rds-proxy`
 * with a target)
 * (docs/RDS.md). Pure: text in memory, no files, no processes.
 *
 * Each rendered text is malloc'd (free() it), or NULL when out of memory.
 * Only the proxy's configuration holds passwords (it goes into a pipe). */
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

/* MariaDB (`engine: mysql`): the my.cnf its server reads
 * (--defaults-file, so none of the host's /etc/mysql is read). The
 * folder holds the data (MYSQL_DATA_DIR), the socket and the pid file. */
#define MYSQL_DATA_DIR "data"
#define MYSQL_SOCKET "mysqld.sock"
#define MYSQL_PID_FILE "mariadbd.pid"
#define MYSQL_CONF_FILE "my.cnf"

struct mysql_conf {
	uint32_t listen_ip;
	int port;
	int max_connections;
	const char *dir;           /* the engine's folder */
};

char *mysql_conf_render(const struct mysql_conf *c);

/* vpcsim-rds-proxy (src/rdsproxy): its configuration, the credentials
 * included, as the "key value" lines it reads on stdin. This text holds
 * passwords: it goes into a pipe, never a file or a log. */
#define RDSPROXY_METRICS_FILE "metrics"    /* in its folder, one "Name value" a line */
#define RDSPROXY_AWS_SOCKET "aws.sock"     /* the AWS zone's front listens there */

struct rdsproxy_where {
	uint32_t listen_ip;        /* the proxy's ENI address */
	uint32_t db_ip;            /* the target's */
	const char *dir;           /* the proxy's folder */
};

char *rdsproxy_conf_render(const struct topology *t, const struct resource *proxy,
			   const struct rdsproxy_where *w);

#endif
