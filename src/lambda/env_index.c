/* The in-memory index of a topology's environments; see env_index.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lambda/env_index.h"

/* A set of 64-bit keys, open addressing; 0 is an empty slot, TOMB a
 * removed one. Keys carry a tag in their top two bits (never 0). */
#define TOMB UINT64_MAX

struct keyset {
	uint64_t *k;
	size_t cap, used, live;    /* used: live keys and tombstones */
};

enum { KEY_K = 1, KEY_IP = 2, KEY_ID = 3 };

struct name_slot {
	char name[NETNS_NAME_MAX];
	struct env_index_entry *idle;  /* functions: the idle list's head */
	int n, held, foreign;
};

struct names {
	struct name_slot *v;
	int n;
};

struct env_index {
	struct env_index_entry **all;  /* dense: removal moves the last in */
	int n, cap;
	struct env_index_entry **bucket;
	size_t n_buckets;
	struct names fns, routers;
	struct keyset used;
	int held, foreign;
};

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return x;
}

static uint64_t key_of(int tag, uint32_t hi, uint32_t lo)
{
	return (uint64_t)tag << 62 | (uint64_t)(hi & 0x3fffffff) << 32 | lo;
}

static size_t keyset_find(const struct keyset *s, uint64_t key)
{
	size_t i = mix(key) & (s->cap - 1), tomb = SIZE_MAX;

	while (s->k[i]) {
		if (s->k[i] == key)
			return i;
		if (s->k[i] == TOMB && tomb == SIZE_MAX)
			tomb = i;
		i = (i + 1) & (s->cap - 1);
	}
	return tomb != SIZE_MAX ? tomb : i;
}

static bool keyset_has(const struct keyset *s, uint64_t key)
{
	return s->cap && s->k[keyset_find(s, key)] == key;
}

/* At most half full, tombstones included: rebuilt at 4x the live keys
 * (so churn never grows it without bound). */
static int keyset_grow(struct keyset *s)
{
	struct keyset n = { .cap = 256 };

	if ((s->used + 1) * 2 < s->cap)
		return 0;
	while (n.cap < (s->live + 1) * 4)
		n.cap *= 2;
	n.k = calloc(n.cap, sizeof(*n.k));
	if (!n.k)
		return -ENOMEM;
	for (size_t i = 0; i < s->cap; i++)
		if (s->k[i] && s->k[i] != TOMB) {
			n.k[keyset_find(&n, s->k[i])] = s->k[i];
			n.used++;
		}
	n.live = n.used;
	free(s->k);
	*s = n;
	return 0;
}

static int keyset_add(struct keyset *s, uint64_t key)
{
	size_t i;

	if (keyset_grow(s) < 0)
		return -ENOMEM;
	i = keyset_find(s, key);
	if (s->k[i] == key)
		return 0;
	s->used += s->k[i] == 0;
	s->live++;
	s->k[i] = key;
	return 0;
}

static void keyset_del(struct keyset *s, uint64_t key)
{
	if (keyset_has(s, key)) {
		s->k[keyset_find(s, key)] = TOMB;
		s->live--;
	}
}

/* The slot of name, made when absent (make), else -1. */
static int name_slot(struct names *t, const char *name, bool make)
{
	struct name_slot *grown;

	for (int i = 0; i < t->n; i++)
		if (!strcmp(t->v[i].name, name))
			return i;
	if (!make || !(grown = realloc(t->v, (size_t)(t->n + 1) * sizeof(*grown))))
		return -1;
	t->v = grown;
	memset(&t->v[t->n], 0, sizeof(t->v[t->n]));
	strncpy(t->v[t->n].name, name, sizeof(t->v[t->n].name) - 1);
	return t->n++;
}

static int name_find(const struct names *t, const char *name)
{
	return name_slot((struct names *)t, name, false);
}

static size_t id_hash(const struct env_index *ix, const char *id)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *id; id++)
		h = (h ^ (unsigned char)*id) * 1099511628211ULL;
	return mix(h) & (ix->n_buckets - 1);
}

/* FN-n: n, or -1. */
static int id_number(const char *id)
{
	const char *dash = strrchr(id, '-');

	return dash && dash[1] ? atoi(dash + 1) : -1;
}

struct env_index *env_index_new(void)
{
	struct env_index *ix = calloc(1, sizeof(*ix));

	if (ix && !(ix->bucket = calloc(ix->n_buckets = 1024, sizeof(*ix->bucket)))) {
		free(ix);
		return NULL;
	}
	return ix;
}

void env_index_clear(struct env_index *ix)
{
	for (int i = 0; i < ix->n; i++)
		free(ix->all[i]);
	ix->n = ix->held = ix->foreign = 0;
	memset(ix->bucket, 0, ix->n_buckets * sizeof(*ix->bucket));
	for (int i = 0; i < ix->fns.n; i++) {
		ix->fns.v[i].idle = NULL;
		ix->fns.v[i].n = ix->fns.v[i].held = ix->fns.v[i].foreign = 0;
	}
	free(ix->used.k);
	memset(&ix->used, 0, sizeof(ix->used));
}

void env_index_free(struct env_index *ix)
{
	if (!ix)
		return;
	env_index_clear(ix);
	free(ix->all);
	free(ix->bucket);
	free(ix->fns.v);
	free(ix->routers.v);
	free(ix);
}

static void idle_unlink(struct env_index *ix, struct env_index_entry *e)
{
	if (e->prev)
		e->prev->next = e->next;
	else if (ix->fns.v[e->fn].idle == e)
		ix->fns.v[e->fn].idle = e->next;
	if (e->next)
		e->next->prev = e->prev;
	e->prev = e->next = NULL;
}

static void idle_push(struct env_index *ix, struct env_index_entry *e)
{
	struct env_index_entry **head = &ix->fns.v[e->fn].idle;

	e->prev = NULL;
	e->next = *head;
	if (*head)
		(*head)->prev = e;
	*head = e;
}

static int rehash(struct env_index *ix)
{
	size_t n = ix->n_buckets * 2;
	struct env_index_entry **b = calloc(n, sizeof(*b));

	if (!b)
		return -ENOMEM;
	free(ix->bucket);
	ix->bucket = b;
	ix->n_buckets = n;
	for (int i = 0; i < ix->n; i++) {
		size_t h = id_hash(ix, ix->all[i]->m.id);

		ix->all[i]->hnext = b[h];
		b[h] = ix->all[i];
	}
	return 0;
}

static int resources_add(struct env_index *ix, const struct env_index_entry *e)
{
	int n = id_number(e->m.id), err = keyset_add(&ix->used, key_of(KEY_K, (uint32_t)e->router,
								     (uint32_t)e->m.k));

	if (!err && e->m.ip)
		err = keyset_add(&ix->used, key_of(KEY_IP, (uint32_t)(e->m.vpc + 1), e->m.ip));
	if (!err && n >= 0)
		err = keyset_add(&ix->used, key_of(KEY_ID, (uint32_t)e->fn, (uint32_t)n));
	return err;
}

static void resources_del(struct env_index *ix, const struct env_index_entry *e)
{
	int n = id_number(e->m.id);

	keyset_del(&ix->used, key_of(KEY_K, (uint32_t)e->router, (uint32_t)e->m.k));
	if (e->m.ip)
		keyset_del(&ix->used, key_of(KEY_IP, (uint32_t)(e->m.vpc + 1), e->m.ip));
	if (n >= 0)
		keyset_del(&ix->used, key_of(KEY_ID, (uint32_t)e->fn, (uint32_t)n));
}

static void count(struct env_index *ix, const struct env_index_entry *e, int sign)
{
	struct name_slot *f = &ix->fns.v[e->fn];

	f->n += sign;
	f->held += e->held ? sign : 0;
	f->foreign += e->foreign ? sign : 0;
	ix->held += e->held ? sign : 0;
	ix->foreign += e->foreign ? sign : 0;
}

int env_index_add(struct env_index *ix, const struct env_meta *m, bool held, bool foreign)
{
	struct env_index_entry *e, **grown;
	size_t h;

	if (env_index_find(ix, m->id))
		return -EEXIST;
	if ((size_t)ix->n >= ix->n_buckets && rehash(ix) < 0)
		return -ENOMEM;
	if (ix->n == ix->cap) {
		grown = realloc(ix->all, (size_t)(ix->cap ? ix->cap * 2 : 256) * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		ix->all = grown;
		ix->cap = ix->cap ? ix->cap * 2 : 256;
	}
	if (!(e = calloc(1, sizeof(*e))))
		return -ENOMEM;
	e->m = *m;
	e->held = held;
	e->foreign = !held && foreign;
	e->fn = name_slot(&ix->fns, m->function, true);
	e->router = name_slot(&ix->routers, m->router, true);
	if (e->fn < 0 || e->router < 0 || resources_add(ix, e) < 0) {
		free(e);
		return -ENOMEM;
	}
	h = id_hash(ix, m->id);
	e->hnext = ix->bucket[h];
	ix->bucket[h] = e;
	e->pos = ix->n;
	ix->all[ix->n++] = e;
	if (!held)
		idle_push(ix, e);
	count(ix, e, 1);
	return 0;
}

struct env_index_entry *env_index_find(const struct env_index *ix, const char *id)
{
	struct env_index_entry *e = ix->bucket[id_hash(ix, id)];

	while (e && strcmp(e->m.id, id))
		e = e->hnext;
	return e;
}

void env_index_remove(struct env_index *ix, struct env_index_entry *e)
{
	struct env_index_entry **p = &ix->bucket[id_hash(ix, e->m.id)];

	while (*p && *p != e)
		p = &(*p)->hnext;
	if (*p)
		*p = e->hnext;
	ix->all[e->pos] = ix->all[--ix->n];
	ix->all[e->pos]->pos = e->pos;
	if (!e->held)
		idle_unlink(ix, e);
	count(ix, e, -1);
	resources_del(ix, e);
	free(e);
}

void env_index_hold(struct env_index *ix, struct env_index_entry *e, bool held)
{
	if (e->held == held)
		return;
	count(ix, e, -1);
	e->held = held;
	if (held) {
		e->foreign = false;
		idle_unlink(ix, e);
	} else {
		idle_push(ix, e);
	}
	count(ix, e, 1);
}

void env_index_set_foreign(struct env_index *ix, struct env_index_entry *e, bool foreign)
{
	if (e->held || e->foreign == foreign)
		return;
	count(ix, e, -1);
	e->foreign = foreign;
	count(ix, e, 1);
}

struct env_index_entry *env_index_idle(const struct env_index *ix, const char *fn)
{
	int i = name_find(&ix->fns, fn);

	return i < 0 ? NULL : ix->fns.v[i].idle;
}

struct env_index_entry *env_index_each(const struct env_index *ix, int *cursor)
{
	return *cursor < ix->n ? ix->all[(*cursor)++] : NULL;
}

int env_index_count(const struct env_index *ix, const char *fn)
{
	int i = fn ? name_find(&ix->fns, fn) : 0;

	return !fn ? ix->n : i < 0 ? 0 : ix->fns.v[i].n;
}

int env_index_held(const struct env_index *ix, const char *fn)
{
	int i = fn ? name_find(&ix->fns, fn) : 0;

	return !fn ? ix->held : i < 0 ? 0 : ix->fns.v[i].held;
}

int env_index_busy(const struct env_index *ix, const char *fn)
{
	int i = fn ? name_find(&ix->fns, fn) : 0;

	return !fn ? ix->held + ix->foreign : i < 0 ? 0 : ix->fns.v[i].held + ix->fns.v[i].foreign;
}

bool env_index_k_used(const struct env_index *ix, const char *router, int k)
{
	int r = name_find(&ix->routers, router);

	return r >= 0 && keyset_has(&ix->used, key_of(KEY_K, (uint32_t)r, (uint32_t)k));
}

bool env_index_ip_used(const struct env_index *ix, int vpc, uint32_t ip)
{
	return keyset_has(&ix->used, key_of(KEY_IP, (uint32_t)(vpc + 1), ip));
}

bool env_index_id_used(const struct env_index *ix, const char *fn, int n)
{
	int f = name_find(&ix->fns, fn);

	return f >= 0 && keyset_has(&ix->used, key_of(KEY_ID, (uint32_t)f, (uint32_t)n));
}
