/* Optional libraries, opened on first use.
 *
 * libpq and libmariadb (rds engines), libarchive (code packages and images), libyaml
 * (templates, `import`), libmicrohttpd
 * (the Runtime API and `serve`) and libcrypto (base64, SHA-256 and HMAC for SigV4) serve a few verbs,
 * yet linked into the binary they cost every command its start: with what
 * they pull in (libpq alone brings 24 libraries) the dynamic loader took
 * 11 ms of each `vpcsim` run, against 2 ms without them
 * (docs/BENCHMARKS.md). So they are opened with dlopen() by the code that
 * needs them, as systemd does with its optional libraries: sym_NAME points
 * to the library's NAME, with NAME's own type from the library's header,
 * once dlib_load() of its library returned 0.
 *
 * Include this header instead of the libraries' own. */
#ifndef VPCSIM_DLIB_H
#define VPCSIM_DLIB_H

#include <archive.h>
#include <archive_entry.h>
#include <libpq-fe.h>
#include <mysql.h>
#include <microhttpd.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <yaml.h>

/* DLIB_X509 is libcrypto again, for the AWS zone's certificates (aws/ca.c):
 * its own list, so the ones who use only base64 resolve only that. */
/* DLIB_SSL is libssl, for a CloudFront distribution's HTTPS to the HTTP API
 * (aws/cf_origin.c). */
enum dlib_id { DLIB_PQ, DLIB_MARIADB, DLIB_ARCHIVE, DLIB_MHD, DLIB_CRYPTO, DLIB_X509, DLIB_YAML,
	       DLIB_SSL, DLIB__COUNT };

#define DLIB_PQ_SYMS(X) \
	X(PQclear) X(PQconnectdbParams) X(PQencryptPasswordConn) X(PQerrorMessage) \
	X(PQescapeIdentifier) X(PQescapeLiteral) X(PQexec) X(PQexecParams) X(PQfinish) \
	X(PQfnumber) X(PQfreemem) X(PQgetisnull) X(PQgetvalue) X(PQntuples) \
	X(PQresultStatus) X(PQstatus)

#define DLIB_MARIADB_SYMS(X) \
	X(mysql_init) X(mysql_options) X(mysql_real_connect) X(mysql_error) X(mysql_query) \
	X(mysql_store_result) X(mysql_fetch_row) X(mysql_free_result) X(mysql_close)

#define DLIB_ARCHIVE_SYMS(X) \
	X(archive_error_string) X(archive_read_free) X(archive_read_support_format_all) \
	X(archive_read_support_format_tar) X(archive_read_support_format_zip) \
	X(archive_read_support_filter_gzip) \
	X(archive_read_support_filter_zstd) X(archive_read_support_filter_xz) \
	X(archive_read_support_filter_bzip2) X(archive_read_open_filename) \
	X(archive_read_open_fd) X(archive_read_open_memory) X(archive_read_open) \
	X(archive_read_next_header) X(archive_read_new) X(archive_read_data_skip) \
	X(archive_read_data) X(archive_read_data_block) X(archive_entry_filetype) \
	X(archive_entry_size) X(archive_entry_perm) X(archive_entry_pathname) \
	X(archive_entry_symlink) X(archive_entry_hardlink) X(archive_entry_mtime)

#define DLIB_MHD_SYMS(X) \
	X(MHD_add_response_header) X(MHD_lookup_connection_value) X(MHD_queue_response) \
	X(MHD_get_connection_values) \
	X(MHD_destroy_response) X(MHD_create_response_from_buffer) X(MHD_start_daemon) \
	X(MHD_stop_daemon) X(MHD_get_connection_values) X(MHD_suspend_connection) \
	X(MHD_resume_connection) X(MHD_get_connection_info) \
	X(MHD_create_response_from_callback)

#define DLIB_CRYPTO_SYMS(X) X(EVP_EncodeBlock) X(EVP_DecodeBlock) X(EVP_Digest) X(EVP_sha256) X(EVP_sha1) \
	X(HMAC) X(CRYPTO_memcmp)

#define DLIB_X509_SYMS(X) \
	X(EVP_PKEY_Q_keygen) X(EVP_PKEY_free) X(X509_new) X(X509_free) \
	X(X509_set_version) X(X509_get_serialNumber) X(ASN1_INTEGER_set) X(X509_gmtime_adj) \
	X(X509_getm_notBefore) X(X509_getm_notAfter) X(X509_set_pubkey) \
	X(X509_get_subject_name) X(X509_set_issuer_name) X(X509_NAME_add_entry_by_txt) \
	X(X509V3_set_ctx) X(X509V3_EXT_conf_nid) X(X509_add_ext) X(X509_EXTENSION_free) \
	X(X509_sign) X(EVP_get_digestbyname) X(PEM_write_X509) X(PEM_write_PrivateKey) X(PEM_read_X509) \
	X(PEM_read_PrivateKey)

#define DLIB_YAML_SYMS(X) \
	X(yaml_parser_initialize) X(yaml_parser_set_input_string) X(yaml_parser_parse) \
	X(yaml_event_delete) X(yaml_parser_delete)

#define DLIB_SSL_SYMS(X) \
	X(TLS_client_method) X(SSL_CTX_new) X(SSL_CTX_free) X(SSL_CTX_load_verify_locations) \
	X(SSL_CTX_set_verify) X(SSL_new) X(SSL_free) X(SSL_set_fd) X(SSL_ctrl) X(SSL_set1_host) \
	X(SSL_connect) X(SSL_read) X(SSL_write) X(SSL_get_error) X(SSL_get_verify_result) \
	X(SSL_shutdown) X(X509_verify_cert_error_string)

#define DLIB_DECLARE(f) extern __typeof__(f) *sym_##f;
DLIB_PQ_SYMS(DLIB_DECLARE)
DLIB_MARIADB_SYMS(DLIB_DECLARE)
DLIB_ARCHIVE_SYMS(DLIB_DECLARE)
DLIB_MHD_SYMS(DLIB_DECLARE)
DLIB_CRYPTO_SYMS(DLIB_DECLARE)
DLIB_X509_SYMS(DLIB_DECLARE)
DLIB_YAML_SYMS(DLIB_DECLARE)
DLIB_SSL_SYMS(DLIB_DECLARE)
#undef DLIB_DECLARE

/* Open library `id` and resolve its sym_ pointers, once per process (safe
 * from several threads). 0, or -errno with a message naming the library,
 * the loader's own words and the Debian package that provides it. */
int dlib_load(enum dlib_id id);

#endif
