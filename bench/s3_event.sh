#!/bin/bash
# S3 notifications (docs/EVENTS.md): the delay from an S3 PUT to the start
# of the function it notifies. boto3 in an internet host PUTs in/K.txt
# (small objects, one at a time) to a bucket whose object-created
# notification invokes a Python function asynchronously; the handler's
# first statement takes its own clock (time.time_ns(), the same kernel
# clock as the client's) and writes it to done/K.txt (outside the
# filter); the client, having taken its clock when put_object returned,
# waits for done/K.txt before the next PUT. The delay is the handler's
# time minus the client's, from the PUT sent and from its answer (the
# front queues the notification before it answers, so the function may
# start before boto3 has parsed the answer: that delay can be negative):
# the engine's write, the front's notification, the queue file, the event
# service's pick-up (inotify), the invoke hand-off to a warm environment
# and the runtime's next. The first event (the cold start) is not counted. A benchmark, not a test: it never fails on a slow machine.
#   bench/s3_event.sh [N]     default 100 PUTs
set -eu
cd "$(dirname "$0")/.."
. bench/lib.sh
N=${1:-100}
bench_topology benchs3ev
mkdir -p "$tmp/code"
cat >"$tmp/code/app.py" <<'PY'
import time
import boto3

s3 = boto3.client("s3")


def handler(event, context):
    started = time.time_ns()
    key = event["Records"][0]["s3"]["object"]["key"]
    s3.put_object(Bucket="bench", Key="done/" + key.split("/", 1)[1], Body=str(started).encode())
PY
cat >"$tmp/t.json" <<JSON
{ "name": "$T", "internet": { "hosts": [ { "name": "client", "ip": "203.0.113.72" } ] },
  "aws": { "services": ["s3", "sts"], "s3": { "buckets": [ { "name": "bench" } ] } },
  "functions": [ { "name": "mark", "runtime": "python3.11", "handler": "app.handler", "code": "code",
                   "memory_mb": 1769, "timeout_s": 30,
                   "events": [ { "type": "s3", "bucket": "bench", "events": ["s3:ObjectCreated:Put"],
                                 "prefix": "in/" } ] } ] }
JSON
$VPCSIM up "$tmp/t.json" >/dev/null
$VPCSIM ca -t $T >"$tmp/ca.pem"
eval "$($VPCSIM credentials -t $T)"
cat >"$tmp/run.py" <<'PY'
import sys, time
import boto3
n = int(sys.argv[1])
s3 = boto3.client("s3")
def one(k):
    sent = time.time_ns()
    s3.put_object(Bucket="bench", Key="in/%d.txt" % k, Body=b"x")
    put = time.time_ns()
    for _ in range(6000): # 120 s
        try:
            body = s3.get_object(Bucket="bench", Key="done/%d.txt" % k)["Body"].read()
        except s3.exceptions.NoSuchKey:
            body = b""
        # s3rver may serve an object it is still writing: a prefix of the digits
        if len(body) == 19:
            started = int(body)
            return (started - sent) / 1e6, (started - put) / 1e6, (put - sent) / 1e6
        time.sleep(0.02)
    sys.exit("done/%d.txt never came" % k)
one(0) # the cold start, not counted
runs = [one(k) for k in range(1, n + 1)]
for i, name in enumerate(("PUT sent -> handler start", "PUT answered -> handler start", "PUT round trip (client)")):
    d = sorted(r[i] for r in runs)
    pct = lambda p: d[max(0, min(n - 1, (n * p + 99) // 100 - 1))]
    print("%-30s p50 %7.1f ms   p99 %7.1f ms   min %7.1f   max %7.1f   (%d PUTs, warm)"
          % (name, pct(50), pct(99), d[0], d[-1], n))
PY
machine
$VPCSIM exec -t $T client -- env AWS_CA_BUNDLE="$tmp/ca.pem" AWS_DEFAULT_REGION=us-east-1 \
	AWS_ACCESS_KEY_ID="$AWS_ACCESS_KEY_ID" AWS_SECRET_ACCESS_KEY="$AWS_SECRET_ACCESS_KEY" \
	/usr/bin/python3 "$tmp/run.py" "$N"
