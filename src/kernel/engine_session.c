/* Sessions with the engines from a chrooted child (engine_session.h). */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kernel/engine_session.h"
#include "util/err.h"
#include "util/fork_flush.h"

/* The child's answer: err, then len bytes of reply (or of message). */
struct reply_head {
	int err;
	size_t len;
};

static __attribute__((noreturn)) void session_child(const char *dir, engine_session_fn fn,
						    const void *arg, int fd)
{
	static char out[ENGINE_REPLY_MAX];
	struct reply_head h = { 0, 0 };
	const char *msg;

	if (chroot(dir) < 0 || chdir("/") < 0)
		h.err = errf(errno, "chroot %s: %s", dir, strerror(errno));
	if (!h.err)
		h.err = fn(arg, out, &h.len);
	if (h.err) {
		msg = err_msg();
		h.len = strlen(msg) < ENGINE_REPLY_MAX ? strlen(msg) : ENGINE_REPLY_MAX;
		memcpy(out, msg, h.len);
	}
	_exit(write(fd, &h, sizeof(h)) == sizeof(h) &&
	      write(fd, out, h.len) == (ssize_t)h.len ? 0 : 1);
}

int engine_session_run(const char *dir, const char *what, engine_session_fn fn,
		       const void *arg, void *out, size_t size)
{
	struct reply_head h = { -EIO, 0 };
	char msg[ENGINE_REPLY_MAX + 1];
	int fd[2], status;
	size_t got = 0;
	ssize_t n = 0;
	pid_t pid;

	if (pipe2(fd, O_CLOEXEC) < 0)
		return errf(errno, "pipe: %s", strerror(errno));
	fork_flush();
	pid = fork();
	if (pid == 0) {
		close(fd[0]);
		session_child(dir, fn, arg, fd[1]);
	}
	close(fd[1]);
	if (pid < 0) {
		close(fd[0]);
		return errf(errno, "fork: %s", strerror(errno));
	}
	if (read(fd[0], &h, sizeof(h)) != sizeof(h) || h.len > ENGINE_REPLY_MAX)
		h = (struct reply_head){ -EIO, 0 };
	while (got < h.len && (n = read(fd[0], msg + got, h.len - got)) > 0)
		got += (size_t)n;
	close(fd[0]);
	waitpid(pid, &status, 0);
	if (got < h.len)
		return errf(EIO, "talking to %s: the session's child ended early", what);
	if (h.err) {
		msg[got] = '\0';
		return errf(h.err < 0 ? -h.err : EIO, "%s", msg);
	}
	if (got != size)
		return errf(EIO, "talking to %s: a reply of %zu bytes, not %zu", what, got, size);
	if (size)
		memcpy(out, msg, size);
	return 0;
}
