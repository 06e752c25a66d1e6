# Unmodified handler code: its imports come from the function's layers.
import os
import subprocess

import greeting          # /opt/python (both layers: the later one wins)
import sitelib           # /opt/python/lib/pythonX.Y/site-packages


def handler(event, context):
    try:
        open("/opt/written-by-handler", "w").close()
        opt_writable = True
    except OSError:
        opt_writable = False
    tool = subprocess.run(["layertool"], capture_output=True, text=True)
    return {
        "greeting": greeting.who(),
        "sitelib": sitelib.NAME,
        "tool": tool.stdout.strip(),
        "only_a": open("/opt/only_a.txt").read().strip(),
        "both": open("/opt/both.txt").read().strip(),
        "opt_writable": opt_writable,
        "ld_library_path": os.environ.get("LD_LIBRARY_PATH", ""),
    }
