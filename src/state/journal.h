/* The journal: every object vpcsim created that outlives its namespace,
 * in creation order, appended to a file as it is created so that `down`
 * (and a crash during `up`) can undo exactly that, in reverse.
 *
 * File format, one entry a line:
 *   netns NAME
 *   dir PATH
 *   file PATH
 *   proc PID START_TIME NAME [SIG] (start time: field 22 of /proc/PID/stat;
 *                                  SIG: the signal that stops it, SIGTERM if absent)
 *   pin PATH                      (a bpffs path, removed recursively)
 *   tree PATH                     (a folder with its contents, e.g. a database's data)
 */
#ifndef VPCSIM_JOURNAL_H
#define VPCSIM_JOURNAL_H

#include <stdio.h>
#include <sys/types.h>

#include "util/fs.h" /* tree_remove */

enum journal_kind {
	J_NETNS,
	J_DIR,
	J_FILE,
	J_PROC,
	J_PIN,
	J_TREE,
};

struct journal_entry {
	enum journal_kind kind;
	char *what;              /* name or path */
	pid_t pid;               /* J_PROC */
	unsigned long long start_time;
	int stop_signal;         /* J_PROC; 0 means SIGTERM */
};

struct journal {
	struct journal_entry *e;
	int n, cap;
	int fd;                  /* append target, -1 for in-memory only */
};

/* Start a journal appended to `path` (created, truncated). */
int journal_create(struct journal *J, const char *path);
/* Read a journal file written by an earlier process. Lines that are not
 * whole entries (cut short by a crash) are skipped; a proc line with a pid
 * below 2 is never taken (kill(0) and kill(-1) mean groups). */
int journal_read(struct journal *J, const char *path);
/* The same from an open stream (fuzzed: tests/fuzz/fuzz_state.c). */
int journal_read_stream(struct journal *J, FILE *f);
int journal_add(struct journal *J, enum journal_kind kind, const char *what);
int journal_add_proc(struct journal *J, pid_t pid, unsigned long long start, const char *name);
/* A process that stops on `sig` rather than SIGTERM. */
int journal_add_proc_signal(struct journal *J, pid_t pid, unsigned long long start,
			    const char *name, int sig);
/* Undo every entry, last first: the processes before everything else, the
 * namespaces on a thread of their own beside the rest (their removal waits
 * on the kernel, not on the other entries). Keeps going past errors
 * (reporting each to stderr) so that as much as possible is removed;
 * returns the first error. */
int journal_undo(struct journal *J);
void journal_close(struct journal *J);

#endif
