/* Stable, non-cryptographic hashing of names: FNV-1a, 64 bit. Used where an
 * id must follow from names alone (ENI ids, log stream names). */
#ifndef VPCSIM_HASH_H
#define VPCSIM_HASH_H

#include <stdint.h>

#define FNV1A_OFFSET 0xcbf29ce484222325ull
#define FNV1A_PRIME  0x100000001b3ull

/* Continue hash h over the bytes of string s. */
static inline uint64_t fnv1a(uint64_t h, const char *s)
{
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= FNV1A_PRIME;
	}
	return h;
}

#endif
