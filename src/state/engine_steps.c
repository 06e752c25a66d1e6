/* Database engine and proxy steps of the executor (engine_steps.h). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/engine.h"
#include "kernel/mysql.h"
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
		} else if (r->db.engine == ENGINE_MYSQL) {
			err = engine_prog_path(PROG_MARIADB_INSTALL_DB, path);
			if (!err)
				err = engine_prog_path(PROG_MARIADBD, path);
		} else if (r->kind == RES_RDS_PROXY && r->proxy.target >= 0) {
			err = engine_prog_path(PROG_RDSPROXY, path);
			if (!err)
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

/* MariaDB: its my.cnf first, read by mariadb-install-db and the server. */
static int mysql_init(const struct layout *L, int node, const char *dir, const char *log)
{
	const struct resource *r = &L->t->resources[L->nodes[node].index];
	struct mysql_conf c = { L->atts[L->nodes[node].att].ip, r->db.port,
				r->db.max_connections, dir };
	char conf[ENGINE_DIR_MAX + 16];
	uid_t uid = node_uid(L, node);
	int err = write_owned(dir, MYSQL_CONF_FILE, mysql_conf_render(&c), uid);

	snprintf(conf, sizeof(conf), "%s/%s", dir, MYSQL_CONF_FILE);
	return err < 0 ? err : mariadb_install_db(dir, conf, uid, log);
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
	if (r->db.engine == ENGINE_MYSQL) {
		err = make_dir(J, dir, uid);
		return err < 0 ? err : mysql_init(L, node, dir, log);
	}
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

/* mariadbd, journaled with SIGTERM (its normal shutdown), then the
 * master user over its socket. */
static int mysql_start(const struct layout *L, int node, const char *dir, const char *log,
		       struct journal *J)
{
	const struct node *nd = &L->nodes[node];
	const struct resource *r = &L->t->resources[nd->index];
	char conf[ENGINE_DIR_MAX + 16], pid[ENGINE_DIR_MAX + 16], sock[ENGINE_DIR_MAX + 16];
	struct mariadb_run m = { nd->netns, dir, conf, pid, sock, log, node_uid(L, node) };
	struct proc_id p;
	int err;

	snprintf(conf, sizeof(conf), "%s/%s", dir, MYSQL_CONF_FILE);
	snprintf(pid, sizeof(pid), "%s/%s", dir, MYSQL_PID_FILE);
	snprintf(sock, sizeof(sock), "%s/%s", dir, MYSQL_SOCKET);
	err = mariadb_start(&m, READY_TIMEOUT_MS, &p);
	if (err < 0)
		return err;
	err = journal_add_proc_signal(J, p.pid, p.start_time, nd->name, SIGTERM);
	if (err < 0)
		return err;
	return mysql_create_master(dir, MYSQL_SOCKET, DB_MYSQL_ADMIN_USER, r->db.master_username,
				   r->db.master_password);
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
	if (r->db.engine == ENGINE_MYSQL)
		return mysql_start(L, node, dir, log, J);
	err = pg_start(nd->netns, dir, node_uid(L, node), log, READY_TIMEOUT_MS, &p);
	if (err < 0)
		return err;
	err = journal_add_proc_signal(J, p.pid, p.start_time, nd->name, SIGINT);
	if (err < 0)
		return err;
	return pg_create_master(dir, r->db.port, DB_ADMIN_USER, r->db.master_username,
				r->db.master_password);
}

int engine_step_proxy_start(const struct layout *L, int node, const char *state_dir,
			    struct journal *J)
{
	const struct node *nd = &L->nodes[node];
	const struct resource *r = &L->t->resources[nd->index];
	const struct resource *db = &L->t->resources[r->proxy.target];
	char dir[ENGINE_DIR_MAX], log[ENGINE_DIR_MAX], metrics[ENGINE_DIR_MAX + 16];
	struct rdsproxy_where w = { L->atts[nd->att].ip,
				    L->atts[L->nodes[layout_find_node(L, db->name)].att].ip, dir };
	struct rdsproxy_run run = { .netns = nd->netns, .dir = dir, .metrics = metrics, .log = log,
				    .uid = node_uid(L, node) };
	char *conf = NULL;
	struct proc_id p;
	int err;

	paths(L, node, state_dir, dir, log);
	snprintf(metrics, sizeof(metrics), "%s/%s", dir, RDSPROXY_METRICS_FILE);
	err = make_dir(J, dir, run.uid);
	/* RDS Proxy always offers TLS; require_tls makes it the only way in */
	if (!err)
		err = engine_self_signed(dir, run.uid, nd->name, log);
	if (!err && !(conf = rdsproxy_conf_render(L->t, r, &w)))
		err = errf(ENOMEM, "the configuration of %s", nd->name);
	run.config = conf;
	if (!err)
		err = rdsproxy_start(&run, READY_TIMEOUT_MS, &p);
	if (conf) {
		explicit_bzero(conf, strlen(conf));
		free(conf);
	}
	if (!err)
		err = journal_add_proc(J, p.pid, p.start_time, nd->name);
	return err;
}
