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
import selectors
import socket
import ssl
import threading
import time
from collections.abc import Callable

from ovirt_node_config.rpc.http_connections import Connection, ConnectionTable
from ovirt_node_config.rpc.http_messages import (
    MAX_HEAD_BYTES,
    FramingError,
    Handler,
    Response,
    Screen,
    encode,
    keeps_alive,
    parse_head,
)
from ovirt_node_config.rpc.http_workers import WorkerSide

log = logging.getLogger("ovirt_node_config.rpc")

DRAIN_BYTES = 16 * 1024 * 1024  # a refused body is read and dropped up to this, so the answer arrives
TICK_S = 0.25


class HttpFrontend(ConnectionTable, WorkerSide):
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
        self.connections: dict[int, Connection] = {}
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

    # Events -----------------------------------------------------------------------------------

    def _on_event(self, connection: Connection, events: int) -> None:
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

    def _handshake(self, connection: Connection) -> None:
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

    def _read(self, connection: Connection) -> None:
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

    def _advance(self, connection: Connection) -> None:
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
                request, length = parse_head(head, connection.client, self.max_body_bytes, connection.local)
            except FramingError as error:
                self._refuse(connection, error.status, error.reason)
                return
            connection.request, connection.body_length = request, length
            connection.keep_alive = keeps_alive(request)
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

    # Answers ----------------------------------------------------------------------------------

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

    def _take_back(self, connection: Connection, kind: str, rest: bytes) -> None:
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

    def _refuse(self, connection: Connection, status: int, reason: str) -> None:
        log.info("%s %d %s", connection.client, status, reason)
        self._refuse_with(
            connection, Response(status, "text/plain; charset=utf-8", (reason + "\n").encode(), close=True)
        )

    def _refuse_with(self, connection: Connection, response: Response, drain: int = 0) -> None:
        """Answer and close; read and drop what the client still sends (up to a bound), so
        that the answer is not lost to a reset."""
        connection.keep_alive = False
        connection.state = "write"
        connection.deadline = time.monotonic() + self.timeout_s
        connection.drain_left = min(max(drain - len(connection.inbound), 0), DRAIN_BYTES) or DRAIN_BYTES
        connection.inbound.clear()
        self._send(connection, encode(response, connection.request, False))

    def _send(self, connection: Connection, data: bytes) -> None:
        connection.outbound += data
        self._write(connection)

    def _write(self, connection: Connection) -> None:
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

    def _written(self, connection: Connection) -> None:
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
