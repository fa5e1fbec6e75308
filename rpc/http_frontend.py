"""The HTTP/1.1 front end: one event loop owns every socket; workers only see whole requests.

An idle keep-alive connection, or a client sending its request a byte at a time, costs a few
hundred bytes of buffer and no thread: the loop (``selectors``, epoll on Linux) reads each
request whole, under a deadline, and hands complete requests to a pool of worker threads; the
answers come back to the loop, which writes them without blocking. So a few bad clients cannot
stall the service, however many connections they open (up to ``max_connections``: beyond it
the oldest idle connection is closed, or the new one refused with 503 when none is idle).

Framing is strict (RFC 9112): a request line, header lines without folding, at most 16 KiB of
head; a body only with one ``Content-Length`` of ASCII digits (``Transfer-Encoding`` with it, or
two different lengths: 400 and close; ``Transfer-Encoding`` alone: 411); ``Expect: 100-continue``
gets its ``100 Continue`` at once. HTTP/1.1 keeps connections alive unless asked not to; HTTP/1.0
only when it asks, and is told so.

Timers: ``keepalive_timeout_s`` (idle between requests), ``request_deadline_s`` (first byte of a
request to its last), ``timeout_s`` (an answer that makes no progress being written). TLS
handshakes run in the loop too, under the request deadline.
"""

from __future__ import annotations

import collections
import contextlib
import logging
import queue
import re
import selectors
import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus

log = logging.getLogger("ovirt_node_config.rpc")

MAX_HEAD_BYTES = 16 * 1024
MAX_HEADERS = 100
DRAIN_BYTES = 16 * 1024 * 1024  # a refused body is read and dropped up to this, so the answer arrives
TICK_S = 0.25
FAST_PATH_WAIT_S = 0.02  # how long a worker waits for a client's next request before handing back
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


@dataclass
class _Connection:
    sock: socket.socket
    client: str
    opened: float
    handshaking: bool = False
    inbound: bytearray = field(default_factory=bytearray)
    outbound: bytearray = field(default_factory=bytearray)
    state: str = "idle"  # idle | head | body | busy | write | drain
    deadline: float = 0.0
    request: Request | None = None
    body_length: int = 0
    keep_alive: bool = True
    drain_left: int = 0
    last_active: float = 0.0
    events: int = 0  # what the selector watches for on it now
    ended: bool = False  # the client closed its side


class HttpFrontend:
    """Accepts on ``listener``, parses, dispatches to ``handler`` in ``workers`` threads."""

    def __init__(
        self,
        listener: socket.socket,
        handler: Handler,
        screen: Screen,
        *,
        workers: int,
        max_body_bytes: int,
        timeout_s: float,
        keepalive_timeout_s: float,
        request_deadline_s: float,
        max_connections: int,
        tls: ssl.SSLContext | None = None,
        connections_changed: Callable[[int], None] | None = None,
    ):
        self.listener = listener
        self.connections_changed = connections_changed or (lambda _count: None)
        self.handler = handler
        self.screen = screen
        self.max_body_bytes = max_body_bytes
        self.timeout_s = timeout_s
        self.keepalive_timeout_s = keepalive_timeout_s
        self.request_deadline_s = request_deadline_s
        self.max_connections = max_connections
        self.tls = tls
        self.workers = workers
        self.connections: dict[int, _Connection] = {}
        self.finished: collections.deque = collections.deque()
        # The selector (an epoll descriptor), the wake-up pair and the threads are made in
        # serve_forever: after a fork, each process must have its own.
        self.requests: queue.SimpleQueue = queue.SimpleQueue()  # (connection, request); None ends a worker
        self.threads: list[threading.Thread] = []
        self.selector: selectors.BaseSelector | None = None
        self._wake_reader = self._wake_writer = None
        self._stopping = threading.Event()
        self._wake_pending = threading.Event()
        self._stopped = threading.Event()
        self.in_flight = 0

    # The loop ---------------------------------------------------------------------------------

    def serve_forever(self) -> None:
        """Run until ``shutdown()``; then finish the requests in flight and close the rest."""
        self.threads = [
            threading.Thread(target=self._work, name=f"rpc-worker-{n}", daemon=True)
            for n in range(self.workers)
        ]
        for thread in self.threads:
            thread.start()
        self.selector = selectors.DefaultSelector()
        self._wake_reader, self._wake_writer = socket.socketpair()
        self._wake_reader.setblocking(False)
        self._wake_writer.setblocking(False)
        self.listener.setblocking(False)
        self.selector.register(self.listener, selectors.EVENT_READ, "accept")
        self.selector.register(self._wake_reader, selectors.EVENT_READ, "wake")
        next_expiry = 0.0
        try:
            while not (self._stopping.is_set() and self.in_flight == 0 and not self._writing()):
                for key, events in self.selector.select(TICK_S):
                    if key.data == "accept":
                        if not self._stopping.is_set():
                            self._accept()
                    elif key.data == "wake":
                        with contextlib.suppress(OSError):
                            while self._wake_reader.recv(4096):
                                pass
                        # Cleared after the drain: a byte sent meanwhile stays unread and wakes
                        # the next select; an answer queued before it is collected below.
                        self._wake_pending.clear()
                    else:
                        self._on_event(key.data, events)
                self._collect_answers()
                now = time.monotonic()
                if now >= next_expiry:  # a scan of every connection: once a tick, not per event
                    self._expire(now)
                    next_expiry = now + TICK_S
                if self._stopping.is_set():
                    self._close_idle()
        finally:
            for connection in list(self.connections.values()):
                self._close(connection)
            self.selector.close()
            self._stopped.set()

    def shutdown(self) -> None:
        """Stop accepting; ``serve_forever`` returns once the requests in flight are answered."""
        self._stopping.set()
        if self.selector is None:  # never served
            return
        self._wake()
        self._stopped.wait()

    def close(self) -> None:
        for _ in self.threads:
            self.requests.put(None)
        for thread in self.threads:
            thread.join()
        self.threads = []
        for sock in (self._wake_reader, self._wake_writer, self.listener):
            with contextlib.suppress(OSError, AttributeError):
                sock.close()

    def _wake(self) -> None:
        """Wake the loop, once however many workers finish before it runs."""
        if self._wake_pending.is_set():
            return
        self._wake_pending.set()
        with contextlib.suppress(OSError, AttributeError):
            self._wake_writer.send(b"x")

    def _writing(self) -> bool:
        return any(connection.state in ("write", "drain") for connection in self.connections.values())

    # Accepting --------------------------------------------------------------------------------

    def _accept(self) -> None:
        for _ in range(64):
            try:
                sock, address = self.listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:  # out of descriptors, and the like: try again on the next tick
                log.warning("accept failed: %s", exc)
                return
            sock.setblocking(False)
            now = time.monotonic()
            if len(self.connections) >= self.max_connections and not self._close_oldest_idle():
                with contextlib.suppress(OSError):
                    sock.send(_plain_answer(503, "too many connections; try again later", close=True))
                sock.close()
                log.warning("%s refused: %d connections open", address[0], len(self.connections))
                continue
            connection = _Connection(sock, address[0], now, last_active=now)
            if self.tls is not None:
                try:
                    connection.sock = self.tls.wrap_socket(
                        sock, server_side=True, do_handshake_on_connect=False
                    )
                except (ssl.SSLError, OSError):
                    sock.close()
                    continue
                connection.handshaking = True
                connection.state = "head"
                connection.deadline = now + self.request_deadline_s
            else:
                connection.deadline = now + self.keepalive_timeout_s
            self.connections[connection.sock.fileno()] = connection
            self.connections_changed(len(self.connections))
            self._watch(connection, selectors.EVENT_READ)

    def _close_oldest_idle(self) -> bool:
        idle = [c for c in self.connections.values() if c.state == "idle" and not c.inbound]
        if not idle:
            return False
        self._close(min(idle, key=lambda c: c.last_active))
        return True

    # Events -----------------------------------------------------------------------------------

    def _on_event(self, connection: _Connection, events: int) -> None:
        if connection.sock.fileno() not in self.connections:
            return
        try:
            if connection.handshaking:
                self._handshake(connection)
                return
            if events & selectors.EVENT_WRITE and connection.outbound:
                self._write(connection)
            if events & selectors.EVENT_READ and connection.state in ("idle", "head", "body", "drain"):
                self._read(connection)
        except (OSError, ssl.SSLError):
            self._close(connection)
        except Exception:  # a defect must cost one connection, never the loop
            log.exception("connection from %s failed", connection.client)
            self._close(connection)

    def _handshake(self, connection: _Connection) -> None:
        try:
            connection.sock.do_handshake()
        except ssl.SSLWantReadError:
            self._watch(connection, selectors.EVENT_READ)
            return
        except ssl.SSLWantWriteError:
            self._watch(connection, selectors.EVENT_WRITE)
            return
        except (ssl.SSLError, OSError) as exc:
            log.info("%s TLS handshake failed: %s", connection.client, exc)
            self._close(connection)
            return
        connection.handshaking = False
        connection.state = "idle"
        connection.deadline = time.monotonic() + self.keepalive_timeout_s
        self._watch(connection, selectors.EVENT_READ)

    def _read(self, connection: _Connection) -> None:
        ended = False
        while True:
            try:
                chunk = connection.sock.recv(65536)
            except (BlockingIOError, ssl.SSLWantReadError, ssl.SSLWantWriteError):
                break
            if not chunk:
                ended = True
                break
            connection.last_active = time.monotonic()
            if connection.state == "drain":
                connection.drain_left -= len(chunk)
                if connection.drain_left <= 0:
                    ended = True
                    break
                continue
            connection.inbound += chunk
            if len(connection.inbound) > MAX_HEAD_BYTES + self.max_body_bytes:
                break
            if not (isinstance(connection.sock, ssl.SSLSocket) and connection.sock.pending()):
                break
        if connection.state != "drain":
            self._advance(connection)
        if ended:
            # A client may half-close after its request: answer what is complete, then close.
            connection.keep_alive = False
            if connection.state not in ("busy", "write"):
                self._close(connection)
            else:
                self._watch(connection, selectors.EVENT_WRITE if connection.outbound else 0)

    def _advance(self, connection: _Connection) -> None:
        """Turn buffered bytes into a request, as far as they go."""
        now = time.monotonic()
        if connection.state == "idle" and connection.inbound:
            connection.state = "head"
            connection.deadline = now + self.request_deadline_s
        if connection.state == "head":
            end = connection.inbound.find(b"\r\n\r\n")
            if end < 0:
                if len(connection.inbound) > MAX_HEAD_BYTES:
                    self._refuse(connection, 431, "request head over 16 KiB")
                return
            head = bytes(connection.inbound[:end])
            del connection.inbound[: end + 4]
            try:
                request, length = self._parse_head(head, connection.client)
            except FramingError as error:
                self._refuse(connection, error.status, error.reason)
                return
            connection.request, connection.body_length = request, length
            connection.keep_alive = _keeps_alive(request)
            early = self.screen(request)
            if early is not None:
                early.close = True
                self._refuse_with(connection, early, drain=length)
                return
            if (
                length > len(connection.inbound)
                and request.headers.get("expect", "").lower() == "100-continue"
            ):
                self._send(connection, b"HTTP/1.1 100 Continue\r\n\r\n")
            connection.state = "body"
        if connection.state == "body" and len(connection.inbound) >= connection.body_length:
            request = connection.request
            request.body = bytes(connection.inbound[: connection.body_length])
            del connection.inbound[: connection.body_length]
            connection.state = "busy"
            connection.deadline = float("inf")
            self._watch(connection, 0)
            self.in_flight += 1
            self.requests.put((connection, request))

    def _parse_head(self, head: bytes, client: str) -> tuple[Request, int]:
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
        if length > self.max_body_bytes:
            raise FramingError(
                413, f"request body of {length} bytes is over the limit of {self.max_body_bytes}"
            )
        return Request(method, target, version, headers, b"", client), length

    # Answers ----------------------------------------------------------------------------------

    def _work(self) -> None:
        """A worker thread: whole requests in, answers back to the loop (a plain queue and a
        deque: lighter than futures, which this path would pay for on every request).

        While a worker has a connection, the loop does not touch it. So the worker writes the
        answer itself when the socket takes it at once, and waits a moment (FAST_PATH_WAIT_S)
        for the client's next request: a node's identify, get_config and next boot then cost no
        hand-over to the loop and back. Anything else (a partial write, a request not whole in
        time, a framing question) goes back to the loop, which owns all the rules."""
        while (item := self.requests.get()) is not None:
            connection, request = item
            while True:
                response = self._respond(request)
                keep = connection.keep_alive and not response.close and not self._stopping.is_set()
                rest = self._send_now(connection, _encode(response, request, keep))
                if rest or not keep:
                    connection.keep_alive = keep
                    self.finished.append((connection, "answer", rest))
                    break
                request = self._next_request(connection)
                if request is None:
                    self.finished.append((connection, "resume", b""))
                    break
            self._wake()

    def _respond(self, request: Request) -> Response:
        try:
            return self.handler(request)
        except Exception:
            log.exception("request from %s failed", request.client)
            return Response(500, "text/plain; charset=utf-8", b"internal error\n", close=True)

    @staticmethod
    def _send_now(connection: _Connection, data: bytes) -> bytes:
        """Write what the socket takes without waiting; returns the rest."""
        view = memoryview(data)
        with contextlib.suppress(BlockingIOError, ssl.SSLWantWriteError, ssl.SSLWantReadError, OSError):
            while view:
                view = view[connection.sock.send(view) :]
        return bytes(view)

    def _next_request(self, connection: _Connection) -> Request | None:
        """The connection's next request if it is whole within a moment, else None."""
        request = self._complete_request(connection)  # pipelined: already here
        if request is None:
            try:
                connection.sock.settimeout(FAST_PATH_WAIT_S)
                chunk = connection.sock.recv(65536)
            except (TimeoutError, BlockingIOError, ssl.SSLWantReadError, ssl.SSLWantWriteError):
                chunk = None
            except OSError:
                chunk = b""
            finally:
                with contextlib.suppress(OSError):
                    connection.sock.setblocking(False)
            if chunk == b"":
                connection.keep_alive = False
                connection.ended = True
                return None
            if chunk:
                connection.inbound += chunk
                request = self._complete_request(connection)
        return request

    def _complete_request(self, connection: _Connection) -> Request | None:
        """Take a whole, plainly acceptable request off the buffer; None leaves it to the loop."""
        end = connection.inbound.find(b"\r\n\r\n")
        if end < 0:
            return None
        try:
            request, length = self._parse_head(bytes(connection.inbound[:end]), connection.client)
        except FramingError:
            return None
        if len(connection.inbound) < end + 4 + length or self.screen(request) is not None:
            return None
        request.body = bytes(connection.inbound[end + 4 : end + 4 + length])
        del connection.inbound[: end + 4 + length]
        connection.keep_alive = _keeps_alive(request)
        return request

    def _collect_answers(self) -> None:
        while self.finished:
            connection, kind, rest = self.finished.popleft()
            self.in_flight -= 1
            if connection.sock.fileno() not in self.connections:
                continue
            try:
                self._take_back(connection, kind, rest)
            except Exception:  # a defect must cost one connection, never the loop
                log.exception("connection from %s failed", connection.client)
                self._close(connection)

    def _take_back(self, connection: _Connection, kind: str, rest: bytes) -> None:
        """A connection a worker hands back: with the rest of its answer, or to read on."""
        connection.request = None
        if kind == "answer":
            connection.state = "write"
            connection.deadline = time.monotonic() + self.timeout_s
            if rest:
                self._send(connection, rest)
            else:
                self._written(connection)
        elif connection.ended:
            self._close(connection)
        else:
            self._written(connection)  # idle again, or on to a request already buffered

    def _refuse(self, connection: _Connection, status: int, reason: str) -> None:
        log.info("%s %d %s", connection.client, status, reason)
        self._refuse_with(
            connection, Response(status, "text/plain; charset=utf-8", (reason + "\n").encode(), close=True)
        )

    def _refuse_with(self, connection: _Connection, response: Response, drain: int = 0) -> None:
        """Answer and close; read and drop what the client still sends (up to a bound), so
        that the answer is not lost to a reset."""
        connection.keep_alive = False
        connection.state = "write"
        connection.deadline = time.monotonic() + self.timeout_s
        connection.drain_left = min(max(drain - len(connection.inbound), 0), DRAIN_BYTES) or DRAIN_BYTES
        connection.inbound.clear()
        self._send(connection, _encode(response, connection.request, False))

    def _send(self, connection: _Connection, data: bytes) -> None:
        connection.outbound += data
        self._write(connection)

    def _write(self, connection: _Connection) -> None:
        while connection.outbound:
            try:
                sent = connection.sock.send(connection.outbound)
            except (BlockingIOError, ssl.SSLWantWriteError, ssl.SSLWantReadError):
                self._watch(
                    connection,
                    selectors.EVENT_WRITE | (selectors.EVENT_READ if connection.state == "drain" else 0),
                )
                return
            except OSError:  # the client is gone (reset, broken pipe): nothing left to say
                self._close(connection)
                return
            del connection.outbound[:sent]
            if connection.state == "write":
                connection.deadline = time.monotonic() + self.timeout_s
        if connection.state == "write":
            self._written(connection)
        elif connection.state in ("head", "body", "idle"):
            self._watch(connection, selectors.EVENT_READ)

    def _written(self, connection: _Connection) -> None:
        now = time.monotonic()
        if not connection.keep_alive:
            with contextlib.suppress(OSError):
                connection.sock.shutdown(socket.SHUT_WR)
            connection.state = "drain"
            connection.drain_left = connection.drain_left or DRAIN_BYTES
            connection.deadline = now + min(self.timeout_s, 2.0)
            self._watch(connection, selectors.EVENT_READ)
            return
        connection.state = "idle"
        connection.last_active = now
        connection.deadline = now + self.keepalive_timeout_s
        self._watch(connection, selectors.EVENT_READ)
        if connection.inbound:  # a pipelined request already waiting
            self._advance(connection)

    # Timers and closing -----------------------------------------------------------------------

    def _expire(self, now: float) -> None:
        for connection in list(self.connections.values()):
            if now < connection.deadline:
                continue
            if connection.state in ("head", "body") and not connection.handshaking:
                connection.deadline = now + min(self.timeout_s, 2.0)
                self._refuse(connection, 408, "request not complete in time")
            else:
                self._close(connection)

    def _close_idle(self) -> None:
        """On shutdown: connections with no whole request in a worker or an answer on its way."""
        for connection in list(self.connections.values()):
            if connection.state in ("idle", "head", "body", "drain"):
                self._close(connection)

    def _watch(self, connection: _Connection, events: int) -> None:
        """Wait for ``events`` on the connection (0: for nothing, while a worker has it)."""
        if events == connection.events:
            return
        with contextlib.suppress(KeyError, ValueError, OSError):
            if not events:
                self.selector.unregister(connection.sock)
            elif connection.events:
                self.selector.modify(connection.sock, events, connection)
            else:
                self.selector.register(connection.sock, events, connection)
            connection.events = events

    def _close(self, connection: _Connection) -> None:
        fileno = connection.sock.fileno()
        if fileno in self.connections:
            del self.connections[fileno]
            self.connections_changed(len(self.connections))
        with contextlib.suppress(KeyError, ValueError, OSError):
            self.selector.unregister(connection.sock)
        with contextlib.suppress(OSError):
            connection.sock.close()


def _keeps_alive(request: Request) -> bool:
    tokens = {token.strip().lower() for token in request.headers.get("connection", "").split(",")}
    if request.version == "HTTP/1.0":
        return "keep-alive" in tokens
    return "close" not in tokens


def _encode(response: Response, request: Request | None, keep_alive: bool) -> bytes:
    lines = [f"HTTP/1.1 {response.status} {REASONS.get(response.status, 'Status')}"]
    for name, value in response.headers.items():
        lines.append(f"{name}: {value}")
    lines.append(f"Content-Type: {response.content_type}")
    lines.append(f"Content-Length: {len(response.body)}")
    if not keep_alive:
        lines.append("Connection: close")
    elif request is not None and request.version == "HTTP/1.0":
        lines.append("Connection: keep-alive")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + response.body


def _plain_answer(status: int, text: str, close: bool) -> bytes:
    return _encode(
        Response(status, "text/plain; charset=utf-8", (text + "\n").encode(), close=close), None, not close
    )
