"""The XML-RPC server: the standard library's, hardened for a fleet booting at once.

- HTTP/1.1 keep-alive, a bounded pool of worker threads (connections beyond it wait in line),
  a socket timeout so a slow or idle client cannot hold a worker forever.
- Request bodies are bounded (HTTP 411 without a length, 413 over the limit, 415 when encoded);
  the XML parser itself refuses DOCTYPE and entity declarations, in any encoding.
- Every refusal becomes a fault from ``faults``; anything unexpected is logged with a traceback
  and answered with a bare reference: no traceback, SQL or path reaches a client.
- ``admin.*`` methods need HTTP Basic credentials that the given authenticator accepts; without
  them the answer is HTTP 401 and nothing runs. TLS when a certificate and key are given (the
  handshake runs in the worker thread, so a slow client cannot stall the accept loop).
- One log line per request: client, method, node, user, duration, outcome.
- ``shutdown()`` stops accepting; ``drain()`` then wakes idle keep-alive connections and waits for
  the requests in flight.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import inspect
import logging
import socket
import ssl
import threading
import time
import uuid
import xmlrpc.client
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from http import HTTPStatus
from xmlrpc.server import SimpleXMLRPCRequestHandler, SimpleXMLRPCServer

from ovirt_node_config import __version__, xmlrpc_strict
from ovirt_node_config.errors import NodeConfigError

from . import faults, request_context

log = logging.getLogger("ovirt_node_config.rpc")

MAX_DRAIN_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True)
class ServerSettings:
    listen: str = "0.0.0.0"  # noqa: S104 - nodes on the network must reach it
    port: int = 8742
    max_body_bytes: int = 1024 * 1024
    workers: int = 64
    timeout_s: float = 30.0
    processes: int = 1
    tls_cert: str | None = None
    tls_key: str | None = None
    legacy_identify_port: int | None = None  # the 2008 host-browser listener: off unless given
    legacy_identify_hosts: str | None = None  # hosts(5) file naming nodes without reverse DNS


# Checks HTTP Basic credentials (user, password); returns the administrator's name or None.
Authenticator = Callable[[str | None, str | None], str | None]
ADMIN_PREFIX = "admin."


class AuthenticationRequired(Exception):
    """An admin method was called without an administrator's credentials."""


# A GET route answers (status, content type, body) for a path and its query string.
GetRoute = Callable[[str], tuple[int, str, bytes]]


class RequestHandler(SimpleXMLRPCRequestHandler):
    protocol_version = "HTTP/1.1"
    rpc_paths = ("/", "/RPC2")
    server_version = f"ovirt-node-config/{__version__}"
    sys_version = ""

    def setup(self):
        self.timeout = self.server.settings.timeout_s
        super().setup()
        self.server.track(self.connection)

    def finish(self):
        self.server.untrack(self.connection)
        with contextlib.suppress(OSError):  # the client went away; nothing left to flush
            super().finish()

    def do_POST(self):
        if not self.is_rpc_path_valid():
            self._plain(HTTPStatus.NOT_FOUND, "no XML-RPC endpoint at this path")
            return
        length = self._content_length()
        if length is None:
            return
        data = self.rfile.read(length)
        if len(data) < length:
            self.close_connection = True
            return
        try:
            body = self.server.dispatch_xml(data, self.client_address[0], self._credentials())
        except AuthenticationRequired:
            self.close_connection = True
            challenge = {"WWW-Authenticate": 'Basic realm="ovirt-node-config", charset="UTF-8"'}
            self._plain(HTTPStatus.UNAUTHORIZED, "administrator credentials required", challenge)
            return
        self._send(HTTPStatus.OK, "text/xml; charset=utf-8", body)

    def do_GET(self):
        started = time.monotonic()
        path = self.path.split("?", 1)[0]
        route = self.server.get_routes.get(path)
        if route is None:
            self._plain(HTTPStatus.NOT_FOUND, "not found")
            return
        request_context.begin()
        try:
            status, content_type, body = route(self.path)
        except Exception:
            reference = uuid.uuid4().hex[:12]
            log.exception("GET %s failed (reference %s)", path, reference)
            status, content_type = HTTPStatus.INTERNAL_SERVER_ERROR, "text/plain; charset=utf-8"
            body = f"internal error (reference {reference})\n".encode()
        self._send(status, content_type, body)
        self.server.log_request_line(self.client_address[0], f"GET {path}", started, str(int(status)))

    def _credentials(self) -> tuple[str | None, str | None]:
        header = self.headers.get("Authorization", "")
        scheme, _, encoded = header.partition(" ")
        if scheme.lower() != "basic" or len(encoded) > 4096:
            return None, None
        try:
            user, separator, password = (
                base64.b64decode(encoded.strip(), validate=True).decode().partition(":")
            )
        except (ValueError, UnicodeDecodeError):
            return None, None
        return (user, password) if separator else (None, None)

    def _content_length(self) -> int | None:
        encoding = self.headers.get("Content-Encoding", "identity").strip().lower()
        if encoding != "identity":
            self._refuse_body(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "compressed request bodies are not accepted")
            return None
        raw = self.headers.get("Content-Length")
        if raw is None:
            self._refuse_body(HTTPStatus.LENGTH_REQUIRED, "a Content-Length header is required")
            return None
        if not raw.strip().isdigit():
            self._refuse_body(HTTPStatus.BAD_REQUEST, "Content-Length is not a number")
            return None
        length = int(raw)
        if length > self.server.settings.max_body_bytes:
            self._drain(length)
            self._refuse_body(
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                f"request body of {length} bytes is over the limit of {self.server.settings.max_body_bytes}",
            )
            return None
        return length

    def _drain(self, length: int) -> None:
        """Read and drop a refused body (up to a bound) so the client can read our answer."""
        if length > MAX_DRAIN_BYTES:
            return
        remaining = length
        while remaining > 0:
            chunk = self.rfile.read(min(remaining, 65536))
            if not chunk:
                return
            remaining -= len(chunk)

    def _refuse_body(self, status: HTTPStatus, reason: str) -> None:
        self.close_connection = True
        self._plain(status, reason)
        self.server.log_request_line(self.client_address[0], "POST", time.monotonic(), str(int(status)))

    def _plain(self, status: int, text: str, headers: dict[str, str] | None = None) -> None:
        self._send(status, "text/plain; charset=utf-8", (text.rstrip("\n") + "\n").encode(), headers)

    def _send(
        self, status: int, content_type: str, body: bytes, headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):  # noqa: A002 - the base class's signature
        log.debug("%s %s", self.client_address[0], format % args)


class NodeConfigServer(SimpleXMLRPCServer):
    """XML-RPC over HTTP/1.1 with a bounded worker pool."""

    allow_reuse_address = True
    request_queue_size = 128

    def __init__(
        self,
        settings: ServerSettings,
        methods: dict[str, Callable],
        get_routes: dict[str, GetRoute] | None = None,
        authenticate: Authenticator | None = None,
    ):
        self.settings = settings
        self.methods = dict(methods)
        self.get_routes = dict(get_routes or {})
        self.authenticate = authenticate or (lambda _user, _password: None)
        self.tls = _tls_context(settings) if settings.tls_cert else None
        self._pool = ThreadPoolExecutor(settings.workers, thread_name_prefix="rpc-worker")
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(
            (settings.listen, settings.port),
            requestHandler=RequestHandler,
            logRequests=False,
            allow_none=True,
            use_builtin_types=True,
        )

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"{'https' if self.tls else 'http'}://{host}:{port}/"

    # Connection handling -------------------------------------------------------------------

    def process_request(self, request, client_address):
        self._pool.submit(self._process, request, client_address)

    def _process(self, request, client_address):
        try:
            if self.tls:
                request = self._handshake(request, client_address)
                if request is None:
                    return
            self.finish_request(request, client_address)
        except Exception:
            self.handle_error(request, client_address)
        finally:
            self.shutdown_request(request)

    def _handshake(self, request: socket.socket, client_address) -> ssl.SSLSocket | None:
        request.settimeout(self.settings.timeout_s)
        try:
            secured = self.tls.wrap_socket(request, server_side=True, do_handshake_on_connect=False)
            secured.do_handshake()
        except (ssl.SSLError, OSError) as exc:
            log.info("%s TLS handshake failed: %s", client_address[0], exc)
            request.close()
            return None
        return secured

    def handle_error(self, request, client_address):
        log.warning("connection from %s ended by an error", client_address[0], exc_info=True)

    def track(self, connection: socket.socket) -> None:
        with self._connections_lock:
            self._connections.add(connection)

    def untrack(self, connection: socket.socket) -> None:
        with self._connections_lock:
            self._connections.discard(connection)

    def drain(self) -> None:
        """After ``serve_forever`` has returned (``shutdown()`` from another thread): end idle
        keep-alive connections, let requests in flight finish, close the socket."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RD)
        self._pool.shutdown(wait=True)
        self.server_close()

    # XML-RPC --------------------------------------------------------------------------------

    def dispatch_xml(self, data: bytes, client: str, credentials: tuple[str | None, str | None]) -> bytes:
        """Answer one XML-RPC request body; raises only AuthenticationRequired."""
        started = time.monotonic()
        context = request_context.begin()
        method = "?"
        try:
            params, name = loads_strictly(data)
            if not isinstance(name, str):
                raise faults.invalid("malformed XML-RPC request: no method name")
            method = name
            if method.startswith(ADMIN_PREFIX):
                self._require_admin(context, credentials, client, method, started)
            result = self.call(method, params)
            body = xmlrpc.client.dumps((result,), methodresponse=True, allow_none=True)
            outcome = "ok"
        except xmlrpc.client.Fault as fault:
            body = xmlrpc.client.dumps(fault, allow_none=True)
            outcome = f"fault {fault.faultCode}: {fault.faultString}"
        self.log_request_line(client, method, started, outcome, node=context.node, user=context.user)
        return body.encode("utf-8", "xmlcharrefreplace")

    def _require_admin(self, context, credentials, client: str, method: str, started: float) -> None:
        try:
            user = self.authenticate(*credentials)
        except Exception:
            log.exception("authenticating %s failed", loggable(str(credentials[0])[:64]))
            user = None
        if user is None:
            self.log_request_line(client, method, started, "401 unauthorized", user=str(credentials[0])[:64])
            raise AuthenticationRequired
        context.user = user

    def call(self, method: str, params: tuple) -> object:
        """Run one method; every failure comes out as a Fault."""
        function = self.methods.get(method)
        if function is None:
            raise xmlrpc.client.Fault(faults.NOT_FOUND, f"no method named {method[:64]!r}")
        try:
            _signature(function).bind(*params)
        except TypeError:
            raise faults.invalid(f"wrong number of arguments for {method}") from None
        try:
            return function(*params)
        except xmlrpc.client.Fault:
            raise
        except NodeConfigError as refusal:
            raise faults.from_refusal(refusal) from None
        except Exception:
            reference = uuid.uuid4().hex[:12]
            log.exception("%s failed (reference %s)", method, reference)
            raise faults.internal(reference) from None

    def log_request_line(
        self, client: str, method: str, started: float, outcome: str, node: str = "-", user: str = "-"
    ) -> None:
        log_request_line(client, method, started, outcome, node, user)


def log_request_line(
    client: str, method: str, started: float, outcome: str, node: str = "-", user: str = "-"
) -> None:
    """The one log line of a request (XML-RPC) or a session (host-browser). Every value a client
    chose is escaped (control characters, and spaces inside fields), so none can forge a line."""
    elapsed_ms = (time.monotonic() - started) * 1000
    log.info(
        "%s %s node=%s user=%s %.1fms %s",
        client,
        loggable(method[:64]),
        loggable(node[:64]),
        loggable(user[:64]),
        elapsed_ms,
        loggable(outcome[:512], field=False),
    )


def loggable(text: str, *, field: bool = True) -> str:
    """``text`` with control characters (and, in a field, spaces) written as ``\\xNN``."""
    return "".join(
        f"\\x{ord(ch):02x}" if not ch.isprintable() or ch == "\\" or (field and ch == " ") else ch
        for ch in text
    )


def loads_strictly(data: bytes) -> tuple[tuple, str | None]:
    """A request's (params, method name), or a 400 fault: declarations refused by the parser."""
    try:
        return xmlrpc_strict.loads(data)
    except xmlrpc_strict.Declaration as refusal:
        raise faults.invalid(str(refusal)) from None
    except Exception:
        raise faults.invalid("malformed XML-RPC request") from None


@functools.lru_cache(maxsize=256)
def _signature(function: Callable) -> inspect.Signature:
    return inspect.signature(function)


def _tls_context(settings: ServerSettings) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(settings.tls_cert, settings.tls_key)
    return context
