/* Warm environments handed from one invoke to the next; see warm_handoff.h. */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "lambda/warm_handoff.h"

#define SLOTS 64
#define KEY_MAX 160

/* The offers of one function: answered invokes whose environment is not
 * free yet, the invokes waiting for one, and a count of releases. */
struct slot {
	char key[KEY_MAX];         /* "topo/fn"; "" when unused */
	int offered, waiting;
	unsigned long released;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static struct slot slots[SLOTS];

/* The slot of key, made when `make` and a slot is free; -1 if none. */
static int slot_of(const char *key, bool make)
{
	int unused = -1;

	for (int i = 0; i < SLOTS; i++) {
		if (!strcmp(slots[i].key, key))
			return i;
		if (unused < 0 && !slots[i].key[0])
			unused = i;
	}
	if (!make || unused < 0)
		return -1;
	snprintf(slots[unused].key, KEY_MAX, "%s", key);
	return unused;
}

static void slot_drop_if_unused(struct slot *s)
{
	if (!s->offered && !s->waiting)
		s->key[0] = '\0';
}

static void key_of(const char *topo, const char *fn, char key[KEY_MAX])
{
	snprintf(key, KEY_MAX, "%s/%s", topo, fn);
}

int handoff_offer(const char *topo, const char *fn)
{
	char key[KEY_MAX];
	int i;

	key_of(topo, fn, key);
	pthread_mutex_lock(&mu);
	if ((i = slot_of(key, true)) >= 0)
		slots[i].offered++;
	pthread_mutex_unlock(&mu);
	return i;
}

void handoff_release(int token)
{
	if (token < 0 || token >= SLOTS)
		return;
	pthread_mutex_lock(&mu);
	slots[token].offered--;
	slots[token].released++;
	slot_drop_if_unused(&slots[token]);
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
}

int handoff_wait(const char *topo, const char *fn, int ms)
{
	char key[KEY_MAX];
	struct timespec until;
	unsigned long seen;
	struct slot *s;
	int i, got = 0;

	key_of(topo, fn, key);
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += ms / 1000;
	until.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&mu);
	i = slot_of(key, false);
	if (i < 0 || slots[i].offered <= slots[i].waiting) {
		pthread_mutex_unlock(&mu);
		return 0;
	}
	s = &slots[i];
	s->waiting++;
	seen = s->released;
	while (s->released == seen && got == 0)
		if (pthread_cond_timedwait(&cv, &mu, &until) == ETIMEDOUT)
			got = -1;
	if (s->released != seen)
		got = 1;
	s->waiting--;
	slot_drop_if_unused(s);
	pthread_mutex_unlock(&mu);
	return got;
}

int handoff_waiters(const char *topo, const char *fn)
{
	char key[KEY_MAX];
	int i, n;

	key_of(topo, fn, key);
	pthread_mutex_lock(&mu);
	i = slot_of(key, false);
	n = i < 0 ? 0 : slots[i].waiting;
	pthread_mutex_unlock(&mu);
	return n;
}
