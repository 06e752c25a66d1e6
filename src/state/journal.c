/* The journal of created objects and its undo. */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/clock.h"
#include "util/err.h"
#include "state/journal.h"
#include "kernel/netns.h"
#include "kernel/proc.h"

static const char *const kind_word[] = {
	[J_NETNS] = "netns", [J_DIR] = "dir", [J_FILE] = "file",
	[J_PROC] = "proc", [J_PIN] = "pin", [J_TREE] = "tree",
};

static int journal_push(struct journal *J, struct journal_entry e)
{
	if (J->n == J->cap) {
		int cap = J->cap ? J->cap * 2 : 64;
		struct journal_entry *n = realloc(J->e, (size_t)cap * sizeof(*n));

		if (!n)
			return errf(ENOMEM, "growing the journal");
		J->e = n;
		J->cap = cap;
	}
	J->e[J->n++] = e;
	return 0;
}

static int journal_write(struct journal *J, const struct journal_entry *e)
{
	char line[4200];
	int len;

	if (J->fd < 0)
		return 0;
	if (e->kind == J_PROC && e->stop_signal)
		len = snprintf(line, sizeof(line), "proc %d %llu %s %d\n", (int)e->pid,
			       e->start_time, e->what, e->stop_signal);
	else if (e->kind == J_PROC)
		len = snprintf(line, sizeof(line), "proc %d %llu %s\n", (int)e->pid,
			       e->start_time, e->what);
	else
		len = snprintf(line, sizeof(line), "%s %s\n", kind_word[e->kind], e->what);
	if (write(J->fd, line, (size_t)len) != len)
		return errf(errno, "writing the journal: %s", strerror(errno));
	return 0;
}

int journal_create(struct journal *J, const char *path)
{
	memset(J, 0, sizeof(*J));
	J->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);
	if (J->fd < 0)
		return errf(errno, "creating journal %s: %s", path, strerror(errno));
	return 0;
}

static int journal_add_entry(struct journal *J, struct journal_entry e)
{
	int err;

	e.what = strdup(e.what);
	if (!e.what)
		return errf(ENOMEM, "journal entry");
	err = journal_push(J, e);
	if (err < 0) {
		free(e.what);
		return err;
	}
	return journal_write(J, &e);
}

int journal_add(struct journal *J, enum journal_kind kind, const char *what)
{
	return journal_add_entry(J, (struct journal_entry){ .kind = kind, .what = (char *)what });
}

int journal_add_proc(struct journal *J, pid_t pid, unsigned long long start, const char *name)
{
	return journal_add_entry(J, (struct journal_entry){
		.kind = J_PROC, .what = (char *)name, .pid = pid, .start_time = start,
	});
}

int journal_add_proc_signal(struct journal *J, pid_t pid, unsigned long long start,
			    const char *name, int sig)
{
	return journal_add_entry(J, (struct journal_entry){
		.kind = J_PROC, .what = (char *)name, .pid = pid, .start_time = start,
		.stop_signal = sig,
	});
}

int journal_read_stream(struct journal *J, FILE *f)
{
	char line[4200];
	int err = 0;

	memset(J, 0, sizeof(*J));
	J->fd = -1;
	while (fgets(line, sizeof(line), f)) {
		struct journal_entry e = { 0 };
		char word[16], what[4096];
		int pid;

		line[strcspn(line, "\n")] = '\0';
		if (sscanf(line, "proc %d %llu %4095s %d", &pid, &e.start_time, what,
			   &e.stop_signal) >= 3) {
			if (pid <= 1)
				continue; /* never a process of ours: 0 and -1 mean groups */
			e.kind = J_PROC;
			e.pid = pid;
		} else if (sscanf(line, "%15s %4095[^\n]", word, what) == 2) {
			size_t k;

			for (k = 0; k < sizeof(kind_word) / sizeof(*kind_word); k++)
				if (strcmp(word, kind_word[k]) == 0)
					break;
			if (k == sizeof(kind_word) / sizeof(*kind_word) || k == J_PROC)
				continue; /* a line cut short by a crash */
			e.kind = (enum journal_kind)k;
		} else {
			continue;
		}
		e.what = what;
		if (journal_add_entry(J, e) < 0) {
			err = -ENOMEM;
			break;
		}
	}
	return err;
}

int journal_read(struct journal *J, const char *path)
{
	FILE *f = fopen(path, "re");
	int err;

	if (!f) {
		memset(J, 0, sizeof(*J));
		J->fd = -1;
		return errf(errno, "reading journal %s: %s", path, strerror(errno));
	}
	err = journal_read_stream(J, f);
	fclose(f);
	return err;
}

/* Entries 0..last (the ones still to undo, in reverse): SIGKILL whatever
 * runs in any of their namespaces, in one pass over /proc. Processes the
 * journal names were stopped gently before (they come later in it). */
static void kill_in_namespaces(const struct journal *J, int last)
{
	const char **names = calloc((size_t)last + 1, sizeof(*names));
	int n = 0;

	if (!names)
		return;
	for (int i = 0; i <= last; i++)
		if (J->e[i].kind == J_NETNS)
			names[n++] = J->e[i].what;
	proc_kill_netns_set(names, n);
	free(names);
}

static int undo_one(const struct journal_entry *e)
{
	switch (e->kind) {
	case J_NETNS:
		return netns_delete(e->what);
	case J_DIR:
		if (rmdir(e->what) < 0 && errno != ENOENT)
			return errf(errno, "removing directory %s: %s", e->what, strerror(errno));
		return 0;
	case J_FILE:
		if (unlink(e->what) < 0 && errno != ENOENT)
			return errf(errno, "removing %s: %s", e->what, strerror(errno));
		return 0;
	case J_PROC: {
		struct proc_id p = { .pid = e->pid, .start_time = e->start_time };

		return proc_stop_signal(&p, e->stop_signal ? e->stop_signal : SIGTERM, 1000);
	}
	case J_PIN:
	case J_TREE:
		return tree_remove(e->what);
	}
	return 0;
}

/* The namespaces of entries 0..last, deleted by a thread of their own
 * while the main thread undoes the rest: deleting a namespace is an
 * unmount and an unlink under /run/netns, removing a hosts file and its
 * folder two more under /etc/netns, and the kernel lets both go on at once
 * (different locks). Nothing else in the journal depends on a namespace's
 * name being gone. */
struct netns_undo {
	const struct journal *J;
	int last, first;
};

static void *netns_undo_run(void *arg)
{
	struct netns_undo *u = arg;

	for (int i = u->last; i >= 0; i--) {
		int err;

		if (u->J->e[i].kind != J_NETNS)
			continue;
		err = undo_one(&u->J->e[i]);
		if (err < 0) {
			fprintf(stderr, "vpcsim: undo: %s\n", err_msg());
			if (!u->first)
				u->first = err;
		}
	}
	return NULL;
}

int journal_undo(struct journal *J)
{
	struct netns_undo u = { .J = J, .last = J->n - 1 };
	bool threaded = false, profile = getenv("VPCSIM_PROFILE") != NULL;
	double t[4] = { now_ms() };
	pthread_t tid;
	int first = 0, last_netns = -1;

	/* Processes first, gently, newest first; then SIGKILL whatever else
	 * runs in the namespaces (found through their mounts, so before any
	 * goes); then the namespaces on their thread beside the rest. */
	for (int pass = 0; pass < 2; pass++) {
		for (int i = J->n - 1; i >= 0; i--) {
			const struct journal_entry *e = &J->e[i];
			int err;

			if ((pass == 0) != (e->kind == J_PROC) ||
			    (e->kind == J_NETNS && threaded))
				continue;
			err = undo_one(e);
			if (err < 0) {
				fprintf(stderr, "vpcsim: undo: %s\n", err_msg());
				if (!first)
					first = err;
			}
		}
		if (pass == 0) {
			t[1] = now_ms();
			for (int i = J->n - 1; i >= 0 && last_netns < 0; i--)
				if (J->e[i].kind == J_NETNS)
					last_netns = i;
			if (last_netns >= 0) {
				kill_in_namespaces(J, last_netns);
				u.last = last_netns;
				threaded = pthread_create(&tid, NULL, netns_undo_run, &u) == 0;
			}
			t[2] = now_ms();
		}
	}
	if (threaded) {
		pthread_join(tid, NULL);
		first = first ? first : u.first;
	}
	t[3] = now_ms();
	/* VPCSIM_PROFILE=1: where an undo (`down`) spends its time. */
	if (profile)
		fprintf(stderr, "profile: undo: processes %.1f ms, kill in namespaces %.1f ms, "
			"namespaces and the rest %.1f ms\n", t[1] - t[0], t[2] - t[1], t[3] - t[2]);
	return first;
}

void journal_close(struct journal *J)
{
	for (int i = 0; i < J->n; i++)
		free(J->e[i].what);
	free(J->e);
	if (J->fd >= 0)
		close(J->fd);
	memset(J, 0, sizeof(*J));
	J->fd = -1;
}
