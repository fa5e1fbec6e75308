"""The agent's calls to the server: the TLS it insists on, the node's credential presented with
every call, a busy or silent server tried again with backoff, every refusal turned into the
boot's exit code, and the wait for the server to answer after a restart."""

from __future__ import annotations

import http.client
import itertools
import random
import ssl
import time
import xmlrpc.client
from collections.abc import Callable
from pathlib import Path

from ovirt_node_config.agent import discovery
from ovirt_node_config.agent.boot_options import BootError, BootOptions, ExitCode
from ovirt_node_config.agent.credential import CredentialStore
from ovirt_node_config.rpc_client import MalformedAnswer, server_proxy

BUSY = 503  # the fault of a server whose database is busy or unavailable: try again later
RETRY_MAX_DELAY_S = 30


class ServerLink:
    """The server a boot found (``discovery``), as this node speaks to it."""

    def __init__(
        self, root: Path, options: BootOptions, say: Callable[[str], None], choice: discovery.ServerChoice
    ):
        self.root, self.options, self.say = root, options, say
        self.url = choice.url
        self.ca_file = self._tls_settings(choice)
        self.credential = CredentialStore(root)

    def _tls_settings(self, choice: discovery.ServerChoice) -> str | None:
        """The CA file to verify the server with; refuses plain HTTP under require-tls."""
        conf = discovery.node_settings(self.root)
        required = self.options.require_tls or conf.get("require-tls", "").lower() in ("yes", "true", "1")
        if required and not choice.url.startswith("https://"):
            raise BootError(
                ExitCode.REFUSED,
                f"require-tls: {choice.url} (from {choice.source}) is plain HTTP; give an https:// server",
            )
        ca_file = self.options.ca_file or conf.get("ca-file")
        if ca_file and not self.options.ca_file:  # node.conf names a path on the node
            ca_file = str(self.root / ca_file.lstrip("/"))
        if ca_file and not Path(ca_file).is_file():
            raise BootError(ExitCode.USAGE, f"no CA file at {ca_file}")
        return ca_file

    def _proxy(self, timeout: float):
        return server_proxy(self.url, timeout=timeout, ca_file=self.ca_file, bearer=self._bearer)

    def _bearer(self) -> str | None:
        """The credential; before there is one, this run's enrolment token (credential.py)."""
        return self.credential.presented()

    def proxy(self, timeout: float):
        return server_proxy(self.url, timeout=timeout, ca_file=self.ca_file, bearer=self._bearer)

    def _bearer(self) -> str | None:
        """The credential; before there is one, this run's enrolment token (credential.py)."""
        return self.credential.presented()

    def call(self, method, *args):
        """One call; a busy (503), throttling (429, after its Retry-After) or silent server is
        tried again with backoff for up to ``retry_for`` seconds, then exit 3. A refusal or a
        malformed answer is exit 4 at once."""
        give_up = time.monotonic() + self.options.retry_for
        asked = None  # seconds a 429's Retry-After asks for
        for attempt in itertools.count(1):
            try:
                return method(*args)
            except xmlrpc.client.Fault as fault:
                if fault.faultCode != BUSY:
                    raise BootError(ExitCode.REFUSED, f"the server refused: {fault.faultString}") from None
                reason = f"the server is busy: {fault.faultString}"
            except MalformedAnswer as exc:
                raise BootError(ExitCode.REFUSED, f"the server's answer was refused: {exc}") from None
            except ssl.SSLError as exc:
                raise BootError(ExitCode.REFUSED, tls_failure(self.url, exc)) from None
            except xmlrpc.client.ProtocolError as exc:
                if exc.errcode == 401:
                    raise BootError(ExitCode.REFUSED, self.unauthorized(exc)) from None
                if exc.errcode == 429:  # too many new nodes at once: as the server asks
                    asked = retry_after(exc)
                    reason = f"the server asks to wait: {reason_of(exc)}"
                elif exc.errcode < 500:
                    raise BootError(ExitCode.REFUSED, f"the server refused: {reason_of(exc)}") from None
                else:
                    reason = f"the server did not answer: {reason_of(exc)}"
            except (OSError, http.client.HTTPException) as exc:
                reason = f"the server did not answer: {reason_of(exc)}"
            delay = min(RETRY_MAX_DELAY_S, 2**attempt) * random.uniform(0.5, 1.0)  # noqa: S311 - jitter
            if asked is not None:
                delay, asked = max(delay, min(asked, self.options.retry_for)), None
            if time.monotonic() + delay > give_up:
                raise BootError(ExitCode.UNREACHABLE, f"{reason}; nothing changed, try again later")
            self.say(f"      {reason}; trying again in {delay:.0f}s")
            time.sleep(delay)
        raise AssertionError("unreachable")

    def unauthorized(self, exc: xmlrpc.client.ProtocolError) -> str:
        held = "the credential this node holds" if self.credential.value else "no credential"
        return (
            f"the server refused ({reason_of(exc)}): this host is enrolled and this node presented {held}; "
            "if it is this host, an administrator can let it enrol again: "
            "ovirt-node-admin node-reset-credential HOST"
        )

    def answers(self) -> bool:
        """Ping until the server answers or ``--confirm-timeout`` passes, saying every 10 s how
        long is left (a person at the console sees the wait is bounded)."""
        deadline = time.monotonic() + self.options.confirm_timeout
        server = self.proxy(max(1.0, min(self.options.rpc_timeout, self.options.confirm_timeout)))
        next_word = time.monotonic() + 10
        while True:
            try:
                server.ping()
                return True
            except (
                OSError,
                xmlrpc.client.ProtocolError,
                xmlrpc.client.Fault,
                http.client.HTTPException,
                MalformedAnswer,
            ):
                if time.monotonic() >= deadline:
                    return False
                if time.monotonic() >= next_word:
                    left = deadline - time.monotonic()
                    self.say(f"      the server does not answer yet; rolling back in {left:.0f}s")
                    next_word += 10
                time.sleep(min(1.0, max(0.0, deadline - time.monotonic())))


def tls_failure(url: str, exc: ssl.SSLError) -> str:
    if isinstance(exc, ssl.SSLCertVerificationError):
        return (
            f"the certificate of {url} cannot be verified ({exc.verify_message or exc.reason}): "
            "nothing changed; give the CA that signed it with --ca-file or ca-file= in node.conf"
        )
    return f"TLS with {url} failed ({exc.reason or exc}): nothing changed"


def retry_after(exc: xmlrpc.client.ProtocolError) -> float:
    value = (exc.headers.get("Retry-After") if exc.headers else None) or ""
    return float(value) if value.isascii() and value.isdigit() else RETRY_MAX_DELAY_S


def reason_of(exc: BaseException) -> str:
    if isinstance(exc, xmlrpc.client.ProtocolError):
        return f"HTTP {exc.errcode} {exc.errmsg}"
    return (exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)) or type(exc).__name__


def silent(exc: BaseException) -> str:
    """A server that did not answer, in words."""
    return f"the server did not answer: {reason_of(exc)}"
