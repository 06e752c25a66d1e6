/* `status` for database engines and proxies: engine, listening address,
 * connections in use (pg_stat_activity or MariaDB's PROCESSLIST, over the
 * engine's unix socket)
 * and RDS Proxy's CloudWatch figures (the proxy's metrics file), from the
 * state folder. Credentials are never shown. */
#include <stdio.h>
#include <string.h>

#include "cli/report_internal.h"
#include "kernel/engine.h"
#include "kernel/mysql.h"
#include "kernel/pgsql.h"
#include "model/db_class.h"
#include "model/engine_conf.h"
#include "util/err.h"

static bool any_engine(const struct topology *t)
{
	for (int i = 0; i < t->n_resources; i++)
		if (t->resources[i].db.engine != ENGINE_NONE ||
		    (t->resources[i].kind == RES_RDS_PROXY && t->resources[i].proxy.target >= 0))
			return true;
	return false;
}

static void listening(const struct layout *L, const struct resource *r, int port,
		      char *buf, size_t len)
{
	char ip[IP4_STRLEN];
	int n = layout_find_node(L, r->name);

	snprintf(buf, len, "%s:%d", ip4_str(L->atts[L->nodes[n].att].ip, ip), port);
}

static const char *admin_user(const struct resource *r)
{
	return r->db.engine == ENGINE_MYSQL ? DB_MYSQL_ADMIN_USER : DB_ADMIN_USER;
}

/* The engine's connections, over its socket in `dir`. */
static int activity_read(const struct resource *r, const char *dir, struct db_activity *act)
{
	if (r->db.engine == ENGINE_MYSQL)
		return mysql_activity_read(dir, MYSQL_SOCKET, DB_MYSQL_ADMIN_USER, act);
	return pg_activity_read(dir, r->db.port, DB_ADMIN_USER, act);
}

static void print_dbs(const struct layout *L, const char *state_dir)
{
	struct table T = { .cols = 8 };
	char addr[32], dir[ENGINE_DIR_MAX], c[16], a[16], i[16], m[16];

	table_row(&T, "DATABASE", "ENGINE", "LISTENING", "MASTER USER", "CONNECTIONS", "ACTIVE/IDLE",
		  "MAX", "CLASS");
	for (int k = 0; k < L->t->n_resources; k++) {
		const struct resource *r = &L->t->resources[k];
		const char *cls = r->db.instance_class ? r->db.instance_class->name : "-";
		struct db_activity act;

		if (r->db.engine == ENGINE_NONE)
			continue;
		listening(L, r, r->db.port, addr, sizeof(addr));
		engine_dir(state_dir, r->name, dir);
		snprintf(m, sizeof(m), "%d", r->db.max_connections);
		if (activity_read(r, dir, &act) < 0) {
			table_row(&T, r->name, db_engine_str(r->db.engine), addr, r->db.master_username,
				  "unreachable", "-", m, cls);
			continue;
		}
		snprintf(c, sizeof(c), "%d", act.clients);
		snprintf(a, sizeof(a), "%d/%d", act.active, act.idle);
		snprintf(i, sizeof(i), "%d", act.max_connections);
		table_row(&T, r->name, db_engine_str(r->db.engine), addr, r->db.master_username, c, a, i,
			  cls);
	}
	table_print(&T);
}

static void proxy_row(struct table *T, const struct layout *L, const struct resource *r,
		      const char *state_dir)
{
	char addr[32], dir[ENGINE_DIR_MAX], pool[32], cl[32], db[32], lat[48], bt[16];
	const char *target = L->t->resources[r->proxy.target].name;
	struct rdsproxy_metrics m;

	listening(L, r, PROXY_PORT_POSTGRES, addr, sizeof(addr));
	engine_dir(state_dir, r->name, dir);
	snprintf(pool, sizeof(pool), "%d (%d)", proxy_pool_size(L->t, r), proxy_idle_size(L->t, r));
	snprintf(bt, sizeof(bt), "%d s", r->proxy.connection_borrow_timeout_s);
	if (rdsproxy_metrics_read(dir, &m) < 0) {
		table_row(T, r->name, target, addr, pool, "unreachable", "-", "-", bt);
		return;
	}
	snprintf(cl, sizeof(cl), "%lld/%lld", rdsproxy_metric(&m, "ClientConnections"),
		 rdsproxy_metric(&m, "ClientsWaitingForConnection"));
	snprintf(db, sizeof(db), "%lld/%lld/%lld", rdsproxy_metric(&m, "DatabaseConnections"),
		 rdsproxy_metric(&m, "DatabaseConnectionsCurrentlyBorrowed"),
		 rdsproxy_metric(&m, "DatabaseConnectionsCurrentlySessionPinned"));
	snprintf(lat, sizeof(lat), "%lld/%lld us",
		 rdsproxy_metric(&m, "DatabaseConnectionsBorrowLatency"),
		 rdsproxy_metric(&m, "QueryDatabaseResponseLatency"));
	table_row(T, r->name, target, addr, pool, cl, db, lat, bt);
}

/* RDS Proxy's CloudWatch figures (docs/RDS.md, "Metrics"): clients
 * connected/waiting; database connections open/borrowed/pinned; latencies
 * averaged over the last minute. */
static void print_proxies(const struct layout *L, const char *state_dir)
{
	struct table T = { .cols = 8 };

	table_row(&T, "PROXY", "TARGET", "LISTENING", "POOL (IDLE KEPT)", "CLIENTS/WAITING",
		  "DB CONNS/BORROWED/PINNED", "BORROW/QUERY LATENCY", "BORROW TIMEOUT");
	for (int k = 0; k < L->t->n_resources; k++) {
		const struct resource *r = &L->t->resources[k];

		if (r->kind == RES_RDS_PROXY && r->proxy.target >= 0)
			proxy_row(&T, L, r, state_dir);
	}
	table_print(&T);
}

void print_engines(const struct layout *L, const char *state_dir)
{
	if (!any_engine(L->t))
		return;
	putchar('\n');
	print_dbs(L, state_dir);
	putchar('\n');
	print_proxies(L, state_dir);
}

static cJSON *json_db(const struct layout *L, const struct resource *r, const char *state_dir)
{
	cJSON *o = cJSON_CreateObject(), *c;
	char addr[32], dir[ENGINE_DIR_MAX];
	struct db_activity act;

	listening(L, r, r->db.port, addr, sizeof(addr));
	engine_dir(state_dir, r->name, dir);
	cJSON_AddStringToObject(o, "name", r->name);
	cJSON_AddStringToObject(o, "engine", db_engine_str(r->db.engine));
	cJSON_AddStringToObject(o, "listening", addr);
	cJSON_AddNumberToObject(o, "port", r->db.port);
	cJSON_AddStringToObject(o, "master_username", r->db.master_username);
	if (r->db.secret >= 0)
		cJSON_AddStringToObject(o, "secret", L->t->secrets[r->db.secret].name);
	cJSON_AddNumberToObject(o, "max_connections", r->db.max_connections);
	cJSON_AddStringToObject(o, "max_connections_from", r->db.max_connections_given ?
				"max_connections" : r->db.instance_class ? "instance_class" : "default");
	if (r->db.instance_class) {
		cJSON_AddStringToObject(o, "instance_class", r->db.instance_class->name);
		cJSON_AddNumberToObject(o, "instance_class_memory_mib", r->db.instance_class->memory_mib);
	} else {
		cJSON_AddNullToObject(o, "instance_class");
	}
	if (r->db.engine == ENGINE_MYSQL) {
		cJSON_AddStringToObject(o, "server", "mariadb");
		cJSON_AddStringToObject(o, "socket", MYSQL_SOCKET);
	} else {
		cJSON_AddNumberToObject(o, "superuser_reserved_connections", DB_SUPERUSER_RESERVED);
	}
	cJSON_AddStringToObject(o, "socket_dir", dir);
	cJSON_AddStringToObject(o, "admin_user", admin_user(r));
	if (activity_read(r, dir, &act) < 0) {
		cJSON_AddNullToObject(o, "connections");
		cJSON_AddStringToObject(o, "error", err_msg());
		return o;
	}
	c = cJSON_AddObjectToObject(o, "connections");
	cJSON_AddNumberToObject(c, "clients", act.clients);
	cJSON_AddNumberToObject(c, "active", act.active);
	cJSON_AddNumberToObject(c, "idle", act.idle);
	return o;
}

static cJSON *json_proxy(const struct layout *L, const struct resource *r, const char *state_dir)
{
	cJSON *o = cJSON_CreateObject(), *c;
	char addr[32], dir[ENGINE_DIR_MAX];
	struct rdsproxy_metrics m;

	listening(L, r, PROXY_PORT_POSTGRES, addr, sizeof(addr));
	engine_dir(state_dir, r->name, dir);
	cJSON_AddStringToObject(o, "name", r->name);
	cJSON_AddStringToObject(o, "engine", "vpcsim-rds-proxy");
	cJSON_AddStringToObject(o, "target", L->t->resources[r->proxy.target].name);
	cJSON_AddStringToObject(o, "listening", addr);
	cJSON_AddNumberToObject(o, "pool_size", proxy_pool_size(L->t, r));
	cJSON_AddNumberToObject(o, "idle_kept", proxy_idle_size(L->t, r));
	cJSON_AddNumberToObject(o, "max_connections_percent", r->proxy.max_connections_percent);
	cJSON_AddNumberToObject(o, "max_idle_connections_percent",
				r->proxy.max_idle_connections_percent);
	cJSON_AddNumberToObject(o, "connection_borrow_timeout_s",
				r->proxy.connection_borrow_timeout_s);
	cJSON_AddNumberToObject(o, "idle_client_timeout_s", r->proxy.idle_client_timeout_s);
	cJSON_AddBoolToObject(o, "require_tls", r->proxy.require_tls);
	if (r->proxy.init_query)
		cJSON_AddStringToObject(o, "init_query", r->proxy.init_query);
	c = cJSON_AddArrayToObject(o, "auth");
	for (int i = 0; i < r->proxy.n_auth; i++) {
		cJSON *a = cJSON_CreateObject();

		cJSON_AddStringToObject(a, "secret", L->t->secrets[r->proxy.auth[i].secret].name);
		cJSON_AddStringToObject(a, "iam_auth", r->proxy.auth[i].iam_required ? "REQUIRED" :
					"DISABLED");
		cJSON_AddItemToArray(c, a);
	}
	cJSON_AddStringToObject(o, "folder", dir);
	if (rdsproxy_metrics_read(dir, &m) < 0) {
		cJSON_AddNullToObject(o, "metrics");
		cJSON_AddStringToObject(o, "error", err_msg());
		return o;
	}
	c = cJSON_AddObjectToObject(o, "metrics");
	for (int i = 0; i < m.n; i++)
		cJSON_AddNumberToObject(c, m.name[i], (double)m.value[i]);
	return o;
}

void json_add_engines(cJSON *root, const struct layout *L, const char *state_dir)
{
	cJSON *dbs = cJSON_AddArrayToObject(root, "databases");
	cJSON *proxies = cJSON_AddArrayToObject(root, "proxies");

	for (int k = 0; k < L->t->n_resources; k++) {
		const struct resource *r = &L->t->resources[k];

		if (r->db.engine != ENGINE_NONE)
			cJSON_AddItemToArray(dbs, json_db(L, r, state_dir));
		else if (r->kind == RES_RDS_PROXY && r->proxy.target >= 0)
			cJSON_AddItemToArray(proxies, json_proxy(L, r, state_dir));
	}
}
