"""Logical networks, their attachments to nodes and the addresses those hold (``sql/023``).

A network is locked (``network(..., lock=True)``) while an address of its pool is chosen and
taken, so that allocations on one network take turns (PostgreSQL's row lock; SQLite's writer
holds the database); the unique key on (network, family, address) refuses one address given
twice whatever happens. What is allowed is ``logical_networks``'s to decide."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import Connection

from ovirt_node_config.persistence.tables import (
    hosts,
    logical_networks,
    network_addresses,
    network_attachments,
    static_routes,
)


@dataclass(frozen=True)
class NetworkRow:
    id: int
    name: str
    document: str


@dataclass(frozen=True)
class AttachmentRow:
    id: int
    network_id: int
    host_id: int
    base_nic_id: int | None
    base_bonding_id: int | None
    made_vlan_id: int | None
    made_bridge_id: int | None
    ipv4_mode: str
    ipv6_mode: str
    default_route: bool


_ATTACHMENT = tuple(network_attachments.c[name] for name in AttachmentRow.__dataclass_fields__)


def network(conn: Connection, name: str, *, lock: bool = False) -> NetworkRow | None:
    query = select(logical_networks.c.id, logical_networks.c.name, logical_networks.c.document).where(
        logical_networks.c.name == name
    )
    row = conn.execute(query.with_for_update() if lock else query).first()
    return NetworkRow(*row) if row else None


def networks(conn: Connection) -> list[tuple[NetworkRow, int, int]]:
    """Every network by name, with how many nodes it is attached to and addresses it gave."""
    attached = (
        select(func.count())
        .where(network_attachments.c.network_id == logical_networks.c.id)
        .scalar_subquery()
    )
    given = (
        select(func.count()).where(network_addresses.c.network_id == logical_networks.c.id).scalar_subquery()
    )
    rows = conn.execute(
        select(
            logical_networks.c.id, logical_networks.c.name, logical_networks.c.document, attached, given
        ).order_by(logical_networks.c.name)
    )
    return [(NetworkRow(r[0], r[1], r[2]), r[3], r[4]) for r in rows]


def save_network(conn: Connection, name: str, values: dict) -> tuple[int, bool]:
    """Create or replace a network (values: vlan_id, mtu, bridged, document); (id, created)."""
    found = network(conn, name, lock=True)
    if found is None:
        made = conn.execute(
            insert(logical_networks).values(name=name, **values).returning(logical_networks.c.id)
        )
        return made.scalar_one(), True
    conn.execute(
        update(logical_networks)
        .where(logical_networks.c.id == found.id)
        .values(**values, updated_at=func.current_timestamp())
    )
    return found.id, False


def delete_network(conn: Connection, network_id: int) -> None:
    conn.execute(delete(logical_networks).where(logical_networks.c.id == network_id))


def attachments(conn: Connection, network_id: int) -> list[tuple[AttachmentRow, str]]:
    """The network's attachments with each host's name, by host name."""
    rows = conn.execute(
        select(*_ATTACHMENT, hosts.c.hostname)
        .join(hosts, hosts.c.id == network_attachments.c.host_id)
        .where(network_attachments.c.network_id == network_id)
        .order_by(hosts.c.hostname)
    )
    return [(AttachmentRow(*row[:-1]), row[-1]) for row in rows]


def attachment(conn: Connection, network_id: int, host_id: int) -> AttachmentRow | None:
    row = conn.execute(
        select(*_ATTACHMENT).where(
            network_attachments.c.network_id == network_id, network_attachments.c.host_id == host_id
        )
    ).first()
    return AttachmentRow(*row) if row else None


def attachments_of_host(conn: Connection, host_id: int) -> list[tuple[AttachmentRow, str]]:
    """The node's attachments with each network's name, by network name."""
    rows = conn.execute(
        select(*_ATTACHMENT, logical_networks.c.name)
        .join(logical_networks, logical_networks.c.id == network_attachments.c.network_id)
        .where(network_attachments.c.host_id == host_id)
        .order_by(logical_networks.c.name)
    )
    return [(AttachmentRow(*row[:-1]), row[-1]) for row in rows]


def attached_to(conn: Connection, column: str, row_id: int) -> str | None:
    """The network attached on, or through, the row (``column``: base_nic_id, base_bonding_id,
    made_vlan_id, made_bridge_id), by name; None when none is."""
    return conn.execute(
        select(logical_networks.c.name)
        .join(network_attachments, network_attachments.c.network_id == logical_networks.c.id)
        .where(network_attachments.c[column] == row_id)
        .limit(1)
    ).scalar()


def insert_attachment(conn: Connection, values: dict) -> int:
    made = conn.execute(insert(network_attachments).values(**values).returning(network_attachments.c.id))
    return made.scalar_one()


def delete_attachment(conn: Connection, attachment_id: int) -> None:
    """The attachment, its addresses and the routes it put on the node (cascading)."""
    conn.execute(delete(network_attachments).where(network_attachments.c.id == attachment_id))


def taken(conn: Connection, network_id: int, family: int) -> list[str]:
    """The addresses of the network's family already given."""
    return list(
        conn.execute(
            select(network_addresses.c.address).where(
                network_addresses.c.network_id == network_id, network_addresses.c.family == family
            )
        ).scalars()
    )


def hold_address(conn: Connection, attachment: AttachmentRow, family: int, address: str) -> None:
    conn.execute(
        insert(network_addresses).values(
            network_id=attachment.network_id,
            family=family,
            address=address,
            attachment_id=attachment.id,
            host_id=attachment.host_id,
        )
    )


def addresses_of(conn: Connection, attachment_id: int) -> dict[int, str]:
    """Family -> the address the attachment holds."""
    rows = conn.execute(
        select(network_addresses.c.family, network_addresses.c.address).where(
            network_addresses.c.attachment_id == attachment_id
        )
    )
    return {row.family: row.address for row in rows}


def addresses(conn: Connection, network_id: int) -> list[tuple[int, str, str]]:
    """(family, address, host name) of every address the network gave, in address order."""
    rows = conn.execute(
        select(network_addresses.c.family, network_addresses.c.address, hosts.c.hostname)
        .join(hosts, hosts.c.id == network_addresses.c.host_id)
        .where(network_addresses.c.network_id == network_id)
    )
    return list(rows)


def attachment_routes(conn: Connection, attachment_id: int) -> None:
    """Delete the routes the attachment put on its node (before putting them anew)."""
    conn.execute(delete(static_routes).where(static_routes.c.attachment_id == attachment_id))


def set_dns_network(conn: Connection, host_id: int, network_id: int | None) -> None:
    conn.execute(update(hosts).where(hosts.c.id == host_id).values(dns_network_id=network_id))


def dns_network(conn: Connection, host_id: int) -> int | None:
    return conn.execute(select(hosts.c.dns_network_id).where(hosts.c.id == host_id)).scalar()


def hosts_attached(conn: Connection, host_ids: list[int]) -> set[int]:
    """Those of the hosts that hold a network attachment."""
    if not host_ids:
        return set()
    return set(
        conn.execute(
            select(network_attachments.c.host_id)
            .where(network_attachments.c.host_id.in_(host_ids))
            .distinct()
        ).scalars()
    )
