/* The AWS zone's engines (s3rver, dynalite) as the front keeps them: a
 * dead engine is restarted on its data in the state folder, and after
 * ENGINE_QUICK_FAILS deaths in a row each within ENGINE_QUICK_S of its
 * start the front gives up on it. The front records every change in
 * STATE/aws/engines, which `vpcsim status` reads (docs/AWS-SERVICES.md,
 * "When a process dies"). */
#ifndef VPCSIM_AWS_ENGINE_WATCH_H
#define VPCSIM_AWS_ENGINE_WATCH_H

#include <sys/types.h>

#define AWS_ENGINES_FILE "engines"   /* in the zone's folder (aws/) */
#define ENGINE_QUICK_S 10
#define ENGINE_QUICK_FAILS 3

/* One engine as the front last recorded it. */
struct aws_engine_info {
	char service[16];            /* s3, dynamodb */
	pid_t pid;                   /* 0 while none runs */
	unsigned long long start;    /* its start time (kernel/proc.h) */
	int restarts;                /* how often the front restarted it */
	char state[16];              /* running, restarting, failed */
};

/* The engines recorded in the zone folder `dir` (aws_zone_dir()): how many
 * (at most max; 0 when the topology runs none or the file is absent). */
int aws_engines_read(const char *dir, struct aws_engine_info *out, int max);

#endif
