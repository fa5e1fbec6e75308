"""Accounts through the API and the command line: list, create with a role, change a role,
disable, enable, delete, and change one's own password.

An admin keeps the accounts; anyone changes their own password (which ends their other
sessions). The last enabled admin cannot be disabled, deleted or given a lesser role: the
server is never left without someone who can keep it (``add-admin`` on its host still can).
Every change is in the audit trail (``account:NAME``).
"""

from __future__ import annotations

from ovirt_node_config import timestamps, validation
from ovirt_node_config.accounts import admins, roles, sessions
from ovirt_node_config.accounts.authentication import Authenticated
from ovirt_node_config.errors import Conflict, InvalidInput, NotFound, Unauthorized
from ovirt_node_config.persistence import admin_store, audit_store
from ovirt_node_config.persistence.engine import Database


def role_of(value: object) -> str:
    if value not in roles.ROLES:
        raise InvalidInput("role", f"must be one of {', '.join(roles.ROLES)}, not {validation.shown(value)}")
    return value


def list_accounts(db: Database) -> list[dict]:
    """Every account: name, role, enabled, created, changed (ISO 8601)."""
    return [
        {
            "name": row["name"],
            "role": row["role"],
            "enabled": not row["disabled"],
            "created_at": timestamps.iso(row["created_at"]),
            "updated_at": timestamps.iso(row["updated_at"]),
        }
        for row in db.read(admin_store.accounts)
    ]


def create_account(db: Database, actor: str, name: object, password: object, role: object) -> dict:
    checked, chosen = admins.admin_name(name), role_of(role)
    hashed = admins.hash_password(admins.checked_password(password))

    def work(conn):
        if not admin_store.insert_account(conn, checked, hashed, chosen):
            raise Conflict(f"an account named {checked} exists")
        _audit(conn, actor, checked, None, {"role": chosen, "enabled": True})
        return {"name": checked, "role": chosen, "enabled": True}

    return db.write(work)


def set_role(db: Database, actor: str, name: object, role: object) -> dict:
    chosen = role_of(role)
    return _change(db, actor, name, {"role": chosen})


def disable_account(db: Database, actor: str, name: object) -> dict:
    """The account can no longer sign in; its sessions end."""
    return _change(db, actor, name, {"disabled": True})


def enable_account(db: Database, actor: str, name: object) -> dict:
    return _change(db, actor, name, {"disabled": False})


def delete_account(db: Database, actor: str, name: object) -> dict:
    checked = admins.admin_name(name)

    def work(conn):
        every = admin_store.lock_accounts(conn)
        if checked not in every:
            raise NotFound(f"no account named {checked}")
        _keeps_an_admin(every, checked, None)
        admin_store.delete_account(conn, checked)
        role, disabled = every[checked]
        _audit(conn, actor, checked, {"role": role, "enabled": not disabled}, None)
        return {"deleted": checked}

    return db.write(work)


def change_password(db: Database, caller: Authenticated, old: object, new: object) -> dict:
    """The caller's own password: the old one proves it is them; every other session of theirs
    ends (whoever knew the old password is out), the one this call came with stays."""
    password = admins.checked_password(new, "new")
    if not isinstance(old, str) or admins.authenticate(db, caller.name, old) is None:
        raise Unauthorized("the old password is not right")
    hashed = admins.hash_password(password)
    keep = sessions.token_digest(caller.session_token) if caller.session_token else None

    def work(conn):
        admin_store.update_account(conn, caller.name, password_hash=hashed)
        ended = admin_store.close_sessions(conn, caller.name, None, keep=keep)
        _audit(conn, caller.name, caller.name, None, {"password": "changed"})
        return {"name": caller.name, "other_sessions_ended": ended}

    return db.write(work)


def _change(db: Database, actor: str, name: object, values: dict) -> dict:
    checked = admins.admin_name(name)

    def work(conn):
        every = admin_store.lock_accounts(conn)
        if checked not in every:
            raise NotFound(f"no account named {checked}")
        role, disabled = every[checked]
        after_role, after_disabled = values.get("role", role), values.get("disabled", disabled)
        if after_role != "admin" or after_disabled:
            _keeps_an_admin(every, checked, (after_role, after_disabled))
        admin_store.update_account(conn, checked, **values)
        if after_disabled and not disabled:
            admin_store.close_sessions(conn, checked, None)
        before = {"role": role, "enabled": not disabled}
        after = {"role": after_role, "enabled": not after_disabled}
        if before != after:
            _audit(conn, actor, checked, before, after)
        return {"name": checked, **after}

    return db.write(work)


def _keeps_an_admin(every: dict[str, tuple[str, bool]], name: str, becomes: tuple[str, bool] | None) -> None:
    """Conflict when ``name`` becoming ``becomes`` (None: deleted) leaves no enabled admin."""
    after = {**every}
    if becomes is None:
        del after[name]
    else:
        after[name] = becomes
    if not any(role == "admin" and not disabled for role, disabled in after.values()):
        raise Conflict(f"rule 'an enabled admin remains': {name} is the last enabled admin")


def _audit(conn, actor: str, name: str, before: dict | None, after: dict | None) -> None:
    audit_store.record_audit(conn, actor, None, f"account:{name}", "account", before, after)
