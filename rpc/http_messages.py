"""HTTP/1.1 messages as the front end sees them (RFC 9112, strictly): a request's head parsed,
an answer encoded, and whether the connection stays open after it."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus

MAX_HEAD_BYTES = 16 * 1024
MAX_HEADERS = 100
TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")  # RFC 9110 token: a header name
REASONS = {status.value: status.phrase for status in HTTPStatus}


@dataclass
class Request:
    method: str
    target: str
    version: str
    headers: dict[str, str]  # lower-case names; repeated headers joined with ", "
    body: bytes
    client: str
    local: str = ""  # this end's address of the connection it came on


@dataclass
class Response:
    status: int
    content_type: str
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    close: bool = False


# A whole request in, its answer out; runs in a worker thread.
Handler = Callable[[Request], Response]
# Asked with the head before the body is read: a Response refuses the request early.
Screen = Callable[[Request], Response | None]


class FramingError(Exception):
    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status
        self.reason = reason


def parse_head(head: bytes, client: str, max_body_bytes: int, local: str = "") -> tuple[Request, int]:
    """A request head (its body not read yet) and the body's length; FramingError refuses it."""
    lines = head.decode("latin-1").split("\r\n")  # latin-1 decodes any byte
    parts = lines[0].split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/1.") or parts[2] not in ("HTTP/1.0", "HTTP/1.1"):
        raise FramingError(400, "malformed request line")
    method, target, version = parts
    if not method.isascii() or not method.isalpha() or not target.isascii() or not target.isprintable():
        raise FramingError(400, "malformed request line")
    if len(lines) - 1 > MAX_HEADERS:
        raise FramingError(431, f"more than {MAX_HEADERS} header lines")
    headers: dict[str, str] = {}
    lengths: list[str] = []
    for line in lines[1:]:
        if not line or line[0] in " \t":
            raise FramingError(400, "malformed header line (folded or empty)")
        name, colon, value = line.partition(":")
        if not colon or not TOKEN.fullmatch(name) or any(ch in value for ch in "\r\n\x00"):
            raise FramingError(400, "malformed header line")
        name, value = name.lower(), value.strip(" \t")
        if name == "content-length":
            lengths.append(value)
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    if "transfer-encoding" in headers:
        if lengths:
            raise FramingError(400, "both Transfer-Encoding and Content-Length")
        raise FramingError(411, "a Content-Length header is required (no chunked bodies)")
    length = 0
    if lengths:
        if len(set(lengths)) != 1:
            raise FramingError(400, "conflicting Content-Length headers")
        if not (lengths[0].isascii() and lengths[0].isdigit()) or len(lengths[0]) > 15:
            raise FramingError(400, "Content-Length is not a number")
        length = int(lengths[0])
    elif method == "POST":
        raise FramingError(411, "a Content-Length header is required")
    if length > max_body_bytes:
        raise FramingError(413, f"request body of {length} bytes is over the limit of {max_body_bytes}")
    return Request(method, target, version, headers, b"", client, local), length


def keeps_alive(request: Request) -> bool:
    tokens = {token.strip().lower() for token in request.headers.get("connection", "").split(",")}
    if request.version == "HTTP/1.0":
        return "keep-alive" in tokens
    return "close" not in tokens


def encode(response: Response, request: Request | None, keep_alive: bool) -> bytes:
    lines = [f"HTTP/1.1 {response.status} {REASONS.get(response.status, 'Status')}"]
    for name, value in response.headers.items():
        lines.append(f"{name}: {value}")
    lines.append(f"Content-Type: {response.content_type}")
    lines.append(f"Content-Length: {len(response.body)}")
    if not keep_alive:
        lines.append("Connection: close")
    elif request is not None and request.version == "HTTP/1.0":
        lines.append("Connection: keep-alive")
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    # HEAD: the head GET would have, Content-Length included, and no body
    return head if request is not None and request.method == "HEAD" else head + response.body


def plain_answer(status: int, text: str, close: bool) -> bytes:
    return encode(
        Response(status, "text/plain; charset=utf-8", (text + "\n").encode(), close=close), None, not close
    )
