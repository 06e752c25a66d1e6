/* Platform log records; see sup_platform.h. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "lambda/sup_platform.h"
#include "lambda/telemetry.h"

/* Lambda's runtime version names: python:3.12, nodejs:20, java:17, provided:al2023. */
static void version_of(const char *rt, char *out, size_t size)
{
	const char *dot;

	if (!rt || !rt[0]) {
		out[0] = '\0';
	} else if (!strncmp(rt, "python", 6)) {
		snprintf(out, size, "python:%s.v1", rt + 6);
	} else if (!strncmp(rt, "java", 4)) {
		snprintf(out, size, "java:%.*s.v1", (int)strcspn(rt + 4, "."), rt + 4);
	} else if (!strncmp(rt, "nodejs", 6)) {
		snprintf(out, size, "nodejs:%.*s.v1", (int)strcspn(rt + 6, "."), rt + 6);
	} else {
		dot = strchr(rt, '.');
		snprintf(out, size, "%.*s:%s.v1", dot ? (int)(dot - rt) : (int)strlen(rt), rt,
			 dot ? dot + 1 : "al2");
	}
}

/* The ARN's 64 hex digits are opaque on Lambda; here FNV-1a of the version
 * name, so that one version always has one ARN. */
static void version_arn(const char *version, const char *region, char *out, size_t size)
{
	int n = snprintf(out, size, "arn:aws:lambda:%s::runtime:", region);

	for (uint64_t round = 0; round < 4 && n > 0 && (size_t)n + 17 <= size; round++) {
		uint64_t h = 1469598103934665603ULL ^ round;

		for (const char *c = version; *c; c++)
			h = (h ^ (unsigned char)*c) * 1099511628211ULL;
		n += snprintf(out + n, size - (size_t)n, "%016llx", (unsigned long long)h);
	}
}

void plat_init(struct plat *p, struct sup_log *log, bool json, const char *sys_level,
	       const char *runtime_id, const char *region, int memory_mb)
{
	memset(p, 0, sizeof(*p));
	p->log = log;
	p->json = json;
	p->sys_level = !strcmp(sys_level, "DEBUG") ? 0 : !strcmp(sys_level, "WARN") ? 2 : 1;
	p->memory_mb = memory_mb;
	version_of(runtime_id, p->version, sizeof(p->version));
	if (p->version[0])
		version_arn(p->version, region, p->version_arn, sizeof(p->version_arn));
}

/* A JSON string of `s` (an error type a runtime posted: anything). */
static void json_str(char *out, size_t size, const char *s)
{
	size_t n = 0;

	out[n++] = '"';
	for (; *s && n + 8 < size; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			n += (size_t)snprintf(out + n, size - n, "\\%c", c);
		else if (c < 0x20)
			n += (size_t)snprintf(out + n, size - n, "\\u%04x", c);
		else
			out[n++] = (char)c;
	}
	out[n++] = '"';
	out[n] = '\0';
}

/* {"time":…,"type":"platform.TYPE","record":RECORD} to the Telemetry
 * API, and to the log with JSON logs if `level` is kept. */
static void record(struct plat *p, int level, const char *type, const char *rec)
{
	char line[1536], stamp[40];
	struct timespec ts;
	struct tm tm;
	size_t n;

	if (p->tel) {
		snprintf(line, sizeof(line), "platform.%s", type);
		tel_add(p->tel, line, rec);
	}
	if (!p->json || level < p->sys_level)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(stamp + n, sizeof(stamp) - n, ".%03ldZ", ts.tv_nsec / 1000000L);
	snprintf(line, sizeof(line), "{\"time\":\"%s\",\"type\":\"platform.%s\",\"record\":%s}",
		 stamp, type, rec);
	sup_log_line(p->log, line);
}

void plat_init_start(struct plat *p)
{
	char line[512];

	snprintf(line, sizeof(line), "{\"initializationType\":\"on-demand\",\"phase\":\"init\","
		 "\"runtimeVersion\":\"%s\",\"runtimeVersionArn\":\"%s\"}", p->version,
		 p->version_arn);
	if (!p->version[0]) /* an image: no version, no INIT_START line */
		snprintf(line, sizeof(line), "{\"initializationType\":\"on-demand\","
			 "\"phase\":\"init\"}");
	record(p, 1, "initStart", line);
	if (!p->json && p->version[0]) {
		snprintf(line, sizeof(line), "INIT_START Runtime Version: %s\tRuntime Version ARN: %s",
			 p->version, p->version_arn);
		sup_log_line(p->log, line);
	}
}

void plat_init_report(struct plat *p, double duration_ms, const char *status,
		      const char *etype)
{
	char line[768], et[300];

	json_str(et, sizeof(et), etype ? etype : "");
	snprintf(line, sizeof(line), "{\"initializationType\":\"on-demand\",\"phase\":\"init\","
		 "\"status\":\"%s\"%s%s,\"metrics\":{\"durationMs\":%.3f}}",
		 status ? status : "success", etype ? ",\"errorType\":" : "", etype ? et : "",
		 duration_ms);
	record(p, status ? 2 : 1, "initReport", line);
	if (!p->json) {
		snprintf(line, sizeof(line), "INIT_REPORT Init Duration: %.2f ms\tPhase: init\t"
			 "Status: %s%s%s", duration_ms, status ? status : "success",
			 etype ? "\tError Type: " : "", etype ? etype : "");
		sup_log_line(p->log, line);
	}
}

void plat_start(struct plat *p, const char *id)
{
	char line[256];

	snprintf(line, sizeof(line), "{\"requestId\":\"%s\",\"version\":\"$LATEST\"}", id);
	record(p, 1, "start", line);
	if (!p->json) {
		snprintf(line, sizeof(line), "START RequestId: %s Version: $LATEST", id);
		sup_log_line(p->log, line);
	}
}

void plat_end(struct plat *p, const char *id)
{
	char line[128];

	if (p->json)
		return; /* JSON logs have no END record: platform.report ends the invoke */
	snprintf(line, sizeof(line), "END RequestId: %s", id);
	sup_log_line(p->log, line);
}

static void report_text(struct plat *p, const char *id, const struct plat_metrics *m,
			const char *status, const char *etype)
{
	char line[768];
	int n;

	n = snprintf(line, sizeof(line), "REPORT RequestId: %s\tDuration: %.2f ms\t"
		     "Billed Duration: %lld ms\tMemory Size: %d MB\tMax Memory Used: %lld MB",
		     id, m->duration_ms, m->billed_ms, p->memory_mb, m->max_mb);
	if (m->init_ms >= 0)
		n += snprintf(line + n, sizeof(line) - (size_t)n, "\tInit Duration: %.2f ms",
			      m->init_ms);
	if (status)
		snprintf(line + n, sizeof(line) - (size_t)n, "\tStatus: %s%s%s", status,
			 etype ? "\tError Type: " : "", etype ? etype : "");
	sup_log_line(p->log, line);
}

void plat_report(struct plat *p, const char *id, const struct plat_metrics *m,
		 const char *status, const char *etype)
{
	char line[1024], et[300], init[64] = "";
	const char *text_status = status, *text_etype = etype;

	if (m->init_ms >= 0)
		snprintf(init, sizeof(init), ",\"initDurationMs\":%.3f", m->init_ms);
	if (!status && m->function_error) {
		status = "error";
		etype = m->function_error[0] ? m->function_error : "Unhandled";
	}
	json_str(et, sizeof(et), etype ? etype : "");
	snprintf(line, sizeof(line), "{\"requestId\":\"%s\",\"metrics\":{\"durationMs\":%.3f,"
		 "\"billedDurationMs\":%lld,\"memorySizeMB\":%d,\"maxMemoryUsedMB\":%lld%s},"
		 "\"status\":\"%s\"%s%s}", id, m->duration_ms, m->billed_ms, p->memory_mb,
		 m->max_mb, init, status ? status : "success", etype ? ",\"errorType\":" : "",
		 etype ? et : "");
	record(p, status ? 2 : 1, "report", line);
	if (!p->json)
		report_text(p, id, m, text_status, text_etype);
}

void plat_init_runtime_done(struct plat *p)
{
	record(p, 0, "initRuntimeDone", "{\"initializationType\":\"on-demand\","
	       "\"phase\":\"init\",\"status\":\"success\"}");
}

void plat_runtime_done(struct plat *p, const char *id, bool ok, const char *etype,
		       double duration_ms, size_t produced)
{
	char line[768], et[300];

	json_str(et, sizeof(et), etype && etype[0] ? etype : "Unhandled");
	snprintf(line, sizeof(line), "{\"requestId\":\"%s\",\"status\":\"%s\"%s%s,"
		 "\"metrics\":{\"durationMs\":%.3f,\"producedBytes\":%zu}}", id,
		 ok ? "success" : "error", ok ? "" : ",\"errorType\":", ok ? "" : et,
		 duration_ms, produced);
	record(p, 0, "runtimeDone", line);
}

void plat_extension(struct plat *p, const char *name, const char *state, bool on_invoke,
		    bool on_shutdown)
{
	char line[512], nm[300];

	json_str(nm, sizeof(nm), name);
	snprintf(line, sizeof(line), "{\"name\":%s,\"state\":\"%s\",\"events\":[%s%s%s]}",
		 nm, state, on_invoke ? "\"INVOKE\"" : "", on_invoke && on_shutdown ? "," : "",
		 on_shutdown ? "\"SHUTDOWN\"" : "");
	record(p, 1, "extension", line);
	if (!p->json) {
		snprintf(line, sizeof(line), "EXTENSION\tName: %s\tState: %s\tEvents: [%s%s%s]",
			 name, state, on_invoke ? "INVOKE" : "", on_invoke && on_shutdown ? "," : "",
			 on_shutdown ? "SHUTDOWN" : "");
		sup_log_line(p->log, line);
	}
}
