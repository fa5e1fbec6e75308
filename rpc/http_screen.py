"""What the head of a request alone refuses, before its body is read: another site's request
(``Origin``, ``Sec-Fetch-Site``), what a browser sent to a name that is not this server's
(``host_names``: DNS rebinding), a POST to no endpoint, a body of the wrong media type or
compressed, a method nothing here answers. The REST API (``/api/v1/``) answers its own methods,
bodies and refusals in JSON; only another site's request is refused for it here."""

from __future__ import annotations

from http import HTTPStatus

from ovirt_node_config.rpc.host_names import ServerNames
from ovirt_node_config.rpc.http_messages import Request, Response
from ovirt_node_config.rpc.http_requests import XML_MEDIA_TYPES, cross_site, plain
from ovirt_node_config.rpc.node_methods import LEGACY_CONFIG_PATH

from ovirt_node_config.console.app import FORM_TYPE
from ovirt_node_config.console.app import PREFIX as CONSOLE_PREFIX

RPC_PATHS = ("/", "/RPC2")
API_PREFIX = "/api/v1"  # the REST/JSON API (rest_api), which answers everything under it


def is_api(path: str) -> bool:
    return path.startswith(API_PREFIX + "/")


def is_console(path: str) -> bool:
    return path == CONSOLE_PREFIX.rstrip("/") or path.startswith(CONSOLE_PREFIX)


def screen(request: Request, tls: bool, console: bool, rest: bool, names: ServerNames) -> Response | None:
    """The refusal of ``request`` (HEAD already taken as GET), or None to read on."""
    path = request.target.split("?", 1)[0]
    if (request.method in ("GET", "POST") or is_api(path)) and (refusal := cross_site(request.headers, tls)):
        return plain(HTTPStatus.FORBIDDEN, refusal)
    host = request.headers.get("host")
    if not names.allows(host, request.local) and not _from_a_machine(request, path):
        return plain(
            HTTPStatus.MISDIRECTED_REQUEST,
            f"this server does not answer to the name {host.strip()[:100]!r} (Host); "
            "its names are set with --server-names",
        )
    if rest and is_api(path):
        return None
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if request.method == "POST" and console and is_console(path):
        if media_type != FORM_TYPE:
            return plain(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, f"the console's forms are sent as {FORM_TYPE}")
        return None
    if request.method == "POST":
        if path not in RPC_PATHS:
            return plain(HTTPStatus.NOT_FOUND, "no XML-RPC endpoint at this path")
        if request.headers.get("content-encoding", "identity").strip().lower() != "identity":
            return plain(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "compressed request bodies are not accepted")
        if media_type not in XML_MEDIA_TYPES:
            return plain(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "XML-RPC requests need Content-Type: text/xml")
        return None
    if request.method == "GET":
        return None
    answer = plain(HTTPStatus.METHOD_NOT_ALLOWED, "only GET, HEAD and POST")
    answer.headers["Allow"] = "GET, HEAD, POST"
    return answer


def _from_a_machine(request: Request, path: str) -> bool:
    """A node's or a 2008 appliance's call, which may name the server by any name it was given:
    XML-RPC without the headers a browser adds to what a page sends, the 2008 configuration GET."""
    if request.method == "POST" and path in RPC_PATHS:
        return "origin" not in request.headers and "sec-fetch-site" not in request.headers
    return request.method == "GET" and path == LEGACY_CONFIG_PATH
