"""Who an administrator is: the one step every interface takes before it runs a verb.

A caller proves it with a password (HTTP Basic over XML-RPC, the console's sign-in form),
throttled per user and per address (``login_throttle``), or with a session token (the CLI's
``Authorization: Bearer`` after ``login``, the console's cookie): 256 random bits, so not
throttled. The answer is an :class:`Authenticated` administrator, or an exception saying why not
(with the words the transport's log line uses): wrong credentials (401), too many failures
(429), or a check that could not run (``Busy``, 503: the database is down or full), which is
never counted as a failed login nor ends a session.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from ovirt_node_config.accounts import roles
from ovirt_node_config.accounts.login_throttle import ChecksBusy, LoginThrottle
from ovirt_node_config.errors import Busy

log = logging.getLogger("ovirt_node_config.rpc")

# Checks a name and password; returns the administrator's (name, role) or None.
Authenticator = Callable[[str | None, str | None], tuple[str, str] | None]
# Checks an administrator's session token; returns the administrator's (name, role) or None.
SessionChecker = Callable[[str], tuple[str, str] | None]
# Records a refused login: (who it claimed to be, from where, what, why).
RefusalRecorder = Callable[[str, str, str, str], None]


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
    """An administrator, the session token it came with (None: it gave its password), its role
    (``roles``) and the address it called from."""

    name: str
    session_token: str | None = None
    role: str = "viewer"
    address: str = "-"

    @property
    def via_session(self) -> bool:
        return self.session_token is not None


class Gate:
    """Checks passwords (through the server's one ``LoginThrottle``) and session tokens."""

    def __init__(
        self,
        authenticate: Authenticator,
        session_holder: SessionChecker,
        throttle: LoginThrottle,
        refused: RefusalRecorder = lambda who, where, what, why: None,
    ):
        self.authenticate, self.session_holder, self.throttle = authenticate, session_holder, throttle
        self.refused = refused

    def admit(self, user: str | None, password: str | None, token: str | None, client: str) -> Authenticated:
        """The administrator behind a request: a session token when no name is given, else the
        name and password."""
        if user is None and token:
            return self.session(token, client)
        return self.password(user, password, client)

    def may_view(self, user: str | None, password: str | None, token: str | None, client: str) -> bool:
        """Do these credentials open an account that may read what only accounts see (any role:
        ``roles``)? None at all is an anonymous caller (False); wrong ones raise as ``admit``."""
        if user is None and not token:
            return False
        return roles.allows(self.admit(user, password, token, client).role, "viewer")

    def password(self, user: str | None, password: str | None, client: str) -> Authenticated:
        """The administrator ``user``, when ``password`` is theirs. The attempt is counted before
        the check (``login_throttle``); a database that cannot count or check is ``Busy`` (503:
        try again), never a failed login."""
        if user is None:
            raise AuthenticationRequired
        name = str(user)[:64]
        try:
            with self.throttle.checking():
                wait = self.throttle.reserve(user, client)
                if wait > 0:
                    self._refused(name, client, f"throttled for {wait:.0f} s after failed logins")
                    raise LoginThrottled(wait, name)
                checked = self._checked(
                    lambda: self.authenticate(user, password) if user and password else None
                )
        except ChecksBusy:
            raise LoginThrottled(1.0, name) from None
        if checked is None:
            self._refused(name, client, "wrong name or password (or a disabled account)")
            raise AuthenticationRequired(
                "login failed: wrong administrator name or password", "401 login failed", name
            )
        self.throttle.succeeded(user, client)
        return Authenticated(checked[0], role=checked[1], address=client)

    def session(self, token: str, client: str = "-") -> Authenticated:
        holder = self._checked(lambda: self.session_holder(token))
        if holder is None:
            raise AuthenticationRequired(
                "the session has expired or was ended: log in again", "401 session ended"
            )
        return Authenticated(holder[0], token, holder[1], client)

    def _refused(self, name: str, client: str, why: str) -> None:
        """A refused login in the refusals' record; a record that cannot be written is logged,
        never a reason to answer otherwise."""
        try:
            self.refused(name, client, "login", why)
        except Exception:
            log.warning("a refused login could not be recorded", exc_info=True)

    @staticmethod
    def _checked(check: Callable[[], tuple[str, str] | None]) -> tuple[str, str] | None:
        """A check's answer; any failure of the check itself (the database down or full) is Busy,
        so that a fault is never taken for wrong credentials."""
        try:
            return check()
        except Busy:
            raise
        except Exception:
            log.exception("checking an administrator's credentials failed")
            raise Busy("credentials cannot be checked now; try again") from None
