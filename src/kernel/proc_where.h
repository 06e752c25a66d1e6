/* Where a process is stuck: for an error message that must say more than
 * "no word from it" (supervisor_start's bound), what the kernel reports
 * of the process, each of its threads and each of its children: the
 * state letter and the top of the kernel stack, or without root the wait
 * channel (/proc/PID/task/TID/{stat,stack,wchan}).
 *
 *   "1234 S anon_pipe_read<vfs_read<ksys_read<do_syscall_64; thread 1236 S
 *    do_epoll_wait<...; child 1240 T do_signal_stop<get_signal<..."
 *
 * Read-only, of a pid the caller started; nothing is signalled. */
#ifndef VPCSIM_PROC_WHERE_H
#define VPCSIM_PROC_WHERE_H

#include <stddef.h>
#include <sys/types.h>

/* The description of pid into out (always NUL-ended, cut at size);
 * "gone" when there is no such process. */
void proc_where(pid_t pid, char *out, size_t size);

#endif
