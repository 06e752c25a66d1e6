/* Talking to PostgreSQL with libpq over its unix socket, from a child
 * chrooted into the engine's folder (engine_session.h), as the engine's
 * superuser (DB_ADMIN_USER), which pg_hba admits by peer for root.
 * Passwords are never part of a message. */
#ifndef VPCSIM_PGSQL_H
#define VPCSIM_PGSQL_H

#include <sys/types.h>

#include "kernel/engine_session.h"

/* Create the master user: LOGIN CREATEDB, member of pg_monitor and
 * pg_signal_backend, owner of database postgres, with a SCRAM secret
 * computed here by libpq (the password itself never reaches the server,
 * a file or a command line). Not CREATEROLE: on PostgreSQL 15 a
 * CREATEROLE role may grant itself pg_execute_server_program,
 * pg_read_server_files and pg_write_server_files, which reach the
 * operating system; RDS's rds_superuser cannot (docs/RDS.md). */
int pg_create_master(const char *sock_dir, int port, const char *admin,
		     const char *user, const char *password);

/* Client backends of pg_stat_activity, the admin's own excluded. */
int pg_activity_read(const char *sock_dir, int port, const char *admin,
		     struct db_activity *out);

#endif
