# Python handlers of t_runtime.sh: one module, several entry points.
import json
import os
import socket
import threading
import time

count = 0          # kept across warm invokes
ticks = 0          # advanced by a background thread, only while not frozen


def _tick():
    global ticks
    while True:
        ticks += 1
        time.sleep(0.01)


threading.Thread(target=_tick, daemon=True).start()


def handler(event, context):
    global count
    count += 1
    print("hello from python", count)
    try:
        open("/var/task/x", "w")
        task_writable = True
    except OSError:
        task_writable = False
    return {
        "count": count, "event": event, "fn": context.function_name,
        "request_id": context.aws_request_id, "arn": context.invoked_function_arn,
        "memory": context.memory_limit_in_mb, "left_ms": context.get_remaining_time_in_millis(),
        "uid": os.getuid(), "task_writable": task_writable,
        "client_context": {"custom": context.client_context.custom}
        if context.client_context else None,
        "env": {k: os.environ.get(k) for k in (
            "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR", "_HANDLER",
            "AWS_EXECUTION_ENV", "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_VERSION",
            "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_INITIALIZATION_TYPE", "TZ", "LANG",
            "AWS_REGION", "GREETING")},
    }


def ticks_now(event, context):
    # event {"s": S}: stay thawed S seconds first, for the ticker to run
    time.sleep(event.get("s", 0))
    return {"ticks": ticks}


def fail(event, context):
    raise ValueError("boom " + json.dumps(event))


def sleep(event, context):
    time.sleep(event.get("s", 5))
    return "woke"


def exit_now(event, context):
    os._exit(3)


def hog(event, context):
    blocks = []
    while True:
        blocks.append(bytearray(16 << 20))


def big(event, context):
    return "x" * (7 << 20)


def connect(event, context):
    s = socket.create_connection((event["host"], event["port"]), timeout=1)
    peer = s.getpeername()[0]
    s.close()
    return {"connected": peer}
