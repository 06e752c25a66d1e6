/* The command line: one function per verb (src/cmd_*.c), the table in
 * main.c, and the few things every verb shares. */
#ifndef VPCSIM_CLI_H
#define VPCSIM_CLI_H

#include <stdbool.h>

enum exit_code {
	EXIT_OK = 0,
	EXIT_FAILED = 1,     /* the operation failed: a kernel call or a check */
	EXIT_USAGE = 2,      /* bad input or usage */
	EXIT_PRIVILEGE = 3,  /* not enough privilege */
};

struct verb {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *usage;   /* arguments, after the verb */
	const char *summary;
};

int cmd_validate(int argc, char **argv);
int cmd_up(int argc, char **argv);
int cmd_down(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_exec(int argc, char **argv);
int cmd_probe(int argc, char **argv);
int cmd_sg(int argc, char **argv);
int cmd_flows(int argc, char **argv);
int cmd_invoke(int argc, char **argv);
int cmd_attach(int argc, char **argv);
int cmd_logs(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_detach(int argc, char **argv);
int cmd_clean(int argc, char **argv);

struct layout;
/* Load, validate and lay out a topology file, printing every problem to
 * stderr. Returns the topology (with *L built) or NULL. */
struct topology *topology_prepare(const char *file, struct layout *L);

/* "vpcsim: " + message on stderr; returns `code` for `return fail(...)`. */
__attribute__((format(printf, 2, 3)))
int fail(int code, const char *fmt, ...);
/* Exit status 3 with a message unless we hold CAP_NET_ADMIN and
 * CAP_SYS_ADMIN; returns EXIT_OK when we do. */
int need_privilege(const char *verb, const char *args);
/* Usage line of a verb, for `fail(EXIT_USAGE, ...)`. */
const char *verb_usage(const char *verb);

#endif
