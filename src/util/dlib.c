/* Optional libraries, opened on first use: see dlib.h. */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "util/dlib.h"
#include "util/err.h"

#define DLIB_DEFINE(f) __typeof__(f) *sym_##f;
DLIB_PQ_SYMS(DLIB_DEFINE)
DLIB_MARIADB_SYMS(DLIB_DEFINE)
DLIB_ARCHIVE_SYMS(DLIB_DEFINE)
DLIB_MHD_SYMS(DLIB_DEFINE)
DLIB_CRYPTO_SYMS(DLIB_DEFINE)
DLIB_X509_SYMS(DLIB_DEFINE)
DLIB_YAML_SYMS(DLIB_DEFINE)
DLIB_SSL_SYMS(DLIB_DEFINE)

struct dlib_sym {
	const char *name;
	void **ptr;
};

#define DLIB_ENTRY(f) { #f, (void **)&sym_##f },
static const struct dlib_sym pq_syms[] = { DLIB_PQ_SYMS(DLIB_ENTRY) };
static const struct dlib_sym mariadb_syms[] = { DLIB_MARIADB_SYMS(DLIB_ENTRY) };
static const struct dlib_sym archive_syms[] = { DLIB_ARCHIVE_SYMS(DLIB_ENTRY) };
static const struct dlib_sym mhd_syms[] = { DLIB_MHD_SYMS(DLIB_ENTRY) };
static const struct dlib_sym crypto_syms[] = { DLIB_CRYPTO_SYMS(DLIB_ENTRY) };
static const struct dlib_sym x509_syms[] = { DLIB_X509_SYMS(DLIB_ENTRY) };
static const struct dlib_sym yaml_syms[] = { DLIB_YAML_SYMS(DLIB_ENTRY) };
static const struct dlib_sym ssl_syms[] = { DLIB_SSL_SYMS(DLIB_ENTRY) };

#define N(a) (sizeof(a) / sizeof(*(a)))

static const struct dlib {
	const char *soname, *package;
	const struct dlib_sym *syms;
	size_t n;
} libs[DLIB__COUNT] = {
	[DLIB_PQ] = { "libpq.so.5", "libpq5", pq_syms, N(pq_syms) },
	[DLIB_MARIADB] = { "libmariadb.so.3", "libmariadb3", mariadb_syms, N(mariadb_syms) },
	[DLIB_ARCHIVE] = { "libarchive.so.13", "libarchive13", archive_syms, N(archive_syms) },
	[DLIB_MHD] = { "libmicrohttpd.so.12", "libmicrohttpd12", mhd_syms, N(mhd_syms) },
	[DLIB_CRYPTO] = { "libcrypto.so.3", "libssl3", crypto_syms, N(crypto_syms) },
	[DLIB_X509] = { "libcrypto.so.3", "libssl3", x509_syms, N(x509_syms) },
	[DLIB_YAML] = { "libyaml-0.so.2", "libyaml-0-2", yaml_syms, N(yaml_syms) },
	[DLIB_SSL] = { "libssl.so.3", "libssl3", ssl_syms, N(ssl_syms) },
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static bool loaded[DLIB__COUNT];

int dlib_load(enum dlib_id id)
{
	const struct dlib *l = &libs[id];
	int err = 0;
	void *h;

	pthread_mutex_lock(&lock);
	if (loaded[id])
		goto out;
	/* Kept open for the life of the process: never dlclose()d. */
	h = dlopen(l->soname, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		err = errf(ENOENT, "loading %s: %s (install the package %s)", l->soname,
			   dlerror(), l->package);
		goto out;
	}
	for (size_t i = 0; i < l->n; i++) {
		*l->syms[i].ptr = dlsym(h, l->syms[i].name);
		if (!*l->syms[i].ptr) {
			err = errf(ENOSYS, "loading %s: no symbol %s in it (package %s too old?)",
				   l->soname, l->syms[i].name, l->package);
			goto out;
		}
	}
	loaded[id] = true;
out:
	pthread_mutex_unlock(&lock);
	return err;
}
