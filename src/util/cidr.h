/* IPv4 addresses and prefixes in host byte order, and the arithmetic the
 * topology rules need (containment, overlap, reserved addresses). */
#ifndef VPCSIM_CIDR_H
#define VPCSIM_CIDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cidr {
	uint32_t addr; /* host byte order; network address once canonical */
	uint8_t len;   /* 0..32 */
};

#define IP4_STRLEN 16   /* "255.255.255.255" + NUL */
#define CIDR_STRLEN 19  /* "255.255.255.255/32" + NUL */

/* Parse "a.b.c.d" strictly (four decimal octets, no leading junk). */
bool ip4_parse(const char *s, uint32_t *out);
/* Parse "a.b.c.d/n". *canonical is set false when host bits are set; the
 * stored address keeps them so the caller can report the input as given. */
bool cidr_parse(const char *s, struct cidr *out, bool *canonical);

const char *ip4_str(uint32_t addr, char buf[IP4_STRLEN]);
const char *cidr_str(struct cidr c, char buf[CIDR_STRLEN]);

uint32_t cidr_mask(uint8_t len);
struct cidr cidr_canonical(struct cidr c);
uint64_t cidr_size(struct cidr c);           /* number of addresses */
uint32_t cidr_last(struct cidr c);           /* broadcast address */
bool cidr_contains_ip(struct cidr c, uint32_t ip);
bool cidr_contains(struct cidr outer, struct cidr inner);
bool cidr_overlaps(struct cidr a, struct cidr b);

/* AWS reserves network, +1 (router), +2 (DNS), +3 (future) and broadcast. */
bool subnet_reserved(struct cidr subnet, uint32_t ip);
uint32_t subnet_router(struct cidr subnet);  /* +1 */
uint32_t subnet_usable(struct cidr subnet);  /* size - 5 */

#endif
