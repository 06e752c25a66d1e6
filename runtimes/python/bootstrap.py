"""vpcsim's Python runtime client, started by ./bootstrap: the loop itself is
vpcsim_ric.py, imported rather than run as this script so that its code
comes compiled from __pycache__ (`make` writes it with /usr/bin/python3):
a script is compiled from source at every start, and what the compiler
leaves behind stays in the interpreter's heap, about 0.9 MB in each
environment (issue 22: 1,000 of them). The runtime writes no bytecode
itself (/var/runtime is the host's folder)."""
import sys

_write = sys.dont_write_bytecode
sys.dont_write_bytecode = True
import vpcsim_ric  # noqa: E402

sys.dont_write_bytecode = _write
vpcsim_ric.main()
