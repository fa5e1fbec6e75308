"""The refusals the library can give, each naming what was wrong.

The RPC layer maps each class to one fault code (see ``rpc/faults.py`` and README.md); the
command-line tools print the message. Messages never carry tracebacks, SQL or server paths.
"""


class NodeConfigError(Exception):
    """Base of every refusal that is the caller's to fix."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class InvalidInput(NodeConfigError):
    """A value is missing, of the wrong type, or malformed."""

    def __init__(self, field: str, problem: str):
        super().__init__(f"invalid {field}: {problem}")
        self.field = field


class NotFound(NodeConfigError):
    """The named host, bond or NIC does not exist."""


class Conflict(NodeConfigError):
    """The request is well-formed but breaks a rule given the current state."""


class Unauthorized(NodeConfigError):
    """The caller is not an administrator."""


class CredentialRequired(Unauthorized):
    """A node call for an enrolled host without that host's credential (HTTP 401)."""


class Throttled(NodeConfigError):
    """Too many calls of a kind from this address or overall: wait ``wait`` seconds (HTTP 429)."""

    def __init__(self, message: str, wait: float):
        super().__init__(message)
        self.wait = wait


class Forbidden(NodeConfigError):
    """The caller may not do this: the enrolment policy does not let a node in, or an
    administrator's role does not allow a verb (HTTP 403)."""


class Busy(NodeConfigError):
    """The database stayed contended through every retry; the caller may try again."""


# Each class of refusal as one number, an HTTP status: the XML-RPC fault code (rpc/faults.py) and
# the web console's status (console/app.py). A refusal of no class below is a conflict.
STATUS_CODES: dict[type[NodeConfigError], int] = {
    InvalidInput: 400,
    Unauthorized: 401,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    Busy: 503,
}


def status_of(refusal: NodeConfigError) -> int:
    return next((code for kind, code in STATUS_CODES.items() if isinstance(refusal, kind)), 409)


def shown(value: object, limit: int = 40) -> str:
    """A short, printable rendering of a bad value for an error message."""
    if not isinstance(value, str | bytes | int | float | bool | None):
        return f"a {type(value).__name__}"  # never repr containers: they may nest without end
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
