"""Where ``ovirt-node-admin login`` keeps sessions: one file per user account, mode 0600, under
``$XDG_STATE_HOME/ovirt-node-config/`` (``~/.local/state/...``), holding for each server URL the
administrator's name, the token and its expiry. A session past its expiry is never offered."""

from __future__ import annotations

import contextlib
import json
import os
from datetime import UTC, datetime
from pathlib import Path


def path() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "ovirt-node-config" / "admin-sessions.json"


def _read() -> dict:
    try:
        with open(path(), encoding="utf-8") as handle:
            kept = json.load(handle)
    except (OSError, ValueError):
        return {}
    return kept if isinstance(kept, dict) else {}


def _write(sessions: dict) -> None:
    target = path()
    target.parent.mkdir(parents=True, mode=0o700, exist_ok=True)
    scratch = target.with_name(f".{target.name}.{os.getpid()}")
    descriptor = os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(sessions, handle, indent=1, sort_keys=True)
    os.replace(scratch, target)


def live(url: str) -> dict | None:
    """The session kept for ``url`` ({user, token, expires_at}) while it has not expired."""
    session = _read().get(url)
    if not isinstance(session, dict):
        return None
    try:
        expires = datetime.fromisoformat(session["expires_at"])
    except (KeyError, TypeError, ValueError):
        return None
    return session if expires > datetime.now(UTC) else None


def keep(url: str, session: dict) -> None:
    sessions = {u: s for u, s in _read().items() if u != url}
    sessions[url] = {key: session[key] for key in ("user", "token", "expires_at")}
    _write(sessions)


def forget(url: str) -> None:
    sessions = _read()
    if sessions.pop(url, None) is not None:
        with contextlib.suppress(OSError):
            _write(sessions)
