"""The XML-RPC service over HTTP/1.1, hardened for a fleet booting at once.

- Connections are the event loop's (``http_frontend``): idle and half-sent ones cost no worker;
  whole requests go to a bounded pool of worker threads. The XML-RPC marshalling is the
  standard library's; the dispatch table and its faults are here.
- Request bodies are bounded (HTTP 411 without a length, 413 over the limit, 415 when encoded);
  the XML parser itself refuses DOCTYPE and entity declarations, in any encoding.
- Every refusal becomes a fault from ``faults``; anything unexpected is logged with a traceback
  and answered with a bare reference: no traceback, SQL or path reaches a client.
- ``admin.*`` methods need an administrator: HTTP Basic credentials or a session token
  (``Authorization: Bearer``), checked by ``accounts.authentication.Gate`` before the method is
  looked up; without them the answer is HTTP 401 saying why, and nothing runs; repeated
  password failures are throttled (429, see ``accounts/login_throttle.py``). TLS when a
  certificate and key are given (the handshake runs in the event loop, without blocking it).
- One log line per request: client, method, node, user, duration, outcome.
- ``shutdown()`` stops accepting and closes idle connections; ``serve_forever`` returns once the
  requests in flight are answered; ``drain()`` then ends the workers.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import logging
import socket
import time
import uuid
import xmlrpc.client
from collections.abc import Callable
from dataclasses import dataclass, replace
from http import HTTPStatus

from ovirt_node_config.rpc import faults, http_screen, request_context, xmlrpc_wire
from ovirt_node_config.rpc.answer_replay import AnswerReplay
from ovirt_node_config.rpc.host_names import ServerNames
from ovirt_node_config.rpc.http_frontend import HttpFrontend
from ovirt_node_config.rpc.http_messages import Request, Response
from ovirt_node_config.rpc.http_requests import (
    basic_credentials,
    bearer,
    forwarded_client,
    login_required,
    plain,
    tls_context,
    too_many,
    trusted_networks,
)
from ovirt_node_config.rpc.request_log import log_request_line, loggable
from ovirt_node_config.rpc.rest_api import RestApi

from ovirt_node_config.accounts.authentication import (
    AuthenticationRequired,
    Gate,
    LoginThrottled,
)
from ovirt_node_config.console.app import HEADERS as CONSOLE_HEADERS
from ovirt_node_config.console.app import PREFIX as CONSOLE_PREFIX
from ovirt_node_config.console.app import Answer as ConsoleAnswer
from ovirt_node_config.console.app import Asked, Console
from ovirt_node_config.errors import Busy, CredentialRequired, NodeConfigError, Throttled
from ovirt_node_config.trust.enrolment import DEFAULT_POLICY
from ovirt_node_config.trust.enrolment_rate import DEFAULT_OVERALL, DEFAULT_PER_ADDRESS

log = logging.getLogger("ovirt_node_config.rpc")

HSTS = "max-age=31536000"  # a year
LISTEN_BACKLOG = 1024


@dataclass(frozen=True)
class ServerSettings:
    listen: str = "0.0.0.0"  # noqa: S104 - nodes on the network must reach it
    port: int = 8742
    max_body_bytes: int = 1024 * 1024
    workers: int = 64
    timeout_s: float = 30.0  # an answer that makes no progress being written
    keepalive_timeout_s: float = 15.0  # an idle connection between requests
    request_deadline_s: float = 30.0  # a request's first byte to its last
    max_connections: int = 4096  # per process; beyond it the oldest idle one is closed
    processes: int = 1
    cpu_affinity: str = "auto"  # several processes: each bound to a CPU of its own (cpu_affinity.py)
    tls_cert: str | None = None
    tls_key: str | None = None
    legacy_identify_port: int | None = None  # the 2008 host-browser listener: off unless given
    legacy_identify_hosts: str | None = None  # hosts(5) file naming nodes without reverse DNS
    enrolment_policy: str = DEFAULT_POLICY  # how a new node is enrolled (trust/enrolment.py)
    enrolment_rate: float = DEFAULT_OVERALL  # new hosts per second, overall (0: no limit)
    enrolment_rate_per_address: float = DEFAULT_PER_ADDRESS  # and from one address
    # load balancers whose X-Forwarded-For names the client (addresses or networks, comma-separated)
    trusted_proxies: str = ""
    # the names browsers and balancers reach it by, beyond this machine's own (host_names)
    server_names: str = ""


ADMIN_PREFIX = "admin."
VIEWER_ROUTES = ("/metrics",)  # GET routes that show an account more than an anonymous caller


# A GET route answers (status, content type, body) for a path and its query string.
GetRoute = Callable[[str], tuple[int, str, bytes]]


class NodeConfigServer:
    """XML-RPC over HTTP/1.1: the event-loop front end (``http_frontend``) owns the sockets and
    hands whole requests to the worker threads, which answer through the methods here."""

    def __init__(
        self,
        settings: ServerSettings,
        methods: dict[str, Callable],
        get_routes: dict[str, GetRoute] | None = None,
        gate: Gate | None = None,
        replay: AnswerReplay | None = None,
        connections_changed: Callable[[int], None] | None = None,
        console: Callable[[bool], Console] | None = None,
        rest: RestApi | None = None,
    ):
        self.settings = settings
        self.rest = rest
        self.replay = replay
        self.methods = dict(methods)
        self.get_routes = dict(get_routes or {})
        self.gate = gate
        self.tls = tls_context(settings) if settings.tls_cert else None
        self.trusted_proxies = trusted_networks(settings.trusted_proxies)
        self.server_names = ServerNames.from_setting(settings.server_names)
        self.console = console(self.tls is not None) if console else None
        self.socket = socket.create_server(
            (settings.listen, settings.port), reuse_port=False, backlog=LISTEN_BACKLOG
        )
        self.server_address = self.socket.getsockname()
        self.frontend = HttpFrontend(
            self.socket,
            self.handle,
            self.screen,
            workers=settings.workers,
            max_body_bytes=settings.max_body_bytes,
            timeout_s=settings.timeout_s,
            keepalive_timeout_s=settings.keepalive_timeout_s,
            request_deadline_s=settings.request_deadline_s,
            max_connections=settings.max_connections,
            tls=self.tls,
            connections_changed=connections_changed,
        )

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"{'https' if self.tls else 'http'}://{host}:{port}/"

    def serve_forever(self) -> None:
        self.frontend.serve_forever()

    def shutdown(self) -> None:
        """Stop accepting; ``serve_forever`` returns once the requests in flight are answered
        (idle and half-sent connections are closed at once)."""
        self.frontend.shutdown()

    def drain(self) -> None:
        """After ``serve_forever`` has returned: let the workers end, close the socket."""
        self.frontend.close()

    def server_close(self) -> None:
        with contextlib.suppress(OSError):
            self.socket.close()

    # HTTP ---------------------------------------------------------------------------------------

    def screen(self, request: Request) -> Response | None:
        """Refusals that the head alone decides, before the body is read (``http_screen``). HEAD
        is GET without the body (``http_messages.encode`` leaves it out)."""
        return http_screen.screen(
            _as_get(request), self.tls is not None, bool(self.console), bool(self.rest), self.server_names
        )

    def handle(self, request: Request) -> Response:
        """One whole request, in a worker thread; under TLS, every answer tells browsers to come
        back over HTTPS only (HSTS)."""
        if self.trusted_proxies:
            request = replace(request, client=forwarded_client(request, self.trusted_proxies))
        answer = self._handle(_as_get(request))
        if self.tls is not None:
            answer.headers.setdefault("Strict-Transport-Security", HSTS)
        return answer

    def _handle(self, request: Request) -> Response:
        path = request.target.split("?", 1)[0]
        if self.console and http_screen.is_console(path):
            return self._console(request, path)
        if self.rest and http_screen.is_api(path):
            started = time.monotonic()
            answer, method, user = self.rest.handle(request)
            log_request_line(request.client, method, started, str(answer.status), user=user)
            return answer
        if self.console and request.method == "GET" and path == "/":
            return Response(
                HTTPStatus.SEE_OTHER, "text/plain; charset=utf-8", b"", {"Location": CONSOLE_PREFIX}
            )
        if request.method == "GET":
            return self._get(request)
        authorization = request.headers.get("authorization", "")
        try:
            data = xmlrpc_wire.request_body(request.body, request.headers.get("content-type", ""))
            body = self.dispatch_xml(
                data, request.client, basic_credentials(authorization), bearer(authorization), request.headers
            )
        except xmlrpc_wire.UnknownCharset as unknown:
            return plain(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, str(unknown))
        except xmlrpc.client.Fault as fault:  # the body is not in the charset it names
            body = xmlrpc_wire.marshal_fault(fault)
        except AuthenticationRequired as refused:
            return login_required(refused.message)
        except CredentialRequired as refused:
            answer = plain(HTTPStatus.UNAUTHORIZED, refused.message)
            answer.headers["WWW-Authenticate"] = 'Bearer realm="ovirt-node-config"'
            return answer
        except LoginThrottled as throttled:
            return too_many("too many failed logins; try again later", throttled.wait)
        except Throttled as throttled:
            return too_many(throttled.message, throttled.wait)
        return Response(HTTPStatus.OK, "text/xml; charset=utf-8", body)

    def _get(self, request: Request) -> Response:
        started = time.monotonic()
        path = request.target.split("?", 1)[0]
        route = self.get_routes.get(path)
        if route is None:
            return plain(HTTPStatus.NOT_FOUND, "not found")
        request_context.begin().client = request.client
        arguments: tuple = (request.target,)
        if path in VIEWER_ROUTES:  # more for an account than for anyone
            try:
                authorization = request.headers.get("authorization", "")
                credentials = (*basic_credentials(authorization), bearer(authorization), request.client)
                arguments += (self.gate is not None and self.gate.may_view(*credentials),)
            except AuthenticationRequired as refused:
                return login_required(refused.message)
            except LoginThrottled as throttled:
                return too_many("too many failed logins; try again later", throttled.wait)
            except Busy as busy:
                return plain(HTTPStatus.SERVICE_UNAVAILABLE, busy.message)
        try:
            status, content_type, body = route(*arguments)
        except Exception:
            reference = uuid.uuid4().hex[:12]
            log.exception("GET %s failed (reference %s)", loggable(path), reference)
            status, content_type = HTTPStatus.INTERNAL_SERVER_ERROR, "text/plain; charset=utf-8"
            body = f"internal error (reference {reference})\n".encode()
        log_request_line(
            request.client, f"GET {path}", started, str(int(status)), node=request_context.context().node
        )
        return Response(int(status), content_type, body)

    def _console(self, request: Request, path: str) -> Response:
        started = time.monotonic()
        request_context.begin().client = request.client
        asked = Asked(request.method, request.target, request.headers, request.body, request.client)
        try:
            answer = self.console.handle(asked)
        except Busy as busy:
            answer = ConsoleAnswer(
                HTTPStatus.SERVICE_UNAVAILABLE,
                busy.message.encode(),
                "text/plain; charset=utf-8",
                dict(CONSOLE_HEADERS),
            )
        except Exception:
            reference = uuid.uuid4().hex[:12]
            log.exception("%s %s failed (reference %s)", request.method, loggable(path), reference)
            body = f"internal error (reference {reference})\n".encode()
            answer = ConsoleAnswer(
                HTTPStatus.INTERNAL_SERVER_ERROR, body, "text/plain; charset=utf-8", dict(CONSOLE_HEADERS)
            )
        page = path[len(CONSOLE_PREFIX) :].split("/")
        node = page[1] if len(page) > 1 and page[0] == "node" else "-"
        log_request_line(
            request.client, f"{request.method} {CONSOLE_PREFIX}", started, str(int(answer.status)), node=node,
            user=answer.user,
        )  # fmt: skip
        return Response(int(answer.status), answer.content_type, answer.body, answer.headers)

    # XML-RPC --------------------------------------------------------------------------------

    def dispatch_xml(
        self,
        data: bytes,
        client: str,
        credentials: tuple[str | None, str | None],
        bearer: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> bytes:
        """Answer one XML-RPC request body; raises only what is answered in HTTP, not as a
        fault: AuthenticationRequired and LoginThrottled (admin methods), CredentialRequired and
        Throttled (node methods, from the library). A node's credential comes as a Bearer token,
        or as the password of HTTP Basic (for clients that cannot add a header: xmlrpc-c)."""
        started = time.monotonic()
        context = request_context.begin()
        context.client, context.credential = client, bearer or credentials[1]
        try:
            return self._dispatch(data, client, credentials, bearer, headers or {}, context, started)
        except CredentialRequired:
            log_request_line(
                client, context.method, started, "401 node credential required", node=context.node
            )
            raise
        except Throttled as throttled:
            log_request_line(client, context.method, started, f"429 {throttled.message}", node=context.node)
            raise

    def _dispatch(self, data, client, credentials, bearer, headers, context, started) -> bytes:
        method = context.method
        peeked = self.replay.peek(data) if self.replay else None
        if peeked:
            context.body_digest = peeked.digest
            kept = self.replay.lookup(peeked, context.credential)  # raises CredentialRequired
            if kept:
                context.method, context.node, body = kept
                method = context.method
                log_request_line(client, method, started, "ok (kept answer)", node=context.node)
                return body
        try:
            params, name = xmlrpc_wire.loads_strictly(data)
            if not isinstance(name, str):
                raise faults.invalid("malformed XML-RPC request: no method name")
            method, context.method = name, name[:64]
            if method.startswith(ADMIN_PREFIX):
                context.credential = bearer  # an administrator's session; Basic is their password
                self._admit(context, credentials, client, method, started)
            answer = self.call(method, params)
            nil = xmlrpc_wire.reads_nil(headers, params)
            body = xmlrpc_wire.marshal_answer(answer if nil else xmlrpc_wire.without_nil(answer))
            outcome = f"ok ({context.note})" if context.note else "ok"
        except xmlrpc.client.Fault as fault:
            body = xmlrpc_wire.marshal_fault(fault)
            outcome = f"fault {fault.faultCode}: {fault.faultString}"
        log_request_line(client, method, started, outcome, node=context.node, user=context.user)
        return body

    def _admit(self, context, credentials, client: str, method: str, started: float) -> None:
        """Who the administrator is (``accounts.authentication``), before anything runs; a
        refusal is logged here and answered in HTTP (401, 429), a check that could not run as
        the fault 503 (try again)."""
        if self.gate is None:
            log_request_line(client, method, started, "401 no administrators here")
            raise AuthenticationRequired
        try:
            who = self.gate.admit(*credentials, context.credential, client)
        except LoginThrottled as throttled:
            outcome = f"429 login throttled {throttled.wait:.0f}s"
            log_request_line(client, method, started, outcome, user=throttled.user)
            raise
        except AuthenticationRequired as refused:
            log_request_line(client, method, started, refused.outcome, user=refused.user)
            raise
        except Busy as busy:
            raise faults.from_refusal(busy) from None
        context.user, context.caller = who.name, who

    def call(self, method: str, params: tuple) -> object:
        """Run one method; every failure comes out as a Fault."""
        function = self.methods.get(method)
        if function is None:
            raise xmlrpc.client.Fault(faults.NOT_FOUND, f"no method named {method[:64]!r}")
        fewest, most = _arity(function)
        if not fewest <= len(params) <= most:
            raise faults.invalid(f"wrong number of arguments for {method}")
        try:
            return function(*params)
        except xmlrpc.client.Fault:
            raise
        except (CredentialRequired, Throttled):
            raise  # answered in HTTP (401, 429), not as a fault
        except NodeConfigError as refusal:
            raise faults.from_refusal(refusal) from None
        except Exception:
            reference = uuid.uuid4().hex[:12]
            log.exception("%s failed (reference %s)", method, reference)
            raise faults.internal(reference) from None


@functools.lru_cache(maxsize=256)
def _arity(function: Callable) -> tuple[int, float]:
    """The fewest and most positional arguments ``function`` takes (binding its signature on
    every call cost ~15 us)."""
    parameters = inspect.signature(function).parameters.values()
    if any(parameter.kind is parameter.VAR_POSITIONAL for parameter in parameters):
        return 0, float("inf")
    positional = [p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return sum(p.default is p.empty for p in positional), len(positional)


def _as_get(request: Request) -> Request:
    """A HEAD request is answered as its GET would be (without the body)."""
    return replace(request, method="GET") if request.method == "HEAD" else request
