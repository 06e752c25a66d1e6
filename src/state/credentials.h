/* A topology's admin key pair: the AWS access key that vpcsim's AWS-style
 * endpoints (`vpcsim serve`, the Invoke API) accept, made at `up`.
 *
 * Stored in STATE/credentials (mode 0600, root's; the state folder is
 * 0700), so only root reads it; `vpcsim credentials` prints it as
 * `export AWS_ACCESS_KEY_ID=...` lines. The access key id is "AKIA" and 16
 * characters of A-Z2-7 as AWS's; the secret is 40 characters of base64's
 * alphabet; both from getrandom(). The key lives as long as the topology:
 * `down` removes the state folder and with it the key. */
#ifndef VPCSIM_CREDENTIALS_H
#define VPCSIM_CREDENTIALS_H

#define CRED_FILE "credentials"

struct admin_key {
	char access_key_id[21];
	char secret[41];
};

/* Make a new key pair and write it to STATE_DIR/credentials (which must
 * not exist). 0 or -errno naming the file. */
int credentials_create(const char *state_dir, struct admin_key *k);

/* Read the key pair of the topology whose state folder is state_dir. 0 or
 * -errno naming the file. */
int credentials_load(const char *state_dir, struct admin_key *k);

#endif
