"""A node's life as an administrator sees it: which files configure it (its network stack: what
it reports, or an override), its deletion with every row of it, and its credential reset (its
next boot is enrolled anew, as a reinstalled node)."""

from __future__ import annotations

from dataclasses import replace

from ovirt_node_config import validation
from ovirt_node_config.nodes import lookup, pipeline
from ovirt_node_config.nodes.lookup import load
from ovirt_node_config.persistence import node_writes, trust_store
from ovirt_node_config.persistence.engine import Database
from ovirt_node_config.persistence.node_rows import NodeView


def set_network_stack(db: Database, actor: str, ref: object, stack: object) -> dict:
    """Override which files configure the node (``ifcfg`` or ``keyfile``); nil or "" returns to
    what the node reports."""
    wanted = validation.network_stack("network_stack", stack)

    def work(conn):
        node = load(conn, ref, lock=True)
        if node.network_stack_override != wanted:
            node_writes.set_network_stack_override(conn, node.id, wanted)
            pipeline.record_change(
                conn, actor, node, "set_network_stack", node.network_stack_override, wanted
            )
        changed = replace(node, network_stack_override=wanted)
        return {"host": node.hostname, **network_stack_shown(changed)}

    return db.write(work)


def network_stack_shown(node: NodeView) -> dict:
    return {
        "network_stack": lookup.network_stack(node),
        "reported_network_stack": node.reported_network_stack or "",
        "network_stack_override": node.network_stack_override or "",
    }


def delete_node(db: Database, actor: str, ref: object) -> dict:
    """Delete the node and every row of it; what went (its NICs, bonds, VLANs, bridges)."""

    def work(conn):
        node = load(conn, ref, lock=True)
        gone = {
            "deleted": node.hostname,
            "uuid": node.uuid,
            "nics": sorted(nic.iface_name or nic.mac for nic in node.nics.values()),
            "bonds": sorted(node.bonds),
            "vlans": sorted(node.vlans),
            "bridges": sorted(node.bridges),
        }
        node_writes.delete_host(conn, node.id)
        pipeline.record_change(conn, actor, node, "delete_node", gone, None)
        return gone

    return db.write(work)


def reset_credential(db: Database, actor: str, ref: object) -> dict:
    """The node's credential is void: its next boot is enrolled anew (and given a new one)."""

    def work(conn):
        node = load(conn, ref, lock=True)
        trust_store.set_credential(conn, node.id, None)
        pipeline.record_change(conn, actor, node, "reset_credential", None, None, identify_holds=False)
        return {"hostname": node.hostname, "credential": "reset"}

    return db.write(work)
