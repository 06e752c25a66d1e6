/* libFuzzer target for the topology parser: any bytes must give either a
 * model or diagnostics, never a crash, a leak or an out-of-bounds read.
 * Build and run: make -C tests/fuzz run */
#include <stddef.h>
#include <stdint.h>

#include "vpcsim/topology.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct diags d = { 0 };
	struct topology *t;

	t = topology_parse("fuzz.json", (const char *)data, size, &d);
	topology_free(t);
	diags_free(&d);
	return 0;
}
