/* libFuzzer target: the topology parser and validator, then the layout and
 * the plan of whatever validates. Any bytes must give either a model (and
 * a layout and a plan, or diagnostics from the layout) or diagnostics,
 * never a crash, a leak or an out-of-bounds access.
 * Build and run: make fuzz (FUZZ_SECONDS per target). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "model/layout.h"
#include "model/plan.h"
#include "model/topology.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct diags d = { 0 };
	struct topology *t;
	struct layout L;
	struct plan P;

	t = topology_parse("fuzz.json", (const char *)data, size, &d);
	if (t && layout_build(t, &L, &d) == 0) {
		if (plan_build(&L, &P) == 0)
			plan_free(&P);
		layout_free(&L);
	} else if (t) {
		layout_free(&L);
	}
	topology_free(t);
	diags_free(&d);
	return 0;
}
