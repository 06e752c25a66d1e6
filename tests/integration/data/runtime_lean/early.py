# The handler of t_runtime_lean.sh's "early": a module that imports logging
# and logs while it is imported, as users' code does at its top. The client
# has not imported logging by then (app.py): Lambda's handler must be on
# the root logger all the same, configured before this module's next line.
import logging
import sys
import time

logging.warning("logged at import")
ROOT = logging.getLogger()


def handler(event, context):
    logging.getLogger("early").warning("logged in the invoke")
    return {"handlers": [type(h).__name__ for h in ROOT.handlers],
            "gmtime": logging.Formatter.converter is time.gmtime,
            "finders": [getattr(f, "__name__", type(f).__name__) for f in sys.meta_path]}
