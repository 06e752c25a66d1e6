/* Lambda@Edge's event and result rules (model/cf_event.h, docs/EDGE.md),
 * and the distributions' names (model/cloudfront.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/cf_event.h"
#include "model/cloudfront.h"

static const struct cf_context X = { .domain = "d123.cloudfront.net", .id = "E123",
				     .request_id = "rid", .origin_domain = "origin.example.com",
				     .origin_port = 8080, .include_body = true };

static void request(struct cf_message *m)
{
	memset(m, 0, sizeof(*m));
	snprintf(m->method, sizeof(m->method), "POST");
	m->uri = strdup("/a");
	m->querystring = strdup("x=1");
	snprintf(m->client_ip, sizeof(m->client_ip), "203.0.113.5");
	cf_header_add(m, "Host", "d123.cloudfront.net");
	cf_header_add(m, "X-Two", "1");
	cf_header_add(m, "x-two", "2");
	m->body = strdup("hello");
	m->body_len = 5;
}

static void test_event_shape(void **state)
{
	struct cf_message rq, rp = { .status = 404 };
	char *s = NULL;
	cJSON *e, *cf, *r;

	request(&rq);
	s = cf_event_json(&X, CF_ORIGIN_REQUEST, &rq, NULL);
	e = cJSON_Parse(s);
	cf = cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(e, "Records"), 0), "cf");
	r = cJSON_GetObjectItem(cf, "request");
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(cf, "config"), "eventType")->valuestring,
			    "origin-request");
	assert_string_equal(cJSON_GetObjectItem(r, "uri")->valuestring, "/a");
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(cJSON_GetObjectItem(r, "headers"), "x-two")), 2);
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(r, "body"), "data")->valuestring,
			    "aGVsbG8=");
	assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(r, "origin"), "custom"),
					     "port")->valueint, 8080);
	assert_null(cJSON_GetObjectItem(cf, "response"));
	cJSON_Delete(e);
	free(s);
	s = cf_event_json(&X, CF_VIEWER_RESPONSE, &rq, &rp);
	e = cJSON_Parse(s);
	cf = cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(e, "Records"), 0), "cf");
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(cf, "response"), "status")->valuestring,
			    "404");
	assert_null(cJSON_GetObjectItem(cJSON_GetObjectItem(cf, "request"), "origin"));
	assert_null(cJSON_GetObjectItem(cJSON_GetObjectItem(cf, "request"), "body"));
	cJSON_Delete(e);
	free(s);
	cf_message_clear(&rq);
}

/* Apply result `out` for event e to a fresh request and a 200 response. */
static int apply(enum cf_event_type e, const char *out, bool *gen, char *why,
		 struct cf_message *rq, struct cf_message *rp)
{
	request(rq);
	memset(rp, 0, sizeof(*rp));
	rp->status = 200;
	cf_header_add(rp, "Content-Type", "text/html");
	return cf_event_apply(e, out, strlen(out), rq, rp, gen, why);
}

static void refused(enum cf_event_type e, const char *out, const char *part)
{
	struct cf_message rq, rp;
	char why[CF_WHY_MAX];
	bool gen;

	if (apply(e, out, &gen, why, &rq, &rp) == 0)
		fail_msg("%s accepted", out);
	if (!strstr(why, part))
		fail_msg("%s: '%s' does not say '%s'", out, why, part);
	cf_message_clear(&rq);
	cf_message_clear(&rp);
}

static void test_results(void **state)
{
	struct cf_message rq, rp;
	char why[CF_WHY_MAX], big[50000 + 64];
	bool gen;

	assert_int_equal(apply(CF_VIEWER_REQUEST, "{\"uri\":\"/b\",\"headers\":{\"host\":[{\"value\":"
			       "\"d123.cloudfront.net\"}],\"x-new\":[{\"value\":\"v\"}]}}", &gen, why,
			       &rq, &rp), 0);
	assert_false(gen);
	assert_string_equal(rq.uri, "/b");
	assert_string_equal(cf_header_get(&rq, "x-new"), "v");
	assert_string_equal(rq.h[1].name, "X-New");  /* Title-Case filled in */
	cf_message_clear(&rq);
	cf_message_clear(&rp);
	assert_int_equal(apply(CF_VIEWER_REQUEST, "{\"status\":\"302\",\"headers\":{\"location\":"
			       "[{\"key\":\"Location\",\"value\":\"/x\"}]}}", &gen, why, &rq, &rp), 0);
	assert_true(gen);
	assert_int_equal(rp.status, 302);
	assert_string_equal(cf_header_get(&rp, "Location"), "/x");
	cf_message_clear(&rq);
	cf_message_clear(&rp);
	refused(CF_VIEWER_REQUEST, "{not json", "returned invalid JSON: The JSON output is not parsable");
	refused(CF_VIEWER_REQUEST, "42", "failed validation");
	refused(CF_VIEWER_REQUEST, "{\"headers\":{}}", "read-only header");      /* Host removed */
	refused(CF_ORIGIN_RESPONSE, "{\"headers\":{\"X-Up\":[{\"value\":\"1\"}]}}", "not valid");
	refused(CF_ORIGIN_RESPONSE, "{\"headers\":{\"a\":[{\"value\":\"1\\r\\nb: 2\"}]}}", "not valid");
	refused(CF_VIEWER_RESPONSE, "{\"status\":\"404\"}", "cannot change the status");
	refused(CF_VIEWER_REQUEST, "{\"uri\":\"no-slash\"}", "uri");
	refused(CF_ORIGIN_RESPONSE, "{\"status\":\"99\"}", "status");
	snprintf(big, sizeof(big), "{\"status\":200,\"body\":\"%045000d\"}", 0);
	refused(CF_VIEWER_REQUEST, big, "exceeds the maximum size");
	assert_int_equal(apply(CF_ORIGIN_REQUEST, big, &gen, why, &rq, &rp), 0); /* 1 MB there */
	cf_message_clear(&rq);
	cf_message_clear(&rp);
}

static void test_names(void **state)
{
	struct cf_distribution d[2] = { { .name = "cdn" }, { .name = "other" } };
	struct topology t = { .name = "edge", .account_id = "123456789012", .cloudfront = d,
			      .n_cloudfront = 2 };
	char dom[CF_DOMAIN_MAX], dom2[CF_DOMAIN_MAX], id[CF_ID_MAX];
	char *rec;

	cf_domain(&t, 0, dom);
	cf_domain(&t, 1, dom2);
	cf_id(&t, 0, id);
	assert_int_equal(strlen(dom), 14 + strlen(".cloudfront.net"));
	assert_int_equal(dom[0], 'd');
	assert_string_not_equal(dom, dom2);
	assert_int_equal(strlen(id), 14);
	assert_int_equal(cf_route(&t, dom2), 1);
	dom[0] = 'D';
	assert_int_equal(cf_route(&t, dom), 0);   /* case ignored */
	assert_int_equal(cf_route(&t, "s3.amazonaws.com"), -1);
	rec = cf_records(&t);
	assert_non_null(strstr(rec, "198.18.0.65\t"));
	free(rec);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_event_shape),
		cmocka_unit_test(test_results),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
