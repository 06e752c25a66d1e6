/* node_links_make(): which links a Node.js function's jail gets, from its
 * configuration and the layer folders it mounts at /opt (made here in a
 * scratch folder, no privilege needed). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "lambda/node_links.h"

static char scratch[] = "/tmp/vpcsim-test-node-links.XXXXXX";
static struct sup_cfg cfg;

/* mkdir -p scratch/REL. */
static void dirs(const char *rel)
{
	char cmd[PATH_MAX * 2];

	snprintf(cmd, sizeof(cmd), "mkdir -p '%s/%s'", scratch, rel);
	assert_int_equal(system(cmd), 0);
}

/* A Node.js 20 code package with the layer folders scratch/NAME... */
static void node_fn(int n, const char *const *layers)
{
	memset(&cfg, 0, sizeof(cfg));
	cfg.family = RUNTIME_NODEJS;
	snprintf(cfg.runtime_id, sizeof(cfg.runtime_id), "nodejs20.x");
	snprintf(cfg.runtime_dir, sizeof(cfg.runtime_dir), "/usr/lib/vpcsim/runtimes/nodejs");
	cfg.n_opt = n;
	for (int i = 0; i < n; i++) {
		snprintf(cfg.opt_dirs[i], sizeof(cfg.opt_dirs[i]), "%s/%s", scratch, layers[i]);
		dirs(layers[i]);
	}
}

static int setup(void **state)
{
	assert_non_null(mkdtemp(scratch));
	dirs("plain/nodejs/node_modules/greet");
	dirs("v20/nodejs/node20/node_modules/greet20");
	dirs("both/nodejs/node_modules");
	dirs("both/nodejs/node20/node_modules");
	dirs("other/python");
	dirs("real/node_modules");
	return 0;
}

static int teardown(void **state)
{
	char cmd[PATH_MAX];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", scratch);
	return system(cmd);
}

static void no_layers_links_the_sdk_only(void **state)
{
	struct node_links l;

	node_fn(0, NULL);
	node_links_make(&cfg, &l);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.link[0].dst, "/node_modules");
	assert_string_equal(l.link[0].target, "/var/runtime/node_modules");
}

static void plain_layer_first_then_the_sdk(void **state)
{
	const char *const layers[] = { "other", "plain" };
	struct node_links l;

	node_fn(2, layers);
	node_links_make(&cfg, &l);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.link[1].dst, "/var/node_modules");
	assert_string_equal(l.link[1].target, "/opt/nodejs/node_modules");
}

static void versioned_layer_alone(void **state)
{
	const char *const layers[] = { "v20" };
	struct node_links l;

	node_fn(1, layers);
	node_links_make(&cfg, &l);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.link[1].target, "/opt/nodejs/node20/node_modules");
	/* Node.js 22's folder is node22: node20's is not NODE_PATH's then. */
	snprintf(cfg.runtime_id, sizeof(cfg.runtime_id), "nodejs22.x");
	node_links_make(&cfg, &l);
	assert_int_equal(l.n, 1);
}

static void both_folders_no_links(void **state)
{
	const char *const one[] = { "both" }, *const two[] = { "plain", "v20" };
	struct node_links l;

	node_fn(1, one);
	node_links_make(&cfg, &l);
	assert_int_equal(l.n, 0);
	node_fn(2, two); /* one folder in each layer: the union has both */
	node_links_make(&cfg, &l);
	assert_int_equal(l.n, 0);
}

static void symlinked_layer_path_counts_as_there(void **state)
{
	const char *const layers[] = { "linked" };
	char path[PATH_MAX];
	struct node_links l;

	dirs("linked");
	snprintf(path, sizeof(path), "%s/linked/nodejs", scratch);
	assert_int_equal(symlink("../real", path), 0);
	/* Followed, it would show nodejs/node_modules only: two links. */
	node_fn(1, layers);
	node_links_make(&cfg, &l);
	assert_int_equal(l.n, 0);
}

static void own_node_path_or_other_runtimes_no_links(void **state)
{
	char *env[] = { "GREETING=hi", "NODE_PATH=/opt/custom/node_modules", NULL };
	struct node_links l;

	node_fn(0, NULL);
	cfg.env = env;
	node_links_make(&cfg, &l);
	assert_int_equal(l.n, 0);
	node_fn(0, NULL);
	cfg.family = RUNTIME_PYTHON;
	node_links_make(&cfg, &l);
	assert_int_equal(l.n, 0);
	node_fn(0, NULL);
	snprintf(cfg.rootfs, sizeof(cfg.rootfs), "/run/vpcsim/t/images/f/rootfs");
	node_links_make(&cfg, &l);
	assert_int_equal(l.n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(no_layers_links_the_sdk_only),
		cmocka_unit_test(plain_layer_first_then_the_sdk),
		cmocka_unit_test(versioned_layer_alone),
		cmocka_unit_test(both_folders_no_links),
		cmocka_unit_test(symlinked_layer_path_counts_as_there),
		cmocka_unit_test(own_node_path_or_other_runtimes_no_links),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
