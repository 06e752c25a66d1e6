/* An in-memory index of one topology's execution environments, kept by
 * the process that makes and reuses most of them (`serve`), so that an
 * acquire or a release costs the same with 1,000 environments as with one
 * (issue 22): no directory listing, no meta file read, no lock probe of
 * every environment.
 *
 * The files under /run/vpcsim/T/envs stay the truth (env.h): the index is
 * a cache of them, rebuilt from a listing at the start and whenever
 * another process changed what it caches (env.c: the generation file
 * envs/.gen, bumped under the allocation lock by every creation and every
 * acquisition, by any process). An environment's own lock stays what
 * makes it busy: the index only says which ones to try first.
 *
 * What it keeps per environment: its meta, whether this process holds it
 * (`held`: an invoke of ours runs in it) or another process held it when
 * last tried (`foreign`). Idle candidates of each function are a list,
 * the most recently released first (the warmest, and the others age
 * towards the supervisor's idle reclaim). The e<k>, addresses and id
 * numbers in use are hash sets, so a new environment's are found without
 * reading anything. Pure memory: no system call, unit-tested
 * (test_env_index). Not thread-safe: the caller locks. */
#ifndef VPCSIM_ENV_INDEX_H
#define VPCSIM_ENV_INDEX_H

#include <stdbool.h>
#include <stdint.h>

#include "lambda/env.h"

struct env_index_entry {
	struct env_meta m;
	bool held;                 /* this process holds its lock */
	bool foreign;              /* another process held it when last tried */
	int fn, router;            /* slots in the index's name tables */
	int pos;                   /* in the index's dense array */
	struct env_index_entry *prev, *next;  /* its function's idle list */
	struct env_index_entry *hnext;        /* id hash chain */
};

struct env_index;

struct env_index *env_index_new(void);
void env_index_free(struct env_index *ix);
/* Forget every environment (before a rebuild from a listing). */
void env_index_clear(struct env_index *ix);
/* Add m; held as this process's, else idle (foreign: busy elsewhere).
 * -EEXIST when its id is there, -ENOMEM. */
int env_index_add(struct env_index *ix, const struct env_meta *m, bool held, bool foreign);
struct env_index_entry *env_index_find(const struct env_index *ix, const char *id);
void env_index_remove(struct env_index *ix, struct env_index_entry *e);
/* Held by this process, or let go (then first in its function's list). */
void env_index_hold(struct env_index *ix, struct env_index_entry *e, bool held);
void env_index_set_foreign(struct env_index *ix, struct env_index_entry *e, bool foreign);
/* Function fn's environments not held here, most recently let go first
 * (walk with ->next), or NULL. */
struct env_index_entry *env_index_idle(const struct env_index *ix, const char *fn);
/* Every environment, in no order: i from 0 while it returns non-NULL
 * (the cursor is the caller's int, set to 0 first). */
struct env_index_entry *env_index_each(const struct env_index *ix, int *cursor);

/* Counts, for fn or (NULL) all: environments, held here, busy (held here
 * or foreign). */
int env_index_count(const struct env_index *ix, const char *fn);
int env_index_held(const struct env_index *ix, const char *fn);
int env_index_busy(const struct env_index *ix, const char *fn);

/* In use by an indexed environment: e<k> of router, address ip of vpc
 * (-1: the Lambda service CIDR), id number n of function fn (FN-n). */
bool env_index_k_used(const struct env_index *ix, const char *router, int k);
bool env_index_ip_used(const struct env_index *ix, int vpc, uint32_t ip);
bool env_index_id_used(const struct env_index *ix, const char *fn, int n);

#endif
