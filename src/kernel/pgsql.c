/* libpq clients of the engines (pgsql.h). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>


#include "util/dlib.h"
#include "kernel/engine.h"
#include "kernel/jail.h"
#include "kernel/pgsql.h"
#include "util/err.h"

static PGconn *connect_socket(const char *sock_dir, int port, const char *user,
			      const char *db)
{
	char portstr[16];
	const char *const keys[] = { "host", "port", "user", "dbname", "connect_timeout",
				     "application_name", NULL };
	const char *vals[] = { sock_dir, portstr, user, db, "5", "vpcsim", NULL };
	PGconn *c;

	if (dlib_load(DLIB_PQ) < 0)
		return NULL;
	snprintf(portstr, sizeof(portstr), "%d", port);
	c = sym_PQconnectdbParams(keys, vals, 0);
	if (c && sym_PQstatus(c) == CONNECTION_OK)
		return c;
	errf(EIO, "connecting to %s/.s.PGSQL.%d as %s: %s", sock_dir, port, user,
	     c ? sym_PQerrorMessage(c) : "out of memory");
	sym_PQfinish(c);
	return NULL;
}

/* Run one statement; the error names `what`, never the statement (it may
 * hold a secret). */
static int exec_ok(PGconn *c, const char *sql, const char *what)
{
	PGresult *r = sym_PQexec(c, sql);
	int st = sym_PQresultStatus(r), err = 0;

	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
		err = errf(EIO, "%s: %s", what, sym_PQerrorMessage(c));
	sym_PQclear(r);
	return err;
}

static int create_master(PGconn *c, const char *user, const char *password)
{
	char *id = sym_PQescapeIdentifier(c, user, strlen(user));
	char *secret = sym_PQencryptPasswordConn(c, password, user, "scram-sha-256");
	char *lit = secret ? sym_PQescapeLiteral(c, secret, strlen(secret)) : NULL;
	char *sql = NULL;
	int err;

	if (!id || !lit) {
		err = errf(EIO, "preparing the master user %s: %s", user, sym_PQerrorMessage(c));
		goto out;
	}
	if (asprintf(&sql, "CREATE ROLE %s LOGIN CREATEDB PASSWORD %s;"
		     "GRANT pg_monitor, pg_signal_backend TO %s;"
		     "ALTER DATABASE postgres OWNER TO %s", id, lit, id, id) < 0) {
		sql = NULL;
		err = errf(ENOMEM, "creating the master user %s", user);
		goto out;
	}
	err = exec_ok(c, sql, "creating the master user");
out:
	free(sql);
	sym_PQfreemem(id);
	sym_PQfreemem(lit);
	sym_PQfreemem(secret);
	return err;
}

int pg_create_master(const char *sock_dir, int port, const char *admin,
		     const char *user, const char *password)
{
	PGconn *c = connect_socket(sock_dir, port, admin, "postgres");
	int err;

	if (!c)
		return -EIO;
	err = create_master(c, user, password);
	sym_PQfinish(c);
	return err;
}

int pg_role_secret(const char *sock_dir, int port, const char *admin, const char *user,
		   char **out)
{
	const char *params[1] = { user };
	PGconn *c = connect_socket(sock_dir, port, admin, "postgres");
	PGresult *r;
	int err = 0;

	if (!c)
		return -EIO;
	r = sym_PQexecParams(c, "SELECT rolpassword FROM pg_authid WHERE rolname = $1", 1, NULL,
			 params, NULL, NULL, 0);
	if (sym_PQresultStatus(r) != PGRES_TUPLES_OK || sym_PQntuples(r) != 1 || sym_PQgetisnull(r, 0, 0))
		err = errf(EIO, "reading the secret of user %s: %s", user,
			   sym_PQresultStatus(r) == PGRES_TUPLES_OK ? "no such user" : sym_PQerrorMessage(c));
	else if (!(*out = strdup(sym_PQgetvalue(r, 0, 0))))
		err = errf(ENOMEM, "reading the secret of user %s", user);
	sym_PQclear(r);
	sym_PQfinish(c);
	return err;
}

int pg_activity_read(const char *sock_dir, int port, const char *admin,
		     struct pg_activity *out)
{
	const char *params[1] = { admin };
	PGconn *c = connect_socket(sock_dir, port, admin, "postgres");
	PGresult *r;
	int err = 0;

	if (!c)
		return -EIO;
	r = sym_PQexecParams(c,
			 "SELECT current_setting('max_connections')::int, count(*),"
			 " count(*) FILTER (WHERE state = 'active'),"
			 " count(*) FILTER (WHERE state LIKE 'idle%') FROM pg_stat_activity"
			 " WHERE backend_type = 'client backend' AND usename IS DISTINCT FROM $1",
			 1, NULL, params, NULL, NULL, 0);
	if (sym_PQresultStatus(r) != PGRES_TUPLES_OK || sym_PQntuples(r) != 1) {
		err = errf(EIO, "reading pg_stat_activity: %s", sym_PQerrorMessage(c));
	} else {
		out->max_connections = atoi(sym_PQgetvalue(r, 0, 0));
		out->clients = atoi(sym_PQgetvalue(r, 0, 1));
		out->active = atoi(sym_PQgetvalue(r, 0, 2));
		out->idle = atoi(sym_PQgetvalue(r, 0, 3));
	}
	sym_PQclear(r);
	sym_PQfinish(c);
	return err;
}

static int col(const PGresult *r, const char *name)
{
	return sym_PQfnumber(r, name);
}

static int cell(const PGresult *r, int row, int c)
{
	return c < 0 ? 0 : atoi(sym_PQgetvalue(r, row, c));
}

/* In the child: SHOW POOLS as user pgbouncer, summed; 0 on success. */
static int pools_query(const char *sock_dir, int port, struct pgb_pools *p)
{
	PGconn *c = connect_socket(sock_dir, port, "pgbouncer", "pgbouncer");
	PGresult *r;
	int ok;

	if (!c)
		return -1;
	r = sym_PQexec(c, "SHOW POOLS");
	ok = sym_PQresultStatus(r) == PGRES_TUPLES_OK;
	for (int i = 0; ok && i < sym_PQntuples(r); i++) {
		int wait;

		if (!strcmp(sym_PQgetvalue(r, i, col(r, "database")), "pgbouncer"))
			continue;
		p->cl_active += cell(r, i, col(r, "cl_active"));
		p->cl_waiting += cell(r, i, col(r, "cl_waiting"));
		p->sv_active += cell(r, i, col(r, "sv_active"));
		p->sv_idle += cell(r, i, col(r, "sv_idle"));
		p->sv_used += cell(r, i, col(r, "sv_used"));
		p->sv_login += cell(r, i, col(r, "sv_login"));
		wait = cell(r, i, col(r, "maxwait"));
		if (wait > p->maxwait_s)
			p->maxwait_s = wait;
	}
	sym_PQclear(r);
	sym_PQfinish(c);
	return ok ? 0 : -1;
}

int pgb_pools_read(const char *sock_dir, int port, uid_t uid, struct pgb_pools *out)
{
	struct pgb_pools p = { 0 };
	int fd[2], status;
	ssize_t n;
	pid_t pid;

	if (pipe2(fd, O_CLOEXEC) < 0)
		return errf(errno, "pipe: %s", strerror(errno));
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(fd[0]);
		close(fd[1]);
		return errf(errno, "fork: %s", strerror(errno));
	}
	if (pid == 0) {
		close(fd[0]);
		if (engine_own_view(sock_dir) < 0 ||
		    jail_drop_privileges(uid, (gid_t)uid, NULL, 0) < 0 ||
		    pools_query(sock_dir, port, &p) < 0)
			_exit(1);
		_exit(write(fd[1], &p, sizeof(p)) == sizeof(p) ? 0 : 1);
	}
	close(fd[1]);
	n = read(fd[0], &p, sizeof(p));
	close(fd[0]);
	waitpid(pid, &status, 0);
	if (n != sizeof(p))
		return errf(EIO, "SHOW POOLS on %s/.s.PGSQL.%d failed", sock_dir, port);
	*out = p;
	return 0;
}
