/* vpcsim-rds-proxy: RDS Proxy for PostgreSQL as a program of its own
 * (docs/RDS.md, "The proxy"). One process per rds-proxy, started by
 * `vpcsim up` jailed like the database engines, in the proxy's network
 * namespace; its configuration, passwords included, arrives on stdin and
 * never touches a disk.
 *
 * One thread per client. A client is multiplexed over the pool's server
 * connections between transactions: it borrows one when it sends a
 * query, and gives it back at ReadyForQuery 'I' unless its session did
 * something that ties it to that connection (pin.c): then it keeps it
 * until it disconnects, and the connection is reset (DISCARD ALL, then
 * the InitQuery again) before anyone else gets it. Server connections
 * are made by libpq (startup, SCRAM), then carry the clients' messages
 * as they are. */
#ifndef VPCSIM_RDSPROXY_H
#define VPCSIM_RDSPROXY_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>
#include <openssl/ssl.h>

#define PROXY_NAME_MAX 128
#define PROXY_USERS_MAX 32
#define PROXY_HOSTS_MAX 8
#define MSG_MAX (64u << 20)        /* the largest message relayed (64 MiB) */
#define STARTUP_MAX 10000          /* PostgreSQL's own limit on a startup packet */

/* One set of credentials: a secret's username and password (or the
 * target's master credentials without `auth`). */
struct cred {
	char secret[PROXY_NAME_MAX];   /* "" when not from a secret */
	char user[PROXY_NAME_MAX];
	char password[PROXY_NAME_MAX];
	bool iam;                      /* iam_auth REQUIRED */
};

struct config {
	char name[PROXY_NAME_MAX];
	char listen_ip[64], db_ip[64];
	int listen_port, db_port;
	int pool_size, idle_size;
	int borrow_timeout_s, idle_client_timeout_s;
	bool require_tls;
	char tls_key[512], tls_cert[512];    /* "" without TLS */
	char metrics[512];                   /* the metrics file */
	char *init_query;                    /* NULL if none */
	struct cred creds[PROXY_USERS_MAX];
	int n_creds;
	char hosts[PROXY_HOSTS_MAX][256];    /* names an IAM token may be made for */
	int n_hosts;
	char aws_socket[512];                /* the zone front's link, "" if none */
	int aws_fd;                          /* connected to it, -1 when not */
};

extern struct config cfg;
extern SSL_CTX *tls_ctx;                     /* NULL without TLS */

/* ---- wire.c: one end of a connection, plain or TLS ---- */
struct end {
	int fd;
	SSL *ssl;
	char *buf;                 /* read buffer */
	size_t len, off, cap;
};

/* Read exactly n bytes, waiting at most timeout_ms in all (-1: forever).
 * 0, -1 (closed or error), -2 (timed out). */
int end_read(struct end *e, void *p, size_t n, int timeout_ms);
int end_write(struct end *e, const void *p, size_t n);
/* Bytes already read from the socket and not yet taken (TLS's too). */
bool end_pending(struct end *e);
/* Read one message: type, and its body (malloc'd) of *len bytes.
 * 0, -1, -2 as end_read, -3 when the length is out of bounds. */
int msg_read(struct end *e, char *type, char **body, uint32_t *len, int timeout_ms);
/* Write one message. */
int msg_write(struct end *e, char type, const void *body, uint32_t len);
/* An ErrorResponse with severity, SQLSTATE and text. */
int send_error(struct end *e, const char *severity, const char *code, const char *text);
void end_close(struct end *e);

/* ---- scram.c: SCRAM-SHA-256, the server's side (RFC 5802, 7677) ---- */
/* Run the exchange with the client on e for `password`. 0 when the client
 * proved it knows it, -1 on a wrong proof, -2 on a protocol error or a
 * closed connection. */
int scram_server(struct end *e, const char *password);

/* ---- pin.c: what ties a session to its database connection ---- */
/* The reason (AWS's words) a client message pins its session, or NULL. */
const char *pin_reason(char type, const char *body, uint32_t len);

/* ---- pool.c: the database connections ---- */
struct server {
	PGconn *pg;
	PGcancel *cancel;
	int fd;
	struct end end;
	char *key;                 /* user, database and startup settings */
	long long idle_since;      /* ms, monotonic: when it was last given back */
	struct server *next;
};

/* Borrow a connection for `key` (made with these credentials and
 * startup parameters) within the borrow timeout: NULL and *why on
 * failure ("timeout", or the database's message). */
struct server *pool_borrow(const char *key, const struct cred *c, const char *const *pkeys,
			   const char *const *pvals, char *why, size_t why_len);
/* Give it back: reset (DISCARD ALL and the InitQuery) first when the
 * session was pinned; closed when broken or not at ReadyForQuery 'I'. */
void pool_return(struct server *s, bool pinned, bool healthy);
/* The settings the database reported for connections of `key`
 * ("name\0value\0..." into out, its length), 0 before the first such
 * connection was made. */
size_t pool_params(const char *key, char *out, size_t len);
/* Close connections idle for a minute while more than the idle figure
 * are open (RDS Proxy's MaxIdleConnectionsPercent); the metrics thread
 * calls it. */
void pool_trim(void);
void pool_init(void);
long long now_ms(void);

/* ---- metrics.c: RDS Proxy's CloudWatch figures ---- */
enum metric {
	M_CLIENT_CONNECTIONS, M_CLIENT_RECEIVED, M_CLIENT_CLOSED, M_CLIENT_SETUP_OK,
	M_CLIENT_SETUP_FAILED_AUTH, M_CLIENT_TLS, M_CLIENT_NO_TLS,
	M_DB_CONNECTIONS, M_DB_REQUESTS, M_DB_SETUP_OK, M_DB_SETUP_FAILED,
	M_DB_BORROWED, M_DB_IN_TRANSACTION, M_DB_PINNED, M_DB_MAX_ALLOWED,
	M_QUERY_REQUESTS, M_QUERY_REQUESTS_TLS, M_QUERY_REQUESTS_NO_TLS,
	M_CLIENTS_WAITING,
	M__COUNT,
};
enum latency { L_BORROW, L_QUERY_DB, L_QUERY, L__COUNT };

void metric_add(enum metric m, long d);
void latency_add(enum latency l, long us);
/* Write the metrics file now and then every 250 ms (a thread). */
int metrics_start(void);

/* ---- awslink.c: the AWS zone's front (secrets, IAM tokens) ---- */
/* Refresh the credentials of every secret from Secrets Manager (no-op
 * without the link). */
void aws_secrets_refresh(void);
/* Copy the credentials for `user` (secrets read again first): 0, or -1
 * when no secret of the proxy names that user. */
int cred_find(const char *user, struct cred *out);
/* 0 when `token` is a valid, unexpired auth token for `user` at one of
 * this proxy's names; -1 otherwise (*why for the log). */
int aws_iam_verify(const char *user, const char *token, char *why, size_t len);

/* ---- client.c ---- */
void *client_main(void *arg);          /* arg: the accepted fd (intptr_t) */
/* A CancelRequest for (pid, key): cancel that session's query. */
void client_cancel(uint32_t pid, uint32_t key);

/* Log a line to stderr (the proxy's log) with a timestamp. */
void plog(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
