#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/err.h"

static __thread char err_buf[1024];

static int negative(int code)
{
	return code > 0 ? -code : (code == 0 ? -EINVAL : code);
}

int errf(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err_buf, sizeof(err_buf), fmt, ap);
	va_end(ap);
	return negative(code);
}

int errf_prefix(int code, const char *fmt, ...)
{
	char prefix[512], old[sizeof(err_buf)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, err_buf, sizeof(old));
	/* Mark a cut message; using the length also answers gcc's
	 * -Wformat-truncation, which the build treats as an error. */
	if (snprintf(err_buf, sizeof(err_buf), "%s: %s", prefix, old) >=
	    (int)sizeof(err_buf))
		memcpy(err_buf + sizeof(err_buf) - 4, "...", 4);
	return negative(code);
}

const char *err_msg(void)
{
	return err_buf[0] ? err_buf : "unknown error";
}

void err_clear(void)
{
	err_buf[0] = '\0';
}
