# The function of t_invoke_stalled.sh: what a supervisor sends its invoking
# client, in amounts larger than a socket holds, so that a client that
# stops reading would block a supervisor that waits for it.
#   {"flood": S}  1 KB lines on stdout for S seconds (past its timeout)
#   {"big": MB, "sleep": S, "tag": T}  after S seconds, a response of MB
#   megabytes ("big: sleeping T" and "big: returning T" in its log)
import sys
import time


def handler(event, context):
    if "flood" in event:
        line = "f" * 1023 + "\n"
        end = time.time() + float(event["flood"])
        n = 0
        while time.time() < end:
            sys.stdout.write(line)
            n += 1
        sys.stdout.flush()
        return {"lines": n}
    print("big: sleeping", event.get("tag", ""), flush=True)
    time.sleep(float(event.get("sleep", 0)))
    print("big: returning", event.get("tag", ""), flush=True)
    return {"big": "b" * int(float(event.get("big", 0)) * 1000000)}
