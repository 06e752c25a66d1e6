/* Credentials, and the AWS zone's front (proxy.h). The table starts as
 * vpcsim handed it on stdin; when the topology has an AWS zone, its
 * front listens on cfg.aws_socket in the proxy's own folder (the only
 * one the jail shows), and every login first reads each
 * secret again from Secrets Manager, so a PutSecretValue is used by the
 * next connection, and IAM auth tokens are checked by the front, which
 * holds the keys they are signed with.
 *
 * The link's protocol, one request at a time:
 *   SECRET NAME\n                -> OK LEN\n + LEN bytes (SecretString)
 *   IAM USER HOST:PORT TOKEN\n   -> OK 0\n
 *   anything refused             -> ERR TEXT\n */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cJSON.h>

#include "rdsproxy/proxy.h"

#define REPLY_MAX 65536

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;   /* cfg.creds and the link */

static int link_line(char *out, size_t len)
{
	size_t n = 0;

	while (n + 1 < len) {
		if (read(cfg.aws_fd, out + n, 1) != 1)
			return -1;
		if (out[n] == '\n')
			break;
		n++;
	}
	out[n] = '\0';
	return 0;
}

/* Connected to the front, (again) if need be: 0, or -1 (no front). */
static int link_open(void)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };

	if (cfg.aws_fd >= 0)
		return 0;
	if (!cfg.aws_socket[0] || strlen(cfg.aws_socket) >= sizeof(a.sun_path))
		return -1;
	strcpy(a.sun_path, cfg.aws_socket);
	cfg.aws_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (cfg.aws_fd >= 0 && connect(cfg.aws_fd, (struct sockaddr *)&a, sizeof(a)) == 0)
		return 0;
	if (cfg.aws_fd >= 0)
		close(cfg.aws_fd);
	cfg.aws_fd = -1;
	return -1;
}

/* One request; *reply malloc'd (the payload, or ERR's text). 0 for OK;
 * -1 refused or broken, -2 when there is no front to ask. */
static int link_ask(const char *req, char **reply)
{
	char line[512];
	size_t n, got = 0;
	ssize_t r;

	*reply = NULL;
	if (link_open() < 0)
		return -2;
	if (write(cfg.aws_fd, req, strlen(req)) != (ssize_t)strlen(req) ||
	    link_line(line, sizeof(line)) < 0) {
		close(cfg.aws_fd);
		cfg.aws_fd = -1;
		*reply = strdup("the AWS zone's front does not answer");
		return -1;
	}
	if (!strncmp(line, "ERR ", 4)) {
		*reply = strdup(line + 4);
		return -1;
	}
	if (strncmp(line, "OK ", 3) || (n = strtoul(line + 3, NULL, 10)) > REPLY_MAX ||
	    !(*reply = calloc(1, n + 1)))
		return -1;
	while (got < n && (r = read(cfg.aws_fd, *reply + got, n - got)) > 0)
		got += (size_t)r;
	return got == n ? 0 : -1;
}

/* Secrets Manager's JSON shape for RDS: {"username": …, "password": …}. */
static void secret_apply(struct cred *c, const char *json)
{
	cJSON *j = cJSON_Parse(json);
	const char *u = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "username"));
	const char *p = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "password"));

	if (u && p && strlen(u) < sizeof(c->user) && strlen(p) < sizeof(c->password)) {
		if (strcmp(c->password, p) || strcmp(c->user, u))
			plog("secret %s: a new value (rotated) is used from now on", c->secret);
		snprintf(c->user, sizeof(c->user), "%s", u);
		snprintf(c->password, sizeof(c->password), "%s", p);
	} else {
		plog("secret %s: its value is not Secrets Manager's JSON shape for RDS "
		     "({\"username\": …, \"password\": …}); the last good value stays", c->secret);
	}
	cJSON_Delete(j);
}

void aws_secrets_refresh(void)
{
	char req[PROXY_NAME_MAX + 16], *reply;

	for (int i = 0; i < cfg.n_creds; i++) {
		int rc;

		if (!cfg.creds[i].secret[0])
			continue;
		snprintf(req, sizeof(req), "SECRET %s\n", cfg.creds[i].secret);
		if ((rc = link_ask(req, &reply)) == 0)
			secret_apply(&cfg.creds[i], reply);
		else if (rc == -2)
			return;
		else
			plog("secret %s: GetSecretValue failed: %s", cfg.creds[i].secret,
			     reply ? reply : "a malformed answer");
		free(reply);
	}
}

int cred_find(const char *user, struct cred *out)
{
	int found = -1;

	pthread_mutex_lock(&mu);
	aws_secrets_refresh();
	for (int i = 0; i < cfg.n_creds && found < 0; i++)
		if (!strcmp(cfg.creds[i].user, user)) {
			*out = cfg.creds[i];
			found = 0;
		}
	pthread_mutex_unlock(&mu);
	return found;
}

/* The token's host:port is one of this proxy's names and its port. */
static int token_host_ok(const char *token, char *why, size_t len)
{
	size_t n = strcspn(token, "/");
	const char *colon = memchr(token, ':', n);

	if (!colon || strncmp(token + n, "/?", 2)) {
		snprintf(why, len, "not an auth token (HOST:PORT/?Action=connect&...)");
		return -1;
	}
	if (atoi(colon + 1) != cfg.listen_port) {
		snprintf(why, len, "made for port %.*s, the proxy listens on %d",
			 (int)(n - (size_t)(colon - token) - 1), colon + 1, cfg.listen_port);
		return -1;
	}
	for (int i = 0; i < cfg.n_hosts; i++)
		if (strlen(cfg.hosts[i]) == (size_t)(colon - token) &&
		    !strncasecmp(cfg.hosts[i], token, (size_t)(colon - token)))
			return 0;
	snprintf(why, len, "made for host %.*s, not this proxy", (int)(colon - token), token);
	return -1;
}

int aws_iam_verify(const char *user, const char *token, char *why, size_t len)
{
	char *req = NULL, *reply = NULL;
	int rc;

	for (const char *c = token; *c; c++)
		if (!isgraph((unsigned char)*c)) {
			snprintf(why, len, "the token has a space or control character");
			return -1;
		}
	if (strlen(token) > 8192 || token_host_ok(token, why, len) < 0)
		return -1;
	if (asprintf(&req, "IAM %s %s\n", user, token) < 0)
		return -1;
	pthread_mutex_lock(&mu);
	rc = link_ask(req, &reply);
	pthread_mutex_unlock(&mu);
	if (rc < 0)
		snprintf(why, len, "%s", rc == -2 ? "no AWS zone's front to check it with" :
			 reply ? reply : "a malformed answer");
	free(req);
	free(reply);
	return rc;
}
