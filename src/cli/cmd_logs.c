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
	ino_t ino;                 /* of the file off is in */
	struct timespec last;      /* its last write when first seen */
	bool started;
};

/* Print file `path` from `off`; returns the offset reached. A "#stream"
 * line starts a stream; "#continued" starts the file that goes on with
 * one (the stream keeps its newest lines, sup_log.h) and is shown only
 * when nothing of the stream was shown yet. */
static long file_print(const char *path, long off, const char *fn, bool *shown)
{
	char line[65536];
	FILE *f = fopen(path, "re");

	if (!f)
		return off;
	fseek(f, off, SEEK_SET);
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "#stream ", 8)) {
			printf("==> /aws/lambda/%s %s", fn, line + 8);
		} else if (!strncmp(line, "#continued ", 11)) {
			if (!*shown)
				printf("==> /aws/lambda/%s %.*s (its older lines dropped: a stream keeps "
				       "its newest 4 to 8 MB)\n", fn, (int)strcspn(line + 11, "\n"),
				       line + 11);
		} else {
			fputs(line, stdout);
		}
		*shown = true;
	}
	off = ftell(f);
	fclose(f);
	return off;
}

/* Print what is new in one stream: first its older half (FILE.1), and
 * after the file was rotated, the rest of the file it became. */
static void stream_print(struct stream *s, const char *fn)
{
	char older[sizeof(s->path) + 8];
	struct stat st, so;
	bool shown = s->started;

	if (stat(s->path, &st) < 0)
		return;
	snprintf(older, sizeof(older), "%s.1", s->path);
	if (!s->started)
		file_print(older, 0, fn, &shown);
	else if (st.st_ino != s->ino && stat(older, &so) == 0 && so.st_ino == s->ino)
		file_print(older, s->off, fn, &shown);
	if (st.st_ino != s->ino)
		s->off = 0;
	s->ino = st.st_ino;
	s->started = true;
	s->off = file_print(s->path, s->off, fn, &shown);
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
			struct stat sb;

			memset(&st[n], 0, sizeof(st[n]));
			snprintf(st[n].path, sizeof(st[n].path), "%s", path);
			if (stat(path, &sb) == 0)
				st[n].last = sb.st_mtim;
			n++;
		}
	}
	closedir(d);
	return n;
}

static int by_last_write(const void *a, const void *b)
{
	const struct timespec *x = &((const struct stream *)a)->last;
	const struct timespec *y = &((const struct stream *)b)->last;

	return x->tv_sec != y->tv_sec ? (x->tv_sec < y->tv_sec ? -1 : 1) :
	       x->tv_nsec != y->tv_nsec ? (x->tv_nsec < y->tv_nsec ? -1 : 1) : 0;
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
		int seen = n;

		/* Streams new to this pass, the least recently written first,
		 * so that the newest lines are the last shown, whatever order
		 * the directory lists them in (two environments' streams). */
		n = streams_scan(fndir, st, n);
		qsort(st + seen, (size_t)(n - seen), sizeof(st[0]), by_last_write);
		for (int i = 0; i < n; i++)
			stream_print(&st[i], fn);
		if (follow)
			usleep(200000);
	} while (follow && state_is_up(name));
	return EXIT_OK;
}
