/* DNS records of the VPC resolver (model/dns.c): names, views, split
 * horizon, the DNS attributes, and the keys' validation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "model/dns.h"
#include "model/layout.h"

static const char *base_json =
	"{ \"name\": \"dn\", \"region\": \"%s\","
	"  \"internet\": { \"hosts\": [ { \"name\": \"api\", \"ip\": \"203.0.113.10\", \"dns_name\": \"api.example.com\" } ] },"
	"  \"vpcs\": [ { \"name\": \"app\", \"cidr\": \"10.0.0.0/16\", \"internet_gateway\": true, \"enable_dns_hostnames\": %s,"
	"    \"subnets\": [ { \"name\": \"pub\", \"cidr\": \"10.0.0.0/24\", \"route_table\": \"public\" },"
	"                   { \"name\": \"priv\", \"cidr\": \"10.0.1.0/24\" } ],"
	"    \"route_tables\": [ { \"name\": \"public\", \"routes\": [ { \"destination\": \"0.0.0.0/0\", \"target\": \"igw\" } ] } ] },"
	"    { \"name\": \"off\", \"cidr\": \"10.9.0.0/16\", \"enable_dns_support\": false,"
	"      \"subnets\": [ { \"name\": \"off-a\", \"cidr\": \"10.9.1.0/24\" } ] } ],"
	"  \"resources\": ["
	"    { \"name\": \"db\", \"kind\": \"rds\", \"subnet\": \"priv\", \"ip\": \"10.0.1.10\" },"
	"    { \"name\": \"pool\", \"kind\": \"rds-proxy\", \"subnet\": \"priv\", \"ip\": \"10.0.1.11\" },"
	"    { \"name\": \"web\", \"kind\": \"rds\", \"subnet\": \"pub\", \"ip\": \"10.0.0.20\", \"publicly_accessible\": true },"
	"    { \"name\": \"q\", \"subnet\": \"off-a\", \"ip\": \"10.9.1.5\" },"
	"    { \"name\": \"inst\", \"kind\": \"ec2\", \"subnet\": \"pub\", \"ip\": \"10.0.0.30\","
	"      \"public_ip\": \"198.51.100.77\" } ] }";

struct fx {
	struct topology *t;
	struct layout L;
	struct diags d;
};

static void open_fx(struct fx *f, const char *region, const char *hostnames)
{
	char json[4096];

	snprintf(json, sizeof(json), base_json, region, hostnames);
	memset(f, 0, sizeof(*f));
	f->t = topology_parse("t.json", json, strlen(json), &f->d);
	assert_non_null(f->t);
	assert_int_equal(layout_build(f->t, &f->L, &f->d), 0);
}

static void close_fx(struct fx *f)
{
	layout_free(&f->L);
	topology_free(f->t);
	diags_free(&f->d);
}

static bool has_line(const char *text, const char *line)
{
	size_t n = strlen(line);

	for (const char *p = text; (p = strstr(p, line)); p += n)
		if ((p == text || p[-1] == '\n') && (p[n] == '\n' || p[n] == '\0'))
			return true;
	return false;
}

static int count(const char *text, const char *what)
{
	int n = 0;

	for (const char *p = text; (p = strstr(p, what)); p += strlen(what))
		n++;
	return n;
}

static void test_names(void **state)
{
	struct fx f;
	char s[DNS_NAME_MAX], tok[DNS_TOKEN_LEN], tok2[DNS_TOKEN_LEN];

	open_fx(&f, "us-east-1", "true");
	dns_ip_name(f.t, 0x0a00010a, s, sizeof(s));
	assert_string_equal(s, "ip-10-0-1-10.ec2.internal");
	dns_rds_token(f.t, tok);
	assert_int_equal(strlen(tok), 12);
	for (int i = 0; i < 12; i++)
		assert_true((tok[i] >= 'a' && tok[i] <= 'z') || (tok[i] >= '0' && tok[i] <= '9'));
	dns_rds_token(f.t, tok2);
	assert_string_equal(tok, tok2); /* stable */
	assert_true(dns_rds_endpoint(f.t, 1, s, sizeof(s)));
	assert_true(strncmp(s, "pool.proxy-", 11) == 0);
	assert_non_null(strstr(s, ".us-east-1.rds.amazonaws.com"));
	assert_false(dns_rds_endpoint(f.t, 3, s, sizeof(s))); /* generic */
	free(f.t->name);
	f.t->name = strdup("dm");
	dns_rds_token(f.t, tok2);
	assert_string_not_equal(tok, tok2); /* per topology */
	dns_public_name(f.t, 0xc6336480, s, sizeof(s));
	assert_string_equal(s, "ec2-198-51-100-128.compute-1.amazonaws.com");
	close_fx(&f);

	open_fx(&f, "eu-west-1", "true");
	dns_ip_name(f.t, 0x0a00010a, s, sizeof(s));
	assert_string_equal(s, "ip-10-0-1-10.eu-west-1.compute.internal");
	dns_public_name(f.t, 0xc6336480, s, sizeof(s));
	assert_string_equal(s, "ec2-198-51-100-128.eu-west-1.compute.amazonaws.com");
	close_fx(&f);
	(void)state;
}

static void test_views(void **state)
{
	struct fx f;
	char folder[DNS_FOLDER_MAX], addrs[64];

	open_fx(&f, "us-east-1", "false");
	assert_int_equal(dns_n_views(&f.L), 4);
	assert_int_equal(dns_view_vpc(&f.L, 0), 0);
	assert_int_equal(dns_view_vpc(&f.L, dns_view_lambda(&f.L)), -1);
	assert_true(dns_view_serves(&f.L, 0));
	assert_false(dns_view_serves(&f.L, 1)); /* enable_dns_support false */
	assert_true(dns_view_serves(&f.L, dns_view_internet(&f.L)));
	assert_int_equal(dns_view_resolver(&f.L, 0), 0x0a000002);
	assert_int_equal(dns_view_resolver(&f.L, dns_view_lambda(&f.L)), DNS_LINK_LOCAL);
	dns_view_folder(&f.L, 0, folder);
	assert_string_equal(folder, "vpc.app");
	dns_view_folder(&f.L, dns_view_internet(&f.L), folder);
	assert_string_equal(folder, "inet");
	dns_view_addresses(&f.L, 0, addrs, sizeof(addrs));
	assert_string_equal(addrs, "10.0.0.2,169.254.169.253");
	dns_view_addresses(&f.L, 1, addrs, sizeof(addrs));
	assert_string_equal(addrs, "");
	assert_int_equal(dns_view_router(&f.L, 0), f.L.vpc_router[0]);
	assert_int_equal(dns_view_router(&f.L, dns_view_lambda(&f.L)), f.L.lambda);
	close_fx(&f);
	(void)state;
}

static void test_records(void **state)
{
	struct fx f;
	char *app, *out, line[512], tok[DNS_TOKEN_LEN];

	open_fx(&f, "us-east-1", "true");
	dns_rds_token(f.t, tok);
	app = dns_records_render(&f.L, 0);
	out = dns_records_render(&f.L, dns_view_internet(&f.L));
	assert_non_null(app);
	assert_non_null(out);
	/* Inside: ip- name first (the reverse answer), then node and RDS names. */
	snprintf(line, sizeof(line), "10.0.1.10\tip-10-0-1-10.ec2.internal db db.%s.us-east-1.rds.amazonaws.com", tok);
	assert_true(has_line(app, line));
	/* A public RDS instance: private inside... */
	snprintf(line, sizeof(line), "10.0.0.20\tip-10-0-0-20.ec2.internal web web.%s.us-east-1.rds.amazonaws.com", tok);
	assert_true(has_line(app, line));
	/* ...public outside, and no private name there. */
	assert_null(strstr(out, "ec2.internal"));
	assert_non_null(strstr(out, "web.")); /* on the public address line */
	assert_null(strstr(out, "10.0.0.20"));
	/* Not public: the private address outside too, as AWS's public DNS. */
	snprintf(line, sizeof(line), "10.0.1.10\tdb db.%s.us-east-1.rds.amazonaws.com", tok);
	assert_true(has_line(out, line));
	assert_true(has_line(app, "203.0.113.10\tapi api.example.com"));
	assert_true(has_line(out, "203.0.113.10\tapi api.example.com"));
	/* An instance's public DNS name: its private address inside, its
	 * public one outside; an RDS instance gets none (its endpoint). */
	assert_true(has_line(app, "10.0.0.30\tip-10-0-0-30.ec2.internal inst "
				  "ec2-198-51-100-77.compute-1.amazonaws.com"));
	assert_true(has_line(out, "198.51.100.77\tinst ec2-198-51-100-77.compute-1.amazonaws.com"));
	assert_int_equal(count(out, "compute-1.amazonaws.com"), 1);
	free(app);
	free(out);
	close_fx(&f);

	/* Hostnames off: no ip- name anywhere, node names stay; no public
	 * DNS name either (AWS: either attribute false, none). */
	open_fx(&f, "us-east-1", "false");
	app = dns_records_render(&f.L, 0);
	out = dns_records_render(&f.L, dns_view_internet(&f.L));
	assert_null(strstr(app, "compute-1"));
	assert_null(strstr(out, "ec2-198"));
	assert_true(has_line(out, "198.51.100.77\tinst"));
	free(out);
	assert_null(strstr(app, "ec2.internal"));
	assert_non_null(strstr(app, "\tdb db."));
	free(app);
	close_fx(&f);
	(void)state;
}

static void test_envs_and_resolv(void **state)
{
	struct fx f;
	uint32_t ips[] = { 0x0a000105, 0x0a000106 };
	char *text, names[DNS_NAMES_MAX][DNS_NAME_MAX];

	open_fx(&f, "us-east-1", "true");
	text = dns_env_records_render(&f.L, 0, ips, 2);
	assert_true(has_line(text, "10.0.1.5\tip-10-0-1-5.ec2.internal"));
	assert_true(has_line(text, "10.0.1.6\tip-10-0-1-6.ec2.internal"));
	free(text);
	text = dns_env_records_render(&f.L, 1, ips, 2); /* DNS off there */
	assert_null(strstr(text, "ip-"));
	free(text);
	text = dns_resolv_conf_view(&f.L, 0);
	assert_true(has_line(text, "nameserver 10.0.0.2"));
	assert_true(has_line(text, "search ec2.internal"));
	free(text);
	text = dns_resolv_conf_view(&f.L, dns_view_lambda(&f.L));
	assert_true(has_line(text, "nameserver 169.254.169.253"));
	assert_null(strstr(text, "search"));
	free(text);
	assert_int_equal(dns_node_names(&f.L, layout_find_node(&f.L, "api"), names, DNS_NAMES_MAX), 2);
	assert_string_equal(names[1], "api.example.com");
	assert_int_equal(dns_node_names(&f.L, layout_find_node(&f.L, "q"), names, DNS_NAMES_MAX), 1);
	assert_string_equal(names[0], "q"); /* VPC off: no ip- name */
	close_fx(&f);
	(void)state;
}

static int errors_of(const char *json, const char *path, const char *code, const char *text)
{
	struct diags d = { 0 };
	struct topology *t = topology_parse("t.json", json, strlen(json), &d);
	int found = 0;

	for (int i = 0; i < d.n; i++)
		found += !strcmp(d.items[i].path, path) && !strcmp(d.items[i].code, code) &&
			 strstr(d.items[i].message, text) != NULL;
	if (t)
		topology_free(t);
	diags_free(&d);
	return found;
}

static void test_validation(void **state)
{
	assert_int_equal(errors_of("{\"name\":\"v\",\"vpcs\":[{\"name\":\"a\",\"cidr\":\"10.0.0.0/16\","
				   "\"enable_dns_support\":false,\"enable_dns_hostnames\":true}]}",
				   "vpcs[0].enable_dns_hostnames", "InvalidParameterValue",
				   "only enable DNS hostnames if you've enabled DNS support"), 1);
	assert_int_equal(errors_of("{\"name\":\"v\",\"internet\":{\"hosts\":[{\"name\":\"h\",\"ip\":\"203.0.113.1\","
				   "\"dns_name\":\"x..y\"}]}}", "internet.hosts[0].dns_name",
				   "InvalidParameterValue", "empty label"), 1);
	assert_int_equal(errors_of("{\"name\":\"v\",\"internet\":{\"hosts\":[{\"name\":\"h\",\"ip\":\"203.0.113.1\","
				   "\"dns_name\":\"-a.example.com\"}]}}", "internet.hosts[0].dns_name",
				   "InvalidParameterValue", "starts with '-'"), 1);
	assert_int_equal(errors_of("{\"name\":\"v\",\"internet\":{\"hosts\":[{\"name\":\"h\",\"ip\":\"203.0.113.1\","
				   "\"dns_name\":\"ip-1-2-3-4.ec2.internal\"}]}}", "internet.hosts[0].dns_name",
				   "InvalidParameterValue", "under ec2.internal"), 1);
	assert_int_equal(errors_of("{\"name\":\"v\",\"internet\":{\"hosts\":[{\"name\":\"h\",\"ip\":\"203.0.113.1\","
				   "\"dns_name\":\"a.b\"},{\"name\":\"i\",\"ip\":\"203.0.113.2\",\"dns_name\":\"a.b\"}]}}",
				   "internet.hosts[1].dns_name", "DuplicateName", "also internet host h's"), 1);
	/* Near misses that are fine: a name merely ending in the letters. */
	assert_int_equal(errors_of("{\"name\":\"v\",\"internet\":{\"hosts\":[{\"name\":\"h\",\"ip\":\"203.0.113.1\","
				   "\"dns_name\":\"notamazonaws.com\"}]}}", "internet.hosts[0].dns_name",
				   "InvalidParameterValue", ""), 0);
	(void)state;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_views),
		cmocka_unit_test(test_records),
		cmocka_unit_test(test_envs_and_resolv),
		cmocka_unit_test(test_validation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
