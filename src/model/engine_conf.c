/* Configuration texts of database engines and proxies (engine_conf.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/engine_conf.h"
#include "model/dns.h"
#include "util/cidr.h"

__attribute__((format(printf, 1, 2)))
static char *fmt(const char *f, ...)
{
	va_list ap;
	char *s = NULL;
	int n;

	va_start(ap, f);
	n = vasprintf(&s, f, ap);
	va_end(ap);
	return n < 0 ? NULL : s;
}

void engine_dir(const char *state_dir, const char *resource, char out[ENGINE_DIR_MAX])
{
	snprintf(out, ENGINE_DIR_MAX, "%s/engine-%s", state_dir, resource);
}

uid_t engine_uid(const char *topo, const char *resource)
{
	uint32_t h = 2166136261u;

	for (const char *p = topo; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	h = (h ^ '/') * 16777619u;
	for (const char *p = resource; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	return (uid_t)(ENGINE_UID_BASE + (h & 0xffffffu));
}

static int usable(const struct topology *t, const struct resource *proxy)
{
	const struct resource *db = &t->resources[proxy->proxy.target];

	return db->db.max_connections - DB_SUPERUSER_RESERVED;
}

int proxy_pool_size(const struct topology *t, const struct resource *proxy)
{
	int n = usable(t, proxy) * proxy->proxy.max_connections_percent / 100;

	return n < 1 ? 1 : n;
}

int proxy_idle_size(const struct topology *t, const struct resource *proxy)
{
	int n = usable(t, proxy) * proxy->proxy.max_idle_connections_percent / 100;
	int pool = proxy_pool_size(t, proxy);

	return n > pool ? pool : n;
}

/* fsync and full pages off: the data lives in /run and is thrown away at
 * `down`, so durability buys nothing and costs the tests time. Dynamic
 * shared memory in /dev/shm, PostgreSQL's default: the engine's jail has
 * a private tmpfs there, gone with its mount namespace however the server
 * ends (kernel/engine.h). */
char *pg_conf_render(const struct pg_conf *c)
{
	char ip[IP4_STRLEN];

	return fmt("# written by vpcsim: docs/RDS.md\n"
		   "listen_addresses = '%s'\n"
		   "port = %d\n"
		   "max_connections = %d\n"
		   "superuser_reserved_connections = %d\n"
		   "unix_socket_directories = '%s'\n"
		   "unix_socket_permissions = 0700\n"
		   "password_encryption = 'scram-sha-256'\n"
		   "shared_buffers = 16MB\n"
		   "dynamic_shared_memory_type = posix\n"
		   "fsync = off\n"
		   "synchronous_commit = off\n"
		   "full_page_writes = off\n"
		   "log_destination = 'stderr'\n"
		   "logging_collector = off\n"
		   "lc_messages = 'C'\n"
		   "timezone = 'UTC'\n"
		   "log_timezone = 'UTC'\n"
		   "datestyle = 'iso, mdy'\n"
		   "default_text_search_config = 'pg_catalog.english'\n",
		   ip4_str(c->listen_ip, ip), c->port, c->max_connections,
		   DB_SUPERUSER_RESERVED, c->socket_dir);
}

char *pg_hba_render(void)
{
	return fmt("# written by vpcsim: docs/RDS.md\n"
		   "local all %s peer map=vpcsim\n"
		   "host all all 0.0.0.0/0 scram-sha-256\n", DB_ADMIN_USER);
}

char *pg_ident_render(void)
{
	return fmt("# written by vpcsim: docs/RDS.md\n"
		   "vpcsim root %s\n", DB_ADMIN_USER);
}

/* As pg_conf_render(): the data is thrown away at `down`, so InnoDB
 * neither flushes its log at commit nor writes pages twice, and its
 * buffers are small (many topologies share a small machine). No binary
 * log, no performance schema, no name lookups (grants name addresses),
 * the plugins' folder the package's, messages in English, times in UTC.
 * secure_file_priv keeps LOAD DATA INFILE and SELECT INTO OUTFILE, for
 * whoever has the FILE privilege (root@localhost only: RDS gives the
 * master user none either), to the jail's private /tmp. */
char *mysql_conf_render(const struct mysql_conf *c)
{
	char ip[IP4_STRLEN];

	return fmt("# written by vpcsim: docs/RDS.md\n"
		   "[mariadbd]\n"
		   "datadir = %s/%s\n"
		   "socket = %s/%s\n"
		   "pid-file = %s/%s\n"
		   "bind-address = %s\n"
		   "port = %d\n"
		   "max_connections = %d\n"
		   "skip-name-resolve\n"
		   "skip-log-bin\n"
		   "performance_schema = OFF\n"
		   "innodb_buffer_pool_size = 16M\n"
		   "innodb_log_file_size = 4M\n"
		   "innodb_flush_log_at_trx_commit = 0\n"
		   "innodb_doublewrite = 0\n"
		   "innodb_use_native_aio = 0\n"
		   "secure_file_priv = /tmp\n"
		   "lc_messages = en_US\n"
		   "default_time_zone = '+00:00'\n"
		   "character_set_server = utf8mb4\n"
		   "collation_server = utf8mb4_general_ci\n",
		   c->dir, MYSQL_DATA_DIR, c->dir, MYSQL_SOCKET, c->dir, MYSQL_PID_FILE,
		   ip4_str(c->listen_ip, ip), c->port, c->max_connections);
}

/* "cred SECRET|- USER IAM PASSWORD" lines: the auth entries' secrets,
 * or the target's master credentials without `auth`. */
static char *cred_lines(const struct topology *t, const struct resource *proxy)
{
	const struct proxy_config *x = &proxy->proxy;
	const struct db_config *db = &t->resources[x->target].db;
	char *all = x->n_auth ? fmt("%s", "") : fmt("cred - %s 0 %s\n", db->master_username,
							 db->master_password);

	for (int i = 0; all && i < x->n_auth; i++) {
		const struct secret *s = &t->secrets[x->auth[i].secret];
		char *more = fmt("%scred %s %s %d %s\n", all, s->name, s->username,
				 x->auth[i].iam_required, s->password);

		free(all);
		all = more;
	}
	return all;
}

char *rdsproxy_conf_render(const struct topology *t, const struct resource *proxy,
			   const struct rdsproxy_where *w)
{
	const struct proxy_config *x = &proxy->proxy;
	char ip[IP4_STRLEN], db[IP4_STRLEN], endpoint[256] = "", *creds = cred_lines(t, proxy), *all;

	dns_rds_endpoint(t, (int)(proxy - t->resources), endpoint, sizeof(endpoint));
	all = creds ? fmt("name %s\nlisten %s %d\ndatabase %s %d\npool %d %d\ntimeouts %d %d\n"
			  "require_tls %d\ntls_key %s/server.key\ntls_cert %s/server.crt\n"
			  "metrics %s/%s\naws_socket %s/%s\nhost %s\nhost %s\nhost %s\n%s%s%s%s",
			  proxy->name, ip4_str(w->listen_ip, ip), PROXY_PORT_POSTGRES,
			  ip4_str(w->db_ip, db), t->resources[x->target].db.port,
			  proxy_pool_size(t, proxy), proxy_idle_size(t, proxy),
			  x->connection_borrow_timeout_s, x->idle_client_timeout_s, x->require_tls,
			  w->dir, w->dir, w->dir, RDSPROXY_METRICS_FILE, w->dir, RDSPROXY_AWS_SOCKET,
			  proxy->name, endpoint, ip, x->init_query ? "init_query " : "",
			  x->init_query ? x->init_query : "", x->init_query ? "\n" : "", creds) : NULL;
	free(creds);
	return all;
}
