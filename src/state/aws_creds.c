/* Credentials of the AWS services; see aws_creds.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "state/aws_creds.h"
#include "state/credentials.h"
#include "util/err.h"

const char *aws_function_role(const struct function *f, char buf[AWS_ROLE_MAX])
{
	if (f->role)
		snprintf(buf, AWS_ROLE_MAX, "%s", f->role);
	else
		snprintf(buf, AWS_ROLE_MAX, "%.59s-role", f->name);
	return buf;
}

/* n random characters of alphabet (whose length divides 256 evenly or
 * nearly: a 32- or 64-letter alphabet takes each byte modulo). */
static int random_text(char *out, size_t n, const char *alphabet)
{
	unsigned char b[AWS_TOKEN_LEN];
	size_t k = strlen(alphabet);

	if (n > sizeof(b) || getrandom(b, n, 0) != (ssize_t)n)
		return errf(errno ? errno : EIO, "reading random bytes for AWS credentials: %s",
			    strerror(errno ? errno : EIO));
	for (size_t i = 0; i < n; i++)
		out[i] = alphabet[b[i] % k];
	out[n] = '\0';
	return 0;
}

int aws_cred_new(struct aws_cred *c, const char *role, const char *session, bool temporary)
{
	static const char upper[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
	static const char b64[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	int err;

	memset(c, 0, sizeof(*c));
	snprintf(c->role, sizeof(c->role), "%s", role);
	snprintf(c->session, sizeof(c->session), "%s", session);
	memcpy(c->akid, temporary ? "ASIA" : "AKIA", 4);
	err = random_text(c->akid + 4, AWS_AKID_LEN - 4, upper);
	if (!err)
		err = random_text(c->secret, AWS_SECRET_LEN, b64);
	if (!err && temporary)
		err = random_text(c->token, AWS_TOKEN_LEN, b64);
	return err;
}

/* The admin entry: the topology's one admin key (state/credentials.h, in
 * the state folder above dir), which `vpcsim serve` accepts too. */
static int admin_entry(const char *dir, struct aws_cred *c)
{
	char state[4096];
	const char *slash = strrchr(dir, '/');
	struct admin_key k;
	int err;

	memset(c, 0, sizeof(*c));
	snprintf(state, sizeof(state), "%.*s", slash ? (int)(slash - dir) : 0, dir);
	if ((err = credentials_load(state, &k)) < 0)
		return err;
	snprintf(c->role, sizeof(c->role), "%s", AWS_ADMIN_ROLE);
	snprintf(c->session, sizeof(c->session), "admin");
	snprintf(c->akid, sizeof(c->akid), "%s", k.access_key_id);
	snprintf(c->secret, sizeof(c->secret), "%s", k.secret);
	explicit_bzero(&k, sizeof(k));
	return 0;
}

void aws_cred_write(FILE *f, const struct aws_cred *c)
{
	fprintf(f, "%s %s %s %s %s", c->role, c->session, c->akid, c->secret,
		c->token[0] ? c->token : "-");
	if (c->expires)
		fprintf(f, " %lld", c->expires);
	fputc('\n', f);
}

int aws_creds_append(const char *dir, const struct aws_cred *c)
{
	char path[4096];
	int fd;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, AWS_CREDS_FILE);
	fd = open(path, O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || !(f = fdopen(fd, "a"))) {
		if (fd >= 0)
			close(fd);
		return errf(errno, "appending to %s: %s", path, strerror(errno));
	}
	aws_cred_write(f, c);
	if (fclose(f) != 0)
		return errf(errno, "appending to %s: %s", path, strerror(errno));
	return 0;
}

int aws_creds_make(const struct topology *t, const char *dir)
{
	char path[4096], role[AWS_ROLE_MAX];
	struct aws_cred c;
	FILE *f;
	int fd, err = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, AWS_CREDS_FILE);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 || !(f = fdopen(fd, "w"))) {
		if (fd >= 0)
			close(fd);
		return errf(errno, "writing %s: %s", path, strerror(errno));
	}
	for (int i = -1; i < t->n_functions && !err; i++) {
		if (i < 0)
			err = admin_entry(dir, &c);
		else
			err = aws_cred_new(&c, aws_function_role(&t->functions[i], role),
					   t->functions[i].name, true);
		if (!err)
			aws_cred_write(f, &c);
	}
	if (fclose(f) != 0 && !err)
		err = errf(errno, "writing %s: %s", path, strerror(errno));
	return err;
}

int aws_creds_read(const char *dir, struct aws_cred **out, int *n)
{
	char path[4096], line[512];
	struct aws_cred *v = NULL, c;
	int cap = 0;
	FILE *f;

	*out = NULL;
	*n = 0;
	snprintf(path, sizeof(path), "%s/%s", dir, AWS_CREDS_FILE);
	f = fopen(path, "re");
	if (!f)
		return errf(errno, "reading %s: %s (is the topology up with \"aws\"?)", path,
			    strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		memset(&c, 0, sizeof(c));
		if (sscanf(line, "%64s %64s %20s %40s %128s %lld", c.role, c.session, c.akid,
			   c.secret, c.token, &c.expires) < 5)
			continue;
		if (!strcmp(c.token, "-"))
			c.token[0] = '\0';
		if (*n == cap) {
			struct aws_cred *g = realloc(v, (size_t)(cap = cap ? 2 * cap : 16) * sizeof(*v));

			if (!g) {
				free(v);
				fclose(f);
				return errf(ENOMEM, "reading %s", path);
			}
			v = g;
		}
		v[(*n)++] = c;
	}
	fclose(f);
	*out = v;
	return 0;
}

int aws_creds_find(const struct aws_cred *c, int n, const char *fn)
{
	for (int i = 0; i < n; i++) {
		bool admin = !strcmp(c[i].role, AWS_ADMIN_ROLE);

		if (fn ? (!admin && !strcmp(c[i].session, fn)) : admin)
			return i;
	}
	return -1;
}
