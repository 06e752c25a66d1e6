/* Configuration texts of database engines and proxies (engine_conf.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/engine_conf.h"
#include "util/cidr.h"

/* How long an idle server connection above the idle figure stays open:
 * RDS Proxy closes them "over time" without saying how fast. */
#define PGB_SERVER_IDLE_TIMEOUT_S 60
/* Client connections one proxy accepts (RDS Proxy's own limit is not
 * documented; PgBouncer's default is 100). */
#define PGB_MAX_CLIENT_CONN 1000

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

static char *pgb_ini_base(const struct pgb_conf *c, char ip[IP4_STRLEN], char db[IP4_STRLEN]);

/* Session pooling (a client keeps its server connection until it leaves),
 * bounded per database by max_db_connections; the admin console is
 * reached through the unix socket by the proxy's own uid (see pgsql.c). */
char *pgb_ini_render(const struct pgb_conf *c)
{
	char ip[IP4_STRLEN], db[IP4_STRLEN], *base, *tls, *all;

	if (!c->tls_key)
		tls = fmt("client_tls_sslmode = disable\n");
	else
		tls = fmt("client_tls_sslmode = require\n"
			  "client_tls_key_file = %s\n"
			  "client_tls_cert_file = %s\n", c->tls_key, c->tls_cert);
	base = pgb_ini_base(c, ip, db);
	all = base && tls ? fmt("%s%s", base, tls) : NULL;
	free(base);
	free(tls);
	return all;
}

static char *pgb_ini_base(const struct pgb_conf *c, char ip[IP4_STRLEN], char db[IP4_STRLEN])
{
	return fmt("; written by vpcsim: docs/RDS.md\n"
		   "[databases]\n"
		   "* = host=%s port=%d\n"
		   "[pgbouncer]\n"
		   "listen_addr = %s\n"
		   "listen_port = %d\n"
		   "unix_socket_dir = %s\n"
		   "unix_socket_mode = 0700\n"
		   "auth_type = scram-sha-256\n"
		   "auth_file = %s\n"
		   "pool_mode = session\n"
		   "default_pool_size = %d\n"
		   "max_db_connections = %d\n"
		   "min_pool_size = %d\n"
		   "reserve_pool_size = 0\n"
		   "server_idle_timeout = %d\n"
		   "query_wait_timeout = %d\n"
		   "client_idle_timeout = %d\n"
		   "max_client_conn = %d\n"
		   "ignore_startup_parameters = extra_float_digits\n"
		   "syslog = 0\n",
		   ip4_str(c->db_ip, db), c->db_port, ip4_str(c->listen_ip, ip), c->listen_port,
		   c->socket_dir, c->auth_file, c->pool_size, c->pool_size, c->idle_size,
		   PGB_SERVER_IDLE_TIMEOUT_S, c->borrow_timeout_s, c->idle_client_timeout_s,
		   PGB_MAX_CLIENT_CONN);
}

char *pgb_userlist_render(const char *user, const char *secret)
{
	return fmt("\"%s\" \"%s\"\n", user, secret);
}
