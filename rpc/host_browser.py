"""The 2008 host-browser protocol on TCP (port 12120 by default), beside XML-RPC.

Speaks exactly what the 2008 node's ``ovirt-identify-node`` and ``ovirt-awake`` need (README.md,
"Old appliances"): ``HELLO?``/``HELLO!``, ``MODE?``, then ``IDENTIFY`` (``INFO?``, ``KEY=value``
lines each answered ``ACK KEY``, ``CPU``/``NIC`` blocks, ``ENDINFO``, then ``BYE`` or one
``ERROR <reason>`` line) or ``AWAKEN`` (no Kerberos keytab here: ``BYE``). The 2008 client reads
each answer with one ``read()`` of at most 128 bytes, so every answer line is one write of at
most 127 bytes plus ``\\n``; ``\\r\\n`` from clients is accepted.

The protocol carries no host name and no authentication: the node is the reverse-DNS name of
its address (or a name from a hosts file), which is why the listener is off unless asked for.
What the node sent goes through the same parsing, validation and one-transaction sync as XML-RPC
``identify``. Sessions are bounded: line length, lines, CPU and NIC blocks, an idle timeout and
a whole-session deadline, and a cap on concurrent sessions (beyond it: ``ERROR busy``). One log
line per session, in the format of the XML-RPC request log.
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import socket
import socketserver
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ovirt_node_config.rpc.request_log import log_request_line

from ovirt_node_config import validation
from ovirt_node_config.errors import Busy, InvalidInput, NodeConfigError
from ovirt_node_config.inventory.legacy import IdentifySession

log = logging.getLogger("ovirt_node_config.rpc")

MAX_ANSWER_BYTES = 127  # plus "\n": the 2008 client reads 128 bytes per line


@dataclass(frozen=True)
class SessionLimits:
    max_line_bytes: int = 1024
    max_lines: int = 20_000
    max_cpus: int = 4096
    max_nics: int = 1024  # NIC blocks, software devices included
    max_keys_per_block: int = 64
    idle_timeout_s: float = 10.0
    session_deadline_s: float = 120.0
    max_sessions: int = 64
    linger_s: float = 2.0  # after the last answer, how long to wait for the client's close


# identify: a report (modern keys) and the peer's address in, its answer struct out; raises
# NodeConfigError.
Identify = Callable[[dict, str], dict]
# The host name of a peer address, or None.
Resolver = Callable[[str], str | None]


class SessionEnded(Exception):
    """The session ends with this ERROR reason (already safe to send)."""


class Refused(Exception):
    """The node's data was refused; ``reason`` is the ERROR line's text."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def read_hosts_file(hosts_file: Path | None) -> dict[str, str]:
    """Address -> host name of a hosts(5)-format file (the first name of an address wins)."""
    names: dict[str, str] = {}
    if hosts_file is None:
        return names
    for number, line in enumerate(hosts_file.read_text(encoding="utf-8").splitlines(), start=1):
        fields = line.split("#", 1)[0].split()
        if not fields:
            continue
        try:
            address = str(ipaddress.ip_address(fields[0]))
            names.setdefault(address, validation.hostname("name", fields[1] if len(fields) > 1 else None))
        except (ValueError, InvalidInput) as exc:
            raise ValueError(f"{hosts_file}:{number}: not 'ADDRESS NAME': {exc}") from None
    return names


def reverse_dns(names: dict[str, str] | None = None) -> Resolver:
    """The resolver of the 2008 server: the reverse-DNS name of the peer's address, after the
    names of the hosts file (:func:`read_hosts_file`, for sites without PTR records)."""
    names = names or {}

    def resolve(address: str) -> str | None:
        if address in names:
            return names[address]
        try:
            return socket.gethostbyaddr(address)[0]
        except OSError:
            return None

    return resolve


class HostBrowserServer(socketserver.ThreadingMixIn, socketserver.TCPServer):
    """One thread per session, at most ``limits.max_sessions`` at once."""

    allow_reuse_address = True
    daemon_threads = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], identify: Identify, resolve: Resolver, limits=None):
        self.identify = identify
        self.resolve = resolve
        self.limits = limits or SessionLimits()
        self._slots = threading.BoundedSemaphore(self.limits.max_sessions)
        super().__init__(address, socketserver.BaseRequestHandler)

    def process_request(self, request, client_address):
        if not self._slots.acquire(blocking=False):
            with contextlib.suppress(OSError):
                request.setblocking(False)
                request.send(b"ERROR busy: too many sessions, try again later\n")
            self.shutdown_request(request)
            log_request_line(client_address[0], "host-browser", time.monotonic(), "ERROR busy")
            return
        super().process_request(request, client_address)

    def process_request_thread(self, request, client_address):
        try:
            Session(self, request, client_address[0]).run()
        except Exception:
            log.exception("host-browser session from %s failed", client_address[0])
        finally:
            self.shutdown_request(request)
            self._slots.release()


class Session:
    """One connection: the conversation, its bounds, its log line."""

    def __init__(self, server: HostBrowserServer, connection: socket.socket, peer: str):
        self.server = server
        self.limits = server.limits
        self.connection = connection
        self.peer = peer
        self.started = time.monotonic()
        self.deadline = self.started + self.limits.session_deadline_s
        self.reader = connection.makefile("rb")
        self.lines = 0
        self.mode = "-"
        self.node = "-"

    def run(self) -> None:
        try:
            outcome = self._converse()
        except SessionEnded as ended:
            self._send(f"ERROR {ended}")
            outcome = f"ERROR {ended}"
        self._linger()
        method = "host-browser" if self.mode == "-" else f"host-browser:{self.mode}"
        log_request_line(self.peer, method, self.started, outcome, node=self.node)

    # The conversation ----------------------------------------------------------------------

    def _converse(self) -> str:
        self._send("HELLO?")
        hello = self._read()
        if hello != "HELLO!":
            raise SessionEnded(f"received {hello}, expected HELLO!")
        self._send("MODE?")
        mode = self._read()
        if mode == "IDENTIFY":
            self.mode = mode
            return self._identify()
        if mode == "AWAKEN":
            self.mode = mode
            # The 2008 server sent a Kerberos keytab's URL here. This one issues none; the node
            # takes the answer's second word as that URL, finds none, and goes on booting.
            self._send("BYE")
            return "no Kerberos keytab issued (none are, by this server)"
        self._send("BYE")
        return f"BYE to mode {mode}"

    def _identify(self) -> str:
        session = IdentifySession()
        self._send("INFO?")
        while (line := self._read()) != "ENDINFO":
            if line == "CPU":
                if len(session.cpus) >= self.limits.max_cpus:
                    raise SessionEnded(f"more than {self.limits.max_cpus} CPUs")
                session.cpus.append(self._block("CPUINFO?", "ENDCPU", "ACK CPU", "ERRCPU"))
            elif line == "NIC":
                if len(session.nics) >= self.limits.max_nics:
                    raise SessionEnded(f"more than {self.limits.max_nics} NICs")
                session.nics.append(self._block("NICINFO?", "ENDNIC", "ACK NIC", "ERRNIC"))
            else:
                key, value = self._key_value(line, "ERRINFO")
                session.info[key] = value
                self._send(f"ACK {key}")
        missing = session.missing()
        if missing:
            raise SessionEnded(f"ERROR! Missing '{missing}'...")
        try:
            outcome = self._store(session)
        except Refused as refused:
            raise SessionEnded(refused.reason) from None
        self._send("BYE")
        return outcome

    def _block(self, question: str, end: str, ack: str, error: str) -> dict[str, str]:
        self._send(question)
        block: dict[str, str] = {}
        while (line := self._read()) != end:
            if len(block) >= self.limits.max_keys_per_block:
                raise SessionEnded(f"more than {self.limits.max_keys_per_block} keys in one block")
            key, value = self._key_value(line, error)
            block[key] = value
            self._send(f"ACK {key}")
        self._send(ack)
        return block

    def _key_value(self, line: str, error: str) -> tuple[str, str]:
        """``KEY=value``; a value ends at a second ``=`` (as in 2008)."""
        key, separator, rest = line.partition("=")
        if not separator or not key.isascii() or not key.replace("_", "").isalnum():
            raise SessionEnded(f"{error}! Expected key=value : {line}")
        return key, rest.split("=", 1)[0].strip()

    def _store(self, session: IdentifySession) -> str:
        hostname = self.server.resolve(self.peer)
        if not hostname:
            raise Refused(f"no host name for {self.peer}: add a PTR record or a legacy-identify-hosts entry")
        self.node = _printable(hostname, 64)
        try:
            result = self.server.identify(session.report(hostname), self.peer)
        except Busy:
            raise Refused("busy, try again later") from None
        except NodeConfigError as refusal:
            raise Refused(refusal.message) from None
        except Exception:
            reference = uuid.uuid4().hex[:12]
            log.exception("host-browser identify from %s failed (reference %s)", self.peer, reference)
            raise Refused(f"internal error (reference {reference})") from None
        if result.get("status") == "pending":
            return f"pending: claim {result['claim']} waits for an administrator"
        return (
            f"ok: {len(session.cpus)} CPUs, {len(session.nics)} NIC blocks; added {len(result['added'])}, "
            f"removed {len(result['removed'])}, skipped {len(result['skipped'])}"
        )

    # Lines -----------------------------------------------------------------------------------

    def _read(self) -> str:
        """The next line without its end (``\\n`` or ``\\r\\n``), within every bound."""
        self.lines += 1
        if self.lines > self.limits.max_lines:
            raise SessionEnded(f"more than {self.limits.max_lines} lines")
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise SessionEnded("session took too long")
        self.connection.settimeout(min(self.limits.idle_timeout_s, remaining))
        try:
            raw = self.reader.readline(self.limits.max_line_bytes + 1)
        except TimeoutError:
            if time.monotonic() >= self.deadline:
                raise SessionEnded("session took too long") from None
            raise SessionEnded("timed out waiting for the node") from None
        except OSError:
            raise SessionEnded("connection failed") from None
        if not raw:
            raise SessionEnded("end of file reached")
        if not raw.endswith(b"\n"):
            if len(raw) > self.limits.max_line_bytes:
                raise SessionEnded(f"line longer than {self.limits.max_line_bytes} bytes")
            raise SessionEnded("end of file reached")
        return _printable(raw.rstrip(b"\r\n").decode("ascii", "replace"), self.limits.max_line_bytes)

    def _send(self, text: str) -> None:
        """One answer line in one write, at most 127 bytes plus ``\\n``."""
        data = _printable(text, MAX_ANSWER_BYTES).encode("ascii", "replace")[:MAX_ANSWER_BYTES] + b"\n"
        with contextlib.suppress(OSError):
            self.connection.settimeout(
                max(0.1, min(self.limits.idle_timeout_s, self.deadline - time.monotonic()))
            )
            self.connection.sendall(data)

    def _linger(self) -> None:
        """Let the node finish: it sends ``ENDINFO`` once more and closes. Closing with its bytes
        unread would reset the connection under it."""
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_WR)
            self.connection.settimeout(self.limits.linger_s)
            until = time.monotonic() + self.limits.linger_s
            while time.monotonic() < until and self.connection.recv(4096):
                pass


def _printable(text: str, limit: int) -> str:
    text = "".join(ch if ch.isprintable() and ch.isascii() else "?" for ch in text)
    return text[:limit]
