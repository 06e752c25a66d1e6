/* What to flush before fork() in a process that may have threads.
 *
 * fflush(NULL) takes the lock of every open stream, and a thread reading a
 * stream holds its lock for as long as the read blocks: serve's workers
 * each read an invoke's frames from their supervisor's stream for the
 * whole invoke, so a fork after fflush(NULL) on another worker waited for
 * that invoke to end (docs/RUNTIME.md). A child either execs or ends with
 * _exit(), so no stream's buffer is ever written twice: only what the
 * child's output must follow needs flushing, which is stdout and stderr
 * (the streams vpcsim prints on, which a child may inherit). */
#ifndef VPCSIM_FORK_FLUSH_H
#define VPCSIM_FORK_FLUSH_H

/* Flush stdout and stderr, nothing else. Call right before fork/clone. */
void fork_flush(void);

#endif
