"""Finding the configuration server, in the order old appliances did.

1. ``--server URL``; 2. ``server = URL`` in the ``[node]`` section of
``/etc/ovirt-node-config/node.conf``; 3. ``ovirt_server=HOST[:PORT]`` (plain HTTP, as in 2008) or
``ovirt_server=https://HOST[:PORT]/`` on the kernel command line; 4. DNS SRV: first
``_ovirts._tcp.<domain>`` (the server over HTTPS), then ``_ovirt._tcp.<domain>`` (plain HTTP, the
2008 record), lowest priority then highest weight. The domain is the host name's, else the
``search``/``domain`` line of ``/etc/resolv.conf``. Every file is read under the agent's root
directory. ``node.conf`` also holds ``ca-file`` and ``require-tls`` (:func:`node_settings`).
"""

from __future__ import annotations

import configparser
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ovirt_node_config.rpc_client import is_server_url

DEFAULT_PORT = 8742
CONFIG_FILE = "etc/ovirt-node-config/node.conf"
# SRV names: the server over HTTPS (this project's), and over plain HTTP (2008's).
SRV_NAMES = (("_ovirts._tcp", "https"), ("_ovirt._tcp", "http"))


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
    from_file = node_settings(root).get("server")
    if from_file:
        return ServerChoice(_checked(from_file, f"/{CONFIG_FILE}"), f"/{CONFIG_FILE}")
    from_cmdline = _from_cmdline(root / "proc/cmdline")
    if from_cmdline:
        return ServerChoice(from_cmdline, "kernel command line (ovirt_server=)")
    domain = _domain(root)
    for service, scheme in SRV_NAMES if domain else ():
        name = f"{service}.{domain}"
        try:
            records = (resolve_srv or dns_srv)(name)
        except LookupError:
            records = []
        if records:
            best = sorted(records, key=lambda r: (r.priority, -r.weight, r.target))[0]
            return ServerChoice(f"{scheme}://{best.target.rstrip('.')}:{best.port}/", f"DNS SRV {name}")
    raise ServerNotFound(
        "no server: give --server, set server= in /etc/ovirt-node-config/node.conf, boot with "
        "ovirt_server=https://HOST[:PORT]/ (or HOST[:PORT]), or publish an _ovirts._tcp or "
        "_ovirt._tcp SRV record"
    )


def _checked(url: str, source: str) -> str:
    if not is_server_url(url):
        raise ServerNotFound(f"{source} does not hold an http(s) URL: {url!r}")
    return url


def node_settings(root: Path) -> dict[str, str]:
    """The ``[node]`` section of node.conf (``server``, ``ca-file``, ``require-tls``), or {}."""
    path = root / CONFIG_FILE
    if not path.is_file():
        return {}
    parser = configparser.ConfigParser()
    try:
        parser.read(path, encoding="utf-8")
    except configparser.Error as exc:
        raise ServerNotFound(f"cannot read {path.name}: {exc}") from None
    return (
        {key: value for key, value in parser["node"].items() if value} if parser.has_section("node") else {}
    )


def _from_cmdline(path: Path) -> str | None:
    try:
        words = path.read_text(encoding="utf-8", errors="replace").split()
    except OSError:
        return None
    for word in words:
        if not word.startswith("ovirt_server="):
            continue
        value = word.removeprefix("ovirt_server=")
        if value.startswith(("http://", "https://")):
            return value if is_server_url(value) else None
        host, _, port = value.partition(":")
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
