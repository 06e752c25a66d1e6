/* libFuzzer target: SAM and CloudFormation templates, YAML (libyaml) or
 * JSON (text starting with '{'), through template_import (intrinsics,
 * Globals, conditions, the resource mapping), then whatever topology text
 * comes out through topology_parse, layout_build and plan_build, as
 * `vpcsim import` and `vpcsim up template.yaml` do. Any bytes must give a
 * topology or diagnostics, never a crash, a leak or an out-of-bounds
 * access. The template's folder does not exist, so CodeUri and ImageUri
 * name nothing (the code folder walk is t_templates' work).
 * Build and run: make fuzz (FUZZ_SECONDS per target). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/template.h"
#include "topology_run.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct template_opts o = { .name = "fuzz" };
	struct diags d = { 0 };
	char *topo;

	topo = template_import("/nonexistent/vpcsim-fuzz/template.yaml", (const char *)data, size, &o, &d);
	if (topo)
		topology_run("fuzz.yaml", topo, strlen(topo));
	free(topo);
	diags_free(&d);
	return 0;
}
