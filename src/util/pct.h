/* Percent-encoding (RFC 3986 %XX), the decoding half: URIs and header
 * values as AWS's clients send them. */
#ifndef VPCSIM_PCT_H
#define VPCSIM_PCT_H

#include <stddef.h>

/* The value of one hex digit, -1 if c is not one. */
int pct_nibble(char c);

/* n bytes of s with each valid %XX made its byte ('+' stays '+', a '%'
 * not followed by two hex digits stays '%'), into out (room for n + 1
 * bytes; NUL-terminated). Returns the decoded length. */
size_t pct_decode(const char *s, size_t n, char *out);

#endif
