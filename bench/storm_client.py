# The storm's client (bench/storm.sh): N concurrent Lambda Invoke calls of
# FN through `vpcsim serve` with boto3 (one client, a thread per invoke in
# flight, a pool of N keep-alive connections, no retries). First a warm-up
# raises the load until FN has N execution environments (twice as many
# invokes in flight at each step); then the storm: N invokes of EVENT at
# once, while a sampler counts FN's environments and the busy ones
# (`vpcsim status TOPO --json`) every second.
#   python3 storm_client.py URL TOPO FN N EVENT-JSON
# Credentials and region come from the environment (`vpcsim credentials`).
# Prints the outcome lines of storm.sh's report, the driver's messages seen
# (SEEN lines) and a last line `CLIENT key=value ...`.
import json
import os
import re
import subprocess
import sys
import threading
import time
from collections import Counter

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

URL, TOPO, FN, N, EVENT = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
VPCSIM = os.environ.get("VPCSIM", "build/vpcsim")

REFUSED = ("too many clients already", "remaining connection slots are reserved")
TIMEDOUT = ("timeout expired", "Task timed out", "Timed-out waiting")


def envs_now():
    """FN's environments and how many of them are busy, or None."""
    r = subprocess.run([VPCSIM, "status", TOPO, "--json"], capture_output=True, text=True)
    if r.returncode:
        return None
    envs = [e for e in json.loads(r.stdout).get("environments", []) if e["function"] == FN]
    return len(envs), sum(1 for e in envs if e["busy"])


def inits():
    """The Init Durations (s) of FN's cold starts in its log streams, and
    its inits that passed Lambda's 10 s limit (INIT_REPORT ... timeout)."""
    r = subprocess.run([VPCSIM, "logs", "-t", TOPO, FN], capture_output=True, text=True)
    lines = r.stdout.splitlines()
    took = [float(re.search(r"Init Duration: ([0-9.]+) ms", x).group(1)) / 1000
            for x in lines if "REPORT RequestId" in x and "Init Duration" in x]
    return took, sum(1 for x in lines if "INIT_REPORT" in x and "Status: timeout" in x)


samples, done = [], threading.Event()


def sampler(t0):
    while not done.is_set():
        s = envs_now()
        if s:
            samples.append((time.monotonic() - t0, s[0], s[1]))
        done.wait(1.0)


client = boto3.client("lambda", endpoint_url=URL, config=Config(
    max_pool_connections=N, connect_timeout=30, read_timeout=900,
    retries={"max_attempts": 0}))


sent = threading.local()
client.meta.events.register("before-send.lambda.Invoke",
                            lambda **kw: setattr(sent, "t", time.monotonic()))


def invoke(event):
    """One invoke: (outcome, message, sent at, answered at)."""
    sent.t = time.monotonic()
    try:
        r = client.invoke(FunctionName=FN, Payload=event.encode())
        body = r["Payload"].read().decode(errors="replace")
        if "FunctionError" not in r:
            kind, msg = "ok", ""
        else:
            msg = json.loads(body).get("errorMessage", body) if body.startswith("{") else body
            kind = ("refused" if any(m in msg for m in REFUSED) else
                    "timeout" if any(m in msg for m in TIMEDOUT) else "other")
    except ClientError as e:
        code = e.response["Error"]["Code"]
        kind = "throttled" if code == "TooManyRequestsException" else "other"
        msg = "%s: %s" % (code, e.response["Error"].get("Message", ""))
    except Exception as e:  # the connection itself: serve gone, a read timeout
        kind, msg = "other", "%s: %s" % (type(e).__name__, e)
    return kind, " ".join(msg.split())[:110], sent.t, time.monotonic()


# The client's own pace: seconds of sending per invoke in flight, measured
# on each burst (boto3 signs every request; on the loaded 2-core VM 400
# threads sent about 10 a second).
per_call = 0.05


def burst(n, event):
    """n invokes of event (a dict) in flight at once, a thread each,
    released together; the event's "at", when the handlers start, is after
    the last is sent (as the last burst's pace predicts). Their (outcome,
    message, sent at, answered at) and the start (monotonic)."""
    global per_call
    out, start = [], threading.Barrier(n + 1)
    # And serve's own pace: at a load average of 50 to 118 the warm-up
    # stalled at 95 to 127 environments of 200 with no invoke failing,
    # as when a step's first invokes end before serve has given the last
    # theirs, which then reuse them; so the lead grows with the step.
    lead = min(20.0, 2.0 + max(1.5 * per_call, 0.05) * n)  # (far below the function's timeout)
    body = json.dumps(dict(event, at=round(time.time() + lead, 3)))
    t_at = time.monotonic() + lead

    def one():
        start.wait()
        out.append(invoke(body))  # (list.append is atomic)

    threads = [threading.Thread(target=one) for _ in range(n)]
    for th in threads:
        th.start()
    t_go = time.monotonic()
    start.wait()
    for th in threads:
        th.join()
    offsets = sorted(r[2] - t_go for r in out)
    per_call = max(0.002, offsets[int(0.9 * (n - 1))] / n)
    return out, t_at


# Warm-up: the environments a storm of N finds at Lambda, made at the rate
# this machine makes them. The load doubles at each step (every
# environment busy with an invoke that waits for the others, no database,
# plus as many more, which serve gives new environments), so the count of
# environments rises with it: 2, 4, 8 ... N. serve runs a few cold starts
# at a time through their init (docs/RUNTIME.md), so a step of any size
# keeps each boto3 init within Lambda's 10 s limit; the step's invokes
# wait for the last of them (the event's "at"). STORM_STEP fixes the step.
before = envs_now() or (0, 0)
inits_before = inits() if before[0] < N else ([], 0)
cores = os.cpu_count() or 1
have, curve, stalled, t0 = before[0], [before[0]], 0, time.monotonic()
while have < N and stalled < 3:
    step = int(os.environ.get("STORM_STEP") or max(cores, have))
    res, _ = burst(min(N, have + step), {"mode": "wait", "seconds": 0.2})
    now = (envs_now() or (have, 0))[0]
    stalled = stalled + 1 if now <= have else 0
    bad = Counter(r[1] for r in res if r[0] != "ok")
    if bad:
        print("  warm-up: %d of %d invokes failed: %s" % (
            sum(bad.values()), len(res), bad.most_common(1)[0][0]))
    have = now
    curve.append(have)
warm_s = time.monotonic() - t0
took, late = [], 0
if len(curve) > 1:
    shown = curve if len(curve) <= 16 else [curve[i * (len(curve) - 1) // 15] for i in range(16)]
    print("  %-40s %d -> %d in %.1f s (%d steps)" % (
        "warm-up: environments of " + FN, before[0], have, warm_s, len(curve) - 1))
    print("  %-40s %s" % ("  as the load rose", " ".join(map(str, shown))))
    took, late = inits()
    took = sorted((Counter(took) - Counter(inits_before[0])).elements())
    late -= inits_before[1]
    if took:
        print("  %-40s %d, p50 / max %.1f / %.1f s; %d past the 10 s limit" % (
            "  their inits (Init Duration)", len(took), took[len(took) // 2], took[-1], late))

# The storm: N invokes of EVENT in flight at once, their sessions started
# together.
t0 = time.monotonic()
smp = threading.Thread(target=sampler, args=(t0,))
smp.start()
base = (envs_now() or (have, 0))[0]
res, t_at = burst(N, json.loads(EVENT))
wall = time.monotonic() - t0
done.set()
smp.join()
after = envs_now() or (0, 0)
outcomes = Counter(r[0] for r in res)
seen = Counter(r[1] for r in res if r[1])
# From the session's start (or the invoke's sending, when later).
latency = [answered - max(sent_at, t_at) for _, _, sent_at, answered in res]
spread = max(r[2] for r in res) - min(r[2] for r in res)

latency.sort()
pct = lambda p: latency[min(len(latency) - 1, int(len(latency) * p))] * 1000
peak = max([base, after[0]] + [s[1] for s in samples])
busy = max([0] + [s[2] for s in samples])
print("  %-40s %3d" % ("succeeded", outcomes["ok"]))
print("  %-40s %3d" % ("refused by the database (53300)", outcomes["refused"]))
print("  %-40s %3d" % ("timed out", outcomes["timeout"]))
print("  %-40s %3d" % ("throttled (429 TooManyRequestsException)", outcomes["throttled"]))
print("  %-40s %3d" % ("other errors", outcomes["other"]))
print("  %-40s %d -> %d (peak %d, %d busy at once)" % (
    "environments of " + FN + " in the storm", base, after[0], peak, busy))
print("  %-40s %.2f / %.2f s" % ("latency from the common start p50 / p99",
                                 pct(0.5) / 1000, pct(0.99) / 1000))
print("  %-40s %.1f s" % ("(boto3 took to send them all", spread) + ")")
for msg, k in seen.most_common(3):
    print("SEEN %d %s" % (k, msg))
print("CLIENT wall=%.1f ok=%d refused=%d timeout=%d throttled=%d other=%d envs_before=%d "
      "envs_warm=%d warmup_s=%.1f inits=%d init_p50_s=%.1f init_max_s=%.1f init_late=%d "
      "envs_peak=%d busy_peak=%d p50_ms=%.0f p99_ms=%.0f send_s=%.1f" % (
          wall, outcomes["ok"], outcomes["refused"], outcomes["timeout"], outcomes["throttled"],
          outcomes["other"], before[0], have, warm_s, len(took),
          took[len(took) // 2] if took else 0, took[-1] if took else 0, late, peak, busy,
          pct(0.5), pct(0.99), spread))
