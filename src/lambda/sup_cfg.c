/* A supervisor's configuration as bytes; see lambda/sup_cfg.h. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lambda/sup_cfg.h"
#include "util/err.h"

#define SUP_CFG_MAGIC "vpcsup1"

struct sup_cfg_head {
	char magic[8];
	uint32_t cfg_size, n_argv, n_env, strings;
};

static size_t list_bytes(char **l, uint32_t *n)
{
	size_t b = 0;

	*n = 0;
	for (; l && l[*n]; (*n)++)
		b += strlen(l[*n]) + 1;
	return b;
}

static char *list_put(char *p, char **l, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		size_t k = strlen(l[i]) + 1;

		memcpy(p, l[i], k);
		p += k;
	}
	return p;
}

int sup_cfg_to_memfd(const struct sup_cfg *cfg)
{
	struct sup_cfg_head h = { SUP_CFG_MAGIC, sizeof(*cfg), 0, 0, 0 };
	size_t sa = list_bytes(cfg->argv, &h.n_argv), se = list_bytes(cfg->env, &h.n_env);
	size_t len = sizeof(h) + sizeof(*cfg) + sa + se;
	char *buf = malloc(len), *p;
	ssize_t w;
	int fd;

	if (!buf)
		return errf(ENOMEM, "the supervisor's configuration: out of memory (%zu bytes)", len);
	h.strings = (uint32_t)(sa + se);
	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), cfg, sizeof(*cfg));
	p = list_put(buf + sizeof(h) + sizeof(*cfg), cfg->argv, h.n_argv);
	list_put(p, cfg->env, h.n_env);
	fd = memfd_create("vpcsim-supervisor-config", MFD_CLOEXEC);
	if (fd < 0) {
		free(buf);
		return errf(errno, "the supervisor's configuration: memfd_create: %s", strerror(errno));
	}
	w = write(fd, buf, len);
	free(buf);
	if (w != (ssize_t)len || lseek(fd, 0, SEEK_SET) != 0) {
		int err = errf(w < 0 ? errno : EIO, "the supervisor's configuration: writing "
			       "%zu bytes to its memfd: %s", len, w < 0 ? strerror(errno) : "short write");

		close(fd);
		return err;
	}
	return fd;
}

/* n NUL-terminated strings from *p (before end) as a NULL-ended list. */
static int list_get(const char **p, const char *end, uint32_t n, char ***out)
{
	char **l = calloc((size_t)n + 1, sizeof(*l));

	if (!l)
		return errf(ENOMEM, "the supervisor's configuration: out of memory");
	for (uint32_t i = 0; i < n; i++) {
		const char *z = memchr(*p, '\0', (size_t)(end - *p));

		if (!z) {
			free(l);
			return errf(EINVAL, "the supervisor's configuration: string %u of %u "
				    "runs past the end", i + 1, n);
		}
		l[i] = (char *)*p;
		*p = z + 1;
	}
	*out = l;
	return 0;
}

int sup_cfg_decode(const char *buf, size_t len, struct sup_cfg *cfg)
{
	struct sup_cfg_head h;
	const char *p, *end;
	char *copy;
	int err;

	if (len < sizeof(h))
		return errf(EINVAL, "the supervisor's configuration: %zu bytes, less than its "
			    "head; it is written by vpcsim itself (supervisor_start)", len);
	memcpy(&h, buf, sizeof(h));
	if (memcmp(h.magic, SUP_CFG_MAGIC, sizeof(h.magic)) || h.cfg_size != sizeof(*cfg) ||
	    len != sizeof(h) + sizeof(*cfg) + h.strings)
		return errf(EINVAL, "the supervisor's configuration: not one this vpcsim wrote "
			    "(magic, size %u, length %zu); the supervisor is started by vpcsim itself",
			    h.cfg_size, len);
	/* Only the strings are copied (the lists point into them): the head
	 * and the fixed part (50 KB of mostly PATH_MAX arrays) stay in buf,
	 * which the caller frees, so a supervisor keeps one copy of its
	 * configuration, not two (issue 22: 1,000 of them). */
	if (!(copy = malloc((size_t)h.strings + 1)))
		return errf(ENOMEM, "the supervisor's configuration: out of memory");
	memcpy(copy, buf + sizeof(h) + sizeof(*cfg), h.strings);
	memcpy(cfg, buf + sizeof(h), sizeof(*cfg));
	p = copy;
	end = copy + h.strings;
	if ((err = list_get(&p, end, h.n_argv, &cfg->argv)) < 0 ||
	    (err = list_get(&p, end, h.n_env, &cfg->env)) < 0) {
		free(copy);
		return err;
	}
	return 0;
}

int sup_cfg_read_fd(int fd, char **buf, size_t *len)
{
	struct stat st;
	size_t got = 0;

	if (fstat(fd, &st) < 0)
		return errf(errno, "the supervisor's configuration at fd %d: fstat: %s", fd,
			    strerror(errno));
	if (!(*buf = malloc((size_t)st.st_size + 1)))
		return errf(ENOMEM, "the supervisor's configuration: out of memory");
	while (got < (size_t)st.st_size) {
		ssize_t r = pread(fd, *buf + got, (size_t)st.st_size - got, (off_t)got);

		if (r <= 0) {
			free(*buf);
			return errf(r < 0 ? errno : EIO, "the supervisor's configuration at fd %d: "
				    "read: %s", fd, r < 0 ? strerror(errno) : "short");
		}
		got += (size_t)r;
	}
	*len = got;
	return 0;
}
