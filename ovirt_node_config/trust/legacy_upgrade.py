"""2008 appliances through an upgrade from a release that served them from any address.

Releases before 0.3 (sql/008) served a 2008 appliance's identify and config GET from wherever it
called; since, only from an address associated with its host (``Trust.speaks_for``). An
installation upgraded from such a release would see its appliances go dark (``ERROR ... is not
associated``, 404) and fall back to their default network, losing their bond. So the upgrade
lists every host that might be one (sql/029: no credential, no associated address), and the
first 2008 call for such a host from an address whose reverse-DNS name is its host name (how
the 2008 protocol names a node in the first place) associates that address with it, audited as
``legacy_address_associated``; the host leaves the list. From then on it is as if an
administrator had run ``legacy-allow HOST ADDRESS``.

Why it is safe: it accepts exactly the caller the release before accepted (an address whose
reverse DNS names the host), once, and then holds the host to that address; a host that holds
a credential is never associated; an administrator's ``legacy-allow`` or ``legacy-forbid``
settles a host for good. ``upgrade-check`` lists the hosts and the address their name resolves
to now.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.engine import Connection

from ovirt_node_config.persistence import audit_store, node_store, trust_store


def first_contact(
    conn: Connection, address: str, hostname: str, resolve: Callable[[str], str | None]
) -> bool:
    """Associate ``address`` with ``hostname`` if this is the first 2008 call for a host listed
    at the upgrade and the address's reverse-DNS name is the host name; has it been?"""
    if not trust_store.is_legacy_candidate(conn, hostname) or trust_store.legacy_hostname(conn, address):
        return False
    if (resolve(address) or "").lower().rstrip(".") != hostname:
        return False
    host_id = node_store.host_id_named(conn, hostname)
    if host_id is not None and trust_store.holds_credential(conn, host_id):
        return False
    trust_store.set_legacy_address(conn, address, hostname)
    audit_store.record_audit(
        conn,
        f"node:{hostname[:40]}@{address}"[:64],
        host_id,
        hostname,
        "legacy_address_associated",
        None,
        {"address": address, "why": "its first 2008 call since the upgrade, from its reverse-DNS name"},
    )
    return True
