/* RDS Proxy's CloudWatch figures (proxy.h), written every 250 ms to the
 * metrics file in the proxy's folder, one "Name value" a line, which
 * `vpcsim status` and `vpcsim metrics` read. Counts are as CloudWatch's
 * (current values and totals since start); latencies are microseconds,
 * the average over the last 60 s, as one CloudWatch period of a minute. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "rdsproxy/proxy.h"

#define WINDOW_S 60
#define TICK_MS 250

static long counters[M__COUNT];

static const char *const names[M__COUNT] = {
	[M_CLIENT_CONNECTIONS] = "ClientConnections",
	[M_CLIENT_RECEIVED] = "ClientConnectionsReceived",
	[M_CLIENT_CLOSED] = "ClientConnectionsClosed",
	[M_CLIENT_SETUP_OK] = "ClientConnectionsSetupSucceeded",
	[M_CLIENT_SETUP_FAILED_AUTH] = "ClientConnectionsSetupFailedAuth",
	[M_CLIENT_TLS] = "ClientConnectionsTLS",
	[M_CLIENT_NO_TLS] = "ClientConnectionsNoTLS",
	[M_DB_CONNECTIONS] = "DatabaseConnections",
	[M_DB_REQUESTS] = "DatabaseConnectionRequests",
	[M_DB_SETUP_OK] = "DatabaseConnectionsSetupSucceeded",
	[M_DB_SETUP_FAILED] = "DatabaseConnectionsSetupFailed",
	[M_DB_BORROWED] = "DatabaseConnectionsCurrentlyBorrowed",
	[M_DB_IN_TRANSACTION] = "DatabaseConnectionsCurrentlyInTransaction",
	[M_DB_PINNED] = "DatabaseConnectionsCurrentlySessionPinned",
	[M_DB_MAX_ALLOWED] = "MaxDatabaseConnectionsAllowed",
	[M_QUERY_REQUESTS] = "QueryRequests",
	[M_QUERY_REQUESTS_TLS] = "QueryRequestsTLS",
	[M_QUERY_REQUESTS_NO_TLS] = "QueryRequestsNoTLS",
	[M_CLIENTS_WAITING] = "ClientsWaitingForConnection",
};

static const char *const lat_names[L__COUNT] = {
	[L_BORROW] = "DatabaseConnectionsBorrowLatency",
	[L_QUERY_DB] = "QueryDatabaseResponseLatency",
	[L_QUERY] = "QueryResponseLatency",
};

struct bucket {
	long long sec;
	long long sum, n;
};

static pthread_mutex_t lat_mu = PTHREAD_MUTEX_INITIALIZER;
static struct bucket lat[L__COUNT][WINDOW_S];

void metric_add(enum metric m, long d)
{
	__atomic_add_fetch(&counters[m], d, __ATOMIC_RELAXED);
}

void latency_add(enum latency l, long us)
{
	long long sec = now_ms() / 1000;
	struct bucket *b = &lat[l][sec % WINDOW_S];

	pthread_mutex_lock(&lat_mu);
	if (b->sec != sec)
		*b = (struct bucket){ sec, 0, 0 };
	b->sum += us;
	b->n++;
	pthread_mutex_unlock(&lat_mu);
}

static long long latency_avg(enum latency l)
{
	long long sec = now_ms() / 1000, sum = 0, n = 0;

	pthread_mutex_lock(&lat_mu);
	for (int i = 0; i < WINDOW_S; i++)
		if (lat[l][i].sec > sec - WINDOW_S) {
			sum += lat[l][i].sum;
			n += lat[l][i].n;
		}
	pthread_mutex_unlock(&lat_mu);
	return n ? sum / n : 0;
}

static void metrics_write(void)
{
	char tmp[600];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", cfg.metrics);
	f = fopen(tmp, "we");
	if (!f)
		return;
	fprintf(f, "ProxyName %s\n", cfg.name);
	for (int i = 0; i < M__COUNT; i++)
		fprintf(f, "%s %ld\n", names[i], __atomic_load_n(&counters[i], __ATOMIC_RELAXED));
	for (int i = 0; i < L__COUNT; i++)
		fprintf(f, "%s %lld\n", lat_names[i], latency_avg((enum latency)i));
	if (fclose(f) == 0)
		rename(tmp, cfg.metrics);
}

static void *metrics_main(void *arg)
{
	struct timespec ts = { 0, TICK_MS * 1000000L };

	for (;;) {
		nanosleep(&ts, NULL);
		pool_trim();
		metrics_write();
	}
	return NULL;
}

int metrics_start(void)
{
	pthread_t t;

	counters[M_DB_MAX_ALLOWED] = cfg.pool_size;
	metrics_write();
	return pthread_create(&t, NULL, metrics_main, NULL) ? -1 : 0;
}
