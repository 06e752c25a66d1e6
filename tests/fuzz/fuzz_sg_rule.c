/* libFuzzer target: one security group rule as `vpcsim sg` reads it (the
 * RULE argument), against a fixed topology with a peered VPC, so group
 * references (same VPC, peered VPC, unknown) resolve. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "model/topology.h"

static const char rule_topo[] =
	"{ \"name\": \"f\", \"vpcs\": ["
	"  { \"name\": \"a\", \"cidr\": \"10.0.0.0/16\", \"security_groups\": [ { \"name\": \"g\" },"
	"    { \"name\": \"h\" } ] },"
	"  { \"name\": \"b\", \"cidr\": \"10.1.0.0/16\", \"security_groups\": [ { \"name\": \"g\" } ] } ],"
	"  \"peerings\": [ { \"name\": \"p\", \"vpcs\": [ \"a\", \"b\" ] } ] }";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct topology *rt;
	struct diags d = { 0 };
	struct sg_rule r;

	if (!rt) {
		rt = topology_parse("rule.json", rule_topo, strlen(rule_topo), &d);
		diags_free(&d);
		if (!rt)
			__builtin_trap();
	}
	topology_parse_sg_rule(rt, 0, (const char *)data, size, &r, &d);
	diags_free(&d);
	topology_parse_sg_rule(rt, 1, (const char *)data, size, &r, &d);
	diags_free(&d);
	return 0;
}
