/* Warm environments handed from one invoke to the next inside one
 * process (`serve`, the AWS zone's Lambda API).
 *
 * Lambda answers the caller when the runtime posts its response; the
 * invoke, and the environment's use, last until the runtime calls `next`
 * again (and every extension registered for INVOKE has too). A caller on
 * a kept-alive connection sends its next request at once, and on a loaded
 * machine that request can reach the environments before the one that
 * answered it is free: it would find none idle and start a cold one
 * (hundreds of milliseconds, and an environment more) for a warm one that
 * is a millisecond away. So an invoke that answered early without
 * extensions at work offers its environment; the next invoke of the same
 * function, finding an offer nobody else waits for, waits for that
 * environment's release (at most what a cold start costs now, see
 * HANDOFF_WAIT_MS) before it acquires.
 * Each offer serves one waiter; with none, nothing waits. Process-local
 * memory only; thread-safe. */
#ifndef VPCSIM_WARM_HANDOFF_H
#define VPCSIM_WARM_HANDOFF_H

/* How long a new invoke waits for an offered environment: a runtime
 * calls `next` right after its response, but on a loaded machine each
 * hop to the release can take milliseconds, and a runtime that spent its
 * CPU share (128 MB: 7.2 ms a 100 ms period) runs again only in the next
 * period. The caller waits as long as its last cold start took, network
 * to init's end (within these bounds): waiting any longer costs more
 * than a cold start (a runtime's long post-response work). The least is
 * one CPU period and a half. */
#define HANDOFF_WAIT_MS 150
#define HANDOFF_WAIT_MAX_MS 5000

/* An invoke of function fn of topology topo answered and its environment
 * is free in a moment: a token for handoff_release(), or -1 (the table
 * of offers is full: nothing will wait for it). */
int handoff_offer(const char *topo, const char *fn);
/* The offered environment is free (its lock let go) or gone: a waiter
 * wakes. token -1: nothing. */
void handoff_release(int token);
/* Before acquiring an environment of fn: when one is offered and not
 * already waited for, wait until an offer of fn is released or ms pass.
 * 1 when a release came, 0 when there was nothing to wait for, -1 when
 * ms passed. */
int handoff_wait(const char *topo, const char *fn, int ms);
/* How many invokes wait for an offer of fn now. */
int handoff_waiters(const char *topo, const char *fn);

#endif
