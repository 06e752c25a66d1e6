/* The DNS keys of a topology (docs/DNS.md): a VPC's enable_dns_support and
 * enable_dns_hostnames, an internet host's dns_name. */
#include <ctype.h>
#include <string.h>


#include "model/topology_internal_json.h"

/* Suffixes of the names vpcsim's resolver makes itself: a host may not
 * claim one (it would shadow or be shadowed by a generated name). */
static const char *const reserved_suffixes[] = {
	"amazonaws.com", "ec2.internal", "compute.internal", NULL,
};

void parse_vpc_dns(struct parse *p, const cJSON *j, const char *path, struct vpc *v)
{
	char kp[PATH_LEN];

	v->dns_support = true;
	v->dns_hostnames = false;
	get_bool(p, j, path, "enable_dns_support", &v->dns_support);
	get_bool(p, j, path, "enable_dns_hostnames", &v->dns_hostnames);
	if (v->dns_hostnames && !v->dns_support)
		ERR(p, path_key(kp, path, "enable_dns_hostnames"), CODE_PARAM,
		    "You can only enable DNS hostnames if you've enabled DNS support: set "
		    "\"enable_dns_support\": true in this VPC, or \"enable_dns_hostnames\": false");
}

/* RFC 1123 host name: labels of 1..63 letters, digits and '-', not
 * starting or ending with '-', at least two labels, 253 bytes at most.
 * Returns NULL or what is wrong. */
static const char *hostname_problem(const char *s)
{
	size_t label = 0, n = strlen(s);
	int dots = 0;

	if (n == 0 || n > 253)
		return "it must be 1 to 253 characters long";
	for (size_t i = 0; i <= n; i++) {
		char c = s[i];

		if (c == '.' || c == '\0') {
			if (label == 0)
				return "it has an empty label (two dots in a row, or a dot at an end)";
			if (s[i - 1] == '-')
				return "a label ends with '-'";
			dots += c == '.';
			label = 0;
			continue;
		}
		if (!(islower((unsigned char)c) || isdigit((unsigned char)c) || c == '-'))
			return "only lowercase letters, digits, '-' and '.' are allowed";
		if (label == 0 && c == '-')
			return "a label starts with '-'";
		if (++label > 63)
			return "a label is longer than 63 characters";
	}
	return dots ? NULL : "it needs at least two labels (like api.example.com)";
}

static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && !strcmp(s + n - k, suffix) && (n == k || s[n - k - 1] == '.');
}

void parse_dns_name(struct parse *p, const cJSON *j, const char *path, struct internet_host *h)
{
	const char *s, *why;
	char kp[PATH_LEN];

	if (get_str(p, j, path, "dns_name", false, &s) != 1)
		return;
	path_key(kp, path, "dns_name");
	if ((why = hostname_problem(s))) {
		ERR(p, kp, CODE_PARAM, "The DNS name '%s' is invalid: %s", s, why);
		return;
	}
	for (int i = 0; reserved_suffixes[i]; i++)
		if (has_suffix(s, reserved_suffixes[i])) {
			ERR(p, kp, CODE_PARAM,
			    "The DNS name '%s' is under %s, whose names the VPC resolver makes itself: "
			    "choose a name outside it", s, reserved_suffixes[i]);
			return;
		}
	for (const struct internet_host *o = p->t->hosts; o < h; o++)
		if (o->dns_name && !strcmp(o->dns_name, s)) {
			ERR(p, kp, "DuplicateName",
			    "The DNS name '%s' is also internet host %s's: give each host its own", s,
			    o->name ? o->name : "?");
			return;
		}
	h->dns_name = topo_strdup(s);
}
