# The handler of t_serve_scale.sh. Its module records its environment's
# cold start with the environment's own clocks: the build's mark (the
# mtime of /etc/hosts, written while vpcsim makes the environment) and the
# end of its init (INIT_S seconds of sleep at import); the test counts how
# many of these intervals overlap, never how long anything took.
import os
import time

BUILT = os.stat("/etc/hosts").st_mtime
time.sleep(float(os.environ.get("INIT_S", "0")))
INIT_END = time.time()
count = 0


def handler(event, context):
    global count
    count += 1
    time.sleep(float(event.get("s", 0)))
    return {"env": os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME", ""), "count": count,
            "cold": [BUILT, INIT_END]}
