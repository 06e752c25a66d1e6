/* Archive member names; see pkgpath.h. */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "lambda/pkgpath.h"

/* Append component [c, c+n) to out (length *len). */
static int push(char *out, size_t size, size_t *len, const char *c, size_t n, int *depth)
{
	if (n > NAME_MAX || ++*depth > PKGPATH_DEPTH_MAX || *len + n + 2 > size)
		return -ENAMETOOLONG;
	if (*len)
		out[(*len)++] = '/';
	memcpy(out + *len, c, n);
	*len += n;
	out[*len] = '\0';
	return 0;
}

int pkgpath_clean(const char *in, char *out, size_t size)
{
	size_t len = 0, n;
	int depth = 0, err;

	if (size == 0)
		return -ENAMETOOLONG;
	out[0] = '\0';
	if (!in || in[0] == '/')
		return -EINVAL;
	for (const char *p = in; *p; p += n) {
		while (*p == '/')
			p++;
		n = strcspn(p, "/");
		if (n == 0 || (n == 1 && p[0] == '.'))
			continue;
		if (n == 2 && p[0] == '.' && p[1] == '.')
			return -EINVAL;
		if ((err = push(out, size, &len, p, n, &depth)) < 0)
			return err;
	}
	return (int)len;
}

enum pkgpath_whiteout pkgpath_whiteout(const char *clean, char *dir, size_t size,
				       const char **name)
{
	const char *slash = strrchr(clean, '/'), *base = slash ? slash + 1 : clean;
	size_t dlen = slash ? (size_t)(slash - clean) : 0;

	*name = NULL;
	if (strncmp(base, ".wh.", 4))
		return WH_NONE;
	snprintf(dir, size, "%.*s", (int)dlen, clean);
	if (!strcmp(base, ".wh..wh..opq"))
		return WH_OPAQUE;
	base += 4;
	if (base[0] && strcmp(base, ".") && strcmp(base, ".."))
		*name = base;
	return WH_FILE;
}

static bool alg_ok(const char *s, size_t n)
{
	bool sep_ok = false;

	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
			sep_ok = true;
		} else if (strchr("+._-", c) && sep_ok) {
			sep_ok = false;
		} else {
			return false;
		}
	}
	return n > 0 && sep_ok;
}

static bool encoded_ok(const char *s)
{
	size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789=_-");

	return n > 0 && s[n] == '\0';
}

int pkgpath_digest(const char *digest, char *out, size_t size)
{
	const char *colon = digest ? strchr(digest, ':') : NULL;

	if (!colon || !alg_ok(digest, (size_t)(colon - digest)) || !encoded_ok(colon + 1))
		return -EINVAL;
	if (snprintf(out, size, "blobs/%.*s/%s", (int)(colon - digest), digest, colon + 1) >=
	    (int)size)
		return -ENAMETOOLONG;
	return 0;
}

int pkgpath_link(const char *link, const char *target, char *out, size_t size)
{
	const char *slash = strrchr(link, '/');
	size_t len = slash ? (size_t)(slash - link) : 0, n;
	int depth = 0, err;

	if (!target || target[0] == '/' || len + 1 > size)
		return -EINVAL;
	memcpy(out, link, len);
	out[len] = '\0';
	for (const char *c = out; *c; c++)
		depth += *c == '/';
	depth += len > 0;
	for (const char *p = target; *p; p += n) {
		while (*p == '/')
			p++;
		n = strcspn(p, "/");
		if (n == 0 || (n == 1 && p[0] == '.'))
			continue;
		if (n == 2 && p[0] == '.' && p[1] == '.') {
			char *up = strrchr(out, '/');

			if (len == 0)
				return -EINVAL;
			len = up ? (size_t)(up - out) : 0;
			out[len] = '\0';
			depth--;
			continue;
		}
		if ((err = push(out, size, &len, p, n, &depth)) < 0)
			return err;
	}
	return (int)len;
}
