"""Thin command-line entry points; installed as ``ovirt_node_config.scripts``.

The base install is the node agent's; the server, the admin tool and the benchmark need the
packages of an extra, and say so in one line when they are missing (:func:`needs_extra`).

May import: rpc (its runtime), the admin CLI, the agent, the benchmark, and what each of them
needs to start (settings, persistence, accounts). Imported by: nothing (they are entry points).
"""

from __future__ import annotations

import sys
from contextlib import contextmanager


@contextmanager
def needs_extra(prog: str, extra: str):
    """Around a script's imports: a missing package ends the script with one line saying what to
    install, instead of a traceback."""
    try:
        yield
    except ModuleNotFoundError as missing:
        print(
            f"{prog}: needs the {extra!r} extra ({missing.name} is not installed): "
            f"pip install 'ovirt-node-config[{extra}]'",
            file=sys.stderr,
        )
        raise SystemExit(1) from None
