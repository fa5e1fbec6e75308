"""Administrator accounts: scrypt password hashes (standard library), creation and checking.

Hashes are stored as ``scrypt$N$r$p$salt$hash`` (base64), so the cost can be raised later
without breaking stored accounts. Checking takes the same time whether or not the name exists.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets

from ovirt_node_config import validation
from ovirt_node_config.errors import InvalidInput
from ovirt_node_config.persistence import admin_store
from ovirt_node_config.persistence.engine import Database

SCRYPT_N, SCRYPT_R, SCRYPT_P, KEY_BYTES = 2**14, 8, 1, 32
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 1024
NAME_PATTERN = r"[A-Za-z0-9_.@-]{1,64}"


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    key = hashlib.scrypt(password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=KEY_BYTES)
    encode = lambda raw: base64.b64encode(raw).decode()  # noqa: E731
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${encode(salt)}${encode(key)}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, key = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(key)
        actual = hashlib.scrypt(
            password.encode(),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(expected),
            maxmem=256 * 1024 * 1024,
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


# What a name that does not exist is checked against, so that checking it costs the same scrypt
# as a real one: hash_password("not a password", salt=16 zero bytes), written out because
# computing it at import cost every process start 50 ms (tests/ovirt_node_config/test_admins.py
# holds it to that).
DUMMY_HASH = "scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$ojQYyLFGxinVP/v5fJg2yuE98Nb5QtxSb6M1CLAZ/EQ="


def admin_name(value: object) -> str:
    name = validation.text("name", value, max_length=64)
    if not re.fullmatch(NAME_PATTERN, name):
        raise InvalidInput("name", f"must be 1-64 letters, digits or . _ @ -, not {validation.shown(value)}")
    return name


def checked_password(value: object, field: str = "password") -> str:
    if not isinstance(value, str) or not MIN_PASSWORD_LENGTH <= len(value) <= MAX_PASSWORD_LENGTH:
        raise InvalidInput(field, f"must be {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters")
    return value


def set_admin(db: Database, name: object, password: object) -> bool:
    """Create the administrator (role admin: ``add-admin`` on the server host makes the first
    account), or reset its password (its role stays); True when it was created. A reset ends
    every session the administrator had opened (whoever knew the old password is out)."""
    checked_name = admin_name(name)
    hashed = hash_password(checked_password(password))

    def work(conn):
        created = admin_store.upsert_admin(conn, checked_name, hashed)
        if not created:
            admin_store.close_sessions(conn, checked_name, None)
        return created

    return db.write(work)


def authenticate(db: Database, name: str | None, password: str | None) -> tuple[str, str] | None:
    """The administrator's (name, role) when the credentials are right and the account is not
    disabled, else None."""
    if not name or password is None or len(name) > 64 or len(password) > MAX_PASSWORD_LENGTH:
        return None
    found = db.read(lambda conn: admin_store.account(conn, name))
    matches = verify_password(password, found[0] if found else DUMMY_HASH)
    return (name, found[1]) if found and matches and not found[2] else None
