/* One invoke of a function, code or command; see invoke.h. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "lambda/codepkg.h"
#include "lambda/cold_turns.h"
#include "lambda/env.h"
#include "lambda/env_reclaim.h"
#include "lambda/fn_sandbox.h"
#include "lambda/invoke.h"
#include "lambda/runtime_api.h"
#include "lambda/sandbox.h"
#include "lambda/supervisor.h"
#include "lambda/warm_handoff.h"
#include "kernel/cgroup.h"
#include "kernel/freezer.h"
#include "state/usage.h"
#include "util/clock.h"
#include "util/sendv.h"
#include "util/b64.h"
#include "util/err.h"

#define IDLE_DEFAULT_S 900
/* The watchdog's margin past what the supervisor itself bounds (the init's
 * limit, the function's timeout): a supervisor silent longer has stopped
 * talking (SIGSTOP, wedged) and its environment is destroyed. Generous: a
 * supervisor starved of CPU on a loaded machine must not be taken for one. */
#define WATCHDOG_MARGIN_MS 10000
#define BUSY_TRIES 4 /* environments passed by as busy in one invoke (invoke_code) */
#define WATCH_LATE_MS 1000 /* read_again(): a read past the deadline waits this long */
#define WATCH_SLACK_MS 100 /* watch(): a read may wait this much past its deadline */

static void env_dir_of(const struct live *lv, const char *id, char out[PATH_MAX])
{
	path_env_dir(out, PATH_MAX, lv->name, id);
}

static int mkdirs(const char *a, const char *b)
{
	if ((mkdir(a, 0755) < 0 && errno != EEXIST) || (mkdir(b, 0755) < 0 && errno != EEXIST))
		return errf(errno, "creating %s: %s", b, strerror(errno));
	return 0;
}

/* A new log stream name, YYYY/MM/DD/[$LATEST]<32 hex>, as Lambda draws. */
static void stream_name(char out[128])
{
	char id[37], hex[33], day[16];
	time_t t = time(NULL);
	struct tm tm;
	int n = 0;

	sandbox_uuid_v4(id);
	for (char *p = id; *p; p++)
		if (*p != '-')
			hex[n++] = *p;
	hex[n] = '\0';
	gmtime_r(&t, &tm);
	strftime(day, sizeof(day), "%Y/%m/%d", &tm);
	snprintf(out, 128, "%s/[$LATEST]%s", day, hex);
}

static char **fn_env_strings(const struct function *f)
{
	char **v = calloc((size_t)f->n_env + 1, sizeof(*v));

	for (int i = 0; v && i < f->n_env; i++)
		if (asprintf(&v[i], "%s=%s", f->env[i].key, f->env[i].value) < 0)
			v[i] = NULL;
	return v;
}

static void strv_free(char **v)
{
	for (int i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

static int cfg_package(const struct live *lv, const struct function *f, struct sup_cfg *c)
{
	static char *argv[2];
	char rt[PATH_MAX];
	int err;

	if ((err = codepkg_task_dir(lv->dir, f->name, &f->code, c->task_dir)) < 0 ||
	    (err = codepkg_layers(lv->dir, f->name, &f->code, c->opt_dirs, &c->n_opt)) < 0)
		return err;
	snprintf(c->workdir, sizeof(c->workdir), "/var/task");
	if (f->code.family == RUNTIME_PROVIDED) {
		argv[0] = "/var/task/bootstrap";
		c->runtime_dir[0] = '\0';
	} else {
		if ((err = codepkg_runtimes_dir(rt)) < 0)
			return err;
		snprintf(c->runtime_dir, sizeof(c->runtime_dir), "%s/%s", rt,
			 f->code.family == RUNTIME_PYTHON ? "python" :
			 f->code.family == RUNTIME_JAVA ? "java" : "nodejs");
		argv[0] = "/var/runtime/bootstrap";
	}
	c->argv = argv;
	c->env = fn_env_strings(f);
	return 0;
}

/* Lambda runs ENTRYPOINT + CMD, each as image_config overrides it. */
static int cfg_image(const struct live *lv, const struct function *f, struct sup_cfg *c)
{
	const struct function_code *fc = &f->code;
	struct image_spec im;
	char **ep, **cmd, **argv;
	int n = 0, ne = 0, err;

	if ((err = codepkg_image(lv->dir, f->name, fc, &im)) < 0)
		return err;
	snprintf(c->rootfs, sizeof(c->rootfs), "%s", im.rootfs);
	ep = fc->entry_point.n >= 0 ? fc->entry_point.v : im.entrypoint;
	cmd = fc->command.n >= 0 ? fc->command.v : im.cmd;
	for (int i = 0; ep && ep[i]; i++)
		n++;
	for (int i = 0; cmd && cmd[i]; i++)
		n++;
	argv = calloc((size_t)n + 1, sizeof(*argv));
	if (!argv || n == 0) {
		free(argv);
		image_spec_free(&im);
		return errf(EINVAL, "the image of %s has neither ENTRYPOINT nor CMD: set "
			    "image_config.entry_point", f->name);
	}
	for (int i = 0; ep && ep[i]; i++)
		argv[ne++] = strdup(ep[i]);
	for (int i = 0; cmd && cmd[i]; i++)
		argv[ne++] = strdup(cmd[i]);
	c->argv = argv;
	/* _HANDLER: the command's last word when it has more than one, as
	 * AWS's emulator sets it for images ("Assume last arg is the
	 * handler"): CMD's handler after an ENTRYPOINT, or one ENTRYPOINT
	 * ending in it (AWS's Node.js client reads nothing else). */
	snprintf(c->handler, sizeof(c->handler), "%s", n > 1 ? argv[n - 1] : "");
	snprintf(c->workdir, sizeof(c->workdir), "%s", image_workdir(fc, &im));
	/* The image's ENV first, the function's over it. */
	int ni = 0;

	for (int i = 0; im.env && im.env[i]; i++)
		ni++;
	c->env = calloc((size_t)(ni + f->n_env) + 1, sizeof(char *));
	for (int i = 0; c->env && i < ni; i++)
		c->env[i] = strdup(im.env[i]);
	for (int i = 0; c->env && i < f->n_env; i++)
		if (asprintf(&c->env[ni + i], "%s=%s", f->env[i].key, f->env[i].value) < 0)
			c->env[ni + i] = NULL;
	image_spec_free(&im);
	return 0;
}

static int cfg_build(const struct live *lv, int fn, const struct env_meta *m, struct sup_cfg *c)
{
	const struct function *f = &lv->t->functions[fn];
	const char *idle = getenv("VPCSIM_ENV_IDLE_S");
	char logdir[PATH_MAX], fndir[PATH_MAX + 64];

	memset(c, 0, sizeof(*c));
	snprintf(c->topo, sizeof(c->topo), "%s", lv->name);
	snprintf(c->env_id, sizeof(c->env_id), "%s", m->id);
	snprintf(c->netns, sizeof(c->netns), "%s", m->netns);
	snprintf(c->function, sizeof(c->function), "%s", f->name);
	env_dir_of(lv, m->id, c->env_dir);
	snprintf(logdir, sizeof(logdir), "%s/logs/lambda", lv->dir);
	snprintf(fndir, sizeof(fndir), "%s/%s", logdir, f->name);
	if (mkdirs(logdir, fndir) < 0)
		return -EIO;
	stream_name(c->stream);
	/* One file per stream: an id reused after a reset starts a new one. */
	snprintf(c->log_path, sizeof(c->log_path), "%s/%s.%s.log", fndir, m->id,
		 strchr(c->stream, ']') + 1);
	snprintf(c->region, sizeof(c->region), "%s", lv->t->region);
	snprintf(c->account, sizeof(c->account), "%s", lv->t->account_id);
	c->memory_mb = f->memory_mb;
	c->timeout_s = f->timeout_s;
	c->log_json = f->log.json;
	snprintf(c->app_level, sizeof(c->app_level), "%s", f->log.app_level);
	snprintf(c->sys_level, sizeof(c->sys_level), "%s", f->log.sys_level);
	c->idle_s = idle ? atoi(idle) : IDLE_DEFAULT_S;
	c->family = f->code.family;
	snprintf(c->runtime_id, sizeof(c->runtime_id), "%s", f->code.runtime ? f->code.runtime : "");
	snprintf(c->handler, sizeof(c->handler), "%s", f->handler ? f->handler : "");
	fn_aws_load(lv->dir, lv->t->aws.enabled, f->name, &c->aws);
	if (f->code.kind == CODE_IMAGE_OCI || f->code.kind == CODE_IMAGE_TAR)
		return cfg_image(lv, f, c);
	return cfg_package(lv, f, c);
}

/* A per-sandbox environment changes its VPC's data plane, as `sg` does:
 * made and removed under the topology lock (lambda/env.h). Any other is
 * made beside other cold starts. */
static bool needs_state_lock(const struct live *lv, int fn)
{
	return lv->t->functions[fn].has_vpc && lv->t->eni_mode == ENI_MODE_PER_SANDBOX;
}

static int lock_if(bool take)
{
	return take ? state_lock() : 0;
}

static void unlock_if(bool taken)
{
	if (taken)
		state_unlock();
}

/* How long an invoke may wait for a warm environment offered to it: as
 * long as the last cold start took, from its network to its init's end. */
static int handoff_bound_ms(void)
{
	double ms = cold_start_last_ms();

	return ms > HANDOFF_WAIT_MAX_MS ? HANDOFF_WAIT_MAX_MS :
	       ms > HANDOFF_WAIT_MS ? (int)ms : HANDOFF_WAIT_MS;
}

/* An environment of fn with a live supervisor, connected to it (*fd): a
 * warm one, or one made now (cold start: its network, then its code and
 * supervisor, in a turn among cold starts: lambda/cold_turns.h). A cold
 * one comes with its turn (*turn: when it was taken): the caller gives
 * it back when the init is over. */
static int acquire_locked(const struct live *lv, int fn, struct env_handle *h, int *fd,
			  double *turn)
{
	char dir[PATH_MAX];
	double t0;
	int err;

	/* Environments whose supervisor reclaimed them for idleness are
	 * removed when one is met or a cold start is due, not on every warm
	 * invoke (a list of every environment: 1,000 at scale). */
	for (int tries = 0; tries < 8; tries++) {
		if ((err = env_acquire(lv, fn, true, h)) < 0)
			return err;
		env_dir_of(lv, h->m.id, dir);
		if (!h->cold && (*fd = supervisor_connect(dir)) >= 0)
			return 0;
		if (!h->cold) { /* its supervisor is gone: so is it, and others like it */
			env_destroy(lv, &h->m);
			env_release(h);
			env_reap_reclaimed(lv);
			err_clear();
			continue;
		}
		env_reap_reclaimed(lv);
		struct sup_cfg c = { .env = NULL };

		cold_turn_take();
		t0 = now_ms();
		err = env_reclaim_for(lv, h->m.function, h->m.id);
		if (err == 0 && (err = cfg_build(lv, fn, &h->m, &c)) == 0) {
			c.t_start_ms = t0;
			err = supervisor_start(&c);
		}
		strv_free(c.env);
		if (c.rootfs[0])
			strv_free(c.argv);
		/* h->init_ms stays the network's part: the supervisor counts
		 * from t0 to its init's end (sup_cfg.h t_start_ms) */
		cold_start_note(h->init_ms + now_ms() - t0); /* so far; its init's end notes the whole */
		if (err == 0 && (*fd = supervisor_connect(dir)) < 0)
			err = *fd;
		if (err < 0) {
			char msg[1024];

			cold_turn_give(-1);
			snprintf(msg, sizeof(msg), "%s", err_msg());
			env_destroy(lv, &h->m);
			env_release(h);
			return errf(err, "%s", msg);
		}
		*turn = t0;
		return 0;
	}
	return errf(EAGAIN, "no environment of %s could be reused or made", lv->t->functions[fn].name);
}

static int acquire(const struct live *lv, int fn, struct env_handle *h, int *fd, double *turn)
{
	bool global = needs_state_lock(lv, fn);
	int err = lock_if(global);

	*turn = 0;
	if (err < 0)
		return err;
	err = acquire_locked(lv, fn, h, fd, turn);
	unlock_if(global);
	return err;
}

/* The billing figures of the REPORT line in a log frame. The supervisor
 * writes REPORT after the function is done, so the last one seen wins over
 * any line the function printed itself to look like one. */
static void report_scan(const char *buf, struct invoke_outcome *r)
{
	for (const char *p = buf; (p = strstr(p, "REPORT RequestId: ")); p++) {
		const char *b = strstr(p, "\tBilled Duration: ");
		const char *m = strstr(p, "\tMemory Size: ");
		const char *d = strstr(p, "\tDuration: ");
		long long billed;
		int mb;

		if (d && sscanf(d, "\tDuration: %lf ms", &r->duration_ms) != 1)
			r->duration_ms = 0;
		if (b && m && sscanf(b, "\tBilled Duration: %lld ms", &billed) == 1 &&
		    sscanf(m, "\tMemory Size: %d MB", &mb) == 1) {
			r->billed_ms = billed;
			r->memory_mb = mb;
		}
	}
}

/* The body frame ('B'), once the status says where it goes: a failed
 * invoke's to rq->errors when the caller gave one. */
static void body_out(const struct invoke_request *rq, const struct invoke_outcome *r,
		     const char *body, size_t len)
{
	FILE *to = strcmp(r->status, "ok") && rq->errors ? rq->errors : rq->out;

	if (!len)
		return;
	if (r->streamed && to == rq->out && !rq->exact)
		fputc('\n', to); /* after the streamed bytes, on a line of its own */
	fwrite(body, 1, len, to);
	if (!rq->exact)
		fputc('\n', to);
	fflush(to);
}

/* What the frames of one invoke make: the body kept for its status, and
 * the environment offered to the next invoke once answered (handoff). */
struct reading {
	const struct invoke_request *rq;
	struct invoke_outcome *r;
	char *body;
	size_t blen;
	const char *topo, *fn;
	int handoff;               /* warm_handoff token, or -1 */
	double turn;               /* a cold start's turn, held until 'D': when taken, or 0 */
	long watched_ms;           /* SO_RCVTIMEO as last set on this supervisor's socket, or 0 */
	double cold_pre_ms;        /* a cold start's network and code, before its turn */
	double deadline;           /* now_ms(): the watchdog's (invoke_deadline) */
};

/* The cold start's turn given back: at its init's end ('D', inited: the
 * whole cold start, network to init, is what the next handoff may wait)
 * or when its supervisor ended first. */
static void turn_end(struct reading *g, bool inited)
{
	double took = now_ms() - g->turn;

	if (g->turn <= 0)
		return;
	cold_turn_give(took);
	if (inited)
		cold_start_note(g->cold_pre_ms + took);
	g->turn = 0;
}

/* 'R': the runtime answered; with extensions at work ("1" last) or not.
 * A caller that waits (no responded()) gets the body with 'S' unless
 * extensions still work, as before Lambda's early answer mattered to it. */
static void frame_answered(struct reading *g, const char *buf)
{
	const struct invoke_request *rq = g->rq;
	struct invoke_outcome *r = g->r;
	int streamed = 0, ext = 0;
	char status[32];

	if (sscanf(buf, "%31s %d %d %39s", status, &streamed, &ext, r->request_id) < 1 ||
	    (!ext && !rq->responded))
		return;
	snprintf(r->status, sizeof(r->status), "%s", status);
	r->early = true;
	r->ext_working = ext;
	body_out(rq, r, g->body, g->blen);
	if (!ext)
		g->handoff = handoff_offer(g->topo, g->fn);
	if (rq->responded)
		rq->responded(rq->responded_arg, r);
}

/* One frame of the supervisor's: logs, a streamed response's start ('K',
 * its content type) and bytes ('C'), the body ('B', kept for the status),
 * the first init's end ('D'), the response given before the invoke ends
 * ('R'). 1 after the status ('S'), else 0. */
static int frame(struct reading *g, char type, char *buf, size_t len)
{
	const struct invoke_request *rq = g->rq;
	struct invoke_outcome *r = g->r;
	int reset = 0, streamed = 0;

	if (type == 'L') {
		report_scan(buf, r);
		fputs(buf, rq->logs);
		fflush(rq->logs);
	} else if (type == 'K') {
		r->streamed = true;
		if (rq->stream_start)
			rq->stream_start(rq->stream_arg, buf);
	} else if (type == 'C') {
		fwrite(buf, 1, len, rq->out);
		fflush(rq->out);
	} else if (type == 'B') {
		free(g->body);
		g->body = buf;
		g->blen = len;
		return 0;
	} else if (type == 'Z') { /* refused: an invoke whose caller went runs */
		free(buf);
		return 2;
	} else if (type == 'D') {
		turn_end(g, true);
	} else if (type == 'R') {
		frame_answered(g, buf);
	} else if (type == 'S' && r->early) {
		sscanf(buf, "%*s %d", &reset);
		r->reset = reset;
	} else if (type == 'S') {
		sscanf(buf, "%31s %d %d %39s", r->status, &reset, &streamed, r->request_id);
		r->reset = reset;
		body_out(rq, r, g->body, g->blen);
	}
	free(buf);
	return type == 'S';
}

/* When the watchdog gives up on an invoke's supervisor: it answers within
 * the init's limit (a cold start, or a warm environment still in its
 * init), then the function's timeout (its own timer: Sandbox.Timedout),
 * and the margin. */
static double invoke_deadline(const struct function *f)
{
	return now_ms() + SUP_INIT_LIMIT_MS + f->timeout_s * 1000.0 + WATCHDOG_MARGIN_MS;
}

/* The next read from the supervisor waits until the deadline at most
 * (SO_RCVTIMEO), WATCH_LATE_MS once it has passed (read_again); by
 * WATCH_SLACK_MS more at most: the timeout is set again only when what
 * is left has fallen that much below it (a warm invoke's frames set it
 * once, where each frame set it: seven setsockopt an invoke). */
static bool watch(FILE *in, struct reading *g)
{
	long ms = (long)(g->deadline - now_ms());
	struct timeval tv;

	if (ms < WATCH_LATE_MS)
		ms = WATCH_LATE_MS;
	if (g->watched_ms && ms <= g->watched_ms && g->watched_ms - ms < WATCH_SLACK_MS)
		return true;
	tv = (struct timeval){ ms / 1000, (ms % 1000) * 1000 };
	if (setsockopt(fileno(in), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0)
		return false;
	g->watched_ms = ms;
	return true;
}

/* A read that failed is tried again (*g's deadline, WATCH_LATE_MS past
 * it) when it failed because the caller was stopped and continued (^Z,
 * SIGSTOP: a read with SO_RCVTIMEO then fails with EINTR, signal(7)), or
 * at the deadline while the supervisor's bytes are there (within
 * WATCH_LATE_MS): a caller stopped past its deadline reads what came
 * meanwhile, and only the supervisor's silence ends the invoke. */
static bool read_again(FILE *in, struct reading *g)
{
	int e = errno;

	if (!ferror(in) || (e != EINTR && e != EAGAIN))
		return false;
	clearerr(in);
	if (e == EAGAIN &&
	    poll(&(struct pollfd){ .fd = fileno(in), .events = POLLIN }, 1, WATCH_LATE_MS) <= 0)
		return false;
	return watch(in, g);
}

/* A frame's len bytes; false when the supervisor went silent or away. */
static bool frame_body(FILE *in, char *buf, size_t len, struct reading *g)
{
	size_t got = 0;

	while ((got += fread(buf + got, 1, len - got, in)) < len)
		if (!read_again(in, g))
			return false;
	return true;
}

static int frames(FILE *in, struct reading *g)
{
	char type;
	size_t len;
	int err = -1, n;

	while (err < 0 && watch(in, g)) {
		char *buf;

		if ((n = fscanf(in, "%c%zu", &type, &len)) == EOF && read_again(in, g))
			continue;
		if (n != 2 || fgetc(in) != '\n')
			break;
		buf = malloc(len + 1);
		if (!buf || !frame_body(in, buf, len, g)) {
			free(buf);
			break;
		}
		buf[len] = '\0';
		if ((n = frame(g, type, buf, len)) == 2)
			return errf(EBUSY, "the environment %s still runs an invoke whose caller went "
				    "away", g->r->env_id);
		if (n)
			err = 0;
	}
	free(g->body);
	g->body = NULL;
	if (err < 0 && now_ms() >= g->deadline - 1)
		err = errf(ETIMEDOUT, "the supervisor of %s stopped talking: no result within the "
			   "function's timeout and the init's limit plus %d s; the watchdog "
			   "destroyed the environment", g->r->env_id, WATCHDOG_MARGIN_MS / 1000);
	else if (err < 0)
		err = errf(EPIPE, "the supervisor of %s ended without a result", g->r->env_id);
	return err;
}

/* The request to the supervisor: "I <init ms> <len> <context len>\n",
 * the payload, the client context; in one write. */
static int request_send(int fd, double init_ms, const char *payload, size_t len,
			const char *client_context)
{
	size_t cclen = client_context ? strlen(client_context) : 0;
	char head[96];
	int n = snprintf(head, sizeof(head), "I %.3f %zu %zu\n", init_ms, len, cclen);
	struct iovec v[3] = { { head, (size_t)n }, { (void *)payload, len },
			      { (void *)(client_context ? client_context : ""), cclen } };
	int err = sendv_all(fd, v, 3);

	if (err == -EAGAIN) /* SO_SNDTIMEO (supervisor_connect): a supervisor
			     * that stopped reading, not a throttle */
		err = -ETIMEDOUT;
	if (err < 0)
		return errf(-err, "sending the invoke to its supervisor: %s", strerror(-err));
	return 0;
}

/* One try of invoke_code(): an environment acquired (*h, left held),
 * the request sent, its frames read; a reset or failed one destroyed.
 * -EBUSY when its supervisor still runs an invoke whose caller went away
 * (the environment is fine and not ours to destroy). */
static int invoke_try(const struct live *lv, int fn, const struct invoke_request *rq,
		      const char *client_context, struct reading *g, struct env_handle *h,
		      bool *held)
{
	const char *payload = rq->payload ? rq->payload : "{}";
	size_t len = rq->payload ? rq->len : 2;
	struct invoke_outcome *r = g->r;
	FILE *in;
	int fd, err;

	err = acquire(lv, fn, h, &fd, &g->turn);
	*held = err == 0;
	if (err < 0)
		return err;
	r->cold = h->cold;
	if (g->turn > 0) /* h->init_ms: the network's part; the turn: code and supervisor */
		g->cold_pre_ms = h->init_ms;
	snprintf(r->env_id, sizeof(r->env_id), "%s", h->m.id);
	g->deadline = invoke_deadline(&lv->t->functions[fn]);
	g->watched_ms = 0; /* a new socket */
	err = request_send(fd, h->cold ? h->init_ms : 0.0, payload, len, client_context);
	/* EPIPE: it may have said 'Z' and closed before the request went */
	in = err < 0 && err != -EPIPE ? NULL : fdopen(fd, "r");
	if (in && (err == 0 || frames(in, g) == -EBUSY))
		err = err == 0 ? frames(in, g) : -EBUSY;
	else if (!in)
		close(fd);
	if (in)
		fclose(in);
	turn_end(g, false); /* the supervisor ended before its init did */
	if (err != -EBUSY && (r->reset || err < 0)) {
		bool global = needs_state_lock(lv, fn);
		char msg[512];

		snprintf(msg, sizeof(msg), "%s", err < 0 ? err_msg() : "");
		if (lock_if(global) == 0) {
			/* ours: its lock is held; a supervisor that stopped
			 * talking is killed by its pid, never handed out again */
			env_destroy(lv, &h->m);
			unlock_if(global);
		}
		err_clear();
		if (err < 0)
			err = errf(-err, "%s", msg);
	}
	return err;
}

/* A function with code: through its environment's supervisor. An
 * environment whose supervisor still runs an invoke whose caller went
 * away (killed mid-invoke: its lock went with it, the invoke goes on, as
 * Lambda's would) is held while another is tried (BUSY_TRIES at most), so
 * that it is not picked again; then let go, intact. */
static int invoke_code(const struct live *lv, int fn, const struct invoke_request *rq,
		       const char *client_context, struct invoke_outcome *r)
{
	struct reading g = { .rq = rq, .r = r, .topo = lv->name, .fn = lv->t->functions[fn].name,
			     .handoff = -1 };
	struct env_handle h, busy[BUSY_TRIES];
	bool held;
	int err, n = 0;

	if ((rq->payload ? rq->len : 2) > RAPI_PAYLOAD_MAX)
		return errf(E2BIG, "RequestEntityTooLargeException: Request must be smaller than "
			    "%d bytes for the InvokeFunction operation", RAPI_PAYLOAD_MAX);
	handoff_wait(g.topo, g.fn, handoff_bound_ms());
	while ((err = invoke_try(lv, fn, rq, client_context, &g, &h, &held)) == -EBUSY &&
	       n < BUSY_TRIES) {
		busy[n++] = h;
		err_clear();
	}
	if (held)
		env_release(&h);
	while (n > 0)
		env_release(&busy[--n]);
	handoff_release(g.handoff);
	return err;
}

/* A function with code may have a runtime frozen in the group: a command
 * must not freeze with it, nor share the group with a supervisor that is
 * ending. Killing the runtime under it made the supervisor end with a
 * kill of the whole group, which raced with the command joining it (the
 * command died of SIGKILL at exec, 1 in 6). So the supervisor runs its
 * shutdown phase and is gone first; the next code invoke is cold. */
static void end_runtime(const struct live *lv, const char *env_id)
{
	char dir[PATH_MAX];
	struct cgroup cg;

	env_dir_of(lv, env_id, dir);
	supervisor_end(dir);
	if (cgroup_open(lv->name, env_id, false, &cg) == 0) { /* no supervisor thawed it */
		if (cgroup_frozen(&cg))
			cgroup_freeze(&cg, false);
		cgroup_close(&cg);
	}
	err_clear();
}

/* A command (rq->argv) or a code-less function's handler, in the sandbox. */
static int invoke_command(const struct live *lv, int fn, const struct invoke_request *rq,
			  struct invoke_outcome *o)
{
	const struct function *f = &lv->t->functions[fn];
	struct invoke_result *r = &o->run;
	struct env_handle h;
	int err;

	bool global = needs_state_lock(lv, fn);

	if ((err = lock_if(global)) < 0)
		return err;
	err = env_acquire(lv, fn, true, &h);
	unlock_if(global);
	if (err < 0)
		return err;
	struct fn_sandbox v;

	if ((err = fn_sandbox_open(lv, fn, &h, &v)) < 0) {
		env_release(&h);
		return err;
	}
	if (f->code.kind != CODE_NONE)
		end_runtime(lv, h.m.id);
	o->command = true;
	o->cold = h.cold;
	snprintf(o->env_id, sizeof(o->env_id), "%s", h.m.id);
	err = sandbox_invoke(&v.sb, &v.env, rq->payload, rq->argv, h.cold ? h.init_ms : -1, r);
	fn_sandbox_close(&v);
	env_release(&h);
	if (err < 0)
		return err;
	snprintf(o->status, sizeof(o->status), "%s", r->timed_out ? "timeout" :
		 r->out_of_memory ? "oom" : r->exit_status != 0 ? "exit" : "ok");
	o->billed_ms = r->billed_ms;
	o->memory_mb = r->memory_mb;
	snprintf(o->request_id, sizeof(o->request_id), "%s", r->request_id);
	return 0;
}

int invoke_drop_idle(const struct live *lv, int fn)
{
	const char *name = lv->t->functions[fn].name;
	struct env_set s;
	int err, n = 0;

	if ((err = state_lock()) < 0)
		return err;
	if ((err = env_list(lv, &s)) == 0) {
		for (int i = 0; i < s.n && err == 0; i++)
			if (!strcmp(s.e[i].function, name) && !s.e[i].busy) {
				err = env_destroy_idle(lv, &s.e[i]); /* an invoke may hold it now */
				n += err == 0;
				err = err == -EBUSY || err == -ENOENT ? 0 : err;
			}
		env_set_free(&s);
	}
	state_unlock();
	return err < 0 ? err : n;
}

int invoke_client_context(const char *b64, char **json)
{
	size_t n = strlen(b64), len;

	*json = NULL;
	if (n == 0 || n > 3583 || b64_decode(b64, n, json, &len) < 0)
		goto bad;
	if (strlen(*json) != len || (*json)[0] != '{') {
		free(*json);
		*json = NULL;
		goto bad;
	}
	return 0;
bad:
	return errf(EBADMSG, "InvalidRequestContentException: Client context must be a valid "
		    "Base64-encoded JSON object (at most 3583 bytes of base64)");
}

int invoke_function(const struct live *lv, int fn, const struct invoke_request *rq,
		    struct invoke_outcome *o)
{
	const struct function *f = &lv->t->functions[fn];
	char *cc = NULL;
	int err;

	memset(o, 0, sizeof(*o));
	if (rq->client_context && (err = invoke_client_context(rq->client_context, &cc)) < 0)
		return err;
	if (!rq->argv && f->code.kind != CODE_NONE)
		err = invoke_code(lv, fn, rq, cc, o);
	else
		err = invoke_command(lv, fn, rq, o);
	free(cc);
	if (err < 0 || o->billed_ms <= 0) /* it did not run: not billed */
		return err;
	if (usage_add(lv->name, f->name, o->billed_ms, o->memory_mb) < 0)
		snprintf(o->uncounted, sizeof(o->uncounted), "%s", err_msg());
	err_clear();
	return 0;
}
