/* SigV4 verification: the pure steps against AWS's published test suite
 * (aws-sig-v4-test-suite, the cases as aws-c-auth carries them; the
 * "-unnormalized" halves, since the path is signed as sent), then each
 * refusal a server must give. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/sigv4.h"

#define EMPTY_SHA "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define SCOPE "20150830/us-east-1/service/aws4_request"
#define DATE "20150830T123600Z"
#define SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define SUITE_NOW 1440938160    /* 2015-08-30T12:36:00Z */

struct vector {
	const char *name, *method, *path, *query;
	struct sigv4_header extra[4];
	const char *signed_headers, *payload_hash, *creq, *sts_hash, *sig;
};

#define H_STD "host:example.amazonaws.com\nx-amz-date:20150830T123600Z\n"

static const struct vector vectors[] = {
	{ "get-vanilla", "GET", "/", "", { { 0 } }, "host;x-amz-date", EMPTY_SHA,
	  "GET\n/\n\n" H_STD "\nhost;x-amz-date\n" EMPTY_SHA,
	  "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63",
	  "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31" },
	{ "get-unreserved", "GET",
	  "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", "", { { 0 } },
	  "host;x-amz-date", EMPTY_SHA,
	  "GET\n/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz\n\n" H_STD
	  "\nhost;x-amz-date\n" EMPTY_SHA,
	  "6a968768eefaa713e2a6b16b589a8ea192661f098f37349f4e2c0082757446f9",
	  "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f" },
	{ "get-utf8", "GET", "/\xe1\x88\xb4", "", { { 0 } }, "host;x-amz-date", EMPTY_SHA,
	  "GET\n/%E1%88%B4\n\n" H_STD "\nhost;x-amz-date\n" EMPTY_SHA,
	  "2a0a97d02205e45ce2e994789806b19270cfbbb0921b278ccf58f5249ac42102",
	  "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85" },
	{ "get-space-unnormalized", "GET", "/example space/", "", { { 0 } }, "host;x-amz-date",
	  EMPTY_SHA, "GET\n/example%20space/\n\n" H_STD "\nhost;x-amz-date\n" EMPTY_SHA,
	  "63ee75631ed7234ae61b5f736dfc7754cdccfedbff4b5128a915706ee9390d86",
	  "652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741" },
	{ "get-vanilla-query-order-key-case", "GET", "/", "Param2=value2&Param1=value1",
	  { { 0 } }, "host;x-amz-date", EMPTY_SHA,
	  "GET\n/\nParam1=value1&Param2=value2\n" H_STD "\nhost;x-amz-date\n" EMPTY_SHA,
	  "816cd5b414d056048ba4f7c5386d6e0533120fb1fcfa93762cf0fc39e2cf19e0",
	  "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500" },
	{ "get-vanilla-query-order-encoded", "GET", "/",
	  "Param-3=Value3&Param=Value2&%E1%88%B4=Value1", { { 0 } }, "host;x-amz-date", EMPTY_SHA,
	  "GET\n/\n%E1%88%B4=Value1&Param=Value2&Param-3=Value3\n" H_STD "\nhost;x-amz-date\n"
	  EMPTY_SHA, "868294f5c38bd141c4972a373a76654f1418a8e4fc18b2e7903ae45e8ae0ec71",
	  "371d3713e185cc334048618a97f809c9ffe339c62934c032af5a0e595648fcac" },
	{ "get-header-value-trim", "GET", "/", "",
	  { { "My-Header1", " value1" }, { "My-Header2", " \"a   b   c\"" } },
	  "host;my-header1;my-header2;x-amz-date", EMPTY_SHA,
	  "GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value1\nmy-header2:\"a b c\"\n"
	  "x-amz-date:20150830T123600Z\n\nhost;my-header1;my-header2;x-amz-date\n" EMPTY_SHA,
	  "a726db9b0df21c14f559d0a978e563112acb1b9e05476f0a6a1c7d68f28605c7",
	  "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736" },
	{ "get-header-value-order", "GET", "/", "",
	  { { "My-Header1", "value4" }, { "My-Header1", "value1" }, { "My-Header1", "value3" },
	    { "My-Header1", "value2" } },
	  "host;my-header1;x-amz-date", EMPTY_SHA,
	  "GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value4,value1,value3,value2\n"
	  "x-amz-date:20150830T123600Z\n\nhost;my-header1;x-amz-date\n" EMPTY_SHA,
	  "31ce73cd3f3d9f66977ad3dd957dc47af14df92fcd8509f59b349e9137c58b86",
	  "08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01" },
	{ "post-vanilla-query", "POST", "/", "Param1=value1", { { 0 } }, "host;x-amz-date",
	  EMPTY_SHA, "POST\n/\nParam1=value1\n" H_STD "\nhost;x-amz-date\n" EMPTY_SHA,
	  "9d659678c1756bb3113e2ce898845a0a79dbbc57b740555917687f1b3340fbbd",
	  "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11" },
	{ "post-header-value-case", "POST", "/", "", { { "My-Header1", "VALUE1" } },
	  "host;my-header1;x-amz-date", EMPTY_SHA,
	  "POST\n/\n\nhost:example.amazonaws.com\nmy-header1:VALUE1\nx-amz-date:20150830T123600Z"
	  "\n\nhost;my-header1;x-amz-date\n" EMPTY_SHA,
	  "d51ced243e649e3de6ef63afbbdcbca03131a21a7103a1583706a64618606a93",
	  "cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d" },
	{ "get-vanilla-with-session-token", "GET", "/", "",
	  { { "X-Amz-Security-Token",
	      "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267" } },
	  "host;x-amz-date;x-amz-security-token", EMPTY_SHA,
	  "GET\n/\n\n" H_STD "x-amz-security-token:"
	  "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267\n\n"
	  "host;x-amz-date;x-amz-security-token\n" EMPTY_SHA,
	  "067b36aa60031588cea4a4cde1f21215227a047690c72247f1d70b32fbbfad2b",
	  "07ec1639c89043aa0e3e2de82b96708f198cceab042d4a97044c66dd9f74e7f8" },
};

/* The vector's headers: Host, X-Amz-Date, its extras, then (if given) an
 * Authorization. Returns the count. */
static size_t vector_headers(const struct vector *v, struct sigv4_header h[8], const char *authz)
{
	size_t n = 0;

	h[n++] = (struct sigv4_header){ "Host", "example.amazonaws.com" };
	h[n++] = (struct sigv4_header){ "X-Amz-Date", DATE };
	for (size_t i = 0; i < 4 && v->extra[i].name; i++)
		h[n++] = v->extra[i];
	if (authz)
		h[n++] = (struct sigv4_header){ "Authorization", authz };
	return n;
}

static void test_suite_vectors(void **state)
{
	for (size_t i = 0; i < sizeof(vectors) / sizeof(*vectors); i++) {
		const struct vector *v = &vectors[i];
		struct sigv4_header h[8];
		struct sigv4_request rq = { v->method, v->path, v->query, h, vector_headers(v, h, NULL),
					    "", 0, false };
		char *creq = sigv4_canonical_request(&rq, v->signed_headers, v->payload_hash), *sts;
		char want_sts[512], sig[65];

		print_message("%s\n", v->name);
		assert_non_null(creq);
		assert_string_equal(creq, v->creq);
		sts = sigv4_string_to_sign(DATE, SCOPE, creq);
		snprintf(want_sts, sizeof(want_sts), "AWS4-HMAC-SHA256\n%s\n%s\n%s", DATE, SCOPE,
			 v->sts_hash);
		assert_string_equal(sts, want_sts);
		assert_int_equal(sigv4_signature(SECRET, "20150830", "us-east-1", "service", sts, sig), 0);
		assert_string_equal(sig, v->sig);
		free(creq);
		free(sts);
	}
}

static const struct sigv4_key suite_keys[] = {
	{ "AKIDOTHER", "some-other-secret", NULL },
	{ "AKIDEXAMPLE", SECRET, NULL },
};
static const struct sigv4_key token_key[] = {
	{ "AKIDEXAMPLE", SECRET, "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267" },
};

/* Verify vector i with the given Authorization, keys and clock. */
static int verify(size_t i, const char *authz, const struct sigv4_key *keys, size_t n,
		  time_t now, struct sigv4_error *e)
{
	const struct vector *v = &vectors[i];
	struct sigv4_header h[8];
	struct sigv4_request rq = { v->method, v->path, v->query, h, vector_headers(v, h, authz),
				    "", 0, false };
	struct sigv4_scope s = { "us-east-1", "service", now };
	const struct sigv4_key *k = NULL;
	int rc = sigv4_verify(&rq, &s, keys, n, &k, e);

	assert_true(rc == 0 ? k != NULL : k == NULL);
	return rc;
}

static char authz_buf[512];

static const char *authz_of(size_t i, const char *key_id, const char *sig)
{
	snprintf(authz_buf, sizeof(authz_buf), "AWS4-HMAC-SHA256 Credential=%s/" SCOPE
		 ", SignedHeaders=%s, Signature=%s", key_id, vectors[i].signed_headers,
		 sig ? sig : vectors[i].sig);
	return authz_buf;
}

static void test_verify_accepts_suite_signatures(void **state)
{
	struct sigv4_error e;

	for (size_t i = 0; i < sizeof(vectors) / sizeof(*vectors) - 1; i++)
		assert_int_equal(verify(i, authz_of(i, "AKIDEXAMPLE", NULL), suite_keys, 2,
					SUITE_NOW, &e), 0);
	/* The session-token case: the key's token, sent and signed. */
	assert_int_equal(verify(10, authz_of(10, "AKIDEXAMPLE", NULL), token_key, 1, SUITE_NOW, &e), 0);
}

static void test_verify_refusals(void **state)
{
	struct sigv4_error e;

	assert_int_equal(verify(0, NULL, suite_keys, 2, SUITE_NOW, &e), -1);
	assert_int_equal(e.status, 403);
	assert_string_equal(e.type, "MissingAuthenticationTokenException");
	assert_string_equal(e.message, "Missing Authentication Token");

	assert_int_equal(verify(0, authz_of(0, "AKIDNOBODY", NULL), suite_keys, 2, SUITE_NOW, &e), -1);
	assert_string_equal(e.type, "UnrecognizedClientException");
	assert_string_equal(e.message, "The security token included in the request is invalid.");

	/* One hex digit changed. */
	assert_int_equal(verify(0, authz_of(0, "AKIDEXAMPLE",
		"5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf30"),
		suite_keys, 2, SUITE_NOW, &e), -1);
	assert_int_equal(e.status, 403);
	assert_string_equal(e.type, "InvalidSignatureException");
	assert_non_null(strstr(e.message, "does not match the signature you provided"));

	/* The right signature, the wrong secret for its key. */
	assert_int_equal(verify(0, authz_of(0, "AKIDOTHER", NULL), suite_keys, 2, SUITE_NOW, &e), -1);
	assert_string_equal(e.type, "InvalidSignatureException");

	assert_int_equal(verify(0, "AWS4-HMAC-SHA256 Signature=abc", suite_keys, 2, SUITE_NOW, &e), -1);
	assert_string_equal(e.type, "IncompleteSignatureException");
	assert_non_null(strstr(e.message, "requires 'Credential' parameter"));
	assert_int_equal(verify(0, "Basic dXNlcjpwYXNz", suite_keys, 2, SUITE_NOW, &e), -1);
	assert_string_equal(e.type, "IncompleteSignatureException");
}

static void test_verify_clock_skew(void **state)
{
	struct sigv4_error e;

	/* 5 minutes either way is accepted, a second more is not. */
	assert_int_equal(verify(0, authz_of(0, "AKIDEXAMPLE", NULL), suite_keys, 2,
				SUITE_NOW + 300, &e), 0);
	assert_int_equal(verify(0, authz_of(0, "AKIDEXAMPLE", NULL), suite_keys, 2,
				SUITE_NOW - 300, &e), 0);
	assert_int_equal(verify(0, authz_of(0, "AKIDEXAMPLE", NULL), suite_keys, 2,
				SUITE_NOW + 301, &e), -1);
	assert_string_equal(e.type, "InvalidSignatureException");
	assert_string_equal(e.message, "Signature expired: 20150830T123600Z is now earlier than "
			    "20150830T123601Z (20150830T124101Z - 5 min.)");
	assert_int_equal(verify(0, authz_of(0, "AKIDEXAMPLE", NULL), suite_keys, 2,
				SUITE_NOW - 301, &e), -1);
	assert_non_null(strstr(e.message, "Signature not yet current"));
}

static void test_verify_session_token(void **state)
{
	struct sigv4_error e;

	/* A token sent for a key that has none, and none sent for a key that has one. */
	assert_int_equal(verify(10, authz_of(10, "AKIDEXAMPLE", NULL), suite_keys, 2, SUITE_NOW, &e), -1);
	assert_string_equal(e.type, "UnrecognizedClientException");
	assert_int_equal(verify(0, authz_of(0, "AKIDEXAMPLE", NULL), token_key, 1, SUITE_NOW, &e), -1);
	assert_string_equal(e.type, "UnrecognizedClientException");
}

static void test_verify_scope(void **state)
{
	struct sigv4_header h[3] = { { "Host", "example.amazonaws.com" }, { "X-Amz-Date", DATE },
				     { "Authorization", NULL } };
	struct sigv4_request rq = { "GET", "/", "", h, 3, "", 0, false };
	struct sigv4_scope s = { "eu-west-1", "service", SUITE_NOW };
	const struct sigv4_key *k;
	struct sigv4_error e;

	h[2].value = authz_of(0, "AKIDEXAMPLE", NULL);
	assert_int_equal(sigv4_check_headers(&rq, &s, suite_keys, 2, &k, &e), -1);
	assert_non_null(strstr(e.message, "Credential should be scoped to a valid region"));
	s = (struct sigv4_scope){ "us-east-1", "lambda", SUITE_NOW };
	assert_int_equal(sigv4_check_headers(&rq, &s, suite_keys, 2, &k, &e), -1);
	assert_string_equal(e.message, "Credential should be scoped to correct service: 'lambda'. ");
	s.service = "service";
	assert_int_equal(sigv4_check_headers(&rq, &s, suite_keys, 2, &k, &e), 0);
	assert_ptr_equal(k, &suite_keys[1]);
	/* host must be signed */
	snprintf(authz_buf, sizeof(authz_buf), "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/" SCOPE
		 ", SignedHeaders=x-amz-date, Signature=00");
	assert_int_equal(sigv4_check_headers(&rq, &s, suite_keys, 2, &k, &e), -1);
	assert_non_null(strstr(e.message, "'Host'"));
}

/* The body is signed: a changed body breaks the signature. */
static void test_verify_body(void **state)
{
	static const char body[] = "{\"k\":1}";
	struct sigv4_header h[3] = { { "Host", "example.amazonaws.com" }, { "X-Amz-Date", DATE },
				     { "Authorization", NULL } };
	struct sigv4_request rq = { "POST", "/2015-03-31/functions/f/invocations", NULL, h, 2,
				    body, strlen(body), false };
	struct sigv4_scope s = { "us-east-1", "service", SUITE_NOW };
	const struct sigv4_key *k;
	struct sigv4_error e;
	char hash[65], sig[65], *creq, *sts;

	assert_int_equal(sigv4_sha256_hex(body, strlen(body), hash), 0);
	creq = sigv4_canonical_request(&rq, "host;x-amz-date", hash);
	sts = sigv4_string_to_sign(DATE, SCOPE, creq);
	assert_int_equal(sigv4_signature(SECRET, "20150830", "us-east-1", "service", sts, sig), 0);
	snprintf(authz_buf, sizeof(authz_buf), "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/" SCOPE
		 ", SignedHeaders=host;x-amz-date, Signature=%s", sig);
	h[2].value = authz_buf;
	rq.n_headers = 3;
	assert_int_equal(sigv4_verify(&rq, &s, suite_keys, 2, &k, &e), 0);
	rq.body = "{\"k\":2}";
	assert_int_equal(sigv4_verify(&rq, &s, suite_keys, 2, &k, &e), -1);
	assert_string_equal(e.type, "InvalidSignatureException");
	free(creq);
	free(sts);
}

/* What botocore 1.29 (S3SigV4Auth, SigV4Auth; Debian 12's python3-botocore)
 * signs, with the suite's key and date: the path as the SDK sends it (a
 * key percent-encoded once), the canonical URI it signs and its
 * signature. S3 signs the path encoded once, every other service encodes
 * it again (a Lambda ARN's ':' is %3A on the wire, %253A signed). */
struct sdk_case {
	const char *service, *method, *path, *query, *canon_uri, *canon_query, *sig;
};

static const struct sdk_case sdk_cases[] = {
	{ "s3", "GET", "/keys/a%20b%3Dc%2Bd.txt", "", "/keys/a%20b%3Dc%2Bd.txt", "",
	  "e7b9b3a063773372c934ec00760b9220b77502937f682867cc4a521fbe4c4934" },
	{ "s3", "PUT", "/keys/a%20b%3Dc%2Bd.txt", "", "/keys/a%20b%3Dc%2Bd.txt", "",
	  "a3a5b5426e4ba318110d92fd6e016e83b4f346628b06f08f9fce282877cacdd4" },
	{ "s3", "GET", "/keys/x%21%2A%27%28%29~.txt", "", "/keys/x%21%2A%27%28%29~.txt", "",
	  "2758b83a34299cc0472c90284890af8e6896dbac46d267187ba7b3cf60cacb9d" },
	{ "s3", "GET", "/keys/%C3%A9%E2%82%AC.txt", "", "/keys/%C3%A9%E2%82%AC.txt", "",
	  "1cb557b8d49e6caa33e9c49a82368e047257879f0be2a92f089add4261e332c3" },
	{ "s3", "GET", "/keys/dir//double.txt", "", "/keys/dir//double.txt", "",
	  "78603f035e2c4a52fc21411f38b9b506df543f9e5b87292a03435b072447dcf5" },
	{ "s3", "GET", "/keys", "list-type=2&prefix=a%20b%3Dc%2Bd&delimiter=%2F&encoding-type=url",
	  "/keys", "delimiter=%2F&encoding-type=url&list-type=2&prefix=a%20b%3Dc%2Bd",
	  "09426a44503bf459a10f939e6e4f91eb29482826625fc2a0c913db09234fb69b" },
	{ "lambda", "POST", "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012"
	  "%3Afunction%3Af/invocations", "", "/2015-03-31/functions/arn%253Aaws%253Alambda%253A"
	  "us-east-1%253A123456789012%253Afunction%253Af/invocations", "",
	  "74990d25f913171ad2eb23f96af66025e5c0ecae483a480405ed31671af0e2d8" },
};

/* The server accepts each, and its canonical URI and query are the SDK's. */
static void test_verify_sdk_paths(void **state)
{
	for (size_t i = 0; i < sizeof(sdk_cases) / sizeof(*sdk_cases); i++) {
		const struct sdk_case *c = &sdk_cases[i];
		bool s3 = !strcmp(c->service, "s3");
		const char *signed_h = s3 ? "host;x-amz-content-sha256;x-amz-date" : "host;x-amz-date";
		struct sigv4_header h[4] = { { "Host", "example.amazonaws.com" },
					     { "X-Amz-Date", DATE }, { "Authorization", authz_buf },
					     { "X-Amz-Content-Sha256", EMPTY_SHA } };
		struct sigv4_request rq = { c->method, c->path, c->query, h, s3 ? 4 : 3, "", 0, s3 };
		struct sigv4_scope s = { "us-east-1", c->service, SUITE_NOW };
		const struct sigv4_key *k;
		struct sigv4_error e;
		char want[512], *creq = sigv4_canonical_request(&rq, signed_h, EMPTY_SHA);

		print_message("%s %s %s?%s\n", c->service, c->method, c->path, c->query);
		snprintf(want, sizeof(want), "%s\n%s\n%s\n", c->method, c->canon_uri, c->canon_query);
		assert_non_null(creq);
		assert_memory_equal(creq, want, strlen(want));
		free(creq);
		snprintf(authz_buf, sizeof(authz_buf), "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/"
			 "20150830/us-east-1/%s/aws4_request, SignedHeaders=%s, Signature=%s",
			 c->service, signed_h, c->sig);
		rq.path_encoded_once = false;   /* sigv4_verify() decides from the scope */
		assert_int_equal(sigv4_verify(&rq, &s, suite_keys, 2, &k, &e), 0);
		assert_string_equal(k->access_key_id, "AKIDEXAMPLE");
	}
}

/* The signing key is kept per (secret, date, region, service), as AWS's
 * SDKs keep it: the same four again derive nothing; any one of them
 * changed derives a key of its own, and a secret changed under the same
 * access key id never signs with the old secret's key. */
static void test_signing_key_cache(void **state)
{
	const char *sts = "AWS4-HMAC-SHA256\n20150830T123600Z\n" SCOPE "\n"
			  "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63";
	char sig[65], other[65], again[65], name[16];
	unsigned long d;
	struct sigv4_error e;

	assert_int_equal(sigv4_signature(SECRET, "20150830", "us-east-1", "service", sts, sig), 0);
	d = sigv4_key_derivations();
	assert_int_equal(sigv4_signature(SECRET, "20150830", "us-east-1", "service", sts, sig), 0);
	assert_string_equal(sig, vectors[0].sig);   /* the kept key signs right */
	assert_int_equal(sigv4_key_derivations(), d);
	/* another secret, the same date, region, service: a key of its own */
	assert_int_equal(sigv4_signature("other-secret", "20150830", "us-east-1", "service", sts,
					 other), 0);
	assert_int_equal(sigv4_key_derivations(), d + 1);
	assert_string_not_equal(other, vectors[0].sig);
	/* a secret that starts like another is another */
	assert_int_equal(sigv4_signature(SECRET "x", "20150830", "us-east-1", "service", sts,
					 again), 0);
	assert_int_equal(sigv4_key_derivations(), d + 2);
	assert_string_not_equal(again, vectors[0].sig);
	/* each of date, region, service changed: a key each */
	assert_int_equal(sigv4_signature(SECRET, "20150801", "us-east-1", "service", sts, again), 0);
	assert_int_equal(sigv4_signature(SECRET, "20150830", "ap-south-2", "service", sts, again), 0);
	assert_int_equal(sigv4_signature(SECRET, "20150830", "us-east-1", "svcx", sts, again), 0);
	assert_int_equal(sigv4_key_derivations(), d + 5);
	/* both kept: each signs with its own */
	assert_int_equal(sigv4_signature(SECRET, "20150830", "us-east-1", "service", sts, sig), 0);
	assert_string_equal(sig, vectors[0].sig);
	assert_int_equal(sigv4_signature("other-secret", "20150830", "us-east-1", "service", sts,
					 again), 0);
	assert_string_equal(again, other);
	assert_int_equal(sigv4_key_derivations(), d + 5);
	/* more keys than are kept: the least recently used derived again,
	 * still right */
	for (int i = 0; i < 8; i++) {
		snprintf(name, sizeof(name), "svc%d", i);
		assert_int_equal(sigv4_signature(SECRET, "20150830", "us-east-1", name, sts, again), 0);
	}
	d = sigv4_key_derivations();
	assert_int_equal(sigv4_signature(SECRET, "20150830", "us-east-1", "service", sts, sig), 0);
	assert_string_equal(sig, vectors[0].sig);
	assert_int_equal(sigv4_key_derivations(), d + 1);
	/* verify: the same access key id with another secret is refused,
	 * though the right secret's key was just used for the same scope */
	assert_int_equal(verify(0, authz_of(0, "AKIDEXAMPLE", NULL), suite_keys, 2, SUITE_NOW, &e), 0);
	assert_int_equal(verify(0, authz_of(0, "AKIDOTHER", NULL), suite_keys, 2, SUITE_NOW, &e), -1);
	assert_string_equal(e.type, "InvalidSignatureException");
	static const struct sigv4_key rotated[] = { { "AKIDEXAMPLE", "a-new-secret", NULL } };
	assert_int_equal(verify(0, authz_of(0, "AKIDEXAMPLE", NULL), rotated, 1, SUITE_NOW, &e), -1);
	assert_string_equal(e.type, "InvalidSignatureException");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_suite_vectors),
		cmocka_unit_test(test_verify_accepts_suite_signatures),
		cmocka_unit_test(test_verify_refusals),
		cmocka_unit_test(test_verify_clock_skew),
		cmocka_unit_test(test_verify_session_token),
		cmocka_unit_test(test_verify_scope),
		cmocka_unit_test(test_verify_body),
		cmocka_unit_test(test_verify_sdk_paths),
		cmocka_unit_test(test_signing_key_cache),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
