/* Talking to MariaDB (`engine: mysql`) with libmariadb over its unix
 * socket, from a child chrooted into the engine's folder
 * (engine_session.h), as root@localhost, which MariaDB admits by its
 * unix_socket plugin for the OS user root only (no password exists).
 * Passwords are never part of a message. */
#ifndef VPCSIM_MYSQL_H
#define VPCSIM_MYSQL_H

#include "kernel/engine_session.h"

/* Create the master user `user`@'%' with what RDS for MySQL grants its
 * master user (no SUPER, FILE, SHUTDOWN or CONNECTION ADMIN: it gets
 * max_connections like any client, and cannot reach the operating
 * system's files). The server gets only the mysql_native_password hash,
 * computed here (libcrypto's SHA-1, twice); the password itself reaches
 * no server, file or command line. `sock` is the socket's name inside
 * `dir`. */
int mysql_create_master(const char *dir, const char *sock, const char *admin,
			const char *user, const char *password);

/* Client connections of information_schema.PROCESSLIST, the session's
 * own and the server's threads excluded, with @@max_connections. */
int mysql_activity_read(const char *dir, const char *sock, const char *admin,
			struct db_activity *out);

#endif
