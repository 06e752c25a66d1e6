/* Removal of vpcsim objects by their marks. */
#include <dirent.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/err.h"
#include "state/journal.h"
#include "kernel/netns.h"
#include "model/names.h"
#include "kernel/proc.h"
#include "state/sweep.h"

/* Does `name` (below a folder) belong to topology `topo` (NULL: any)?
 * The owner is the exact text between "vpcsim-" and the first '.'
 * (names.h), so topology `a` never claims an object of `a-b`. */
static bool marked(const char *name, const char *topo)
{
	return ns_owned_by(name, topo);
}

static int note(int *first, int err)
{
	if (err < 0) {
		fprintf(stderr, "vpcsim: clean: %s\n", err_msg());
		if (!*first)
			*first = err;
		return 0;
	}
	return 1;
}

/* Stop the processes a journal recorded (the responder lives outside the
 * node namespaces, so only the journal knows it). */
static int sweep_journal_procs(const char *topo, int *first)
{
	char path[512];
	struct journal J;
	int n = 0;

	path_journal(path, sizeof(path), topo);
	if (journal_read(&J, path) < 0)
		return 0;
	for (int i = J.n - 1; i >= 0; i--) {
		struct proc_id p = { .pid = J.e[i].pid, .start_time = J.e[i].start_time };

		if (J.e[i].kind == J_PROC && proc_alive(&p))
			n += note(first, proc_stop_signal(&p, J.e[i].stop_signal ? J.e[i].stop_signal
							      : SIGTERM, 1000));
	}
	journal_close(&J);
	return n;
}

static int sweep_dir_entries(const char *dir, const char *topo, int *first,
			     int (*remove_one)(const char *dir, const char *name))
{
	struct dirent *de;
	DIR *d = opendir(dir);
	int n = 0;

	if (!d)
		return 0;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.' && marked(de->d_name, topo))
			n += note(first, remove_one(dir, de->d_name));
	closedir(d);
	return n;
}

static int remove_netns(const char *dir, const char *name)
{
	if (!ns_is_container(name))
		proc_kill_netns(name);
	return netns_delete(name);
}

static int remove_tree(const char *dir, const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return tree_remove(path);
}

static int remove_state(const char *topo, int *first)
{
	char path[512];
	struct dirent *de;
	DIR *d;
	int n = 0;

	if (topo) {
		path_state_dir(path, sizeof(path), topo);
		n += sweep_journal_procs(topo, first);
		if (access(path, F_OK) == 0)
			n += note(first, tree_remove(path));
		return n;
	}
	d = opendir(STATE_ROOT);
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		path_state_dir(path, sizeof(path), de->d_name);
		n += sweep_journal_procs(de->d_name, first);
		n += note(first, tree_remove(path));
	}
	closedir(d);
	return n;
}

int sweep(const char *topo)
{
	int first = 0, n = 0;
	char path[512];

	n += remove_state(topo, &first);
	n += sweep_dir_entries(NETNS_RUN_DIR, topo, &first, remove_netns);
	n += sweep_dir_entries(ETC_NETNS, topo, &first, remove_tree);
	if (topo) {
		snprintf(path, sizeof(path), "%s/%s", PIN_ROOT, topo);
		if (access(path, F_OK) == 0)
			n += note(&first, tree_remove(path));
	} else if (access(PIN_ROOT, F_OK) == 0) {
		n += note(&first, tree_remove(PIN_ROOT));
	}
	return first ? first : n;
}
