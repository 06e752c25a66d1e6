/* vpcsim: AWS VPC networking for Lambda, real on one machine. */
#include <linux/capability.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cli/cli.h"
#include "kernel/proc.h"
#include "lambda/supervisor.h"
#include "util/err.h"
#include "model/layout.h"

static const struct verb verbs[] = {
	{ "validate", cmd_validate, "FILE", "check a topology file (no root needed)" },
	{ "up", cmd_up, "FILE [--name NAME] [--parameter KEY=VALUE...] [--dry-run] [--json]",
	  "build a topology (or a SAM/CloudFormation template), all or nothing" },
	{ "import", cmd_import, "TEMPLATE [--name NAME] [--parameter KEY=VALUE...]",
	  "print the topology of a SAM or CloudFormation template" },
	{ "down", cmd_down, "[-t NAME | NAME] [--all]", "remove a topology (or all of them)" },
	{ "status", cmd_status, "[-t NAME | NAME] [--json]", "what is up: VPCs, subnets, ENIs, nodes" },
	{ "exec", cmd_exec, "[-t NAME] NODE -- CMD [ARG...]", "run a command inside a node" },
	{ "probe", cmd_probe,
	  "[-t NAME] FROM TO [PORT] [--proto tcp|udp|icmp] [--timeout-ms N] [--expect open|refused|timeout] [--json]",
	  "a real connection attempt through the dataplane" },
	{ "invoke", cmd_invoke, "[-t NAME] FN [--payload JSON | --payload-file F] [--client-context B64] [--invocation-type RequestResponse|Event|DryRun] [--cost] [-- CMD [ARG...]]",
	  "run a function once in an execution environment (cold or warm)" },
	{ "tune", cmd_tune, "[-t NAME] FN [--memory 128,256,512,1024,1769,3008] [--payload JSON] [--runs N] [--format table|svg|png] [-o FILE]",
	  "power tuning: FN at several memory sizes, duration, cost, the cheapest and fastest" },
	{ "serve", cmd_serve, "[-t NAME] [--listen 127.0.0.1:PORT]",
	  "Lambda's Invoke API for AWS SDKs and the AWS CLI (--endpoint-url)" },
	{ "logs", cmd_logs, "[-t NAME] FN [--follow]",
	  "the log streams of FN's execution environments" },
	{ "metrics", cmd_metrics, "[-t NAME] [PROXY] [--watch SECONDS] [--json]",
	  "RDS Proxy's CloudWatch figures of the topology's proxies, once or live" },
	{ "attach", cmd_attach, "[-t NAME] FN", "create one idle execution environment of FN" },
	{ "detach", cmd_detach, "[-t NAME] FN [--all]",
	  "remove one (or every) idle execution environment of FN" },
	{ "reach", cmd_reach,
	  "[-t NAME] FROM TO [PORT] [--proto tcp|udp|icmp] [--json] | --matrix [-t NAME | NAME] [--json]",
	  "static analysis: the path, or why not (AWS Reachability Analyzer codes)" },
	{ "check", cmd_check, "[-t NAME | FILE|NAME] [--name NAME] [--parameter KEY=VALUE...] [--junit OUT.xml] [--timeout-ms N]",
	  "the topology's expect list, by reach and by probe; TAP, exit 0 if all hold" },
	{ "sg", cmd_sg, "authorize|revoke [-t NAME] VPC/SG --ingress|--egress RULE",
	  "change a security group live; RULE as in a topology file" },
	{ "flows", cmd_flows, "[-t NAME | NAME] [--follow] [--json]",
	  "VPC Flow Log records (AWS default format, version 2)" },
	{ "graph", cmd_graph, "[-t NAME | NAME|FILE] [--format dot|svg|png] [-o OUT]",
	  "the topology as a picture (Graphviz): VPCs, subnets, ENIs, routes, expectations" },
	{ "ca", cmd_ca, "[-t NAME]", "the topology's CA certificate (PEM), which every node trusts" },
	{ "credentials", cmd_credentials, "[-t NAME] [--function FN [--duration-seconds N]]",
	  "export lines with keys the topology's AWS services accept" },
	{ "events", cmd_events, "fire [-t NAME] FN [--index K]",
	  "fire a function's K-th event source now (a schedule's tick, a synthetic S3 event)" },
	{ "clean", cmd_clean, "", "remove every object any vpcsim left behind" },
};

#define N_VERBS (sizeof(verbs) / sizeof(verbs[0]))

int fail(int code, const char *fmt, ...)
{
	va_list ap;

	fputs("vpcsim: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return code;
}

const char *verb_usage(const char *verb)
{
	static char buf[256];

	for (size_t i = 0; i < N_VERBS; i++)
		if (strcmp(verbs[i].name, verb) == 0) {
			snprintf(buf, sizeof(buf), "usage: vpcsim %s %s", verb, verbs[i].usage);
			return buf;
		}
	return "usage: vpcsim VERB ...";
}

/* The command line as given (before getopt permutes argv), for the
 * hints that say what to run. */
static char cmdline[1024];

/* An argument as a shell reads it back: bare when it is plain, else in
 * single quotes (each ' as '\''). */
static void shell_word(char *buf, size_t len, size_t *o, const char *w)
{
	bool plain = *w != '\0';

	for (const char *p = w; *p; p++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=,+@%", *p))
			plain = false;
	if (plain) {
		*o += (size_t)snprintf(buf + *o, *o < len ? len - *o : 0, "%s", w);
		return;
	}
	*o += (size_t)snprintf(buf + *o, *o < len ? len - *o : 0, "'");
	for (const char *p = w; *p; p++)
		*o += (size_t)snprintf(buf + *o, *o < len ? len - *o : 0, *p == '\'' ? "'\\''" : "%c", *p);
	*o += (size_t)snprintf(buf + *o, *o < len ? len - *o : 0, "'");
}

static void command_line_save(int argc, char **argv)
{
	char *buf = cmdline;
	size_t o = (size_t)snprintf(buf, sizeof(cmdline), "vpcsim");

	for (int i = 1; i < argc && o < sizeof(cmdline); i++) {
		o += (size_t)snprintf(buf + o, sizeof(cmdline) - o, " ");
		if (o < sizeof(cmdline))
			shell_word(buf, sizeof(cmdline), &o, argv[i]);
	}
	if (o >= sizeof(cmdline))
		snprintf(buf + sizeof(cmdline) - 5, 5, "...");
}

const char *command_line(void)
{
	return cmdline;
}

int need_privilege(const char *verb)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2] = { 0 };
	unsigned need = (1u << CAP_NET_ADMIN) | (1u << CAP_SYS_ADMIN);

	if (syscall(SYS_capget, &hdr, data) == 0 && (data[0].effective & need) == need)
		return EXIT_OK;
	return fail(EXIT_PRIVILEGE, "%s needs root (CAP_NET_ADMIN, CAP_SYS_ADMIN, CAP_BPF); run: sudo %s",
		    verb, command_line());
}

struct topology *topology_prepare_bytes(const char *file, struct layout *L, char **text,
				       size_t *len)
{
	return topology_prepare_as(file, NULL, L, text, len);
}

struct topology *topology_prepare_as(const char *file, const struct template_opts *o,
				     struct layout *L, char **text, size_t *len)
{
	struct diags d = { 0 };
	struct topology *t = topology_open_as(file, o, L, &d, text, len);

	diags_print(&d, file, stderr);
	diags_free(&d);
	return t;
}

struct topology *topology_prepare(const char *file, struct layout *L)
{
	return topology_prepare_bytes(file, L, NULL, NULL);
}

const struct verb *verb_table(size_t *n)
{
	*n = N_VERBS;
	return verbs;
}

int main(int argc, char **argv)
{
	command_line_save(argc, argv);
	proc_args_remember(argc, argv);
	if (argc < 2) {
		help_usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "help") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
		return cmd_help(argc - 1, argv + 1);
	if (!strcmp(argv[1], "--version"))
		return cmd_version();
	/* hidden: the bash completion's questions (completion/vpcsim.bash) */
	if (!strcmp(argv[1], "__complete"))
		return cmd_complete(argc - 1, argv + 1);
	/* hidden: an environment's supervisor, exec'd by supervisor_start() */
	if (!strcmp(argv[1], "supervisor"))
		return supervisor_main(argc - 1, argv + 1) < 0 ?
			fail(EXIT_USAGE, "supervisor: %s", err_msg()) : EXIT_OK;
	for (size_t i = 0; i < N_VERBS; i++)
		if (strcmp(verbs[i].name, argv[1]) == 0)
			return verbs[i].run(argc - 1, argv + 1);
	help_usage(stderr);
	return fail(EXIT_USAGE, "unknown verb '%s'", argv[1]);
}
