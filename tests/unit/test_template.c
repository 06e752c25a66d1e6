/* Templates: YAML short forms, intrinsic functions, SAM Globals, the
 * mapping to a topology and the errors of bad templates (model/template.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <cJSON.h>

#include "model/template.h"

/* The topology of YAML text t (as file "t.yaml"), parsed; NULL on error. */
static cJSON *import_yaml(const char *t, const cJSON *over, struct diags *d)
{
	struct template_opts o = { .name = "t", .overrides = over };
	char *s = template_import("/tmp/t.yaml", t, strlen(t), &o, d);
	cJSON *j = s ? cJSON_Parse(s) : NULL;

	free(s);
	return j;
}

static const char *diag_with(const struct diags *d, const char *code)
{
	for (int i = 0; i < d->n; i++)
		if (!strcmp(d->items[i].code, code))
			return d->items[i].path;
	return NULL;
}

static const char *str_at(const cJSON *j, const char *a, int i, const char *b)
{
	const cJSON *v = cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(j, a), i), b);

	return cJSON_IsString(v) ? v->valuestring : "";
}

static void test_kebab(void **state)
{
	char b[64];

	(void)state;
	template_kebab("OrdersFunction", b, sizeof(b));
	assert_string_equal(b, "orders-function");
	template_kebab("NATGateway1", b, sizeof(b));
	assert_string_equal(b, "nat-gateway1");
	template_kebab("VPC", b, sizeof(b));
	assert_string_equal(b, "vpc");
}

#define VPC "Resources:\n  Vpc:\n    Type: AWS::EC2::VPC\n    Properties: {CidrBlock: !Ref Cidr}\n"

/* Ref of a parameter (default, then override), Sub, Join, Select, GetAZs,
 * Split, If with Equals/Not/And/Or. */
static void test_intrinsics(void **state)
{
	const char *t =
		"Parameters:\n  Cidr: {Type: String, Default: 10.1.0.0/16}\n"
		"  Env: {Type: String, Default: prod}\n"
		"Conditions:\n  IsProd: !Equals [!Ref Env, prod]\n"
		"  Both: !And [!Condition IsProd, !Not [!Equals [a, b]]]\n"
		"  Either: !Or [!Equals [x, y], !Condition Both]\n"
		VPC
		"  Sub1:\n    Type: AWS::EC2::Subnet\n    Properties:\n      VpcId: !Ref Vpc\n"
		"      CidrBlock: !If [Either, !Select [1, !Split [',', '10.1.0.0/24,10.1.1.0/24']], 10.1.9.0/24]\n"
		"      AvailabilityZone: !Select [2, !GetAZs '']\n"
		"  Sg:\n    Type: AWS::EC2::SecurityGroup\n    Properties:\n      VpcId: !Ref Vpc\n"
		"      GroupDescription: !Sub '${Env} in ${AWS::Region}/${AWS::AccountId} ${Vpc} ${!Lit}'\n"
		"      SecurityGroupEgress:\n        - {IpProtocol: -1, CidrIp: !Join ['/', ['10.0.0.0', '8']]}\n";
	struct diags d = { 0 };
	cJSON *j = import_yaml(t, NULL, &d), *v, *over;

	(void)state;
	assert_non_null(j);
	v = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "vpcs"), 0);
	assert_string_equal(cJSON_GetObjectItem(v, "cidr")->valuestring, "10.1.0.0/16");
	assert_string_equal(str_at(v, "subnets", 0, "cidr"), "10.1.1.0/24");
	assert_string_equal(str_at(v, "security_groups", 0, "description"),
			    "prod in us-east-1/123456789012 vpc ${Lit}");
	assert_string_equal(str_at(cJSON_GetArrayItem(cJSON_GetObjectItem(v, "security_groups"), 0),
				   "egress", 0, "cidr"), "10.0.0.0/8");
	assert_string_equal(diag_with(&d, "NotMapped"), "Resources.Sub1.Properties.AvailabilityZone");
	cJSON_Delete(j);
	diags_free(&d);
	/* Overrides: the condition turns false. */
	over = cJSON_CreateObject();
	cJSON_AddStringToObject(over, "Env", "dev");
	cJSON_AddStringToObject(over, "Cidr", "10.1.0.0/16");
	memset(&d, 0, sizeof(d));
	j = import_yaml(t, over, &d);
	assert_non_null(j);
	v = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "vpcs"), 0);
	assert_string_equal(str_at(v, "subnets", 0, "cidr"), "10.1.9.0/24");
	cJSON_Delete(j);
	cJSON_Delete(over);
	diags_free(&d);
}

/* SAM Globals: primitives replaced, maps merged, lists prepended. */
static void test_globals(void **state)
{
	const char *t =
		"Parameters:\n  Cidr: {Type: String, Default: 10.2.0.0/16}\n"
		"Globals:\n  Function:\n    Timeout: 9\n    MemorySize: 512\n"
		"    Environment: {Variables: {A: g, B: g}}\n"
		VPC
		"  S1:\n    Type: AWS::EC2::Subnet\n    Properties: {VpcId: !Ref Vpc, CidrBlock: 10.2.1.0/24}\n"
		"  G1:\n    Type: AWS::EC2::SecurityGroup\n    Properties: {VpcId: !Ref Vpc, GroupDescription: x}\n"
		"  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      MemorySize: 1024\n"
		"      FunctionName: Orders\n      Environment: {Variables: {B: mine, H: !Ref G1}}\n"
		"      VpcConfig: {SubnetIds: [!Ref S1], SecurityGroupIds: [!GetAtt G1.GroupId]}\n";
	struct diags d = { 0 };
	cJSON *j = import_yaml(t, NULL, &d), *fn, *env;

	(void)state;
	assert_non_null(j);
	fn = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "functions"), 0);
	assert_string_equal(cJSON_GetObjectItem(fn, "name")->valuestring, "orders");
	assert_int_equal(cJSON_GetObjectItem(fn, "timeout_s")->valueint, 9);
	assert_int_equal(cJSON_GetObjectItem(fn, "memory_mb")->valueint, 1024);
	env = cJSON_GetObjectItem(fn, "environment");
	assert_string_equal(cJSON_GetObjectItem(env, "A")->valuestring, "g");
	assert_string_equal(cJSON_GetObjectItem(env, "B")->valuestring, "mine");
	assert_string_equal(cJSON_GetObjectItem(env, "H")->valuestring, "g1");
	assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetObjectItem(fn,
		"vpc_config"), "security_groups"), 0)->valuestring, "g1");
	cJSON_Delete(j);
	diags_free(&d);
}

/* Bad templates: each error names its path and the template is refused. */
static void test_errors(void **state)
{
	static const struct { const char *text, *code, *path; } cases[] = {
		{ "Resources: {Vpc: {Type: AWS::EC2::VPC, Properties: {CidrBlock: [1}}}\n",
		  "InvalidTemplate", "" },
		{ "Resources:\n  S:\n    Type: AWS::EC2::Subnet\n    Properties: {VpcId: !Ref Nope, CidrBlock: 10.0.0.0/24}\n",
		  "UnresolvedReference", "Resources.S.Properties.VpcId" },
		{ "Resources:\n  S:\n    Type: AWS::EC2::Subnet\n    Properties: {VpcId: !ImportValue x, CidrBlock: 10.0.0.0/24}\n",
		  "UnsupportedFunction", "Resources.S.Properties.VpcId" },
		{ "Resources:\n  A: {Type: AWS::EC2::VPC, Properties: {CidrBlock: !GetAtt B.CidrBlock}}\n"
		  "  B: {Type: AWS::EC2::VPC, Properties: {CidrBlock: !Sub '${A.CidrBlock}'}}\n",
		  "CircularDependency", "Resources" },
		{ "Resources:\n  A: {Type: AWS::EC2::VPC, Properties: {CidrBlock: !Select [3, [a]]}}\n",
		  "InvalidTemplate", "Resources.A.Properties.CidrBlock" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct diags d = { 0 };
		cJSON *j = import_yaml(cases[i].text, NULL, &d);

		if (j || !diag_with(&d, cases[i].code) ||
		    strcmp(diag_with(&d, cases[i].code), cases[i].path))
			fail_msg("case %zu: want %s at '%s'", i, cases[i].code, cases[i].path);
		diags_free(&d);
	}
}

/* An unknown type is a warning, the rest still maps. */
static void test_unknown_type(void **state)
{
	const char *t = "Parameters:\n  Cidr: {Type: String, Default: 10.3.0.0/16}\n" VPC
			"  Q:\n    Type: AWS::SQS::Queue\n";
	struct diags d = { 0 };
	cJSON *j = import_yaml(t, NULL, &d);

	(void)state;
	assert_non_null(j);
	assert_int_equal(d.n_errors, 0);
	assert_string_equal(diag_with(&d, "NotMapped"), "Resources.Q");
	cJSON_Delete(j);
	diags_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kebab),
		cmocka_unit_test(test_intrinsics),
		cmocka_unit_test(test_globals),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_unknown_type),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
