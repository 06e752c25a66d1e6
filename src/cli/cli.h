/* The command line: one function per verb (src/cli/cmd_*.c), the table in
 * main.c, and the few things every verb shares. */
#ifndef VPCSIM_CLI_H
#define VPCSIM_CLI_H

#include <stdbool.h>
#include <stddef.h>

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
int cmd_import(int argc, char **argv);
int cmd_up(int argc, char **argv);
int cmd_down(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_exec(int argc, char **argv);
int cmd_probe(int argc, char **argv);
int cmd_sg(int argc, char **argv);
int cmd_flows(int argc, char **argv);
int cmd_invoke(int argc, char **argv);
int cmd_tune(int argc, char **argv);
int cmd_attach(int argc, char **argv);
int cmd_logs(int argc, char **argv);
int cmd_metrics(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_detach(int argc, char **argv);
int cmd_clean(int argc, char **argv);
int cmd_reach(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_ca(int argc, char **argv);
int cmd_credentials(int argc, char **argv);
int cmd_events(int argc, char **argv);

struct policy;
struct layout;
/* `reach --matrix` (cmd_reach_matrix.c): every function and resource
 * against every listening port of every resource and internet host. */
int reach_matrix(const struct layout *L, const struct policy *pol, bool json);
int cmd_graph(int argc, char **argv);
/* help [--verbs|--man]: usage; verb names one a line; the man page's
 * COMMANDS section (troff), all from the verb table. */
int cmd_help(int argc, char **argv);
/* --version: "vpcsim VERSION" (+ " (git DESCRIBE)" when built from a checkout). */
int cmd_version(void);
/* The hidden __complete verb: answers for completion/vpcsim.bash. */
int cmd_complete(int argc, char **argv);
void help_usage(void *out /* FILE* */);

/* The verb table (main.c), n entries. */
const struct verb *verb_table(size_t *n);

struct layout;
/* Load, validate and lay out a topology file, printing every problem to
 * stderr. Returns the topology (with *L built) or NULL. */
struct topology *topology_prepare(const char *file, struct layout *L);
/* The same, and on success the exact bytes that were parsed in *text
 * (malloc'd, *len bytes), which `up` saves: the file is read once. */
struct topology *topology_prepare_bytes(const char *file, struct layout *L, char **text,
				       size_t *len);
/* The same for a file that may be a template (o: its topology's name and
 * parameters; NULL: the file's name, the parameters' defaults). */
struct template_opts;
struct topology *topology_prepare_as(const char *file, const struct template_opts *o,
				     struct layout *L, char **text, size_t *len);
/* `--parameter KEY=VALUE` (import, up): VALUE set as KEY in the object
 * `over` (a cJSON object); false when arg has no KEY= (the caller fails
 * with usage). */
bool template_parameter_add(void *over, char *arg);

/* The one rule for naming a topology: -t NAME (t_opt) or a positional NAME
 * (the npos words at pos, for verbs whose operand is the topology), or both
 * when equal; two different names or more than one positional are a usage
 * error (exit 2, printed). *name: the name, or NULL when none was given
 * (open_topology then takes the only topology visible). */
int topology_arg(const char *verb, const char *t_opt, int npos, char **pos, const char **name);

struct live;
/* live_open() for a verb: `name` (-t NAME or the positional NAME; NULL:
 * the only topology up). A name that is not up, or none where several are,
 * is bad input: exit 2, and the message lists what is up. A saved topology
 * that no longer loads: exit 1. EXIT_OK with *lv open otherwise. */
int open_topology(const char *name, struct live *lv);
/* open_topology(), then function `name` in *fn; a usage error names the
 * functions there are (cmd_lambda.c). */
int open_fn(const char *topo, const char *name, struct live *lv, int *fn);

/* A decimal integer in lo..hi, the whole of `s` (no sign unless '-', no
 * spaces, no overflow: "4294967297" is not 1). */
bool parse_num(const char *s, long long lo, long long hi, long long *out);

/* "vpcsim: " + message on stderr; returns `code` for `return fail(...)`. */
__attribute__((format(printf, 2, 3)))
int fail(int code, const char *fmt, ...);
/* Exit status 3 with a message that gives the whole command to run with
 * sudo, unless we hold CAP_NET_ADMIN and CAP_SYS_ADMIN; EXIT_OK when we do. */
int need_privilege(const char *verb);
/* The command line as the user gave it ("vpcsim probe fn db 5432"),
 * shell-quoted, for the hints that say what to run. */
const char *command_line(void);
/* Usage line of a verb, for `fail(EXIT_USAGE, ...)`. */
const char *verb_usage(const char *verb);

#endif
