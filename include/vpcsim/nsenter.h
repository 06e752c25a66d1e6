/* Enter a named network namespace for a moment, without the netns module.
 *
 * For code that needs one socket or one setns() in a node's namespace and
 * nothing else (the responder, probes, processes started in nodes): a plain
 * open("/run/netns/NAME") + setns(CLONE_NEWNET). Sockets keep the namespace
 * they were created in, so a caller enters, creates its socket, and restores
 * at once. Applies to the calling thread only. */
#ifndef VPCSIM_NSENTER_H
#define VPCSIM_NSENTER_H

#include <stdbool.h>

/* A namespace name must be a single path component under /run/netns:
 * non-empty, shorter than NETNS_NAME_MAX, no '/', not "." or "..". */
bool nsenter_name_ok(const char *netns);

/* Switch the calling thread into /run/netns/NETNS. On success *saved holds
 * a fd of the namespace the thread was in, for nsenter_restore(); pass
 * saved == NULL to switch for good (before exec). Returns 0, or -errno with
 * err_msg() naming the namespace (-ENOENT: no such namespace). */
int nsenter_net(const char *netns, int *saved);

/* Switch back to the namespace saved by nsenter_net() and close the fd.
 * A failure here would leave the thread in the wrong namespace, which is
 * not recoverable: it aborts. saved < 0 is a no-op. */
void nsenter_restore(int saved);

#endif
