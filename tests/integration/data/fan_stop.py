"""Stop (SIGSTOP) the first process whose command line starts with PREFIX
when it opens a file in DIR (or the file PATH), before its open returns: a
fanotify permission event (FAN_OPEN_PERM) holds the open until answered,
so the process is stopped at a known point of its start, not by a race
with a timer. t_serve_watchdog uses it on a cold start's supervisor, which
opens its log stream in the function's log folder before it reports to
serve; t_invoke_stalled on one loading a library of vpcsim's (the dynamic
loader opens it after the exec, before the supervisor's pid file).

    python3 fan_stop.py DIR|PATH PREFIX   prints "ready", then the pid stopped

Every other open is allowed at once; it exits after the one stop (its
fanotify group closed, nothing is held any more)."""
import ctypes
import os
import signal
import struct
import sys

FAN_CLOEXEC, FAN_CLASS_CONTENT = 0x1, 0x4
FAN_MARK_ADD, FAN_OPEN_PERM, FAN_EVENT_ON_CHILD = 0x1, 0x10000, 0x08000000
FAN_ALLOW, AT_FDCWD = 0x1, -100
META = struct.Struct("=IBBHQii")  # struct fanotify_event_metadata

libc = ctypes.CDLL(None, use_errno=True)
libc.fanotify_mark.argtypes = [ctypes.c_int, ctypes.c_uint, ctypes.c_uint64, ctypes.c_int,
                               ctypes.c_char_p]


def cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def main():
    folder, prefix = sys.argv[1], sys.argv[2]
    fan = libc.fanotify_init(FAN_CLASS_CONTENT | FAN_CLOEXEC, os.O_RDONLY)
    if fan < 0:
        sys.exit(f"fanotify_init: {os.strerror(ctypes.get_errno())}")
    mask = FAN_OPEN_PERM | (FAN_EVENT_ON_CHILD if os.path.isdir(folder) else 0)
    if libc.fanotify_mark(fan, FAN_MARK_ADD, mask, AT_FDCWD, folder.encode()) < 0:
        sys.exit(f"fanotify_mark {folder}: {os.strerror(ctypes.get_errno())}")
    print("ready", flush=True)
    stopped = 0
    while not stopped:
        buf = os.read(fan, 4096)
        off = 0
        while off + META.size <= len(buf):
            ev_len, _, _, _, _, ev_fd, pid = META.unpack_from(buf, off)
            if not stopped and cmdline(pid).startswith(prefix):
                os.kill(pid, signal.SIGSTOP)  # before its open returns
                stopped = pid
            if ev_fd >= 0:
                os.write(fan, struct.pack("=iI", ev_fd, FAN_ALLOW))
                os.close(ev_fd)
            off += ev_len
    print(stopped, flush=True)


main()
