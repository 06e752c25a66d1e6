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
 *     8 MB of the newest lines are kept, 8 MB at most on disk.
 *
 * Frames to the client are held and sent together (docs/RUNTIME.md, "Warm
 * invokes"): 'L' (a line) and 'B' (the body) wait for the next frame the
 * client acts on ('R' answered, 'S' ended, 'K'/'C' streamed bytes) and go
 * with it in one write, so a warm invoke wakes its client twice (START,
 * the function's lines, the body and 'R'; END, REPORT and 'S'), not once
 * a line. A line waits SUP_HOLD_MS at most: the loop sends what waited
 * that long (sup_log_hold_ms, sup_log_send_held), so a function that
 * prints as it runs is still seen as it runs.
 *
 * The client is never waited for (docs/RUNTIME.md, "The watchdog"): a
 * frame is sent without blocking and what the socket does not take is
 * queued, written as the client reads (the supervisor's loop polls
 * sup_log_out_fd), so a client that stops reading (a `vpcsim invoke`
 * stopped with ^Z, a serve worker waiting for a slow HTTP client) never
 * stops the supervisor's timers. The queue is bounded: past SUP_OUT_LOGS
 * bytes queued the function's own lines are not sent to the client (they
 * are in the stream file; a line says how many bytes were left out, as
 * Lambda's tail of the log is a tail too), platform lines (START, END,
 * REPORT) always are; a streamed response is taken from the runtime
 * only while fewer than SUP_OUT_STREAM bytes wait (sup_log_out_full:
 * backpressure on the function's upload, which its timeout bounds); the
 * body is at most 6 MB. A finished invoke's queue is still written
 * (drained) after its client was let go; a new client ends that drain. */
#ifndef VPCSIM_SUP_LOG_H
#define VPCSIM_SUP_LOG_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "lambda/telemetry.h"

#define SUP_EARLY_MAX 65536
#define SUP_LINE_MAX (262144 - 26)             /* CloudWatch's event limit */
#define SUP_LINE_KEEP (SUP_LINE_MAX - 48)      /* room for the truncation note */
#define SUP_STREAM_HALF (4 * 1024 * 1024)      /* a stream keeps 4 to 8 MB */
#define SUP_HOLD_MS 20                         /* a held line waits at most */
#define SUP_HOLD_MAX 65536                     /* held lines sent past this */
#define SUP_OUT_LOGS (4 * 1024 * 1024)         /* function lines queued at most */
#define SUP_OUT_STREAM (4 * 1024 * 1024)       /* streamed bytes taken below this */

/* A line being read from a pipe, not ended yet: its buffer grows with the
 * longest line so far (SUP_LINE_KEEP at most), so an environment whose
 * lines are short holds a page or two, not 256 KB (issue 22: 1,000 of
 * them). */
struct sup_part {
	char *buf;                 /* malloc'ed, cap bytes */
	size_t len, cap;
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
	char *held;                /* frames held for the client (heads too) */
	size_t held_len, held_cap;
	double held_since;         /* now_ms() of the oldest; 0: none held */
	int out_fd;                /* the connection written: the client's, or a
				    * finished invoke's still draining; -1 */
	char *out;                 /* bytes the socket did not take yet */
	size_t out_off, out_len, out_cap;
	bool out_gone;             /* the peer went: nothing more is written */
	size_t lines_left_out;     /* bytes of the function's lines not sent */
};

int sup_log_open(struct sup_log *l, const char *path, const char *stream);
/* The invoke's client (fd >= 0; the log owns it from now on, and a
 * previous connection still draining is closed), or the invoke's end
 * (-1): what is held is queued, the connection closed once its queue is
 * written (or its peer gone). */
void sup_log_client(struct sup_log *l, int fd);
/* The connection to poll for POLLOUT (bytes wait for it), else -1. */
int sup_log_out_fd(const struct sup_log *l);
/* It may take more (POLLOUT, or POLLHUP/POLLERR: the peer is gone). */
void sup_log_out_ready(struct sup_log *l);
/* SUP_OUT_STREAM bytes or more wait: take no more of a streamed response. */
bool sup_log_out_full(const struct sup_log *l);
/* Before the supervisor exits: the queue written for `ms` at most. */
void sup_log_out_drain(struct sup_log *l, int ms);
void sup_log_line(struct sup_log *l, const char *line);
/* Read what the runtime wrote so far (non-blocking fd) into lines. */
void sup_log_pump(struct sup_log *l, int fd);
/* The same for the extensions' output (one pipe for them all). */
void sup_log_pump_ext(struct sup_log *l, int fd);
/* A partial last line ends here. */
void sup_log_flush(struct sup_log *l);
/* One frame to the client, if one is connected: 'L' and 'B' held, any
 * other sent at once with what was held before it. */
void sup_log_frame(struct sup_log *l, char type, const char *data, size_t len);
/* Milliseconds until a held line is due (0: now), -1 when none is held. */
int sup_log_hold_ms(const struct sup_log *l);
/* Send what is held now. */
void sup_log_send_held(struct sup_log *l);

#endif
