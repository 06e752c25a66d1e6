/* Shared by the front's files (front.c, front_auth.c, sts.c, secrets.c):
 * the state of one running front. Nothing outside aws/ includes it. */
#ifndef VPCSIM_AWS_FRONT_INTERNAL_H
#define VPCSIM_AWS_FRONT_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <sys/types.h>
#include <time.h>

#include "aws/reply.h"
#include "lambda/invoke_api.h"
#include "model/aws_zone.h"
#include "model/layout.h"
#include "state/aws_creds.h"

struct secret_entry;

/* A listener in an interface endpoint's ENI (front_vpce.c). */
struct front_vpce {
	int fd;                    /* listening on the ENI's address, port 443 */
	int service;               /* the only service it serves */
};

/* An engine the front runs (engine_watch.h). */
enum { ENGINE_S3, ENGINE_DDB, ENGINE_N };
struct engine_run {
	pid_t pid;                 /* 0: none runs */
	unsigned long long start;  /* its start time */
	time_t since;              /* when it last started */
	int restarts, quick;       /* restarts; quick deaths in a row */
	bool failed;               /* given up (ENGINE_QUICK_FAILS) */
};

struct front {
	const struct layout *L;
	const struct topology *t;
	char dir[4096];            /* the state folder's aws/ */
	pthread_mutex_t lock;      /* creds (AssumeRole adds) and secrets */
	struct aws_cred **creds;   /* each its own allocation: stable */
	int n_creds, cap_creds;
	struct secret_entry *secrets;
	int n_secrets, cap_secrets;
	struct engine_run eng[ENGINE_N]; /* the engines (engine_watch.c) */
	int lambda_ctl;            /* to the Lambda invoker, -1 if none */
	struct front_vpce *vpce;   /* one per interface endpoint ENI */
	int n_vpce;
};

#define S3_BODY_MAX (64 * 1024 * 1024)  /* one PutObject here; AWS takes 5 GB */
#define CF_BODY_MAX (16 * 1024 * 1024)  /* a viewer's body to a distribution here */

/* In the child, before serving: credentials and secrets loaded. */
int front_state_init(struct front *f);

/* Verify the request's SigV4 signature, session token and expiry for
 * service s. 0 with *who the key's identity (a copy owned by f, stable
 * for the front's life); -1 with the service's error queued (*ret). */
int front_authenticate(struct front *f, const struct aws_call *k, int s, const char *method,
		       const char *uri, const char *body, size_t len,
		       const struct aws_cred **who, enum MHD_Result *ret);

/* In the child, before it enters the zone: a listening socket in each
 * interface endpoint ENI's namespace. 0 or -errno with errf(). */
int front_vpce_listen(struct front *f);
/* The service a request names by its Host (aws_zone_route()), for one
 * that came in by an endpoint serving `pinned` (-1: the zone's own
 * addresses): there only that service answers, also by the endpoint's
 * vpce- names; -1 for anything else. */
int front_route(const struct front *f, int pinned, const char *host, char bucket[AWS_HOST_MAX]);

/* Add a key (AssumeRole): copied; 0 or -ENOMEM. Holds f->lock. */
int front_add_cred(struct front *f, const struct aws_cred *c);

/* The services served here. */
enum MHD_Result aws_sts(struct front *f, const struct aws_call *k, const struct aws_cred *who,
			const char *body, size_t len);
enum MHD_Result aws_secrets(struct front *f, const struct aws_call *k,
			    const struct aws_cred *who, const char *body, size_t len);
int secrets_init(struct front *f);
/* The current SecretString of secret `name` (malloc'd), NULL if none. */
char *secret_value_copy(struct front *f, const char *name);
/* The link of every rds-proxy (rds_link.c): a socket in its folder where
 * it reads its secrets and has IAM auth tokens checked. Before serving. */
int rds_link_start(struct front *f);
/* S3 (engine_s3.c): start s3rver (in the zone, before serving); forward
 * a verified request (uri as sent; bucket from a virtual-hosted Host, or ""). */
int s3_engine_start(struct front *f);
enum MHD_Result aws_s3(struct front *f, const struct aws_call *k, const struct aws_cred *who,
		       const char *method, const char *uri, const char *bucket, const char *body,
		       size_t len);
int s3_engine_head(const char *path, long long *size, char etag[128]);

/* What the S3 engine answered a request: its status and ETag (unquoted). */
struct s3_answer {
	int status;
	char etag[128];
};
/* S3 notifications (s3_notify.c): after the engine answered a verified
 * request that changes objects with 2xx, the object events it made, queued
 * as asynchronous invokes of the functions whose "s3" sources take them. */
void s3_notify(struct front *f, const struct aws_call *k, const struct aws_cred *who,
	       const char *method, const char *uri, const char *bucket, const char *body,
	       size_t len, const struct s3_answer *ans);
/* DynamoDB (engine_s3.c too): dynalite and the listed tables. */
int ddb_engine_start(struct front *f);
/* "exited with status N" or "killed by signal N (name)" of a wait status. */
void engine_how(int status, char *buf, size_t len);
/* engine_watch.c: reap the front's children that ended (SIGCHLD) and
 * restart a dead engine; record the engines' state in STATE/aws/engines. */
void engines_reap(struct front *f);
void engines_record(const struct front *f);
enum MHD_Result aws_dynamodb(struct front *f, const struct aws_call *k, const char *method,
			     const char *uri, const char *body, size_t len);
/* Lambda (lambda_svc.c): the invoker, forked in the root namespaces
 * before the front enters the zone; Invoke handed to it. */
int lambda_invoker_start(struct front *f);
enum MHD_Result aws_lambda(struct front *f, const struct aws_call *k, const char *method,
			   const char *uri, const char *body, size_t len);
/* CloudFront (cloudfront.c): one viewer request to distribution d. */
enum MHD_Result aws_cloudfront(struct front *f, struct MHD_Connection *c, int d,
			       const char *method, const char *uri, const char *body, size_t len,
			       bool too_large);

/* A synchronous invoke of the topology's function `name` for another
 * service of the front (the HTTP API, aws/http_api.c). 0 with the answer
 * in *a: a->e.status 200 with the function's response or error document
 * in a->body (a->function_error), or the invoke's refusal (a->e.status
 * >= 400, a->body its message); -ETIMEDOUT after timeout_ms (the invoke
 * goes on, as Lambda's does when API Gateway stops waiting); -EIO when
 * the invoker gave no answer. a->body is the caller's to free. */
struct lambda_answer {
	struct invoke_api_error e;
	bool function_error;
	char status[32];           /* when it ran: ok, function_error, timeout, ... */
	char *body;
	size_t len;
};
int lambda_invoke_wait(struct front *f, const char *name, const char *payload, size_t len,
		       int timeout_ms, struct lambda_answer *a);

/* The HTTP API (http_api.c): no signature; the route's function invoked
 * with API Gateway's payload format 2.0, its answer mapped back. */
enum MHD_Result aws_http_api(struct front *f, struct MHD_Connection *c, const char *method,
			     const char *uri, const char *body, size_t len, bool too_large);
int http_api_timeout_ms(void);

#endif
