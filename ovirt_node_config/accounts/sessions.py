"""Administrators' sessions: a password checked once (``admin.login``), then a token.

The token is 256 random bits, shown once; the database keeps its SHA-256 only, so a copy of the
database lets no one in. A session lasts ``LIFETIME`` from its login (no sliding renewal: an
operator's terminal left open does not stay in for ever), ends at logout, and ends with its
administrator's account. Checking a token is one indexed lookup, against the 40-100 ms of
scrypt that a password costs on every call.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from ovirt_node_config.accounts.authentication import Authenticated
from ovirt_node_config.errors import Unauthorized
from ovirt_node_config.persistence import admin_store
from ovirt_node_config.persistence.engine import Database

LIFETIME = timedelta(hours=12)
TOKEN_PREFIX = "onc_"  # noqa: S105 - not a secret: tells an administrator's session from a node's credential at a glance
MAX_TOKEN_LENGTH = 128


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def login(db: Database, name: str) -> dict:
    """A new session for ``name`` (whose credentials the caller has checked): the token, once,
    and when it expires (ISO 8601, UTC)."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires = (datetime.now(UTC) + LIFETIME).replace(microsecond=0)
    db.write(lambda conn: admin_store.open_session(conn, name, token_digest(token), expires))
    return {"token": token, "user": name, "expires_at": expires.isoformat()}


def holder(db: Database, token: str | None) -> tuple[str, str] | None:
    """(name, role) of the administrator whose live session ``token`` is (an account not
    disabled), or None."""
    if not token or not token.startswith(TOKEN_PREFIX) or len(token) > MAX_TOKEN_LENGTH:
        return None
    found = db.read(lambda conn: admin_store.session_holder(conn, token_digest(token)))
    return (found[0], found[2]) if found else None


def logout(db: Database, name: str, token: str | None, everywhere: bool = False) -> int:
    """End the session ``token`` of ``name`` (or, ``everywhere``, all of its sessions); how many
    ended. A call made with a password and not ``everywhere`` ends none."""
    if not everywhere and not holder(db, token):
        return 0
    digest = None if everywhere else token_digest(token or "")
    return db.write(lambda conn: admin_store.close_sessions(conn, name, digest))


def login_as(db: Database, caller: Authenticated) -> dict:
    """``admin.login``: a session for ``caller``, who gave a password."""
    if caller.via_session:
        raise Unauthorized("a session is opened with a password, not with another session")
    return login(db, caller.name)


def logout_as(db: Database, caller: Authenticated, everywhere: object = False) -> dict:
    """``admin.logout``: end the session ``caller`` came with (``everywhere``: all of its
    sessions)."""
    return {"ended": logout(db, caller.name, caller.session_token, everywhere is True)}
