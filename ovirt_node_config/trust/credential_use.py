"""Credentials issued and never presented: how a fleet gets through a server upgrade.

Servers are upgraded before their nodes. An agent older than node credentials is issued one at
its next ``identify`` and throws it away; if every later call needed it, the node would be locked
out for good, and would stay so after its agent is upgraded. So the server notes whether a
host's node has ever presented the credential it holds (``hosts.credential_presented``, sql/027):

- while it never has, a report from the **same hardware** (the host's SMBIOS UUID and exactly its
  NICs' MACs: ``claims.same_hardware``) without it is issued a new one, which voids the first
  (``claims.judge``); an upgraded agent picks that up at its first boot;
- unless the installation **requires credentials** (``require_credentials``, off for an
  installation upgraded with nodes in it, on for a new one), such a host's calls are served
  without it, as before it held one (``get_config``, and ``identify`` whatever it reports);
- the first call that presents it closes both for good (``note_presented``).

Why it is safe: before its credential is first presented, a host is exactly as open as it was
before the upgrade (anyone who could send its report could change it then); the first
presentation ends that. What an administrator sees: ``list_nodes`` with ``credential=missing``
(no credential, or one never presented), ``credential_status`` with the counts.
"""

from __future__ import annotations

from ovirt_node_config import validation
from ovirt_node_config.persistence import audit_store, trust_store
from ovirt_node_config.persistence.engine import Database

REQUIRE_CREDENTIALS = "require_credentials"


def required(db: Database) -> bool:
    """Does every call of a host holding a credential need it, even one never presented?"""
    return db.read(required_in)


def required_in(conn) -> bool:
    return stored_required(trust_store.setting(conn, REQUIRE_CREDENTIALS))


def stored_required(value: str | None) -> bool:
    return value != "off"  # a database that never said: the safe side


def note_presented(conn, host_id: int, presented_before: bool) -> None:
    """The node has now presented its credential: its window (module docstring) is closed."""
    if not presented_before:
        trust_store.mark_presented(conn, host_id)


def credential_status(db: Database) -> dict:
    """Whether credentials are required, and how many hosts hold none, hold one never presented,
    or use theirs: when the first two are 0, requiring credentials locks nobody out."""

    def read(conn) -> dict:
        return {
            "required": required_in(conn),
            **trust_store.credential_counts(conn),
        }

    return db.read(read)


def set_credentials_required(db: Database, actor: str, required: object) -> dict:
    """Require every host's credential on every call (True), or serve a host whose credential
    was never presented without it (False: an upgraded installation's start)."""
    wanted = validation.boolean("required", required)

    def write(conn) -> dict:
        before = required_in(conn)
        trust_store.set_setting(conn, REQUIRE_CREDENTIALS, "on" if wanted else "off")
        if before != wanted:
            audit_store.record_audit(
                conn, actor, None, "-", "require_credentials", {"required": before}, {"required": wanted}
            )
        return {"required": wanted, **trust_store.credential_counts(conn)}

    return db.write(write)
