/* Every host path vpcsim uses, in one place: the roots it owns or shares
 * and the functions that build a topology's paths below them. No other
 * file spells a host path (scripts/check-layers.sh greps for it).
 *
 *   /run/vpcsim/TOPO               state folder of a topology (state.h)
 *   /run/vpcsim/TOPO/envs/ENV      an execution environment (sandbox.h)
 *   /sys/fs/bpf/vpcsim/TOPO/VPC    pins of a VPC's data plane
 *   /run/netns/NAME                named network namespaces (ip-netns(8))
 *   /etc/netns/NAME/FILE           files bind-mounted over /etc/FILE in
 *                                  processes of namespace NAME (ip-netns)
 *   /sys/fs/cgroup...              cgroup roots; vpcsim's groups live in
 *                                  ROOT/vpcsim/TOPO/ENV (cgroup.h)
 *
 * The builders write at most `len` bytes, NUL-terminated, and return what
 * snprintf returns (names are checked elsewhere to fit). */
#ifndef VPCSIM_PATHS_H
#define VPCSIM_PATHS_H

#include <stddef.h>

#define STATE_ROOT     "/run/vpcsim"
#define BPFFS_ROOT     "/sys/fs/bpf"
#define PIN_ROOT       BPFFS_ROOT "/vpcsim"
#define NETNS_RUN_DIR  "/run/netns"
#define ETC_NETNS      "/etc/netns"
/* Longest namespace name + 1 (a file name below NETNS_RUN_DIR). */
#define NETNS_NAME_MAX 128

/* Debian's bundle of the system's trusted CAs (ca-certificates). */
#define SYSTEM_CA_BUNDLE "/etc/ssl/certs/ca-certificates.crt"

/* cgroup v2 at the usual place, v2 beside v1 (hybrid hosts), and the v1
 * hierarchies vpcsim uses; CGROUP_FOLDER is our folder in each. */
#define CGROUP_ROOT           "/sys/fs/cgroup"
#define CGROUP_UNIFIED_ROOT   CGROUP_ROOT "/unified"
#define CGROUP_V1_MEMORY_ROOT CGROUP_ROOT "/memory"
#define CGROUP_V1_FREEZE_ROOT CGROUP_ROOT "/freezer"
#define CGROUP_V1_CPU_ROOT    CGROUP_ROOT "/cpu"
#define CGROUP_FOLDER         "vpcsim"

/* STATE_ROOT/TOPO */
int path_state_dir(char *out, size_t len, const char *topo);
/* STATE_ROOT/TOPO/journal: what `up` made (state/journal.h) */
int path_journal(char *out, size_t len, const char *topo);
/* STATE_ROOT/TOPO/envs/ENV */
int path_env_dir(char *out, size_t len, const char *topo, const char *env_id);
/* PIN_ROOT/TOPO, or PIN_ROOT/TOPO/VPC when vpc is not NULL */
int path_pin_dir(char *out, size_t len, const char *topo, const char *vpc);
/* NETNS_RUN_DIR/NAME */
int path_netns(char *out, size_t len, const char *netns);
/* ETC_NETNS/NAME, or ETC_NETNS/NAME/FILE when file is not NULL */
int path_etc_netns(char *out, size_t len, const char *netns, const char *file);

/* A folder vpcsim ships beside its binary, FOLDER (e.g. "runtimes"): the
 * environment variable ENV when set, else EXE_DIR/../FOLDER (a checkout)
 * or EXE_DIR/../lib/vpcsim/FOLDER (`make install`), the first holding the
 * file PROBE (relative to the folder); its real path goes to out. 0, or
 * -ENOENT with the message naming both places and the variable. */
int path_bundled(char *out, size_t len, const char *env, const char *folder,
		 const char *probe);

#endif
