"""VLANs and bridges on a node, the administrators' changes: a VLAN on a NIC or bond (named
PARENT.ID unless named), a bridge over NICs, bonds or VLANs (it takes over its first port's
addressing, as VDSM does for ovirtmgmt), and their deletion. The rules between interfaces are
``network.rules``', held by ``pipeline.record_change`` on the network the change leaves."""

from __future__ import annotations

from ovirt_node_config import validation
from ovirt_node_config.errors import InvalidInput
from ovirt_node_config.network import rules
from ovirt_node_config.nodes.lookup import controller_of, find_interface, load, name_of, not_attached
from ovirt_node_config.nodes.pipeline import record_change
from ovirt_node_config.persistence import node_writes
from ovirt_node_config.persistence.engine import Database
from ovirt_node_config.persistence.node_rows import NodeView

_ADDRESSING = (
    "boot_protocol",
    "ip_address",
    "netmask",
    "broadcast",
    "ipv6_method",
    "ipv6_address",
    "ipv6_prefix",
)


def refuse_taken(node: NodeView, name: str) -> None:
    """Refuse ``name`` for a new interface when the node has an interface of that name."""
    taken = (
        {nic.iface_name for nic in node.nics.values()} | set(node.bonds) | set(node.vlans) | set(node.bridges)
    )
    if name in taken:
        raise rules.refuse("interface names are unique on a node", f"{node.hostname} already has {name}")


def create_vlan(
    db: Database, actor: str, ref: object, parent: object, vlan_id: object, name: object = ""
) -> dict:
    identifier = rules.vlan_id("vlan_id", vlan_id)

    def work(conn):
        node = load(conn, ref, lock=True)
        kind, row = find_interface(node, parent, "parent")
        if kind not in ("nic", "bond"):
            raise rules.refuse("a VLAN sits on a NIC or a bond", f"{name_of(kind, row)} is a {kind}")
        siblings = {
            v.vlan_id
            for v in node.vlans.values()
            if (v.parent_nic_id if kind == "nic" else v.parent_bonding_id) == row.id
        }
        if identifier in siblings:
            raise rules.refuse(
                "a VLAN id is unique per parent", f"{name_of(kind, row)} has VLAN {identifier} already"
            )
        default = f"{name_of(kind, row)}.{identifier}"
        iface = validation.interface_name("name", default if name in (None, "") else name)
        refuse_taken(node, iface)
        values = {
            "interface_name": iface,
            "vlan_id": identifier,
            f"parent_{'nic' if kind == 'nic' else 'bonding'}_id": row.id,
        }
        node_writes.insert_vlan(conn, node.id, values)
        after = {"vlan": iface, "parent": name_of(kind, row), "vlan_id": identifier}
        record_change(conn, actor, node, "create_vlan", None, after)
        return {"host": node.hostname, **after}

    return db.write(work)


def delete_vlan(db: Database, actor: str, ref: object, name: object) -> dict:
    return _delete(db, actor, ref, name, "vlan")


def _delete(db: Database, actor: str, ref: object, name: object, wanted: str) -> dict:
    def work(conn):
        node = load(conn, ref, lock=True)
        kind, row = find_interface(node, name, wanted)
        if kind != wanted:
            raise InvalidInput(wanted, f"{name_of(kind, row)} is a {kind}, not a {wanted}")
        not_attached(conn, node, kind, row)
        node_writes.delete_interface(conn, kind, row.id)
        record_change(conn, actor, node, f"delete_{wanted}", {wanted: row.interface_name}, None)
        return {"host": node.hostname, "deleted": row.interface_name}

    return db.write(work)


def bridge_options(options: object) -> dict:
    fields = {} if options in (None, "") else validation.struct("options", options)
    unknown = sorted(str(key) for key in fields if key not in ("stp", "forward_delay"))
    if unknown:
        raise InvalidInput(
            "options", f"{validation.shown(unknown[0])} is not a bridge option; known: stp, forward_delay"
        )
    stp = fields.get("stp", False)
    if not isinstance(stp, bool):
        raise InvalidInput("options.stp", f"must be a boolean, not {validation.shown(stp)}")
    return {
        "stp": stp,
        "forward_delay": rules.forward_delay("options.forward_delay", fields.get("forward_delay")),
    }


def create_bridge(
    db: Database, actor: str, ref: object, name: object, ports: object, options: object = None
) -> dict:
    iface = validation.interface_name("name", name)
    settings = bridge_options(options)
    given = validation.array("ports", ports, max_items=256)

    def work(conn):
        node = load(conn, ref, lock=True)
        refuse_taken(node, iface)
        members = []
        for index, value in enumerate(given):
            kind, row = find_interface(node, value, f"ports[{index}]")
            if kind == "bridge":
                raise rules.refuse("no bridge in a bridge", f"{row.interface_name} is a bridge")
            controller = controller_of(node, kind, row)
            if controller is not None:
                raise rules.refuse(
                    "an interface is a port of at most one bond or bridge",
                    f"{name_of(kind, row)} is a port of {controller}",
                )
            if (kind, row) in members:
                raise InvalidInput(f"ports[{index}]", f"{name_of(kind, row)} is listed twice")
            members.append((kind, row))
        addressing = taken_over_addressing(members)
        bridge_id = node_writes.insert_bridge(
            conn, node.id, {"interface_name": iface, **settings, **addressing}
        )
        if members:
            node_writes.add_bridge_ports(conn, node.id, bridge_id, [(kind, row.id) for kind, row in members])
        after = {"bridge": iface, "ports": [name_of(kind, row) for kind, row in members], **settings}
        record_change(conn, actor, node, "create_bridge", None, after)
        return {"host": node.hostname, **after, "forward_delay": settings["forward_delay"] or ""}

    return db.write(work)


def taken_over_addressing(members: list[tuple[str, object]]) -> dict:
    """The addressing a new bridge takes from its ports (kind, row): its first port's that is not
    a bond's slave; {} (the table's defaults: DHCP, no IPv6) when there is none."""
    addressed = next((row for kind, row in members if kind != "nic" or row.bond_id is None), None)
    return {key: getattr(addressed, key) for key in _ADDRESSING} if addressed is not None else {}


def delete_bridge(db: Database, actor: str, ref: object, name: object) -> dict:
    return _delete(db, actor, ref, name, "bridge")
