"""Finding the configuration server, in the order old appliances did.

1. ``--server URL``; 2. ``server = URL`` in the ``[node]`` section of
``/etc/ovirt-node-config/node.conf``; 3. ``ovirt_server=HOST[:PORT]`` on the kernel command line;
4. the DNS SRV record ``_ovirt._tcp.<domain>`` (lowest priority, then highest weight). The domain
is the host name's, else the ``search``/``domain`` line of ``/etc/resolv.conf``. Every file is read
under the agent's root directory.
"""

from __future__ import annotations

import configparser
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..rpc_client import is_server_url

DEFAULT_PORT = 8742
CONFIG_FILE = "etc/ovirt-node-config/node.conf"


@dataclass(frozen=True)
class SrvRecord:
    priority: int
    weight: int
    port: int
    target: str


# Resolves an SRV name to its records; raises LookupError when there are none.
SrvResolver = Callable[[str], list[SrvRecord]]


class ServerNotFound(LookupError):
    """No source named a server."""


@dataclass(frozen=True)
class ServerChoice:
    url: str
    source: str


def find_server(root: Path, flag: str | None, resolve_srv: SrvResolver | None = None) -> ServerChoice:
    if flag:
        return ServerChoice(_checked(flag, "--server"), "--server")
    from_file = _from_config_file(root / CONFIG_FILE)
    if from_file:
        return ServerChoice(_checked(from_file, f"/{CONFIG_FILE}"), f"/{CONFIG_FILE}")
    from_cmdline = _from_cmdline(root / "proc/cmdline")
    if from_cmdline:
        return ServerChoice(from_cmdline, "kernel command line (ovirt_server=)")
    domain = _domain(root)
    if domain:
        name = f"_ovirt._tcp.{domain}"
        try:
            records = (resolve_srv or dns_srv)(name)
        except LookupError:
            records = []
        if records:
            best = sorted(records, key=lambda r: (r.priority, -r.weight, r.target))[0]
            return ServerChoice(f"http://{best.target.rstrip('.')}:{best.port}/", f"DNS SRV {name}")
    raise ServerNotFound(
        "no server: give --server, set server= in /etc/ovirt-node-config/node.conf, boot with "
        "ovirt_server=HOST[:PORT], or publish a _ovirt._tcp SRV record"
    )


def _checked(url: str, source: str) -> str:
    if not is_server_url(url):
        raise ServerNotFound(f"{source} does not hold an http(s) URL: {url!r}")
    return url


def _from_config_file(path: Path) -> str | None:
    if not path.is_file():
        return None
    parser = configparser.ConfigParser()
    try:
        parser.read(path, encoding="utf-8")
    except configparser.Error as exc:
        raise ServerNotFound(f"cannot read {path.name}: {exc}") from None
    return parser.get("node", "server", fallback=None) or None


def _from_cmdline(path: Path) -> str | None:
    try:
        words = path.read_text(encoding="utf-8", errors="replace").split()
    except OSError:
        return None
    for word in words:
        if word.startswith("ovirt_server="):
            host, _, port = word.removeprefix("ovirt_server=").partition(":")
            if host and (not port or port.isdigit()):
                return f"http://{host}:{port or DEFAULT_PORT}/"
    return None


def _domain(root: Path) -> str | None:
    try:
        hostname = (root / "proc/sys/kernel/hostname").read_text().strip()
    except OSError:
        hostname = ""
    if "." in hostname:
        return hostname.split(".", 1)[1]
    try:
        lines = (root / "etc/resolv.conf").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        words = line.split()
        if len(words) >= 2 and words[0] in ("domain", "search"):
            return words[1]
    return None


def dns_srv(name: str) -> list[SrvRecord]:
    """SRV records from the system's resolver (dnspython)."""
    import dns.exception
    import dns.resolver

    try:
        answer = dns.resolver.resolve(name, "SRV", lifetime=5)
    except dns.exception.DNSException as exc:
        raise LookupError(str(exc)) from None
    return [SrvRecord(r.priority, r.weight, r.port, r.target.to_text()) for r in answer]
