/* Database engine and proxy steps of the executor (engine_steps.h). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/engine.h"
#include "kernel/pgsql.h"
#include "model/engine_conf.h"
#include "state/engine_steps.h"
#include "util/err.h"

#define READY_TIMEOUT_MS 30000

int engine_preflight(const struct topology *t)
{
	char path[ENGINE_PATH_MAX];

	for (int i = 0; i < t->n_resources; i++) {
		const struct resource *r = &t->resources[i];
		int err = 0;

		if (r->db.engine == ENGINE_POSTGRES) {
			err = engine_prog_path(PROG_INITDB, path);
			if (!err)
				err = engine_prog_path(PROG_POSTGRES, path);
		} else if (r->kind == RES_RDS_PROXY && r->proxy.target >= 0) {
			err = engine_prog_path(PROG_PGBOUNCER, path);
			if (!err && r->proxy.require_tls)
				err = engine_prog_path(PROG_OPENSSL, path);
		} else {
			continue;
		}
		if (err < 0)
			return errf_prefix(err, "resource %s", r->name);
	}
	return 0;
}

static void paths(const struct layout *L, int node, const char *state_dir,
		  char dir[ENGINE_DIR_MAX], char log[ENGINE_DIR_MAX])
{
	const char *name = L->nodes[node].name;

	engine_dir(state_dir, name, dir);
	snprintf(log, ENGINE_DIR_MAX, "%s/logs/%s.log", state_dir, name);
}

/* The uid the engine of `node` runs as (model/engine_conf.h). */
static uid_t node_uid(const struct layout *L, int node)
{
	return engine_uid(L->t->name, L->nodes[node].name);
}

/* Journaled first: removing a folder that was never made is no error. */
static int make_dir(struct journal *J, const char *dir, uid_t uid)
{
	int err = journal_add(J, J_TREE, dir);

	return err < 0 ? err : engine_mkdir(dir, uid);
}

static int write_owned(const char *dir, const char *file, char *text, uid_t uid)
{
	char path[ENGINE_DIR_MAX + 64];
	int err;

	if (!text)
		return errf(ENOMEM, "rendering %s", file);
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	err = engine_write(path, text, uid);
	free(text);
	return err;
}

int engine_step_db_init(const struct layout *L, int node, const char *state_dir,
			struct journal *J)
{
	const struct resource *r = &L->t->resources[L->nodes[node].index];
	char dir[ENGINE_DIR_MAX], log[ENGINE_DIR_MAX];
	uid_t uid = node_uid(L, node);
	struct pg_conf c;
	int err;

	paths(L, node, state_dir, dir, log);
	c = (struct pg_conf){ L->atts[L->nodes[node].att].ip, r->db.port,
			      r->db.max_connections, dir };
	err = make_dir(J, dir, uid);
	if (!err)
		err = pg_initdb(dir, uid, DB_ADMIN_USER, log);
	if (!err)
		err = write_owned(dir, "postgresql.conf", pg_conf_render(&c), uid);
	if (!err)
		err = write_owned(dir, "pg_hba.conf", pg_hba_render(), uid);
	if (!err)
		err = write_owned(dir, "pg_ident.conf", pg_ident_render(), uid);
	return err;
}

int engine_step_db_start(const struct layout *L, int node, const char *state_dir,
			 struct journal *J)
{
	const struct node *nd = &L->nodes[node];
	const struct resource *r = &L->t->resources[nd->index];
	char dir[ENGINE_DIR_MAX], log[ENGINE_DIR_MAX];
	struct proc_id p;
	int err;

	paths(L, node, state_dir, dir, log);
	err = pg_start(nd->netns, dir, node_uid(L, node), log, READY_TIMEOUT_MS, &p);
	if (err < 0)
		return err;
	err = journal_add_proc_signal(J, p.pid, p.start_time, nd->name, SIGINT);
	if (err < 0)
		return err;
	return pg_create_master(dir, r->db.port, DB_ADMIN_USER, r->db.master_username,
				r->db.master_password);
}

/* The auth_file: the master user with the SCRAM secret the database
 * stores, so clients log in to the proxy with the database's password
 * and PgBouncer logs in to the database with the client's proof. */
static int write_userlist(const struct resource *db, const char *state_dir,
			  const char *dir, uid_t uid)
{
	char dbdir[ENGINE_DIR_MAX];
	char *secret = NULL;
	int err;

	engine_dir(state_dir, db->name, dbdir);
	err = pg_role_secret(dbdir, db->db.port, DB_ADMIN_USER, db->db.master_username, &secret);
	if (err < 0)
		return err;
	err = write_owned(dir, "userlist.txt", pgb_userlist_render(db->db.master_username, secret),
			  uid);
	free(secret);
	return err;
}

int engine_step_proxy_start(const struct layout *L, int node, const char *state_dir,
			    struct journal *J)
{
	const struct node *nd = &L->nodes[node];
	const struct resource *r = &L->t->resources[nd->index];
	const struct resource *db = &L->t->resources[r->proxy.target];
	int db_node = layout_find_node(L, db->name);
	char dir[ENGINE_DIR_MAX], log[ENGINE_DIR_MAX], auth[ENGINE_DIR_MAX + 16];
	char ini[ENGINE_DIR_MAX + 16], sock[ENGINE_DIR_MAX + 32];
	char key[ENGINE_DIR_MAX + 16], cert[ENGINE_DIR_MAX + 16];
	struct pgb_conf c = {
		.listen_ip = L->atts[nd->att].ip, .listen_port = PROXY_PORT_POSTGRES,
		.db_ip = L->atts[L->nodes[db_node].att].ip, .db_port = db->db.port,
		.pool_size = proxy_pool_size(L->t, r), .idle_size = proxy_idle_size(L->t, r),
		.borrow_timeout_s = r->proxy.connection_borrow_timeout_s,
		.idle_client_timeout_s = r->proxy.idle_client_timeout_s,
	};
	uid_t uid = node_uid(L, node);
	struct proc_id p;
	int err;

	paths(L, node, state_dir, dir, log);
	snprintf(auth, sizeof(auth), "%s/userlist.txt", dir);
	snprintf(ini, sizeof(ini), "%s/pgbouncer.ini", dir);
	snprintf(sock, sizeof(sock), "%s/.s.PGSQL.%d", dir, PROXY_PORT_POSTGRES);
	snprintf(key, sizeof(key), "%s/server.key", dir);
	snprintf(cert, sizeof(cert), "%s/server.crt", dir);
	c.socket_dir = dir;
	c.auth_file = auth;
	if (r->proxy.require_tls) {
		c.tls_key = key;
		c.tls_cert = cert;
	}
	err = make_dir(J, dir, uid);
	if (!err && r->proxy.require_tls)
		err = engine_self_signed(dir, uid, nd->name, log);
	if (!err)
		err = write_userlist(db, state_dir, dir, uid);
	if (!err)
		err = write_owned(dir, "pgbouncer.ini", pgb_ini_render(&c), uid);
	if (!err)
		err = pgb_start(nd->netns, dir, uid, ini, sock, log, READY_TIMEOUT_MS, &p);
	if (!err)
		err = journal_add_proc(J, p.pid, p.start_time, nd->name);
	return err;
}
