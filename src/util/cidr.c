#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/cidr.h"

static bool parse_decimal(const char **p, unsigned max, unsigned *out)
{
	const char *s = *p;
	unsigned v = 0;
	int digits = 0;

	while (*s >= '0' && *s <= '9') {
		if (digits == 3 || (digits == 1 && v == 0))
			return false; /* too long, or a leading zero */
		v = v * 10 + (unsigned)(*s - '0');
		digits++;
		s++;
	}
	if (digits == 0 || v > max)
		return false;
	*p = s;
	*out = v;
	return true;
}

static bool parse_ip4_prefix(const char **p, uint32_t *out)
{
	uint32_t addr = 0;

	for (int i = 0; i < 4; i++) {
		unsigned octet;

		if (i > 0) {
			if (**p != '.')
				return false;
			(*p)++;
		}
		if (!parse_decimal(p, 255, &octet))
			return false;
		addr = addr << 8 | octet;
	}
	*out = addr;
	return true;
}

bool ip4_parse(const char *s, uint32_t *out)
{
	return s && parse_ip4_prefix(&s, out) && *s == '\0';
}

bool cidr_parse(const char *s, struct cidr *out, bool *canonical)
{
	uint32_t addr;
	unsigned len;

	if (!s || !parse_ip4_prefix(&s, &addr) || *s++ != '/')
		return false;
	if (!parse_decimal(&s, 32, &len) || *s != '\0')
		return false;
	out->addr = addr;
	out->len = (uint8_t)len;
	if (canonical)
		*canonical = (addr & ~cidr_mask(out->len)) == 0;
	return true;
}

const char *ip4_str(uint32_t a, char buf[IP4_STRLEN])
{
	snprintf(buf, IP4_STRLEN, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255,
		 (a >> 8) & 255, a & 255);
	return buf;
}

const char *cidr_str(struct cidr c, char buf[CIDR_STRLEN])
{
	char ip[IP4_STRLEN];

	/* The clamp tells gcc the prefix has at most two digits (it warns of
	 * truncation for a full uint8_t); valid prefixes are <= 32 anyway. */
	snprintf(buf, CIDR_STRLEN, "%s/%u", ip4_str(c.addr, ip),
		 c.len > 32 ? 32u : c.len);
	return buf;
}

uint32_t cidr_mask(uint8_t len)
{
	return len == 0 ? 0 : ~0u << (32 - len);
}

struct cidr cidr_canonical(struct cidr c)
{
	c.addr &= cidr_mask(c.len);
	return c;
}

uint64_t cidr_size(struct cidr c)
{
	return 1ull << (32 - c.len);
}

uint32_t cidr_last(struct cidr c)
{
	return (c.addr & cidr_mask(c.len)) | ~cidr_mask(c.len);
}

bool cidr_contains_ip(struct cidr c, uint32_t ip)
{
	return ((ip ^ c.addr) & cidr_mask(c.len)) == 0;
}

bool cidr_contains(struct cidr outer, struct cidr inner)
{
	return inner.len >= outer.len && cidr_contains_ip(outer, inner.addr);
}

bool cidr_overlaps(struct cidr a, struct cidr b)
{
	return cidr_contains(a, b) || cidr_contains(b, a);
}

bool subnet_reserved(struct cidr subnet, uint32_t ip)
{
	uint32_t base = subnet.addr & cidr_mask(subnet.len);

	return ip - base <= 3 || ip == cidr_last(subnet);
}

uint32_t subnet_router(struct cidr subnet)
{
	return (subnet.addr & cidr_mask(subnet.len)) + 1;
}

uint32_t subnet_usable(struct cidr subnet)
{
	uint64_t n = cidr_size(subnet);

	return n > 5 ? (uint32_t)(n - 5) : 0;
}
