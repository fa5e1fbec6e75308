"""XML-RPC client plumbing shared by the admin script, the node agent and the benchmark.

The standard library's ServerProxy, made safe against a server that misbehaves:

- a timeout on every socket operation, and a deadline on the whole call (a server trickling a
  byte every few seconds cannot hold a caller past it: the connection is shut when it passes);
- answers bounded in size, never compressed (none is asked for; one that comes anyway is
  refused), and parsed with declarations refused (:mod:`xmlrpc_strict`);
- HTTP Basic credentials from arguments (never from the URL given by a user), and TLS verified
  against a CA file.

A malformed answer raises :class:`MalformedAnswer`; a call that ran out of time raises
``TimeoutError``.
"""

from __future__ import annotations

import contextlib
import heapq
import http.client
import ipaddress
import itertools
import socket
import ssl
import threading
import time
import xmlrpc.client
from collections.abc import Callable
from urllib.parse import quote, urlsplit, urlunsplit

from ovirt_node_config import xmlrpc_strict

MAX_ANSWER_BYTES = 4 * 1024 * 1024


class MalformedAnswer(Exception):
    """The server's answer is not a well-formed, uncompressed XML-RPC answer within the bounds."""


class _Watchdog:
    """One thread per process that runs each call's expiry when its deadline passes: a timer
    thread per call would cost more than many calls themselves (the benchmark's clients make
    thousands a second)."""

    def __init__(self):
        self._due: list[tuple[float, int, Callable[[], None]]] = []
        self._cancelled: set[int] = set()
        self._wakeup = threading.Condition()
        self._ids = itertools.count()
        self._thread: threading.Thread | None = None

    def watch(self, seconds: float, expire: Callable[[], None]) -> int:
        ident = next(self._ids)
        with self._wakeup:
            if self._thread is None or not self._thread.is_alive():  # first use, or after a fork
                self._thread = threading.Thread(target=self._run, name="rpc-deadlines", daemon=True)
                self._thread.start()
            heapq.heappush(self._due, (time.monotonic() + seconds, ident, expire))
            self._wakeup.notify()
        return ident

    def cancel(self, ident: int) -> None:
        with self._wakeup:
            self._cancelled.add(ident)
            if len(self._cancelled) > 1024 and len(self._cancelled) * 2 > len(self._due):
                # Most calls end long before their deadline: drop them in one pass, now and then.
                self._due = [entry for entry in self._due if entry[1] not in self._cancelled]
                heapq.heapify(self._due)
                self._cancelled.clear()

    def _run(self) -> None:
        while True:
            with self._wakeup:
                while self._due and self._due[0][1] in self._cancelled:
                    self._cancelled.discard(heapq.heappop(self._due)[1])
                if not self._due:
                    self._wakeup.wait()
                    continue
                when, ident, expire = self._due[0]
                if when > time.monotonic():
                    self._wakeup.wait(when - time.monotonic())
                    continue
                heapq.heappop(self._due)
            expire()


_WATCHDOG = _Watchdog()


class _GuardedTransport(xmlrpc.client.Transport):
    """Per-operation timeout, whole-call deadline, bounded and uncompressed answers."""

    accept_gzip_encoding = False
    encode_threshold = None

    def __init__(
        self,
        timeout: float,
        deadline: float | None,
        max_answer_bytes: int,
        bearer: Callable[[], str | None] | None = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.timeout = timeout
        self.deadline = deadline if deadline is not None else timeout * 3
        self.max_answer_bytes = max_answer_bytes
        self.bearer = bearer

    def send_headers(self, connection, headers):
        credential = self.bearer() if self.bearer else None
        if credential:
            headers = [*headers, ("Authorization", f"Bearer {credential}")]
        super().send_headers(connection, headers)

    def make_connection(self, host):
        connection = super().make_connection(host)
        connection.timeout = self.timeout
        return connection

    def single_request(self, host, handler, request_body, verbose=False):
        """The standard library's, with the deadline, and without reading an error answer's body
        of unknown size (the connection is closed instead)."""
        expired = threading.Event()

        def expire():
            expired.set()
            connection = self._connection[1] if self._connection else None
            with contextlib.suppress(OSError, AttributeError):
                connection.sock.shutdown(socket.SHUT_RDWR)

        watch = _WATCHDOG.watch(self.deadline, expire)
        try:
            connection = self.send_request(host, handler, request_body, verbose)
            response = connection.getresponse()
            if response.status == 200:
                self.verbose = verbose
                return self.parse_response(response)
            self.close()
            raise xmlrpc.client.ProtocolError(host + handler, response.status, response.reason, response.msg)
        except (xmlrpc.client.Fault, xmlrpc.client.ProtocolError):
            raise
        except Exception:
            self.close()
            if expired.is_set():
                raise TimeoutError(f"no complete answer within {self.deadline:g}s") from None
            raise
        finally:
            _WATCHDOG.cancel(watch)

    def parse_response(self, response):
        encoding = (response.getheader("Content-Encoding") or "identity").strip().lower()
        if encoding != "identity":
            raise MalformedAnswer(f"compressed answer ({encoding[:20]}) refused")
        length = response.getheader("Content-Length")
        if length and length.isdigit() and int(length) > self.max_answer_bytes:
            raise MalformedAnswer(f"answer of {length} bytes is over the limit of {self.max_answer_bytes}")
        parsing, unmarshaller = xmlrpc_strict.parser()
        received = 0
        try:
            while chunk := response.read(65536):
                received += len(chunk)
                if received > self.max_answer_bytes:
                    raise MalformedAnswer(f"answer over the limit of {self.max_answer_bytes} bytes")
                parsing.Parse(chunk, False)
            parsing.Parse(b"", True)
            return unmarshaller.close()
        except xmlrpc.client.Fault:
            raise
        except (OSError, http.client.HTTPException, MalformedAnswer):
            raise
        except Exception as exc:  # expat.ExpatError, Declaration, the unmarshaller's own errors
            raise MalformedAnswer(f"malformed XML-RPC answer ({type(exc).__name__})") from None


class _GuardedSafeTransport(_GuardedTransport, xmlrpc.client.SafeTransport):
    pass


def is_server_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def sends_secrets_in_clear(url: str) -> bool:
    """Would credentials sent to ``url`` cross a network unencrypted? (plain http, not loopback)"""
    parts = urlsplit(url)
    if parts.scheme != "http" or not parts.hostname:
        return False
    if parts.hostname == "localhost":
        return False
    try:
        return not ipaddress.ip_address(parts.hostname).is_loopback
    except ValueError:
        return True  # a name: it may resolve anywhere


def server_proxy(
    url: str,
    *,
    user: str | None = None,
    password: str | None = None,
    timeout: float = 30.0,
    deadline: float | None = None,
    ca_file: str | None = None,
    max_answer_bytes: int = MAX_ANSWER_BYTES,
    bearer: Callable[[], str | None] | None = None,
) -> xmlrpc.client.ServerProxy:
    """A proxy for ``url`` (http or https) that sends credentials when a user is given, and
    ``Authorization: Bearer`` with what ``bearer()`` returns at each call (a node's credential).
    ``timeout`` bounds each socket operation, ``deadline`` each whole call (default: three
    timeouts)."""
    parts = urlsplit(url)
    netloc = parts.netloc.rsplit("@", 1)[-1]
    if user:
        netloc = f"{quote(user, safe='')}:{quote(password or '', safe='')}@{netloc}"
    address = urlunsplit((parts.scheme, netloc, parts.path or "/", "", ""))
    if parts.scheme == "https":
        transport = _GuardedSafeTransport(
            timeout, deadline, max_answer_bytes, bearer, context=ssl.create_default_context(cafile=ca_file)
        )
    else:
        transport = _GuardedTransport(timeout, deadline, max_answer_bytes, bearer)
    return xmlrpc.client.ServerProxy(address, transport=transport, allow_none=True)
