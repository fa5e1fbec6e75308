"""The console over HTTP: routes under ``/ui/``, sign-in and sign-out, the session cookie, CSRF
tokens and the headers every page carries.

- **Sign-in** checks an administrator's password through the same gate as the admin API
  (``accounts.authentication``: the server's one login throttle, so a guess in the console is a
  guess), and opens an ``accounts.sessions`` session: its token is the cookie, checked by the
  same gate on every request (``HttpOnly``,
  ``SameSite=Strict``, ``Secure`` under TLS, ``Path=/ui/``), lasting the session's lifetime.
  Sign-out ends the session in the database, not only in the browser.
- **CSRF**: every form carries a token, the HMAC-SHA256 of the session token (so it is worth
  nothing without the cookie, and ends with the session); the sign-in form, before a session,
  carries a random value that must match a short-lived cookie of its own. A POST without the
  right token is refused (403) and changes nothing. The server refuses cross-site requests
  before they get here too (``Origin``, ``Sec-Fetch-Site``). The "Done:" line after a change
  comes in the redirect's query with an HMAC of its own, so a link cannot make a page say it.
- Every page: ``Content-Security-Policy`` allowing this server's style sheet and nothing else
  (no script, no frame, forms posting here only), ``no-store``, ``nosniff``, no referrer to
  other sites.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from http import HTTPStatus
from http.cookies import CookieError, SimpleCookie
from importlib import resources
from urllib.parse import parse_qs, quote, unquote, urlsplit

import jinja2

from ovirt_node_config.accounts import sessions
from ovirt_node_config.accounts.authentication import (
    Authenticated,
    AuthenticationRequired,
    Gate,
    LoginThrottled,
)
from ovirt_node_config.console import actions, pages
from ovirt_node_config.errors import NodeConfigError, status_of
from ovirt_node_config.persistence.engine import Database

PREFIX = "/ui/"
SESSION_COOKIE = "onc_console"
LOGIN_COOKIE = "onc_console_login"
LOGIN_COOKIE_SECONDS = 600
FORM_TYPE = "application/x-www-form-urlencoded"
# The files under static/ and their media types: the style sheet and the icon every page names
# (so that browsers do not ask for /favicon.ico outside the console).
STATIC = (("console.css", "text/css; charset=utf-8"), ("icon.svg", "image/svg+xml"))
HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",  # "no-referrer" makes Chromium send Origin: null on POSTs
    "X-Frame-Options": "DENY",
}


@dataclass
class Answer:
    status: int
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    user: str = "-"  # who was signed in, for the log line


@dataclass(frozen=True)
class Asked:
    """A request as the console needs it."""

    method: str
    target: str
    headers: dict[str, str]  # lower-case names
    body: bytes
    client: str


class Console:
    def __init__(self, db: Database, gate: Gate, secure: bool):
        """``gate``: the server's one check of administrators (passwords through its login
        throttle, sessions); ``secure``: the server speaks TLS."""
        self.db, self.gate, self.secure = db, gate, secure
        self.templates = jinja2.Environment(
            loader=jinja2.PackageLoader("ovirt_node_config.console", "templates"),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        static = resources.files("ovirt_node_config.console").joinpath("static")
        self.static = {
            PREFIX + f"static/{name}": (static.joinpath(name).read_bytes(), kind) for name, kind in STATIC
        }

    # Routing ------------------------------------------------------------------------------------

    def handle(self, asked: Asked) -> Answer:
        path = urlsplit(asked.target).path
        if path == PREFIX.rstrip("/"):
            return _see_other(PREFIX)
        query = {key: values[0] for key, values in parse_qs(urlsplit(asked.target).query).items()}
        if path in self.static:
            headers = {"Cache-Control": "max-age=3600", "X-Content-Type-Options": "nosniff"}
            return Answer(HTTPStatus.OK, *self.static[path], headers)
        if path == PREFIX + "login":
            return self._login(asked) if asked.method == "POST" else self._login_page(asked)
        token = self._cookies(asked).get(SESSION_COOKIE)
        try:
            caller = self.gate.session(token, asked.client) if token else None
        except AuthenticationRequired:
            caller = None
        if caller is None:
            return _see_other(PREFIX + "login", expired=bool(token))
        user = caller.name
        session = _Session(user, token, _csrf(token), caller)
        try:
            answer = self._signed_in(asked, path, query, session)
        except NodeConfigError as refused:  # a page asked for with a bad value, an unknown node
            answer = self._page("refused.html", session, status_of(refused), reason=refused.message)
        answer.user = user
        return answer

    def _signed_in(self, asked: Asked, path: str, query: dict, session: _Session) -> Answer:
        user, token = session.user, session.token
        form = _form(asked) if asked.method == "POST" else {}
        if asked.method == "POST":
            if not hmac.compare_digest(form.get("csrf", [""])[0], session.csrf):
                return self._page(
                    "refused.html",
                    session,
                    HTTPStatus.FORBIDDEN,
                    reason="the form's token is missing or stale: reload the page and try again",
                )
            if path == PREFIX + "logout":
                sessions.logout(self.db, user, token)
                answer = _see_other(PREFIX + "login", signed_out=True)
                answer.headers["Set-Cookie"] = self._cookie(SESSION_COOKIE, "", 0)
                return answer
        if path == PREFIX:
            return self._page("fleet.html", session, **pages.fleet(self.db, query))
        if path == PREFIX + "rules":
            return self._page("rules.html", session, **pages.rules(self.db))
        if path == PREFIX + "networks":
            return self._page("networks.html", session, **pages.networks(self.db))
        if path.startswith(PREFIX + "rollout/"):
            name, _, action = unquote(path[len(PREFIX + "rollout/") :]).partition("/")
            return self._rollout(asked, session, name, action, query)
        if path.startswith(PREFIX + "node/"):
            host, _, action = unquote(path[len(PREFIX + "node/") :]).partition("/")
            return self._node(asked, session, host, action, query, form)
        return self._page("refused.html", session, HTTPStatus.NOT_FOUND, reason="there is no such page")

    def _node(
        self, asked: Asked, session: _Session, host: str, action: str, query: dict, form: dict
    ) -> Answer:
        if asked.method != "POST":
            done = self._done(session, query, f"node/{host}")
            page = pages.node(self.db, host, session.user, query.get("plan", ""))
            return self._page("node.html", session, **page, done=done, errors={}, form={}, action="")
        try:
            done = actions.run(self.db, session.caller, host, action, form)
        except NodeConfigError as refused:
            field_name = actions.field_of(refused, actions.ACTIONS.get(action, ((), None))[0])
            return self._page(
                "node.html",
                session,
                status_of(refused),
                **pages.node(self.db, host, session.user),
                done="",
                errors={field_name or "": refused.message},
                form=form,
                action=action,
            )
        return _done_redirect(session, f"node/{host}", done)

    def _rollout(self, asked: Asked, session: _Session, name: str, action: str, query: dict) -> Answer:
        if asked.method == "POST":
            if action not in actions.ROLLOUT_ACTIONS:
                return self._page(
                    "refused.html", session, HTTPStatus.NOT_FOUND, reason="there is no such page"
                )
            done = actions.ROLLOUT_ACTIONS[action](self.db, session.caller, name)
            return _done_redirect(session, f"rollout/{name}", done)
        return self._page(
            "rollout.html",
            session,
            **pages.rollout_page(self.db, name),
            done=self._done(session, query, f"rollout/{name}"),
        )

    def _done(self, session: _Session, query: dict, page: str) -> str:
        """The "Done:" line of the redirect after a change: only with the server's own signature
        for this page, so a link cannot make a page say "Done:" anything, nor another page's."""
        done = query.get("done", "")
        signature = _signed(session.token, f"{page}\0{done}")
        return done if hmac.compare_digest(query.get("sig", ""), signature) else ""

    # Signing in ---------------------------------------------------------------------------------

    def _login_page(
        self, asked: Asked, status: int = HTTPStatus.OK, error: str = "", user: str = ""
    ) -> Answer:
        nonce = secrets.token_urlsafe(24)
        query = parse_qs(urlsplit(asked.target).query)
        note = (
            "You signed out."
            if "signed_out" in query
            else "Your session ended: sign in again."
            if "expired" in query
            else ""
        )
        body = self.templates.get_template("login.html").render(
            csrf=nonce, error=error, note=note, user=user, session=None
        )
        return Answer(
            status,
            body.encode(),
            headers={**HEADERS, "Set-Cookie": self._cookie(LOGIN_COOKIE, nonce, LOGIN_COOKIE_SECONDS)},
        )

    def _login(self, asked: Asked) -> Answer:
        form = _form(asked)
        expected = self._cookies(asked).get(LOGIN_COOKIE, "")
        if not expected or not hmac.compare_digest(form.get("csrf", [""])[0], expected):
            return self._login_page(
                asked, HTTPStatus.FORBIDDEN, "The sign-in form had expired: sign in again."
            )
        user, password = form.get("user", [""])[0].strip(), form.get("password", [""])[0]
        try:
            name = self.gate.password(user, password, asked.client).name
        except LoginThrottled as throttled:
            answer = self._login_page(
                asked,
                HTTPStatus.TOO_MANY_REQUESTS,
                f"Too many failed sign-ins: try again in {throttled.wait:.0f} s.",
                user,
            )
            answer.headers["Retry-After"] = str(max(1, round(throttled.wait)))
            return answer
        except AuthenticationRequired:
            return self._login_page(
                asked, HTTPStatus.UNAUTHORIZED, "Wrong administrator name or password.", user
            )
        session = sessions.login(self.db, name)
        answer = _see_other(PREFIX)
        seconds = int(sessions.LIFETIME.total_seconds())
        answer.headers["Set-Cookie"] = self._cookie(SESSION_COOKIE, session["token"], seconds)
        return answer

    # Parts --------------------------------------------------------------------------------------

    def _page(self, template: str, session: _Session, status: int = HTTPStatus.OK, **values) -> Answer:
        body = self.templates.get_template(template).render(session=session, **values)
        return Answer(status, body.encode(), headers=dict(HEADERS))

    def _cookie(self, name: str, value: str, seconds: int) -> str:
        flags = f"; Path={PREFIX}; Max-Age={seconds}; HttpOnly; SameSite=Strict"
        return f"{name}={value}{flags}{'; Secure' if self.secure else ''}"

    @staticmethod
    def _cookies(asked: Asked) -> dict[str, str]:
        jar = SimpleCookie()
        try:
            jar.load(asked.headers.get("cookie", ""))
        except CookieError:
            return {}
        return {name: morsel.value for name, morsel in jar.items()}


@dataclass(frozen=True)
class _Session:
    user: str
    token: str
    csrf: str
    caller: Authenticated


def _signed(token: str, text: str) -> str:
    return hmac.new(
        token.encode(), b"ovirt-node-config console: " + text.encode(), hashlib.sha256
    ).hexdigest()


def _csrf(token: str) -> str:
    return _signed(token, "form")


def _form(asked: Asked) -> dict[str, list[str]]:
    if asked.headers.get("content-type", "").split(";", 1)[0].strip().lower() != FORM_TYPE:
        return {}
    try:
        return parse_qs(asked.body.decode("utf-8"), keep_blank_values=True, max_num_fields=200)
    except (UnicodeDecodeError, ValueError):
        return {}


def _done_redirect(session: _Session, page: str, done: str) -> Answer:
    """Back to ``page`` (``node/HOST``, ``rollout/NAME``) after a change, with its "Done:" line
    and the line's signature for that page."""
    host_or_name = page.partition("/")
    location = f"{PREFIX}{host_or_name[0]}/{quote(host_or_name[2])}"
    return _see_other(location, done=done, sig=_signed(session.token, f"{page}\0{done}"))


def _see_other(location: str, **query) -> Answer:
    """A redirect after a POST or to sign in (303: the browser GETs ``location``)."""
    if query:
        location += "?" + "&".join(f"{key}={quote(str(value))}" for key, value in query.items() if value)
    return Answer(
        HTTPStatus.SEE_OTHER, b"", "text/plain; charset=utf-8", {**HEADERS, "Location": location.rstrip("?")}
    )
