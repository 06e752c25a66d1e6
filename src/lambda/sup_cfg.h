/* A supervisor's configuration as bytes: what `vpcsim serve` or `invoke`
 * hands the supervisor it starts fresh (fork, then execve of vpcsim
 * itself), through a memfd at a known descriptor.
 *
 * Why not a plain fork: serve has threads (its worker pool), and a child
 * forked from a threaded process that takes any lock another thread held
 * at the fork (malloc's, a stdio stream's, the loader's...) waits forever;
 * the child of supervisor_start() now runs only async-signal-safe calls
 * before its exec (docs/RUNTIME.md "The supervisor starts fresh"). */
#ifndef VPCSIM_SUP_CFG_H
#define VPCSIM_SUP_CFG_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "lambda/fn_aws.h"
#include "model/topology_code.h"

/* What a supervisor serves: one environment of one function. */
struct sup_cfg {
	char topo[64], env_id[64], netns[128], function[64];
	char env_dir[PATH_MAX];       /* /run/vpcsim/TOPO/envs/ENV */
	char log_path[PATH_MAX];      /* the environment's log stream file */
	char stream[128];             /* its name, YYYY/MM/DD/[$LATEST]hex */
	char region[32], account[16];
	int memory_mb, timeout_s, idle_s;
	enum runtime_family family;   /* RUNTIME_NONE for an image */
	char runtime_id[32];
	char handler[256];
	char task_dir[PATH_MAX];      /* at /var/task ("" for an image) */
	char runtime_dir[PATH_MAX];   /* at /var/runtime ("" for provided) */
	char opt_dirs[CODE_LAYERS_MAX][PATH_MAX]; /* the layers, one view at /opt */
	int n_opt;
	char rootfs[PATH_MAX];        /* an image's root ("" otherwise) */
	char workdir[PATH_MAX];       /* the runtime's cwd */
	char **argv;                  /* the runtime's command line */
	char **env;                   /* KEY=VALUE: image ENV, then the function's */
	/* The topology's AWS services (docs/AWS-SERVICES.md): the execution
	 * role's credentials ("" without "aws") and the CA bundle the
	 * runtime trusts, bound at LAMBDA_CA_BUNDLE in the jail or the image. */
	struct fn_aws aws;
	bool log_json;                /* logging_config log_format JSON */
	char app_level[8], sys_level[8]; /* its levels ("" with Text) */
	/* now_ms() (CLOCK_MONOTONIC, the same in every process) when its
	 * starter began the cold start's part after the network: a cold
	 * start's Init Duration runs from there to its init's end (0: not
	 * known, from the init's start). */
	double t_start_ms;
};


/* cfg (its fixed fields, its argv and env lists) in a new memfd whose
 * offset is 0: the fd, or <0 with err_msg(). */
int sup_cfg_to_memfd(const struct sup_cfg *cfg);

/* Bytes written by sup_cfg_to_memfd() (buf, len) back into *cfg, whose
 * argv and env then point into a copy owned by *cfg (never freed: the
 * supervisor keeps it for its life). 0, or <0 with err_msg() naming what
 * was wrong with the bytes. */
int sup_cfg_decode(const char *buf, size_t len, struct sup_cfg *cfg);

/* The whole content of fd (a memfd or file) in *buf (malloc'd), *len. */
int sup_cfg_read_fd(int fd, char **buf, size_t *len);

#endif
