/* An environment's log stream and the invoking client's frames.
 *
 * Every line (the runtime's output, START/END/REPORT, errors) is appended
 * to the stream file as "<ISO-8601 time> <line>" (what `vpcsim logs`
 * prints) and, while a client is connected, sent to it as an 'L' frame;
 * lines written before the first client connected are kept (64 KB at
 * most) and sent to it, so the first invoke shows the init's output.
 *
 * Bounded whatever the function prints (docs/SECURITY.md, "Log caps"):
 *   - a line is one CloudWatch event, whose limit is 256 KB (262,144
 *     bytes, 26 of them the event's overhead): a longer line keeps its
 *     first SUP_LINE_KEEP bytes and ends with " [truncated: N bytes]"
 *     naming what was dropped; the rest of it is read and dropped;
 *   - a stream keeps its newest lines only: when its file would pass
 *     SUP_STREAM_HALF bytes it becomes FILE.1 (replacing the older one)
 *     and a new FILE starts with "#continued STREAM"; so between 4 and
 *     8 MB of the newest lines are kept, 8 MB at most on disk. */
#ifndef VPCSIM_SUP_LOG_H
#define VPCSIM_SUP_LOG_H

#include <limits.h>
#include <stddef.h>

#include "lambda/telemetry.h"

#define SUP_EARLY_MAX 65536
#define SUP_LINE_MAX (262144 - 26)             /* CloudWatch's event limit */
#define SUP_LINE_KEEP (SUP_LINE_MAX - 48)      /* room for the truncation note */
#define SUP_STREAM_HALF (4 * 1024 * 1024)      /* a stream keeps 4 to 8 MB */

/* A line being read from a pipe, not ended yet. */
struct sup_part {
	char buf[SUP_LINE_KEEP];
	size_t len;
	size_t dropped;            /* bytes of that line past SUP_LINE_KEEP */
};

struct sup_log {
	int file_fd;
	char path[PATH_MAX], stream[128];
	size_t file_bytes;         /* in the current file */
	int client_fd;             /* -1: none */
	int clients;               /* connected so far */
	struct sup_part rt;        /* the runtime's output */
	struct sup_part *ext;      /* the extensions' (malloc'ed when used) */
	struct telemetry *tel;     /* each line of theirs as a record, or NULL */
	char *early;               /* before the first client */
	size_t early_len;
};

int sup_log_open(struct sup_log *l, const char *path, const char *stream);
void sup_log_client(struct sup_log *l, int fd);
void sup_log_line(struct sup_log *l, const char *line);
/* Read what the runtime wrote so far (non-blocking fd) into lines. */
void sup_log_pump(struct sup_log *l, int fd);
/* The same for the extensions' output (one pipe for them all). */
void sup_log_pump_ext(struct sup_log *l, int fd);
/* A partial last line ends here. */
void sup_log_flush(struct sup_log *l);
/* One frame to the client, if one is connected. */
void sup_log_frame(struct sup_log *l, char type, const char *data, size_t len);

#endif
