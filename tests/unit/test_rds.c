/* Database engines and proxies in the model: parsing, defaults,
 * validation (paths and codes, never a password), the proxy's pool
 * arithmetic and the configuration texts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "model/db_class.h"
#include "model/engine_conf.h"
#include "model/plan.h"
#include "model/topology.h"

#define HEAD "{ \"name\": \"t\", \"vpcs\": [ { \"name\": \"app\", \"cidr\": \"10.0.0.0/16\"," \
	     " \"subnets\": [ { \"name\": \"a\", \"cidr\": \"10.0.1.0/24\" } ] }," \
	     " { \"name\": \"b\", \"cidr\": \"10.1.0.0/16\"," \
	     " \"subnets\": [ { \"name\": \"o\", \"cidr\": \"10.1.1.0/24\" } ] } ],"

static struct topology *parse(const char *json, struct diags *d)
{
	memset(d, 0, sizeof(*d));
	return topology_parse("test.json", json, strlen(json), d);
}

static bool has(const struct diags *d, const char *path, const char *code)
{
	for (int i = 0; i < d->n; i++)
		if (!strcmp(d->items[i].path, path) && !strcmp(d->items[i].code, code))
			return true;
	return false;
}

/* One expected diagnostic: its path and code. */
struct want {
	const char *path;
	const char *code;
};

/* Every wanted diagnostic is in d; the first missing one is named. */
static void assert_diags(const struct diags *d, const struct want *w, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!has(d, w[i].path, w[i].code))
			fail_msg("no %s at %s", w[i].code, w[i].path);
}

static bool mentions(const struct diags *d, const char *text)
{
	for (int i = 0; i < d->n; i++)
		if (strstr(d->items[i].message, text))
			return true;
	return false;
}

static void test_defaults_and_secret(void **state)
{
	struct diags d;
	struct topology *t = parse(HEAD
		"\"secrets\": [ { \"name\": \"creds\", \"value\": { \"username\": \"master\", \"password\": \"pw-123456\" } } ],"
		"\"resources\": ["
		" { \"name\": \"proxy\", \"kind\": \"rds-proxy\", \"subnet\": \"a\", \"target\": \"db\" },"
		" { \"name\": \"db\", \"kind\": \"rds\", \"engine\": \"postgres\", \"subnet\": \"a\", \"secret\": \"creds\" },"
		" { \"name\": \"old\", \"kind\": \"rds\", \"subnet\": \"a\", \"listen\": [ { \"port\": 5432 } ] } ] }",
		&d);

	if (!t)
		diags_print(&d, "test", stderr);
	assert_non_null(t);
	assert_int_equal(t->resources[1].db.engine, ENGINE_POSTGRES);
	assert_int_equal(t->resources[1].db.port, 5432);
	assert_int_equal(t->resources[1].db.max_connections, DB_MAX_CONNECTIONS_DEFAULT);
	assert_string_equal(t->resources[1].db.master_username, "master");
	assert_string_equal(t->resources[1].db.master_password, "pw-123456");
	assert_int_equal(t->resources[1].db.secret, 0);
	/* a target later in the file */
	assert_int_equal(t->resources[0].proxy.target, 1);
	assert_int_equal(t->resources[0].proxy.max_connections_percent, 100);
	assert_int_equal(t->resources[0].proxy.max_idle_connections_percent, 50);
	assert_int_equal(t->resources[0].proxy.connection_borrow_timeout_s, 120);
	assert_int_equal(t->resources[0].proxy.idle_client_timeout_s, 1800);
	/* v1 stays v1 */
	assert_int_equal(t->resources[2].db.engine, ENGINE_NONE);
	assert_int_equal(t->resources[2].proxy.target, -1);
	/* 100 - 3 reserved: pool 97, idle 48 */
	assert_int_equal(proxy_pool_size(t, &t->resources[0]), 97);
	assert_int_equal(proxy_idle_size(t, &t->resources[0]), 48);
	topology_free(t);
	diags_free(&d);
}

static void test_pool_bounds(void **state)
{
	struct diags d;
	struct topology *t = parse(HEAD
		"\"resources\": ["
		" { \"name\": \"db\", \"kind\": \"rds\", \"engine\": \"postgres\", \"subnet\": \"a\","
		"   \"max_connections\": 20, \"master_username\": \"m\", \"master_password\": \"12345678\" },"
		" { \"name\": \"p\", \"kind\": \"rds-proxy\", \"subnet\": \"a\", \"target\": \"db\" },"
		" { \"name\": \"q\", \"kind\": \"rds-proxy\", \"subnet\": \"a\", \"target\": \"db\","
		"   \"max_connections_percent\": 5, \"max_idle_connections_percent\": 5 } ] }", &d);

	assert_non_null(t);
	assert_int_equal(proxy_pool_size(t, &t->resources[1]), 17);
	assert_int_equal(proxy_idle_size(t, &t->resources[1]), 8);
	assert_int_equal(proxy_pool_size(t, &t->resources[2]), 1); /* at least one */
	assert_int_equal(proxy_idle_size(t, &t->resources[2]), 0);
	topology_free(t);
	diags_free(&d);
}

static void test_errors(void **state)
{
	struct diags d;
	struct topology *t = parse(HEAD
		"\"secrets\": [ { \"name\": \"s\", \"value\": { \"username\": \"u\", \"password\": \"p w secretpw\" } },"
		"               { \"name\": \"s\", \"value\": { \"username\": \"u\", \"password\": \"x\" } } ],"
		"\"resources\": ["
		" { \"name\": \"db\", \"kind\": \"rds\", \"engine\": \"oracle\", \"subnet\": \"a\" },"
		" { \"name\": \"db1\", \"kind\": \"rds\", \"engine\": \"postgres\", \"subnet\": \"a\" },"
		" { \"name\": \"db2\", \"kind\": \"rds\", \"engine\": \"postgres\", \"subnet\": \"a\", \"secret\": \"s\","
		"   \"port\": 80 },"
		" { \"name\": \"db3\", \"kind\": \"rds\", \"engine\": \"postgres\", \"subnet\": \"a\","
		"   \"master_username\": \"pg_x\", \"master_password\": \"topsecret@1\" },"
		" { \"name\": \"ec\", \"kind\": \"ec2\", \"subnet\": \"a\", \"engine\": \"postgres\", \"max_connections\": 9 },"
		" { \"name\": \"p1\", \"kind\": \"rds-proxy\", \"subnet\": \"o\", \"target\": \"db1\" },"
		" { \"name\": \"p2\", \"kind\": \"rds-proxy\", \"subnet\": \"a\", \"target\": \"ec\","
		"   \"idle_client_timeout_s\": 0 },"
		" { \"name\": \"p3\", \"kind\": \"rds-proxy\", \"subnet\": \"a\", \"max_connections_percent\": 50 } ] }",
		&d);

	assert_null(t);
	static const struct want want[] = {
		{ "secrets[1].name", "ResourceExistsException" },
		{ "resources[0].engine", "InvalidParameterValue" },
		{ "resources[1].master_username", "MissingParameter" },
		{ "resources[2].port", "InvalidParameterValue" },
		{ "resources[2].secret", "InvalidParameterValue" }, /* password */
		{ "resources[3].master_username", "InvalidParameterValue" },
		{ "resources[3].master_password", "InvalidParameterValue" },
		{ "resources[4].engine", "InvalidParameterValue" },
		{ "resources[4].max_connections", "InvalidParameterValue" },
		{ "resources[5].target", "InvalidParameterValue" }, /* other VPC */
		{ "resources[6].target", "DBInstanceNotFound" },
		{ "resources[6].idle_client_timeout_s", "InvalidParameterValue" },
		{ "resources[7].max_connections_percent", "InvalidParameterValue" },
	};

	assert_diags(&d, want, sizeof(want) / sizeof(want[0]));
	assert_false(mentions(&d, "secretpw"));
	assert_false(mentions(&d, "topsecret"));
	diags_free(&d);
}

/* instance_class: max_connections by AWS's formula,
 * LEAST(memory/9531392, 5000), unless max_connections is given; an
 * unknown class is an error naming the key and the classes known. */
static void test_instance_class(void **state)
{
	struct diags d;
	struct topology *t = parse(HEAD
		"\"resources\": ["
		" { \"name\": \"a\", \"kind\": \"rds\", \"engine\": \"postgres\", \"subnet\": \"a\","
		"   \"instance_class\": \"db.t3.micro\", \"master_username\": \"m\", \"master_password\": \"12345678\" },"
		" { \"name\": \"b\", \"kind\": \"rds\", \"engine\": \"postgres\", \"subnet\": \"a\","
		"   \"instance_class\": \"db.r6g.large\", \"max_connections\": 50,"
		"   \"master_username\": \"m\", \"master_password\": \"12345678\" },"
		" { \"name\": \"c\", \"kind\": \"rds\", \"engine\": \"postgres\", \"subnet\": \"a\","
		"   \"instance_class\": \"db.m5.large\", \"master_username\": \"m\", \"master_password\": \"12345678\" },"
		" { \"name\": \"p\", \"kind\": \"rds-proxy\", \"subnet\": \"a\", \"target\": \"a\" } ] }", &d);

	if (!t)
		diags_print(&d, "test", stderr);
	assert_non_null(t);
	assert_string_equal(t->resources[0].db.instance_class->name, "db.t3.micro");
	assert_int_equal(t->resources[0].db.max_connections, 112); /* 1 GiB / 9531392 */
	assert_false(t->resources[0].db.max_connections_given);
	assert_int_equal(t->resources[1].db.max_connections, 50);  /* given wins */
	assert_true(t->resources[1].db.max_connections_given);
	assert_int_equal(t->resources[2].db.max_connections, 901); /* 8 GiB */
	assert_int_equal(proxy_pool_size(t, &t->resources[3]), 109); /* 112 - 3 */
	topology_free(t);
	diags_free(&d);

	static const struct {
		const char *class;
		int max_connections;
	} formula[] = {
		{ "db.t4g.micro", 112 }, { "db.t3.small", 225 },
		{ "db.r6g.large", 1802 }, { "db.r5.24xlarge", 5000 }, /* LEAST(…, 5000) */
	};
	for (size_t i = 0; i < sizeof(formula) / sizeof(formula[0]); i++)
		assert_int_equal(db_class_max_connections_postgres(db_class_find(formula[i].class)),
				 formula[i].max_connections);
	assert_null(db_class_find("db.t3.mega"));

	t = parse(HEAD
		"\"resources\": ["
		" { \"name\": \"a\", \"kind\": \"rds\", \"engine\": \"postgres\", \"subnet\": \"a\","
		"   \"instance_class\": \"db.t3.mega\", \"master_username\": \"m\", \"master_password\": \"12345678\" },"
		" { \"name\": \"b\", \"kind\": \"rds\", \"subnet\": \"a\", \"instance_class\": \"db.t3.micro\" } ] }", &d);
	assert_null(t);
	assert_true(has(&d, "resources[0].instance_class", "InvalidParameterValue"));
	assert_true(mentions(&d, "Invalid DB instance class 'db.t3.mega': vpcsim knows db.t3"));
	assert_true(has(&d, "resources[1].instance_class", "InvalidParameterValue")); /* no engine */
	diags_free(&d);
}

/* engine mysql: port 3306, MariaDB's 151 without a class, RDS for
 * MySQL's memory/12582880 with one (no cap), MySQL's bounds and
 * credential rules, its my.cnf; RDS Proxy in front of it is refused
 * (docs/RDS.md, "MySQL"). */
static void test_mysql(void **state)
{
	struct mysql_conf mc = { 0x0a000104, 3306, 85, "/run/vpcsim/t/engine-db" };
	struct diags d;
	struct topology *t = parse(HEAD
		"\"resources\": ["
		" { \"name\": \"a\", \"kind\": \"rds\", \"engine\": \"mysql\", \"subnet\": \"a\","
		"   \"master_username\": \"m\", \"master_password\": \"12345678\" },"
		" { \"name\": \"b\", \"kind\": \"rds\", \"engine\": \"mysql\", \"subnet\": \"a\","
		"   \"instance_class\": \"db.t3.micro\", \"master_username\": \"m\", \"master_password\": \"12345678\" },"
		" { \"name\": \"c\", \"kind\": \"rds\", \"engine\": \"mysql\", \"subnet\": \"a\", \"port\": 3307,"
		"   \"instance_class\": \"db.r6i.32xlarge\", \"master_username\": \"m\", \"master_password\": \"12345678\" } ] }", &d);
	char *conf;

	if (!t)
		diags_print(&d, "test", stderr);
	assert_non_null(t);
	assert_int_equal(t->resources[0].db.engine, ENGINE_MYSQL);
	assert_string_equal(db_engine_str(ENGINE_MYSQL), "mysql");
	assert_int_equal(t->resources[0].db.port, 3306);
	assert_int_equal(t->resources[0].db.max_connections, 151);   /* MariaDB's own */
	assert_int_equal(t->resources[1].db.max_connections, 85);    /* 1 GiB / 12582880 */
	assert_int_equal(t->resources[2].db.max_connections, 87381); /* 1 TiB: no cap */
	assert_int_equal(t->resources[2].db.port, 3307);
	topology_free(t);
	diags_free(&d);
	assert_int_equal(db_class_max_connections_mysql(db_class_find("db.m5.large")), 682);
	assert_int_equal(db_class_max_connections_mysql(db_class_find("db.r6g.large")), 1365);

	t = parse(HEAD
		"\"resources\": ["
		" { \"name\": \"a\", \"kind\": \"rds\", \"engine\": \"mysql\", \"subnet\": \"a\","
		"   \"master_username\": \"m\", \"master_password\": \"12345678\" },"
		" { \"name\": \"p\", \"kind\": \"rds-proxy\", \"subnet\": \"a\", \"target\": \"a\" },"
		" { \"name\": \"b\", \"kind\": \"rds\", \"engine\": \"mysql\", \"subnet\": \"a\", \"max_connections\": 9,"
		"   \"master_username\": \"mysql\", \"master_password\": \"123456789012345678901234567890123456789012\" },"
		" { \"name\": \"c\", \"kind\": \"rds\", \"engine\": \"postgres\", \"subnet\": \"a\", \"max_connections\": 9,"
		"   \"master_username\": \"root\", \"master_password\": \"123456789012345678901234567890123456789012\" } ] }", &d);
	assert_null(t);
	assert_true(has(&d, "resources[1].target", "InvalidParameterValue"));
	assert_true(mentions(&d, "The target 'a' runs engine mysql, and vpcsim's RDS Proxy speaks PostgreSQL's protocol only"));
	assert_true(has(&d, "resources[2].max_connections", "InvalidParameterValue")); /* 10.. */
	assert_true(has(&d, "resources[2].master_username", "InvalidParameterValue")); /* reserved */
	assert_true(has(&d, "resources[2].master_password", "InvalidParameterValue")); /* 8..41 */
	assert_false(has(&d, "resources[3].max_connections", "InvalidParameterValue"));
	assert_false(has(&d, "resources[3].master_username", "InvalidParameterValue"));
	assert_false(has(&d, "resources[3].master_password", "InvalidParameterValue"));
	diags_free(&d);

	conf = mysql_conf_render(&mc);
	assert_non_null(strstr(conf, "[mariadbd]\n"));
	assert_non_null(strstr(conf, "bind-address = 10.0.1.4\nport = 3306\nmax_connections = 85\n"));
	assert_non_null(strstr(conf, "datadir = /run/vpcsim/t/engine-db/data\n"));
	assert_non_null(strstr(conf, "socket = /run/vpcsim/t/engine-db/mysqld.sock\n"));
	free(conf);
}

static void test_conf_texts(void **state)
{
	struct pg_conf pc = { 0x0a000104, 5432, 20, "/run/vpcsim/t/engine-db" };
	char *pg = pg_conf_render(&pc), *hba = pg_hba_render();
	char dir[ENGINE_DIR_MAX];

	assert_non_null(strstr(pg, "listen_addresses = '10.0.1.4'\n"));
	assert_non_null(strstr(pg, "max_connections = 20\n"));
	assert_non_null(strstr(pg, "superuser_reserved_connections = 3\n"));
	assert_non_null(strstr(pg, "dynamic_shared_memory_type = posix\n"));
	assert_non_null(strstr(pg, "unix_socket_directories = '/run/vpcsim/t/engine-db'\n"));
	assert_non_null(strstr(hba, "local all rdsadmin peer map=vpcsim\n"));
	assert_non_null(strstr(hba, "host all all 0.0.0.0/0 scram-sha-256\n"));
	engine_dir("/run/vpcsim/t", "db", dir);
	assert_string_equal(dir, "/run/vpcsim/t/engine-db");
	free(pg);
	free(hba);
}

/* vpcsim-rds-proxy's configuration: RDS Proxy's settings, the auth
 * entries' secrets (or the master credentials), the InitQuery, its names. */
static void test_proxy_conf(void **state)
{
	struct diags d;
	struct topology *t = parse(HEAD
		"\"secrets\": [ { \"name\": \"creds\", \"value\": { \"username\": \"master\", \"password\": \"pw-123456\" } },"
		"  { \"name\": \"app\", \"value\": { \"username\": \"app_user\", \"password\": \"pw-abcdefg\" } } ],"
		"\"resources\": ["
		" { \"name\": \"db\", \"kind\": \"rds\", \"engine\": \"postgres\", \"subnet\": \"a\", \"secret\": \"creds\", \"max_connections\": 20 },"
		" { \"name\": \"p\", \"kind\": \"rds-proxy\", \"subnet\": \"a\", \"target\": \"db\" },"
		" { \"name\": \"q\", \"kind\": \"rds-proxy\", \"subnet\": \"a\", \"target\": \"db\", \"init_query\": \"SET search_path TO app\","
		"   \"connection_borrow_timeout_s\": 5, \"auth\": [ { \"secret\": \"creds\" }, { \"secret\": \"app\", \"iam_auth\": \"DISABLED\" } ] } ] }",
		&d);
	struct rdsproxy_where w = { 0x0a000204, 0x0a000104, "/run/vpcsim/t/engine-q" };
	char *p, *q;

	if (!t)
		diags_print(&d, "test", stderr);
	assert_non_null(t);
	p = rdsproxy_conf_render(t, &t->resources[1], &w);
	q = rdsproxy_conf_render(t, &t->resources[2], &w);
	assert_non_null(strstr(p, "listen 10.0.2.4 5432\ndatabase 10.0.1.4 5432\npool 17 8\n"));
	assert_non_null(strstr(p, "timeouts 120 1800\n"));
	assert_non_null(strstr(p, "cred - master 0 pw-123456\n"));
	assert_null(strstr(p, "init_query"));
	assert_non_null(strstr(p, "metrics /run/vpcsim/t/engine-q/metrics\n"));
	assert_non_null(strstr(p, "host p\nhost p.proxy-"));
	assert_non_null(strstr(q, "timeouts 5 1800\n"));
	assert_non_null(strstr(q, "init_query SET search_path TO app\n"));
	assert_non_null(strstr(q, "cred creds master 0 pw-123456\ncred app app_user 0 pw-abcdefg\n"));
	assert_int_equal(t->resources[2].proxy.n_auth, 2);
	free(p);
	free(q);
	topology_free(t);
	diags_free(&d);
}

/* auth entries name existing secrets, one user once; IAM needs the AWS
 * zone's keys; InitQuery on one line. */
static void test_proxy_auth_errors(void **state)
{
	struct diags d;
	struct topology *t = parse(HEAD
		"\"secrets\": [ { \"name\": \"creds\", \"value\": { \"username\": \"master\", \"password\": \"pw-123456\" } },"
		"  { \"name\": \"again\", \"value\": { \"username\": \"master\", \"password\": \"pw-abcdefg\" } } ],"
		"\"resources\": ["
		" { \"name\": \"db\", \"kind\": \"rds\", \"engine\": \"postgres\", \"subnet\": \"a\", \"secret\": \"creds\" },"
		" { \"name\": \"p\", \"kind\": \"rds-proxy\", \"subnet\": \"a\", \"target\": \"db\","
		"   \"auth\": [ { \"secret\": \"nope\" }, { \"secret\": \"creds\", \"iam_auth\": \"REQUIRED\" },"
		"     { \"secret\": \"again\", \"iam_auth\": \"MAYBE\" } ], \"init_query\": \"SET a = 1;\\nSET b = 2\" } ] }",
		&d);

	assert_null(t);
	assert_true(has(&d, "resources[1].auth[0].secret", "ResourceNotFoundException"));
	assert_true(mentions(&d, "add \"aws\" (with sts among its services)"));
	assert_true(has(&d, "resources[1].auth[2].iam_auth", "InvalidParameterValue"));
	assert_true(mentions(&d, "both hold user 'master'"));
	assert_true(has(&d, "resources[1].init_query", "InvalidParameterValue"));
	diags_free(&d);
}

/* Each engine its own uid, in its range, the same for the same names and
 * another for a topology whose name shares the prefix; the only local
 * login root's. */
static void test_engine_uid(void **state)
{
	char *ident = pg_ident_render();
	uid_t a = engine_uid("t1", "db"), b = engine_uid("t1-b", "db");

	assert_true(a >= ENGINE_UID_BASE && a <= ENGINE_UID_BASE + 0xffffff);
	assert_true(b >= ENGINE_UID_BASE && b <= ENGINE_UID_BASE + 0xffffff);
	assert_int_not_equal(a, b);
	assert_int_not_equal(a, engine_uid("t1", "proxy"));
	assert_int_equal(a, engine_uid("t1", "db"));
	/* FNV-1a("t1/db") = 0x0cb55afd (tests/integration/t_rds.sh computes it too) */
	assert_int_equal(a, ENGINE_UID_BASE + 0xb55afd);
	assert_string_equal(ident, "# written by vpcsim: docs/RDS.md\nvpcsim root rdsadmin\n");
	free(ident);
}

/* Databases start before the proxies that use them, both before
 * resource commands. */
static void test_plan_order(void **state)
{
	struct diags d;
	struct topology *t = parse(HEAD
		"\"resources\": ["
		" { \"name\": \"p\", \"kind\": \"rds-proxy\", \"subnet\": \"a\", \"target\": \"db\" },"
		" { \"name\": \"c\", \"subnet\": \"a\", \"command\": \"true\" },"
		" { \"name\": \"db\", \"kind\": \"rds\", \"engine\": \"postgres\", \"subnet\": \"a\","
		"   \"master_username\": \"m\", \"master_password\": \"12345678\" } ] }", &d);
	struct layout L;
	struct plan P;
	int init = -1, start = -1, proxy = -1, cmd = -1;

	assert_non_null(t);
	assert_int_equal(layout_build(t, &L, &d), 0);
	assert_int_equal(plan_build(&L, &P), 0);
	for (int i = 0; i < P.n; i++) {
		if (P.steps[i].op == STEP_DB_INIT)
			init = i;
		if (P.steps[i].op == STEP_DB_START)
			start = i;
		if (P.steps[i].op == STEP_PROXY_START)
			proxy = i;
		if (P.steps[i].op == STEP_COMMAND)
			cmd = i;
	}
	assert_true(init >= 0 && init < start && start < proxy && proxy < cmd);
	plan_free(&P);
	layout_free(&L);
	topology_free(t);
	diags_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_and_secret),
		cmocka_unit_test(test_pool_bounds),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_instance_class),
		cmocka_unit_test(test_mysql),
		cmocka_unit_test(test_conf_texts),
		cmocka_unit_test(test_proxy_conf),
		cmocka_unit_test(test_proxy_auth_errors),
		cmocka_unit_test(test_engine_uid),
		cmocka_unit_test(test_plan_order),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
