/* Names of the kernel objects of a topology, and who owns them.
 *
 * Every namespace of topology TOPO is named
 *
 *     vpcsim-TOPO.KIND[.NAME...]
 *
 * with '.' between the components. Topology and object names match
 * ^[a-z][a-z0-9-]*$ (topology.c checks it) and so never contain '.': the
 * owner of a namespace is the text between "vpcsim-" and the first '.',
 * compared for equality, never as a prefix, and every (kind, names) tuple
 * gives one name only. KIND is one word per kind of namespace:
 *
 *     vpc.VPC             the router of VPC
 *     inet                the simulated internet's router
 *     lambda              the Lambda service VPC's router
 *     res.NAME            resource NAME
 *     host.NAME           internet host NAME
 *     nat.VPC.NAT         NAT gateway NAT of VPC
 *     hpl.VPC.SUBNET.K    the K-th hyperplane ENI of SUBNET in VPC
 *     vpce.VPC.EP         the router of gateway endpoint EP of VPC
 *     vpce.VPC.EP.SUBNET  the ENI of interface endpoint EP in SUBNET
 *     env.ID              execution environment ID (FN-N)
 *     cni.NAME            container NAME's own namespace, only named by us
 *                         while the CNI plugin has it attached (docs/CNI.md)
 *
 * The older scheme, vpcsim-TOPO-KIND-NAME, let topology `a` claim every
 * object of topology `a-b` and let two objects share one name; `clean`
 * still removes such leftovers (any name starting "vpcsim-"), no other verb
 * does. */
#ifndef VPCSIM_NAMES_H
#define VPCSIM_NAMES_H

#include <stdbool.h>
#include <stddef.h>

#include "model/topology.h"

#define NS_PREFIX "vpcsim-"
/* Longest name: "vpcsim-" + 12 + ".nat." + 32 + "." + 32, or
 * ".hpl." + 32 + "." + 32 + "." + digits, with room to spare; well within
 * a file name under /run/netns and /etc/netns. */
#define NS_NAME_MAX 128

/* vpcsim-TOPO.KIND, then ".PART" for each non-NULL part, in order. Returns
 * the length, or -1 if it does not fit (names are validated to fit). */
int ns_name(char *out, size_t size, const char *topo, const char *kind,
	    const char *part1, const char *part2, const char *part3);
/* The topology that owns namespace (or /etc/netns folder) `name`: true and
 * its name in `owner` when `name` is vpcsim-TOPO.KIND... with a valid
 * TOPO; false for anything else, old-scheme names included. */
bool ns_owner(const char *name, char owner[TOPO_NAME_MAX_LEN + 1]);
/* Is `name` an object of topology `topo`? topo NULL: of any vpcsim
 * topology, old-scheme leftovers included (what `clean` sweeps). */
bool ns_owned_by(const char *name, const char *topo);
/* Is `name` our name of a container's namespace (vpcsim-TOPO.cni.NAME)?
 * Its processes are the container runtime's: removing it removes the
 * name only. */
bool ns_is_container(const char *name);
/* Does `s` match ^[a-z][a-z0-9-]{0,max-1}$ (a topology or object name)? */
bool ns_component_ok(const char *s, size_t max);

#endif
