import json
import time


def handler(event, context):
    # One line the test finds in the function's log stream.
    print("EVENT " + json.dumps(event, sort_keys=True))
    if isinstance(event, dict) and event.get("fail"):
        raise Exception("asked to fail")
    if isinstance(event, dict) and event.get("sleep"):
        time.sleep(event["sleep"])
    return {"ok": True}
