/* Where a process is stuck; see proc_where.h. */
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/proc_where.h"
#include "util/fs.h"

#define FRAMES 4 /* of the kernel stack, innermost first */

struct out {
	char *p;
	size_t size, len;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->len + 1 >= o->size)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->p + o->len, o->size - o->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->len += (size_t)n < o->size - o->len ? (size_t)n : o->size - o->len - 1;
}

/* The state letter: field 3 of stat, after the last ')' of the name. */
static char task_state(const char *dir)
{
	char path[128], buf[512], *p;

	snprintf(path, sizeof(path), "%s/stat", dir);
	if (file_get(path, buf, sizeof(buf)) <= 0 || !(p = strrchr(buf, ')')) || p[1] != ' ')
		return '?';
	return p[2];
}

/* "fn<fn<fn" from the stack's lines "[<0>] fn+0x1c/0x80". */
static void task_stack(const char *dir, char *out, size_t size)
{
	char path[128], buf[4096], *line, *save, *end;
	size_t len = 0;
	int n = 0;

	out[0] = '\0';
	snprintf(path, sizeof(path), "%s/stack", dir);
	if (file_get(path, buf, sizeof(buf)) <= 0)
		return;
	for (line = strtok_r(buf, "\n", &save); line && n < FRAMES;
	     line = strtok_r(NULL, "\n", &save)) {
		char *fn = strchr(line, ' ');

		if (!fn)
			continue;
		fn++;
		if ((end = strchr(fn, '+')))
			*end = '\0';
		len += (size_t)snprintf(out + len, len < size ? size - len : 0, "%s%s",
					n++ ? "<" : "", fn);
		if (len >= size)
			break;
	}
}

/* One task: "STATE" and the top of its stack, or (not root) its wait
 * channel. */
static void task(struct out *o, const char *dir)
{
	char path[128], wchan[64] = "", stack[256];

	snprintf(path, sizeof(path), "%s/wchan", dir);
	if (file_get(path, wchan, sizeof(wchan)) < 0 || !strcmp(wchan, "0"))
		wchan[0] = '\0';
	task_stack(dir, stack, sizeof(stack));
	put(o, " %c", task_state(dir));
	if (stack[0]) /* it starts with the wait channel */
		put(o, " %s", stack);
	else if (wchan[0])
		put(o, " %s", wchan);
}

/* The process's threads (its main one first), then its children's main
 * threads, one level down. */
static void process(struct out *o, pid_t pid, int depth)
{
	char dir[64], tdir[128], kids[512] = "", *k, *save;
	struct dirent *de;
	DIR *d;

	snprintf(dir, sizeof(dir), "/proc/%d/task", (int)pid);
	put(o, "%s%d", depth ? "; child " : "", (int)pid);
	if (!(d = opendir(dir))) {
		put(o, " gone");
		return;
	}
	snprintf(tdir, sizeof(tdir), "%s/%d", dir, (int)pid);
	task(o, tdir);
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(tdir, sizeof(tdir), "%s/%s", dir, de->d_name);
		if (atoi(de->d_name) != (int)pid) {
			put(o, "; thread %s", de->d_name);
			task(o, tdir);
		}
		if (depth == 0) {
			char cpath[160], buf[256];

			snprintf(cpath, sizeof(cpath), "%s/children", tdir);
			if (file_get(cpath, buf, sizeof(buf)) > 0 &&
			    strlen(kids) + strlen(buf) + 1 < sizeof(kids))
				strcat(kids, buf);
		}
	}
	closedir(d);
	for (k = strtok_r(kids, " \n", &save); k; k = strtok_r(NULL, " \n", &save))
		process(o, (pid_t)atoi(k), depth + 1);
}

void proc_where(pid_t pid, char *out, size_t size)
{
	struct out o = { out, size, 0 };

	if (!size)
		return;
	out[0] = '\0';
	process(&o, pid, 0);
}
