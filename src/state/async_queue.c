/* The asynchronous invoke queue on disk; see async_queue.h. */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "state/async_queue.h"
#include "util/err.h"
#include "util/fs.h"

void async_queue_dir(const char *state_dir, char *out, size_t size)
{
	snprintf(out, size, "%s/events/queue", state_dir);
}

void async_failed_dir(const char *state_dir, char *out, size_t size)
{
	snprintf(out, size, "%s/events/failed", state_dir);
}

/* An id is a file name of ours: letters, digits and '-' only. */
static bool id_valid(const char *id)
{
	size_t n = strlen(id);

	return n > 0 && n < ASYNC_ID_MAX && strspn(id, "0123456789abcdefABCDEF-") == n;
}

static long long wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int async_save(const char *state_dir, const struct async_event *e)
{
	char dir[4096], tmp[4200], path[4200], *text = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);
	int err;

	if (!id_valid(e->id))
		return errf(EINVAL, "the async queue: '%s' is not an event id", e->id);
	if (!m)
		return errf(ENOMEM, "out of memory");
	fprintf(m, "function %s\nsource %s\naccepted_ms %lld\ndue_ms %lld\nattempts %d\n"
		"throttles %d\nlineage %d\n\n", e->function, e->source, e->accepted_ms, e->due_ms,
		e->attempts, e->throttles, e->lineage);
	fwrite(e->payload ? e->payload : "", 1, e->payload ? e->len : 0, m);
	fclose(m);
	async_queue_dir(state_dir, dir, sizeof(dir));
	snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, e->id);
	snprintf(path, sizeof(path), "%s/%s", dir, e->id);
	err = mkdir_p(dir, 0700);
	if (!err)
		err = file_write_private(tmp, text, len, 0);
	if (!err && rename(tmp, path) < 0)
		err = errf(errno, "the async queue: renaming %s: %s", tmp, strerror(errno));
	if (err)
		unlink(tmp);
	free(text);
	return err;
}

int async_enqueue(const char *state_dir, struct async_event *e)
{
	if (e->len > ASYNC_PAYLOAD_MAX)
		return errf(E2BIG, "RequestEntityTooLargeException: %zu byte payload is too large for "
			    "the Event invocation type (limit %d bytes)", e->len, ASYNC_PAYLOAD_MAX);
	e->accepted_ms = wall_ms();
	if (!e->due_ms)
		e->due_ms = e->accepted_ms;
	return async_save(state_dir, e);
}

static void header_line(struct async_event *e, const char *k, const char *v)
{
	if (!strcmp(k, "function"))
		snprintf(e->function, sizeof(e->function), "%s", v);
	else if (!strcmp(k, "source"))
		snprintf(e->source, sizeof(e->source), "%s", v);
	else if (!strcmp(k, "accepted_ms"))
		e->accepted_ms = atoll(v);
	else if (!strcmp(k, "due_ms"))
		e->due_ms = atoll(v);
	else if (!strcmp(k, "attempts"))
		e->attempts = atoi(v);
	else if (!strcmp(k, "throttles"))
		e->throttles = atoi(v);
	else if (!strcmp(k, "lineage"))
		e->lineage = atoi(v);
}

int async_load(const char *state_dir, const char *id, struct async_event *e)
{
	char dir[4096], path[4200], *text, *p;
	size_t len;

	memset(e, 0, sizeof(*e));
	if (!id_valid(id))
		return errf(EINVAL, "the async queue: '%s' is not an event id", id);
	async_queue_dir(state_dir, dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/%s", dir, id);
	if (!(text = file_read(path, &len)))
		return errf(errno, "the async queue: reading %s: %s", path, strerror(errno));
	snprintf(e->id, sizeof(e->id), "%s", id);
	for (p = text; *p && *p != '\n';) {
		char *eol = strchr(p, '\n'), *sp;

		if (!eol)
			break;
		*eol = '\0';
		if ((sp = strchr(p, ' '))) {
			*sp = '\0';
			header_line(e, p, sp + 1);
		}
		p = eol + 1;
	}
	if (*p != '\n' || !e->function[0]) {
		free(text);
		return errf(EBADMSG, "the async queue: %s is not a queued event", path);
	}
	e->len = len - (size_t)(p + 1 - text);
	e->payload = malloc(e->len + 1);
	if (!e->payload) {
		free(text);
		return errf(ENOMEM, "out of memory");
	}
	memcpy(e->payload, p + 1, e->len);
	e->payload[e->len] = '\0';
	free(text);
	return 0;
}

int async_remove(const char *state_dir, const char *id)
{
	char dir[4096], path[4200];

	if (!id_valid(id))
		return errf(EINVAL, "the async queue: '%s' is not an event id", id);
	async_queue_dir(state_dir, dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/%s", dir, id);
	if (unlink(path) < 0 && errno != ENOENT)
		return errf(errno, "the async queue: removing %s: %s", path, strerror(errno));
	return 0;
}

int async_list(const char *state_dir, char (**ids)[ASYNC_ID_MAX], int *n)
{
	char dir[4096];
	struct dirent *d;
	DIR *D;
	int cap = 0;

	*ids = NULL;
	*n = 0;
	async_queue_dir(state_dir, dir, sizeof(dir));
	if (!(D = opendir(dir)))
		return errno == ENOENT ? 0 : errf(errno, "the async queue: %s: %s", dir, strerror(errno));
	while ((d = readdir(D))) {
		if (!id_valid(d->d_name))
			continue;
		if (*n == cap) {
			void *g = realloc(*ids, (size_t)(cap = cap ? cap * 2 : 64) * ASYNC_ID_MAX);

			if (!g) {
				closedir(D);
				return errf(ENOMEM, "out of memory");
			}
			*ids = g;
		}
		snprintf((*ids)[(*n)++], ASYNC_ID_MAX, "%s", d->d_name);
	}
	closedir(D);
	return 0;
}

void async_event_free(struct async_event *e)
{
	free(e->payload);
	e->payload = NULL;
}

static bool fn_name_safe(const char *fn)
{
	size_t n = strlen(fn);

	return n > 0 && n < ASYNC_FN_MAX && fn[0] != '.' && !strchr(fn, '/');
}

int async_lineage_set(const char *state_dir, const char *fn, int lineage, long long until_ms)
{
	char dir[4096], path[4200], text[64];

	if (!fn_name_safe(fn))
		return errf(EINVAL, "the async queue: '%s' is not a function name", fn);
	snprintf(dir, sizeof(dir), "%s/events/lineage", state_dir);
	snprintf(path, sizeof(path), "%s/%s", dir, fn);
	snprintf(text, sizeof(text), "%d %lld\n", lineage, until_ms);
	if (mkdir_p(dir, 0700) < 0)
		return -1;
	return file_write_private(path, text, strlen(text), 0);
}

int async_lineage_get(const char *state_dir, const char *fn)
{
	char path[4200], text[64];
	long long until = 0;
	int lineage = 0;

	if (!fn_name_safe(fn))
		return 0;
	snprintf(path, sizeof(path), "%s/events/lineage/%s", state_dir, fn);
	if (file_get(path, text, sizeof(text)) <= 0 ||
	    sscanf(text, "%d %lld", &lineage, &until) != 2 || until < wall_ms())
		return 0;
	return lineage;
}
