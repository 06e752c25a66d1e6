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

/* The last import: its topology and its diagnostics, kept until the next
 * import or the end of the test (imported_free, every test's teardown). */
static struct {
	cJSON *j;
	struct diags d;
} last;

static int imported_free(void **state)
{
	(void)state;
	cJSON_Delete(last.j);
	diags_free(&last.d);
	memset(&last, 0, sizeof(last));
	return 0;
}

/* The topology of YAML text t (as file "t.yaml") with the parameter
 * values `over`, parsed; NULL on error (last.d says which). */
static cJSON *import_yaml(const char *t, const cJSON *over)
{
	struct template_opts o = { .name = "t", .overrides = over };
	char *s;

	imported_free(NULL);
	s = template_import("/tmp/t.yaml", t, strlen(t), &o, &last.d);
	last.j = s ? cJSON_Parse(s) : NULL;
	free(s);
	return last.j;
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

/* j[list][i]: the i-th of an imported topology's list ("resources"...). */
static cJSON *item(const cJSON *j, const char *list, int i)
{
	return cJSON_GetArrayItem(cJSON_GetObjectItem(j, list), i);
}

/* o[key] as a string ("" when absent). */
static const char *str_of(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItem(o, key);

	return cJSON_IsString(v) ? v->valuestring : "";
}

/* Each KEY, WANT pair that follows o (up to a NULL): o[KEY] is the string
 * WANT. */
static void strs_are(const cJSON *o, ...)
{
	const char *key, *want;
	va_list ap;

	va_start(ap, o);
	while ((key = va_arg(ap, const char *))) {
		want = va_arg(ap, const char *);
		if (strcmp(str_of(o, key), want))
			fail_msg("%s: '%s', not '%s'", key, str_of(o, key), want);
	}
	va_end(ap);
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
	cJSON *j = import_yaml(t, NULL), *v, *over;

	(void)state;
	assert_non_null(j);
	v = item(j, "vpcs", 0);
	assert_string_equal(str_of(v, "cidr"), "10.1.0.0/16");
	assert_string_equal(str_at(v, "subnets", 0, "cidr"), "10.1.1.0/24");
	assert_string_equal(str_at(v, "security_groups", 0, "description"),
			    "prod in us-east-1/123456789012 vpc ${Lit}");
	assert_string_equal(str_at(cJSON_GetArrayItem(cJSON_GetObjectItem(v, "security_groups"), 0),
				   "egress", 0, "cidr"), "10.0.0.0/8");
	assert_string_equal(diag_with(&last.d, "NotMapped"), "Resources.Sub1.Properties.AvailabilityZone");
	/* Overrides: the condition turns false. */
	over = cJSON_CreateObject();
	cJSON_AddStringToObject(over, "Env", "dev");
	cJSON_AddStringToObject(over, "Cidr", "10.1.0.0/16");
	j = import_yaml(t, over);
	assert_non_null(j);
	v = item(j, "vpcs", 0);
	assert_string_equal(str_at(v, "subnets", 0, "cidr"), "10.1.9.0/24");
	cJSON_Delete(over);
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
	cJSON *j = import_yaml(t, NULL), *fn, *env;

	(void)state;
	assert_non_null(j);
	fn = item(j, "functions", 0);
	assert_string_equal(str_of(fn, "name"), "orders");
	assert_int_equal(cJSON_GetObjectItem(fn, "timeout_s")->valueint, 9);
	assert_int_equal(cJSON_GetObjectItem(fn, "memory_mb")->valueint, 1024);
	env = cJSON_GetObjectItem(fn, "environment");
	strs_are(env, "A", "g", "B", "mine", "H", "g1", NULL);
	assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetObjectItem(fn,
		"vpc_config"), "security_groups"), 0)->valuestring, "g1");
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
		cJSON *j = import_yaml(cases[i].text, NULL);

		if (j || !diag_with(&last.d, cases[i].code) ||
		    strcmp(diag_with(&last.d, cases[i].code), cases[i].path))
			fail_msg("case %zu: want %s at '%s'", i, cases[i].code, cases[i].path);
	}
}

/* An unknown type is a warning, the rest still maps. */
static void test_unknown_type(void **state)
{
	const char *t = "Parameters:\n  Cidr: {Type: String, Default: 10.3.0.0/16}\n" VPC
			"  Q:\n    Type: AWS::SQS::Queue\n";
	cJSON *j = import_yaml(t, NULL);

	(void)state;
	assert_non_null(j);
	assert_int_equal(last.d.n_errors, 0);
	assert_string_equal(diag_with(&last.d, "NotMapped"), "Resources.Q");
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
	cJSON *j = import_yaml(t, NULL), *env, *sec;
	const char *pw;
	char first[64];

	(void)state;
	assert_non_null(j);
	assert_string_equal(str_at(item(j, "vpcs", 0), "subnets", 0, "cidr"), "10.4.1.0/24");
	sec = item(j, "secrets", 0);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(j, "secrets")), 1);
	assert_string_equal(str_of(sec, "name"), "app/db");
	pw = cJSON_GetObjectItem(cJSON_GetObjectItem(sec, "value"), "password")->valuestring;
	assert_int_equal(strlen(pw), 40);
	assert_int_equal(strspn(pw, "bcdfghjklmnpqrstvwxyzBCDFGHJKLMNPQRSTVWXYZ23456789"), 40);
	assert_true(strpbrk(pw, "bcdfghjklmnpqrstvwxyz") && strpbrk(pw, "BCDFGHJKLMNPQRSTVWXYZ") &&
		    strpbrk(pw, "23456789"));
	env = cJSON_GetObjectItem(item(j, "functions", 0), "environment");
	assert_string_equal(str_of(env, "U"), "app");
	assert_string_equal(str_of(env, "P") + 1, pw);
	strs_are(env, "A", "v", "W", "{\"k\": \"v\"}", "N", "app/db", NULL);
	assert_string_equal(diag_with(&last.d, "NotMapped"), "Resources.Plain");
	snprintf(first, sizeof(first), "%s", pw);
	j = import_yaml(t, NULL);
	sec = item(j, "secrets", 0);
	assert_string_not_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(sec, "value"),
						    "password")->valuestring, first);
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
	cJSON *j = import_yaml(t, NULL), *db, *px, *env;

	(void)state;
	assert_non_null(j);
	db = item(j, "resources", 0);
	px = item(j, "resources", 1);
	strs_are(db, "engine", "postgres", "secret", "sec", "instance_class", "db.m5.large", NULL);
	assert_null(cJSON_GetObjectItem(db, "listen"));
	strs_are(px, "name", "px1", "target", "db", NULL);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(px, "require_tls")));
	assert_int_equal(cJSON_GetObjectItem(px, "max_connections_percent")->valueint, 50);
	assert_string_equal(str_of(px, "init_query"), "SET x=1");
	assert_string_equal(str_at(px, "auth", 0, "iam_auth"), "REQUIRED");
	env = cJSON_GetObjectItem(item(j, "functions", 0), "environment");
	/* The token is model/dns.c's for topology "t" in us-east-1 (test_dns). */
	assert_non_null(strstr(str_of(env, "D"), ".us-east-1.rds.amazonaws.com"));
	assert_memory_equal(str_of(env, "D"), "db.", 3);
	assert_memory_equal(str_of(env, "P"), "px1.proxy-", 10);
	assert_string_equal(str_of(env, "P") + 10, strchr(str_of(env, "D"), '.') + 1);
	assert_string_equal(str_of(env, "O"), "5432");
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
	cJSON *j = import_yaml(t, NULL), *db, *px;

	(void)state;
	assert_non_null(j);
	db = item(j, "resources", 0);
	px = item(j, "resources", 1);
	strs_are(db, "engine", "mysql", "master_username", "admin", "instance_class", "db.t3.micro",
		 NULL);
	assert_null(cJSON_GetObjectItem(px, "target"));
	assert_true(diag_says(&last.d, "the instance runs mysql, and vpcsim's RDS Proxy speaks PostgreSQL's protocol only"));
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetArrayItem(
		cJSON_GetObjectItem(j, "functions"), 0), "environment"), "O")->valuestring, "3306");
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
		cJSON *j;

		snprintf(t, sizeof(t), SECRET_VPC "  Sec: {Type: AWS::SecretsManager::Secret,"
			 " Properties: {SecretString: '{\"k\": \"v\"}'}}\n"
			 "  Fn: {Type: AWS::Lambda::Function, Properties: {Environment: {Variables:"
			 " {X: '%s'}}}}\n", cases[i].ref);
		j = import_yaml(t, NULL);
		if (j || !diag_with(&last.d, cases[i].code) ||
		    strcmp(diag_with(&last.d, cases[i].code), "Resources.Fn.Properties.Environment.Variables.X"))
			fail_msg("case %zu: want %s", i, cases[i].code);
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
	cJSON *j = import_yaml(t, NULL), *eps, *ev;

	(void)state;
	assert_non_null(j);
	eps = cJSON_GetObjectItem(item(j, "vpcs", 0), "endpoints");
	assert_int_equal(cJSON_GetArraySize(eps), 2);
	assert_string_equal(str_at(eps, NULL, 0, "service"), "dynamodb");
	assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetArrayItem(eps, 0),
						"route_tables"), 0)->valuestring, "rt");
	assert_string_equal(str_at(eps, NULL, 1, "type"), "interface");
	assert_true(cJSON_IsFalse(cJSON_GetObjectItem(cJSON_GetArrayItem(eps, 1), "private_dns")));
	assert_string_equal(diag_with(&last.d, "NotMapped"), "Resources.Sqs.Properties.ServiceName");
	assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(
		j, "aws"), "s3"), "buckets"), 0)->child->valuestring, "my-bucket");
	ev = cJSON_GetObjectItem(item(j, "functions", 0), "events");
	assert_int_equal(cJSON_GetArraySize(ev), 1);
	assert_string_equal(str_at(ev, NULL, 0, "bucket"), "my-bucket");
	assert_string_equal(str_at(ev, NULL, 0, "suffix"), ".jpg");
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
	cJSON *j = import_yaml(meta, NULL), *e;

	(void)state;
	assert_non_null(j);
	e = cJSON_GetObjectItem(j, "expect");
	assert_int_equal(cJSON_GetArraySize(e), 2);
	assert_string_equal(str_at(e, NULL, 0, "from"), "vpc");
	assert_string_equal(str_at(e, NULL, 0, "to"), "db");
	assert_int_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(e, 0), "port")->valueint, 6432);
	assert_true(cJSON_IsNumber(cJSON_GetObjectItem(cJSON_GetArrayItem(e, 1), "port")));
	assert_string_equal(diag_with(&last.d, "NotMapped"), "Metadata.vpcsim");
	assert_null(import_yaml(missing, NULL));
	assert_string_equal(diag_with(&last.d, "UnresolvedReference"), "Metadata.vpcsim.expect[0].from");
	assert_null(import_yaml(notlist, NULL));
	assert_string_equal(diag_with(&last.d, "InvalidTemplate"), "Metadata.vpcsim.expect");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_kebab, imported_free),
		cmocka_unit_test_teardown(test_intrinsics, imported_free),
		cmocka_unit_test_teardown(test_globals, imported_free),
		cmocka_unit_test_teardown(test_errors, imported_free),
		cmocka_unit_test_teardown(test_unknown_type, imported_free),
		cmocka_unit_test_teardown(test_secrets, imported_free),
		cmocka_unit_test_teardown(test_rds_proxy, imported_free),
		cmocka_unit_test_teardown(test_rds_mysql, imported_free),
		cmocka_unit_test_teardown(test_resolve_errors, imported_free),
		cmocka_unit_test_teardown(test_endpoints_events, imported_free),
		cmocka_unit_test_teardown(test_expect, imported_free),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
