/* Time for measuring and waiting: CLOCK_MONOTONIC, never the wall clock. */
#ifndef VPCSIM_CLOCK_H
#define VPCSIM_CLOCK_H

/* Milliseconds since some fixed point (boot), with sub-ms fraction. */
double now_ms(void);
/* Sleep `ms` milliseconds (a signal may cut it short). */
void sleep_ms(int ms);

#endif
