/* The per-environment supervisor; see supervisor.h. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdint.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kernel/cgroup.h"
#include "kernel/freezer.h"
#include "kernel/netns.h"
#include "kernel/proc.h"
#include "kernel/proc_where.h"
#include "lambda/codefs.h"
#include "lambda/runtime_api.h"
#include "lambda/sandbox.h"
#include "lambda/sup_cfg.h"
#include "lambda/sup_log.h"
#include "lambda/sup_platform.h"
#include "lambda/supervisor_runtime.h"
#include "lambda/supervisor.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/fork_flush.h"
#include "util/paths.h"

#define OOM_TICK_MS 20
#define CLIENT_CONTEXT_MAX 3583 /* the Invoke API's limit, base64 */
#define SUP_REPORT_FD 3 /* the started supervisor's word: "" or its error */
#define SUP_CFG_FD 4    /* its configuration (lambda/sup_cfg.h) */
#define SUP_START_MS 15000 /* the supervisor up and its runtime exec'd */
/* The shutdown phase (LDG lambda-runtime-environment.md): 2,000 ms with
 * external extensions, of which the runtime gets up to 300 ms; without
 * any, none (the runtime is killed). */
#define SHUTDOWN_EXT_MS 2000
#define SHUTDOWN_RUNTIME_MS 300
#define SUP_STOP_WAIT_MS 3000 /* a `down` waits this long for a shutdown */
#define SUP_KILL_GRACE_MS 200 /* supervisor_kill(): after a stop was asked */
#define SUP_SEND_MS 10000 /* an invoke's connect and request to its supervisor */
/* An ending supervisor writes what its client did not read yet for this
 * long at most (a client stopped for longer reads EOF: no result). */
#define SUP_DRAIN_MS 10000

enum sup_state {
	S_INIT,          /* runtime started, its init runs */
	S_INIT_FAILED,   /* init error or exit: the next invoke reports it */
	S_NEED_INIT,     /* init timed out: init again inside the next invoke */
	S_IDLE,          /* waiting in `next`, frozen */
	S_BUSY_INIT,     /* an invoke waits for a re-init */
	S_BUSY,          /* an event was handed */
	S_FINISHING,     /* answered; waiting for its next `next` */
};

struct sup {
	const struct sup_cfg *c;
	struct rapi api;
	struct cgroup cg;
	struct runtime_proc rt;
	struct sup_log log;
	struct plat plat;          /* START, END, REPORT…: Text or JSON */
	enum sup_state st;
	int listen_fd, client_fd;
	double t_init0, init_ms, net_init_ms, t_start, deadline, last_used;
	bool cold;                 /* the first invoke reports Init Duration */
	int inits;                 /* runtime_start()s: the first one's started with us */
	bool init_told;            /* 'D' sent: the first init is over */
	long long next_at_hand, oom_before;
	char id[37];
	char *payload;
	size_t plen;
	char *client_context;      /* Lambda-Runtime-Client-Context, or NULL */
	bool have_req;
	/* the request under way (request_read) */
	char req_head[128];
	size_t head_len, req_plen, req_cclen, req_got;
	double req_since;
	/* outcome of the invoke, or of a failed init */
	enum rapi_outcome outcome;
	char *body;
	size_t blen;
	char etype[128];
	char status[32];           /* for S_INIT_FAILED: init_error or exit */
	/* External extensions (/opt/extensions): started before the runtime,
	 * which waits for their registration; their output in one pipe. */
	struct runtime_proc ext[RAPI_EXT_MAX];
	int n_ext, ext_out, ext_out_w;
	char ext_name[RAPI_EXT_MAX][128];
	bool rt_pending;
	bool streamed;             /* the invoke's response is streamed: 'K' sent */
	bool responded;            /* the response went to the caller ('R')
				    * before the invoke ended */
	bool freezing;             /* frozen asked for, not yet waited for */
	bool trimmed;              /* the heap's free pages given back once */
	/* Held by the loop except while it polls, and by the Runtime API's
	 * thread while it answers the caller (outcome_here): everything
	 * above is the loop's otherwise. */
	pthread_mutex_t mu;
};

static long long epoch_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void body_set(struct sup *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void body_set(struct sup *s, const char *fmt, ...)
{
	va_list ap;
	char *b;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&b, fmt, ap);
	va_end(ap);
	free(s->body);
	s->body = n < 0 ? NULL : b;
	s->blen = n < 0 ? 0 : (size_t)n;
}

/* ---- the client ---------------------------------------------------- */

/* The request, read as it comes (the loop polls the client while one is
 * under way): "I <net_init_ms> <len> <client context len>\n" payload
 * context, or "S\n" (supervisor_stop(): the shutdown phase). Never
 * waited for: a client stopped or wedged halfway (a `vpcsim invoke`
 * stopped while it sends a 6 MB payload) would stop the supervisor's
 * timers; one that has not sent it all within SUP_SEND_MS is let go
 * (request_wait_ms). 0: more to come; 1: "S"; 2: an invoke's request
 * whole; -1: the client went, or sent what is not a request. */
static int request_head(struct sup *s)
{
	size_t room = sizeof(s->req_head) - 1 - s->head_len;
	ssize_t got = recv(s->client_fd, s->req_head + s->head_len, room, MSG_PEEK | MSG_DONTWAIT);
	char *nl;

	if (got <= 0)
		return got < 0 && (errno == EAGAIN || errno == EINTR) ? 0 : -1;
	nl = memchr(s->req_head + s->head_len, '\n', (size_t)got);
	if (nl)
		got = nl - (s->req_head + s->head_len) + 1; /* the payload stays */
	if (recv(s->client_fd, s->req_head + s->head_len, (size_t)got, MSG_DONTWAIT) != got)
		return -1;
	s->head_len += (size_t)got;
	s->req_head[s->head_len] = '\0';
	if (!nl)
		return s->head_len < sizeof(s->req_head) - 1 ? 0 : -1;
	if (!strcmp(s->req_head, "S\n"))
		return 1;
	if (sscanf(s->req_head, "I %lf %zu %zu", &s->net_init_ms, &s->req_plen, &s->req_cclen) != 3 ||
	    s->req_plen > RAPI_PAYLOAD_MAX || s->req_cclen > CLIENT_CONTEXT_MAX)
		return -1;
	free(s->payload);
	free(s->client_context);
	s->payload = malloc(s->req_plen + 1);
	s->client_context = s->req_cclen ? malloc(s->req_cclen + 1) : NULL;
	s->req_got = 0;
	return s->payload && (!s->req_cclen || s->client_context) ? 0 : -1;
}

static int request_read(struct sup *s)
{
	int r;

	while (s->head_len == 0 || s->req_head[s->head_len - 1] != '\n')
		if ((r = request_head(s)) != 0 || s->req_head[s->head_len - 1] != '\n')
			return r;
	while (s->req_got < s->req_plen + s->req_cclen) {
		bool pl = s->req_got < s->req_plen;
		char *to = pl ? s->payload + s->req_got : s->client_context + s->req_got - s->req_plen;
		size_t want = pl ? s->req_plen - s->req_got : s->req_plen + s->req_cclen - s->req_got;
		ssize_t got = recv(s->client_fd, to, want, MSG_DONTWAIT);

		if (got <= 0)
			return got < 0 && (errno == EAGAIN || errno == EINTR) ? 0 : -1;
		s->req_got += (size_t)got;
	}
	s->payload[s->req_plen] = '\0';
	if (s->client_context)
		s->client_context[s->req_cclen] = '\0';
	s->plen = s->req_plen;
	s->have_req = true;
	sup_log_client(&s->log, s->client_fd);
	return 2;
}

/* Milliseconds left for the request under way (0: let its client go),
 * -1 when none is. */
static int request_wait_ms(const struct sup *s)
{
	double left;

	if (s->client_fd < 0 || s->have_req)
		return -1;
	left = s->req_since + SUP_SEND_MS - now_ms();
	return left <= 0 ? 0 : (int)left + 1;
}

/* The invoke's end: its connection is the log's (sup_log_client), closed
 * once what waits for it is written; a request never read, never the
 * log's, is closed here. */
static void client_close(struct sup *s)
{
	if (s->client_fd >= 0 && s->client_fd != s->log.client_fd)
		close(s->client_fd);
	sup_log_client(&s->log, -1); /* what it holds goes first */
	s->client_fd = -1;
	s->have_req = false;
	s->last_used = now_ms();
}

/* ---- the runtime --------------------------------------------------- */

static void freeze(struct sup *s, bool frozen)
{
	if (cgroup_freeze(&s->cg, frozen) < 0) {
		fprintf(stderr, "vpcsim supervisor: %s\n", err_msg());
		err_clear();
	}
}

static void ext_reap_all(struct sup *s);

/* The Runtime API handed the event (its on_handed, on its thread): the
 * environment thaws now, and its runtime wakes once, to the event. A
 * thaw is one write of the group's control file (lambda/freezer.h). */
static void thaw_handed(void *arg)
{
	struct sup *s = arg;

	if (s->api.thaw_on_hand && cgroup_freeze_begin(&s->cg, false) < 0) {
		fprintf(stderr, "vpcsim supervisor: %s\n", err_msg());
		err_clear();
	}
}

/* Every process of the environment killed (the runtime, the extensions),
 * and reaped. */
static void runtime_kill(struct sup *s, char *how, size_t size)
{
	cgroup_kill_all(&s->cg);
	ext_reap_all(s);
	/* Never leave the group frozen: an ad-hoc `invoke FN -- CMD` or a
	 * new runtime would freeze on joining it. */
	freeze(s, false);
	if (s->rt.pid > 0)
		runtime_reap(&s->rt, how, size);
	sup_log_pump(&s->log, s->rt.out_fd);
	if (s->rt.out_fd >= 0)
		close(s->rt.out_fd);
	s->rt.out_fd = -1;
}

/* The environment's CPU: unlimited while the init runs (Lambda's init
 * is observed to run faster than the same code in the handler), the
 * memory's share (sandbox_millicpus) from the first `next` on. A failure
 * is only noted: the function still runs. */
static void cpu_share(struct sup *s, bool limited)
{
	if (s->cg.cpu_version &&
	    cgroup_set_cpu(&s->cg, limited ? sandbox_millicpus(s->c->memory_mb) : 0) < 0) {
		fprintf(stderr, "vpcsim supervisor: %s\n", err_msg());
		err_clear();
	}
}

/* The extensions' shared output pipe, made once. */
static int ext_pipe(struct sup *s)
{
	int p[2];

	if (s->ext_out >= 0)
		return 0;
	if (pipe2(p, O_CLOEXEC) < 0)
		return errf(errno, "pipe: %s", strerror(errno));
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	s->ext_out = p[0];
	s->ext_out_w = p[1];
	return 0;
}

/* The init's processes: the external extensions first (the runtime is
 * started once they have all registered: on_notify), else the runtime. */
static int runtime_start(struct sup *s)
{
	char names[RAPI_EXT_MAX][128];
	int n, err = 0;

	plat_init_start(&s->plat);
	cpu_share(s, false);
	s->t_init0 = now_ms();
	s->inits++;
	ext_reap_all(s); /* those of an init that timed out */
	n = runtime_extensions(s->c, names, RAPI_EXT_MAX);
	ext_reset(&s->api, names, n);
	s->n_ext = 0;
	s->rt_pending = n > 0;
	if (n > 0)
		err = ext_pipe(s);
	for (int i = 0; i < n && err == 0; i++, s->n_ext++) {
		snprintf(s->ext_name[i], sizeof(s->ext_name[i]), "%s", names[i]);
		err = runtime_spawn_extension(s->c, &s->cg, names[i], s->ext_out_w, &s->ext[i]);
	}
	if (err < 0 || n > 0)
		return err;
	return runtime_spawn(s->c, &s->cg, &s->rt);
}

/* ---- extensions, shutdown ---------------------------------------------- */

static int ext_alive(const struct sup *s)
{
	int n = 0;

	for (int i = 0; i < s->n_ext; i++)
		n += s->ext[i].pid > 0;
	return n;
}

static void ext_reap(struct sup *s, int i)
{
	char how[64];

	runtime_reap(&s->ext[i], how, sizeof(how));
}

static void ext_reap_all(struct sup *s)
{
	for (int i = 0; i < s->n_ext; i++)
		if (s->ext[i].pid > 0)
			ext_reap(s, i);
}

/* Wait until every extension has ended or `until` (now_ms) passes, their
 * output logged and telemetry delivered meanwhile. */
static void ext_wait(struct sup *s, double until)
{
	while (ext_alive(s) && now_ms() < until) {
		struct pollfd p[RAPI_EXT_MAX + 1] = { { .fd = s->ext_out, .events = POLLIN } };
		int idx[RAPI_EXT_MAX], n = 1;

		for (int i = 0; i < s->n_ext; i++)
			if (s->ext[i].pid > 0) {
				idx[n - 1] = i;
				p[n++] = (struct pollfd){ .fd = s->ext[i].pidfd, .events = POLLIN };
			}
		if (poll(p, (nfds_t)n, (int)(until - now_ms()) + 1) < 0 && errno != EINTR)
			break;
		sup_log_pump_ext(&s->log, s->ext_out);
		for (int k = 1; k < n; k++)
			if (p[k].revents)
				ext_reap(s, idx[k - 1]);
	}
	sup_log_pump_ext(&s->log, s->ext_out);
}

/* The runtime ends first: SIGTERM, SHUTDOWN_RUNTIME_MS, SIGKILL. */
static void runtime_stop(struct sup *s, int grace_ms)
{
	char how[64];

	if (s->rt.pidfd < 0)
		return;
	if (grace_ms > 0) {
		syscall(SYS_pidfd_send_signal, s->rt.pidfd, SIGTERM, NULL, 0);
		poll(&(struct pollfd){ .fd = s->rt.pidfd, .events = POLLIN }, 1, grace_ms);
	}
	syscall(SYS_pidfd_send_signal, s->rt.pidfd, SIGKILL, NULL, 0);
	runtime_reap(&s->rt, how, sizeof(how));
	sup_log_pump(&s->log, s->rt.out_fd);
}

/* Lambda's shutdown phase: with extensions running, the runtime is
 * stopped, each extension registered for SHUTDOWN gets the event with
 * `reason` (spindown, timeout, failure) and the deadline, and all have
 * until then to exit; then whatever is left is killed. */
static void shutdown_phase(struct sup *s, const char *reason)
{
	double until = now_ms() + SHUTDOWN_EXT_MS;
	char ev[192], how[64];

	freeze(s, false);
	if (ext_alive(s)) {
		runtime_stop(s, SHUTDOWN_RUNTIME_MS);
		snprintf(ev, sizeof(ev), "{\"eventType\":\"SHUTDOWN\",\"shutdownReason\":\"%s\","
			 "\"deadlineMs\":%lld}", reason,
			 epoch_ms() + (long long)(until - now_ms()));
		tel_flush(&s->api.tel, true);
		ext_post_event(&s->api, ev, true);
		ext_wait(s, until);
		tel_flush(&s->api.tel, true);
	}
	runtime_kill(s, how, sizeof(how));
	sup_log_flush(&s->log);
}

/* ---- invokes --------------------------------------------------------- */

/* A cold start's Init Duration past the network's part (net_init_ms, the
 * caller's): from when the caller began starting this supervisor (its
 * t_start_ms, the same monotonic clock) to the end of the first init. Not
 * the caller's time to our word added to the init's own: the caller waits
 * for that word until the runtime's exec, which the init counts too (an
 * Init Duration 8-17 ms longer than the request's whole wall time). */
static double cold_init_ms(const struct sup *s)
{
	double from = s->c->t_start_ms;

	if (s->inits == 1 && from > 0 && from <= s->t_init0)
		return s->init_ms + (s->t_init0 - from);
	return s->init_ms;
}

static void report_line(struct sup *s, double duration, const char *status, const char *etype)
{
	struct plat_metrics m = { .duration_ms = duration, .init_ms = -1,
				  .billed_ms = (long long)duration };
	long long peak = 0;

	if ((double)m.billed_ms < duration)
		m.billed_ms++;
	if (m.billed_ms < 1)
		m.billed_ms = 1;
	cgroup_peak_read(&s->cg, &peak);
	m.max_mb = (peak + (1 << 20) - 1) >> 20;
	if (m.max_mb > s->c->memory_mb)
		m.max_mb = s->c->memory_mb;
	if (s->cold)
		m.init_ms = s->net_init_ms + cold_init_ms(s);
	if (s->outcome == RAPI_ERROR && !status)
		m.function_error = s->etype;
	plat_report(&s->plat, s->id, &m, status, etype);
	s->cold = false;
}

/* A streamed response's bytes, as they come: its content type in a 'K'
 * frame first, then 'C' frames. Unless `all` (the response is over),
 * none is taken while the client's queue is full: the runtime's upload
 * waits for a client that reads slowly (sup_log.h). */
static void stream_forward(struct sup *s, bool all)
{
	char ctype[128], *buf;
	size_t len;

	if ((!all && sup_log_out_full(&s->log)) || !rapi_take_stream(&s->api, &buf, &len, ctype))
		return;
	if (!s->streamed)
		sup_log_frame(&s->log, 'K', ctype, strlen(ctype));
	s->streamed = true;
	if (len)
		sup_log_frame(&s->log, 'C', buf, len);
	free(buf);
}

/* Send the result and end the invoke; a reset ends the supervisor. */
static void invoke_finish(struct sup *s, const char *status, bool reset, double duration,
			  const char *report_status, const char *etype)
{
	char line[128];

	stream_forward(s, true);
	sup_log_pump(&s->log, s->rt.out_fd);
	sup_log_flush(&s->log);
	plat_end(&s->plat, s->id);
	report_line(s, duration, report_status, etype);
	if (!s->responded)
		sup_log_frame(&s->log, 'B', s->body ? s->body : "", s->body ? s->blen : 0);
	if (s->freezing) { /* frozen before the client hears the invoke ended */
		s->freezing = false;
		if (cgroup_freeze_wait(&s->cg) < 0) {
			fprintf(stderr, "vpcsim supervisor: %s\n", err_msg());
			err_clear();
		}
	}
	snprintf(line, sizeof(line), "%s %d %d %s", status, reset ? 1 : 0, s->streamed ? 1 : 0,
		 s->id);
	sup_log_frame(&s->log, 'S', line, strlen(line));
	client_close(s);
	free(s->body);
	s->body = NULL;
	s->blen = 0;
	/* After the first invoke (its client answered), the start's free
	 * heap (the configuration as read, the setup's buffers) goes back to
	 * the kernel: an idle supervisor is what 1,000 environments hold. */
	if (!s->trimmed) {
		malloc_trim(0);
		s->trimmed = true;
	}
	if (reset) {
		shutdown_phase(s, !strcmp(status, "timeout") ? "timeout" : "failure");
		sup_log_out_drain(&s->log, SUP_DRAIN_MS); /* the client's last frames */
		_exit(0);
	}
}

static void invoke_start_log(struct sup *s)
{
	sandbox_uuid_v4(s->id);
	s->streamed = false;
	s->responded = false;
	plat_start(&s->plat, s->id);
	cgroup_peak_reset(&s->cg);
	cgroup_oom_kills(&s->cg, &s->oom_before);
	s->t_start = now_ms();
	s->deadline = s->t_start + s->c->timeout_s * 1000.0;
}

/* X-Ray's format: Root=1-<epoch hex>-<24 hex>;Parent=<16 hex>;Sampled=0,
 * digits drawn from the request id. */
static void trace_id(const char *id, char *out, size_t size)
{
	char hex[33];
	int n = 0;

	for (const char *p = id; *p && n < 32; p++)
		if (*p != '-')
			hex[n++] = *p;
	hex[n] = '\0';
	snprintf(out, size, "Root=1-%08llx-%.24s;Parent=%.16s;Sampled=0",
		 (unsigned long long)(epoch_ms() / 1000), hex, hex + 16);
}

/* The INVOKE event of the extensions registered for it. */
static void ext_invoke_event(struct sup *s, const struct rapi_event *ev)
{
	char json[768];

	snprintf(json, sizeof(json), "{\"eventType\":\"INVOKE\",\"deadlineMs\":%lld,"
		 "\"requestId\":\"%s\",\"invokedFunctionArn\":\"%s\",\"tracing\":"
		 "{\"type\":\"X-Amzn-Trace-Id\",\"value\":\"%s\"}}", ev->deadline_ms, ev->id,
		 ev->arn, ev->trace);
	ext_post_event(&s->api, json, false);
}

/* Hand the request's event to the runtime waiting in `next`. */
static void invoke_hand(struct sup *s)
{
	struct rapi_event ev = { .len = s->plen };
	long long n;
	int waiting;

	snprintf(ev.id, sizeof(ev.id), "%s", s->id);
	ev.payload = s->payload;
	s->payload = NULL;
	ev.client_context = s->client_context;
	s->client_context = NULL;
	ev.deadline_ms = epoch_ms() + (long long)(s->deadline - now_ms());
	snprintf(ev.arn, sizeof(ev.arn), "arn:aws:lambda:%s:%s:function:%s", s->c->region,
		 s->c->account, s->c->function);
	trace_id(s->id, ev.trace, sizeof(ev.trace));
	rapi_next_state(&s->api, &n, &waiting);
	s->next_at_hand = n;
	s->outcome = RAPI_NONE;
	/* Without extensions, thawed by thaw_handed() once the event is in
	 * the runtime's socket; with them, now: their INVOKE event and the
	 * telemetry delivered now go to processes of the environment. */
	s->api.thaw_on_hand = ext_count(&s->api) == 0;
	if (!s->api.thaw_on_hand)
		freeze(s, false);
	ext_invoke_event(s, &ev);
	tel_flush(&s->api.tel, true);
	rapi_post_event(&s->api, &ev);
	s->st = S_BUSY;
}

/* The first init is over, done or failed ('D', once, to the invoke that
 * waits for it): the invoke that made the environment gives back its
 * turn among cold starts (lambda/invoke.c). An init past its limit is
 * not over: it runs again inside that invoke, in the same turn. */
static void init_over_tell(struct sup *s)
{
	if (s->init_told || !s->have_req)
		return;
	sup_log_frame(&s->log, 'D', "", 0);
	s->init_told = true;
}

/* The init failed before an invoke could run: that invoke reports it. */
static void init_failed_report(struct sup *s)
{
	invoke_start_log(s);
	if (!strcmp(s->status, "exit"))
		body_set(s, "{\"errorType\":\"Runtime.ExitError\",\"errorMessage\":\"RequestId: %s "
			 "Error: Runtime exited with error: %s\"}", s->id, s->etype);
	invoke_finish(s, s->status, true, now_ms() - s->t_start, "error",
		      !strcmp(s->status, "exit") ? "Runtime.ExitError" :
		      s->etype[0] ? s->etype : "Runtime.Unknown");
}

static void invoke_begin(struct sup *s)
{
	int err;

	if (s->st != S_NEED_INIT)
		init_over_tell(s);
	if (s->st == S_INIT_FAILED) {
		init_failed_report(s);
		return;
	}
	invoke_start_log(s);
	if (s->st == S_IDLE) {
		invoke_hand(s);
		return;
	}
	/* S_NEED_INIT: the init runs again inside the invoke, under the
	 * function's timeout (Lambda's "suppressed init"). */
	err = runtime_start(s);
	if (err < 0) {
		body_set(s, "{\"errorType\":\"Runtime.InvalidEntrypoint\",\"errorMessage\":"
			 "\"RequestId: %s Error: %s\"}", s->id, err_msg());
		invoke_finish(s, "init_error", true, now_ms() - s->t_start, "error",
			      "Runtime.InvalidEntrypoint");
	}
	s->st = S_BUSY_INIT;
}

/* ---- events ---------------------------------------------------------- */

/* The init is done: registration closes, each extension's state is
 * reported (Lambda's EXTENSION lines, platform.extension records), and
 * the init's telemetry is delivered before the freeze. */
static void init_done_records(struct sup *s)
{
	struct rapi_ext x[RAPI_EXT_MAX];
	int n = ext_close(&s->api, x);

	plat_init_runtime_done(&s->plat);
	for (int i = 0; i < n; i++)
		plat_extension(&s->plat, x[i].name, "Ready", x[i].on_invoke, x[i].on_shutdown);
	tel_flush(&s->api.tel, true);
	tel_init_over(&s->api.tel);
}

static void on_init_done(struct sup *s)
{
	s->init_ms = now_ms() - s->t_init0;
	init_done_records(s);
	cpu_share(s, true);
	init_over_tell(s);
	if (s->st == S_BUSY_INIT) {
		invoke_hand(s);
		return;
	}
	s->st = S_IDLE;
	/* The request of a cold start already waits: handed at once, the
	 * runtime not frozen and thawed in between (each a wake-up of its
	 * processes, at its CPU share from here). */
	if (s->have_req) {
		invoke_begin(s);
		return;
	}
	freeze(s, true);
}

/* The runtime ended (crash, exit) or reported an init error. */
static void on_init_fail(struct sup *s, const char *status, const char *how)
{
	char line[512];

	runtime_kill(s, line, sizeof(line));
	cpu_share(s, true);
	snprintf(s->status, sizeof(s->status), "%s", status);
	if (how && how != s->etype) /* (an overlapping snprintf would empty it) */
		snprintf(s->etype, sizeof(s->etype), "%s", how);
	plat_init_report(&s->plat, now_ms() - s->t_init0, "error",
			 !strcmp(status, "exit") ? "Runtime.ExitError" :
			 s->etype[0] ? s->etype : "Runtime.Unknown");
	s->st = S_INIT_FAILED;
	s->init_ms = now_ms() - s->t_init0;
	if (s->have_req)
		invoke_begin(s);
}

static const char *outcome_status(enum rapi_outcome o)
{
	return o == RAPI_RESPONSE ? "ok" : o == RAPI_TOO_LARGE ? "too_large" : "function_error";
}

/* The runtime answered: the caller gets the response now ('B', then 'R'
 * with how it ended and whether extensions registered for INVOKE still
 * work), as Lambda returns it when the runtime posts it, "even if
 * extensions are still running". The invoke itself lasts until the
 * runtime and every extension have called `next` again: END, REPORT
 * (Duration counts that time), the freeze and 'S' follow then. */
static void respond_early(struct sup *s, bool ext_working)
{
	char line[128];

	stream_forward(s, true);
	sup_log_pump(&s->log, s->rt.out_fd);
	sup_log_flush(&s->log);
	sup_log_frame(&s->log, 'B', s->body ? s->body : "", s->body ? s->blen : 0);
	snprintf(line, sizeof(line), "%s %d %d %s", outcome_status(s->outcome),
		 s->streamed ? 1 : 0, ext_working ? 1 : 0, s->id);
	sup_log_frame(&s->log, 'R', line, strlen(line));
	s->responded = true;
}

static void on_outcome(struct sup *s)
{
	enum rapi_outcome o;
	unsigned long long declared;
	char *body;
	size_t len;

	/* An outcome is taken once: after it, the invoke is finishing. */
	if (s->st != S_BUSY && s->st != S_BUSY_INIT && s->st != S_INIT)
		return;
	o = rapi_take_outcome(&s->api, &body, &len, s->etype, &declared);
	if (o == RAPI_NONE)
		return;
	free(s->body);
	s->body = body;
	s->blen = len;
	if (o == RAPI_INIT_ERROR && (s->st == S_INIT || s->st == S_BUSY_INIT)) {
		bool busy = s->st == S_BUSY_INIT;

		if (busy) {
			invoke_finish(s, "init_error", true, now_ms() - s->t_start, "error",
				      s->etype[0] ? s->etype : "Runtime.Unknown");
			return;
		}
		on_init_fail(s, "init_error", s->etype);
		return;
	}
	s->outcome = o;
	plat_runtime_done(&s->plat, s->id, o == RAPI_RESPONSE, s->etype, now_ms() - s->t_start,
			  o == RAPI_RESPONSE ? len : 0);
	tel_flush(&s->api.tel, true);
	/* The emulator's text (interop.ErrorResponseTooLarge), its limit the
	 * one the Runtime API's 413 states. */
	if (o == RAPI_TOO_LARGE && s->streamed)
		body_set(s, "{\"errorMessage\":\"Response payload size exceeded maximum allowed "
			 "payload size (%llu bytes).\",\"errorType\":\"Function.ResponseSizeTooLarge\"}",
			 RAPI_STREAM_MAX);
	else if (o == RAPI_TOO_LARGE && declared)
		body_set(s, "{\"errorMessage\":\"Response payload size (%llu bytes) exceeded maximum "
			 "allowed payload size (%d bytes).\",\"errorType\":\"Function.ResponseSizeTooLarge\"}",
			 declared, RAPI_RESPONSE_MAX);
	else if (o == RAPI_TOO_LARGE)
		body_set(s, "{\"errorMessage\":\"Response payload size exceeded maximum allowed "
			 "payload size (%d bytes).\",\"errorType\":\"Function.ResponseSizeTooLarge\"}",
			 RAPI_RESPONSE_MAX);
	s->st = S_FINISHING;
	respond_early(s, !ext_all_ready(&s->api, false));
}

/* Frames the client could not take yet are written by the loop as it
 * reads (POLLOUT, sup_log.h): a thread other than the loop that queued
 * some wakes the loop, whose poll did not watch for it. */
static void loop_wake_if_queued(struct sup *s)
{
	uint64_t one = 1;

	if (sup_log_out_fd(&s->log) >= 0 && write(s->api.notify_fd, &one, sizeof(one)) < 0) {
		/* the counter cannot overflow in practice; nothing to do */
	}
}

/* on_outcome of the Runtime API (on its thread, when the runtime posted
 * its answer): a warm invoke without extensions is answered from there,
 * 'B' and 'R' sent before the runtime has its 202, instead of waking the
 * loop to do it: one hop less between the runtime's POST and serve. The
 * rest of the invoke (the runtime's next `next`, the freeze, END, REPORT)
 * is the loop's. Anything else (an init, extensions at work) is the
 * loop's too, as before: only the loop starts processes or ends the
 * supervisor. */
static bool outcome_here(void *arg)
{
	struct sup *s = arg;
	bool here;

	pthread_mutex_lock(&s->mu);
	here = s->st == S_BUSY && ext_count(&s->api) == 0;
	if (here) {
		on_outcome(s);
		loop_wake_if_queued(s);
	}
	pthread_mutex_unlock(&s->mu);
	return here;
}

/* The runtime is back in `next`: frozen (its processes stop while END
 * and REPORT are written; invoke_finish() waits for them before 'S'). */
static void finish_answered(struct sup *s)
{
	double d = now_ms() - s->t_start;
	const char *status = outcome_status(s->outcome);

	if (cgroup_freeze_begin(&s->cg, true) < 0) {
		fprintf(stderr, "vpcsim supervisor: %s\n", err_msg());
		err_clear();
	} else {
		s->freezing = true;
	}
	s->st = S_IDLE;
	if (s->outcome == RAPI_TOO_LARGE)
		invoke_finish(s, status, false, d, "error", "Function.ResponseSizeTooLarge");
	else
		invoke_finish(s, status, false, d, NULL, NULL);
}

/* on_next of the Runtime API (on its thread, as the runtime's `next`
 * comes in): a warm invoke answered without extensions ends there (the
 * freeze, END, REPORT, 'S') instead of waking the loop to end it, so the
 * environment is free one hop sooner for the next request, which often
 * waits for it (lambda/warm_handoff.h). Anything else is the loop's. */
static bool next_here(void *arg)
{
	struct sup *s = arg;
	long long n;
	int waiting;
	bool here;

	pthread_mutex_lock(&s->mu);
	rapi_next_state(&s->api, &n, &waiting);
	here = s->st == S_FINISHING && waiting > 0 && n > s->next_at_hand &&
	       ext_count(&s->api) == 0;
	if (here) {
		finish_answered(s);
		loop_wake_if_queued(s);
	}
	pthread_mutex_unlock(&s->mu);
	return here;
}

static void on_ext_failed(struct sup *s, const char *etype, const char *detail);
static bool busy(const struct sup *s);

/* Every external extension has registered: the runtime starts. */
static void runtime_after_extensions(struct sup *s)
{
	int err;

	s->rt_pending = false;
	err = runtime_spawn(s->c, &s->cg, &s->rt);
	if (err < 0) {
		snprintf(s->etype, sizeof(s->etype), "Runtime.InvalidEntrypoint");
		body_set(s, "{\"errorType\":\"Runtime.InvalidEntrypoint\",\"errorMessage\":"
			 "\"%s\"}", err_msg());
		err_clear();
		on_init_fail(s, "init_error", s->etype);
	}
}

static bool initializing(const struct sup *s)
{
	return s->st == S_INIT || s->st == S_BUSY_INIT;
}

static void on_notify(struct sup *s)
{
	char type[128], name[128], detail[300];
	long long n;
	int waiting;

	rapi_notified(&s->api);
	if (ext_take_fatal(&s->api, type, name)) {
		snprintf(detail, sizeof(detail), "extension %s: %s", name, type);
		on_ext_failed(s, initializing(s) ? "Extension.InitError" : "Extension.ExitError",
			      detail);
		return;
	}
	if (s->rt_pending && initializing(s) && ext_registered(&s->api) == s->n_ext)
		runtime_after_extensions(s);
	if (busy(s))
		stream_forward(s, false);
	on_outcome(s);
	rapi_next_state(&s->api, &n, &waiting);
	if (initializing(s) && !s->rt_pending && waiting > 0 && ext_all_ready(&s->api, true))
		on_init_done(s);
	else if (s->st == S_FINISHING && waiting > 0 && n > s->next_at_hand &&
		 ext_all_ready(&s->api, false))
		finish_answered(s);
}

/* An extension crashed, or posted init/error or exit/error: a failed
 * init, or a reset of the environment (Lambda's Extension.* errors). */
static void on_ext_failed(struct sup *s, const char *etype, const char *detail)
{
	if (s->st == S_INIT) {
		body_set(s, "{\"errorType\":\"%s\",\"errorMessage\":\"%s\"}", etype, detail);
		snprintf(s->etype, sizeof(s->etype), "%s", etype);
		on_init_fail(s, "init_error", s->etype);
		return;
	}
	if (busy(s)) {
		body_set(s, "{\"errorType\":\"%s\",\"errorMessage\":\"RequestId: %s Error: %s\"}",
			 etype, s->id, detail);
		invoke_finish(s, s->st == S_BUSY_INIT ? "init_error" : "exit", true,
			      now_ms() - s->t_start, "error", etype);
		return;
	}
	shutdown_phase(s, "failure"); /* idle: the next invoke gets a new environment */
	_exit(0);
}

static void on_ext_exit(struct sup *s, int i)
{
	char detail[300], how[64];

	sup_log_pump_ext(&s->log, s->ext_out);
	runtime_reap(&s->ext[i], how, sizeof(how));
	snprintf(detail, sizeof(detail), "extension %s: %s", s->ext_name[i], how);
	on_ext_failed(s, "Extension.Crash", detail);
}

static void on_oom(struct sup *s);
static bool oom_happened(struct sup *s);
static bool busy(const struct sup *s);

static void on_runtime_exit(struct sup *s)
{
	char how[64], line[256];

	sup_log_pump(&s->log, s->rt.out_fd);
	/* The OOM killer's victim exits like any killed process: the group's
	 * OOM kill count says which it was (before its pidfd is reaped). */
	if (busy(s) && oom_happened(s)) {
		on_oom(s);
		return;
	}
	runtime_reap(&s->rt, how, sizeof(how));
	if (s->st == S_INIT) {
		on_init_fail(s, "exit", how);
		return;
	}
	if (s->st == S_BUSY || s->st == S_FINISHING || s->st == S_BUSY_INIT) {
		snprintf(line, sizeof(line), "RequestId: %s Error: Runtime exited with error: %s",
			 s->id, how);
		sup_log_line(&s->log, line);
		sup_log_line(&s->log, "Runtime.ExitError");
		body_set(s, "{\"errorType\":\"Runtime.ExitError\",\"errorMessage\":\"RequestId: %s "
			 "Error: Runtime exited with error: %s\"}", s->id, how);
		invoke_finish(s, "exit", true, now_ms() - s->t_start, "error", "Runtime.ExitError");
	}
	shutdown_phase(s, "failure");
	_exit(0); /* idle and gone: nothing left to serve */
}

static void on_timeout(struct sup *s)
{
	char line[256], stamp[40], how[64];
	struct timespec ts;
	struct tm tm;

	if (s->st == S_INIT) {
		runtime_kill(s, how, sizeof(how));
		plat_init_report(&s->plat, (double)SUP_INIT_LIMIT_MS, "timeout", NULL);
		s->st = S_NEED_INIT;
		if (s->have_req)
			invoke_begin(s);
		return;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(line, sizeof(line), "%s.%03ldZ %s Task timed out after %d.00 seconds", stamp,
		 ts.tv_nsec / 1000000L, s->id, s->c->timeout_s);
	if (ext_alive(s))
		runtime_stop(s, 0); /* the extensions get SHUTDOWN "timeout" */
	else
		runtime_kill(s, how, sizeof(how));
	sup_log_line(&s->log, line);
	body_set(s, "{\"errorType\":\"Sandbox.Timedout\",\"errorMessage\":\"RequestId: %s Error: "
		 "Task timed out after %d.00 seconds\"}", s->id, s->c->timeout_s);
	invoke_finish(s, "timeout", true, s->c->timeout_s * 1000.0, "timeout", NULL);
}

static void on_oom(struct sup *s)
{
	char line[256], how[64];

	runtime_kill(s, how, sizeof(how));
	snprintf(line, sizeof(line), "RequestId: %s Error: Runtime exited with error: signal: killed",
		 s->id);
	sup_log_line(&s->log, line);
	sup_log_line(&s->log, "Runtime.OutOfMemory");
	body_set(s, "{\"errorType\":\"Runtime.OutOfMemory\",\"errorMessage\":\"RequestId: %s "
		 "Error: Runtime exited with error: signal: killed\"}", s->id);
	invoke_finish(s, "oom", true, now_ms() - s->t_start, "error", "Runtime.OutOfMemory");
}

static bool oom_happened(struct sup *s)
{
	long long n;

	return cgroup_oom_kills(&s->cg, &n) == 0 && n > s->oom_before;
}

static bool busy(const struct sup *s)
{
	return s->st == S_BUSY || s->st == S_BUSY_INIT || s->st == S_FINISHING;
}

/* The poll timeout: the next deadline, the OOM tick, the idle limit. */
static int wait_ms(const struct sup *s)
{
	double t = now_ms(), until = -1;

	if (s->st == S_INIT)
		until = s->t_init0 + SUP_INIT_LIMIT_MS;
	else if (busy(s))
		until = s->deadline;
	else if (s->client_fd < 0 && s->c->idle_s > 0 && !busy(s))
		until = s->last_used + s->c->idle_s * 1000.0;
	if (until < 0)
		return -1;
	if (until <= t)
		return 0;
	if (busy(s) && until - t > OOM_TICK_MS)
		return OOM_TICK_MS; /* (also the telemetry's timeoutMs, checked each turn) */
	return (int)(until - t) + 1;
}

static void on_idle(struct sup *s)
{
	char path[PATH_MAX + 16];
	int fd;

	snprintf(path, sizeof(path), "%s/" SUP_RECLAIMED, s->c->env_dir);
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (fd >= 0)
		close(fd);
	sup_log_line(&s->log, "vpcsim: environment reclaimed after being idle");
	shutdown_phase(s, "spindown");
	_exit(0);
}

/* The client's request came on (all of it, or more of it). */
static void on_request(struct sup *s)
{
	switch (request_read(s)) {
	case 0:
		return; /* more to come */
	case 1:
		sup_log_line(&s->log, "vpcsim: environment shut down");
		shutdown_phase(s, "spindown");
		_exit(0); /* the client sees the socket close */
	case 2:
		break;
	default:
		client_close(s);
		return;
	}
	if (s->st == S_IDLE || s->st == S_NEED_INIT || s->st == S_INIT_FAILED)
		invoke_begin(s);
	/* S_INIT: on_init_done() or on_init_fail() begins it. */
}

static void on_accept(struct sup *s)
{
	int fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return;
	if (s->client_fd >= 0) {
		/* One invoke at a time: the lock says so too, unless the
		 * caller of the one under way went away (killed), its lock with
		 * it. 'Z' tells the next that this environment is busy, not
		 * broken (lambda/invoke.c tries another). */
		if (send(fd, "Z4\nbusy", 7, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
			err_clear();
		close(fd);
		return;
	}
	s->client_fd = fd;
	s->head_len = 0;
	s->req_since = now_ms();
	on_request(s); /* mostly there whole already: one write of the caller's */
}

/* An extension that ended: the first found, or -1. */
static int ext_ended(struct sup *s, const struct pollfd *p)
{
	for (int i = 0; i < s->n_ext; i++)
		if (s->ext[i].pid > 0 && (p[i].revents & POLLIN))
			return i;
	return -1;
}

/* The sooner of two waits in ms (-1: none). */
static int soonest(int a, int b)
{
	return a < 0 || (b >= 0 && b < a) ? b : a;
}

/* A client that did not send its whole request within SUP_SEND_MS. */
static void request_late(struct sup *s)
{
	fprintf(stderr, "vpcsim supervisor: a client sent no whole request within %d ms: "
		"its connection closed\n", SUP_SEND_MS);
	client_close(s);
}

static void loop(struct sup *s)
{
	pthread_mutex_lock(&s->mu); /* (released while it polls) */
	for (;;) {
		int req = request_wait_ms(s);
		/* no new client while a request is under way: one that waits in
		 * the backlog is served once it is in or let go */
		struct pollfd p[7 + RAPI_EXT_MAX] = {
			{ .fd = req >= 0 ? -1 : s->listen_fd, .events = POLLIN },
			{ .fd = s->api.notify_fd, .events = POLLIN },
			{ .fd = s->rt.pidfd, .events = POLLIN },
			{ .fd = s->rt.out_fd, .events = POLLIN },
			{ .fd = s->ext_out, .events = POLLIN },
			{ .fd = sup_log_out_fd(&s->log), .events = POLLOUT },
			{ .fd = req >= 0 ? s->client_fd : -1, .events = POLLIN },
		};
		int n, ended, t = soonest(soonest(wait_ms(s), sup_log_hold_ms(&s->log)), req);

		for (int i = 0; i < s->n_ext; i++)
			p[7 + i] = (struct pollfd){ .fd = s->ext[i].pid > 0 ? s->ext[i].pidfd : -1,
						    .events = POLLIN };
		pthread_mutex_unlock(&s->mu);
		n = poll(p, (nfds_t)(7 + s->n_ext), t);
		if (n < 0 && errno != EINTR)
			_exit(1);
		pthread_mutex_lock(&s->mu);
		if (sup_log_hold_ms(&s->log) == 0)
			sup_log_send_held(&s->log);
		if (p[3].revents)
			sup_log_pump(&s->log, s->rt.out_fd);
		if (p[4].revents)
			sup_log_pump_ext(&s->log, s->ext_out);
		if (p[5].revents) { /* the client read: room for a held-back stream */
			sup_log_out_ready(&s->log);
			if (busy(s))
				stream_forward(s, false);
		}
		if (busy(s))
			tel_flush(&s->api.tel, false);
		if ((ended = ext_ended(s, p + 7)) >= 0) {
			on_ext_exit(s, ended);
			continue;
		}
		if (p[1].revents)
			on_notify(s);
		if (p[0].revents & POLLIN)
			on_accept(s);
		else if (p[6].revents)
			on_request(s);
		else if (req == 0 && request_wait_ms(s) == 0)
			request_late(s);
		if (s->rt.pidfd >= 0 && (p[2].revents & POLLIN)) {
			on_notify(s); /* a last answer before the exit counts */
			if (s->rt.pidfd >= 0)
				on_runtime_exit(s);
			continue;
		}
		if (busy(s) && oom_happened(s))
			on_oom(s);
		else if (wait_ms(s) == 0 && s->st == S_INIT)
			on_timeout(s);
		else if (wait_ms(s) == 0 && busy(s))
			on_timeout(s);
		else if (wait_ms(s) == 0 && s->client_fd < 0 && !busy(s))
			on_idle(s);
	}
}

/* ---- start ----------------------------------------------------------- */

static int sock_listen(const struct sup_cfg *c)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/" SUP_SOCK, c->env_dir) >=
	    (int)sizeof(sa.sun_path))
		return errf(ENAMETOOLONG, "socket path %s/" SUP_SOCK " is too long", c->env_dir);
	unlink(sa.sun_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errf(errno, "socket: %s", strerror(errno));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || chmod(sa.sun_path, 0600) < 0 ||
	    listen(fd, 4) < 0) {
		int err = errf(errno, "listening on %s: %s", sa.sun_path, strerror(errno));

		close(fd);
		return err;
	}
	return fd;
}

/* "<pid> <start time>": what supervisor_kill() checks before a kill. */
static void pid_file_write(const char *env_dir, int pid, unsigned long long st)
{
	char path[PATH_MAX + 16];
	FILE *f;

	snprintf(path, sizeof(path), "%s/" SUP_PID, env_dir);
	f = fopen(path, "we");
	if (f) {
		fprintf(f, "%d %llu\n", pid, st);
		fclose(f);
	}
}

static void pid_write(const struct sup_cfg *c)
{
	unsigned long long st = 0;

	proc_start_time(getpid(), &st);
	pid_file_write(c->env_dir, (int)getpid(), st);
}

/* Everything up to the runtime's start but the Runtime API's server (its
 * socket listens: sup_main); the message goes to the caller. */
static int setup(struct sup *s)
{
	int err;

	s->client_fd = -1;
	s->rt.pid = s->rt.pidfd = s->rt.out_fd = -1;
	s->ext_out = s->ext_out_w = -1;
	s->cold = true;
	s->last_used = now_ms();
	if ((s->listen_fd = sock_listen(s->c)) < 0)
		return s->listen_fd;
	pid_write(s->c);
	if ((err = sup_log_open(&s->log, s->c->log_path, s->c->stream)) < 0)
		return err;
	plat_init(&s->plat, &s->log, s->c->log_json, s->c->sys_level,
		  s->c->family == RUNTIME_NONE ? "" : s->c->runtime_id, s->c->region,
		  s->c->memory_mb);
	/* Its network only: the Runtime API listens on the environment's
	 * loopback; the runtime makes its own mount namespace. */
	if ((err = netns_enter_name(s->c->netns, NULL)) < 0)
		return err;
	if ((err = cgroup_open(s->c->topo, s->c->env_id, false, &s->cg)) < 0)
		return err;
	cgroup_keep_files(&s->cg); /* used on every invoke: no open per use */
	s->api.on_handed = thaw_handed;
	s->api.on_handed_arg = s;
	pthread_mutex_init(&s->mu, NULL);
	s->api.on_outcome = outcome_here;
	s->api.on_outcome_arg = s;
	s->api.on_next = next_here;
	s->api.on_next_arg = s;
	if ((err = rapi_listen(&s->api)) < 0)
		return err;
	s->log.tel = s->plat.tel = &s->api.tel;
	ext_function_info(&s->api, s->c->function, s->c->handler, s->c->account);
	return 0;
}

static __attribute__((noreturn)) void sup_main(const struct sup_cfg *c, int report)
{
	static struct sup s;
	const char *msg;
	int err;

	s.c = c;
	signal(SIGPIPE, SIG_IGN);
	err = setup(&s);
	if (err == 0) {
		err = runtime_start(&s);
		if (err < 0) { /* a missing bootstrap is the invoke's error */
			snprintf(s.status, sizeof(s.status), "init_error");
			snprintf(s.etype, sizeof(s.etype), "Runtime.InvalidEntrypoint");
			body_set(&s, "{\"errorType\":\"Runtime.InvalidEntrypoint\",\"errorMessage\":"
				 "\"%s\"}", err_msg());
			err_clear();
			s.st = S_INIT_FAILED;
		}
		/* The server after the runtime's start: loading libmicrohttpd
		 * (and the TLS libraries it links) overlaps the runtime's own
		 * start, whose first requests wait in the socket's backlog. */
		err = rapi_start(&s.api);
	}
	msg = err < 0 ? err_msg() : "";
	if (write(report, msg, strlen(msg)) < 0 || err < 0)
		_exit(1);
	close(report);
	loop(&s);
	_exit(0);
}

int supervisor_main(int argc, char **argv)
{
	static struct sup_cfg cfg;
	char *buf = NULL;
	size_t len = 0;
	int err;

	/* One malloc arena: the Runtime API's threads would each get one of
	 * their own (64 MB reserved, pages of their own touched). */
	mallopt(M_ARENA_MAX, 1);
	if (argc != 3 || fcntl(SUP_REPORT_FD, F_GETFD) < 0)
		return errf(EINVAL, "'vpcsim supervisor TOPO ENV' is started by vpcsim itself at a "
			    "cold start (invoke, serve, attach) with its configuration at fd %d; it "
			    "is not a command to run: use 'vpcsim invoke'", SUP_CFG_FD);
	err = sup_cfg_read_fd(SUP_CFG_FD, &buf, &len);
	if (err == 0) {
		err = sup_cfg_decode(buf, len, &cfg);
		free(buf);
	}
	close(SUP_CFG_FD);
	if (err == 0 && (strcmp(cfg.topo, argv[1]) || strcmp(cfg.env_id, argv[2])))
		err = errf(EINVAL, "the supervisor's configuration is for %s %s, its command "
			   "line names %s %s", cfg.topo, cfg.env_id, argv[1], argv[2]);
	if (err < 0) {
		if (write(SUP_REPORT_FD, err_msg(), strlen(err_msg())) < 0)
			return err;
		return err;
	}
	sup_main(&cfg, SUP_REPORT_FD);
}

/* The child of supervisor_start(): a fork of a process that may have
 * threads, so only async-signal-safe calls until the exec (no malloc, no
 * stdio, no lock another thread may have held at the fork). Everything it
 * uses was prepared by the parent. */
static __attribute__((noreturn)) void sup_child(const char *logp, char *const argv[],
						 int report, int cfg_fd, int pid_w)
{
	static const char failed[] = "exec /proc/self/exe (vpcsim) for the supervisor failed";
	int devnull, logfd, r, m;
	pid_t sup;

	/* Detached: a session of its own, reparented to init; its pid told
	 * to the caller (pid_claim). */
	setsid();
	if ((sup = fork()) != 0) {
		if (sup > 0 && write(pid_w, &sup, sizeof(sup)) < 0)
			_exit(1);
		_exit(0);
	}
	devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	logfd = open(logp, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	r = fcntl(report, F_DUPFD_CLOEXEC, 10);
	m = fcntl(cfg_fd, F_DUPFD_CLOEXEC, 10);
	dup2(devnull, 0);
	dup2(devnull, 1);
	dup2(logfd >= 0 ? logfd : devnull, 2);
	dup2(r, SUP_REPORT_FD); /* dup2's copies stay open across the exec */
	dup2(m, SUP_CFG_FD);
	/* Not a descriptor of vpcsim's stays: the environment's lock above
	 * all, or the environment would stay busy. */
	syscall(SYS_close_range, 5U, ~0U, 0U);
	execve("/proc/self/exe", argv, environ);
	if (write(SUP_REPORT_FD, failed, sizeof(failed) - 1) < 0)
		_exit(2);
	_exit(1);
}

/* The pid file's "<pid> <start time>" (pid_file_write); false when there
 * is none to read. */
static bool pid_file_read(const char *env_dir, int *pid, unsigned long long *st)
{
	char path[PATH_MAX + 16];
	bool ok;
	FILE *f;

	snprintf(path, sizeof(path), "%s/" SUP_PID, env_dir);
	if (!(f = fopen(path, "re")))
		return false;
	ok = fscanf(f, "%d %llu", pid, st) == 2 && *pid > 0;
	fclose(f);
	return ok;
}

/* Where a supervisor that gave no word waits, its threads and its
 * children (the runtime before its exec) with it (kernel/proc_where.h),
 * by the pid in its pid file when that is still the process. */
static void sup_where(const char *env_dir, char *out, size_t size)
{
	unsigned long long st = 0, now = 1;
	int pid = 0;

	if (!pid_file_read(env_dir, &pid, &st) || proc_start_time(pid, &now) < 0 || now != st) {
		err_clear();
		snprintf(out, size, "nowhere known: no pid file names it (its fork did not "
			 "tell its pid, and it did not get to write its own)");
		return;
	}
	proc_where(pid, out, size);
}

/* The supervisor's pid, told by the child that forked it (pid_r), in its
 * pid file at once: one stopped before it writes its own (SIGSTOP between
 * its exec and its socket) is still killed by its pid (supervisor_kill,
 * down). Written only while it holds its word's pipe open (rep_r not hung
 * up, checked after its start time was read): the pid is then the
 * process vpcsim started, never one that took its number since. */
static void pid_claim(const char *env_dir, int pid_r, int rep_r)
{
	struct pollfd p = { .fd = rep_r, .events = POLLIN };
	unsigned long long st;
	pid_t pid = 0;

	if (read(pid_r, &pid, sizeof(pid)) == sizeof(pid) && pid > 0 &&
	    proc_start_time(pid, &st) == 0 && poll(&p, 1, 0) >= 0 && !(p.revents & POLLHUP))
		pid_file_write(env_dir, (int)pid, st);
	err_clear();
}

int supervisor_start(const struct sup_cfg *cfg)
{
	char msg[1024], logp[PATH_MAX + 32];
	char *argv[] = { "vpcsim", "supervisor", (char *)cfg->topo, (char *)cfg->env_id, NULL };
	int rep[2], pw[2] = { -1, -1 }, len = 0, cfg_fd;
	ssize_t r;
	pid_t pid;

	if ((cfg_fd = sup_cfg_to_memfd(cfg)) < 0)
		return errf_prefix(cfg_fd, "starting the supervisor of %s", cfg->env_id);
	if (pipe2(pw, O_CLOEXEC) < 0 || pipe2(rep, O_CLOEXEC) < 0) {
		int err = errf(errno, "pipe: %s", strerror(errno));

		close(cfg_fd);
		if (pw[1] >= 0) {
			close(pw[0]);
			close(pw[1]);
		}
		return err;
	}
	snprintf(logp, sizeof(logp), "%s/supervisor.log", cfg->env_dir);
	fork_flush(); /* not fflush(NULL): util/fork_flush.h */
	pid = fork();
	if (pid < 0) {
		int err = errf(errno, "fork: %s", strerror(errno));

		close(cfg_fd);
		close(rep[0]);
		close(rep[1]);
		close(pw[0]);
		close(pw[1]);
		return err;
	}
	if (pid == 0)
		sup_child(logp, argv, rep[1], cfg_fd, pw[1]);
	close(cfg_fd);
	close(rep[1]);
	close(pw[1]);
	waitpid(pid, NULL, 0);
	pid_claim(cfg->env_dir, pw[0], rep[0]);
	close(pw[0]);
	/* Bounded: the caller holds the environment's lock. */
	for (;;) {
		int ready = poll(&(struct pollfd){ .fd = rep[0], .events = POLLIN }, 1, SUP_START_MS);

		if (ready == 0) {
			char where[560];

			close(rep[0]);
			sup_where(cfg->env_dir, where, sizeof(where));
			return errf(ETIMEDOUT, "starting the supervisor of %s: no word from it in "
				    "%d ms (see %s/supervisor.log); the kernel has it at: %s",
				    cfg->env_id, SUP_START_MS, cfg->env_dir, where);
		}
		r = ready < 0 ? -1 : read(rep[0], msg + len, sizeof(msg) - 1 - (size_t)len);
		if (r <= 0)
			break;
		len += (int)r;
	}
	close(rep[0]);
	msg[len] = '\0';
	if (len > 0)
		return errf(EIO, "starting the supervisor of %s: %s", cfg->env_id, msg);
	return 0;
}

/* A socket to a supervisor whose connect and sends wait `ms` at most: a
 * supervisor that stopped (SIGSTOP, wedged) with its backlog full would
 * hold connect() for ever, and a payload bigger than the socket's buffer
 * would hold send(). -1 with err_msg() when none could be made. */
static int sup_socket(int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return errf(errno, "socket: %s", strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	return fd;
}

/* Connected to env_dir's supervisor and asked to shut down, or -1. */
static int stop_request(const char *env_dir)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/" SUP_SOCK, env_dir);
	fd = sup_socket(SUP_STOP_WAIT_MS);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    send(fd, "S\n", 2, MSG_NOSIGNAL) != 2) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Wait for each socket to close (its supervisor gone), until the limit. */
static void stop_wait(int *fds, int n)
{
	double until = now_ms() + SUP_STOP_WAIT_MS;
	char buf[64];

	for (int i = 0; i < n; i++)
		while (fds[i] >= 0 && now_ms() < until) {
			if (poll(&(struct pollfd){ .fd = fds[i], .events = POLLIN }, 1,
				 (int)(until - now_ms()) + 1) <= 0 || read(fds[i], buf, sizeof(buf)) <= 0) {
				close(fds[i]);
				fds[i] = -1;
			}
		}
	for (int i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

void supervisor_stop(const char *env_dir)
{
	int fd = stop_request(env_dir);

	if (fd >= 0)
		stop_wait(&fd, 1);
}

/* The supervisor's pidfd, from its pid file if the pid is still it. */
static int sup_pidfd(const char *env_dir)
{
	unsigned long long st = 0, now = 1;
	int pid = 0, fd;

	if (!pid_file_read(env_dir, &pid, &st) ||
	    (fd = (int)syscall(SYS_pidfd_open, pid, 0)) < 0)
		return -1;
	if (proc_start_time(pid, &now) < 0 || now != st) {
		close(fd);
		return -1;
	}
	return fd;
}

void supervisor_end(const char *env_dir)
{
	double until = now_ms() + SUP_STOP_WAIT_MS;
	int pidfd = sup_pidfd(env_dir);

	/* A supervisor still closing the last invoke's connection turns a
	 * stop away: ask again until its process is gone. */
	while (pidfd >= 0 && now_ms() < until) {
		supervisor_stop(env_dir);
		if (poll(&(struct pollfd){ .fd = pidfd, .events = POLLIN }, 1, 20) != 0)
			break;
	}
	if (pidfd >= 0)
		close(pidfd);
	err_clear();
}

/* supervisor_kill() after `grace_ms` (0: at once). */
static int kill_after(const char *env_dir, int grace_ms)
{
	int pidfd = sup_pidfd(env_dir), killed = 0;

	if (pidfd < 0)
		return 0;
	if (poll(&(struct pollfd){ .fd = pidfd, .events = POLLIN }, 1, grace_ms) == 0) {
		killed = syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0) == 0;
		poll(&(struct pollfd){ .fd = pidfd, .events = POLLIN }, 1, SUP_STOP_WAIT_MS);
	}
	close(pidfd);
	return killed;
}

int supervisor_kill(const char *env_dir)
{
	return kill_after(env_dir, SUP_KILL_GRACE_MS);
}

/* The next `max` (at most 256) environments of d asked to stop at once;
 * those that did not end within the wait (stopped, wedged) killed by their
 * pid: `down` leaves no supervisor behind. 0 when d had none left. */
static int stop_batch(DIR *d, const char *dir, int max)
{
	char env[PATH_MAX + 300];
	int fds[256], n = 0;
	long pos = telldir(d);
	struct dirent *e;

	while (n < max && (e = readdir(d)))
		if (e->d_name[0] != '.') {
			snprintf(env, sizeof(env), "%s/%s", dir, e->d_name);
			fds[n++] = stop_request(env);
		}
	stop_wait(fds, n);
	seekdir(d, pos);
	for (int k = 0; k < n && (e = readdir(d));)
		if (e->d_name[0] != '.') {
			snprintf(env, sizeof(env), "%s/%s", dir, e->d_name);
			kill_after(env, 0);
			k++;
		}
	return n;
}

void supervisor_stop_all(const char *topo)
{
	char dir[PATH_MAX];
	DIR *d;

	snprintf(dir, sizeof(dir), STATE_ROOT "/%s/envs", topo);
	if (!(d = opendir(dir)))
		return;
	while (stop_batch(d, dir, 256) > 0)
		;
	closedir(d);
}

int supervisor_connect(const char *env_dir)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char path[PATH_MAX + 16];
	int fd;

	snprintf(path, sizeof(path), "%s/" SUP_RECLAIMED, env_dir);
	if (access(path, F_OK) == 0)
		return errf(ENOENT, "the supervisor of %s reclaimed it for idleness", env_dir);
	if (snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/" SUP_SOCK, env_dir) >=
	    (int)sizeof(sa.sun_path))
		return errf(ENAMETOOLONG, "socket path %s/" SUP_SOCK " is too long", env_dir);
	fd = sup_socket(SUP_SEND_MS);
	if (fd < 0)
		return fd;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		/* EAGAIN: SUP_SEND_MS passed with its backlog full (a stopped
		 * supervisor), not a throttle */
		int e = errno == EAGAIN ? ETIMEDOUT : errno;
		int err = errf(e, "connecting to the supervisor at %s: %s", sa.sun_path,
			       strerror(e));

		close(fd);
		return err;
	}
	return fd;
}

void supervisor_files_remove(const char *env_dir)
{
	static const char *const files[] = { SUP_SOCK, SUP_PID, SUP_RECLAIMED, "supervisor.log" };
	char path[PATH_MAX + 32];

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", env_dir, files[i]);
		unlink(path);
	}
}
