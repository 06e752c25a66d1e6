/* lambda/env_index: serve's in-memory index of environments (issue 22).
 * Found by id, counted per function (held here, busy elsewhere), each
 * function's idle ones most recently released first, e<k>, addresses
 * and ids in use until removed; 1,000 environments and 20,000 changes
 * later every count still matches a count made by hand. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lambda/env_index.h"

static struct env_meta meta(const char *fn, int n, const char *router, int k, int vpc,
			    uint32_t ip)
{
	struct env_meta m;

	memset(&m, 0, sizeof(m));
	snprintf(m.id, sizeof(m.id), "%s-%d", fn, n);
	snprintf(m.function, sizeof(m.function), "%s", fn);
	snprintf(m.router, sizeof(m.router), "%s", router);
	snprintf(m.netns, sizeof(m.netns), "vpcsim-t.env.%s", m.id);
	m.k = k;
	m.vpc = vpc;
	m.ip = ip;
	return m;
}

static void test_find_count_remove(void **state)
{
	struct env_index *ix = env_index_new();
	struct env_meta a = meta("plain", 1, "lam", 3, -1, 0x0a000002);
	struct env_meta b = meta("plain", 2, "lam", 4, -1, 0x0a000003);
	struct env_meta c = meta("invpc", 1, "hpl", 3, 0, 0x0a000002);

	assert_non_null(ix);
	assert_int_equal(env_index_add(ix, &a, true, false), 0);
	assert_int_equal(env_index_add(ix, &b, false, true), 0);
	assert_int_equal(env_index_add(ix, &c, false, false), 0);
	assert_int_equal(env_index_add(ix, &a, false, false), -EEXIST);
	assert_int_equal(env_index_count(ix, NULL), 3);
	assert_int_equal(env_index_count(ix, "plain"), 2);
	assert_int_equal(env_index_held(ix, "plain"), 1);
	assert_int_equal(env_index_busy(ix, "plain"), 2); /* ours + another's */
	assert_int_equal(env_index_busy(ix, "invpc"), 0);
	assert_int_equal(env_index_busy(ix, "nope"), 0);
	assert_string_equal(env_index_find(ix, "invpc-1")->m.router, "hpl");
	assert_null(env_index_find(ix, "invpc-2"));
	/* The same e<k> in another router, the same address in another VPC. */
	assert_true(env_index_k_used(ix, "lam", 3));
	assert_true(env_index_k_used(ix, "hpl", 3));
	assert_false(env_index_k_used(ix, "hpl", 4));
	assert_true(env_index_ip_used(ix, -1, 0x0a000003));
	assert_true(env_index_ip_used(ix, 0, 0x0a000002));
	assert_false(env_index_ip_used(ix, 1, 0x0a000002));
	assert_true(env_index_id_used(ix, "plain", 2));
	assert_false(env_index_id_used(ix, "invpc", 2));
	env_index_remove(ix, env_index_find(ix, "plain-2"));
	assert_null(env_index_find(ix, "plain-2"));
	assert_false(env_index_k_used(ix, "lam", 4));
	assert_false(env_index_ip_used(ix, -1, 0x0a000003));
	assert_false(env_index_id_used(ix, "plain", 2));
	assert_int_equal(env_index_busy(ix, NULL), 1);
	env_index_clear(ix);
	assert_int_equal(env_index_count(ix, NULL), 0);
	assert_null(env_index_idle(ix, "invpc"));
	assert_false(env_index_k_used(ix, "lam", 3));
	env_index_free(ix);
}

static void test_idle_most_recent_first(void **state)
{
	struct env_index *ix = env_index_new();
	struct env_index_entry *e;

	for (int i = 1; i <= 3; i++) {
		struct env_meta m = meta("f", i, "r", i, -1, (uint32_t)i);

		assert_int_equal(env_index_add(ix, &m, false, false), 0);
	}
	/* Added 1, 2, 3: 3 first. Take 1 and 3, let 1 go: 1, 2. */
	assert_string_equal(env_index_idle(ix, "f")->m.id, "f-3");
	env_index_hold(ix, env_index_find(ix, "f-1"), true);
	env_index_hold(ix, env_index_find(ix, "f-3"), true);
	assert_int_equal(env_index_held(ix, NULL), 2);
	env_index_hold(ix, env_index_find(ix, "f-1"), false);
	e = env_index_idle(ix, "f");
	assert_string_equal(e->m.id, "f-1");
	assert_string_equal(e->next->m.id, "f-2");
	assert_null(e->next->next);
	/* Busy elsewhere: still a candidate (it may be free by now), counted busy. */
	env_index_set_foreign(ix, env_index_find(ix, "f-2"), true);
	assert_int_equal(env_index_busy(ix, "f"), 2);
	env_index_hold(ix, env_index_find(ix, "f-2"), true); /* taken: ours now */
	assert_int_equal(env_index_busy(ix, "f"), 2);
	assert_false(env_index_find(ix, "f-2")->foreign);
	env_index_remove(ix, env_index_find(ix, "f-1"));
	assert_null(env_index_idle(ix, "f"));
	env_index_free(ix);
}

/* 1,000 environments of 3 functions, then 20,000 random holds, releases,
 * removals and adds: the index's counts and sets against a plain array. */
static void test_thousand_and_churn(void **state)
{
	enum { N = 1000, FNS = 3 };
	static const char *fns[FNS] = { "a", "b", "c" };
	static struct { bool in, held; int fn; } ref[N];
	struct env_index *ix = env_index_new();
	int cursor = 0, seen = 0;

	srand(22);
	for (int i = 0; i < N; i++) {
		struct env_meta m = meta(fns[i % FNS], i, "r", i, -1, 0x0a000000u + (uint32_t)i);

		assert_int_equal(env_index_add(ix, &m, false, false), 0);
		ref[i].in = true;
		ref[i].fn = i % FNS;
	}
	for (int step = 0; step < 20000; step++) {
		int i = rand() % N, op = rand() % 4;
		char id[32];

		snprintf(id, sizeof(id), "%s-%d", fns[i % FNS], i);
		if (!ref[i].in) {
			struct env_meta m = meta(fns[i % FNS], i, "r", i, -1, 0x0a000000u + (uint32_t)i);

			assert_false(env_index_k_used(ix, "r", i));
			assert_int_equal(env_index_add(ix, &m, op == 0, false), 0);
			ref[i].in = true;
			ref[i].held = op == 0;
		} else if (op == 3) {
			env_index_remove(ix, env_index_find(ix, id));
			ref[i].in = ref[i].held = false;
		} else {
			env_index_hold(ix, env_index_find(ix, id), op == 0);
			ref[i].held = op == 0;
		}
	}
	for (int f = 0; f < FNS; f++) {
		int n = 0, held = 0, idle = 0;

		for (int i = 0; i < N; i++)
			if (ref[i].in && ref[i].fn == f) {
				n++;
				held += ref[i].held;
				assert_true(env_index_ip_used(ix, -1, 0x0a000000u + (uint32_t)i));
			} else if (ref[i].fn == f) {
				assert_false(env_index_id_used(ix, fns[f], i));
			}
		for (struct env_index_entry *e = env_index_idle(ix, fns[f]); e; e = e->next)
			idle++;
		assert_int_equal(env_index_count(ix, fns[f]), n);
		assert_int_equal(env_index_held(ix, fns[f]), held);
		assert_int_equal(idle, n - held);
	}
	while (env_index_each(ix, &cursor))
		seen++;
	assert_int_equal(seen, env_index_count(ix, NULL));
	env_index_free(ix);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_find_count_remove),
		cmocka_unit_test(test_idle_most_recent_first),
		cmocka_unit_test(test_thousand_and_churn),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
