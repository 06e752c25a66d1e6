/* Namespace names and their owners: the scheme is in names.h. */
#include <stdio.h>
#include <string.h>

#include "model/names.h"

bool ns_component_ok(const char *s, size_t max)
{
	size_t n = 0;

	if (!s || !(s[0] >= 'a' && s[0] <= 'z'))
		return false;
	for (; s[n]; n++)
		if (!((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= '0' && s[n] <= '9') || s[n] == '-'))
			return false;
	return n <= max;
}

int ns_name(char *out, size_t size, const char *topo, const char *kind,
	    const char *part1, const char *part2, const char *part3)
{
	const char *parts[] = { part1, part2, part3 };
	size_t len;
	int n = snprintf(out, size, NS_PREFIX "%s.%s", topo, kind);

	if (n < 0 || (size_t)n >= size)
		return -1;
	len = (size_t)n;
	for (int i = 0; i < 3 && parts[i]; i++) {
		n = snprintf(out + len, size - len, ".%s", parts[i]);
		if (n < 0 || (size_t)n >= size - len)
			return -1;
		len += (size_t)n;
	}
	return (int)len;
}

bool ns_owner(const char *name, char owner[TOPO_NAME_MAX_LEN + 1])
{
	const char *topo, *dot;
	size_t n;

	if (strncmp(name, NS_PREFIX, strlen(NS_PREFIX)) != 0)
		return false;
	topo = name + strlen(NS_PREFIX);
	dot = strchr(topo, '.');
	if (!dot || dot[1] == '\0')
		return false;
	n = (size_t)(dot - topo);
	if (n == 0 || n > TOPO_NAME_MAX_LEN)
		return false;
	memcpy(owner, topo, n);
	owner[n] = '\0';
	return ns_component_ok(owner, TOPO_NAME_MAX_LEN);
}

bool ns_owned_by(const char *name, const char *topo)
{
	char owner[TOPO_NAME_MAX_LEN + 1];

	if (!topo)
		return strncmp(name, NS_PREFIX, strlen(NS_PREFIX)) == 0;
	return ns_owner(name, owner) && strcmp(owner, topo) == 0;
}

bool ns_is_container(const char *name)
{
	char owner[TOPO_NAME_MAX_LEN + 1];
	const char *dot = strchr(name, '.');

	return ns_owner(name, owner) && dot && !strncmp(dot, ".cni.", 5);
}
