/* The rds-proxies' link to the AWS zone (front_internal.h): RDS Proxy
 * reads its secrets from Secrets Manager with its role, and checks IAM
 * auth tokens against the keys IAM issued. vpcsim-rds-proxy is jailed in
 * its folder, so the front listens on aws.sock there (owned by the
 * proxy's uid, mode 0600: no one else reaches it) and answers, one
 * request a line (src/rdsproxy/awslink.c is the other side):
 *
 *   SECRET NAME\n               -> OK LEN\n + the SecretString
 *   IAM USER TOKEN\n            -> OK 0\n
 *   refused                     -> ERR TEXT\n
 *
 * A proxy reads only the secrets of its own `auth` (or its target's
 * secret without one). A token is checked as RDS checks one
 * (docs/RDS.md, "IAM authentication"): a SigV4 presigned GET of
 * https://HOST:PORT/?Action=connect&DBUser=USER for service rds-db in the
 * topology's region, signed with a key the zone issued, at most 900 s
 * long and not expired. */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "aws/front_internal.h"
#include "model/engine_conf.h"
#include "util/dlib.h"
#include "util/err.h"
#include "util/sigv4.h"

#define LINE_MAX_LEN 16384
#define TOKEN_LIFE_MAX_S 900       /* "Each token has a lifetime of 15 minutes" */

struct link {
	struct front *f;
	const struct resource *proxy;
	int fd;
};

/* The query parameter `name` of q, %-decoded, into out; 0 or -1. */
static int param(const char *q, const char *name, char *out, size_t len)
{
	size_t n = strlen(name), k = 0;

	for (const char *p = q; p && *p; p = strchr(p, '&') ? strchr(p, '&') + 1 : NULL) {
		if (strncmp(p, name, n) || p[n] != '=')
			continue;
		for (p += n + 1; *p && *p != '&' && k + 1 < len; p++) {
			unsigned v;

			if (*p == '%' && sscanf(p + 1, "%2x", &v) == 1) {
				out[k++] = (char)v;
				p += 2;
			} else {
				out[k++] = *p == '+' ? ' ' : *p;
			}
		}
		out[k] = '\0';
		return 0;
	}
	return -1;
}

/* The query without X-Amz-Signature (what was signed). */
static char *unsigned_query(const char *q)
{
	char *out = calloc(1, strlen(q) + 1);
	size_t k = 0;

	for (const char *p = q; out && p && *p; p = strchr(p, '&') ? strchr(p, '&') + 1 : NULL) {
		size_t n = strcspn(p, "&");

		if (!strncmp(p, "X-Amz-Signature=", 16))
			continue;
		if (k)
			out[k++] = '&';
		memcpy(out + k, p, n);
		k += n;
	}
	return out;
}

/* The key that signed (from f's keys), its secret copied; -1 if none. */
static int key_of(struct front *f, const char *akid, const char *token, char *secret,
		  char *why, size_t len)
{
	int rc = -1;

	pthread_mutex_lock(&f->lock);
	for (int i = 0; i < f->n_creds; i++) {
		const struct aws_cred *c = f->creds[i];

		if (strcmp(c->akid, akid))
			continue;
		if (c->token[0] && strcmp(c->token, token))
			snprintf(why, len, "the security token is not the key's");
		else if (c->expires && c->expires < (long long)time(NULL))
			snprintf(why, len, "the key's credentials expired");
		else {
			snprintf(secret, AWS_SECRET_LEN + 1, "%s", c->secret);
			rc = 0;
		}
		break;
	}
	pthread_mutex_unlock(&f->lock);
	if (rc < 0 && !why[0])
		snprintf(why, len, "the access key %s was not issued by this zone", akid);
	return rc;
}

/* The scope and time checks: 0, or -1 with why. */
static int token_fields(struct front *f, const char *q, const char *user, char cred[5][128],
			char *date, char *why, size_t len)
{
	char v[512], exp[32];
	struct tm tm = { 0 };
	long long at, now = (long long)time(NULL);
	char *save = NULL, *part;
	int n = 0;

	if (param(q, "Action", v, sizeof(v)) || strcmp(v, "connect"))
		return snprintf(why, len, "Action is not connect"), -1;
	if (param(q, "DBUser", v, sizeof(v)) || strcmp(v, user))
		return snprintf(why, len, "made for another user (DBUser)"), -1;
	if (param(q, "X-Amz-Algorithm", v, sizeof(v)) || strcmp(v, "AWS4-HMAC-SHA256") ||
	    param(q, "X-Amz-SignedHeaders", v, sizeof(v)) || strcmp(v, "host") ||
	    param(q, "X-Amz-Credential", v, sizeof(v)) ||
	    param(q, "X-Amz-Date", date, 32) || param(q, "X-Amz-Expires", exp, sizeof(exp)))
		return snprintf(why, len, "not a SigV4 presigned token"), -1;
	for (part = strtok_r(v, "/", &save); part && n < 5; part = strtok_r(NULL, "/", &save))
		snprintf(cred[n++], 128, "%s", part);
	if (n != 5 || strcmp(cred[3], "rds-db") || strcmp(cred[4], "aws4_request") ||
	    strcmp(cred[2], f->t->region) || strncmp(cred[1], date, 8))
		return snprintf(why, len, "scope is not DATE/%s/rds-db/aws4_request", f->t->region), -1;
	if (!strptime(date, "%Y%m%dT%H%M%SZ", &tm))
		return snprintf(why, len, "X-Amz-Date is not a time"), -1;
	at = (long long)timegm(&tm);
	if (atoll(exp) < 1 || atoll(exp) > TOKEN_LIFE_MAX_S)
		return snprintf(why, len, "X-Amz-Expires %s is not 1..%d", exp, TOKEN_LIFE_MAX_S), -1;
	if (now > at + atoll(exp))
		return snprintf(why, len, "expired at %lld (%lld s ago)", at + atoll(exp),
				now - at - atoll(exp)), -1;
	if (at > now + SIGV4_MAX_SKEW_S)
		return snprintf(why, len, "X-Amz-Date is in the future"), -1;
	return 0;
}

/* Check token for user: 0, or -1 with why. */
static int iam_check(struct front *f, const char *user, const char *token, char *why, size_t len)
{
	char cred[5][128], date[32], secret[AWS_SECRET_LEN + 1], host[512], stok[AWS_TOKEN_LEN * 2];
	char given[128], hash[65], hex[65], scope[256], *canon = NULL, *sts = NULL, *q;
	const char *slash = strstr(token, "/?");
	struct sigv4_header h = { "host", host };
	struct sigv4_request rq = { .method = "GET", .path = "/", .headers = &h, .n_headers = 1 };
	int rc = -1;

	why[0] = '\0';
	if (!slash || (size_t)(slash - token) >= sizeof(host))
		return snprintf(why, len, "not HOST:PORT/?..."), -1;
	snprintf(host, sizeof(host), "%.*s", (int)(slash - token), token);
	q = (char *)slash + 2;
	if (token_fields(f, q, user, cred, date, why, len) < 0)
		return -1;
	if (param(q, "X-Amz-Security-Token", stok, sizeof(stok)))
		stok[0] = '\0';
	if (param(q, "X-Amz-Signature", given, sizeof(given)) || strlen(given) != 64)
		return snprintf(why, len, "no signature"), -1;
	if (key_of(f, cred[0], stok, secret, why, len) < 0)
		return -1;
	rq.query = unsigned_query(q);
	snprintf(scope, sizeof(scope), "%s/%s/rds-db/aws4_request", cred[1], cred[2]);
	if (rq.query && sigv4_sha256_hex("", 0, hash) == 0 &&
	    (canon = sigv4_canonical_request(&rq, "host", hash)) &&
	    (sts = sigv4_string_to_sign(date, scope, canon)) &&
	    sigv4_signature(secret, cred[1], cred[2], "rds-db", sts, hex) == 0 &&
	    dlib_load(DLIB_CRYPTO) == 0)
		rc = sym_CRYPTO_memcmp(hex, given, 64) ? -1 : 0;
	if (rc < 0 && !why[0])
		snprintf(why, len, "the signature does not match");
	free((char *)rq.query);
	free(canon);
	free(sts);
	explicit_bzero(secret, sizeof(secret));
	return rc;
}

/* The secrets this proxy may read: its auth entries', or its target's. */
static bool secret_allowed(const struct link *l, const char *name)
{
	const struct topology *t = l->f->t;
	const struct proxy_config *x = &l->proxy->proxy;
	int db_secret = t->resources[x->target].db.secret;

	for (int i = 0; i < x->n_auth; i++)
		if (!strcmp(t->secrets[x->auth[i].secret].name, name))
			return true;
	return !x->n_auth && db_secret >= 0 && !strcmp(t->secrets[db_secret].name, name);
}

static int reply(int fd, const char *head, const char *body)
{
	size_t n = strlen(head), b = body ? strlen(body) : 0;

	return write(fd, head, n) == (ssize_t)n && (!b || write(fd, body, b) == (ssize_t)b) ? 0 : -1;
}

static int answer(struct link *l, int fd, char *line)
{
	char head[600], why[300];
	char *arg = strchr(line, ' '), *value;

	if (arg)
		*arg++ = '\0';
	if (arg && !strcmp(line, "SECRET")) {
		if (!secret_allowed(l, arg) || !(value = secret_value_copy(l->f, arg))) {
			snprintf(head, sizeof(head), "ERR %s: secret %.200s is not one of its auth\n",
				 l->proxy->name, arg);
			return reply(fd, head, NULL);
		}
		snprintf(head, sizeof(head), "OK %zu\n", strlen(value));
		int rc = reply(fd, head, value);
		explicit_bzero(value, strlen(value));
		free(value);
		return rc;
	}
	if (arg && !strcmp(line, "IAM") && strchr(arg, ' ')) {
		char *token = strchr(arg, ' ');

		*token++ = '\0';
		if (iam_check(l->f, arg, token, why, sizeof(why)) == 0)
			return reply(fd, "OK 0\n", NULL);
		snprintf(head, sizeof(head), "ERR %s\n", why);
		return reply(fd, head, NULL);
	}
	return reply(fd, "ERR not understood\n", NULL);
}

static void *serve_one(void *arg)
{
	struct link *l = arg;
	char *line = malloc(LINE_MAX_LEN);
	size_t n = 0;
	ssize_t r;

	while (line && (r = read(l->fd, line + n, 1)) == 1) {
		if (line[n] != '\n' && ++n < LINE_MAX_LEN - 1)
			continue;
		line[n] = '\0';
		n = 0;
		if (answer(l, l->fd, line) < 0)
			break;
	}
	close(l->fd);
	free(line);
	free(l);
	return NULL;
}

static void *accept_loop(void *arg)
{
	struct link *base = arg;

	for (;;) {
		int fd = accept4(base->fd, NULL, NULL, SOCK_CLOEXEC);
		struct link *l = fd >= 0 ? malloc(sizeof(*l)) : NULL;
		pthread_t t;

		if (!l) {
			if (fd >= 0)
				close(fd);
			usleep(100000);
			continue;
		}
		*l = *base;
		l->fd = fd;
		if (pthread_create(&t, NULL, serve_one, l) == 0)
			pthread_detach(t);
		else {
			close(fd);
			free(l);
		}
	}
	return NULL;
}

/* Listen on the proxy's aws.sock, owned by its uid. */
static int link_listen(struct front *f, const struct resource *r)
{
	char state[4096], dir[ENGINE_DIR_MAX];
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	struct link *l = calloc(1, sizeof(*l));
	uid_t uid = engine_uid(f->t->name, r->name);
	pthread_t t;

	snprintf(state, sizeof(state), "%s", f->dir);
	engine_dir(dirname(state), r->name, dir);
	if (!l || (size_t)snprintf(a.sun_path, sizeof(a.sun_path), "%s/%s", dir,
				   RDSPROXY_AWS_SOCKET) >= sizeof(a.sun_path))
		return free(l), errf(ENAMETOOLONG, "aws front: the link of %s: path too long", r->name);
	l->f = f;
	l->proxy = r;
	l->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	/* bind() makes a new file: an existing name (the proxy's own) fails it */
	if (l->fd < 0 || bind(l->fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    chown(a.sun_path, uid, (gid_t)uid) < 0 || chmod(a.sun_path, 0600) < 0 ||
	    listen(l->fd, 8) < 0 || pthread_create(&t, NULL, accept_loop, l)) {
		int e = errno;

		if (l->fd >= 0)
			close(l->fd);
		free(l);
		return errf(e, "aws front: the link of %s at %s: %s", r->name, a.sun_path, strerror(e));
	}
	pthread_detach(t);
	return 0;
}

int rds_link_start(struct front *f)
{
	for (int i = 0; i < f->t->n_resources; i++) {
		const struct resource *r = &f->t->resources[i];
		int err;

		if (r->kind == RES_RDS_PROXY && r->proxy.target >= 0 && (err = link_listen(f, r)) < 0)
			return err;
	}
	return 0;
}
