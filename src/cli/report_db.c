/* `status` for database engines and proxies: engine, listening address,
 * connections in use (pg_stat_activity) and pool figures (PgBouncer's SHOW
 * POOLS), read over their unix sockets in the state folder. Credentials
 * are never shown. */
#include <stdio.h>
#include <string.h>

#include "cli/report_internal.h"
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

static void print_dbs(const struct layout *L, const char *state_dir)
{
	struct table T = { .cols = 8 };
	char addr[32], dir[ENGINE_DIR_MAX], c[16], a[16], i[16], m[16];

	table_row(&T, "DATABASE", "ENGINE", "LISTENING", "MASTER USER", "CONNECTIONS", "ACTIVE/IDLE",
		  "MAX", "CLASS");
	for (int k = 0; k < L->t->n_resources; k++) {
		const struct resource *r = &L->t->resources[k];
		const char *cls = r->db.instance_class ? r->db.instance_class->name : "-";
		struct pg_activity act;

		if (r->db.engine == ENGINE_NONE)
			continue;
		listening(L, r, r->db.port, addr, sizeof(addr));
		engine_dir(state_dir, r->name, dir);
		snprintf(m, sizeof(m), "%d", r->db.max_connections);
		if (pg_activity_read(dir, r->db.port, DB_ADMIN_USER, &act) < 0) {
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

static void print_proxies(const struct layout *L, const char *state_dir)
{
	struct table T = { .cols = 8 };
	char addr[32], dir[ENGINE_DIR_MAX], pool[32], sv[48], cl[32], bt[16];

	table_row(&T, "PROXY", "TARGET", "LISTENING", "POOL (IDLE KEPT)", "SERVER ACTIVE/IDLE/USED",
		  "CLIENTS ACTIVE/WAITING", "LONGEST WAIT", "BORROW TIMEOUT");
	for (int k = 0; k < L->t->n_resources; k++) {
		const struct resource *r = &L->t->resources[k];
		struct pgb_pools p;
		char wait[16];

		if (r->kind != RES_RDS_PROXY || r->proxy.target < 0)
			continue;
		listening(L, r, PROXY_PORT_POSTGRES, addr, sizeof(addr));
		engine_dir(state_dir, r->name, dir);
		snprintf(pool, sizeof(pool), "%d (%d)", proxy_pool_size(L->t, r),
			 proxy_idle_size(L->t, r));
		snprintf(bt, sizeof(bt), "%d s", r->proxy.connection_borrow_timeout_s);
		if (pgb_pools_read(dir, PROXY_PORT_POSTGRES, engine_uid(L->t->name, r->name), &p) < 0) {
			table_row(&T, r->name, L->t->resources[r->proxy.target].name, addr, pool,
				  "unreachable", "-", "-", bt);
			continue;
		}
		snprintf(sv, sizeof(sv), "%d/%d/%d", p.sv_active, p.sv_idle, p.sv_used);
		snprintf(cl, sizeof(cl), "%d/%d", p.cl_active, p.cl_waiting);
		snprintf(wait, sizeof(wait), "%d s", p.maxwait_s);
		table_row(&T, r->name, L->t->resources[r->proxy.target].name, addr, pool, sv, cl,
			  wait, bt);
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
	struct pg_activity act;

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
	cJSON_AddNumberToObject(o, "superuser_reserved_connections", DB_SUPERUSER_RESERVED);
	cJSON_AddStringToObject(o, "socket_dir", dir);
	cJSON_AddStringToObject(o, "admin_user", DB_ADMIN_USER);
	if (pg_activity_read(dir, r->db.port, DB_ADMIN_USER, &act) < 0) {
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
	struct pgb_pools p;

	listening(L, r, PROXY_PORT_POSTGRES, addr, sizeof(addr));
	engine_dir(state_dir, r->name, dir);
	cJSON_AddStringToObject(o, "name", r->name);
	cJSON_AddStringToObject(o, "engine", "pgbouncer");
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
	cJSON_AddStringToObject(o, "socket_dir", dir);
	if (pgb_pools_read(dir, PROXY_PORT_POSTGRES, engine_uid(L->t->name, r->name), &p) < 0) {
		cJSON_AddNullToObject(o, "pools");
		cJSON_AddStringToObject(o, "error", err_msg());
		return o;
	}
	c = cJSON_AddObjectToObject(o, "pools");
	cJSON_AddNumberToObject(c, "cl_active", p.cl_active);
	cJSON_AddNumberToObject(c, "cl_waiting", p.cl_waiting);
	cJSON_AddNumberToObject(c, "sv_active", p.sv_active);
	cJSON_AddNumberToObject(c, "sv_idle", p.sv_idle);
	cJSON_AddNumberToObject(c, "sv_used", p.sv_used);
	cJSON_AddNumberToObject(c, "sv_login", p.sv_login);
	cJSON_AddNumberToObject(c, "maxwait_s", p.maxwait_s);
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
