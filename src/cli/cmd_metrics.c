/* vpcsim metrics: RDS Proxy's CloudWatch figures of a topology's proxies
 * (docs/RDS.md, "Metrics"), once or every SECONDS (--watch) with what
 * changed since the last block, from each proxy's metrics file. */
#include <dirent.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cJSON.h>

#include "cli/cli.h"
#include "kernel/engine.h"
#include "model/engine_conf.h"
#include "state/state.h"
#include "util/err.h"

#define PROXIES_MAX 32

struct shown {
	char name[128];
	struct rdsproxy_metrics m;
	bool seen;
};

/* The proxies of the state folder: engine-NAME folders with a metrics
 * file (one NAME when given). */
static int proxies(const char *dir, const char *only, struct shown *out)
{
	char path[STATE_PATH_MAX + 300];
	struct dirent *de;
	DIR *d = opendir(dir);
	int n = 0;

	if (!d)
		return errf(errno, "reading %s: %s", dir, strerror(errno));
	while ((de = readdir(d)) && n < PROXIES_MAX) {
		const char *name = de->d_name + 7;

		if (strncmp(de->d_name, "engine-", 7) || (only && strcmp(name, only)))
			continue;
		snprintf(path, sizeof(path), "%s/%s/%s", dir, de->d_name, RDSPROXY_METRICS_FILE);
		if (access(path, F_OK) == 0)
			snprintf(out[n++].name, sizeof(out[0].name), "%s", name);
	}
	closedir(d);
	if (!n)
		return errf(ENOENT, "no proxy%s%s%s runs in this topology", only ? " '" : "",
			    only ? only : "", only ? "'" : "");
	return n;
}

static void print_block(const char *dir, struct shown *p, int n, bool watch)
{
	char edir[ENGINE_DIR_MAX], when[32];
	time_t now = time(NULL);
	struct tm tm;

	strftime(when, sizeof(when), "%H:%M:%S", gmtime_r(&now, &tm));
	for (int k = 0; k < n; k++) {
		struct rdsproxy_metrics m;

		engine_dir(dir, p[k].name, edir);
		if (rdsproxy_metrics_read(edir, &m) < 0) {
			printf("%s  %s: %s\n", when, p[k].name, err_msg());
			continue;
		}
		printf("%s  ProxyName=%s\n", when, p[k].name);
		for (int i = 0; i < m.n; i++) {
			long long before = p[k].seen ? rdsproxy_metric(&p[k].m, m.name[i]) : m.value[i];

			printf("  %-44s %10lld", m.name[i], m.value[i]);
			if (watch && p[k].seen && m.value[i] != before)
				printf("  (%+lld)", m.value[i] - before);
			putchar('\n');
		}
		p[k].m = m;
		p[k].seen = true;
	}
	fflush(stdout);
}

static int print_json(const char *dir, struct shown *p, int n)
{
	cJSON *root = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(root, "proxies");
	char edir[ENGINE_DIR_MAX], *text;

	for (int k = 0; k < n; k++) {
		cJSON *o = cJSON_CreateObject(), *m;
		struct rdsproxy_metrics v;

		cJSON_AddStringToObject(o, "ProxyName", p[k].name);
		engine_dir(dir, p[k].name, edir);
		if (rdsproxy_metrics_read(edir, &v) < 0) {
			cJSON_AddStringToObject(o, "error", err_msg());
		} else {
			m = cJSON_AddObjectToObject(o, "metrics");
			for (int i = 0; i < v.n; i++)
				cJSON_AddNumberToObject(m, v.name[i], (double)v.value[i]);
		}
		cJSON_AddItemToArray(arr, o);
	}
	text = cJSON_Print(root);
	puts(text ? text : "{}");
	free(text);
	cJSON_Delete(root);
	return EXIT_OK;
}

int cmd_metrics(int argc, char **argv)
{
	static const struct option opts[] = { { "watch", required_argument, NULL, 'w' },
					       { "json", no_argument, NULL, 'j' }, { 0 } };
	static struct shown p[PROXIES_MAX];
	char name[TOPO_NAME_MAX_LEN + 1], dir[STATE_PATH_MAX];
	const char *topo = NULL;
	int c, n, every = 0;
	bool json = false;

	while ((c = getopt_long(argc, argv, "t:", opts, NULL)) != -1) {
		if (c == 't')
			topo = optarg;
		else if (c == 'w' && (every = atoi(optarg)) >= 1 && every <= 3600)
			continue;
		else if (c == 'j')
			json = true;
		else
			return fail(EXIT_USAGE, "%s (--watch takes 1 to 3600 seconds)", verb_usage("metrics"));
	}
	if (argc - optind > 1 || (optind < argc && (strchr(argv[optind], '/') || argv[optind][0] == '.')))
		return fail(EXIT_USAGE, "%s", verb_usage("metrics"));
	if (state_pick(topo, name) < 0)
		return fail(EXIT_FAILED, "%s", err_msg());
	state_dir(name, dir);
	if ((n = proxies(dir, optind < argc ? argv[optind] : NULL, p)) < 0)
		return fail(EXIT_FAILED, "metrics: %s", err_msg());
	if (json)
		return print_json(dir, p, n);
	do {
		print_block(dir, p, n, every > 0);
		if (every)
			sleep((unsigned)every);
	} while (every && state_is_up(name));
	return EXIT_OK;
}
