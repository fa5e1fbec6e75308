"""A stored node as the store reads it: its host row, bonding type, NICs, bonds (with their
options and slaves), VLANs and bridges, its resolver and static routes, frozen, and the lookups
across them (which bond or bridge a row id is). Built by ``node_store``; read by the nodes wing
and the planner."""

from __future__ import annotations

from dataclasses import dataclass, field


class AmbiguousRef(LookupError):
    """A reference names two hosts: one by host name, another by UUID."""


@dataclass(frozen=True)
class BondingType:
    id: int
    label: str
    mode: int


@dataclass(frozen=True)
class NicRow:
    id: int
    mac: str
    iface_name: str
    bandwidth_mbps: int | None
    boot_protocol: str
    ip_address: str | None
    netmask: str | None
    broadcast: str | None
    link_state: str | None
    bond_id: int | None
    mtu: int | None = None
    ipv6_method: str = "ignore"
    ipv6_address: str | None = None
    ipv6_prefix: int | None = None
    reported_mtu: int | None = None
    max_mtu: int | None = None
    reported_ipv6: str | None = None
    bridge_id: int | None = None  # the bridge this NIC is a port of
    vendor: str | None = None
    product: str | None = None
    ipv4_gateway: str | None = None
    ipv4_default_route: bool = False
    ipv6_gateway: str | None = None
    ipv6_default_route: bool = False


@dataclass(frozen=True)
class BondRow:
    """A bond as stored; ``arp_targets`` are every ARP target, ``arp_ping_address`` first."""

    id: int
    name: str
    interface_name: str
    boot_protocol: str
    ip_address: str | None
    netmask: str | None
    broadcast: str | None
    arp_interval_ms: int
    miimon_ms: int | None
    updelay_ms: int | None
    downdelay_ms: int | None
    arp_validate: str | None
    fail_over_mac: str | None
    lacp_rate: str | None
    xmit_hash_policy: str | None
    arp_targets: tuple[str, ...] = ()
    slave_ids: tuple[int, ...] = ()
    primary_nic_id: int | None = None
    mtu: int | None = None
    ipv6_method: str = "ignore"
    ipv6_address: str | None = None
    ipv6_prefix: int | None = None
    bridge_id: int | None = None
    ipv4_gateway: str | None = None
    ipv4_default_route: bool = False
    ipv6_gateway: str | None = None
    ipv6_default_route: bool = False


@dataclass(frozen=True)
class VlanRow:
    """A VLAN as stored: its parent is one NIC or one bond of the node (by row id)."""

    id: int
    interface_name: str
    vlan_id: int
    parent_nic_id: int | None
    parent_bonding_id: int | None
    mtu: int | None
    boot_protocol: str
    ip_address: str | None
    netmask: str | None
    broadcast: str | None
    ipv6_method: str
    ipv6_address: str | None
    ipv6_prefix: int | None
    bridge_id: int | None = None
    ipv4_gateway: str | None = None
    ipv4_default_route: bool = False
    ipv6_gateway: str | None = None
    ipv6_default_route: bool = False


@dataclass(frozen=True)
class BridgeRow:
    id: int
    interface_name: str
    stp: bool
    forward_delay: int | None
    mtu: int | None
    boot_protocol: str
    ip_address: str | None
    netmask: str | None
    broadcast: str | None
    ipv6_method: str
    ipv6_address: str | None
    ipv6_prefix: int | None
    ipv4_gateway: str | None = None
    ipv4_default_route: bool = False
    ipv6_gateway: str | None = None
    ipv6_default_route: bool = False


@dataclass(frozen=True)
class RouteRow:
    """A static route as stored: its interface is one NIC, bond, VLAN or bridge (by row id)."""

    id: int
    nic_id: int | None
    bonding_id: int | None
    vlan_id: int | None
    bridge_id: int | None
    destination: str
    next_hop: str | None
    metric: int | None
    route_table: int


@dataclass(frozen=True)
class NodeView:
    """One node as stored: host columns, bonding type, NICs by MAC, bonds, VLANs and bridges by
    interface name."""

    id: int
    hostname: str
    uuid: str | None
    arch: str
    memory_mb: int
    bonding_type: BondingType | None
    nics: dict[str, NicRow] = field(default_factory=dict)
    bonds: dict[str, BondRow] = field(default_factory=dict)
    vlans: dict[str, VlanRow] = field(default_factory=dict)
    bridges: dict[str, BridgeRow] = field(default_factory=dict)
    cpu_count: int = 0
    version: int = 0  # hosts.config_version when read
    reported_network_stack: str | None = None
    network_stack_override: str | None = None
    credential_hash: str | None = None  # never shown: trust.claims checks it
    credential_presented: bool = True  # has its node ever presented it? (trust.credential_use)
    agent_version: str | None = None  # the release of the agent that last identified it
    dns_servers: tuple[str, ...] = ()
    dns_search: tuple[str, ...] = ()
    routes: tuple[RouteRow, ...] = ()

    def bond_with_id(self, row_id: int | None) -> BondRow | None:
        return next((bond for bond in self.bonds.values() if bond.id == row_id), None)

    def bridge_with_id(self, row_id: int | None) -> BridgeRow | None:
        return next((bridge for bridge in self.bridges.values() if bridge.id == row_id), None)
