"""Integrity is the database's job too: these writes bypass the code and must still be refused."""

import pytest
from sqlalchemy import delete, func, insert, select
from sqlalchemy.exc import DataError, IntegrityError

from ovirt_node_config.persistence.tables import (
    bondings,
    bondings_nics,
    bridge_ports,
    bridges,
    cpus,
    hosts,
    nics,
    vlans,
)


def _host(conn, hostname, uuid=None):
    return conn.execute(
        insert(hosts)
        .values(hostname=hostname, uuid=uuid, arch="x86_64", memory_mb=1024)
        .returning(hosts.c.id)
    ).scalar_one()


def _nic(conn, host_id, mac, iface="eth0"):
    return conn.execute(
        insert(nics).values(host_id=host_id, mac=mac, iface_name=iface).returning(nics.c.id)
    ).scalar_one()


def _bond(conn, host_id, iface="bond0"):
    return conn.execute(
        insert(bondings).values(host_id=host_id, name=iface, interface_name=iface).returning(bondings.c.id)
    ).scalar_one()


def _refused(engine, statement_builder):
    with pytest.raises((IntegrityError, DataError)), engine.begin() as conn:
        statement_builder(conn)


@pytest.fixture
def node(engine):
    """One host with two NICs and one bond; returns their ids."""
    with engine.begin() as conn:
        host_id = _host(conn, "node1", "4c4c4544-0000-0000-0000-000000000001")
        nic_ids = [
            _nic(conn, host_id, "52:54:00:00:00:01", "eth0"),
            _nic(conn, host_id, "52:54:00:00:00:02", "eth1"),
        ]
        bond_id = _bond(conn, host_id)
    return host_id, nic_ids, bond_id


def test_a_second_nic_with_the_same_mac_is_refused(engine, node):
    host_id, _, _ = node
    _refused(engine, lambda conn: _nic(conn, host_id, "52:54:00:00:00:01", "eth9"))


def test_one_nic_in_two_bonds_is_refused(engine, node):
    host_id, nic_ids, bond_id = node
    with engine.begin() as conn:
        conn.execute(insert(bondings_nics).values(bonding_id=bond_id, nic_id=nic_ids[0], host_id=host_id))
        other_bond = _bond(conn, host_id, "bond1")
    _refused(
        engine,
        lambda conn: conn.execute(
            insert(bondings_nics).values(bonding_id=other_bond, nic_id=nic_ids[0], host_id=host_id)
        ),
    )


def test_a_nic_of_another_host_cannot_join_a_bond(engine, node):
    host_id, _, bond_id = node
    with engine.begin() as conn:
        stranger_host = _host(conn, "node2")
        stranger_nic = _nic(conn, stranger_host, "52:54:00:00:00:99")
    for claimed_host in (host_id, stranger_host):
        _refused(
            engine,
            lambda conn, claimed_host=claimed_host: conn.execute(
                insert(bondings_nics).values(bonding_id=bond_id, nic_id=stranger_nic, host_id=claimed_host)
            ),
        )


@pytest.mark.parametrize(
    "values",
    [
        {"mac": "52:54:00:00:00:0A"},  # upper case
        {"mac": "52-54-00-00-00-0a"},
        {"mac": "52:54:00:00:00:0g"},
        {"iface_name": ""},
        {"iface_name": "a-very-long-interface-name"},
        {"boot_protocol": "bootp"},
        {"boot_protocol": "static"},  # without an address
        {"bandwidth_mbps": -1},
    ],
)
def test_nic_checks(engine, node, values):
    host_id, _, _ = node
    row = {"host_id": host_id, "mac": "52:54:00:00:00:0a", "iface_name": "eth5", **values}
    _refused(engine, lambda conn: conn.execute(insert(nics).values(**row)))


@pytest.mark.parametrize(
    "values",
    [
        {"interface_name": "bond0"},  # taken on this host
        {"arp_interval_ms": -1},
        {"arp_interval_ms": 1000},  # without a ping address
        {"boot_protocol": "static", "ip_address": "192.0.2.1"},  # without a netmask
    ],
)
def test_bonding_checks(engine, node, values):
    host_id, _, _ = node
    row = {"host_id": host_id, "name": "second", "interface_name": "bond1", **values}
    _refused(engine, lambda conn: conn.execute(insert(bondings).values(**row)))


@pytest.mark.parametrize(
    "values",
    [
        {"hostname": "node1"},
        {"uuid": "4c4c4544-0000-0000-0000-000000000001"},
        {"uuid": "NOT-LOWER"},
        {"memory_mb": -1},
        {"bonding_type_id": 99},
        {"reported_network_stack": "netplan"},
        {"network_stack_override": "KEYFILE"},
    ],
)
def test_host_checks(engine, node, values):
    row = {"hostname": "node9", "arch": "x86_64", "memory_mb": 1, **values}
    _refused(engine, lambda conn: conn.execute(insert(hosts).values(**row)))


def test_hosts_without_uuid_may_coexist(engine):
    """The UUID is unique only where there is one (NULLs are distinct)."""
    with engine.begin() as conn:
        _host(conn, "a")
        _host(conn, "b")
    with engine.connect() as conn:
        rows = conn.execute(select(hosts.c.hostname, hosts.c.uuid).order_by(hosts.c.hostname)).all()
    assert [tuple(row) for row in rows] == [("a", None), ("b", None)]


def test_deleting_a_host_takes_its_children(engine, node):
    host_id, nic_ids, bond_id = node
    with engine.begin() as conn:
        conn.execute(insert(bondings_nics).values(bonding_id=bond_id, nic_id=nic_ids[0], host_id=host_id))
        conn.execute(insert(cpus).values(host_id=host_id, cpu_index=0))
        conn.execute(delete(hosts).where(hosts.c.id == host_id))
    with engine.connect() as conn:
        for table in (nics, bondings, bondings_nics, cpus):
            assert conn.execute(select(func.count()).select_from(table)).scalar_one() == 0


def test_deleting_a_nic_removes_its_bond_membership(engine, node):
    host_id, nic_ids, bond_id = node
    with engine.begin() as conn:
        conn.execute(insert(bondings_nics).values(bonding_id=bond_id, nic_id=nic_ids[0], host_id=host_id))
        conn.execute(delete(nics).where(nics.c.id == nic_ids[0]))
        assert conn.execute(select(func.count()).select_from(bondings_nics)).scalar_one() == 0
        assert conn.execute(select(func.count()).select_from(bondings)).scalar_one() == 1


def _bridge(conn, host_id, iface="ovirtmgmt"):
    return conn.execute(
        insert(bridges).values(host_id=host_id, interface_name=iface, stp=False).returning(bridges.c.id)
    ).scalar_one()


def _vlan(conn, host_id, vlan_id=100, **parent):
    return conn.execute(
        insert(vlans)
        .values(host_id=host_id, interface_name=f"v{vlan_id}", vlan_id=vlan_id, **parent)
        .returning(vlans.c.id)
    ).scalar_one()


def test_a_port_or_parent_of_another_host_is_refused(engine, node):
    host_id, nic_ids, bond_id = node
    with engine.begin() as conn:
        bridge_id = _bridge(conn, host_id)
        stranger_host = _host(conn, "node2")
        stranger_nic = _nic(conn, stranger_host, "52:54:00:00:00:99")
        stranger_bond = _bond(conn, stranger_host)
    for claimed_host in (host_id, stranger_host):
        for port in ({"nic_id": stranger_nic}, {"bonding_id": stranger_bond}):
            _refused(
                engine,
                lambda conn, claimed_host=claimed_host, port=port: conn.execute(
                    insert(bridge_ports).values(bridge_id=bridge_id, host_id=claimed_host, **port)
                ),
            )
    for parent in ({"parent_nic_id": stranger_nic}, {"parent_bonding_id": stranger_bond}):
        _refused(engine, lambda conn, parent=parent: _vlan(conn, host_id, **parent))
    with engine.begin() as conn:  # the control: the host's own
        conn.execute(insert(bridge_ports).values(bridge_id=bridge_id, host_id=host_id, bonding_id=bond_id))
        _vlan(conn, host_id, parent_nic_id=nic_ids[0])


@pytest.mark.parametrize(
    "port", [{}, {"nic_id": "NIC", "bonding_id": "BOND"}], ids=["no port", "two ports in one row"]
)
def test_a_bridge_port_is_exactly_one_interface(engine, node, port):
    host_id, nic_ids, bond_id = node
    with engine.begin() as conn:
        bridge_id = _bridge(conn, host_id)
    values = {key: {"NIC": nic_ids[0], "BOND": bond_id}[value] for key, value in port.items()}
    _refused(
        engine,
        lambda conn: conn.execute(
            insert(bridge_ports).values(bridge_id=bridge_id, host_id=host_id, **values)
        ),
    )


def test_an_interface_is_in_one_bridge_and_a_vlan_id_once_per_parent(engine, node):
    host_id, nic_ids, _ = node
    with engine.begin() as conn:
        first, second = _bridge(conn, host_id), _bridge(conn, host_id, "br1")
        conn.execute(insert(bridge_ports).values(bridge_id=first, host_id=host_id, nic_id=nic_ids[0]))
        _vlan(conn, host_id, 100, parent_nic_id=nic_ids[1])
    _refused(
        engine,
        lambda conn: conn.execute(
            insert(bridge_ports).values(bridge_id=second, host_id=host_id, nic_id=nic_ids[0])
        ),
    )
    _refused(
        engine,
        lambda conn: conn.execute(
            insert(vlans).values(
                host_id=host_id, interface_name="other", vlan_id=100, parent_nic_id=nic_ids[1]
            )
        ),
    )


@pytest.mark.parametrize(
    "values",
    [{"vlan_id": 0}, {"vlan_id": 4095}, {"mtu": 67}, {"mtu": 65536}, {"ipv6_method": "slaac"},
     {"ipv6_method": "static"}, {"ipv6_method": "static", "ipv6_address": "2001:db8::1", "ipv6_prefix": 129},
     {"parent_nic_id": None}],
)  # fmt: skip
def test_vlan_checks(engine, node, values):
    host_id, nic_ids, _ = node
    row = {
        "host_id": host_id,
        "interface_name": "eth0.7",
        "vlan_id": 7,
        "parent_nic_id": nic_ids[0],
        **values,
    }
    _refused(engine, lambda conn: conn.execute(insert(vlans).values(**row)))
