/* The plan steps that run database engines and proxies (STEP_DB_INIT,
 * STEP_DB_START, STEP_PROXY_START), and the check `up` makes before it
 * creates anything. docs/RDS.md.
 *
 * Everything a step creates is journaled before or as it is created: the
 * engine's folder (a `tree` entry, so its data goes with it) and the
 * process (pid + start time; PostgreSQL with SIGINT, its fast shutdown). */
#ifndef VPCSIM_ENGINE_STEPS_H
#define VPCSIM_ENGINE_STEPS_H

#include "model/layout.h"
#include "state/journal.h"

/* Whether every program and user the topology's engines need is there;
 * the error names the Debian package to install. */
int engine_preflight(const struct topology *t);

int engine_step_db_init(const struct layout *L, int node, const char *state_dir,
			struct journal *J);
int engine_step_db_start(const struct layout *L, int node, const char *state_dir,
			 struct journal *J);
int engine_step_proxy_start(const struct layout *L, int node, const char *state_dir,
			    struct journal *J);

#endif
