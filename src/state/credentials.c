/* A topology's admin key pair; see credentials.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "state/credentials.h"
#include "util/err.h"
#include "util/fs.h"

/* n characters drawn uniformly from alphabet (its length a power of 2). */
static int random_text(char *out, size_t n, const char *alphabet)
{
	unsigned char r[64];
	size_t a = strlen(alphabet);

	if (n > sizeof(r) || getrandom(r, n, 0) != (ssize_t)n)
		return errf(EIO, "getrandom: %s", strerror(errno));
	for (size_t i = 0; i < n; i++)
		out[i] = alphabet[r[i] % a];
	out[n] = '\0';
	explicit_bzero(r, sizeof(r));
	return 0;
}

int credentials_create(const char *state_dir, struct admin_key *k)
{
	char path[4096 + 32], text[160];
	int err;

	memcpy(k->access_key_id, "AKIA", 4);
	if ((err = random_text(k->access_key_id + 4, 16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")) < 0 ||
	    (err = random_text(k->secret, 40, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
				"0123456789+/")) < 0)
		return err;
	snprintf(path, sizeof(path), "%s/" CRED_FILE, state_dir);
	snprintf(text, sizeof(text), "aws_access_key_id=%s\naws_secret_access_key=%s\n",
		 k->access_key_id, k->secret);
	err = file_write_private(path, text, strlen(text), 1);
	explicit_bzero(text, sizeof(text));
	return err;
}

int credentials_load(const char *state_dir, struct admin_key *k)
{
	char path[4096 + 32], line[128];
	FILE *f;
	int fd;

	snprintf(path, sizeof(path), "%s/" CRED_FILE, state_dir);
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || !(f = fdopen(fd, "r"))) {
		int err = errf(errno, "reading the topology's key pair %s: %s (a topology brought "
			       "up by an older vpcsim has none: run down and up)", path, strerror(errno));

		if (fd >= 0)
			close(fd);
		return err;
	}
	memset(k, 0, sizeof(*k));
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (!strncmp(line, "aws_access_key_id=", 18))
			snprintf(k->access_key_id, sizeof(k->access_key_id), "%s", line + 18);
		else if (!strncmp(line, "aws_secret_access_key=", 22))
			snprintf(k->secret, sizeof(k->secret), "%s", line + 22);
	}
	explicit_bzero(line, sizeof(line));
	fclose(f);
	if (strlen(k->access_key_id) != 20 || strlen(k->secret) != 40)
		return errf(EINVAL, "%s: not an access key id and a secret key", path);
	return 0;
}
