# Unmodified handler code; what it returns shows what the extension saw.
import os

# The module runs in the runtime's init: the extension registered first.
REGISTERED_BEFORE_INIT = os.path.exists("/tmp/ext-registered")


def read(path):
    try:
        with open(path) as f:
            return f.read()
    except FileNotFoundError:
        return ""


def handler(event, context):
    return {
        "registered_before_init": REGISTERED_BEFORE_INIT,
        "ready_before_invoke": os.path.exists("/tmp/ext-ready"),
        "register": read("/tmp/ext-register.json"),
        "events": read("/tmp/ext-events.log").splitlines(),
        "ext_env": read("/tmp/ext-env.txt").splitlines(),
    }
