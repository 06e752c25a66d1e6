/* Files and folders: the few operations every layer needs, written once.
 *
 * The functions with a message (mkdir_p, tree_remove, file_write,
 * file_copy, file_read) return 0 or -errno and leave err_msg() naming the
 * operation and the path. file_put and file_get are for control files
 * (cgroup, sysctl) and forked children: only open/read/write/close, -errno
 * and no message, the caller says what the write meant. */
#ifndef VPCSIM_FS_H
#define VPCSIM_FS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* mkdir -p with `mode` for every folder it creates; existing is fine. */
int mkdir_p(const char *path, mode_t mode);
/* rm -r: a folder tree, a file, or a pin on bpffs. Absent is success;
 * keeps going past errors and returns the first. */
int tree_remove(const char *path);
/* Create or truncate `path` (mode 0644) and write `text` into it. */
int file_write(const char *path, const char *text);
/* Write `len` bytes to `path`, mode 0600, never through a symbolic link
 * (O_NOFOLLOW) and, with `excl`, never over an existing file (O_EXCL);
 * without it an existing file is truncated. Flushed to disk (fsync) before
 * it returns: for state that must not be half-written. */
int file_write_private(const char *path, const char *bytes, size_t len, int excl);
/* Copy the bytes of `from` into `to` (created or truncated, 0644). */
int file_copy(const char *from, const char *to);
/* The whole of `path`, NUL-terminated (*len: its length without the NUL);
 * the caller frees it. NULL with errno set (no message) when it cannot be
 * read. */
char *file_read(const char *path, size_t *len);

/* Exactly len bytes from or to fd (a pipe, socket or file), retrying
 * short transfers and EINTR; 0, or -1 on an error or an early end (errno
 * set by the call that failed; 0 at end of file). */
int fd_read_full(int fd, void *buf, size_t len);
int fd_write_full(int fd, const void *buf, size_t len);

/* Write `s` to an existing file (a control file). */
int file_put(const char *path, const char *s);
/* Read up to size-1 bytes of `path` into buf, NUL-terminated; returns the
 * count. */
int file_get(const char *path, char *buf, size_t size);

/* flock(op) on the lock file `path` (created 0600 when `create`; never
 * through a symbolic link), waiting for it: the fd that holds it, or
 * -errno with err_msg() (-ENOENT quietly when absent and !create). */
int file_lock(const char *path, int op, bool create);

#endif
