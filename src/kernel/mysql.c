/* libmariadb clients of MariaDB engines (mysql.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/mysql.h"
#include "util/dlib.h"
#include "util/err.h"

#define CONNECT_TIMEOUT_S 5
#define SHA1_LEN 20

/* What a session does once connected (as pgsql.c's). */
typedef int (*mysql_fn)(MYSQL *m, const void *arg, char *out, size_t *len);

struct msession {
	const char *dir, *sock, *user;
	mysql_fn fn;
	const void *arg;
};

static int session_in_child(const void *arg, char *out, size_t *len)
{
	const struct msession *s = arg;
	unsigned int timeout = CONNECT_TIMEOUT_S;
	char path[256];
	MYSQL *m = sym_mysql_init(NULL);
	int err;

	if (!m)
		return errf(ENOMEM, "mysql_init");
	snprintf(path, sizeof(path), "/%s", s->sock);
	sym_mysql_options(m, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
	if (!sym_mysql_real_connect(m, NULL, s->user, NULL, NULL, 0, path, 0)) {
		err = errf(EIO, "connecting to %s/%s as %s: %s", s->dir, s->sock, s->user,
			   sym_mysql_error(m));
		sym_mysql_close(m);
		return err;
	}
	err = s->fn(m, s->arg, out, len);
	sym_mysql_close(m);
	return err;
}

/* Run s in its child; its reply, exactly `size` bytes, in out. */
static int session_run(const struct msession *s, void *out, size_t size)
{
	char what[ENGINE_REPLY_MAX];

	if (dlib_load(DLIB_MARIADB) < 0 || dlib_load(DLIB_CRYPTO) < 0)
		return -ENOENT;
	snprintf(what, sizeof(what), "%s/%s", s->dir, s->sock);
	return engine_session_run(s->dir, what, session_in_child, s, out, size);
}

/* One statement; the error names `what`, never the statement (it may
 * hold a password's hash). */
static int query_ok(MYSQL *m, const char *sql, const char *what)
{
	return sym_mysql_query(m, sql) ? errf(EIO, "%s: %s", what, sym_mysql_error(m)) : 0;
}

/* mysql_native_password's stored form: '*' and the upper-case hex of
 * SHA1(SHA1(password)), what PASSWORD() returns. */
static int native_hash(const char *password, char out[2 * SHA1_LEN + 2])
{
	unsigned char a[SHA1_LEN], b[SHA1_LEN];

	if (!sym_EVP_Digest(password, strlen(password), a, NULL, sym_EVP_sha1(), NULL) ||
	    !sym_EVP_Digest(a, SHA1_LEN, b, NULL, sym_EVP_sha1(), NULL))
		return errf(EIO, "hashing the master password (SHA-1)");
	out[0] = '*';
	for (int i = 0; i < SHA1_LEN; i++)
		snprintf(out + 1 + 2 * i, 3, "%02X", b[i]);
	explicit_bzero(a, sizeof(a));
	return 0;
}

struct master_arg {
	const char *user, *password;
};

/* RDS for MySQL's master user privileges (the user name is validated:
 * letters, digits and '_', so it needs no escaping; the hash is hex). */
static int create_master_fn(MYSQL *m, const void *arg, char *out, size_t *len)
{
	static const char privs[] =
		"SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, RELOAD, PROCESS, REFERENCES, "
		"INDEX, ALTER, SHOW DATABASES, CREATE TEMPORARY TABLES, LOCK TABLES, EXECUTE, "
		"REPLICATION SLAVE, REPLICATION CLIENT, CREATE VIEW, SHOW VIEW, CREATE ROUTINE, "
		"ALTER ROUTINE, CREATE USER, EVENT, TRIGGER";
	const struct master_arg *a = arg;
	char hash[2 * SHA1_LEN + 2], sql[512];
	int err = native_hash(a->password, hash);

	*len = 0;
	if (err < 0)
		return err;
	snprintf(sql, sizeof(sql), "CREATE USER '%s'@'%%' IDENTIFIED BY PASSWORD '%s'", a->user,
		 hash);
	err = query_ok(m, sql, "creating the master user");
	snprintf(sql, sizeof(sql), "GRANT %s ON *.* TO '%s'@'%%' WITH GRANT OPTION", privs, a->user);
	if (!err)
		err = query_ok(m, sql, "granting the master user its privileges");
	explicit_bzero(hash, sizeof(hash));
	return err;
}

int mysql_create_master(const char *dir, const char *sock, const char *admin,
			const char *user, const char *password)
{
	struct master_arg a = { user, password };
	struct msession s = { dir, sock, admin, create_master_fn, &a };

	return session_run(&s, NULL, 0);
}

static int activity_fn(MYSQL *m, const void *arg, char *out, size_t *len)
{
	struct db_activity a;
	MYSQL_RES *res;
	MYSQL_ROW row;
	int err = query_ok(m, "SELECT @@max_connections, COUNT(*),"
			   " COALESCE(SUM(COMMAND <> 'Sleep'), 0), COALESCE(SUM(COMMAND = 'Sleep'), 0)"
			   " FROM information_schema.PROCESSLIST WHERE ID <> CONNECTION_ID()"
			   " AND COMMAND <> 'Daemon' AND USER <> 'system user'",
			   "reading information_schema.PROCESSLIST");

	if (err < 0)
		return err;
	res = sym_mysql_store_result(m);
	row = res ? sym_mysql_fetch_row(res) : NULL;
	if (!row || !row[0] || !row[1] || !row[2] || !row[3]) {
		if (res)
			sym_mysql_free_result(res);
		return errf(EIO, "reading information_schema.PROCESSLIST: no row");
	}
	a = (struct db_activity){ atoi(row[0]), atoi(row[1]), atoi(row[2]), atoi(row[3]) };
	sym_mysql_free_result(res);
	memcpy(out, &a, sizeof(a));
	*len = sizeof(a);
	return 0;
}

int mysql_activity_read(const char *dir, const char *sock, const char *admin,
			struct db_activity *out)
{
	struct msession s = { dir, sock, admin, activity_fn, NULL };

	return session_run(&s, out, sizeof(*out));
}
