"""The connections of the HTTP front end (``http_frontend``): each one's state, accepting new
ones within ``max_connections``, their timers, and closing them."""

from __future__ import annotations

import contextlib
import logging
import selectors
import socket
import ssl
import time
from dataclasses import dataclass, field

from ovirt_node_config.rpc.http_messages import Request, plain_answer

log = logging.getLogger("ovirt_node_config.rpc")


@dataclass
class Connection:
    sock: socket.socket
    client: str
    opened: float
    local: str = ""  # the address it arrived on (http_messages.Request.local)
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


class ConnectionTable:
    """Mixed into ``HttpFrontend``: the connections it holds (``self.connections``, by file
    descriptor), watched by its selector."""

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
                    sock.send(plain_answer(503, "too many connections; try again later", close=True))
                sock.close()
                log.warning("%s refused: %d connections open", address[0], len(self.connections))
                continue
            try:
                local = sock.getsockname()[0]
            except OSError:  # reset before we looked
                sock.close()
                continue
            connection = Connection(sock, address[0], now, local, last_active=now)
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

    def _watch(self, connection: Connection, events: int) -> None:
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

    def _close(self, connection: Connection) -> None:
        fileno = connection.sock.fileno()
        if fileno in self.connections:
            del self.connections[fileno]
            self.connections_changed(len(self.connections))
        with contextlib.suppress(KeyError, ValueError, OSError):
            self.selector.unregister(connection.sock)
        with contextlib.suppress(OSError):
            connection.sock.close()
