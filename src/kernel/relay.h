/* The standard streams of a sandboxed child, through pipes this process
 * owns: the child never gets the caller's terminal (or any descriptor of
 * the caller), so it cannot type into it (TIOCSTI), change its modes or
 * read what the user types; its output is copied to our stdout and stderr.
 *
 *   struct relay r;  int child[3];
 *   relay_open(&r, true, child);   // child[0..2]: to dup2 onto 0, 1, 2
 *   ... fork; the child dup2s child[i] onto i ...
 *   relay_close_child(child);      // in the parent
 *   loop: n = relay_pollfds(&r, pfd); poll(pfd, n + others...); relay_handle(&r, pfd, n);
 *   relay_drain(&r, 1000);         // once the child and its tree are gone
 *   relay_close(&r);
 *
 * Our stdin is copied only with `stdin_too`, and only when reading it
 * cannot stop us (not a terminal of which we are in the background); else
 * the child's stdin is /dev/null. When our stdout or stderr is closed by
 * its reader, the pipe from the child is closed too, so the child gets
 * SIGPIPE/EPIPE as it would writing there itself. SIGPIPE is ignored in
 * this process while a relay is open. With `visible` set (an invoke, not
 * an interactive exec), output going to a terminal has its control bytes
 * written as cat -v writes them (util/visible.h). Not thread-safe. */
#ifndef VPCSIM_RELAY_H
#define VPCSIM_RELAY_H

#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "util/visible.h"

#define RELAY_POLLFDS 3

struct relay {
	int in_src, in_w;          /* our stdin -> the child's; -1: none */
	int out_r, err_r;          /* the child's stdout, stderr; -1 at EOF */
	char buf[4096];            /* stdin read, not yet written */
	size_t len, off;
	struct sigaction old_pipe;
	bool pipe_saved;            /* old_pipe holds the disposition */
	bool visible;               /* controls shown on a terminal (set after open) */
	struct visible_state vis[2]; /* of stdout, stderr */
};

/* Make the pipes (CLOEXEC). child[0] is the read end of the stdin pipe or
 * an fd of /dev/null; child[1], child[2] the write ends. */
int relay_open(struct relay *r, bool stdin_too, int child[3]);
void relay_close_child(int child[3]);
/* What to poll for: fills p (RELAY_POLLFDS entries), returns how many. */
int relay_pollfds(const struct relay *r, struct pollfd *p);
/* Move the data poll() found ready. */
void relay_handle(struct relay *r, const struct pollfd *p, int n);
/* Copy what the child wrote until every writer is gone, for at most ms. */
void relay_drain(struct relay *r, int ms);
/* Close what is open, restore SIGPIPE. */
void relay_close(struct relay *r);

#endif
