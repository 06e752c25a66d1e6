/* RDS DB instance classes: the memory AWS's hardware table gives each
 * class, and the max_connections RDS derives from it (docs/RDS.md).
 *
 * RDS sets PostgreSQL's max_connections to
 *     LEAST({DBInstanceClassMemory/9531392}, 5000)
 * where DBInstanceClassMemory is the memory left to the database process:
 * the class's memory less a reservation for the OS and RDS's own
 * processes that AWS does not publish. vpcsim uses the class's whole
 * memory (as the published third-party tables do: db.t4g.micro, 1 GiB,
 * gives 112), so its figure is a little above RDS's. RDS for MySQL's
 * default is {DBInstanceClassMemory/12582880}, computed the same way.
 * Pure data. */
#ifndef VPCSIM_DB_CLASS_H
#define VPCSIM_DB_CLASS_H

#include <stddef.h>

struct db_class {
	const char *name;          /* "db.t3.micro" */
	int vcpus;
	int memory_mib;
};

/* The class named `name`, or NULL if vpcsim does not know it. */
const struct db_class *db_class_find(const char *name);

/* PostgreSQL's max_connections for the class: LEAST(memory/9531392, 5000). */
int db_class_max_connections_postgres(const struct db_class *c);

/* MySQL's (RDS for MySQL's default parameter group): memory/12582880,
 * no cap (the largest class gives 87381, under MySQL's 100000). */
int db_class_max_connections_mysql(const struct db_class *c);

/* The families vpcsim knows, for a message: "db.t3.*, db.t4g.*, ...". */
const char *db_class_families(void);

#endif
