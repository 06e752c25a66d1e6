"""The function of examples/handler.json: a real Lambda handler (Python,
the Runtime API, warm state) in a VPC, which reports what its ENI lets it
reach, as the same code would on Lambda."""
import os
import socket

invocations = 0  # module state: kept while the environment stays warm


def reach(host, port, timeout=1.0):
    """open, refused or timeout: one TCP connection attempt."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return "open"
    except socket.timeout:
        return "timeout"
    except ConnectionRefusedError:
        return "refused"


def handler(event, context):
    global invocations
    invocations += 1
    print(f"order {event.get('order')} in {context.function_name}, invocation {invocations}")
    return {
        "order": event.get("order"),
        "invocations": invocations,
        "db": reach(os.environ["DB_HOST"], 5432),
        "internet": reach("203.0.113.10", 443),
    }
