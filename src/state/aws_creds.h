/* Credentials of a topology's AWS services (docs/AWS-SERVICES.md): made
 * at `up` from the kernel's random numbers, one line each in the state
 * folder's aws/credentials (0600, removed by `down`):
 *
 *   ROLE SESSION ACCESS_KEY_ID SECRET_ACCESS_KEY SESSION_TOKEN [EXPIRES]
 *
 * (EXPIRES: unix seconds, only on keys minted by `vpcsim credentials
 * --duration-seconds`, appended while the topology is up; the front reads
 * the file again when a request names a key it does not know)
 *
 * One temporary key (ASIA…, with a session token) per function, for its
 * execution role (ROLE, with the function's name as SESSION), and the
 * topology's long-term admin key (AKIA…, ROLE and token "-"; the one of
 * state/credentials.h, which `vpcsim serve` accepts too) for `vpcsim
 * credentials` and the AWS CLI. The zone's front accepts exactly these
 * (and those its STS AssumeRole hands out); a function's environment gets
 * its own line. */
#ifndef VPCSIM_AWS_CREDS_H
#define VPCSIM_AWS_CREDS_H

#include <stdbool.h>
#include <stdio.h>

#include "model/topology.h"

#define AWS_CREDS_FILE "credentials"
#define AWS_AKID_LEN 20
#define AWS_SECRET_LEN 40
#define AWS_TOKEN_LEN 128
#define AWS_ROLE_MAX 65
#define AWS_ADMIN_ROLE "-"

struct aws_cred {
	char role[AWS_ROLE_MAX];          /* AWS_ADMIN_ROLE for the admin key */
	char session[AWS_ROLE_MAX];       /* the function's name; "admin" */
	char akid[AWS_AKID_LEN + 1];
	char secret[AWS_SECRET_LEN + 1];
	char token[AWS_TOKEN_LEN + 1];    /* "" for the admin key */
	long long expires;                /* unix seconds; 0: never */
};

/* The role of function f: its "role", else "NAME-role". */
const char *aws_function_role(const struct function *f, char buf[AWS_ROLE_MAX]);

/* A fresh key: temporary (ASIA…, with a token) or long-term (AKIA…). */
int aws_cred_new(struct aws_cred *c, const char *role, const char *session, bool temporary);

/* One line of the file for c. */
void aws_cred_write(FILE *f, const struct aws_cred *c);
/* Add c at the end of the file in dir. 0 or -errno with err_msg(). */
int aws_creds_append(const char *dir, const struct aws_cred *c);

/* Make and write the file in dir (the state folder's aws/). */
int aws_creds_make(const struct topology *t, const char *dir);
/* Read it: *out malloc'ed, *n entries. 0 or -errno with err_msg(). */
int aws_creds_read(const char *dir, struct aws_cred **out, int *n);
/* The entry of function fn (session == fn, not the admin) or of the
 * admin key (fn NULL); -1 when absent. */
int aws_creds_find(const struct aws_cred *c, int n, const char *fn);

#endif
