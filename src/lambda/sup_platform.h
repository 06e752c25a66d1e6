/* The platform's own log records of an environment (Lambda's "system
 * logs"), in the function's log format:
 *
 *   Text: INIT_START Runtime Version: python:3.12.v1\tRuntime Version ARN: …
 *         START RequestId: ID Version: $LATEST
 *         END RequestId: ID
 *         REPORT RequestId: ID\tDuration: …\tBilled Duration: …\tMemory Size: …
 *                \tMax Memory Used: …[\tInit Duration: …][\tStatus: …[\tError Type: …]]
 *         INIT_REPORT Init Duration: … ms\tPhase: init\tStatus: …[\tError Type: …]
 *   JSON: {"time":…,"type":"platform.initStart|start|report|initReport","record":{…}}
 *         as Lambda writes them with LoggingConfig LogFormat JSON (no END);
 *         records below the system log level are left out (start, report
 *         and initStart are INFO; a report or initReport of a failure WARN).
 *
 * Field names follow AWS's Telemetry API schema (telemetry-schema-reference). */
#ifndef VPCSIM_SUP_PLATFORM_H
#define VPCSIM_SUP_PLATFORM_H

#include <stdbool.h>

#include "lambda/sup_log.h"
#include "model/topology_code.h"

struct plat {
	struct sup_log *log;
	bool json;
	int sys_level;             /* 0 DEBUG, 1 INFO, 2 WARN */
	char version[48];          /* e.g. python:3.12.v1; "" for an image */
	char version_arn[160];
	int memory_mb;
	struct telemetry *tel;     /* every record goes to the Telemetry API too */
};

/* Set up the records of an environment; `sys_level` as AWS spells it ("" for
 * Text), `runtime_id` the function's runtime ("" for an image). */
void plat_init(struct plat *p, struct sup_log *log, bool json, const char *sys_level,
	       const char *runtime_id, const char *region, int memory_mb);

void plat_init_start(struct plat *p);
/* status NULL: success; else "error"/"timeout" and an error type or NULL. */
void plat_init_report(struct plat *p, double duration_ms, const char *status,
		      const char *etype);
void plat_start(struct plat *p, const char *id);
void plat_end(struct plat *p, const char *id);
struct plat_metrics {
	double duration_ms, init_ms; /* init_ms < 0: a warm invoke */
	long long billed_ms, max_mb;
	/* A function error (the runtime posted to /error): JSON's report says
	 * status error and the posted type; Text's REPORT says nothing, as
	 * Lambda's. */
	const char *function_error;
};
void plat_report(struct plat *p, const char *id, const struct plat_metrics *m,
		 const char *status, const char *etype);

/* Telemetry API records only (no log line, as on Lambda): the runtime's
 * init is done; an invoke's runtime part is done (status success or
 * error, the response's bytes); an extension's state. */
void plat_init_runtime_done(struct plat *p);
void plat_runtime_done(struct plat *p, const char *id, bool ok, const char *etype,
		       double duration_ms, size_t produced);
void plat_extension(struct plat *p, const char *name, const char *state, bool on_invoke,
		    bool on_shutdown);

#endif
