"""The writes behind administrators' changes to a node: its bonding type and network stack, a
bond, VLAN or bridge inserted, changed or deleted, NICs enslaved and released, bridge ports, a
host's UUID, the host deleted. Each changes one kind of row; what is allowed is the nodes
wing's to decide (``ovirt_node_config.nodes``)."""

from __future__ import annotations

from sqlalchemy import delete, func, insert, update
from sqlalchemy.engine import Connection

from ovirt_node_config.persistence.tables import (
    bonding_arp_targets,
    bondings,
    bondings_nics,
    bridge_ports,
    bridges,
    hosts,
    nics,
    vlans,
)


def set_bonding_type(conn: Connection, host_id: int, type_id: int | None) -> None:
    conn.execute(
        update(hosts)
        .where(hosts.c.id == host_id)
        .values(bonding_type_id=type_id, updated_at=func.current_timestamp())
    )


def set_network_stack_override(conn: Connection, host_id: int, stack: str | None) -> None:
    conn.execute(
        update(hosts)
        .where(hosts.c.id == host_id)
        .values(network_stack_override=stack, updated_at=func.current_timestamp())
    )


def insert_bond(conn: Connection, host_id: int, values: dict) -> int:
    return conn.execute(
        insert(bondings).values(host_id=host_id, **values).returning(bondings.c.id)
    ).scalar_one()


def set_more_arp_targets(conn: Connection, bond_id: int, targets: tuple[str, ...]) -> None:
    """Store a bond's ARP targets after the first (which is its ``arp_ping_address``), in order."""
    conn.execute(delete(bonding_arp_targets).where(bonding_arp_targets.c.bonding_id == bond_id))
    if targets:
        conn.execute(
            insert(bonding_arp_targets),
            [
                {"bonding_id": bond_id, "position": position, "address": address}
                for position, address in enumerate(targets, start=2)
            ],
        )


def set_primary(conn: Connection, bond_id: int, nic_id: int | None) -> None:
    """Mark one slave of a bond as its primary (None: no primary)."""
    conn.execute(
        update(bondings_nics).where(bondings_nics.c.bonding_id == bond_id).values(primary_slave=None)
    )
    if nic_id is not None:
        conn.execute(
            update(bondings_nics)
            .where(bondings_nics.c.bonding_id == bond_id, bondings_nics.c.nic_id == nic_id)
            .values(primary_slave=True)
        )


_TABLES = {"nic": nics, "bond": bondings, "vlan": vlans, "bridge": bridges}


def update_interface(conn: Connection, kind: str, row_id: int, values: dict) -> None:
    """Set columns of one NIC, bond, VLAN or bridge row (``kind``: nic, bond, vlan, bridge)."""
    table = _TABLES[kind]
    conn.execute(
        update(table).where(table.c.id == row_id).values(**values, updated_at=func.current_timestamp())
    )


def insert_vlan(conn: Connection, host_id: int, values: dict) -> int:
    return conn.execute(insert(vlans).values(host_id=host_id, **values).returning(vlans.c.id)).scalar_one()


def insert_bridge(conn: Connection, host_id: int, values: dict) -> int:
    return conn.execute(
        insert(bridges).values(host_id=host_id, **values).returning(bridges.c.id)
    ).scalar_one()


def add_bridge_ports(conn: Connection, host_id: int, bridge_id: int, ports: list[tuple[str, int]]) -> None:
    """Make each (kind, row id) a port of the bridge; kind is nic, bond or vlan."""
    column = {"nic": "nic_id", "bond": "bonding_id", "vlan": "vlan_id"}
    conn.execute(
        insert(bridge_ports),
        [
            {
                "bridge_id": bridge_id,
                "host_id": host_id,
                **dict.fromkeys(column.values()),
                column[kind]: row_id,
            }
            for kind, row_id in ports
        ],
    )


def delete_interface(conn: Connection, kind: str, row_id: int) -> None:
    """Delete a VLAN or a bridge (its port memberships go with it)."""
    table = _TABLES[kind]
    conn.execute(delete(table).where(table.c.id == row_id))


def delete_bond(conn: Connection, bond_id: int) -> None:
    conn.execute(delete(bondings).where(bondings.c.id == bond_id))


def add_members(conn: Connection, host_id: int, bond_id: int, nic_ids: list[int]) -> None:
    conn.execute(
        insert(bondings_nics),
        [{"bonding_id": bond_id, "nic_id": nic_id, "host_id": host_id} for nic_id in nic_ids],
    )


def remove_members(conn: Connection, bond_id: int, nic_ids: list[int]) -> None:
    conn.execute(
        delete(bondings_nics).where(
            bondings_nics.c.bonding_id == bond_id, bondings_nics.c.nic_id.in_(nic_ids)
        )
    )


def set_host_uuid(conn: Connection, host_id: int, uuid: str | None) -> None:
    conn.execute(
        update(hosts).where(hosts.c.id == host_id).values(uuid=uuid, updated_at=func.current_timestamp())
    )


def delete_host(conn: Connection, host_id: int) -> None:
    conn.execute(delete(hosts).where(hosts.c.id == host_id))
