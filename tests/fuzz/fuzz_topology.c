/* libFuzzer target for the topology parser: any bytes must give either a
 * model or diagnostics, never a crash, a leak or an out-of-bounds read.
 * The same bytes are also parsed as one security group rule (the RULE of
 * `vpcsim sg`) against a small fixed topology with a peered VPC.
 * Build and run: make -C tests/fuzz run */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "model/topology.h"

static const char rule_topo[] =
	"{ \"name\": \"f\", \"vpcs\": ["
	"  { \"name\": \"a\", \"cidr\": \"10.0.0.0/16\", \"security_groups\": [ { \"name\": \"g\" } ] },"
	"  { \"name\": \"b\", \"cidr\": \"10.1.0.0/16\" } ],"
	"  \"peerings\": [ { \"name\": \"p\", \"vpcs\": [ \"a\", \"b\" ] } ] }";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct topology *rt;
	struct diags d = { 0 };
	struct topology *t;
	struct sg_rule r;

	t = topology_parse("fuzz.json", (const char *)data, size, &d);
	topology_free(t);
	diags_free(&d);
	if (!rt)
		rt = topology_parse("rule.json", rule_topo, strlen(rule_topo), &d);
	diags_free(&d);
	if (rt)
		topology_parse_sg_rule(rt, 0, (const char *)data, size, &r, &d);
	diags_free(&d);
	return 0;
}
