/* The pool of database connections (proxy.h). At most cfg.pool_size are
 * open or opening; each is keyed by the user, database and startup
 * settings it was made with, and only a client with the same key gets
 * it. Made by libpq (startup and SCRAM with the secret's password), then
 * the InitQuery, then relayed raw. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "rdsproxy/proxy.h"

#define RETRY_MS 250               /* between attempts while the database is away */
#define IDLE_CLOSE_MS 60000        /* idle connections above the idle figure */
#define PARAMS_MAX 16

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv;         /* CLOCK_MONOTONIC: pool_init() */
static struct server *idle;        /* given back, most recent first */
/* The settings the database reported (ParameterStatus) per key, from the
 * first connection made for it: a client logs in without waiting for a
 * connection, as the storm's clients would otherwise spend their
 * connect_timeout queued at login. */
struct params {
	char *key, *list;          /* "name\0value\0..." */
	size_t len;
	struct params *next;
};
static struct params *params_seen;
static int open_count;             /* open or opening */

static void server_free(struct server *s)
{
	if (!s)
		return;
	if (s->cancel)
		PQfreeCancel(s->cancel);
	if (s->pg)
		PQfinish(s->pg);   /* closes the socket */
	free(s->end.buf);
	free(s->key);
	free(s);
}

/* A closed connection leaves the pool: one more may be opened. */
static void server_close(struct server *s)
{
	server_free(s);
	metric_add(M_DB_CONNECTIONS, -1);
	pthread_mutex_lock(&mu);
	open_count--;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
}

static const char *const reported[] = {
	"server_version", "server_encoding", "client_encoding", "DateStyle", "IntervalStyle",
	"TimeZone", "integer_datetimes", "standard_conforming_strings", "is_superuser",
	"session_authorization", "default_transaction_read_only", "in_hot_standby", NULL,
};

static void params_keep(struct server *s)
{
	struct params *p;
	char list[4096];
	size_t n = 0;

	for (int i = 0; reported[i]; i++) {
		const char *v = PQparameterStatus(s->pg, reported[i]);

		if (v && n + strlen(reported[i]) + strlen(v) + 2 < sizeof(list))
			n += (size_t)sprintf(list + n, "%s%c%s%c", reported[i], 0, v, 0);
	}
	pthread_mutex_lock(&mu);
	for (p = params_seen; p && strcmp(p->key, s->key); p = p->next)
		;
	if (!p && (p = calloc(1, sizeof(*p))) && (p->key = strdup(s->key)) &&
	    (p->list = malloc(n))) {
		memcpy(p->list, list, n);
		p->len = n;
		p->next = params_seen;
		params_seen = p;
	} else if (p && !p->list) {
		free(p->key);
		free(p);
	}
	pthread_mutex_unlock(&mu);
}

size_t pool_params(const char *key, char *out, size_t len)
{
	size_t n = 0;

	pthread_mutex_lock(&mu);
	for (struct params *p = params_seen; p; p = p->next)
		if (!strcmp(p->key, key) && p->len <= len) {
			memcpy(out, p->list, p->len);
			n = p->len;
			break;
		}
	pthread_mutex_unlock(&mu);
	return n;
}

/* Startup settings libpq has no keyword for go in "options" as -c. */
static void build_options(const char *const *pk, const char *const *pv, char *out, size_t len)
{
	size_t n = 0;

	out[0] = '\0';
	for (int i = 0; pk && pk[i] && n + 8 < len; i++) {
		n += (size_t)snprintf(out + n, len - n, "%s-c %s=", n ? " " : "", pk[i]);
		for (const char *c = pv[i]; *c && n + 3 < len; c++) {
			if (*c == ' ' || *c == '\\')
				out[n++] = '\\';
			out[n++] = *c;
		}
		out[n] = '\0';
	}
}

static struct server *server_open(const char *key, const struct cred *c, const char *dbname,
				  const char *const *pk, const char *const *pv, char *why,
				  size_t why_len)
{
	char port[16], options[2048];
	const char *keys[] = { "host", "port", "user", "password", "dbname", "connect_timeout",
			       "application_name", "client_encoding", "options", NULL };
	const char *vals[] = { cfg.db_ip, port, c->user, c->password, dbname, "5",
			       "vpcsim-rds-proxy", "UTF8", options, NULL };
	struct server *s = calloc(1, sizeof(*s));
	PGresult *r;

	snprintf(port, sizeof(port), "%d", cfg.db_port);
	build_options(pk, pv, options, sizeof(options));
	metric_add(M_DB_REQUESTS, 1);
	if (!s || !(s->key = strdup(key)))
		goto fail;
	s->pg = PQconnectdbParams(keys, vals, 0);
	if (PQstatus(s->pg) != CONNECTION_OK) {
		snprintf(why, why_len, "%s", PQerrorMessage(s->pg));
		goto fail;
	}
	if (cfg.init_query) {
		r = PQexec(s->pg, cfg.init_query);
		if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK) {
			snprintf(why, why_len, "InitQuery: %s", PQerrorMessage(s->pg));
			PQclear(r);
			goto fail;
		}
		PQclear(r);
	}
	params_keep(s);
	s->cancel = PQgetCancel(s->pg);
	s->fd = s->end.fd = PQsocket(s->pg);
	metric_add(M_DB_SETUP_OK, 1);
	metric_add(M_DB_CONNECTIONS, 1);
	return s;
fail:
	why[strcspn(why, "\n")] = '\0';
	metric_add(M_DB_SETUP_FAILED, 1);
	server_free(s);
	return NULL;
}

/* An idle connection the database closed (a restart, a terminated
 * backend) has something to read: EOF or a FATAL. */
static bool server_alive(struct server *s)
{
	struct pollfd p = { s->fd, POLLIN, 0 };

	return s->end.len == s->end.off && poll(&p, 1, 0) == 0;
}

/* Take an idle connection with `key` (mu held); broken ones are closed. */
static struct server *take_idle(const char *key, struct server **dead)
{
	for (struct server **pp = &idle; *pp; pp = &(*pp)->next) {
		struct server *s = *pp;

		if (strcmp(s->key, key))
			continue;
		*pp = s->next;
		if (server_alive(s))
			return s;
		s->next = *dead;
		*dead = s;
		return take_idle(key, dead);
	}
	return NULL;
}

/* An idle connection of another key, closed to make room (mu held). */
static struct server *evict_other(const char *key)
{
	struct server **last = NULL;

	for (struct server **pp = &idle; *pp; pp = &(*pp)->next)
		if (strcmp((*pp)->key, key))
			last = pp;
	if (!last)
		return NULL;
	struct server *s = *last;
	*last = s->next;
	return s;
}

static void close_list(struct server *s)
{
	while (s) {
		struct server *n = s->next;

		server_close(s);
		s = n;
	}
}

static struct server *borrowed(struct server *s, long long t0)
{
	metric_add(M_DB_BORROWED, 1);
	latency_add(L_BORROW, (now_ms() - t0) * 1000);
	s->next = NULL;
	return s;
}

/* One try to open (open_count already counts it); mu not held. */
static struct server *try_open(const char *key, const struct cred *c, const char *const *pk,
			       const char *const *pv, char *why, size_t why_len)
{
	const char *dbname = strchr(key, '\x1f') + 1;
	char db[PROXY_NAME_MAX];
	struct server *s;

	snprintf(db, sizeof(db), "%.*s", (int)strcspn(dbname, "\x1f"), dbname);
	s = server_open(key, c, db, pk, pv, why, why_len);
	if (!s) {
		pthread_mutex_lock(&mu);
		open_count--;
		pthread_cond_broadcast(&cv);
		pthread_mutex_unlock(&mu);
	}
	return s;
}

struct server *pool_borrow(const char *key, const struct cred *c, const char *const *pk,
			   const char *const *pv, char *why, size_t why_len)
{
	long long t0 = now_ms(), deadline = cfg.borrow_timeout_s ? t0 + cfg.borrow_timeout_s * 1000LL : -1;
	struct server *s, *dead = NULL;
	struct timespec ts;
	bool waiting = false;

	snprintf(why, why_len, "timeout");
	pthread_mutex_lock(&mu);
	for (;;) {
		if ((s = take_idle(key, &dead)))
			break;
		if (open_count >= cfg.pool_size && (s = evict_other(key))) {
			s->next = dead;
			dead = s;
			s = NULL;
		}
		if (dead) {
			pthread_mutex_unlock(&mu);
			close_list(dead);
			dead = NULL;
			pthread_mutex_lock(&mu);
			continue;
		}
		if (open_count < cfg.pool_size) {
			open_count++;
			pthread_mutex_unlock(&mu);
			if ((s = try_open(key, c, pk, pv, why, why_len)))
				goto out;
			if (strstr(why, "password authentication failed") ||
			    (deadline >= 0 && now_ms() >= deadline))
				goto out;
			usleep(RETRY_MS * 1000);
			pthread_mutex_lock(&mu);
			continue;
		}
		if (!waiting)
			metric_add(M_CLIENTS_WAITING, 1);
		waiting = true;
		if (deadline < 0) {
			pthread_cond_wait(&cv, &mu);
			continue;
		}
		ts.tv_sec = deadline / 1000;
		ts.tv_nsec = (deadline % 1000) * 1000000L;
		if (now_ms() >= deadline)
			break;
		pthread_cond_timedwait(&cv, &mu, &ts);
	}
	pthread_mutex_unlock(&mu);
out:
	if (waiting)
		metric_add(M_CLIENTS_WAITING, -1);
	return s ? borrowed(s, t0) : NULL;
}

/* A simple query on a connection at ReadyForQuery 'I', read to its
 * ReadyForQuery: 0 when it ran without error and the connection is idle. */
static int run_simple(struct server *s, const char *sql)
{
	char type = 0, *body = NULL, status = 0;
	uint32_t len;
	bool failed = false;

	if (msg_write(&s->end, 'Q', sql, (uint32_t)strlen(sql) + 1) < 0)
		return -1;
	while (type != 'Z') {
		free(body);
		body = NULL;
		if (msg_read(&s->end, &type, &body, &len, 30000) < 0)
			return -1;
		failed |= type == 'E';
		if (type == 'Z' && len == 1)
			status = body[0];
	}
	free(body);
	return failed || status != 'I' ? -1 : 0;
}

void pool_return(struct server *s, bool pinned, bool healthy)
{
	metric_add(M_DB_BORROWED, -1);
	if (healthy && pinned)
		healthy = run_simple(s, "DISCARD ALL") == 0 &&
			  (!cfg.init_query || run_simple(s, cfg.init_query) == 0);
	if (!healthy || !server_alive(s)) {
		server_close(s);
		return;
	}
	s->idle_since = now_ms();
	pthread_mutex_lock(&mu);
	s->next = idle;
	idle = s;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
}

void pool_trim(void)
{
	struct server *drop = NULL, **pp;
	int n = 0, keep;
	long long now = now_ms();

	pthread_mutex_lock(&mu);
	keep = cfg.idle_size;
	for (pp = &idle; *pp;) {
		struct server *s = *pp;

		if (++n > keep && now - s->idle_since >= IDLE_CLOSE_MS) {
			*pp = s->next;
			s->next = drop;
			drop = s;
			continue;
		}
		pp = &s->next;
	}
	pthread_mutex_unlock(&mu);
	close_list(drop);
}

void pool_init(void)
{
	pthread_condattr_t a;

	pthread_condattr_init(&a);
	pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	pthread_cond_init(&cv, &a);
	pthread_condattr_destroy(&a);
}
