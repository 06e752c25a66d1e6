# The handler of t_runtime_lean.sh's "looked": a module that asks whether
# logging exists (importlib.util.find_spec, as code checking an optional
# dependency does) before it imports it: asking imports nothing, and the
# import after it must still get Lambda's logging.
import importlib.util

HAVE = importlib.util.find_spec("logging") is not None
import logging  # noqa: E402

logging.warning("logged after find_spec")


def handler(event, context):
    return {"have": HAVE, "handlers": [type(h).__name__ for h in logging.getLogger().handlers]}
