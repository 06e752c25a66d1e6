/* Where Node.js's own module search finds the SDK the runtime ships and
 * the layers' packages, for ES modules too.
 *
 * Lambda's Node.js runtimes (18 and later) look for a bare `import` that
 * Node cannot find from the importing file in the NODE_PATH folders too:
 * /opt/nodejs/nodeNN/node_modules, /opt/nodejs/node_modules (the layers),
 * /var/runtime/node_modules (the SDK v3). Node 20's ES module loader
 * ignores NODE_PATH, and a resolve hook (node:module register()) costs a
 * second Node start on a thread of its own at every cold start. Instead,
 * the jail gets two links where Node's search from /var/task looks after
 * the code's own node_modules:
 *
 *   /var/node_modules -> /opt/nodejs/node_modules (or nodeNN's, when only
 *                        that one is in the layers)
 *   /node_modules     -> /var/runtime/node_modules
 *
 * Same order as NODE_PATH (the layers, then the SDK), for `require` too,
 * and the same files: Node resolves a module through the link to its real
 * path (/opt/..., /var/runtime/...), so its own imports are looked up as
 * before. The targets are read inside the jail only.
 *
 * No links (the runtime client then registers its resolve hook, exact but
 * slow) when they could not give NODE_PATH's order: the function sets
 * NODE_PATH itself, or the layers may hold both nodejs/nodeNN/node_modules
 * and nodejs/node_modules (three folders for two places), or a layer's
 * path to them is a symbolic link or cannot be read (not followed as
 * root: counted as there). */
#ifndef VPCSIM_NODE_LINKS_H
#define VPCSIM_NODE_LINKS_H

#include "kernel/jail.h"
#include "lambda/sup_cfg.h"

struct node_links {
	struct jail_link link[JAIL_LINKS_MAX];
	int n;                     /* 0: none */
	char layers[64];           /* /var/node_modules's target */
};

/* The links for c's runtime (a Node.js code package; none for anything
 * else). Only system calls and fixed buffers: safe in a child forked
 * from a threaded process. */
void node_links_make(const struct sup_cfg *c, struct node_links *out);

#endif
