/* libFuzzer target: the topology parser and validator, then the layout and
 * the plan of whatever validates. Any bytes must give either a model (and
 * a layout and a plan, or diagnostics from the layout) or diagnostics,
 * never a crash, a leak or an out-of-bounds access.
 * Build and run: make fuzz (FUZZ_SECONDS per target). */
#include <stddef.h>
#include <stdint.h>

#include "topology_run.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	topology_run("fuzz.json", (const char *)data, size);
	return 0;
}
