# The handler of t_serve_concurrency.sh: it sleeps event["s"] seconds and
# says which environment ran it, how often that environment ran, and when
# it started and ended (marks on the host's clock, compared, never timed).
import os
import time

count = 0          # per environment: 1 on its cold invoke


def handler(event, context):
    global count
    count += 1
    start = time.time()
    time.sleep(float(event.get("s", 0)))
    return {"env": os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME", ""), "pid": os.getpid(),
            "count": count, "start": start, "end": time.time()}
