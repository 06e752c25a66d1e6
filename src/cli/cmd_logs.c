/* vpcsim logs: the log streams of a function's environments, as
 * CloudWatch Logs shows them (/aws/lambda/FN, one stream per environment,
 * "TIME MESSAGE" lines). */
#include <dirent.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "state/state.h"
#include "util/err.h"

#define MAX_STREAMS 256

struct stream {
	char path[STATE_PATH_MAX + 256];
	long off;
};

/* Print what is new in one stream file; a "#stream NAME" line starts a
 * stream (the file is rewritten when its environment is made again). */
static void stream_print(struct stream *s, const char *fn)
{
	char line[65536];
	FILE *f = fopen(s->path, "re");

	if (!f)
		return;
	fseek(f, s->off, SEEK_SET);
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "#stream ", 8))
			printf("==> /aws/lambda/%s %s", fn, line + 8);
		else
			fputs(line, stdout);
	}
	s->off = ftell(f);
	fclose(f);
	fflush(stdout);
}

static int streams_scan(const char *dir, struct stream *st, int n)
{
	struct dirent *de;
	DIR *d = opendir(dir);

	if (!d)
		return n;
	while ((de = readdir(d)) && n < MAX_STREAMS) {
		size_t len = strlen(de->d_name);
		bool known = false;
		char path[sizeof(st->path)];

		if (len < 5 || strcmp(de->d_name + len - 4, ".log"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		for (int i = 0; i < n && !known; i++)
			known = !strcmp(st[i].path, path);
		if (!known) {
			snprintf(st[n].path, sizeof(st[n].path), "%s", path);
			st[n++].off = 0;
		}
	}
	closedir(d);
	return n;
}

int cmd_logs(int argc, char **argv)
{
	static const struct option opts[] = { { "follow", no_argument, NULL, 'f' }, { 0 } };
	static struct stream st[MAX_STREAMS];
	char name[TOPO_NAME_MAX_LEN + 1], dir[STATE_PATH_MAX], fndir[STATE_PATH_MAX + 128];
	const char *topo = NULL, *fn;
	bool follow = false;
	int c, n = 0;

	while ((c = getopt_long(argc, argv, "t:f", opts, NULL)) != -1) {
		if (c == 't')
			topo = optarg;
		else if (c == 'f')
			follow = true;
		else
			return fail(EXIT_USAGE, "%s", verb_usage("logs"));
	}
	if (argc - optind != 1)
		return fail(EXIT_USAGE, "%s", verb_usage("logs"));
	fn = argv[optind];
	if (strchr(fn, '/') || fn[0] == '.')
		return fail(EXIT_USAGE, "logs: '%s' is not a function name", fn);
	if (state_pick(topo, name) < 0)
		return fail(EXIT_FAILED, "%s", err_msg());
	state_dir(name, dir);
	snprintf(fndir, sizeof(fndir), "%s/logs/lambda/%s", dir, fn);
	do {
		n = streams_scan(fndir, st, n);
		for (int i = 0; i < n; i++)
			stream_print(&st[i], fn);
		if (follow)
			usleep(200000);
	} while (follow && state_is_up(name));
	return EXIT_OK;
}
