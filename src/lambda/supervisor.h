/* The per-environment supervisor: Lambda's agent inside an execution
 * environment (AWS's Runtime Interface Emulator plays the same part).
 *
 * `vpcsim invoke` starts it at a cold start (supervisor_start); it lives
 * as long as the environment, detached from the terminal, inside the
 * environment's network namespace and its own mount namespace (codefs.h),
 * outside the environment's cgroup (so freezing that group does not
 * freeze it). It
 *   - serves the Runtime API on 127.0.0.1:9001 (runtime_api.h);
 *   - starts the runtime (the package's `bootstrap`, the bundled client of
 *     python3.x/nodejs<N>.x, or an image's ENTRYPOINT + CMD) in the
 *     environment's cgroup, as PID 1 of its own PID namespace, with
 *     Lambda's variables, stdout and stderr into a pipe it reads;
 *   - runs the init until the runtime's first `next` (10 s limit), then
 *     freezes the cgroup;
 *   - takes invokes on the unix socket ENVDIR/supervisor.sock, one at a
 *     time: thaw, hand the event, wait for response/error (or timeout,
 *     exit, OOM kill), wait for the runtime's next `next`, freeze, write
 *     END and REPORT;
 *   - writes the environment's log stream (LOGDIR/ENV.log) and forwards
 *     every log line to the invoking client;
 *   - exits after a timeout, crash or OOM kill (the client then destroys
 *     the environment: the next invoke is cold), or after `idle_s` without
 *     an invoke (it writes ENVDIR/reclaimed; the next vpcsim command that
 *     picks environments destroys it).
 *
 * Wire protocol on the unix socket (one invoke per connection):
 *   client -> "I <net_init_ms> <payload_len>\n" payload (net_init_ms: a
 *   cold start's network part, before the caller began starting the
 *   supervisor; sup_cfg.h t_start_ms)
 *   supervisor -> frames "<T><len>\n<bytes>": 'L' log text (whole lines),
 *   'K' a streamed response begins (its content type), 'C' its bytes as
 *   they come, 'B' the response or error body (empty after a stream that
 *   ended well), 'D' (empty) once, when the environment's first init is over
 *   (done or failed; one past its limit runs again inside the invoke and
 *   counts) while an invoke waits: the caller that made the environment
 *   gives back its turn among cold starts then (lambda/invoke.c), 'R' "<status> <streamed>" when the caller may have the
 *   response at once because extensions still work after it (the body came
 *   just before; none follows), last 'S' "<status> <reset> <streamed>"
 *   where status is ok, function_error, timeout, exit, oom, too_large or
 *   init_error, reset 1 means the environment is gone, streamed 1 that 'K'
 *   came; or only 'Z' "busy" when an invoke whose caller went away (killed,
 *   its lock gone with it) still runs: the environment is fine, the caller
 *   tries another. */
#ifndef VPCSIM_SUPERVISOR_H
#define VPCSIM_SUPERVISOR_H

#include <limits.h>
#include <stdbool.h>

#include "lambda/codefs.h"
#include "lambda/sup_cfg.h"
#include "model/topology_code.h"

#define SUP_INIT_LIMIT_MS 10000  /* Lambda's init phase limit */
#define SUP_SOCK "supervisor.sock"
#define SUP_PID "supervisor.pid"
#define SUP_RECLAIMED "reclaimed"


#define LAMBDA_CA_BUNDLE CODEFS_CA_BUNDLE

/* Start the supervisor of cfg's environment (fresh: fork and exec; detached: its own session,
 * reparented to init) and wait until its socket accepts. Returns 0, or
 * <0 with the supervisor's own message when it could not start. */
int supervisor_start(const struct sup_cfg *cfg);

/* The supervisor's process, started fresh by supervisor_start(): fork,
 * then execve of vpcsim as `vpcsim supervisor TOPO ENV` (argv here from
 * "supervisor" on) with its word's pipe at fd 3 and its configuration at
 * fd 4. Never returns when it starts; <0 with err_msg() when it cannot
 * (run by hand, or a configuration it cannot read). */
int supervisor_main(int argc, char **argv);

/* Remove the supervisor's files from an environment folder (after its
 * processes are gone): socket, pid, reclaimed mark, supervisor.log. */
void supervisor_files_remove(const char *env_dir);

/* Ask the supervisor of `env_dir` (if one serves it and no invoke runs)
 * for its shutdown phase (SHUTDOWN to the extensions, their 2 s) and wait
 * for it to end, SUP_STOP_WAIT_MS at most. */
void supervisor_stop(const char *env_dir);
/* supervisor_stop() asked again while an invoke ends, until the
 * supervisor's process is gone (SUP_STOP_WAIT_MS at most). */
void supervisor_end(const char *env_dir);
/* The same for every environment of topology `topo`, 256 at once; then
 * each supervisor still alive after the wait killed by its pid, as
 * supervisor_kill() does. */
void supervisor_stop_all(const char *topo);
/* The supervisor of `env_dir` killed by its pid (its pid file, checked
 * against the process's start time) if it is still alive a moment after a
 * stop was asked (supervisor_stop): one that stopped talking (SIGSTOP,
 * wedged) never answers a stop. 1 when it was killed, else 0. */
int supervisor_kill(const char *env_dir);

/* A connection to the supervisor of the environment folder `env_dir`,
 * the one an invoke's request and frames go through: its fd, or < 0 with
 * err_msg() when none serves it (gone, or reclaimed for idleness). The
 * connection is also the test that the supervisor lives: no second
 * connection (and wake-up of the supervisor) to ask first. */
int supervisor_connect(const char *env_dir);

#endif
