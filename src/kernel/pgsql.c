/* libpq clients of the engines (pgsql.h). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>


#include "util/dlib.h"
#include "kernel/pgsql.h"
#include "util/err.h"
#include "util/fork_flush.h"

/* ---- sessions from a child chrooted into the engine's folder ----
 *
 * The socket lives in the engine's folder, which the engine's uid owns:
 * it could put a symlink where the socket should be, and a connection
 * made from the host would follow it to any unix socket of the host. So
 * every session is made by a forked child chrooted into that folder
 * as root: whatever is there resolves inside the folder. libpq is loaded before the fork. */

#define REPLY_MAX 4096

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

/* The child's answer: err, then len bytes of reply (or of message). */
struct reply_head {
	int err;
	size_t len;
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

static __attribute__((noreturn)) void session_child(const struct session *s, int fd)
{
	static char out[REPLY_MAX];
	struct reply_head h = { 0, 0 };
	const char *msg;
	PGconn *c = NULL;

	if (chroot(s->dir) < 0 || chdir("/") < 0)
		h.err = errf(errno, "chroot %s: %s", s->dir, strerror(errno));
	if (!h.err && !(c = connect_socket(s)))
		h.err = -EIO;
	if (!h.err)
		h.err = s->fn(c, s->arg, out, &h.len);
	if (c)
		sym_PQfinish(c);
	if (h.err) {
		msg = err_msg();
		h.len = strlen(msg) < REPLY_MAX ? strlen(msg) : REPLY_MAX;
		memcpy(out, msg, h.len);
	}
	_exit(write(fd, &h, sizeof(h)) == sizeof(h) &&
	      write(fd, out, h.len) == (ssize_t)h.len ? 0 : 1);
}

/* Run s in its child; its reply in out[0..*len). */
static int session_run(const struct session *s, char out[REPLY_MAX], size_t *len)
{
	struct reply_head h = { -EIO, 0 };
	char msg[REPLY_MAX + 1];
	int fd[2], status;
	size_t got = 0;
	ssize_t n = 0;
	pid_t pid;

	if (dlib_load(DLIB_PQ) < 0)
		return -ENOENT;
	if (pipe2(fd, O_CLOEXEC) < 0)
		return errf(errno, "pipe: %s", strerror(errno));
	fork_flush();
	pid = fork();
	if (pid == 0) {
		close(fd[0]);
		session_child(s, fd[1]);
	}
	close(fd[1]);
	if (pid < 0) {
		close(fd[0]);
		return errf(errno, "fork: %s", strerror(errno));
	}
	if (read(fd[0], &h, sizeof(h)) != sizeof(h) || h.len > REPLY_MAX)
		h = (struct reply_head){ -EIO, 0 };
	while (got < h.len && (n = read(fd[0], msg + got, h.len - got)) > 0)
		got += (size_t)n;
	close(fd[0]);
	waitpid(pid, &status, 0);
	if (got < h.len)
		return errf(EIO, "talking to %s/.s.PGSQL.%d: the session's child ended early",
			    s->dir, s->port);
	if (h.err) {
		msg[got] = '\0';
		return errf(h.err < 0 ? -h.err : EIO, "%s", msg);
	}
	memcpy(out, msg, got);
	*len = got;
	return 0;
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
	char out[REPLY_MAX];
	size_t len = 0;

	return session_run(&s, out, &len);
}

static int activity_fn(PGconn *c, const void *arg, char *out, size_t *len)
{
	const char *params[1] = { arg };
	struct pg_activity a;
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
		     struct pg_activity *out)
{
	struct session s = { .dir = sock_dir, .port = port, .user = admin, .db = "postgres",
			     .fn = activity_fn, .arg = admin };
	char buf[REPLY_MAX];
	size_t len = 0;
	int err = session_run(&s, buf, &len);

	if (err < 0)
		return err;
	if (len != sizeof(*out))
		return errf(EIO, "reading pg_stat_activity on %s: a short answer", sock_dir);
	memcpy(out, buf, sizeof(*out));
	return 0;
}
