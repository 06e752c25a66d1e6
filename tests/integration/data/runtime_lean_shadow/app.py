"""A function whose folder has files named as standard modules the runtime
client imported at its start (as AWS's does): json.py, logging.py,
traceback.py, socket.py and enum.py here are never imported in their
place, by the function or by the client."""
import json
import logging

logging.warning("shadowed names at import")


def handler(event, context):
    if event.get("fail"):
        raise ValueError("the function's own error")
    return {"json": json.__file__, "logging": logging.__file__, "dumps": json.dumps([1.5])}
