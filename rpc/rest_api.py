"""The REST/JSON API under ``/api/v1/``: the administrators' verbs over HTTP and JSON, for
automation (Ansible, Terraform, scripts) that does not speak XML-RPC.

Nothing is written per verb here: each route of ``verbs/rest_routes.py`` runs its verb through
``verbs.calling`` as the account the request authenticates (``accounts.authentication.Gate``:
HTTP Basic, or a session token as ``Authorization: Bearer``; the same login throttle, roles and
audit as XML-RPC). Arguments come from the path, then the query string (GET, DELETE) or a JSON
object body (POST, PUT, PATCH; ``Content-Type: application/json`` only, so that no form of
another site can send one), by name; an unknown or missing one is 400 naming it. Answers are
JSON with the usual status codes; a refusal is ``{"error": {"status", "message", "field"}}``
with the same message as the XML-RPC fault. ``GET /nodes`` pages with a cursor
(``?after=&limit=``, ``next``). ``GET /nodes/{host}`` sends the node's version as its
``ETag``; a change to that node with ``If-Match`` is made only to that version (else 412),
and ``?dry_run=true`` says what it would do. ``GET /api/v1/openapi.json`` is the OpenAPI 3.1
document of all of it (``verbs/openapi.py``).
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from http import HTTPStatus
from urllib.parse import parse_qs, unquote, urlsplit

from ovirt_node_config.rpc.http_messages import Request, Response
from ovirt_node_config.rpc.http_requests import basic_credentials, bearer

from ovirt_node_config.accounts.authentication import AuthenticationRequired, Gate, LoginThrottled
from ovirt_node_config.errors import Busy, Conflict, InvalidInput, NodeConfigError, status_of
from ovirt_node_config.verbs import calling, openapi, rest_routes
from ovirt_node_config.verbs.rest_routes import PREFIX, Route

log = logging.getLogger("ovirt_node_config.rpc")

JSON = "application/json"
_ETAG = re.compile(r'\s*(?:W/)?"v(\d{1,19})"\s*')
_CHANGED = "rule 'a change is made to the node its author saw'"


class RestApi:
    def __init__(self, db, trust, gate: Gate | None):
        self.db, self.trust, self.gate = db, trust, gate

    def handle(self, request: Request) -> tuple[Response, str, str]:
        """The answer, and for the log line: the verb's method name and the caller's name."""
        parts = urlsplit(request.target)
        path = parts.path.removeprefix(PREFIX)
        if path == "/openapi.json" and request.method == "GET":
            return _json(HTTPStatus.OK, openapi.document()), "GET /api/v1/openapi.json", "-"
        route, named, allowed = rest_routes.find(request.method, path)
        if route is None:
            if allowed:
                answer = _error(HTTPStatus.METHOD_NOT_ALLOWED, f"{path} takes {', '.join(allowed)}")
                answer.headers["Allow"] = ", ".join(allowed)
                return answer, "other", "-"
            return _error(HTTPStatus.NOT_FOUND, f"no resource at {PREFIX}{path}"), "other", "-"
        method = route.verb.method
        try:
            caller = self._caller(request)
        except AuthenticationRequired as refused:
            answer = _error(HTTPStatus.UNAUTHORIZED, refused.message)
            answer.headers["WWW-Authenticate"] = 'Basic realm="ovirt-node-config", charset="UTF-8"'
            return answer, method, refused.user
        except LoginThrottled as throttled:
            answer = _error(HTTPStatus.TOO_MANY_REQUESTS, "too many failed logins; try again later")
            answer.headers["Retry-After"] = str(max(1, round(throttled.wait)))
            return answer, method, throttled.user
        except Busy as busy:
            return _error(HTTPStatus.SERVICE_UNAVAILABLE, busy.message), method, "-"
        try:
            answer = self._run(request, route, {k: unquote(v) for k, v in named.items()}, parts.query, caller)
        except NodeConfigError as refused:
            answer = _refusal(refused, request)
        except Exception:
            reference = uuid.uuid4().hex[:12]
            log.exception("%s %s failed (reference %s)", request.method, route.path, reference)
            answer = _error(HTTPStatus.INTERNAL_SERVER_ERROR, f"internal error (reference {reference})")
        return answer, method, caller.name

    def _caller(self, request: Request):
        if self.gate is None:
            raise AuthenticationRequired("no administrators here")
        authorization = request.headers.get("authorization", "")
        user, password = basic_credentials(authorization)
        return self.gate.admit(user, password, bearer(authorization), request.client)

    def _run(self, request: Request, route: Route, named: dict, query: str, caller) -> Response:
        asked = {key: values[-1] for key, values in parse_qs(query, keep_blank_values=True).items()}
        dry_run = asked.pop("dry_run", "false").lower() == "true"
        given = {**_body(request), **asked} if route.body_args else asked
        params = _params(route, named, given)
        invocation = calling.Invocation(self.db, self.trust, caller)
        verb = route.verb
        node_change = verb.changes and verb.names_a_node
        if dry_run:
            if not node_change:
                raise InvalidInput("dry_run", f"{route.method} {route.path} is not a change to one node")
            return _json(HTTPStatus.OK, calling.dry_run(invocation, verb.method, params))
        expected = request.headers.get("if-match")
        if expected is not None and node_change:
            version = _ETAG.fullmatch(expected)
            if version is None:
                raise InvalidInput("If-Match", 'must be the ETag GET gave, e.g. "v12"')
            answer = calling.if_unchanged(invocation, int(version[1]), verb.method, params)
        else:
            answer = calling.call(invocation, verb, params)
        if verb.name == "list_nodes":
            answer = _page(answer, params[1])
        made = route.method == "POST" and verb.changes
        response = _json(HTTPStatus.CREATED if made else HTTPStatus.OK, answer)
        if verb.name == "show_node":
            response.headers["ETag"] = f'"v{answer["version"]}"'
        return response


def _body(request: Request) -> dict:
    if not request.body.strip():
        return {}
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media_type != JSON:
        raise _Unsupported(f"a body is sent as {JSON}")
    try:
        value = json.loads(request.body)
    except ValueError as exc:
        raise InvalidInput("body", f"is not JSON: {str(exc)[:80]}") from None
    if not isinstance(value, dict):
        raise InvalidInput("body", "must be a JSON object of the arguments by name")
    return value


def _params(route: Route, named: dict, given: dict) -> list:
    """The verb's arguments in order: from the path, else ``given`` (the body or the query; a
    query's text converted to the argument's type), else the default."""
    args = route.verb.args
    unknown = set(given) - {arg.name for arg in args} - set(named)
    if unknown:
        raise InvalidInput(sorted(unknown)[0], f"is not an argument of {route.method} {PREFIX}{route.path}")
    params = []
    for arg in args:
        if arg.name in named:
            params.append(named[arg.name])
        elif arg.name in given:
            value = given[arg.name]
            params.append(_typed(arg, value) if not route.body_args else value)
        elif arg.required:
            raise InvalidInput(arg.name, f"is required by {route.method} {PREFIX}{route.path}")
        else:
            params.append(arg.default)
    return params


def _typed(arg, text: str) -> object:
    """A query's text as the argument's type when it reads as one; else as given, for the use
    case to refuse by name."""
    if arg.type == "integer" and text.lstrip("-").isdigit() and len(text) < 20:
        return int(text)
    if arg.type == "boolean" and text.lower() in ("true", "false"):
        return text.lower() == "true"
    if arg.type == "list":
        return [item for item in text.split(",") if item]
    return text


def _page(items: list, limit: int) -> dict:
    """A page of nodes and the cursor of the next (null: the last page)."""
    full = isinstance(limit, int) and len(items) == limit
    return {"items": items, "next": items[-1]["hostname"] if full and items else None}


class _Unsupported(NodeConfigError):
    """A body of another media type (415)."""


def _refusal(refused: NodeConfigError, request: Request) -> Response:
    if isinstance(refused, _Unsupported):
        return _error(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, refused.message)
    guarded = "if-match" in request.headers
    if isinstance(refused, Conflict) and guarded and refused.message.startswith(_CHANGED):
        return _error(HTTPStatus.PRECONDITION_FAILED, refused.message)
    field = refused.field if isinstance(refused, InvalidInput) else None
    return _error(status_of(refused), refused.message, field)


def _error(status: int, message: str, field: str | None = None) -> Response:
    return _json(status, {"error": {"status": int(status), "message": message, "field": field}})


def _json(status: int, value: object) -> Response:
    body = json.dumps(value, default=str, separators=(",", ":")).encode()
    return Response(int(status), JSON, body, {"Cache-Control": "no-store"})
