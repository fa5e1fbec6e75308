"""The one log line per request (XML-RPC, GET) or session (host-browser), unforgeable."""

from __future__ import annotations

import logging
import time

log = logging.getLogger("ovirt_node_config.rpc")

# Told of every request line: (method, outcome, seconds). The service sets it (metrics).
observers: list = []


def log_request_line(
    client: str, method: str, started: float, outcome: str, node: str = "-", user: str = "-"
) -> None:
    """``client method node=N user=U 1.2ms outcome``. Every value a client chose is escaped
    (control characters, and spaces inside fields), so none can forge a line or a field."""
    elapsed_ms = (time.monotonic() - started) * 1000
    for observe in observers:
        observe(method, outcome, elapsed_ms / 1000)
    log.info(
        "%s %s node=%s user=%s %.1fms %s",
        client,
        _method_field(method),
        loggable(node[:64]),
        loggable(user[:64]),
        elapsed_ms,
        loggable(outcome[:512], field=False),
    )


def _method_field(method: str) -> str:
    """An XML-RPC method's name, or ``GET /path`` as it was sent (verb and target, one space)."""
    if method.startswith("GET "):
        return "GET " + loggable(method[4:260])
    return loggable(method[:64])


def loggable(text: str, *, field: bool = True) -> str:
    """``text`` with control characters (and, in a field, spaces) written as ``\\xNN``."""
    if text.isprintable() and "\\" not in text and not (field and " " in text):
        return text  # nearly every value: nothing to escape
    return "".join(
        f"\\x{ord(ch):02x}" if not ch.isprintable() or ch == "\\" or (field and ch == " ") else ch
        for ch in text
    )
