import os
import socket


def handler(event, context):
    """Opens a TCP connection to the proxy's endpoint name from the VPC."""
    host = os.environ["PGHOST"]
    try:
        socket.create_connection((host, 5432), timeout=3).close()
        return {"proxy": host, "result": "open"}
    except OSError as e:
        return {"proxy": host, "result": type(e).__name__}
