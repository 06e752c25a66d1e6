/* Turns among the cold starts of one process (serve's workers, the AWS
 * zone's Invoke API, `vpcsim invoke`): how many run at once, from the
 * environment's code and supervisor to the end of its runtime's init.
 *
 * A cold start is CPU work on the machine's own cores (namespace, veth,
 * supervisor, the interpreter, then the function's init: boto3 and a
 * client are 0.44 s of CPU on an idle core of the 2-core VM), and
 * Lambda's 10 s init limit is wall time. Run side by side, N inits each
 * take N times longer and a burst of them passes the limit; each one
 * past it is killed and run again inside its invoke, which makes the
 * others slower still. So a burst takes turns: a few inits at a time,
 * each finishing in its own time, the burst made at the machine's rate.
 *
 * The bound is at most VPCSIM_COLD_STARTS (its cap; default 2 per core),
 * starts at half of it and follows what the machine gives the inits: a
 * turn that lasted more than half of Lambda's init limit takes one turn
 * away (down to 1), one that lasted less than a quarter of it gives one
 * back (up to the cap). On a busy
 * host the environments may get a small share of the CPU (their cgroups
 * weigh as one task against every process outside them), and fewer inits
 * at a time keep each within the limit at the same rate. Thread-safe. */
#ifndef VPCSIM_COLD_TURNS_H
#define VPCSIM_COLD_TURNS_H

/* Wait for a turn and take it. */
void cold_turn_take(void);
/* Give a turn back: took_ms is how long it was held (its start to the
 * init's end, or the invoke's end when the init never ended), < 0 when
 * the start failed before an init ran (not a figure for the bound). */
void cold_turn_give(double took_ms);
/* The bound after a turn of took_ms under bound `now` and cap `cap`
 * (pure: unit-tested). */
int cold_turns_adapt(int now, int cap, double took_ms);

/* The last cold start's network, code and supervisor time (ms), noted by
 * invoke.c: what waiting for a warm environment may cost at most before
 * a cold start is the better choice (warm_handoff.h). */
void cold_start_note(double ms);
double cold_start_last_ms(void);

#endif
