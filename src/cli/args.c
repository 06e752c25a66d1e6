/* Arguments parsed strictly: numbers, template parameters. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "cli/cli.h"

bool template_parameter_add(void *over, char *arg)
{
	char *eq = strchr(arg, '=');

	if (!eq || eq == arg)
		return false;
	*eq = '\0';
	cJSON_AddStringToObject(over, arg, eq + 1);
	*eq = '=';
	return true;
}

bool parse_num(const char *s, long long lo, long long hi, long long *out)
{
	char *end;
	long long v;

	if (!s || !((*s >= '0' && *s <= '9') || (*s == '-' && s[1] >= '0' && s[1] <= '9')))
		return false;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}
