"""Queries behind node trust (``sql/007_node_trust.*.sql``): the credential key, hosts'
credentials, and the claims held for administrators."""

from __future__ import annotations

from dataclasses import dataclass, fields

from sqlalchemy.engine import Connection

from ovirt_node_config.persistence.audit_store import ACTOR_LENGTH, audit_text
from ovirt_node_config.persistence.driver import Driver, in_list


@dataclass(frozen=True)
class Claim:
    id: int
    kind: str
    hostname: str
    uuid: str | None
    host_id: int | None
    address: str
    via: str
    report: str  # the checked report, as JSON
    digest: str
    credential_hash: str | None
    created_at: object


_CLAIM_COLUMNS = ", ".join(f.name for f in fields(Claim))
_KEY = "SELECT secret FROM node_credential_keys WHERE id = 1"
_CLAIM_BY = f"SELECT {_CLAIM_COLUMNS} FROM node_claims WHERE {{where}} ORDER BY id"


def credential_key(conn: Connection, new_secret: str) -> str:
    """The installation's key; ``new_secret`` becomes it when there is none yet (whichever of two
    servers starting at once writes first wins, and both read the same)."""
    db = Driver(conn)
    db.execute(
        "INSERT INTO node_credential_keys (id, secret) VALUES (1, ?) ON CONFLICT (id) DO NOTHING",
        (new_secret,),
    )
    ((secret,),) = db.execute(_KEY).rows()
    return secret


def set_credential(conn: Connection, host_id: int, digest: str | None) -> bool:
    """Give a host a credential, not presented yet (None: take it away); False when the host is
    gone."""
    changed = Driver(conn).execute(
        "UPDATE hosts SET credential_hash = ?, credential_presented = ?, updated_at = CURRENT_TIMESTAMP"
        " WHERE id = ?",
        (digest, digest is None, host_id),
    )
    return changed.rowcount == 1


def mark_presented(conn: Connection, host_id: int) -> None:
    """The host's node has presented the credential it holds (sql/027)."""
    Driver(conn).execute(
        "UPDATE hosts SET credential_presented = ? WHERE id = ? AND NOT credential_presented", (True, host_id)
    )


def setting(conn: Connection, name: str) -> str | None:
    """An installation setting every server on the database shares (sql/027)."""
    rows = Driver(conn).execute("SELECT value FROM installation_settings WHERE name = ?", (name,)).rows()
    return rows[0][0] if rows else None


def set_setting(conn: Connection, name: str, value: str) -> None:
    Driver(conn).execute(
        "INSERT INTO installation_settings (name, value) VALUES (?, ?)"
        " ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        (name, value),
    )


def credential_counts(conn: Connection) -> dict[str, int]:
    """Hosts by their credential: none held, held but never presented, in use."""
    rows = (
        Driver(conn)
        .execute(
            "SELECT credential_hash IS NOT NULL, credential_presented, COUNT(*) FROM hosts"
            " GROUP BY credential_hash IS NOT NULL, credential_presented"
        )
        .rows()
    )
    counts = {"none": 0, "never_presented": 0, "in_use": 0}
    for holds, presented, count in rows:
        counts["none" if not holds else "in_use" if presented else "never_presented"] += int(count)
    return counts


def forget_enrolment_proof(conn: Connection, host_id: int) -> None:
    """The digest of a new node's own token (kept with the host as it is created) is done with."""
    Driver(conn).execute(
        "UPDATE hosts SET enrolment_proof = NULL, enrolment_proof_until_ms = NULL WHERE id = ?", (host_id,)
    )


def hold(conn: Connection, claim: dict, *, renew_credential: bool = False) -> tuple[int, bool]:
    """Keep a claim, once per digest (the same claim again keeps its first id, and with
    ``renew_credential`` takes the new credential: the node asked again, so it lost the first).
    Returns (id, whether it is new)."""
    db = Driver(conn)
    found = db.execute("SELECT id FROM node_claims WHERE digest = ?", (claim["digest"],)).rows()
    if found:
        if renew_credential:
            db.execute(
                "UPDATE node_claims SET credential_hash = ? WHERE id = ?",
                (claim["credential_hash"], found[0][0]),
            )
        return found[0][0], False
    columns = tuple(claim)
    ((claim_id,),) = db.insert("node_claims", columns, [tuple(claim.values())], returning="id")
    return claim_id, True


def pending_for(conn: Connection, credential_hash: str) -> Claim | None:
    """The enrolment claim whose node holds this credential."""
    rows = (
        Driver(conn)
        .execute(_CLAIM_BY.format(where="credential_hash = ? AND kind = 'enrolment'"), (credential_hash,))
        .rows()
    )
    return Claim(*rows[0]) if rows else None


def count(conn: Connection) -> int:
    """How many claims wait."""
    ((found,),) = Driver(conn).execute("SELECT COUNT(*) FROM node_claims").rows()
    return found


def claims(
    conn: Connection, *, kind: str | None = None, claim_id: int | None = None, hostname: str | None = None
) -> list[Claim]:
    """Claims, oldest first: all, or those of one kind, id or host name."""
    where, params = ["1 = 1"], []
    for column, value in (("kind", kind), ("id", claim_id), ("hostname", hostname)):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    rows = Driver(conn).execute(_CLAIM_BY.format(where=" AND ".join(where)), params).rows()
    return [Claim(*row) for row in rows]


def drop(conn: Connection, claim_id: int) -> bool:
    return Driver(conn).execute("DELETE FROM node_claims WHERE id = ?", (claim_id,)).rowcount == 1


_AUDIT_COLUMNS = ("actor", "host_id", "hostname", "action", "before", "after")


def audit(conn: Connection, rows: list[tuple]) -> None:
    """Audit rows of node-side changes (actor, host id, host name, action, before, after; the
    states as structures), on the driver: an enrolment is on the boot storm's path (through
    SQLAlchemy, this one insert cost half as much again as the rest of a first boot)."""
    if rows:
        encoded = [(row[0][:ACTOR_LENGTH], *row[1:4], audit_text(row[4]), audit_text(row[5])) for row in rows]
        Driver(conn).insert("audit_log", _AUDIT_COLUMNS, encoded)


def legacy_hostname(conn: Connection, address: str) -> str | None:
    """The host name an administrator associated with a 2008 appliance's address."""
    rows = Driver(conn).execute("SELECT hostname FROM legacy_addresses WHERE address = ?", (address,)).rows()
    return rows[0][0] if rows else None


def has_legacy_address(conn: Connection, hostname: str) -> bool:
    rows = Driver(conn).execute("SELECT 1 FROM legacy_addresses WHERE hostname = ?", (hostname,)).rows()
    return bool(rows)


def set_legacy_address(conn: Connection, address: str, hostname: str | None) -> str | None:
    """Associate ``address`` with ``hostname`` (None: with nothing); returns the name it had."""
    db = Driver(conn)
    before = legacy_hostname(conn, address)
    db.execute("DELETE FROM legacy_addresses WHERE address = ?", (address,))
    if hostname is not None:
        db.execute("INSERT INTO legacy_addresses (address, hostname) VALUES (?, ?)", (address, hostname))
        forget_legacy_candidate(conn, hostname)  # it has an address now
    return before


def holds_credential(conn: Connection, host_id: int) -> bool:
    rows = Driver(conn).execute("SELECT credential_hash FROM hosts WHERE id = ?", (host_id,)).rows()
    return bool(rows) and rows[0][0] is not None


def is_legacy_candidate(conn: Connection, hostname: str) -> bool:
    """Was ``hostname`` listed at the upgrade as maybe a 2008 appliance's (sql/029)?"""
    rows = Driver(conn).execute("SELECT 1 FROM legacy_candidates WHERE hostname = ?", (hostname,)).rows()
    return bool(rows)


def forget_legacy_candidate(conn: Connection, hostname: str) -> None:
    Driver(conn).execute("DELETE FROM legacy_candidates WHERE hostname = ?", (hostname,))


def legacy_addresses(conn: Connection) -> list[tuple[str, str]]:
    return [
        tuple(row)
        for row in Driver(conn)
        .execute("SELECT address, hostname FROM legacy_addresses ORDER BY hostname, address")
        .rows()
    ]


def registered(conn: Connection, values: list[str]) -> bool:
    """Is any of these UUIDs or MACs registered?"""
    if not values:
        return False
    found = (
        Driver(conn)
        .execute(f"SELECT 1 FROM node_registrations WHERE value IN {in_list(len(values))}", values)
        .rows()
    )
    return bool(found)


def register(conn: Connection, kind: str, value: str) -> None:
    Driver(conn).execute(
        "INSERT INTO node_registrations (value, kind) VALUES (?, ?) ON CONFLICT (value) DO NOTHING",
        (value, kind),
    )


def unregister(conn: Connection, value: str) -> bool:
    return Driver(conn).execute("DELETE FROM node_registrations WHERE value = ?", (value,)).rowcount == 1


def registrations(conn: Connection) -> list[tuple[str, str]]:
    return [
        tuple(row)
        for row in Driver(conn)
        .execute("SELECT kind, value FROM node_registrations ORDER BY kind DESC, value")
        .rows()
    ]
