"""What administrators say of nodes before they boot: registered SMBIOS UUIDs and MACs (the
``registered`` enrolment policy enrols only those), and the addresses from which a 2008
appliance may speak for a host (it holds no credential; the server's hosts file is the other
source, ``Trust.legacy_names``)."""

from __future__ import annotations

import ipaddress

from ovirt_node_config import validation
from ovirt_node_config.errors import InvalidInput, NotFound
from ovirt_node_config.persistence import audit_store, node_store, trust_store
from ovirt_node_config.persistence.engine import Database


def associate_legacy_address(db: Database, actor: str, host: object, address: object) -> dict:
    """Let the 2008 appliance at ``address`` speak for ``host`` (None or "": for no host)."""
    where = _address(address)
    name = None if host in (None, "") else validation.hostname("host", host)

    def work(conn):
        before = trust_store.set_legacy_address(conn, where, name)
        for hostname in dict.fromkeys(n for n in (before, name) if n):  # on each host's trail
            host_id = node_store.host_id_named(conn, hostname)
            audit_store.record_audit(
                conn, actor, host_id, hostname, "legacy_address", {where: before}, {where: name}
            )
        return {"address": where, "hostname": name or "", "before": before or ""}

    return db.write(work)


def register(db: Database, actor: str, values: object) -> dict:
    """Register SMBIOS UUIDs and MACs: under the ``registered`` policy, a new host whose report
    carries one of them is enrolled."""
    items = validation.array("values", values, max_items=256)
    checked = [_identity(f"values[{index}]", value) for index, value in enumerate(items)]

    def work(conn):
        for kind, value in checked:
            trust_store.register(conn, kind, value)
        audit_store.record_audit(conn, actor, None, "-", "register", None, [v for _, v in checked])
        return {"registered": [value for _, value in checked]}

    return db.write(work)


def unregister(db: Database, actor: str, value: object) -> dict:
    _, normal = _identity("value", value)

    def work(conn):
        if not trust_store.unregister(conn, normal):
            raise NotFound(f"{normal} is not registered")
        audit_store.record_audit(conn, actor, None, "-", "unregister", normal, None)
        return {"unregistered": normal}

    return db.write(work)


def list_registrations(db: Database) -> list[dict]:
    return [{"kind": kind, "value": value} for kind, value in db.read(trust_store.registrations)]


def _identity(field: str, value: object) -> tuple[str, str]:
    """("uuid", UUID) or ("mac", MAC) of a value that is one or the other."""
    text = validation.text(field, value, max_length=64)
    try:
        return "mac", validation.mac(field, text)
    except InvalidInput:
        pass
    uuid = validation.smbios_uuid(field, text)
    if uuid is None:
        raise InvalidInput(field, f"is an SMBIOS placeholder, which no node can be known by: {text[:40]!r}")
    return "uuid", uuid


def list_legacy_addresses(db: Database) -> list[dict]:
    return [{"address": a, "hostname": h} for a, h in db.read(trust_store.legacy_addresses)]


def _address(value: object) -> str:
    text = validation.text("address", value, max_length=64)
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        raise InvalidInput("address", f"is not an IP address: {text[:64]!r}") from None
