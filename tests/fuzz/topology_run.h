/* What the topology targets share: a topology text through the parser and
 * validator, then the layout and the plan of whatever validates, every
 * allocation freed (fuzz_topology, fuzz_template). */
#ifndef VPCSIM_FUZZ_TOPOLOGY_RUN_H
#define VPCSIM_FUZZ_TOPOLOGY_RUN_H

#include <stddef.h>

#include "model/layout.h"
#include "model/plan.h"
#include "model/topology.h"

static inline void topology_run(const char *file, const char *text, size_t len)
{
	struct diags d = { 0 };
	struct topology *t = topology_parse(file, text, len, &d);
	struct layout L;
	struct plan P;

	if (t && layout_build(t, &L, &d) == 0) {
		if (plan_build(&L, &P) == 0)
			plan_free(&P);
		layout_free(&L);
	} else if (t) {
		layout_free(&L);
	}
	topology_free(t);
	diags_free(&d);
}

#endif
