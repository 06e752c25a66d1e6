/* The data plane's ENI table entry (struct dp_eni) of an attachment,
 * computed without the kernel. One function, so `up`, `sg`, per-sandbox
 * environments and the reach analysis (model/reach.c) all judge an ENI by
 * the very same flags, subnet and group ids. */
#ifndef VPCSIM_ENI_ENTRY_H
#define VPCSIM_ENI_ENTRY_H

#include "model/layout.h"
#include "model/policy.h"

/* Fill *out for VPC attachment `a` (in the layout or not: a per-sandbox
 * ENI of an execution environment has a->node == -1). Flags: the groups'
 * *_OPEN flags from `pol`, HAS_PUBLIC_IP, NO_INBOUND for a hyperplane ENI
 * (which then has no *_OPEN flag), SRC_DST_CHECK_EXEMPT and
 * NO_SECURITY_GROUPS for a NAT gateway. */
void eni_entry_build(const struct layout *L, const struct policy *pol,
		     const struct attachment *a, struct dp_eni *out);

/* The global group ids of attachment a's groups into ids (>= ENI_SG_MAX
 * slots); returns their number. */
int eni_group_ids(const struct layout *L, const struct attachment *a, uint16_t *ids);

#endif
