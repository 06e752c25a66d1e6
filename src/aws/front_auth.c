/* The front's authentication: util/sigv4.c verifies, this file hands it
 * the request and the keys vpcsim issued, and answers a refusal with the
 * service's own error code (AWS's services name the same failure
 * differently: STS InvalidClientTokenId, S3 InvalidAccessKeyId, the JSON
 * services UnrecognizedClientException). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws/front_internal.h"
#include "util/err.h"
#include "util/sigv4.h"

#define HEADERS_MAX 128

struct header_list {
	struct sigv4_header h[HEADERS_MAX];
	size_t n;
	bool overflow;
};

static enum MHD_Result header_seen(void *cls, enum MHD_ValueKind kind, const char *key,
				   const char *value)
{
	struct header_list *l = cls;

	if (l->n == HEADERS_MAX) {
		l->overflow = true;
		return MHD_NO;
	}
	l->h[l->n++] = (struct sigv4_header){ key, value ? value : "" };
	return MHD_YES;
}

int front_add_cred(struct front *f, const struct aws_cred *c)
{
	struct aws_cred *copy = malloc(sizeof(*copy));
	int err = 0;

	if (!copy)
		return -ENOMEM;
	*copy = *c;
	pthread_mutex_lock(&f->lock);
	if (f->n_creds == f->cap_creds) {
		int cap = f->cap_creds ? 2 * f->cap_creds : 32;
		struct aws_cred **g = realloc(f->creds, (size_t)cap * sizeof(*g));

		if (g) {
			f->creds = g;
			f->cap_creds = cap;
		}
	}
	if (f->n_creds < f->cap_creds)
		f->creds[f->n_creds++] = copy;
	else
		err = -ENOMEM;
	pthread_mutex_unlock(&f->lock);
	if (err)
		free(copy);
	return err;
}

int front_state_init(struct front *f)
{
	struct aws_cred *v;
	int n, err;

	pthread_mutex_init(&f->lock, NULL);
	err = aws_creds_read(f->dir, &v, &n);
	for (int i = 0; !err && i < n; i++)
		if (front_add_cred(f, &v[i]) < 0)
			err = errf(ENOMEM, "aws front: credentials");
	free(v);
	return err ? err : secrets_init(f);
}

/* The service's own words for a refusal util/sigv4 named by type. */
static enum MHD_Result refuse(const struct aws_call *k, int s, const struct sigv4_error *e)
{
	bool missing = !strcmp(e->type, "MissingAuthenticationTokenException");
	bool unknown = !strcmp(e->type, "UnrecognizedClientException");
	bool bad_sig = !strcmp(e->type, "InvalidSignatureException");

	if (e->status >= 500)
		return aws_error(k, 500, "InternalFailure", "%s", e->message);
	if (s == AWS_STS) {
		if (missing)
			return aws_error(k, 403, "MissingAuthenticationToken",
					 "Request is missing Authentication Token");
		if (unknown)
			return aws_error(k, 403, "InvalidClientTokenId",
					 "The security token included in the request is invalid.");
		if (bad_sig)
			return aws_error(k, 403, "SignatureDoesNotMatch", "%s", e->message);
		return aws_error(k, e->status, "IncompleteSignature", "%s", e->message);
	}
	if (s == AWS_S3) {
		if (missing)
			return aws_error(k, 403, "AccessDenied", "Access Denied");
		if (unknown)
			return aws_error(k, 403, "InvalidAccessKeyId",
					 "The AWS Access Key Id you provided does not exist in our records.");
		if (bad_sig)
			return aws_error(k, 403, "SignatureDoesNotMatch",
					 "The request signature we calculated does not match the signature "
					 "you provided. Check your key and signing method.");
		return aws_error(k, 400, "AuthorizationHeaderMalformed", "%s", e->message);
	}
	/* DynamoDB answers its client errors, these included, with 400
	 * (DynamoDB developer guide, "Error handling": UnrecognizedClientException,
	 * MissingAuthenticationTokenException, IncompleteSignatureException) */
	return aws_error(k, s == AWS_DYNAMODB ? 400 : e->status, e->type, "%s", e->message);
}

static enum MHD_Result expired(const struct aws_call *k, int s)
{
	if (s == AWS_STS || s == AWS_S3)
		return aws_error(k, s == AWS_S3 ? 400 : 403, "ExpiredToken",
				 "The security token included in the request is expired");
	return aws_error(k, s == AWS_DYNAMODB ? 400 : 403, "ExpiredTokenException",
			 "The security token included in the request is expired");
}

static const char *signing_name(int s)
{
	return aws_service_name(s);
}

/* The request against every key the front knows: 0 with *who, or -1
 * with *e. */
static int verify(struct front *f, const struct sigv4_request *rq, const struct sigv4_scope *scope,
		  const struct aws_cred **who, struct sigv4_error *e)
{
	const struct sigv4_key *match = NULL;
	struct sigv4_key *keys;
	int n, rc;

	pthread_mutex_lock(&f->lock);
	n = f->n_creds;
	keys = calloc((size_t)n + 1, sizeof(*keys));
	for (int i = 0; keys && i < n; i++)
		keys[i] = (struct sigv4_key){ f->creds[i]->akid, f->creds[i]->secret,
					      f->creds[i]->token[0] ? f->creds[i]->token : NULL };
	pthread_mutex_unlock(&f->lock);
	rc = keys ? sigv4_verify(rq, scope, keys, (size_t)n, &match, e) : -1;
	if (!keys) {
		e->status = 500;
		e->type = "InternalFailure";
		snprintf(e->message, sizeof(e->message), "out of memory");
	}
	/* f->creds only grows and its entries stay: the index is still good */
	pthread_mutex_lock(&f->lock);
	*who = rc == 0 ? f->creds[match - keys] : NULL;
	pthread_mutex_unlock(&f->lock);
	free(keys);
	return rc;
}

/* Keys appended to the credentials file since the front read it
 * (`vpcsim credentials --duration-seconds`): added; how many. */
static int creds_reload(struct front *f)
{
	struct aws_cred *v;
	int n, added = 0;

	if (aws_creds_read(f->dir, &v, &n) < 0)
		return 0;
	for (int i = 0; i < n; i++) {
		bool known = false;

		pthread_mutex_lock(&f->lock);
		for (int j = 0; j < f->n_creds && !known; j++)
			known = !strcmp(f->creds[j]->akid, v[i].akid);
		pthread_mutex_unlock(&f->lock);
		if (!known && front_add_cred(f, &v[i]) == 0)
			added++;
	}
	explicit_bzero(v, (size_t)n * sizeof(*v));
	free(v);
	return added;
}

int front_authenticate(struct front *f, const struct aws_call *k, int s, const char *method,
		       const char *uri, const char *body, size_t len,
		       const struct aws_cred **who, enum MHD_Result *ret)
{
	struct header_list hl = { .n = 0 };
	struct sigv4_scope scope = { f->t->region, signing_name(s), time(NULL) };
	struct sigv4_request rq = { .method = method, .body = body, .body_len = len };
	struct sigv4_error e;
	char *path = strdup(uri), *q;
	int rc;

	sym_MHD_get_connection_values(k->c, MHD_HEADER_KIND, header_seen, &hl);
	if (!path || hl.overflow) {
		free(path);
		*ret = aws_error(k, 400, "RequestHeaderSectionTooLarge",
				 "Your request has more than %d headers", HEADERS_MAX);
		return -1;
	}
	q = strchr(path, '?');
	if (q)
		*q++ = '\0';
	rq.path = path;
	rq.query = q;
	rq.headers = hl.h;
	rq.n_headers = hl.n;
	rc = verify(f, &rq, &scope, who, &e);
	if (rc < 0 && !strcmp(e.type, "UnrecognizedClientException") && creds_reload(f) > 0)
		rc = verify(f, &rq, &scope, who, &e);
	free(path);
	if (rc < 0) {
		*ret = refuse(k, s, &e);
		return -1;
	}
	if ((*who)->expires && (*who)->expires < (long long)time(NULL)) {
		*ret = expired(k, s);
		return -1;
	}
	return 0;
}
