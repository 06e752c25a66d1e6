/* The front keeps its engines running; see engine_watch.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "aws/engine_watch.h"
#include "aws/front_internal.h"
#include "util/err.h"

static const char *const engine_service[ENGINE_N] = { "s3", "dynamodb" };
static const char *const engine_label[ENGINE_N] = { "S3", "DynamoDB" };

static const char *run_state(const struct engine_run *r)
{
	return r->failed ? "failed" : r->pid ? "running" : "restarting";
}

/* STATE/aws/engines: one line per engine the topology serves,
 * "SERVICE PID START RESTARTS STATE", written aside and renamed. */
void engines_record(const struct front *f)
{
	char path[4200], tmp[4200];
	FILE *fp;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", f->dir, AWS_ENGINES_FILE);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0 || !(fp = fdopen(fd, "w"))) {
		if (fd >= 0)
			close(fd);
		fprintf(stderr, "aws front: writing %s: %s\n", tmp, strerror(errno));
		return;
	}
	for (int e = 0; e < ENGINE_N; e++) {
		const struct engine_run *r = &f->eng[e];

		if (r->pid || r->failed || r->restarts)
			fprintf(fp, "%s %d %llu %d %s\n", engine_service[e], (int)r->pid, r->start,
				r->restarts, run_state(r));
	}
	if (fclose(fp) != 0 || rename(tmp, path) < 0)
		fprintf(stderr, "aws front: writing %s: %s\n", path, strerror(errno));
}

static int engine_start(struct front *f, int e)
{
	return e == ENGINE_S3 ? s3_engine_start(f) : ddb_engine_start(f);
}

/* Engine e ended with `status`: start it again on its data, unless it
 * died ENGINE_QUICK_FAILS times in a row soon after starting. */
static void engine_restart(struct front *f, int e, int status)
{
	struct engine_run *r = &f->eng[e];
	char how[96];

	engine_how(status, how, sizeof(how));
	fprintf(stderr, "aws front: the %s engine (pid %d) %s\n", engine_label[e], (int)r->pid, how);
	for (;;) {
		r->quick = time(NULL) - r->since < ENGINE_QUICK_S ? r->quick + 1 : 0;
		r->pid = 0;
		if (r->quick >= ENGINE_QUICK_FAILS) {
			r->failed = true;
			fprintf(stderr, "aws front: the %s engine died %d times in a row within %d s of "
				"its start; not restarted (`vpcsim down` and `up` start it again)\n",
				engine_label[e], r->quick, ENGINE_QUICK_S);
			break;
		}
		r->restarts++;
		r->since = time(NULL);
		engines_record(f);
		if (engine_start(f, e) == 0) {
			fprintf(stderr, "aws front: the %s engine restarted (pid %d, restart %d) on "
				"its data\n", engine_label[e], (int)r->pid, r->restarts);
			break;
		}
		fprintf(stderr, "%s\n", err_msg());
	}
	engines_record(f);
}

void engines_reap(struct front *f)
{
	pid_t pid;
	int status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		int e = 0;

		while (e < ENGINE_N && f->eng[e].pid != pid)
			e++;
		if (e < ENGINE_N) {
			engine_restart(f, e, status);
		} else {
			char how[96];

			engine_how(status, how, sizeof(how));
			fprintf(stderr, "aws front: child %d %s\n", (int)pid, how);
		}
	}
}

static bool engine_line(const char *line, struct aws_engine_info *o)
{
	int pid;

	memset(o, 0, sizeof(*o));
	if (sscanf(line, "%15s %d %llu %d %15s", o->service, &pid, &o->start, &o->restarts,
		   o->state) != 5 || pid < 0)
		return false;
	o->pid = pid;
	return true;
}

int aws_engines_read(const char *dir, struct aws_engine_info *out, int max)
{
	char path[4200], line[256];
	int fd, n = 0;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, AWS_ENGINES_FILE);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || !(fp = fdopen(fd, "r"))) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	while (n < max && fgets(line, sizeof(line), fp))
		n += engine_line(line, &out[n]);
	fclose(fp);
	return n;
}
