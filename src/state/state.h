/* The state of topologies that are up: /run/vpcsim/<topo>/ holds the
 * topology file as it was brought up (topology.json), the journal, and
 * logs/. Everything else (addresses, names, ids) is derived again from the
 * topology by the layout, so there is nothing else to keep in sync. */
#ifndef VPCSIM_STATE_H
#define VPCSIM_STATE_H

#include <stdbool.h>

#include "model/layout.h"
#include "util/paths.h"

#define STATE_PATH_MAX 512

void state_dir(const char *topo, char out[STATE_PATH_MAX]);
/* Create the state folder of `topo` (it must not exist; root's only, 0700),
 * its logs/, and topology.json holding `text`: the very bytes `up` parsed
 * and checked (never the file read again), mode 0600, that every later
 * command reads. */
int state_prepare(const char *topo, const char *text, size_t len);
/* Take the lock that serialises commands changing any topology (flock on
 * /run/vpcsim/.lock); held until the process exits or state_unlock().
 * The lock is the calling thread's: two threads of a process exclude each
 * other as two processes do (a thread that holds it may take it again). */
int state_lock(void);
/* Release it early (invoke: choosing an environment is serialised, the
 * invoke itself is not). */
void state_unlock(void);
/* In a child forked while the lock was held (the AWS zone's front, forked
 * by `up`): the lock is the parent's, and its descriptor number may name
 * another file here; forget it without closing it, so that the child's
 * own state_lock() locks. */
void state_lock_forget(void);
bool state_is_up(const char *topo);
/* Names of topologies that are up, sorted; returns the count (<= max). */
int state_list(char names[][TOPO_NAME_MAX_LEN + 1], int max);
/* The topology a command means: `name` if given, else the only one up.
 * Errors name the choices: -ENOENT for a name that is not up (or none up),
 * -EINVAL when several are up and none was named, -EACCES when the
 * caller may not read the state (not root). */
int state_pick(const char *name, char out[TOPO_NAME_MAX_LEN + 1]);

/* A topology that is up, loaded again with its layout. */
struct live {
	char name[TOPO_NAME_MAX_LEN + 1];
	char dir[STATE_PATH_MAX];
	struct topology *t;
	struct layout L;
};
/* Errors as state_pick, or -EIO when the saved topology no longer loads. */
int live_open(const char *name, struct live *lv);
void live_close(struct live *lv);

#endif
