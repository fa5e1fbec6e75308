"""XML-RPC client plumbing shared by the admin script, the node agent and the benchmark.

The standard library's ServerProxy with a timeout on every connection, HTTP Basic credentials
from arguments (never from the URL given by a user), and TLS verified against a CA file.
"""

from __future__ import annotations

import ssl
import xmlrpc.client
from urllib.parse import quote, urlsplit, urlunsplit


class _TimeoutTransport(xmlrpc.client.Transport):
    def __init__(self, timeout: float):
        super().__init__()
        self.timeout = timeout

    def make_connection(self, host):
        connection = super().make_connection(host)
        connection.timeout = self.timeout
        return connection


class _TimeoutSafeTransport(xmlrpc.client.SafeTransport):
    def __init__(self, timeout: float, context: ssl.SSLContext):
        super().__init__(context=context)
        self.timeout = timeout

    def make_connection(self, host):
        connection = super().make_connection(host)
        connection.timeout = self.timeout
        return connection


def is_server_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def server_proxy(
    url: str,
    *,
    user: str | None = None,
    password: str | None = None,
    timeout: float = 30.0,
    ca_file: str | None = None,
) -> xmlrpc.client.ServerProxy:
    """A proxy for ``url`` (http or https) that sends credentials when a user is given."""
    parts = urlsplit(url)
    netloc = parts.netloc.rsplit("@", 1)[-1]
    if user:
        netloc = f"{quote(user, safe='')}:{quote(password or '', safe='')}@{netloc}"
    address = urlunsplit((parts.scheme, netloc, parts.path or "/", "", ""))
    if parts.scheme == "https":
        transport = _TimeoutSafeTransport(timeout, ssl.create_default_context(cafile=ca_file))
    else:
        transport = _TimeoutTransport(timeout)
    return xmlrpc.client.ServerProxy(address, transport=transport, allow_none=True)
