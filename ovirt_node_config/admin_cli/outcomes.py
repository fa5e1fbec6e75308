"""How ``ovirt-node-admin`` ends: one exit code per class of failure, so that a script can tell
"fix your command" from "the server said no" from "try again later".

| code | meaning |
|------|---------|
| 0    | done |
| 1    | refused: the change breaks a rule (fault 409) |
| 2    | usage: the command line or its settings are wrong (nothing was sent) |
| 3    | unreachable: no answer from the server (connection, TLS, timeout) |
| 4    | invalid: the server found a value wrong (fault 400) |
| 5    | not found: no such node, interface, claim ... (fault 404) |
| 6    | not allowed: login failed, no credentials, the session ended, forbidden (401, 403) |
| 7    | try again: the server is busy or throttling (429, 503); the message says when |
| 8    | server error: an internal error (500) or an HTTP answer nothing else explains |
| 130  | interrupted (Ctrl-C) |
"""

from __future__ import annotations

OK, REFUSED, USAGE, UNREACHABLE, INVALID, NOT_FOUND, NOT_ALLOWED, TRY_AGAIN, SERVER_ERROR = range(9)
INTERRUPTED = 130

# A fault code or HTTP status -> the exit code it ends in.
BY_STATUS = {
    400: INVALID,
    401: NOT_ALLOWED,
    403: NOT_ALLOWED,
    404: NOT_FOUND,
    409: REFUSED,
    429: TRY_AGAIN,
    503: TRY_AGAIN,
}


class CommandError(Exception):
    """The command ends with ``code`` and ``message``; ``status`` is the server's fault code or
    HTTP status when the server gave one."""

    def __init__(self, message: str, code: int, status: int | None = None):
        super().__init__(message)
        self.message, self.code, self.status = message, code, status

    def as_json(self) -> dict:
        return {"error": {"message": self.message, "exit_code": self.code, "fault_code": self.status}}


def from_status(message: str, status: int) -> CommandError:
    return CommandError(message, BY_STATUS.get(status, SERVER_ERROR), status)
