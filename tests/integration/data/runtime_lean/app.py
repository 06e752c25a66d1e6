# The handler of t_runtime_lean.sh: what the Python runtime client left in
# its interpreter when the function imports nothing of its own.
import sys

# What the client had imported before the function's module (the first
# lines of the function's own code): what each cold start paid for it.
AT_IMPORT = sorted(m for m in ("json", "logging", "socket", "traceback", "re", "encodings.idna")
                   if m in sys.modules)

import importlib.util  # noqa: E402


def cached(mod):
    """Whether mod's compiled file in __pycache__ is valid for its source
    (a checked-hash pyc: magic, flags 3, the source's hash): then the
    interpreter loaded it rather than compile the source."""
    try:
        with open(mod.__cached__, "rb") as f:
            h = f.read(16)
        with open(mod.__file__, "rb") as f:
            src = f.read()
    except OSError:
        return False
    return (h[:4] == importlib.util.MAGIC_NUMBER and int.from_bytes(h[4:8], "little") == 3
            and h[8:16] == importlib.util.source_hash(src))


def handler(event, context):
    ric = sys.modules.get("vpcsim_ric")
    return {"loaded": sorted(m for m in ("decimal", "datetime", "http.client", "email")
                             if m in sys.modules),
            "client": ric.__name__ if ric else None,
            "cached": bool(ric) and cached(ric), "at_import": AT_IMPORT}


def decimal_result(event, context):
    import decimal
    return {"price": decimal.Decimal("1.10")}


def blocked(event, context):
    """Fails after blocking traceback's import (None in sys.modules, as code
    testing an optional module's absence does): the client imports it only
    at the first error."""
    sys.modules["traceback"] = None
    raise ValueError("failed with traceback blocked")
