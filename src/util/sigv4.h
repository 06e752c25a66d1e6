/* AWS Signature Version 4, the server's side: verify that a request was
 * signed with a key we issued, as AWS's own endpoints do.
 *
 * Used by `vpcsim serve` (the Invoke API) and meant for every AWS-style
 * endpoint vpcsim serves. The caller hands the request as it arrived
 * (method, the path and query as on the request line, every header, the
 * body) and the keys it accepts; the module answers 0 or the error AWS
 * sends for that case (status, x-amzn-ErrorType, message):
 *
 *   no Authorization header        403 MissingAuthenticationTokenException
 *   header without Credential/...  403 IncompleteSignatureException
 *   unknown access key, or a session token that is not the key's
 *                                  403 UnrecognizedClientException
 *   wrong scope (region, service), X-Amz-Date more than 5 min away, a
 *   signature that does not match  403 InvalidSignatureException
 *
 * sigv4_check_headers() runs every check that needs no body, so a server
 * refuses a stranger before it reads (and buffers) a byte of the body;
 * sigv4_verify() runs them all. The pieces below them (canonical request,
 * string to sign, signature) are pure and tested against AWS's published
 * test suite (tests/unit/test_sigv4.c). Hashes and HMACs are libcrypto's
 * (opened on first use, util/dlib.h); the signature is compared in
 * constant time.
 *
 * Canonical URI (AWS: "Each path segment must be URI-encoded twice
 * (except for Amazon S3 which only gets URI-encoded once)"): a client
 * sends the path encoded once, so for every service but S3 it is the
 * path as the request line carries it, each byte but A-Z a-z 0-9 - . _ ~
 * and / percent-encoded (the second encoding; what botocore, the AWS CLI
 * and the JS SDK sign); for S3 (the credential scoped to "s3") the path
 * decoded and encoded once (%XX in upper case), so that a key with a
 * space, '=', '+', '!', '*', '\'', '(', ')', UTF-8 or '//' signs as the
 * SDKs sign it. No dot-segment normalisation (S3 has none; the SDKs'
 * differ elsewhere). Canonical query: each name and value decoded,
 * encoded again the same way ('/' too), sorted by name then value. */
#ifndef VPCSIM_SIGV4_H
#define VPCSIM_SIGV4_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#define SIGV4_MAX_SKEW_S 300        /* AWS: 5 minutes either way */

struct sigv4_header {
	const char *name, *value;
};

struct sigv4_request {
	const char *method;         /* "POST" */
	const char *path;           /* as sent, before any '?' (not decoded) */
	const char *query;          /* after '?', as sent; NULL or "" if none */
	const struct sigv4_header *headers;   /* every header, in the order received */
	size_t n_headers;
	const void *body;
	size_t body_len;
	bool path_encoded_once;     /* S3's canonical URI (see above); sigv4_verify()
				     * sets it from the credential's scope */
};

/* A key pair we accept. session_token: NULL for a long-term key. */
struct sigv4_key {
	const char *access_key_id, *secret, *session_token;
};

/* Where a request was expected to be scoped. */
struct sigv4_scope {
	const char *region, *service;
	time_t now;
};

/* What to answer when a check fails. */
struct sigv4_error {
	int status;                 /* 403, or 400 for a body that does not match
				     * its x-amz-content-sha256 */
	const char *type;           /* x-amzn-ErrorType */
	char message[320];          /* AWS's words for the case */
};

/* Checks that need no body: the Authorization header's form, the key, the
 * session token, the scope, the time. 0, with *key set to the matching
 * entry of keys[]; or -1 with *e filled. */
int sigv4_check_headers(const struct sigv4_request *rq, const struct sigv4_scope *scope,
			const struct sigv4_key *keys, size_t n_keys,
			const struct sigv4_key **key, struct sigv4_error *e);

/* Every check, the signature over the whole request included. Same
 * return as sigv4_check_headers(). -1 with e->status 500 if libcrypto
 * could not be opened (e->message says why). */
int sigv4_verify(const struct sigv4_request *rq, const struct sigv4_scope *scope,
		 const struct sigv4_key *keys, size_t n_keys,
		 const struct sigv4_key **key, struct sigv4_error *e);

/* The pure steps (exposed for tests and for a client that signs). */

/* The canonical request for the headers listed in signed_headers
 * ("host;x-amz-date", lowercase, sorted) and the payload's hash (hex).
 * malloc'ed; NULL when out of memory. */
char *sigv4_canonical_request(const struct sigv4_request *rq, const char *signed_headers,
			      const char *payload_hash);
/* "AWS4-HMAC-SHA256\n<amz_date>\n<scope>\n<hex sha256 of canonical>";
 * scope is "<yyyymmdd>/<region>/<service>/aws4_request". malloc'ed. */
char *sigv4_string_to_sign(const char *amz_date, const char *scope, const char *canonical);
/* The hex signature of string_to_sign with the key derived from secret,
 * date (yyyymmdd), region and service. 0, or -errno (libcrypto missing).
 * The key is kept for the next request with the same four (the last 8
 * such keys, as AWS's SDKs cache theirs): one HMAC a request, not five.
 * Thread-safe. */
int sigv4_signature(const char *secret, const char *date, const char *region,
		    const char *service, const char *string_to_sign, char hex[65]);
/* How many signing keys this process has derived (the cache's misses). */
unsigned long sigv4_key_derivations(void);
/* Hex SHA-256 of p[0..n). 0, or -errno (libcrypto missing). */
int sigv4_sha256_hex(const void *p, size_t n, char hex[65]);

#endif
