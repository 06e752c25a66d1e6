/* HTTP API routes: route keys' checks and API Gateway's route selection
 * (model/route_key.h, model/http_route.h), and the zone they bring. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/aws_zone.h"
#include "model/graph.h"
#include "model/layout.h"
#include "model/http_route.h"
#include "model/topology.h"

static struct topology *parse(const char *events, struct diags *d)
{
	char text[4096];

	snprintf(text, sizeof(text), "{\"name\":\"rt\",\"functions\":[%s]}", events);
	memset(d, 0, sizeof(*d));
	return topology_parse("t.json", text, strlen(text), d);
}

static void path_ok(const char *p)
{
	char why[256] = "";

	if (http_route_path_check(p, why, sizeof(why)) < 0)
		fail_msg("%s refused: %s", p, why);
}

static void path_bad(const char *p, const char *part)
{
	char why[256] = "";

	if (http_route_path_check(p, why, sizeof(why)) == 0)
		fail_msg("%s accepted", p);
	if (!strstr(why, part))
		fail_msg("%s: '%s' does not say '%s'", p, why, part);
}

static void test_keys(void **state)
{
	path_ok("/");
	path_ok("$default");
	path_ok("/items/{id}");
	path_ok("/a/{b}/c/{proxy+}");
	path_ok("/v1.2/x-y_z");
	path_bad("items", "starts with '/'");
	path_bad("/a//b", "empty segment");
	path_bad("/a/", "trailing");
	path_bad("/{proxy+}/x", "must be the last");
	path_bad("/a{b}", "whole segment");
	path_bad("/{a b}", "whole segment");
	path_bad("/{x}/{x}", "appears twice");
	assert_true(http_route_method_valid("PATCH"));
	assert_false(http_route_method_valid("get"));
	assert_false(http_route_method_valid("FETCH"));
}

/* The function and route key a request selects, or "-". */
static const char *pick(const struct topology *t, const char *method, const char *path,
			struct http_match *m)
{
	static char out[600];

	if (http_route_find(t, method, path, m) < 0)
		return "-";
	snprintf(out, sizeof(out), "%s %s", t->functions[m->fn].name, m->route_key);
	return out;
}

static void test_selection(void **state)
{
	static struct http_match m;
	struct diags d;
	struct topology *t = parse(
		"{\"name\":\"lit\",\"events\":[{\"type\":\"http_api\",\"method\":\"GET\",\"path\":\"/pets/dog\"}]},"
		"{\"name\":\"var\",\"events\":[{\"type\":\"http_api\",\"method\":\"GET\",\"path\":\"/pets/{id}\"},"
		"{\"type\":\"http_api\",\"path\":\"/pets/{id}/toys\"}]},"
		"{\"name\":\"any\",\"events\":[{\"type\":\"http_api\",\"path\":\"/pets/{id}\"}]},"
		"{\"name\":\"greedy\",\"events\":[{\"type\":\"http_api\",\"path\":\"/pets/{proxy+}\"},"
		"{\"type\":\"http_api\",\"path\":\"/{all+}\"}]}", &d);

	assert_non_null(t);
	assert_string_equal(pick(t, "GET", "/pets/dog", &m), "lit GET /pets/dog");
	assert_string_equal(pick(t, "GET", "/pets/cat", &m), "var GET /pets/{id}");
	assert_int_equal(m.n_params, 1);
	assert_string_equal(m.params[0].name, "id");
	assert_string_equal(m.params[0].value, "cat");
	assert_string_equal(pick(t, "POST", "/pets/cat", &m), "any ANY /pets/{id}");
	assert_string_equal(pick(t, "POST", "/pets/dog", &m), "any ANY /pets/{id}");
	assert_string_equal(pick(t, "GET", "/pets/dog/toys", &m), "var ANY /pets/{id}/toys");
	assert_string_equal(pick(t, "GET", "/pets/a/b/c", &m), "greedy ANY /pets/{proxy+}");
	assert_string_equal(m.params[0].value, "a/b/c");
	assert_string_equal(pick(t, "GET", "/other/x", &m), "greedy ANY /{all+}");
	assert_string_equal(m.params[0].value, "other/x");
	assert_string_equal(pick(t, "GET", "/", &m), "-");
	assert_string_equal(pick(t, "GET", "/pets/", &m), "greedy ANY /pets/{proxy+}");
	assert_true(aws_serves(t, AWS_EXECUTE_API));
	assert_false(aws_serves(t, AWS_S3));
	topology_free(t);
	diags_free(&d);
}

static void test_default_and_conflict(void **state)
{
	static struct http_match m;
	struct diags d;
	struct topology *t = parse(
		"{\"name\":\"one\",\"events\":[{\"type\":\"http_api\",\"method\":\"GET\",\"path\":\"/a\"}]},"
		"{\"name\":\"fallback\",\"events\":[{\"type\":\"http_api\",\"path\":\"$default\"}]}", &d);

	assert_non_null(t);
	assert_string_equal(pick(t, "DELETE", "/a", &m), "fallback $default");
	assert_int_equal(m.n_params, 0);
	assert_string_equal(pick(t, "GET", "/a", &m), "one GET /a");
	topology_free(t);
	diags_free(&d);
	t = parse("{\"name\":\"one\",\"events\":[{\"type\":\"http_api\",\"method\":\"GET\",\"path\":\"/a\"}]},"
		  "{\"name\":\"two\",\"events\":[{\"type\":\"http_api\",\"method\":\"GET\",\"path\":\"/a\"}]}", &d);
	assert_null(t);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.items[0].code, "ConflictException");
	assert_string_equal(d.items[0].path, "functions[1].events[0].path");
	diags_free(&d);
}

/* graph draws the API, its routes and the other event sources. */
static void test_graph(void **state)
{
	static const char *json =
		"{\"name\":\"gev\",\"aws\":{\"s3\":{\"buckets\":[{\"name\":\"uploads\"}]}},"
		"\"functions\":[{\"name\":\"f\",\"events\":["
		"{\"type\":\"http_api\",\"method\":\"GET\",\"path\":\"/items/{id}\"},"
		"{\"type\":\"s3\",\"bucket\":\"uploads\",\"events\":[\"s3:ObjectCreated:*\"],\"prefix\":\"in/\"},"
		"{\"type\":\"schedule\",\"expression\":\"rate(5 minutes)\"}]}]}";
	struct diags d = { 0 };
	struct topology *t = topology_parse("g.json", json, strlen(json), &d);
	struct layout L;
	char *buf = NULL, host[AWS_HOST_MAX], want[AWS_HOST_MAX + 64];
	size_t len = 0;
	FILE *o;

	assert_non_null(t);
	assert_int_equal(layout_build(t, &L, &d), 0);
	o = open_memstream(&buf, &len);
	assert_int_equal(graph_write_dot(&L, NULL, 0, o), 0);
	fclose(o);
	aws_service_host(t, AWS_EXECUTE_API, 0, host);
	snprintf(want, sizeof(want), "label=\"HTTP API\\n%s\\n198.18.0.15\"", host);
	assert_non_null(strstr(buf, want));
	assert_non_null(strstr(buf, "\"api:http\" -> \"fn:f\" [color=\"#d86613\", label=\"GET /items/{id}\"]"));
	assert_non_null(strstr(buf, "\"s3:uploads\" -> \"fn:f\" [style=dashed, color=\"#d86613\", label=\"in/*\"]"));
	assert_non_null(strstr(buf, "label=\"EventBridge\\nrate(5 minutes)\""));
	free(buf);
	layout_free(&L);
	topology_free(t);
	diags_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_selection),
		cmocka_unit_test(test_default_and_conflict),
		cmocka_unit_test(test_graph),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
