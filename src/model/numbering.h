/* The address pools and interface numbering the layout hands out: constants
 * only, shared by the layout (layout.c) and by the validation of its limits
 * (topology_limits.c), which must refuse a file the layout could not
 * number. */
#ifndef VPCSIM_NUMBERING_H
#define VPCSIM_NUMBERING_H

#define PUBLIC_POOL "198.51.100.0/24"
#define LINK_POOL "169.254.0.0/17" /* /30 per router link */

/* Interface indexes we choose in router namespaces, so the BPF maps and the
 * routes can be written without asking the kernel. */
#define IFINDEX_LINK_BASE 100      /* + link index */
#define IFINDEX_ATT_BASE 1000      /* + attachment index within its router */

#endif
