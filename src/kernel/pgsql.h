/* Talking to the engines vpcsim runs, with libpq, over their unix sockets
 * in the topology's state folder (never over the network: the host has
 * no path into a VPC). docs/RDS.md.
 *
 * Every session is made by a forked child chrooted into the engine's
 * folder: the engine's uid owns that folder and could put a symlink where
 * its socket should be; inside the chroot it leads nowhere else.
 * PostgreSQL: as the engine's superuser (DB_ADMIN_USER), which pg_hba
 * admits by peer for root.
 * Passwords are never part of a message. */
#ifndef VPCSIM_PGSQL_H
#define VPCSIM_PGSQL_H

#include <sys/types.h>

/* Create the master user: LOGIN CREATEDB, member of pg_monitor and
 * pg_signal_backend, owner of database postgres, with a SCRAM secret
 * computed here by libpq (the password itself never reaches the server,
 * a file or a command line). Not CREATEROLE: on PostgreSQL 15 a
 * CREATEROLE role may grant itself pg_execute_server_program,
 * pg_read_server_files and pg_write_server_files, which reach the
 * operating system; RDS's rds_superuser cannot (docs/RDS.md). */
int pg_create_master(const char *sock_dir, int port, const char *admin,
		     const char *user, const char *password);

struct pg_activity {
	int max_connections;
	int clients;               /* client backends, the admin's own excluded */
	int active, idle;          /* of clients: running a query, idle */
};

int pg_activity_read(const char *sock_dir, int port, const char *admin,
		     struct pg_activity *out);

#endif
