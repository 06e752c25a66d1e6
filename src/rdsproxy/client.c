/* One client of the proxy, in its own thread (proxy.h): the startup
 * packet, TLS, authentication as RDS Proxy does it, then the relay. The
 * client's own mistakes end its connection with PostgreSQL's error
 * codes and RDS Proxy's texts; nothing a client sends ends the proxy. */
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <openssl/rand.h>

#include "rdsproxy/proxy.h"

#define CODE_SSL_REQUEST 80877103u
#define CODE_GSS_REQUEST 80877104u
#define CODE_CANCEL 80877102u
#define CODE_PROTOCOL_3 196608u
#define PARAMS_MAX 32
#define HANDSHAKE_MS 30000
#define KEY_MAX 4096

struct session {
	struct end c;
	struct server *srv;        /* attached, or NULL */
	struct cred cred;          /* copied at login (rotation changes the table) */
	bool tls, pinned, in_txn;
	int outstanding;           /* Query messages not yet answered by 'Z' */
	char *startup;             /* the startup packet's parameters */
	const char *user, *database, *app;
	const char *pk[PARAMS_MAX + 1], *pv[PARAMS_MAX + 1];
	char key[KEY_MAX];
	uint32_t bk_pid, bk_key;
	char status;               /* the server's last ReadyForQuery status */
	long long sent_ms;         /* when the last Query reached the server */
	bool answered;             /* its first reply seen */
	char *ob;                  /* replies to the client not yet written */
	size_t olen, ocap;
	unsigned long id;
	struct session *next;
};

static pthread_mutex_t reg_mu = PTHREAD_MUTEX_INITIALIZER;
static struct session *sessions;
static unsigned long next_id;

static void attach(struct session *s, struct server *srv)
{
	pthread_mutex_lock(&reg_mu);
	s->srv = srv;
	pthread_mutex_unlock(&reg_mu);
}

void client_cancel(uint32_t pid, uint32_t key)
{
	char err[256];

	pthread_mutex_lock(&reg_mu);
	for (struct session *s = sessions; s; s = s->next)
		if (s->bk_pid == pid && s->bk_key == key && s->srv && s->srv->cancel)
			PQcancel(s->srv->cancel, err, sizeof(err));
	pthread_mutex_unlock(&reg_mu);
}

static void registry(struct session *s, bool add)
{
	pthread_mutex_lock(&reg_mu);
	if (add) {
		s->id = ++next_id;
		s->next = sessions;
		sessions = s;
	} else {
		for (struct session **pp = &sessions; *pp; pp = &(*pp)->next)
			if (*pp == s) {
				*pp = s->next;
				break;
			}
	}
	pthread_mutex_unlock(&reg_mu);
}

static int fatal(struct session *s, const char *code, const char *fmt, const char *arg)
{
	char text[512];

	snprintf(text, sizeof(text), fmt, arg);
	send_error(&s->c, "FATAL", code, text);
	plog("client %lu: %s", s->id, text);
	return -1;
}

static int tls_accept(struct session *s)
{
	long long deadline = now_ms() + HANDSHAKE_MS;
	int r;

	if (end_pending(&s->c))   /* bytes after SSLRequest: refused as PostgreSQL does */
		return -1;
	if (!(s->c.ssl = SSL_new(tls_ctx)) || SSL_set_fd(s->c.ssl, s->c.fd) != 1)
		return -1;
	while ((r = SSL_accept(s->c.ssl)) != 1) {
		int k = SSL_get_error(s->c.ssl, r);
		struct pollfd p = { s->c.fd, k == SSL_ERROR_WANT_WRITE ? POLLOUT : POLLIN, 0 };

		if ((k != SSL_ERROR_WANT_READ && k != SSL_ERROR_WANT_WRITE) || now_ms() > deadline ||
		    poll(&p, 1, (int)(deadline - now_ms())) <= 0)
			return -1;
	}
	s->tls = true;
	return 0;
}

/* The startup packet's "name\0value\0...\0" into user, database and the
 * settings carried to the server. */
static int parse_params(struct session *s, char *p, uint32_t len)
{
	char *end = p + len;
	int n = 0;

	while (p < end && *p) {
		char *name = p, *val = name + strnlen(name, (size_t)(end - name)) + 1;

		if (val >= end || val + strnlen(val, (size_t)(end - val)) >= end)
			return fatal(s, "08P01", "%sinvalid startup packet layout", "");
		p = val + strlen(val) + 1;
		if (!strcmp(name, "user"))
			s->user = val;
		else if (!strcmp(name, "database"))
			s->database = val;
		else if (!strcmp(name, "application_name"))
			s->app = val;
		else if (!strcmp(name, "replication"))
			return fatal(s, "0A000", "Feature not supported: %sreplication connections", "");
		else if (n < PARAMS_MAX) {
			s->pk[n] = name;
			s->pv[n++] = val;
		}
	}
	if (p >= end)
		return fatal(s, "08P01", "%sinvalid startup packet layout", "");
	if (!s->user || !*s->user)
		return fatal(s, "28000", "%sA user name is missing from the connection startup packet. "
			     "Provide a user name for this connection.", "");
	if (!s->database || !*s->database)
		s->database = s->user;
	return 0;
}

/* Read startup packets until the protocol 3.0 one: SSLRequest and
 * GSSENCRequest are answered, a CancelRequest is carried out. */
static int read_startup(struct session *s)
{
	uint32_t len, code;
	char *body;

	for (int round = 0; round < 3; round++) {
		if (end_read(&s->c, &len, 4, HANDSHAKE_MS) < 0)
			return -1;
		len = ntohl(len);
		if (len < 8 || len > STARTUP_MAX)
			return fatal(s, "08P01", "%sinvalid length of startup packet", "");
		if (!(body = malloc(len - 4 + 1)) || end_read(&s->c, body, len - 4, HANDSHAKE_MS) < 0) {
			free(body);
			return -1;
		}
		body[len - 4] = '\0';
		memcpy(&code, body, 4);
		code = ntohl(code);
		if (code == CODE_CANCEL && len == 16) {
			uint32_t pid, key;

			memcpy(&pid, body + 4, 4);
			memcpy(&key, body + 8, 4);
			free(body);
			client_cancel(ntohl(pid), ntohl(key));
			return -1;
		}
		if (code == CODE_SSL_REQUEST || code == CODE_GSS_REQUEST) {
			bool yes = code == CODE_SSL_REQUEST && tls_ctx && !s->tls;

			free(body);
			if (end_write(&s->c, yes ? "S" : "N", 1) < 0 || (yes && tls_accept(s) < 0))
				return -1;
			continue;
		}
		if (code != CODE_PROTOCOL_3) {
			free(body);
			return fatal(s, "0A000", "%sFeature not supported: RDS Proxy supports only version "
				     "3.0 of the PostgreSQL messaging protocol.", "");
		}
		s->startup = body;
		return parse_params(s, body + 4, len - 8);
	}
	return -1;
}

/* ---- authentication ---- */

static int auth_iam(struct session *s)
{
	uint32_t code = htonl(3);  /* AuthenticationCleartextPassword: the token */
	char type, *tok = NULL, why[256];
	uint32_t len;
	int ok;

	if (!s->tls)
		return fatal(s, "28000", "%sIAM authentication is allowed only with SSL connections.", "");
	if (msg_write(&s->c, 'R', &code, 4) < 0 ||
	    msg_read(&s->c, &type, &tok, &len, HANDSHAKE_MS) < 0 || type != 'p') {
		free(tok);
		return -1;
	}
	ok = aws_iam_verify(s->user, tok, why, sizeof(why)) == 0;
	free(tok);
	if (ok)
		return 0;
	plog("client %lu: IAM token of %s refused: %s", s->id, s->user, why);
	metric_add(M_CLIENT_SETUP_FAILED_AUTH, 1);
	return fatal(s, "28P01", "IAM authentication failed for user %s. Check the IAM token for "
		     "this user and try again.", s->user);
}

static int authenticate(struct session *s)
{
	int rc;

	if (cfg.require_tls && !s->tls)
		return fatal(s, "28000", "%sThis RDS Proxy requires TLS connections.", "");
	if (cred_find(s->user, &s->cred) < 0) {
		metric_add(M_CLIENT_SETUP_FAILED_AUTH, 1);
		return fatal(s, "28000", "This RDS proxy has no credentials for the role %s. Check "
			     "the credentials for this role and try again.", s->user);
	}
	if (s->cred.iam)
		return auth_iam(s);
	rc = scram_server(&s->c, s->cred.password);
	if (rc == -1) {
		metric_add(M_CLIENT_SETUP_FAILED_AUTH, 1);
		return fatal(s, "28P01", "The password that was provided for the role %s is wrong.",
			     s->user);
	}
	return rc;
}

/* The pool key: user, database and the startup settings, \x1f apart. */
static int make_key(struct session *s)
{
	size_t n = (size_t)snprintf(s->key, sizeof(s->key), "%s\x1f%s", s->user, s->database);

	for (int i = 0; s->pk[i] && n < sizeof(s->key); i++)
		n += (size_t)snprintf(s->key + n, sizeof(s->key) - n, "\x1f%s=%s", s->pk[i], s->pv[i]);
	return n < sizeof(s->key) ? 0 : fatal(s, "08P01", "%sstartup parameters too long", "");
}

static int borrow(struct session *s)
{
	char why[512];
	struct server *srv = pool_borrow(s->key, &s->cred, s->pk, s->pv, why, sizeof(why));

	if (srv) {
		attach(s, srv);
		return 0;
	}
	if (!strcmp(why, "timeout"))
		return fatal(s, "08P01", "%sTimed-out waiting to acquire database connection.", "");
	return fatal(s, "08006", "Request returned an error: %s", why);
}

static int param_status(struct session *s, const char *name, const char *val)
{
	char body[1024];
	int n = snprintf(body, sizeof(body), "%s%c%s", name, 0, val);

	return n >= (int)sizeof(body) ? 0 : msg_write(&s->c, 'S', body, (uint32_t)n + 1);
}

/* The database's settings as ParameterStatus: those seen on connections
 * of this key, or, for the first client of a key, those of a connection
 * borrowed for it (and given back at once). */
static int send_params(struct session *s)
{
	char list[4096];
	size_t n = pool_params(s->key, list, sizeof(list)), off = 0;
	int err = 0;

	if (!n) {
		if (borrow(s) < 0)
			return -1;
		pool_return(s->srv, false, true);
		attach(s, NULL);
		n = pool_params(s->key, list, sizeof(list));
	}
	while (!err && off < n) {
		const char *name = list + off, *val = name + strlen(name) + 1;

		off = (size_t)(val - list) + strlen(val) + 1;
		err = param_status(s, name, val);
	}
	return err;
}

/* AuthenticationOk, the database's settings, BackendKeyData, ready. */
static int login(struct session *s)
{
	uint32_t zero = 0, bk[2];

	if (make_key(s) < 0 || msg_write(&s->c, 'R', &zero, 4) < 0 || send_params(s) < 0 ||
	    param_status(s, "application_name", s->app ? s->app : "") < 0)
		return -1;
	if (RAND_bytes((unsigned char *)bk, sizeof(bk)) != 1)
		return -1;
	s->bk_pid = ntohl(bk[0]) & 0x7fffffff;
	s->bk_key = bk[1];
	bk[0] = htonl(s->bk_pid);
	bk[1] = htonl(s->bk_key);
	if (msg_write(&s->c, 'K', bk, 8) < 0 || msg_write(&s->c, 'Z', "I", 1) < 0)
		return -1;
	return 0;
}

/* ---- the relay ---- */

#define OUT_FLUSH (64 * 1024)

static int out_flush(struct session *s)
{
	int r = s->olen ? end_write(&s->c, s->ob, s->olen) : 0;

	s->olen = 0;
	return r;
}

static int out_add(struct session *s, char type, const char *body, uint32_t len)
{
	uint32_t n = htonl(len + 4);

	if (s->olen + len + 5 > s->ocap) {
		size_t cap = s->ocap ? s->ocap : OUT_FLUSH * 2;
		char *g;

		while (cap < s->olen + len + 5)
			cap *= 2;
		if (!(g = realloc(s->ob, cap)))
			return -1;
		s->ob = g;
		s->ocap = cap;
	}
	s->ob[s->olen] = type;
	memcpy(s->ob + s->olen + 1, &n, 4);
	memcpy(s->ob + s->olen + 5, body, len);
	s->olen += len + 5;
	return 0;
}

static void pin(struct session *s, const char *why)
{
	if (s->pinned || !why)
		return;
	s->pinned = true;
	metric_add(M_DB_PINNED, 1);
	plog("client %lu: The client session was pinned to the database connection for the "
	     "remainder of the session. The proxy can't reuse this connection until the session "
	     "ends. Reason: %s", s->id, why);
}

static void txn_state(struct session *s, char status)
{
	bool in = status == 'T' || status == 'E';

	if (in != s->in_txn)
		metric_add(M_DB_IN_TRANSACTION, in ? 1 : -1);
	s->in_txn = in;
	s->status = status;
}

/* One message from the server: relayed. 1 when the connection can go
 * back to the pool, 0 to go on, -1 when it broke. */
static int from_server(struct session *s)
{
	char type, *body;
	uint32_t len;

	if (msg_read(&s->srv->end, &type, &body, &len, -1) < 0) {
		out_flush(s);
		fatal(s, "08006", "Request returned an error: %s",
		      "the database closed the connection");
		return -1;
	}
	if (!s->answered) {
		s->answered = true;
		latency_add(L_QUERY_DB, (now_ms() - s->sent_ms) * 1000);
		latency_add(L_QUERY, (now_ms() - s->sent_ms) * 1000);
	}
	if (out_add(s, type, body, len) < 0) {
		free(body);
		return -1;
	}
	if (type == 'Z' && len == 1) {
		txn_state(s, body[0]);
		s->outstanding--;
	}
	free(body);
	if ((type == 'Z' || s->olen >= OUT_FLUSH || !end_pending(&s->srv->end)) && out_flush(s) < 0)
		return -1;
	return type == 'Z' && s->status == 'I' && s->outstanding <= 0 && !s->pinned &&
	       !end_pending(&s->c);
}

/* One message from the client: relayed to its server (borrowed first
 * when it has none). 0 to go on, 1 when the client said Terminate, -1
 * when it vanished or its server could not be had. */
static int from_client(struct session *s, int timeout_ms)
{
	char type, *body;
	uint32_t len;
	int r = msg_read(&s->c, &type, &body, &len, timeout_ms);

	if (r == -3)
		return fatal(s, "08P01", "%sinvalid message length", "");
	if (r < 0)
		return -1;
	if (type == 'X') {
		free(body);
		return 1;
	}
	pin(s, pin_reason(type, body, len));
	if (!s->srv && borrow(s) < 0) {
		free(body);
		return -1;
	}
	if (type == 'Q') {
		s->outstanding++;
		s->sent_ms = now_ms();
		s->answered = false;
		metric_add(M_QUERY_REQUESTS, 1);
		metric_add(s->tls ? M_QUERY_REQUESTS_TLS : M_QUERY_REQUESTS_NO_TLS, 1);
	}
	r = msg_write(&s->srv->end, type, body, len);
	free(body);
	return r < 0 ? -1 : 0;
}

/* Relay until the client leaves (0) or something breaks (-1). */
static int relay(struct session *s)
{
	int idle_ms = cfg.idle_client_timeout_s * 1000, r;
	struct pollfd p[2];

	for (;;) {
		if (!s->srv) {
			r = from_client(s, idle_ms);
			if (r)
				return r > 0 ? 0 : -1;
			continue;
		}
		p[0] = (struct pollfd){ s->c.fd, POLLIN, 0 };
		p[1] = (struct pollfd){ s->srv->fd, POLLIN, 0 };
		if (!end_pending(&s->c) && !end_pending(&s->srv->end)) {
			r = poll(p, 2, idle_ms);
			if (r == 0)
				return -1;
			if (r < 0)
				continue;
		} else {
			p[0].revents = end_pending(&s->c) ? POLLIN : 0;
			p[1].revents = end_pending(&s->srv->end) ? POLLIN : 0;
		}
		if (p[1].revents) {
			r = from_server(s);
			if (r < 0)
				return -1;
			if (r > 0) {
				pool_return(s->srv, false, true);
				attach(s, NULL);
				continue;
			}
		}
		if (p[0].revents && (r = from_client(s, -1)))
			return r > 0 ? 0 : -1;
	}
}

static void session_end(struct session *s)
{
	if (s->srv) {
		struct server *srv = s->srv;

		attach(s, NULL);
		pool_return(srv, s->pinned, s->status == 'I' && s->outstanding <= 0);
	}
	if (s->pinned)
		metric_add(M_DB_PINNED, -1);
	if (s->in_txn)
		metric_add(M_DB_IN_TRANSACTION, -1);
}

void *client_main(void *arg)
{
	struct session *s = calloc(1, sizeof(*s));
	int fd = (int)(intptr_t)arg;
	bool setup = false;

	metric_add(M_CLIENT_RECEIVED, 1);
	metric_add(M_CLIENT_CONNECTIONS, 1);
	if (!s) {
		close(fd);
		goto out;
	}
	s->c.fd = fd;
	s->status = 'I';
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	registry(s, true);
	if (read_startup(s) == 0 && authenticate(s) == 0 && login(s) == 0) {
		setup = true;
		metric_add(M_CLIENT_SETUP_OK, 1);
		metric_add(s->tls ? M_CLIENT_TLS : M_CLIENT_NO_TLS, 1);
		relay(s);
		metric_add(s->tls ? M_CLIENT_TLS : M_CLIENT_NO_TLS, -1);
	}
	session_end(s);
	registry(s, false);
	end_close(&s->c);
	free(s->startup);
	free(s->ob);
	OPENSSL_cleanse(&s->cred, sizeof(s->cred));
	free(s);
out:
	(void)setup;
	metric_add(M_CLIENT_CONNECTIONS, -1);
	metric_add(M_CLIENT_CLOSED, 1);
	return NULL;
}
