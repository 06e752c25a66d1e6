/* Finding and removing vpcsim objects by the marks they carry, for `clean`
 * and for `down` when the journal is gone: namespaces named vpcsim-*, their
 * /etc/netns folders, pins under /sys/fs/bpf/vpcsim, state under
 * /run/vpcsim, and processes that live inside vpcsim namespaces. Nothing
 * without a mark is ever touched. */
#ifndef VPCSIM_SWEEP_H
#define VPCSIM_SWEEP_H

#include "util/paths.h"

/* Remove every object of topology `topo` (NULL: of every topology) but
 * execution environments, which the caller sweeps first (sandbox_sweep():
 * their /tmp is mounted below the state folder). Returns
 * the number of objects removed, or a negative error for the first failure
 * (it goes on past failures). */
int sweep(const char *topo);

#endif
