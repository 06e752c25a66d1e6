/* The AWS zone's CA; see ca.h. EC P-256 keys: generated in a millisecond,
 * accepted by OpenSSL, GnuTLS (the front) and Node alike. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aws/ca.h"
#include "model/aws_zone.h"
#include "model/cloudfront.h"
#include "util/dlib.h"
#include "util/err.h"
#include "util/paths.h"

#define CA_DAYS 3650
#define SAN_MAX 16384

static int add_ext(X509 *issuer, X509 *cert, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;
	int ok;

	sym_X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
	ext = sym_X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (!ext)
		return errf(EINVAL, "certificate extension %d '%.60s' refused by libcrypto", nid, value);
	ok = sym_X509_add_ext(cert, ext, -1);
	sym_X509_EXTENSION_free(ext);
	return ok ? 0 : errf(ENOMEM, "adding certificate extension %d", nid);
}

/* A certificate for key's public half named cn, issued by issuer
 * (NULL: self-issued); signed afterwards. */
static X509 *cert_new(EVP_PKEY *key, const char *cn, X509 *issuer, long serial)
{
	X509 *x = sym_X509_new();

	if (!x)
		return NULL;
	sym_X509_set_version(x, 2);
	sym_ASN1_INTEGER_set(sym_X509_get_serialNumber(x), serial);
	sym_X509_gmtime_adj(sym_X509_getm_notBefore(x), -3600);
	sym_X509_gmtime_adj(sym_X509_getm_notAfter(x), (long)CA_DAYS * 86400);
	sym_X509_set_pubkey(x, key);
	sym_X509_NAME_add_entry_by_txt(sym_X509_get_subject_name(x), "O", MBSTRING_ASC,
				       (const unsigned char *)"vpcsim", -1, -1, 0);
	sym_X509_NAME_add_entry_by_txt(sym_X509_get_subject_name(x), "CN", MBSTRING_ASC,
				       (const unsigned char *)cn, -1, -1, 0);
	sym_X509_set_issuer_name(x, sym_X509_get_subject_name(issuer ? issuer : x));
	return x;
}

/* The server's names: every service name, the wildcards that cover the
 * buckets not listed in the topology, and interface endpoints' names. */
static void san_list(const struct topology *t, char *out, size_t len)
{
	char host[AWS_HOST_MAX];
	size_t n = 0;

	n += (size_t)snprintf(out + n, len - n, "DNS:*.%s.amazonaws.com,DNS:*.s3.%s.amazonaws.com,"
			      "DNS:*.s3.amazonaws.com,DNS:*.amazonaws.com", t->region, t->region);
	for (int s = 0; s < AWS_SERVICE_COUNT && n < len; s++) {
		for (int i = 0; aws_serves(t, s) && aws_service_host(t, s, i, host) && n < len; i++)
			n += (size_t)snprintf(out + n, len - n, ",DNS:%s", host);
		/* interface endpoints' own names (vpce-ID-X.SERVICE.REGION.vpce...) */
		if (aws_serves(t, s) && n < len)
			n += (size_t)snprintf(out + n, len - n, ",DNS:*.%s.%s.vpce.amazonaws.com",
					      aws_service_name(s), t->region);
	}
	/* CloudFront's own certificate covers *.cloudfront.net */
	if (t->n_cloudfront && n < len)
		n += (size_t)snprintf(out + n, len - n, ",DNS:*.%s", CF_DOMAIN_SUFFIX);
}

static int write_pem(const char *dir, const char *name, X509 *cert, EVP_PKEY *key)
{
	char path[4096];
	FILE *f;
	int fd, ok;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, key ? 0600 : 0644);
	if (fd < 0 || !(f = fdopen(fd, "w"))) {
		if (fd >= 0)
			close(fd);
		return errf(errno, "writing %s: %s", path, strerror(errno));
	}
	ok = key ? sym_PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL)
		 : sym_PEM_write_X509(f, cert);
	if (fclose(f) != 0 || !ok)
		return errf(EIO, "writing %s: libcrypto could not write it", path);
	return 0;
}

/* ca-bundle.pem: the system's bundle, then ours. */
static int write_bundle(const char *dir)
{
	char path[4096], buf[65536];
	int out, in, err = 0;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, AWS_CA_BUNDLE);
	out = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (out < 0)
		return errf(errno, "writing %s: %s", path, strerror(errno));
	for (int k = 0; k < 2 && !err; k++) {
		char src[4096];

		if (k == 0)
			snprintf(src, sizeof(src), "%s", SYSTEM_CA_BUNDLE);
		else
			snprintf(src, sizeof(src), "%s/%s", dir, AWS_CA_CERT);
		in = open(src, O_RDONLY | O_CLOEXEC);
		if (in < 0) {
			if (k == 0 && errno == ENOENT)
				continue; /* no system CAs: ours alone */
			err = errf(errno, "reading %s: %s", src, strerror(errno));
			break;
		}
		while ((n = read(in, buf, sizeof(buf))) > 0)
			if (write(out, buf, (size_t)n) != n) {
				err = errf(EIO, "writing %s", path);
				break;
			}
		close(in);
	}
	if (close(out) < 0 && !err)
		err = errf(errno, "writing %s: %s", path, strerror(errno));
	return err;
}

static int sign_all(const struct topology *t, const char *dir, EVP_PKEY *ca_key, EVP_PKEY *key)
{
	static char san[SAN_MAX];
	X509 *ca = cert_new(ca_key, "vpcsim AWS zone CA", NULL, 1), *srv = NULL;
	char cn[128];
	int err = ca ? 0 : errf(ENOMEM, "making the CA certificate");

	snprintf(cn, sizeof(cn), "vpcsim %s AWS services", t->name);
	if (!err)
		err = add_ext(ca, ca, NID_basic_constraints, "critical,CA:TRUE");
	if (!err)
		err = add_ext(ca, ca, NID_key_usage, "critical,keyCertSign,cRLSign");
	if (!err)
		err = add_ext(ca, ca, NID_subject_key_identifier, "hash");
	if (!err && !sym_X509_sign(ca, ca_key, sym_EVP_get_digestbyname("SHA256")))
		err = errf(EINVAL, "signing the CA certificate");
	if (!err && !(srv = cert_new(key, cn, ca, 2)))
		err = errf(ENOMEM, "making the server certificate");
	san_list(t, san, sizeof(san));
	if (!err)
		err = add_ext(ca, srv, NID_subject_alt_name, san);
	if (!err)
		err = add_ext(ca, srv, NID_ext_key_usage, "serverAuth");
	if (!err)
		err = add_ext(ca, srv, NID_subject_key_identifier, "hash");
	if (!err)
		err = add_ext(ca, srv, NID_authority_key_identifier, "keyid:always");
	if (!err && !sym_X509_sign(srv, ca_key, sym_EVP_get_digestbyname("SHA256")))
		err = errf(EINVAL, "signing the server certificate");
	if (!err)
		err = write_pem(dir, AWS_CA_CERT, ca, NULL);
	if (!err)
		err = write_pem(dir, AWS_SERVER_CERT, srv, NULL);
	if (!err)
		err = write_pem(dir, AWS_SERVER_KEY, NULL, key);
	if (ca)
		sym_X509_free(ca);
	if (srv)
		sym_X509_free(srv);
	return err;
}

int aws_ca_make(const struct topology *t, const char *dir)
{
	EVP_PKEY *ca_key, *key;
	int err = dlib_load(DLIB_X509);

	if (err < 0)
		return err;
	ca_key = sym_EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	key = sym_EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	if (!ca_key || !key)
		err = errf(ENOMEM, "generating the AWS zone's keys (libcrypto)");
	else
		err = sign_all(t, dir, ca_key, key);
	if (ca_key)
		sym_EVP_PKEY_free(ca_key);
	if (key)
		sym_EVP_PKEY_free(key);
	return err ? err : write_bundle(dir);
}
