# Unmodified handler code. op "refuse": the flaky listener refuses from now
# on, and a line is printed that it will not take; "accept": it takes again;
# "read": what the listener received, once a record of request `want` is
# there (at most 10 s: a TCP listener reads on its own thread).
import json
import os
import time


def records():
    try:
        with open("/tmp/telemetry.jsonl") as f:
            return [json.loads(line) for line in f]
    except FileNotFoundError:
        return []


def handler(event, context):
    op = event.get("op")
    if op == "refuse":
        open("/tmp/refuse", "w").close()
        print("a line the listener refuses")
    elif op == "accept":
        os.remove("/tmp/refuse")
        print("the listener takes lines again")
    want = event.get("want", "")
    for _ in range(100):
        got = records()
        if not want or any(want in json.dumps(r) for r in got):
            break
        time.sleep(0.1)
    refused = os.path.getsize("/tmp/refused") if os.path.exists("/tmp/refused") else 0
    with open("/tmp/ext-api.json") as f:
        api = json.load(f)
    return {"records": got, "api": api, "refused": refused}
