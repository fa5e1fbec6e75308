"""Planning a template over many nodes at once, in memory: nodes read in bulk, each one's
resulting network built from the template as the administrators' use cases would leave it,
held to ``network.rules`` and rendered, and diffed against the file it gets now.

The use-case path (``applying.plan``: the template through the nodes wing's use cases
in a rolled-back transaction) is the authority and costs ~6 ms a node in SQL; this one costs a
fraction of a millisecond. It decides nothing of its own: where building meets anything the
use cases could refuse (a name already taken, too few NICs for a bond, a port that is another
interface's port, a rule of the final network), the node is handed to ``applying.plan``, which
refuses it with the use cases' own words. A NIC predicate that selects the wrong number of NICs
fails here with ``nic_selection``'s message, the same that path gives. That both agree, file for
file, is what tests/fleet/test_planning.py checks over a generated fleet.
"""

from __future__ import annotations

import difflib
import ipaddress
from dataclasses import replace
from itertools import count

from ovirt_node_config import validation
from ovirt_node_config.config_file import envelope
from ovirt_node_config.errors import NodeConfigError
from ovirt_node_config.fleet import applying, network_planning
from ovirt_node_config.fleet.nic_selection import Unsatisfied, select
from ovirt_node_config.fleet.template import Template
from ovirt_node_config.network import bonding
from ovirt_node_config.nodes import addresses, bond_options, host_networks, lookup, network_view
from ovirt_node_config.persistence import network_store, node_rows, node_store
from ovirt_node_config.persistence.engine import Database
from ovirt_node_config.persistence.node_rows import BondRow, BridgeRow, NodeView, VlanRow

# The most nodes one call plans (about 2 KiB of diff each).
MAX_NODES = 1000


class _AskTheUseCases(Exception):
    """Building met something the use cases decide: plan this node through them. Any refusal
    raised while building (a name taken, an interface not there, a bad option) means the same."""


def shown_before(given: object) -> dict[str, list[str]]:
    """Network -> the addresses earlier calls of one plan showed (``plan_template_fleet``'s
    ``given``): checked as addresses, at most MAX_NODES * 16 in all."""
    if given in (None, "", {}):
        return {}
    fields = validation.struct("given", given)
    shown = {}
    for name, values in fields.items():
        items = validation.array(f"given[{validation.shown(name)}]", values, max_items=MAX_NODES * 16)
        shown[validation.interface_name("given", name)] = [
            str(ipaddress.ip_address(validation.text("given", item, max_length=45))) for item in items
        ]
    return shown


def plan_many(
    db: Database, actor: str, hosts: object, template: Template, shown: dict[str, list[str]] | None = None
) -> list[dict]:
    """Each named node's plan (as ``applying.plan`` gives it), in the order named (a list of at
    most MAX_NODES host names or UUIDs); a node that is not there, or that cannot be planned,
    says why in ``fails``."""
    hostnames = [lookup.host_ref(host) for host in validation.array("hosts", hosts, max_items=MAX_NODES)]

    def read(conn):
        nodes = node_store.load_nodes(conn, hostnames)
        attached = network_store.hosts_attached(conn, [node.id for node in nodes.values()])
        pools = network_planning.PlannedPools(conn, [plan.network for plan in template.networks], shown or {})
        return nodes, node_store.all_bonding_types(conn), attached, pools

    nodes, types, attached, pools = db.read(read)
    plans = []
    for host in hostnames:
        node = nodes.get(host)
        try:
            if node is None or node.id in attached:  # detaching is the use cases' to plan
                raise _AskTheUseCases
            plans.append(plan_node(node, template, types, pools))
        except _AskTheUseCases:
            plans.append(_authoritative(db, actor, host, template))
    return plans


def _authoritative(db: Database, actor: str, host: str, template: Template) -> dict:
    try:
        return applying.plan(db, actor, host, template)
    except NodeConfigError as refused:
        return {"host": host, "fails": refused.message}


def plan_node(node: NodeView, template: Template, types: list[node_rows.BondingType], pools=None) -> dict:
    """One loaded node's plan (``pools``: the addresses the plan handed out so far, for a
    template with logical networks); raises _AskTheUseCases where the use cases must decide."""
    try:
        now = _rendered(node)
        building = _Built(node, types, pools)
        built, changes = building.with_template(template)
        config = _rendered(built)
    except Unsatisfied as unsatisfied:
        return {"host": node.hostname, "fails": applying.not_on_the_node(unsatisfied).message}
    except (NodeConfigError, network_planning.AskTheUseCases):
        raise _AskTheUseCases from None
    diff = "".join(
        difflib.unified_diff(now.splitlines(True), config.splitlines(True), "now", f"with {template.name}")
    )
    planned = {"host": node.hostname, "fails": None, "diff": diff, "config": config, "changes": changes}
    if template.networks:
        planned["addresses"] = building.addresses
    return planned


def _rendered(node: NodeView) -> str:
    """The node's file: its network held to the rules (by the stack's writer) and rendered."""
    network = network_view.network_for(node, network_view.reported_names(node))
    return envelope.render(network, lookup.network_stack(node))


class _Built:
    """A node's rows as the template's steps leave them (``applying._replace_network``'s
    steps, in its order), and how many of those steps change something (its audit entries)."""

    def __init__(self, node: NodeView, types: list[node_rows.BondingType], pools=None):
        self.node, self.types, self.changes, self.pools = node, types, 0, pools
        self.new_ids = count(-1, -1)  # rows not stored: ids no stored row has
        self.addresses: dict[str, dict[str, str]] = {}  # network -> ipvN -> the address it gives

    def with_template(self, template: Template) -> tuple[NodeView, int]:
        node = self.node
        self.changes = len(node.bridges) + len(node.vlans) + len(node.bonds)
        nics = {mac: replace(nic, bond_id=None, bridge_id=None) for mac, nic in node.nics.items()}
        self.node = replace(node, nics=nics, bonds={}, vlans={}, bridges={})
        if template.bonding_type:
            chosen = bond_options.find_bonding_type(self.types, template.bonding_type)
            self.changes += chosen != node.bonding_type
            self.node = replace(self.node, bonding_type=chosen)
        taken: set[str] = set()
        for plan in template.bonds:
            chosen_nics = select(list(node.nics.values()), plan.nics, taken, plan.name)
            taken.update(chosen_nics)
            self._bond(plan.name, chosen_nics, plan.options)
            self._addressing(plan.name, plan.mtu, plan.ipv4)
        for plan in template.vlans:
            self._vlan(plan.parent, plan.vlan_id, plan.name)
            self._addressing(plan.name, plan.mtu, plan.ipv4)
        for plan in template.bridges:
            self._bridge(plan.name, plan.ports, plan.stp)
            self._addressing(plan.name, plan.mtu, plan.ipv4)
        for plan in template.networks:
            given = network_planning.attach(self, plan, self.pools)
            self.addresses[plan.network] = {f"ipv{version}": address for version, address in given.items()}
        return self.node, self.changes

    # What network_planning builds with, each as the use case of the same name leaves the rows.

    def set_mtu(self, name: str, mtu: int) -> None:
        self._addressing(name, mtu, None)

    def set_ipv4(self, name: str, wanted: dict) -> None:
        """The IPv4 columns as ``addresses.set_address`` stores them (``wanted``: already in that
        form: a pool's address needs no second check)."""
        kind, row = self._unported(name)
        if {key: getattr(row, key) for key in wanted} != wanted:
            self._row(kind, replace(row, **wanted))
            self.changes += 1

    def add_vlan(self, parent: str, vlan_id: int, name: str) -> None:
        self._vlan(parent, vlan_id, name)

    def add_bridge(self, name: str, ports: tuple[str, ...], stp: bool) -> None:
        self._bridge(name, ports, stp)

    def set_ipv6(self, name: str, setting: str) -> None:
        wanted = addresses.ipv6_settings(setting)
        kind, row = self._unported(name)
        if {key: getattr(row, key) for key in wanted} != wanted:
            self._row(kind, replace(row, **wanted))
            self.changes += 1

    def set_gateway(self, name: str, version: int, gateway: str | None, default_route: bool) -> None:
        kind, row = self._unported(name)
        wanted = {f"ipv{version}_gateway": gateway, f"ipv{version}_default_route": default_route}
        holder = None
        if default_route:
            holder = next(
                ((k, r) for k, r in self._interfaces() if getattr(r, f"ipv{version}_default_route")), None
            )
            if holder is not None and (holder[0], holder[1].id) == (kind, row.id):
                holder = None
        if {key: getattr(row, key) for key in wanted} == wanted and holder is None:
            return
        if holder is not None:
            self._row(holder[0], replace(holder[1], **{f"ipv{version}_default_route": False}))
            kind, row = lookup.find_interface(self.node, name)
        self._row(kind, replace(row, **wanted))
        self.changes += 1

    def add_route(self, name: str, route) -> None:
        kind, row = self._unported(name)
        if any((r.destination, r.route_table) == (route.destination, route.table) for r in self.node.routes):
            raise _AskTheUseCases
        planned = network_planning.route_row(next(self.new_ids), kind, row.id, route)
        self._replace(routes=(*self.node.routes, planned))

    def _unported(self, name: str):
        kind, row = lookup.find_interface(self.node, name)
        if lookup.controller_of(self.node, kind, row) is not None:
            raise _AskTheUseCases
        return kind, row

    def _interfaces(self):
        for kind, rows in (("nic", self.node.nics), ("bond", self.node.bonds), ("vlan", self.node.vlans),
                           ("bridge", self.node.bridges)):  # fmt: skip
            for row in rows.values():
                yield kind, row

    def _bond(self, name: str, nic_names: list[str], options: dict) -> None:
        host_networks.refuse_taken(self.node, name)
        if self.node.bonding_type is None or len(nic_names) < bonding.MIN_SLAVES:
            raise _AskTheUseCases
        bond_id = next(self.new_ids)
        bond = BondRow(bond_id, name, name, "dhcp", None, None, None, 0, None, None, None, None, None,
                       None, None)  # fmt: skip
        members = {
            mac: replace(nic, bond_id=bond_id)
            for mac, nic in self.node.nics.items()
            if nic.iface_name in nic_names
        }
        slave_ids = tuple(nic.id for nic in members.values())
        self._replace(bonds={**self.node.bonds, name: replace(bond, slave_ids=slave_ids)},
                      nics={**self.node.nics, **members})  # fmt: skip
        self.changes += 1
        if options:
            self._options(name, options)

    def _options(self, name: str, given: dict) -> None:
        bond = self.node.bonds[name]
        current = lookup.options_of(self.node, bond)
        wanted = replace(current, **bonding.option_changes(given))
        slaves = [nic.iface_name for nic in self.node.nics.values() if nic.bond_id == bond.id]
        bonding.check(self.node.bonding_type.mode, wanted, name, slaves)
        if wanted == current:
            return
        primary = next((nic.id for nic in self.node.nics.values() if nic.iface_name == wanted.primary), None)
        stored = replace(
            bond,
            miimon_ms=wanted.miimon,
            updelay_ms=wanted.updelay,
            downdelay_ms=wanted.downdelay,
            arp_interval_ms=wanted.arp_interval or 0,
            arp_targets=tuple(wanted.arp_ip_target),
            arp_validate=wanted.arp_validate,
            fail_over_mac=wanted.fail_over_mac,
            lacp_rate=wanted.lacp_rate,
            xmit_hash_policy=wanted.xmit_hash_policy,
            primary_nic_id=primary,
        )
        self._replace(bonds={**self.node.bonds, name: stored})
        self.changes += 1

    def _vlan(self, parent: str, vlan_id: int, name: str) -> None:
        kind, row = lookup.find_interface(self.node, parent)
        if kind not in ("nic", "bond") or any(
            vlan.vlan_id == vlan_id
            and (vlan.parent_nic_id if kind == "nic" else vlan.parent_bonding_id) == row.id
            for vlan in self.node.vlans.values()
        ):
            raise _AskTheUseCases
        host_networks.refuse_taken(self.node, name)
        vlan = VlanRow(next(self.new_ids), name, vlan_id, row.id if kind == "nic" else None,
                       row.id if kind == "bond" else None, None, "none", None, None, None, "ignore", None,
                       None)  # fmt: skip
        self._replace(vlans={**self.node.vlans, name: vlan})
        self.changes += 1

    def _bridge(self, name: str, ports: tuple[str, ...], stp: bool) -> None:
        host_networks.refuse_taken(self.node, name)
        members = [lookup.find_interface(self.node, port) for port in ports]
        for kind, row in members:
            if kind == "bridge" or lookup.controller_of(self.node, kind, row) is not None:
                raise _AskTheUseCases
        if len({(kind, row.id) for kind, row in members}) < len(members):
            raise _AskTheUseCases
        addressing = host_networks.taken_over_addressing(members)
        defaults = {"boot_protocol": "dhcp", "ip_address": None, "netmask": None, "broadcast": None,
                    "ipv6_method": "ignore", "ipv6_address": None, "ipv6_prefix": None}  # fmt: skip
        bridge = BridgeRow(next(self.new_ids), name, stp, None, None, **{**defaults, **addressing})
        self._replace(bridges={**self.node.bridges, name: bridge})
        for kind, row in members:
            self._row(kind, replace(row, bridge_id=bridge.id))
        self.changes += 1

    def _addressing(self, name: str, mtu: int | None, ipv4: dict | None) -> None:
        if mtu is not None:
            kind, row = lookup.find_interface(self.node, name)
            if kind == "nic" and row.bond_id is not None:
                raise _AskTheUseCases
            if row.mtu != mtu:
                self._row(kind, replace(row, mtu=mtu))
                self.changes += 1
        if ipv4 is not None:
            wanted = addresses.address_settings(ipv4)
            kind, row = lookup.find_interface(self.node, name)
            if lookup.controller_of(self.node, kind, row) is not None:
                raise _AskTheUseCases
            if {key: getattr(row, key) for key in wanted} != wanted:
                self._row(kind, replace(row, **wanted))
                self.changes += 1

    def _row(self, kind: str, row) -> None:
        """Put a changed row of ``kind`` back into the node."""
        if kind == "nic":
            self._replace(nics={**self.node.nics, row.mac: row})
        else:
            rows = {"bond": "bonds", "vlan": "vlans", "bridge": "bridges"}[kind]
            self._replace(**{rows: {**getattr(self.node, rows), row.interface_name: row}})

    def _replace(self, **rows) -> None:
        self.node = replace(self.node, **rows)
