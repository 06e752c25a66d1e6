/* SCRAM-SHA-256, the server's side of PostgreSQL's SASL exchange
 * (RFC 5802 with SHA-256 as RFC 7677, PostgreSQL's "Frontend/Backend
 * protocol: SASL Authentication"). The primitives are libcrypto's
 * (PBKDF2, HMAC, SHA-256, base64, RAND_bytes, CRYPTO_memcmp); this file
 * only strings the messages together. Channel binding (-PLUS) is not
 * offered, so clients send "n,," or "y,,". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "rdsproxy/proxy.h"

#define ITERATIONS 4096            /* PostgreSQL's scram_iterations default */
#define KEY_LEN 32
#define NONCE_RAW 18
#define SALT_LEN 16
#define AUTH_SASL 10
#define AUTH_SASL_CONTINUE 11
#define AUTH_SASL_FINAL 12
#define MECHANISM "SCRAM-SHA-256"

struct exchange {
	char gs2[64];              /* "n,," or "y,,", as the client sent it */
	char first_bare[512];      /* client-first-message-bare */
	char server_first[512];
	char nonce[256];           /* the client's and ours */
	unsigned char salt[SALT_LEN];
};

static int b64(const unsigned char *p, int n, char *out)
{
	return EVP_EncodeBlock((unsigned char *)out, p, n);
}

static int auth_msg(struct end *e, uint32_t code, const char *data)
{
	size_t n = strlen(data);
	char body[600];
	uint32_t c = htonl(code);

	if (n + 4 > sizeof(body))
		return -1;
	memcpy(body, &c, 4);
	memcpy(body + 4, data, n);
	return msg_write(e, 'R', body, (uint32_t)(n + 4));
}

/* The SASLInitialResponse: mechanism, then the client-first-message. */
static int read_first(struct end *e, struct exchange *x)
{
	char type, *body = NULL, *data, *bare, nonce_raw[NONCE_RAW], ours[64];
	uint32_t len, dlen;
	int rc = -2;

	if (msg_read(e, &type, &body, &len, 60000) < 0 || type != 'p')
		goto out;
	if (strnlen(body, len) >= len || strcmp(body, MECHANISM))
		goto out;
	data = body + strlen(body) + 1;
	if ((size_t)(data - body) + 4 > len)
		goto out;
	memcpy(&dlen, data, 4);
	dlen = ntohl(dlen);
	data += 4;
	if (dlen != len - (uint32_t)(data - body) || dlen >= sizeof(x->first_bare))
		goto out;
	data[dlen] = '\0';
	/* gs2 header: "n,," or "y,,"; an authzid is refused as PostgreSQL does */
	if ((data[0] != 'n' && data[0] != 'y') || strncmp(data + 1, ",,", 2))
		goto out;
	snprintf(x->gs2, sizeof(x->gs2), "%.3s", data);
	bare = data + 3;
	snprintf(x->first_bare, sizeof(x->first_bare), "%s", bare);
	data = strstr(bare, ",r=");
	if (!data || strchr(data + 3, ','))
		goto out;
	if (RAND_bytes((unsigned char *)nonce_raw, NONCE_RAW) != 1 ||
	    RAND_bytes(x->salt, SALT_LEN) != 1)
		goto out;
	b64((unsigned char *)nonce_raw, NONCE_RAW, ours);
	if (strlen(data + 3) + strlen(ours) >= sizeof(x->nonce))
		goto out;
	snprintf(x->nonce, sizeof(x->nonce), "%s%s", data + 3, ours);
	rc = 0;
out:
	free(body);
	return rc;
}

static int keys(const char *password, const unsigned char *salt, unsigned char stored[KEY_LEN],
		unsigned char server[KEY_LEN])
{
	unsigned char salted[KEY_LEN], client[KEY_LEN];
	unsigned int n = KEY_LEN;

	if (PKCS5_PBKDF2_HMAC(password, (int)strlen(password), salt, SALT_LEN, ITERATIONS,
			      EVP_sha256(), KEY_LEN, salted) != 1)
		return -1;
	if (!HMAC(EVP_sha256(), salted, KEY_LEN, (const unsigned char *)"Client Key", 10, client, &n) ||
	    !HMAC(EVP_sha256(), salted, KEY_LEN, (const unsigned char *)"Server Key", 10, server, &n))
		return -1;
	SHA256(client, KEY_LEN, stored);
	OPENSSL_cleanse(salted, sizeof(salted));
	OPENSSL_cleanse(client, sizeof(client));
	return 0;
}

/* The client-final-message: check channel binding, nonce and proof;
 * answer the server's signature. */
static int check_final(struct end *e, struct exchange *x, const char *password)
{
	unsigned char stored[KEY_LEN], server[KEY_LEN], sig[KEY_LEN], proof[KEY_LEN + 3];
	unsigned char client_key[KEY_LEN], check[KEY_LEN];
	char type, *body = NULL, *p, auth[2048], cb[64], reply[128];
	unsigned int n = KEY_LEN;
	uint32_t len;
	int rc = -2;

	if (msg_read(e, &type, &body, &len, 60000) < 0 || type != 'p')
		goto out;
	p = strstr(body, ",p=");
	b64((const unsigned char *)x->gs2, (int)strlen(x->gs2), cb);
	if (!p || strncmp(body, "c=", 2) || strncmp(body + 2, cb, strlen(cb)) ||
	    strncmp(body + 2 + strlen(cb), ",r=", 3) ||
	    strncmp(body + 5 + strlen(cb), x->nonce, strlen(x->nonce)) ||
	    p != body + 5 + strlen(cb) + strlen(x->nonce) ||
	    strlen(p + 3) != 44 || EVP_DecodeBlock(proof, (unsigned char *)p + 3, 44) != KEY_LEN + 1)
		goto out;
	*p = '\0';
	if ((size_t)snprintf(auth, sizeof(auth), "%s,%s,%s", x->first_bare, x->server_first, body) >=
	    sizeof(auth) || keys(password, x->salt, stored, server) < 0)
		goto out;
	HMAC(EVP_sha256(), stored, KEY_LEN, (unsigned char *)auth, strlen(auth), sig, &n);
	for (int i = 0; i < KEY_LEN; i++)
		client_key[i] = proof[i] ^ sig[i];
	SHA256(client_key, KEY_LEN, check);
	if (CRYPTO_memcmp(check, stored, KEY_LEN)) {
		rc = -1;
		goto out;
	}
	HMAC(EVP_sha256(), server, KEY_LEN, (unsigned char *)auth, strlen(auth), sig, &n);
	memcpy(reply, "v=", 2);
	b64(sig, KEY_LEN, reply + 2);
	rc = auth_msg(e, AUTH_SASL_FINAL, reply) < 0 ? -2 : 0;
out:
	free(body);
	return rc;
}

int scram_server(struct end *e, const char *password)
{
	static const char mech[] = MECHANISM "\0";
	char body[4 + sizeof(mech)], salt[32];
	uint32_t code = htonl(AUTH_SASL);
	struct exchange x;
	int rc;

	memset(&x, 0, sizeof(x));
	memcpy(body, &code, 4);
	memcpy(body + 4, mech, sizeof(mech));
	if (msg_write(e, 'R', body, sizeof(body)) < 0 || read_first(e, &x) < 0)
		return -2;
	b64(x.salt, SALT_LEN, salt);
	snprintf(x.server_first, sizeof(x.server_first), "r=%s,s=%s,i=%d", x.nonce, salt,
		 ITERATIONS);
	if (auth_msg(e, AUTH_SASL_CONTINUE, x.server_first) < 0)
		return -2;
	rc = check_final(e, &x, password);
	OPENSSL_cleanse(&x, sizeof(x));
	return rc;
}
