"""A template's logical networks in the in-memory planner (``planning``): each attachment built
on a node's rows as ``logical_networks.attachments.attach`` would leave them (VLAN, bridge, MTU,
addresses, gateways, default route, routes, DNS), the addresses taken from pools shared by the
whole plan (:class:`PlannedPools`): a fleet plan shows the addresses each node would get, in the
order planned, as applying the template in that order would give them, and takes none.

Where attaching meets what the use cases decide (a node already holding attachments, an
interface that is not there, an exhausted pool's exact words, a rule) the node is handed to them.
"""

from __future__ import annotations

import ipaddress
from dataclasses import replace

from sqlalchemy.engine import Connection

from ovirt_node_config.fleet.template import NetworkPlan
from ovirt_node_config.logical_networks import attachments, pool
from ovirt_node_config.logical_networks.definition import LogicalNetwork, from_document
from ovirt_node_config.network import rules
from ovirt_node_config.nodes import lookup
from ovirt_node_config.persistence import network_store
from ovirt_node_config.persistence.node_rows import RouteRow


class PlannedPools:
    """The networks a template names, and the addresses a plan has handed out of their pools."""

    def __init__(self, conn: Connection, names: list[str], shown: dict[str, list[str]]):
        """``shown``: network -> addresses an earlier part of the same plan showed."""
        self.networks: dict[str, tuple[LogicalNetwork, int]] = {}
        self.taken: dict[tuple[str, int], set[str]] = {}
        self.allocators: dict[tuple[str, int], pool.Allocator] = {}
        for name in names:
            stored = network_store.network(conn, name)
            if stored is None:
                continue
            network = from_document(stored.name, stored.document)
            self.networks[name] = (network, stored.id)
            for version in (4, 6):
                earlier = {a for a in shown.get(name, []) if ipaddress.ip_address(a).version == version}
                self.taken[name, version] = set(network_store.taken(conn, stored.id, version)) | earlier
                subnet = network.subnet(version)
                if subnet is not None:
                    self.allocators[name, version] = pool.Allocator(subnet, self.taken[name, version])

    def take(self, name: str, version: int) -> str | None:
        address = self.allocators[name, version].lowest()
        if address is not None:
            self.hold(name, version, address)
        return address

    def held(self, name: str, version: int, address: str) -> bool:
        return address in self.taken[name, version]

    def hold(self, name: str, version: int, address: str) -> None:
        self.taken[name, version].add(address)
        if (name, version) in self.allocators:
            self.allocators[name, version].take(address)


class AskTheUseCases(Exception):
    """What only the use cases decide (their words): plan this node through them."""


def attach(built, plan: NetworkPlan, pools: PlannedPools) -> dict[int, str]:
    """``plan``'s network on ``built``'s node; each family's address it would take."""
    if plan.network not in pools.networks:
        raise AskTheUseCases
    network, _ = pools.networks[plan.network]
    node = built.node
    kind, base = lookup.find_interface(node, plan.on)
    if kind not in ("nic", "bond") or (kind == "nic" and base.bond_id is not None):
        raise AskTheUseCases
    modes = {version: attachments.mode(version, value, network.subnet(version))
             for version, value in ((4, plan.ipv4), (6, plan.ipv6))}  # fmt: skip
    if plan.default_route and not attachments.can_hold_default(network, modes):
        raise AskTheUseCases
    top = _make(built, lookup.name_of(kind, base), base, network)
    given = _addresses(built, top, network, modes, pools, plan.network)
    _layer3(built, top, network, modes, plan.default_route)
    built.changes += 1  # attach_network
    return given


def _make(built, base_name: str, base, network: LogicalNetwork) -> str:
    if network.mtu is not None and (base.mtu or rules.DEFAULT_MTU) < network.mtu:
        built.set_mtu(base_name, network.mtu)
    top = base_name
    if network.vlan_id is not None:
        top = f"{base_name}.{network.vlan_id}"
        built.add_vlan(base_name, network.vlan_id, top)
        if network.mtu is not None:
            built.set_mtu(top, network.mtu)
    if network.bridged:
        built.add_bridge(network.name, (top,), False)
        top = network.name
        if network.mtu is not None:
            built.set_mtu(top, network.mtu)
    return top


def _addresses(built, top: str, network: LogicalNetwork, modes: dict, pools: PlannedPools, name: str) -> dict:
    given = {}
    for version in (4, 6):
        mode, address = modes[version]
        subnet = network.subnet(version)
        if mode == "pool":
            address = pools.take(name, version)
            if address is None:
                raise AskTheUseCases
        elif mode == "static":
            if pools.held(name, version, address):
                raise AskTheUseCases
            pools.hold(name, version, address)
        if address is not None:
            given[version] = address
        prefix = subnet.network.prefixlen if subnet else None
        if version == 4:  # the columns set_address stores for these settings
            protocol = "static" if address else "dhcp" if mode == "dhcp" else "none"
            netmask = str(subnet.network.netmask) if address else None
            fields = {"boot_protocol": protocol, "ip_address": address, "netmask": netmask, "broadcast": None}
            built.set_ipv4(top, fields)
        elif subnet is not None or mode != "none":
            built.set_ipv6(top, f"{address}/{prefix}" if address else "ignore" if mode == "none" else mode)
    return given


def _layer3(built, top: str, network: LogicalNetwork, modes: dict, default_route: bool) -> None:
    """As ``attachments.apply_layer3``: gateways, the default route, routes, DNS."""
    for version in (4, 6):
        subnet = network.subnet(version)
        if subnet is None:
            continue
        gateway, holds = attachments.gateway_of(subnet, modes[version][0], default_route)
        if gateway or holds:
            built.set_gateway(top, version, gateway, holds)
        for route in subnet.routes:
            built.add_route(top, route)
    node = built.node
    if default_route and not (node.dns_servers or node.dns_search):
        subnets = [subnet for subnet in (network.ipv4, network.ipv6) if subnet is not None]
        servers = tuple(server for subnet in subnets for server in subnet.dns)
        search = tuple(dict.fromkeys(domain for subnet in subnets for domain in subnet.search))
        if servers or search:
            built.node = replace(node, dns_servers=servers, dns_search=search)
            built.changes += 1


def route_row(row_id: int, kind: str, owner_id: int, route) -> RouteRow:
    """A planned route out of the ``kind`` row ``owner_id``."""
    owners = {"nic": None, "bond": None, "vlan": None, "bridge": None, kind: owner_id}
    return RouteRow(row_id, owners["nic"], owners["bond"], owners["vlan"], owners["bridge"],
                    route.destination, route.next_hop, route.metric, route.table)  # fmt: skip
