/* The VPC resolvers of a live topology (docs/DNS.md): their record
 * folders and processes, for `up` (apply.c) and for whoever changes the
 * records later (environments, AWS services).
 *
 * API for record sources: a source renders its records (hosts-file
 * format, model/dns.h) for a view and hands them to dns_view_file_write()
 * under a file name of its own; the view's resolver reads the new set at
 * once (inotify) and forgets what the file held before. A file that
 * `up` writes must be journaled by the caller (J_FILE); the topology's
 * dns folder goes with its state folder at `down` in any case. */
#ifndef VPCSIM_DNS_STEPS_H
#define VPCSIM_DNS_STEPS_H

#include "kernel/proc.h"
#include "model/dns.h"
#include "state/journal.h"

#define DNS_PATH_MAX 600
#define DNS_READY_TIMEOUT_MS 10000

/* STATE_DIR/dns-<view folder>: directly in the state folder, because
 * the resolver's own mount namespace covers the folder two levels above
 * with an empty tmpfs that shows this one alone (kernel/engine.h). */
void dns_view_dir(const struct layout *L, int view, const char *state_dir,
		  char out[DNS_PATH_MAX]);

/* Replace file `file` of view's record folder with `text` (written aside
 * as .FILE.tmp, then renamed: the resolver never reads half a file). The
 * folder must exist (up made it when the view serves; for a view without
 * a resolver this does nothing and returns 0). */
int dns_view_file_write(const struct layout *L, int view, const char *state_dir,
			const char *file, const char *text);

/* STEP_RESOLVER: the view's folder with its DNS_FILE_NODES records, then
 * its resolver, journaled (folder, file, process), not waited for: its
 * process in *p (pid 0 where the step did not get that far). */
int dns_step_resolver(const struct layout *L, int view, const char *state_dir,
		      struct journal *J, struct proc_id *p);
/* STEP_RESOLVERS_READY: wait until each view's resolver (procs[view],
 * pid 0: none) answers. */
int dns_step_ready(const struct layout *L, const char *state_dir, const struct proc_id *procs);

/* Rewrite DNS_FILE_ENVS of every VPC view from the addresses of the
 * environments' own ENIs (per-sandbox mode). The caller lists them while
 * holding dns_lock(), so that two environments made at once both end up
 * in it. */
int dns_envs_publish(const struct layout *L, const char *state_dir, const uint32_t *ips,
		     int n);
/* An exclusive lock on the topology's records (a fd to close), or -errno. */
int dns_lock(const char *state_dir);

/* Check that the resolver can run (dnsmasq and its user), before `up`
 * makes anything. */
int dns_preflight(void);

#endif
