/* AWS Signature Version 4 verification; see sigv4.h. */
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/dlib.h"
#include "util/err.h"
#include "util/pct.h"
#include "util/sigv4.h"

#define ALGORITHM "AWS4-HMAC-SHA256"
#define KEY_CACHE_N 8              /* signing keys kept (signing_key), the least
				    * recently used giving way */

struct key_entry {
	char secret[128], date[16], region[64], service[64];
	unsigned char key[32];
	unsigned long used;        /* when last used (key_tick); 0: empty */
};

static pthread_mutex_t key_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t key_once = PTHREAD_ONCE_INIT;
static struct key_entry key_cache[KEY_CACHE_N];
static unsigned long key_tick;
static unsigned long key_derivations;

static bool unreserved(unsigned char c)
{
	return isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

/* Percent-encode n bytes of s as SigV4 wants (upper-case hex); '/' kept
 * when keep_slash. */
static void encode(FILE *f, const char *s, size_t n, bool keep_slash)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (unreserved(c) || (keep_slash && c == '/'))
			fputc(c, f);
		else
			fprintf(f, "%%%02X", c);
	}
}

/* n bytes of s with %XX decoded, then encoded again ('/' kept when
 * keep_slash): one query name or value, or S3's path, in canonical form.
 * malloc'ed. */
static char *recode(const char *s, size_t n, bool keep_slash)
{
	char *dec = malloc(n + 1), *out = NULL;
	size_t len, outlen;
	FILE *f;

	if (!dec)
		return NULL;
	len = pct_decode(s, n, dec);
	f = open_memstream(&out, &outlen);
	if (f) {
		encode(f, dec, len, keep_slash);
		fclose(f);
	}
	free(dec);
	return out;
}

struct qpair {
	char *k, *v;
};

static int qpair_cmp(const void *a, const void *b)
{
	const struct qpair *x = a, *y = b;
	int c = strcmp(x->k, y->k);

	return c ? c : strcmp(x->v, y->v);
}

/* The canonical query string: "name=value" pairs in canonical form,
 * sorted by name then value, joined by '&'. */
static void canonical_query(FILE *f, const char *q)
{
	size_t n = 0, cap = 1;
	struct qpair *pairs;

	for (const char *p = q; p && *p; p++)
		cap += *p == '&';
	pairs = calloc(cap, sizeof(*pairs));
	for (const char *p = q; pairs && p && *p;) {
		const char *end = p + strcspn(p, "&"), *eq = memchr(p, '=', (size_t)(end - p));

		if (end > p) {
			pairs[n].k = recode(p, (size_t)((eq ? eq : end) - p), false);
			pairs[n].v = eq ? recode(eq + 1, (size_t)(end - eq - 1), false) : strdup("");
			if (pairs[n].k && pairs[n].v)
				n++;
			else
				free(pairs[n].k), free(pairs[n].v);
		}
		p = *end ? end + 1 : end;
	}
	if (pairs)
		qsort(pairs, n, sizeof(*pairs), qpair_cmp);
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "%s%s=%s", i ? "&" : "", pairs[i].k, pairs[i].v);
		free(pairs[i].k);
		free(pairs[i].v);
	}
	free(pairs);
}

/* One header's value as SigV4 signs it: outer blanks dropped, inner runs
 * of blanks made one space. */
static void header_value(FILE *f, const char *v)
{
	bool space = false, started = false;

	for (; *v; v++) {
		if (*v == ' ' || *v == '\t') {
			space = started;
			continue;
		}
		if (space)
			fputc(' ', f);
		fputc(*v, f);
		space = false;
		started = true;
	}
}

/* "name:v1,v2\n" for every name of signed_headers, in their order. */
static void canonical_headers(FILE *f, const struct sigv4_request *rq, const char *signed_headers)
{
	for (const char *p = signed_headers; *p;) {
		size_t n = strcspn(p, ";");
		bool first = true;

		fprintf(f, "%.*s:", (int)n, p);
		for (size_t i = 0; i < rq->n_headers; i++) {
			if (strlen(rq->headers[i].name) != n || strncasecmp(rq->headers[i].name, p, n))
				continue;
			if (!first)
				fputc(',', f);
			header_value(f, rq->headers[i].value);
			first = false;
		}
		fputc('\n', f);
		p += n;
		if (*p)
			p++;
	}
}

char *sigv4_canonical_request(const struct sigv4_request *rq, const char *signed_headers,
			      const char *payload_hash)
{
	char *out = NULL;
	size_t len;
	FILE *f = open_memstream(&out, &len);

	if (!f)
		return NULL;
	fprintf(f, "%s\n", rq->method);
	if (rq->path_encoded_once) {
		char *once = recode(rq->path, strlen(rq->path), true);

		fputs(once ? once : "", f);
		free(once);
	} else {
		encode(f, rq->path, strlen(rq->path), true);
	}
	fputc('\n', f);
	canonical_query(f, rq->query);
	fputc('\n', f);
	canonical_headers(f, rq, signed_headers);
	fprintf(f, "\n%s\n%s", signed_headers, payload_hash);
	if (fclose(f)) {
		free(out);
		return NULL;
	}
	return out;
}

static void to_hex(const unsigned char *md, size_t n, char *hex)
{
	for (size_t i = 0; i < n; i++)
		sprintf(hex + 2 * i, "%02x", md[i]);
	hex[2 * n] = '\0';
}

int sigv4_sha256_hex(const void *p, size_t n, char hex[65])
{
	unsigned char md[32];
	unsigned mdlen = 0;
	int err = dlib_load(DLIB_CRYPTO);

	if (err < 0)
		return err;
	if (!sym_EVP_Digest(p, n, md, &mdlen, sym_EVP_sha256(), NULL) || mdlen != 32)
		return -EIO;
	to_hex(md, 32, hex);
	return 0;
}

char *sigv4_string_to_sign(const char *amz_date, const char *scope, const char *canonical)
{
	char hash[65], *out;

	if (sigv4_sha256_hex(canonical, strlen(canonical), hash) < 0)
		return NULL;
	if (asprintf(&out, ALGORITHM "\n%s\n%s\n%s", amz_date, scope, hash) < 0)
		return NULL;
	return out;
}

static bool hmac(const void *key, size_t klen, const char *data, unsigned char md[32])
{
	unsigned mdlen = 0;

	return sym_HMAC(sym_EVP_sha256(), key, (int)klen, (const unsigned char *)data,
			strlen(data), md, &mdlen) && mdlen == 32;
}

/* The signing key: HMAC chained over "AWS4" + secret, the date, region,
 * service and "aws4_request". */
static bool key_derive(const char *secret, const char *date, const char *region,
		       const char *service, unsigned char k[32])
{
	char *first;
	bool ok;

	if (asprintf(&first, "AWS4%s", secret) < 0)
		return false;
	ok = hmac(first, strlen(first), date, k) && hmac(k, 32, region, k) &&
	     hmac(k, 32, service, k) && hmac(k, 32, "aws4_request", k);
	explicit_bzero(first, strlen(first));
	free(first);
	__atomic_add_fetch(&key_derivations, 1, __ATOMIC_RELAXED);
	return ok;
}

/* Strings compared in constant time for their common length. */
static bool same_secret(const char *a, const char *b)
{
	size_t n = strlen(a);

	return n == strlen(b) && sym_CRYPTO_memcmp(a, b, n) == 0;
}

static void key_cache_reset(void)
{
	pthread_mutex_init(&key_mu, NULL); /* a fork's child: whoever held it is not there */
	explicit_bzero(key_cache, sizeof(key_cache));
}

static void key_cache_init(void)
{
	pthread_atfork(NULL, NULL, key_cache_reset);
}

/* The signing key of (secret, date, region, service): cached, as AWS's
 * SDKs cache it (the key is a function of these four and nothing else,
 * and a day's requests share it), so a request costs one HMAC where the
 * derivation costs five. An entry matches only the same four, the secret
 * compared whole (in constant time): another credential, or a secret
 * changed under the same access key id, never gets another's key. A
 * secret longer than an entry holds is derived each time. */
static bool signing_key(const char *secret, const char *date, const char *region,
			const char *service, unsigned char k[32])
{
	struct key_entry *e, *lru = &key_cache[0];
	bool ok;

	pthread_once(&key_once, key_cache_init);
	if (strlen(secret) >= sizeof(e->secret) || strlen(date) >= sizeof(e->date) ||
	    strlen(region) >= sizeof(e->region) || strlen(service) >= sizeof(e->service))
		return key_derive(secret, date, region, service, k);
	pthread_mutex_lock(&key_mu);
	for (int i = 0; i < KEY_CACHE_N; i++) {
		e = &key_cache[i];
		if (e->used < lru->used)
			lru = e;
		if (e->used && same_secret(e->secret, secret) && !strcmp(e->date, date) &&
		    !strcmp(e->region, region) && !strcmp(e->service, service)) {
			e->used = ++key_tick;
			memcpy(k, e->key, 32);
			pthread_mutex_unlock(&key_mu);
			return true;
		}
	}
	ok = key_derive(secret, date, region, service, k);
	if (ok) { /* the least recently used gives way */
		e = lru;
		explicit_bzero(e, sizeof(*e));
		snprintf(e->secret, sizeof(e->secret), "%s", secret);
		snprintf(e->date, sizeof(e->date), "%s", date);
		snprintf(e->region, sizeof(e->region), "%s", region);
		snprintf(e->service, sizeof(e->service), "%s", service);
		memcpy(e->key, k, 32);
		e->used = ++key_tick;
	}
	pthread_mutex_unlock(&key_mu);
	return ok;
}

unsigned long sigv4_key_derivations(void)
{
	return __atomic_load_n(&key_derivations, __ATOMIC_RELAXED);
}

int sigv4_signature(const char *secret, const char *date, const char *region,
		    const char *service, const char *string_to_sign, char hex[65])
{
	unsigned char k[32], md[32];
	bool ok;
	int err = dlib_load(DLIB_CRYPTO);

	if (err < 0)
		return err;
	ok = signing_key(secret, date, region, service, k) && hmac(k, 32, string_to_sign, md);
	explicit_bzero(k, sizeof(k));
	if (!ok)
		return -EIO;
	to_hex(md, 32, hex);
	return 0;
}

/* The parts of "AWS4-HMAC-SHA256 Credential=K/D/R/S/T, SignedHeaders=..,
 * Signature=..". */
struct sigv4_auth {
	char key_id[128], date[16], region[64], service[64], term[32];
	char signed_headers[1024], signature[65];
	bool has_credential, has_signed, has_signature;
};

static const char *header_get(const struct sigv4_request *rq, const char *name)
{
	for (size_t i = 0; i < rq->n_headers; i++)
		if (!strcasecmp(rq->headers[i].name, name))
			return rq->headers[i].value;
	return NULL;
}

static void fail(struct sigv4_error *e, int status, const char *type, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void fail(struct sigv4_error *e, int status, const char *type, const char *fmt, ...)
{
	va_list ap;

	e->status = status;
	e->type = type;
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof(e->message), fmt, ap);
	va_end(ap);
}

/* Copy "K/D/R/S/T" into a's scope fields; false if not 5 parts that fit. */
static bool credential_split(const char *v, size_t n, struct sigv4_auth *a)
{
	char *fields[5] = { a->key_id, a->date, a->region, a->service, a->term };
	size_t sizes[5] = { sizeof(a->key_id), sizeof(a->date), sizeof(a->region),
			    sizeof(a->service), sizeof(a->term) };
	size_t f = 0, start = 0;

	for (size_t i = 0; i <= n; i++) {
		if (i < n && v[i] != '/')
			continue;
		if (f == 5 || i - start >= sizes[f])
			return false;
		memcpy(fields[f], v + start, i - start);
		fields[f++][i - start] = '\0';
		start = i + 1;
	}
	return f == 5;
}

/* Parse the Authorization header. 0, or -1 with e filled. */
static int auth_parse(const char *h, struct sigv4_auth *a, struct sigv4_error *e)
{
	const char *p;

	memset(a, 0, sizeof(*a));
	if (strncmp(h, ALGORITHM " ", strlen(ALGORITHM) + 1)) {
		fail(e, 403, "IncompleteSignatureException", "Unsupported Authorization Type: "
		     "give 'AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...'");
		return -1;
	}
	for (p = h + strlen(ALGORITHM); *p;) {
		size_t n;

		p += strspn(p, " ,");
		n = strcspn(p, ",");
		if (!strncmp(p, "Credential=", 11)) {
			a->has_credential = true;
			if (!credential_split(p + 11, n - 11, a)) {
				fail(e, 403, "IncompleteSignatureException", "Credential must have "
				     "exactly 5 slash-delimited elements, e.g. keyid/date/region/"
				     "service/term, got '%.*s'", (int)(n - 11 > 128 ? 128 : n - 11), p + 11);
				return -1;
			}
		} else if (!strncmp(p, "SignedHeaders=", 14) && n - 14 < sizeof(a->signed_headers)) {
			a->has_signed = true;
			memcpy(a->signed_headers, p + 14, n - 14);
		} else if (!strncmp(p, "Signature=", 10) && n - 10 < sizeof(a->signature)) {
			a->has_signature = true;
			memcpy(a->signature, p + 10, n - 10);
		}
		p += n;
	}
	if (a->has_credential && a->has_signed && a->has_signature)
		return 0;
	fail(e, 403, "IncompleteSignatureException", "%s%s%sAuthorization=" ALGORITHM,
	     a->has_credential ? "" : "Authorization header requires 'Credential' parameter. ",
	     a->has_signature ? "" : "Authorization header requires 'Signature' parameter. ",
	     a->has_signed ? "" : "Authorization header requires 'SignedHeaders' parameter. ");
	return -1;
}

static const struct sigv4_key *key_find(const struct sigv4_key *keys, size_t n, const char *id)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(keys[i].access_key_id, id))
			return &keys[i];
	return NULL;
}

/* "yyyymmddThhmmssZ" as a time; -1 if not that form. */
static time_t amz_date_parse(const char *s)
{
	struct tm tm = { 0 };
	const char *end;

	if (!s || strlen(s) != 16)
		return -1;
	end = strptime(s, "%Y%m%dT%H%M%SZ", &tm);
	return end && !*end ? timegm(&tm) : -1;
}

static void amz_date_fmt(time_t t, char out[17])
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 17, "%Y%m%dT%H%M%SZ", &tm);
}

/* The request's time against scope->now, AWS's words when too far. */
static int time_check(const char *amz, const struct sigv4_scope *s, struct sigv4_error *e)
{
	time_t t = amz_date_parse(amz);
	char now[17], edge[17];

	if (t < 0) {
		fail(e, 403, "IncompleteSignatureException", "Authorization header requires "
		     "existence of either a 'X-Amz-Date' or a 'Date' header. (X-Amz-Date in the "
		     "form yyyymmddThhmmssZ)");
		return -1;
	}
	amz_date_fmt(s->now, now);
	if (t < s->now - SIGV4_MAX_SKEW_S) {
		amz_date_fmt(s->now - SIGV4_MAX_SKEW_S, edge);
		fail(e, 403, "InvalidSignatureException", "Signature expired: %s is now earlier "
		     "than %s (%s - 5 min.)", amz, edge, now);
		return -1;
	}
	if (t > s->now + SIGV4_MAX_SKEW_S) {
		amz_date_fmt(s->now + SIGV4_MAX_SKEW_S, edge);
		fail(e, 403, "InvalidSignatureException", "Signature not yet current: %s is still "
		     "later than %s (%s + 5 min.)", amz, edge, now);
		return -1;
	}
	return 0;
}

/* The credential's scope against where we are, and the request's date. */
static int scope_check(const struct sigv4_auth *a, const char *amz, const struct sigv4_scope *s,
		       struct sigv4_error *e)
{
	if (strncmp(a->date, amz, 8) || strlen(a->date) != 8) {
		fail(e, 403, "InvalidSignatureException", "Date in Credential scope does not match "
		     "YYYYMMDD from ISO-8601 version of date from HTTP: '%s' != '%.8s', from '%s'.",
		     a->date, amz, amz);
		return -1;
	}
	if (strcmp(a->region, s->region)) {
		fail(e, 403, "InvalidSignatureException", "Credential should be scoped to a valid "
		     "region, not '%s'. (this endpoint is region '%s')", a->region, s->region);
		return -1;
	}
	if (strcmp(a->service, s->service)) {
		fail(e, 403, "InvalidSignatureException", "Credential should be scoped to correct "
		     "service: '%s'. ", s->service);
		return -1;
	}
	if (strcmp(a->term, "aws4_request")) {
		fail(e, 403, "InvalidSignatureException", "Credential should be scoped with a valid "
		     "terminator: 'aws4_request', not '%s'.", a->term);
		return -1;
	}
	return 0;
}

static bool signs_host(const char *signed_headers)
{
	for (const char *p = signed_headers; *p;) {
		size_t n = strcspn(p, ";");

		if (n == 4 && !strncmp(p, "host", 4))
			return true;
		p += n + (p[n] == ';');
	}
	return false;
}

/* Everything but the signature; a parsed on success. */
static int headers_check(const struct sigv4_request *rq, const struct sigv4_scope *s,
			 const struct sigv4_key *keys, size_t n_keys, const struct sigv4_key **key,
			 struct sigv4_auth *a, struct sigv4_error *e)
{
	const char *authz = header_get(rq, "Authorization"), *amz = header_get(rq, "X-Amz-Date");
	const char *token = header_get(rq, "X-Amz-Security-Token");
	const struct sigv4_key *k;

	if (!authz) {
		fail(e, 403, "MissingAuthenticationTokenException", "Missing Authentication Token");
		return -1;
	}
	if (auth_parse(authz, a, e) < 0)
		return -1;
	if (dlib_load(DLIB_CRYPTO) < 0) {
		fail(e, 500, "ServiceException", "%s", err_msg());
		return -1;
	}
	k = key_find(keys, n_keys, a->key_id);
	if (!k || (k->session_token ? !token || !same_secret(token, k->session_token) : !!token)) {
		fail(e, 403, "UnrecognizedClientException",
		     "The security token included in the request is invalid.");
		return -1;
	}
	if (time_check(amz, s, e) < 0 || scope_check(a, amz, s, e) < 0)
		return -1;
	if (!signs_host(a->signed_headers)) {
		fail(e, 403, "InvalidSignatureException",
		     "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
		return -1;
	}
	*key = k;
	return 0;
}

int sigv4_check_headers(const struct sigv4_request *rq, const struct sigv4_scope *scope,
			const struct sigv4_key *keys, size_t n_keys,
			const struct sigv4_key **key, struct sigv4_error *e)
{
	struct sigv4_auth a;

	return headers_check(rq, scope, keys, n_keys, key, &a, e);
}

/* The payload hash to sign: x-amz-content-sha256 when sent (it must match
 * the body unless it says UNSIGNED-PAYLOAD), else the body's. */
static int payload_hash(const struct sigv4_request *rq, char hex[65], struct sigv4_error *e)
{
	const char *sent = header_get(rq, "X-Amz-Content-Sha256");

	if (sigv4_sha256_hex(rq->body ? rq->body : "", rq->body_len, hex) < 0) {
		fail(e, 500, "ServiceException", "%s", err_msg());
		return -1;
	}
	if (!sent || !strcmp(hex, sent))
		return 0;
	if (!strcmp(sent, "UNSIGNED-PAYLOAD")) {
		snprintf(hex, 65, "%s", sent);
		return 0;
	}
	fail(e, 400, "XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header "
	     "does not match what was computed.");
	return -1;
}

int sigv4_verify(const struct sigv4_request *rq, const struct sigv4_scope *scope,
		 const struct sigv4_key *keys, size_t n_keys,
		 const struct sigv4_key **key, struct sigv4_error *e)
{
	char hash[65], sig[65], cscope[256], *creq = NULL, *sts = NULL;
	struct sigv4_request once;
	struct sigv4_auth a;
	int ok = -1;

	if (headers_check(rq, scope, keys, n_keys, key, &a, e) < 0 || payload_hash(rq, hash, e) < 0)
		return -1;
	snprintf(cscope, sizeof(cscope), "%s/%s/%s/aws4_request", a.date, a.region, a.service);
	once = *rq;
	once.path_encoded_once = !strcmp(a.service, "s3");
	creq = sigv4_canonical_request(&once, a.signed_headers, hash);
	sts = creq ? sigv4_string_to_sign(header_get(rq, "X-Amz-Date"), cscope, creq) : NULL;
	if (!sts || sigv4_signature((*key)->secret, a.date, a.region, a.service, sts, sig) < 0)
		fail(e, 500, "ServiceException", "verifying the signature: out of memory");
	else if (!same_secret(a.signature, sig))
		fail(e, 403, "InvalidSignatureException", "The request signature we calculated does "
		     "not match the signature you provided. Check your AWS Secret Access Key and "
		     "signing method. Consult the service documentation for details.");
	else
		ok = 0;
	free(creq);
	free(sts);
	if (ok < 0)
		*key = NULL;
	return ok;
}
