"""Per-request facts that methods report for the request log line (e.g. which node called)."""

import threading

_local = threading.local()


class RequestContext:
    def __init__(self):
        self.method = "?"
        self.node = "-"
        self.user = "-"
        self.body_digest = None  # the key of the request body, when its answer may be kept
        self.client = "-"  # the caller's address
        self.credential = None  # the node credential it presented (Authorization: Bearer)
        self.caller = None  # accounts.authentication.Authenticated: the administrator, once checked
        self.note = ""  # what the call did, for its log line (identify: which NICs changed)


def begin() -> RequestContext:
    _local.current = RequestContext()
    return _local.current


def context() -> RequestContext:
    current = getattr(_local, "current", None)
    return current if current is not None else begin()
