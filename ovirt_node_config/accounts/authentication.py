"""Who an administrator is: the one step every interface takes before it runs a verb.

A caller proves it with a password (HTTP Basic over XML-RPC, the console's sign-in form),
throttled per user and per address (``login_throttle``), or with a session token (the CLI's
``Authorization: Bearer`` after ``login``, the console's cookie): 256 random bits, so not
throttled. The answer is an :class:`Authenticated` administrator, or an exception saying why not
(with the words the transport's log line uses).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from ovirt_node_config.accounts.login_throttle import LoginThrottle

log = logging.getLogger("ovirt_node_config.rpc")

# Checks a name and password; returns the administrator's name or None.
Authenticator = Callable[[str | None, str | None], str | None]
# Checks an administrator's session token; returns the administrator's name or None.
SessionChecker = Callable[[str], str | None]


class AuthenticationRequired(Exception):
    """No administrator's credentials, wrong ones, or a session that ended: ``message`` says
    which to the caller, ``outcome`` to the log."""

    def __init__(
        self,
        message: str = "administrator credentials required",
        outcome: str = "401 no credentials",
        user: str = "-",
    ):
        super().__init__(message)
        self.message, self.outcome, self.user = message, outcome, user


class LoginThrottled(Exception):
    """Too many failed logins for this user or address: wait ``wait`` seconds."""

    def __init__(self, wait: float, user: str = "-"):
        super().__init__(wait)
        self.wait, self.user = wait, user


@dataclass(frozen=True)
class Authenticated:
    """An administrator, and the session token it came with (None: it gave its password)."""

    name: str
    session_token: str | None = None

    @property
    def via_session(self) -> bool:
        return self.session_token is not None


class Gate:
    """Checks passwords (through the server's one ``LoginThrottle``) and session tokens."""

    def __init__(self, authenticate: Authenticator, session_holder: SessionChecker, throttle: LoginThrottle):
        self.authenticate, self.session_holder, self.throttle = authenticate, session_holder, throttle

    def admit(self, user: str | None, password: str | None, token: str | None, client: str) -> Authenticated:
        """The administrator behind a request: a session token when no name is given, else the
        name and password."""
        if user is None and token:
            return self.session(token)
        return self.password(user, password, client)

    def password(self, user: str | None, password: str | None, client: str) -> Authenticated:
        name = str(user)[:64]
        wait = self.throttle.wait_for(user, client)
        if wait > 0:
            raise LoginThrottled(wait, name)
        checked = None
        if user is not None:
            try:
                with self.throttle.checking():
                    checked = self.authenticate(user, password) if user and password else None
            except Exception:
                log.exception("authenticating %s failed", name.encode("unicode_escape").decode())
        if checked is None:
            if user is None:
                raise AuthenticationRequired
            self.throttle.failed(user, client)
            raise AuthenticationRequired(
                "login failed: wrong administrator name or password", "401 login failed", name
            )
        self.throttle.succeeded(user, client)
        return Authenticated(checked)

    def session(self, token: str) -> Authenticated:
        holder = None
        try:
            holder = self.session_holder(token)
        except Exception:
            log.exception("checking a session failed")
        if holder is None:
            raise AuthenticationRequired(
                "the session has expired or was ended: log in again", "401 session ended"
            )
        return Authenticated(holder, token)
