/* libpq clients of the engines (pgsql.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/dlib.h"
#include "kernel/pgsql.h"
#include "util/err.h"

/* ---- sessions from a child chrooted into the engine's folder
 * (engine_session.h) ---- */

#define REPLY_MAX ENGINE_REPLY_MAX

/* What a session does once connected: its reply in out (at most
 * REPLY_MAX bytes, *len set), 0, or an error (err_msg() says which). */
typedef int (*session_fn)(PGconn *c, const void *arg, char *out, size_t *len);

struct session {
	const char *dir;           /* the engine's folder, with its socket */
	int port;
	const char *user, *db;
	session_fn fn;
	const void *arg;
};

static PGconn *connect_socket(const struct session *s)
{
	char portstr[16];
	const char *const keys[] = { "host", "port", "user", "dbname", "connect_timeout",
				     "application_name", NULL };
	const char *vals[] = { "/", portstr, s->user, s->db, "5", "vpcsim", NULL };
	PGconn *c;

	snprintf(portstr, sizeof(portstr), "%d", s->port);
	c = sym_PQconnectdbParams(keys, vals, 0);
	if (c && sym_PQstatus(c) == CONNECTION_OK)
		return c;
	errf(EIO, "connecting to %s/.s.PGSQL.%d as %s: %s", s->dir, s->port, s->user,
	     c ? sym_PQerrorMessage(c) : "out of memory");
	sym_PQfinish(c);
	return NULL;
}

/* In the chrooted child: connect, then s->fn. */
static int session_in_child(const void *arg, char *out, size_t *len)
{
	const struct session *s = arg;
	PGconn *c = connect_socket(s);
	int err;

	if (!c)
		return -EIO;
	err = s->fn(c, s->arg, out, len);
	sym_PQfinish(c);
	return err;
}

/* Run s in its child; its reply, exactly `size` bytes, in out. */
static int session_run(const struct session *s, void *out, size_t size)
{
	char what[ENGINE_REPLY_MAX];

	if (dlib_load(DLIB_PQ) < 0)
		return -ENOENT;
	snprintf(what, sizeof(what), "%s/.s.PGSQL.%d", s->dir, s->port);
	return engine_session_run(s->dir, what, session_in_child, s, out, size);
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

struct master_arg {
	const char *user, *password;
};

static int create_master_fn(PGconn *c, const void *arg, char *out, size_t *len)
{
	const struct master_arg *m = arg;

	*len = 0;
	return create_master(c, m->user, m->password);
}

int pg_create_master(const char *sock_dir, int port, const char *admin,
		     const char *user, const char *password)
{
	struct master_arg m = { user, password };
	struct session s = { .dir = sock_dir, .port = port, .user = admin, .db = "postgres",
			     .fn = create_master_fn, .arg = &m };

	return session_run(&s, NULL, 0);
}

static int activity_fn(PGconn *c, const void *arg, char *out, size_t *len)
{
	const char *params[1] = { arg };
	struct db_activity a;
	PGresult *r;
	int err = 0;

	r = sym_PQexecParams(c,
			 "SELECT current_setting('max_connections')::int, count(*),"
			 " count(*) FILTER (WHERE state = 'active'),"
			 " count(*) FILTER (WHERE state LIKE 'idle%') FROM pg_stat_activity"
			 " WHERE backend_type = 'client backend' AND usename IS DISTINCT FROM $1",
			 1, NULL, params, NULL, NULL, 0);
	if (sym_PQresultStatus(r) != PGRES_TUPLES_OK || sym_PQntuples(r) != 1) {
		err = errf(EIO, "reading pg_stat_activity: %s", sym_PQerrorMessage(c));
	} else {
		a.max_connections = atoi(sym_PQgetvalue(r, 0, 0));
		a.clients = atoi(sym_PQgetvalue(r, 0, 1));
		a.active = atoi(sym_PQgetvalue(r, 0, 2));
		a.idle = atoi(sym_PQgetvalue(r, 0, 3));
		memcpy(out, &a, sizeof(a));
		*len = sizeof(a);
	}
	sym_PQclear(r);
	return err;
}

int pg_activity_read(const char *sock_dir, int port, const char *admin,
		     struct db_activity *out)
{
	struct session s = { .dir = sock_dir, .port = port, .user = admin, .db = "postgres",
			     .fn = activity_fn, .arg = admin };

	return session_run(&s, out, sizeof(*out));
}
