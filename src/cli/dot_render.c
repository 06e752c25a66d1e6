/* Graphviz as a program; see dot_render.h. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/dot_render.h"

static void exec_dot(const char *tflag, const char *out, bool pinned)
{
	const char *argv[8];
	int n = 0;

	argv[n++] = "dot";
	if (pinned) {
		argv[n++] = "-Kneato";
		argv[n++] = "-n2";
	}
	argv[n++] = tflag;
	if (out) {
		argv[n++] = "-o";
		argv[n++] = out;
	}
	argv[n] = NULL;
	execvp("dot", (char *const *)argv);
	_exit(127);
}

int dot_render(const char *verb, const char *format, const char *out, bool pinned,
	       int (*write)(void *arg, FILE *f), void *arg)
{
	char tflag[16];
	int fds[2], status;
	pid_t pid;
	FILE *w;

	snprintf(tflag, sizeof(tflag), "-T%s", format);
	if (pipe(fds) < 0)
		return fail(EXIT_FAILED, "%s: pipe: %s", verb, strerror(errno));
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return fail(EXIT_FAILED, "%s: fork: %s", verb, strerror(errno));
	if (pid == 0) {
		dup2(fds[0], 0);
		close(fds[0]);
		close(fds[1]);
		exec_dot(tflag, out, pinned);
	}
	close(fds[0]);
	/* If dot exits early, the write fails (EPIPE, not a signal) and its
	 * exit status below says why. */
	signal(SIGPIPE, SIG_IGN);
	w = fdopen(fds[1], "w");
	if (w) {
		write(arg, w);
		fclose(w);
	} else {
		close(fds[1]);
	}
	if (waitpid(pid, &status, 0) < 0)
		return fail(EXIT_FAILED, "%s: waiting for dot: %s", verb, strerror(errno));
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		return fail(EXIT_FAILED, "%s: Graphviz's `dot` is not installed; install the "
			    "graphviz package (sudo make deps) or use another --format", verb);
	if (WIFSIGNALED(status))
		return fail(EXIT_FAILED, "%s: `dot %s` was killed by signal %d (%s)", verb, tflag,
			    WTERMSIG(status), strsignal(WTERMSIG(status)));
	if (WEXITSTATUS(status) != 0)
		return fail(EXIT_FAILED, "%s: `dot %s` failed with exit status %d (its message "
			    "is above)", verb, tflag, WEXITSTATUS(status));
	return EXIT_OK;
}
