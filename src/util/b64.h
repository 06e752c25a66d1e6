/* Base64 (RFC 4648, with padding) through libcrypto, opened on first use
 * (util/dlib.h): the Invoke API's client context, a streamed response's
 * error trailer, the log tail of the Invoke APIs. */
#ifndef VPCSIM_B64_H
#define VPCSIM_B64_H

#include <stddef.h>

/* Decode the n characters of `in` into a malloc'ed buffer, NUL-terminated
 * (*len bytes before the NUL). 0; -EINVAL when `in` is not base64 (a
 * length that is not a multiple of 4, a bad character); -ENOMEM; or
 * libcrypto's load error. */
int b64_decode(const char *in, size_t n, char **out, size_t *len);

/* The base64 text of n bytes, malloc'ed; NULL when out of memory or
 * libcrypto cannot be opened. */
char *b64_encode(const void *p, size_t n);

#endif
