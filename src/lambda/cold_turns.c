/* Turns among the cold starts of one process; see cold_turns.h. */
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "lambda/cold_turns.h"
#include "lambda/supervisor.h"

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int running, bound, cap;
static double last_start_ms;

static void bound_init(void)
{
	const char *v = getenv("VPCSIM_COLD_STARTS");
	long cores = sysconf(_SC_NPROCESSORS_ONLN);

	if (bound)
		return;
	cap = v && atoi(v) > 0 ? atoi(v) : cores > 0 ? 2 * (int)cores : 2;
	bound = cap > 1 ? cap / 2 : 1; /* a burst's first turns say how quick inits are */
}

int cold_turns_adapt(int now, int max, double took_ms)
{
	if (took_ms > SUP_INIT_LIMIT_MS / 2.0 && now > 1)
		return now - 1;
	if (took_ms >= 0 && took_ms < SUP_INIT_LIMIT_MS / 4.0 && now < max)
		return now + 1;
	return now;
}

void cold_turn_take(void)
{
	pthread_mutex_lock(&mu);
	bound_init();
	while (running >= bound)
		pthread_cond_wait(&cv, &mu);
	running++;
	pthread_mutex_unlock(&mu);
}

void cold_turn_give(double took_ms)
{
	pthread_mutex_lock(&mu);
	running--;
	bound = cold_turns_adapt(bound, cap, took_ms);
	pthread_cond_broadcast(&cv); /* a bound raised may admit two */
	pthread_mutex_unlock(&mu);
}

void cold_start_note(double ms)
{
	pthread_mutex_lock(&mu);
	last_start_ms = ms;
	pthread_mutex_unlock(&mu);
}

double cold_start_last_ms(void)
{
	double ms;

	pthread_mutex_lock(&mu);
	ms = last_start_ms;
	pthread_mutex_unlock(&mu);
	return ms;
}
