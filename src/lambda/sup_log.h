/* An environment's log stream and the invoking client's frames.
 *
 * Every line (the runtime's output, START/END/REPORT, errors) is appended
 * to the stream file as "<ISO-8601 time> <line>" (what `vpcsim logs`
 * prints) and, while a client is connected, sent to it as an 'L' frame;
 * lines written before the first client connected are kept (64 KB at
 * most) and sent to it, so the first invoke shows the init's output. */
#ifndef VPCSIM_SUP_LOG_H
#define VPCSIM_SUP_LOG_H

#include <stddef.h>

#define SUP_EARLY_MAX 65536

struct sup_log {
	int file_fd;
	int client_fd;             /* -1: none */
	int clients;               /* connected so far */
	char part[16384];          /* a line of the runtime not ended yet */
	size_t part_len;
	char *early;               /* before the first client */
	size_t early_len;
};

int sup_log_open(struct sup_log *l, const char *path, const char *stream);
void sup_log_client(struct sup_log *l, int fd);
void sup_log_line(struct sup_log *l, const char *line);
/* Read what the runtime wrote so far (non-blocking fd) into lines. */
void sup_log_pump(struct sup_log *l, int fd);
/* A partial last line ends here. */
void sup_log_flush(struct sup_log *l);
/* One frame to the client, if one is connected. */
void sup_log_frame(struct sup_log *l, char type, const char *data, size_t len);

#endif
