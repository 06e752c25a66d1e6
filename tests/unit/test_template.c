/* Templates: YAML short forms, intrinsic functions, SAM Globals, the
 * mapping to a topology and the errors of bad templates (model/template.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
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

/* Whether a diagnostic's message holds `text`. */
static bool diag_says(const struct diags *d, const char *text)
{
	for (int i = 0; i < d->n; i++)
		if (strstr(d->items[i].message, text))
			return true;
	return false;
}

/* j[a][i][b] as a string ("" when absent); a NULL: j is the list. */
static const char *str_at(const cJSON *j, const char *a, int i, const char *b)
{
	const cJSON *v = cJSON_GetObjectItem(cJSON_GetArrayItem(a ? cJSON_GetObjectItem(j, a) : j, i), b);

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
		{ "Resources:\n  V: {Type: AWS::EC2::VPC, Properties: [CidrBlock, 10.0.0.0/16]}\n",
		  "InvalidTemplate", "Resources.V.Properties" },
		{ "Metadata: {vpcsim: [expect]}\nResources:\n  V: {Type: AWS::EC2::VPC, Properties: {CidrBlock: 10.0.0.0/16}}\n",
		  "InvalidTemplate", "Metadata.vpcsim" },
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

#define SECRET_VPC "Resources:\n  Vpc: {Type: AWS::EC2::VPC, Properties: {CidrBlock: 10.4.0.0/16}}\n" \
	"  S1: {Type: AWS::EC2::Subnet, Properties: {VpcId: !Ref Vpc, CidrBlock: !Select [1, !Cidr [10.4.0.0/16, 3, 8]]}}\n"

/* GenerateSecretString: the template's keys kept, the password of the
 * length asked, of the classes asked, without the excluded characters,
 * different each time; {{resolve:...}} by name, by ARN, inside !Sub;
 * Fn::Cidr. */
static void test_secrets(void **state)
{
	const char *t = SECRET_VPC
		"  Sec:\n    Type: AWS::SecretsManager::Secret\n    Properties:\n      Name: app/db\n"
		"      GenerateSecretString: {SecretStringTemplate: '{\"username\": \"app\"}',"
		" GenerateStringKey: password, PasswordLength: 40, ExcludePunctuation: true,"
		" ExcludeCharacters: 'aeiouAEIOU01'}\n"
		"  Plain:\n    Type: AWS::SecretsManager::Secret\n    Properties: {SecretString: '{\"k\": \"v\"}'}\n"
		"  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n      Environment: {Variables: {"
		"U: '{{resolve:secretsmanager:app/db:SecretString:username}}',"
		" P: !Sub 'x{{resolve:secretsmanager:${Sec}:SecretString:password}}',"
		" A: '{{resolve:secretsmanager:arn:aws:secretsmanager:us-east-1:123456789012:secret:plain-Ab12Cd:SecretString:k}}',"
		" W: '{{resolve:secretsmanager:plain}}', N: !Ref Sec}}\n";
	struct diags d = { 0 };
	cJSON *j = import_yaml(t, NULL, &d), *env, *sec;
	const char *pw;
	char first[64];

	(void)state;
	assert_non_null(j);
	assert_string_equal(str_at(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "vpcs"), 0), "subnets",
				   0, "cidr"), "10.4.1.0/24");
	sec = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "secrets"), 0);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(j, "secrets")), 1);
	assert_string_equal(cJSON_GetObjectItem(sec, "name")->valuestring, "app/db");
	pw = cJSON_GetObjectItem(cJSON_GetObjectItem(sec, "value"), "password")->valuestring;
	assert_int_equal(strlen(pw), 40);
	assert_int_equal(strspn(pw, "bcdfghjklmnpqrstvwxyzBCDFGHJKLMNPQRSTVWXYZ23456789"), 40);
	assert_true(strpbrk(pw, "bcdfghjklmnpqrstvwxyz") && strpbrk(pw, "BCDFGHJKLMNPQRSTVWXYZ") &&
		    strpbrk(pw, "23456789"));
	env = cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "functions"), 0),
				  "environment");
	assert_string_equal(cJSON_GetObjectItem(env, "U")->valuestring, "app");
	assert_string_equal(cJSON_GetObjectItem(env, "P")->valuestring + 1, pw);
	assert_string_equal(cJSON_GetObjectItem(env, "A")->valuestring, "v");
	assert_string_equal(cJSON_GetObjectItem(env, "W")->valuestring, "{\"k\": \"v\"}");
	assert_string_equal(cJSON_GetObjectItem(env, "N")->valuestring, "app/db");
	assert_string_equal(diag_with(&d, "NotMapped"), "Resources.Plain");
	snprintf(first, sizeof(first), "%s", pw);
	cJSON_Delete(j);
	diags_free(&d);
	memset(&d, 0, sizeof(d));
	j = import_yaml(t, NULL, &d);
	sec = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "secrets"), 0);
	assert_string_not_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(sec, "value"),
						    "password")->valuestring, first);
	cJSON_Delete(j);
	diags_free(&d);
}

/* RDS: an engine with the secret's credentials, a proxy with its target
 * group, the endpoint names of Fn::GetAtt as the resolver answers them. */
static void test_rds_proxy(void **state)
{
	const char *t = SECRET_VPC
		"  Sg: {Type: AWS::EC2::SecurityGroup, Properties: {VpcId: !Ref Vpc, GroupDescription: x}}\n"
		"  Sec:\n    Type: AWS::SecretsManager::Secret\n    Properties:\n"
		"      SecretString: '{\"username\": \"master\", \"password\": \"Pw-12345678\"}'\n"
		"  Grp: {Type: AWS::RDS::DBSubnetGroup, Properties: {DBSubnetGroupDescription: x, SubnetIds: [!Ref S1]}}\n"
		"  Db:\n    Type: AWS::RDS::DBInstance\n    Properties: {Engine: postgres, DBInstanceClass: db.m5.large,"
		" DBSubnetGroupName: !Ref Grp, VPCSecurityGroups: [!Ref Sg],"
		" MasterUsername: '{{resolve:secretsmanager:sec:SecretString:username}}',"
		" MasterUserPassword: '{{resolve:secretsmanager:sec:SecretString:password}}'}\n"
		"  Px:\n    Type: AWS::RDS::DBProxy\n    Properties: {DBProxyName: Px1, EngineFamily: POSTGRESQL,"
		" VpcSubnetIds: [!Ref S1], RequireTLS: true, Auth: [{SecretArn: !Ref Sec, IAMAuth: REQUIRED}]}\n"
		"  Tg:\n    Type: AWS::RDS::DBProxyTargetGroup\n    Properties: {DBProxyName: !Ref Px,"
		" TargetGroupName: default, DBInstanceIdentifiers: [!Ref Db],"
		" ConnectionPoolConfigurationInfo: {MaxConnectionsPercent: 50, InitQuery: 'SET x=1'}}\n"
		"  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n      Environment: {Variables: {"
		"D: !GetAtt Db.Endpoint.Address, P: !GetAtt Px.Endpoint, O: !GetAtt Db.Endpoint.Port}}\n";
	struct diags d = { 0 };
	cJSON *j = import_yaml(t, NULL, &d), *db, *px, *env;

	(void)state;
	assert_non_null(j);
	db = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "resources"), 0);
	px = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "resources"), 1);
	assert_string_equal(cJSON_GetObjectItem(db, "engine")->valuestring, "postgres");
	assert_string_equal(cJSON_GetObjectItem(db, "secret")->valuestring, "sec");
	assert_string_equal(cJSON_GetObjectItem(db, "instance_class")->valuestring, "db.m5.large");
	assert_null(cJSON_GetObjectItem(db, "listen"));
	assert_string_equal(cJSON_GetObjectItem(px, "name")->valuestring, "px1");
	assert_string_equal(cJSON_GetObjectItem(px, "target")->valuestring, "db");
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(px, "require_tls")));
	assert_int_equal(cJSON_GetObjectItem(px, "max_connections_percent")->valueint, 50);
	assert_string_equal(cJSON_GetObjectItem(px, "init_query")->valuestring, "SET x=1");
	assert_string_equal(str_at(px, "auth", 0, "iam_auth"), "REQUIRED");
	env = cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "functions"), 0),
				  "environment");
	/* The token is model/dns.c's for topology "t" in us-east-1 (test_dns). */
	assert_non_null(strstr(cJSON_GetObjectItem(env, "D")->valuestring, ".us-east-1.rds.amazonaws.com"));
	assert_memory_equal(cJSON_GetObjectItem(env, "D")->valuestring, "db.", 3);
	assert_memory_equal(cJSON_GetObjectItem(env, "P")->valuestring, "px1.proxy-", 10);
	assert_string_equal(cJSON_GetObjectItem(env, "P")->valuestring + 10,
			    strchr(cJSON_GetObjectItem(env, "D")->valuestring, '.') + 1);
	assert_string_equal(cJSON_GetObjectItem(env, "O")->valuestring, "5432");
	cJSON_Delete(j);
	diags_free(&d);
}

/* Engine mysql: a real MariaDB with its credentials and class; a proxy
 * in front of it is left without a target, with a warning (docs/RDS.md,
 * "MySQL"); Endpoint.Port is 3306. */
static void test_rds_mysql(void **state)
{
	const char *t = SECRET_VPC
		"  Db:\n    Type: AWS::RDS::DBInstance\n    Properties: {Engine: mysql, DBInstanceClass: db.t3.micro,"
		" DBSubnetGroupName: !Ref Grp, MasterUsername: admin, MasterUserPassword: Pw-12345678}\n"
		"  Grp: {Type: AWS::RDS::DBSubnetGroup, Properties: {DBSubnetGroupDescription: x, SubnetIds: [!Ref S1]}}\n"
		"  Px:\n    Type: AWS::RDS::DBProxy\n    Properties: {DBProxyName: Px1, EngineFamily: MYSQL,"
		" VpcSubnetIds: [!Ref S1]}\n"
		"  Tg:\n    Type: AWS::RDS::DBProxyTargetGroup\n    Properties: {DBProxyName: !Ref Px,"
		" TargetGroupName: default, DBInstanceIdentifiers: [!Ref Db]}\n"
		"  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n      Environment: {Variables: {"
		"O: !GetAtt Db.Endpoint.Port}}\n";
	struct diags d = { 0 };
	cJSON *j = import_yaml(t, NULL, &d), *db, *px;

	(void)state;
	assert_non_null(j);
	db = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "resources"), 0);
	px = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "resources"), 1);
	assert_string_equal(cJSON_GetObjectItem(db, "engine")->valuestring, "mysql");
	assert_string_equal(cJSON_GetObjectItem(db, "master_username")->valuestring, "admin");
	assert_string_equal(cJSON_GetObjectItem(db, "instance_class")->valuestring, "db.t3.micro");
	assert_null(cJSON_GetObjectItem(px, "target"));
	assert_true(diag_says(&d, "the instance runs mysql, and vpcsim's RDS Proxy speaks PostgreSQL's protocol only"));
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetArrayItem(
		cJSON_GetObjectItem(j, "functions"), 0), "environment"), "O")->valuestring, "3306");
	cJSON_Delete(j);
	diags_free(&d);
}

/* Dynamic references that cannot resolve are errors with their path. */
static void test_resolve_errors(void **state)
{
	static const struct { const char *ref, *code; } cases[] = {
		{ "{{resolve:secretsmanager:nope:SecretString:k}}", "UnresolvedReference" },
		{ "{{resolve:secretsmanager:sec:SecretString:nokey}}", "UnresolvedReference" },
		{ "{{resolve:secretsmanager:sec:SecretString:k:AWSPREVIOUS}}", "InvalidTemplate" },
		{ "{{resolve:ssm:/app/param}}", "UnsupportedFunction" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		char t[1024];
		struct diags d = { 0 };
		cJSON *j;

		snprintf(t, sizeof(t), SECRET_VPC "  Sec: {Type: AWS::SecretsManager::Secret,"
			 " Properties: {SecretString: '{\"k\": \"v\"}'}}\n"
			 "  Fn: {Type: AWS::Lambda::Function, Properties: {Environment: {Variables:"
			 " {X: '%s'}}}}\n", cases[i].ref);
		j = import_yaml(t, NULL, &d);
		if (j || !diag_with(&d, cases[i].code) ||
		    strcmp(diag_with(&d, cases[i].code), "Resources.Fn.Properties.Environment.Variables.X"))
			fail_msg("case %zu: want %s", i, cases[i].code);
		diags_free(&d);
	}
}

/* VPC endpoints: gateway and interface, CloudFormation's PrivateDnsEnabled
 * default (false), a service vpcsim does not serve listed; S3 events on
 * a bucket of the template; a disabled schedule listed. */
static void test_endpoints_events(void **state)
{
	const char *t = SECRET_VPC
		"  Rt: {Type: AWS::EC2::RouteTable, Properties: {VpcId: !Ref Vpc}}\n"
		"  Gw: {Type: AWS::EC2::VPCEndpoint, Properties: {VpcId: !Ref Vpc, RouteTableIds: [!Ref Rt],"
		" ServiceName: !Sub 'com.amazonaws.${AWS::Region}.dynamodb'}}\n"
		"  If: {Type: AWS::EC2::VPCEndpoint, Properties: {VpcId: !Ref Vpc, VpcEndpointType: Interface,"
		" SubnetIds: [!Ref S1], ServiceName: com.amazonaws.us-east-1.sts}}\n"
		"  Sqs: {Type: AWS::EC2::VPCEndpoint, Properties: {VpcId: !Ref Vpc, ServiceName: com.amazonaws.us-east-1.sqs}}\n"
		"  B: {Type: AWS::S3::Bucket, Properties: {BucketName: my-bucket}}\n"
		"  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      Events:\n"
		"        Up: {Type: S3, Properties: {Bucket: !Ref B, Events: [s3:ObjectCreated:Put],"
		" Filter: {S3Key: {Rules: [{Name: suffix, Value: .jpg}]}}}}\n"
		"        Off: {Type: Schedule, Properties: {Schedule: rate(1 day), Enabled: false}}\n"
		"        Q: {Type: SQS, Properties: {Queue: arn}}\n";
	struct diags d = { 0 };
	cJSON *j = import_yaml(t, NULL, &d), *eps, *ev;

	(void)state;
	assert_non_null(j);
	eps = cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "vpcs"), 0), "endpoints");
	assert_int_equal(cJSON_GetArraySize(eps), 2);
	assert_string_equal(str_at(eps, NULL, 0, "service"), "dynamodb");
	assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetArrayItem(eps, 0),
						"route_tables"), 0)->valuestring, "rt");
	assert_string_equal(str_at(eps, NULL, 1, "type"), "interface");
	assert_true(cJSON_IsFalse(cJSON_GetObjectItem(cJSON_GetArrayItem(eps, 1), "private_dns")));
	assert_string_equal(diag_with(&d, "NotMapped"), "Resources.Sqs.Properties.ServiceName");
	assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(
		j, "aws"), "s3"), "buckets"), 0)->child->valuestring, "my-bucket");
	ev = cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "functions"), 0), "events");
	assert_int_equal(cJSON_GetArraySize(ev), 1);
	assert_string_equal(str_at(ev, NULL, 0, "bucket"), "my-bucket");
	assert_string_equal(str_at(ev, NULL, 0, "suffix"), ".jpg");
	cJSON_Delete(j);
	diags_free(&d);
}

/* Metadata.vpcsim.expect: the topology's expect list, a !Ref of a
 * resource as its node name, a port from a parameter (a string) as its
 * number; another key listed; a missing resource an error with its path;
 * an expect that is no list an error. */
static void test_expect(void **state)
{
	const char *meta = "Parameters:\n  Cidr: {Type: String, Default: 10.3.0.0/16}\n"
			   "  Port: {Type: String, Default: '6432'}\n"
			   "Metadata:\n  vpcsim:\n    other: 1\n    expect:\n"
			   "      - {from: !Ref Vpc, to: db, port: !Ref Port, result: open}\n"
			   "      - {from: !Ref Vpc, to: db, port: '22', result: timeout}\n" VPC;
	const char *missing = "Parameters:\n  Cidr: {Type: String, Default: 10.3.0.0/16}\n"
			      "Metadata:\n  vpcsim:\n    expect:\n"
			      "      - {from: !Ref Nope, to: db, port: 1, result: open}\n" VPC;
	const char *notlist = "Parameters:\n  Cidr: {Type: String, Default: 10.3.0.0/16}\n"
			      "Metadata:\n  vpcsim:\n    expect: {from: a}\n" VPC;
	struct diags d = { 0 };
	cJSON *j = import_yaml(meta, NULL, &d), *e;

	(void)state;
	assert_non_null(j);
	e = cJSON_GetObjectItem(j, "expect");
	assert_int_equal(cJSON_GetArraySize(e), 2);
	assert_string_equal(str_at(e, NULL, 0, "from"), "vpc");
	assert_string_equal(str_at(e, NULL, 0, "to"), "db");
	assert_int_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(e, 0), "port")->valueint, 6432);
	assert_true(cJSON_IsNumber(cJSON_GetObjectItem(cJSON_GetArrayItem(e, 1), "port")));
	assert_string_equal(diag_with(&d, "NotMapped"), "Metadata.vpcsim");
	cJSON_Delete(j);
	diags_free(&d);
	memset(&d, 0, sizeof(d));
	assert_null(import_yaml(missing, NULL, &d));
	assert_string_equal(diag_with(&d, "UnresolvedReference"), "Metadata.vpcsim.expect[0].from");
	diags_free(&d);
	memset(&d, 0, sizeof(d));
	assert_null(import_yaml(notlist, NULL, &d));
	assert_string_equal(diag_with(&d, "InvalidTemplate"), "Metadata.vpcsim.expect");
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
		cmocka_unit_test(test_secrets),
		cmocka_unit_test(test_rds_proxy),
		cmocka_unit_test(test_rds_mysql),
		cmocka_unit_test(test_resolve_errors),
		cmocka_unit_test(test_endpoints_events),
		cmocka_unit_test(test_expect),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
