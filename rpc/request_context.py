"""Per-request facts that methods report for the request log line (e.g. which node called)."""

import threading

_local = threading.local()


class RequestContext:
    def __init__(self):
        self.node = "-"
        self.user = "-"
        self.kept = None  # a KeptAnswer: the method's answer may be kept for the same body


def begin() -> RequestContext:
    _local.current = RequestContext()
    return _local.current


def context() -> RequestContext:
    current = getattr(_local, "current", None)
    return current if current is not None else begin()
