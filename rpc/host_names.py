"""The names a request's ``Host`` may carry: DNS rebinding.

A page of another site can make a browser on the operators' network talk to this server as if
it were that site: its name is re-pointed (rebound) at this server's address after the page has
loaded, so the browser sends the page's own name in ``Host`` and treats the answers as the
page's. Whatever answers without credentials (``/health``, ``/metrics``' open series, the
console's login page) would be read by that page. So what a browser may ask for must name this
server: one of ``--server-names`` (comma-separated: the names operators, balancers and scrapers
use), this machine's host name and the names ``/etc/hosts`` gives it (its fully qualified name
on Debian), ``localhost``, a loopback address, or the very address the request arrived on. The
port is not compared (a balancer may listen on another); a request without ``Host`` (HTTP/1.0,
a balancer's health check) is no browser's. ``--server-names '*'`` turns the check off.

Machines reach the server by any name their configuration holds (a node's kernel command line
may name a DNS alias), so their paths are not checked: XML-RPC (unless a browser's headers say a
page sent it) and the 2008 appliances' configuration GET. Deciding which request is checked is
``http_screen``'s; this module only knows the names."""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from pathlib import Path

from ovirt_node_config import validation
from ovirt_node_config.errors import InvalidInput

ANY_NAME = "*"


@dataclass(frozen=True)
class ServerNames:
    names: frozenset[str]  # lower case, without a trailing dot
    any_name: bool = False

    @classmethod
    def from_setting(cls, setting: str, machine_names: tuple[str, ...] | None = None) -> ServerNames:
        """``--server-names``'s values (comma-separated) and this machine's own names; raises
        ValueError naming a value that is neither a host name nor an address."""
        names = {"localhost"}
        names.update(machine_names if machine_names is not None else this_machine())
        any_name = False
        for item in (part.strip() for part in setting.split(",")):
            if item == ANY_NAME:
                any_name = True
            elif item:
                names.add(_setting_value(item))
        return cls(frozenset(name.lower().rstrip(".") for name in names if name), any_name)

    def allows(self, host_header: str | None, local_address: str) -> bool:
        """Whether a request whose ``Host`` says ``host_header`` and that arrived on
        ``local_address`` (this end of its connection) names this server."""
        if self.any_name or host_header is None:
            return True
        name = _host_of(host_header)
        if name is None:
            return False
        if name in self.names:
            return True
        try:
            address = ipaddress.ip_address(name)
        except ValueError:
            return False
        return address.is_loopback or (bool(local_address) and address == _address(local_address))


def this_machine(hosts_file: Path = Path("/etc/hosts")) -> tuple[str, ...]:
    """This machine's host name, and the names the hosts file gives it (Debian writes
    ``127.0.1.1 onc.example.com onc``): read from the file, never asked of DNS, so that a start
    sends nothing to the network."""
    hostname = socket.gethostname().lower()
    names = [hostname]
    try:
        lines = hosts_file.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return tuple(names)
    for line in lines:
        fields = line.split("#", 1)[0].lower().split()
        if hostname in fields[1:]:
            names += fields[1:]
    return tuple(dict.fromkeys(names))


def _setting_value(item: str) -> str:
    try:
        return str(ipaddress.ip_address(item.strip("[]")))
    except ValueError:
        pass
    try:
        return validation.hostname("server-names", item.rstrip("."))
    except InvalidInput:
        raise ValueError(f"server-names: {item!r} is neither a host name nor an address") from None


def _host_of(header: str) -> str | None:
    """The name or address of a ``Host`` value (``name``, ``name:port``, ``[v6]:port``), lower
    case, or None when it is not one."""
    value = header.strip().lower()
    if value.startswith("["):
        inside, bracket, rest = value[1:].partition("]")
        if not bracket or (rest and not (rest.startswith(":") and rest[1:].isdigit())):
            return None
        address = _address(inside)
        return None if address is None else str(address)
    name, colon, port = value.partition(":")
    if colon and not port.isdigit():
        return None
    return name.rstrip(".") or None


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        address = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped  # a dual-stack socket's view of an IPv4 peer
    return address
