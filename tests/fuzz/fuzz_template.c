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

#include "model/layout.h"
#include "model/plan.h"
#include "model/template.h"
#include "model/topology.h"

static void topology_of(const char *text)
{
	struct diags d = { 0 };
	struct topology *t = topology_parse("fuzz.yaml", text, strlen(text), &d);
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct template_opts o = { .name = "fuzz" };
	struct diags d = { 0 };
	char *topo;

	topo = template_import("/nonexistent/vpcsim-fuzz/template.yaml", (const char *)data, size, &o, &d);
	if (topo)
		topology_of(topo);
	free(topo);
	diags_free(&d);
	return 0;
}
