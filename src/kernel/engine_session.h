/* Sessions with the engines vpcsim runs, over their unix sockets in the
 * topology's state folder (never over the network: the host has no path
 * into a VPC). docs/RDS.md.
 *
 * The socket lives in the engine's folder, which the engine's uid owns:
 * it could put a symlink where the socket should be, and a connection
 * made from the host would follow it to any unix socket of the host. So
 * every session is made by a forked child chrooted into that folder, as
 * root: whatever is there resolves inside the folder. The client library
 * (libpq, libmariadb) is loaded before the fork. pgsql.c and mysql.c are
 * the two clients. */
#ifndef VPCSIM_ENGINE_SESSION_H
#define VPCSIM_ENGINE_SESSION_H

#include <stddef.h>

#define ENGINE_REPLY_MAX 4096

/* What the chrooted child does: its reply in out (at most
 * ENGINE_REPLY_MAX bytes, *len set), 0, or an error (err_msg() says
 * which). */
typedef int (*engine_session_fn)(const void *arg, char *out, size_t *len);

/* Run fn(arg) in a child chrooted into `dir`; its reply, which must be
 * exactly `size` bytes (one value, a struct db_activity say; 0: none), in
 * out. `what` names the session in an error ("talking to WHAT"). */
int engine_session_run(const char *dir, const char *what, engine_session_fn fn,
		       const void *arg, void *out, size_t size);

/* What status shows of a database's connections. */
struct db_activity {
	int max_connections;
	int clients;               /* client connections, the admin's own excluded */
	int active, idle;          /* of clients: running a statement, idle */
};

#endif
