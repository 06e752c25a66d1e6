# The function of t_serve_cold_turns.sh: an init that takes a while (some
# CPU, then a sleep: an import-heavy init's stand-in) with marks on the
# host's clock at its start and end, which the handler returns with its
# environment's name. The test compares the marks, never times them.
import os
import time

INIT_START = time.time()
_n = 0
while time.process_time() < 0.05:  # a little CPU, as imports take
    _n += 1
time.sleep(1.5)
INIT_END = time.time()


def handler(event, context):
    return {"env": os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME", ""),
            "init_start": INIT_START, "init_end": INIT_END}
