/* The event service: keeper, worker, schedules; see event_service.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kernel/proc.h"
#include "lambda/event_service.h"
#include "lambda/sandbox.h"
#include "model/event_payload.h"
#include "model/schedule.h"
#include "state/async_queue.h"
#include "util/err.h"
#include "util/fs.h"

#define RESTART_DELAY_S 1
#define IDLE_POLL_MS 1000
#define OPEN_TRIES 50
#define KEEPER_READY_MS 5000 /* its first service file: a stat, a fork and a write */

bool event_service_wanted(const struct topology *t)
{
	return t->n_functions > 0;
}

/* ---- the worker: its threads deliver, its loop dispatches ---- */

struct worker;

struct slot {
	struct worker *w;
	pthread_t th;
	bool busy;                 /* holds id until its delivery ends */
	char id[ASYNC_ID_MAX];
};

struct tick {
	int fn, k;
	struct schedule s;
	time_t next;
};

struct worker {
	struct live lv;
	long long minute_ms;
	time_t anchor;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int wake;                  /* eventfd: a thread is free again */
	struct slot slots[EVENT_THREADS_MAX];
	int n_slots;
	struct async_counts counts;
	struct tick *ticks;
	int n_ticks;
};

static void counts_write(struct worker *w)
{
	char path[4200], text[256];

	snprintf(path, sizeof(path), "%s/events/counts", w->lv.dir);
	snprintf(text, sizeof(text), "delivered %lld\nretries %lld\nthrottled %lld\nfailed %lld\n",
		 w->counts.delivered, w->counts.retries, w->counts.throttled, w->counts.failed);
	file_write_private(path, text, strlen(text), 0);
}

static void *slot_main(void *arg)
{
	struct slot *sl = arg;
	struct worker *w = sl->w;
	uint64_t one = 1;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		struct async_counts c = { 0 };
		char id[ASYNC_ID_MAX];

		while (!sl->id[0])
			pthread_cond_wait(&w->cv, &w->mu);
		snprintf(id, sizeof(id), "%s", sl->id);
		pthread_mutex_unlock(&w->mu);
		async_deliver(&w->lv, id, w->minute_ms, &c);
		err_clear();
		pthread_mutex_lock(&w->mu);
		w->counts.delivered += c.delivered;
		w->counts.retries += c.retries;
		w->counts.throttled += c.throttled;
		w->counts.failed += c.failed;
		counts_write(w);
		sl->id[0] = '\0';
		sl->busy = false;
		if (write(w->wake, &one, sizeof(one)) < 0)
			continue;
	}
	return NULL;
}

static bool in_flight(struct worker *w, const char *id)
{
	for (int i = 0; i < w->n_slots; i++)
		if (w->slots[i].busy && !strcmp(w->slots[i].id, id))
			return true;
	return false;
}

static struct slot *free_slot(struct worker *w)
{
	for (int i = 0; i < w->n_slots; i++)
		if (!w->slots[i].busy)
			return &w->slots[i];
	return NULL;
}

/* Hand every due event to a free thread; the earliest later due time. */
static long long dispatch(struct worker *w, long long now)
{
	char (*ids)[ASYNC_ID_MAX];
	long long next = now + IDLE_POLL_MS;
	int n;

	if (async_list(w->lv.dir, &ids, &n) < 0)
		return next;
	pthread_mutex_lock(&w->mu);
	for (int i = 0; i < n; i++) {
		struct async_event e;
		struct slot *sl;

		if (in_flight(w, ids[i]) || async_load(w->lv.dir, ids[i], &e) < 0)
			continue;
		async_event_free(&e);
		if (e.due_ms > now) {
			next = e.due_ms < next ? e.due_ms : next;
		} else if ((sl = free_slot(w))) {
			sl->busy = true;
			snprintf(sl->id, sizeof(sl->id), "%s", ids[i]);
			pthread_cond_broadcast(&w->cv);
		}
	}
	pthread_mutex_unlock(&w->mu);
	free(ids);
	err_clear();
	return next;
}

/* ---- schedules ---- */

static int ticks_make(struct worker *w)
{
	const struct topology *t = w->lv.t;
	char why[256];
	int n = 0;

	for (int i = 0; i < t->n_functions; i++)
		n += t->functions[i].n_events;
	w->ticks = calloc((size_t)(n ? n : 1), sizeof(*w->ticks));
	if (!w->ticks)
		return errf(ENOMEM, "out of memory");
	for (int i = 0; i < t->n_functions; i++)
		for (int k = 0; k < t->functions[i].n_events; k++) {
			struct tick *tk = &w->ticks[w->n_ticks];

			if (t->functions[i].events[k].type != FN_EVENT_SCHEDULE ||
			    schedule_parse(t->functions[i].events[k].expression, &tk->s, why,
					   sizeof(why)) < 0)
				continue;
			tk->fn = i;
			tk->k = k;
			tk->next = schedule_next(&tk->s, w->anchor, time(NULL));
			w->n_ticks++;
		}
	return 0;
}

/* Queue the scheduled event of every schedule that is due; the next time
 * one is (ms). */
static long long fire_due(struct worker *w, long long now_ms)
{
	long long next = now_ms + IDLE_POLL_MS;

	for (int i = 0; i < w->n_ticks; i++) {
		struct tick *tk = &w->ticks[i];

		if (tk->next >= 0 && tk->next * 1000LL <= now_ms) {
			struct async_event e = { .len = 0 };

			sandbox_uuid_v4(e.id);
			snprintf(e.function, sizeof(e.function), "%s", w->lv.t->functions[tk->fn].name);
			snprintf(e.source, sizeof(e.source), "schedule");
			e.payload = event_scheduled(w->lv.t, tk->fn, tk->k, e.id, tk->next);
			e.len = e.payload ? strlen(e.payload) : 0;
			if (e.payload && async_enqueue(w->lv.dir, &e) == 0)
				event_log(w->lv.dir, "%s %s scheduled %s", e.id, e.function,
					  w->lv.t->functions[tk->fn].events[tk->k].expression);
			free(e.payload);
			tk->next = schedule_next(&tk->s, w->anchor, (time_t)(now_ms / 1000));
		}
		if (tk->next >= 0 && tk->next * 1000LL < next)
			next = tk->next * 1000LL;
	}
	return next;
}

static void worker_open(struct worker *w, const char *name, const char *state_dir,
			long long minute_ms)
{
	char path[4200], text[32];
	int tries = 0;

	while (live_open(name, &w->lv) < 0) {
		if (++tries == OPEN_TRIES) {
			event_log(state_dir, "worker: opening topology %s: %s", name, err_msg());
			_exit(1);
		}
		usleep(100000);
	}
	snprintf(path, sizeof(path), "%s/events/anchor", state_dir);
	w->anchor = file_get(path, text, sizeof(text)) > 0 ? (time_t)atoll(text) : time(NULL);
	w->minute_ms = minute_ms;
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	w->n_slots = w->lv.t->concurrency_limit < EVENT_THREADS_MAX ? w->lv.t->concurrency_limit
								   : EVENT_THREADS_MAX;
	if (w->n_slots < 1)
		w->n_slots = 1;
}

/* The worker: dispatch due events and fire schedules until killed. */
static __attribute__((noreturn)) void worker_main(const char *name, const char *state_dir,
						 long long minute_ms)
{
	static struct worker w;
	char qdir[4096];
	sigset_t none;
	int in;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_IGN); /* a supervisor gone mid-invoke is the invoke's error */
	prctl(PR_SET_NAME, "vpcsim-evworker", 0, 0, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	worker_open(&w, name, state_dir, minute_ms);
	async_queue_dir(state_dir, qdir, sizeof(qdir));
	mkdir_p(qdir, 0700);
	in = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	w.wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (in < 0 || w.wake < 0 || inotify_add_watch(in, qdir, IN_MOVED_TO | IN_CLOSE_WRITE) < 0 ||
	    ticks_make(&w) < 0) {
		event_log(state_dir, "worker: watching %s: %s", qdir, strerror(errno));
		_exit(1);
	}
	for (int i = 0; i < w.n_slots; i++) {
		w.slots[i].w = &w;
		pthread_create(&w.slots[i].th, NULL, slot_main, &w.slots[i]);
	}
	event_log(state_dir, "worker %d: serving %s (%d threads, %d schedules, minute %lld ms)",
		  (int)getpid(), name, w.n_slots, w.n_ticks, minute_ms);
	for (;;) {
		long long now = event_wall_ms(), a = fire_due(&w, now), b = dispatch(&w, now);
		long long wait = (a < b ? a : b) - event_wall_ms();
		struct pollfd p[2] = { { .fd = in, .events = POLLIN }, { .fd = w.wake, .events = POLLIN } };
		char buf[4096];

		poll(p, 2, (int)(wait < 0 ? 0 : wait > IDLE_POLL_MS ? IDLE_POLL_MS : wait));
		while (read(in, buf, sizeof(buf)) > 0)
			;
		while (read(w.wake, buf, 8) > 0)
			;
	}
}

/* ---- the keeper ---- */

static void service_write(const char *state_dir, pid_t worker, int restarts, const char *crash)
{
	char path[4200], text[512];
	unsigned long long start = 0;

	proc_start_time(getpid(), &start);
	snprintf(path, sizeof(path), "%s/events/service", state_dir);
	snprintf(text, sizeof(text), "keeper %d %llu\nworker %d\nrestarts %d\nlast_crash %s\n",
		 (int)getpid(), start, (int)worker, restarts, crash);
	file_write_private(path, text, strlen(text), 0);
}

static void crash_text(int status, char *out, size_t size)
{
	if (WIFSIGNALED(status))
		snprintf(out, size, "killed by signal %d (%s)", WTERMSIG(status),
			 strsignal(WTERMSIG(status)));
	else
		snprintf(out, size, "exited with status %d", WEXITSTATUS(status));
}

/* The topology's state folder is gone or another one took its name: a
 * `down` by marks (the state removed first, so no journal names us) or a
 * crash's clean-up. The service lives in the root namespace and holds
 * nothing in the topology's namespaces, so nothing else would stop it. */
static bool state_gone(const char *state_dir, ino_t ino)
{
	struct stat st;

	return stat(state_dir, &st) < 0 || st.st_ino != ino;
}

/* Wait for the worker's end or our stop; true to stop. */
static bool keeper_wait(pid_t worker, int *status, const char *state_dir, ino_t ino)
{
	struct timespec tick = { 1, 0 };
	sigset_t set;
	siginfo_t si;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGCHLD);
	for (;;) {
		if (sigtimedwait(&set, &si, &tick) < 0) {
			if (errno != EAGAIN || !state_gone(state_dir, ino))
				continue;
			si.si_signo = SIGTERM;
		}
		if (si.si_signo != SIGCHLD) {
			kill(worker, SIGKILL);
			waitpid(worker, status, 0);
			return true;
		}
		if (waitpid(worker, status, WNOHANG) == worker)
			return false;
	}
}

/* The keeper: starts the worker and starts it again after a crash. It
 * closes ready (the write end of `up`'s pipe) once its service file names
 * it and its first worker, so `status` right after `up` sees it running. */
static __attribute__((noreturn)) void keeper_main(const char *name, const char *state_dir,
						 long long minute_ms, int ready)
{
	struct timespec delay = { RESTART_DELAY_S, 0 };
	char crash[160] = "";
	sigset_t set, term;
	int restarts = 0, status;

	struct stat st;

	setsid();
	prctl(PR_SET_NAME, "vpcsim-events", 0, 0, 0);
	if (stat(state_dir, &st) < 0)
		_exit(1);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, NULL);
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	sigaddset(&term, SIGINT);
	for (;;) {
		pid_t worker = fork();

		if (worker == 0) {
			if (ready >= 0)
				close(ready);
			worker_main(name, state_dir, minute_ms);
		}
		service_write(state_dir, worker, restarts, crash);
		if (ready >= 0)
			close(ready);
		ready = -1;
		if (worker < 0 || keeper_wait(worker, &status, state_dir, st.st_ino))
			_exit(0);
		crash_text(status, crash, sizeof(crash));
		restarts++;
		event_log(state_dir, "worker %d %s; restarting it (restart %d)", (int)worker, crash,
			  restarts);
		service_write(state_dir, 0, restarts, crash);
		if (sigtimedwait(&term, NULL, &delay) > 0)
			_exit(0);
	}
}

static int minute_ms_setting(long long *out)
{
	const char *v = getenv(EVENT_MINUTE_ENV);
	char *end;
	long long ms;

	*out = 60000;
	if (!v || !v[0])
		return 0;
	ms = strtoll(v, &end, 10);
	if (*end || ms < 1 || ms > 60000)
		return errf(EINVAL, "%s='%s': give the length of a retry minute in ms, 1..60000 "
			    "(unset: 60000, Lambda's)", EVENT_MINUTE_ENV, v);
	*out = ms;
	return 0;
}

/* Wait until the keeper has written its service file (it closes its end
 * of the pipe then, or dies), at most KEEPER_READY_MS: a keeper that
 * cannot start is told by status, not by up. */
static void keeper_ready(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char c;

	while (poll(&p, 1, KEEPER_READY_MS) < 0 && errno == EINTR)
		;
	if (p.revents)
		(void)!read(fd, &c, 1);
}

int event_service_up(const struct layout *L, const char *state_dir, struct journal *J)
{
	char dir[4200], path[4300], text[32], log[4300];
	int ready[2];
	unsigned long long start = 0;
	long long minute_ms;
	pid_t pid;

	if (!event_service_wanted(L->t))
		return 0;
	if (minute_ms_setting(&minute_ms) < 0)
		return -1;
	snprintf(dir, sizeof(dir), "%s/events/queue", state_dir);
	snprintf(path, sizeof(path), "%s/events/anchor", state_dir);
	snprintf(text, sizeof(text), "%lld\n", event_wall_ms() / 1000);
	snprintf(log, sizeof(log), "%s/logs/events.log", state_dir);
	if (mkdir_p(dir, 0700) < 0 || file_write_private(path, text, strlen(text), 0) < 0)
		return -1;
	if (pipe2(ready, O_CLOEXEC) < 0)
		return errf(errno, "the event service: pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0) {
		close(ready[0]);
		close(ready[1]);
		return errf(errno, "the event service: fork: %s", strerror(errno));
	}
	if (pid == 0) {
		int nul = open("/dev/null", O_RDWR | O_CLOEXEC);
		int lg = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);

		if (nul < 0 || lg < 0 || dup2(nul, 0) < 0 || dup2(lg, 1) < 0 || dup2(lg, 2) < 0 ||
		    dup2(ready[1], 3) < 0)
			_exit(126);
		syscall(SYS_close_range, 4, ~0U, 0);
		keeper_main(L->t->name, state_dir, minute_ms, 3);
	}
	close(ready[1]);
	keeper_ready(ready[0]);
	close(ready[0]);
	if (proc_start_time(pid, &start) < 0)
		start = 0;
	return journal_add_proc(J, pid, start, EVENT_SERVICE_NAME);
}

/* ---- what status shows ---- */

static void info_files(const char *state_dir, struct event_service_info *o)
{
	char path[4200], text[1024], *line, *save = NULL;

	snprintf(path, sizeof(path), "%s/events/service", state_dir);
	if (file_get(path, text, sizeof(text)) > 0)
		for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			unsigned long long start = 0;
			int pid = 0;

			if (sscanf(line, "keeper %d %llu", &pid, &start) == 2) {
				struct proc_id p = { .pid = pid, .start_time = start };

				o->pid = pid;
				o->running = pid > 1 && proc_alive(&p);
			}
			sscanf(line, "worker %d", &o->worker);
			sscanf(line, "restarts %d", &o->restarts);
			if (!strncmp(line, "last_crash ", 11))
				snprintf(o->last_crash, sizeof(o->last_crash), "%s", line + 11);
		}
	snprintf(path, sizeof(path), "%s/events/counts", state_dir);
	if (file_get(path, text, sizeof(text)) > 0)
		sscanf(text, "delivered %lld\nretries %lld\nthrottled %lld\n", &o->delivered,
		       &o->retries, &o->throttled);
}

int event_service_info(const struct live *lv, struct event_service_info *o)
{
	char (*ids)[ASYNC_ID_MAX] = NULL, dir[4096];
	struct dirent *d;
	DIR *D;

	memset(o, 0, sizeof(*o));
	o->present = event_service_wanted(lv->t);
	if (!o->present)
		return 0;
	for (int i = 0; i < lv->t->n_functions; i++)
		for (int k = 0; k < lv->t->functions[i].n_events; k++) {
			o->schedules += lv->t->functions[i].events[k].type == FN_EVENT_SCHEDULE;
			o->s3_sources += lv->t->functions[i].events[k].type == FN_EVENT_S3;
		}
	info_files(lv->dir, o);
	if (async_list(lv->dir, &ids, &o->queued) < 0)
		o->queued = 0;
	free(ids);
	async_failed_dir(lv->dir, dir, sizeof(dir));
	if ((D = opendir(dir))) {
		while ((d = readdir(D)))
			o->failed += d->d_name[0] != '.';
		closedir(D);
	}
	return 0;
}
