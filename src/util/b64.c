/* Base64; see b64.h. */
#include <errno.h>
#include <stdlib.h>

#include "util/b64.h"
#include "util/dlib.h"

int b64_decode(const char *in, size_t n, char **out, size_t *len)
{
	unsigned char *buf;
	int err, got;

	*out = NULL;
	*len = 0;
	if (n % 4 || n > (size_t)1 << 30)
		return -EINVAL;
	if ((err = dlib_load(DLIB_CRYPTO)) < 0)
		return err;
	if (!(buf = malloc(n / 4 * 3 + 1)))
		return -ENOMEM;
	got = n ? sym_EVP_DecodeBlock(buf, (const unsigned char *)in, (int)n) : 0;
	if (got < 0) {
		free(buf);
		return -EINVAL;
	}
	/* EVP_DecodeBlock counts the padding as zero bytes. */
	for (size_t i = n; i > 0 && in[i - 1] == '='; i--)
		got--;
	buf[got] = '\0';
	*out = (char *)buf;
	*len = (size_t)got;
	return 0;
}

char *b64_encode(const void *p, size_t n)
{
	char *out;

	if (dlib_load(DLIB_CRYPTO) < 0 || !(out = malloc(4 * ((n + 2) / 3) + 1)))
		return NULL;
	sym_EVP_EncodeBlock((unsigned char *)out, p, (int)n);
	return out;
}
