"""What the XML-RPC server reads off an HTTP request's head before it answers: where the
request comes from (a page of another site? which client, behind a load balancer?), the
credentials it carries; how a plain refusal is written; the TLS context the server listens with."""

from __future__ import annotations

import base64
import ipaddress
import ssl
from http import HTTPStatus
from urllib.parse import urlsplit

from ovirt_node_config.rpc.http_messages import Response

# What XML-RPC clients send (the specification says text/xml); anything else, text/plain above
# all, is what a web page can send another site without asking it first.
XML_MEDIA_TYPES = ("text/xml", "application/xml")
# Sec-Fetch-Site values of a request that a page of another origin made the browser send.
_FOREIGN_FETCH_SITES = ("cross-site", "same-site")


def cross_site(headers: dict[str, str], tls: bool = False) -> str | None:
    """Why a request comes from a page of another site, or None. Browsers say so in ``Origin``
    (on POSTs; "null" from sandboxed pages and files) and ``Sec-Fetch-Site`` (on every request);
    nodes, the admin tool and the 2008 appliances send neither. An origin is scheme, host and
    port: ``http://`` pages of this host are another origin than this server under TLS."""
    site = headers.get("sec-fetch-site", "").strip().lower()
    if site in _FOREIGN_FETCH_SITES:
        return f"cross-site requests are refused (Sec-Fetch-Site: {site})"
    origin = headers.get("origin")
    if origin is None:
        return None
    parts = urlsplit(origin.strip())
    host = headers.get("host", "").strip().lower()
    scheme = "https" if tls else "http"
    if parts.scheme != scheme or not host or parts.netloc.lower() != host:
        return "cross-site requests are refused (Origin is not this server)"
    return None


Networks = tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]


def trusted_networks(setting: str) -> Networks:
    """The load balancers (``--trusted-proxies``: addresses or networks, comma-separated) whose
    ``X-Forwarded-For`` names the client; raises ValueError naming a value that is neither."""
    networks = []
    for item in filter(None, (part.strip() for part in setting.split(","))):
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ValueError(f"trusted-proxies: {item!r} is not an address or a network") from None
    return tuple(networks)


def forwarded_client(request, trusted: Networks) -> str:
    """The client's address: the peer's, unless the peer is a trusted load balancer, whose
    ``X-Forwarded-For`` then names it: the last address there that is not a trusted proxy
    itself (what a client wrote further left is the client's word, not the proxy's). Every
    address the server keeps (audit actors, the enrolment buckets, 2008 associations, login
    throttling, the request log) is this one."""
    if not _within(request.client, trusted):
        return request.client
    hops = [hop.strip() for hop in request.headers.get("x-forwarded-for", "").split(",") if hop.strip()]
    for hop in reversed(hops):
        try:
            address = str(ipaddress.ip_address(hop))
        except ValueError:
            return request.client  # not an address: the proxy's own, as if it had said nothing
        if not _within(address, trusted):
            return address
    return request.client


def _within(address: str, trusted: Networks) -> bool:
    try:
        value = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(value in network for network in trusted)


def basic_credentials(header: str) -> tuple[str | None, str | None]:
    """(user, password) of an HTTP Basic ``Authorization`` header, or (None, None)."""
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic" or len(encoded) > 4096:
        return None, None
    try:
        user, separator, password = base64.b64decode(encoded.strip(), validate=True).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        return None, None
    return (user, password) if separator else (None, None)


def bearer(header: str) -> str | None:
    """The credential of an ``Authorization: Bearer`` header (RFC 6750), or None."""
    scheme, _, token = header.partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def too_many(reason: str, wait: float) -> Response:
    answer = plain(HTTPStatus.TOO_MANY_REQUESTS, reason)
    answer.headers["Retry-After"] = str(max(1, round(wait)))
    answer.close = True
    return answer


def login_required(reason: str) -> Response:
    """401 with the Basic challenge; the connection closes (a browser asks for a password)."""
    answer = plain(HTTPStatus.UNAUTHORIZED, reason)
    answer.headers["WWW-Authenticate"] = 'Basic realm="ovirt-node-config", charset="UTF-8"'
    answer.close = True
    return answer


def plain(status: int, text: str) -> Response:
    return Response(int(status), "text/plain; charset=utf-8", (text.rstrip("\n") + "\n").encode())


class TlsFilesError(OSError):
    """The TLS certificate or key cannot be read or used."""


def tls_context(settings) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    for path in (settings.tls_cert, settings.tls_key):  # ssl does not say which one it could not read
        try:
            with open(path, "rb"):
                pass
        except OSError as exc:
            raise TlsFilesError(f"cannot read the TLS file {path}: {exc.strerror or exc}") from None
    try:
        context.load_cert_chain(settings.tls_cert, settings.tls_key)
    except ssl.SSLError as exc:
        raise TlsFilesError(f"cannot use the TLS certificate and key: {exc.reason or exc}") from None
    return context
