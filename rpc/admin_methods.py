"""``admin.*`` methods: what administrators call, with a password (HTTP Basic) or a session.

The server has already authenticated the caller (``request_context().user``); each method hands
its arguments to the bonding domain module, which decides, and returns XML-RPC values.
"""

from __future__ import annotations

import copy
import inspect

from ovirt_node_config import admin_sessions, network_admin, node_admin, node_network
from ovirt_node_config.errors import InvalidInput, Unauthorized
from ovirt_node_config.fleet import applying, catalogue, planning, rollout
from ovirt_node_config.persistence.dry_run import RolledBack
from ovirt_node_config.trust import enrolment
from ovirt_node_config.trust.enrolment import Trust

from .request_context import context


def _actor() -> str:
    return context().user


def _node(ref: object) -> None:
    if isinstance(ref, str):
        context().node = ref[:64]


# The changes a dry run may try: each changes one node, named first.
DRY_RUNNABLE = (
    "set_bonding_type",
    "set_network_stack",
    "create_bonding",
    "delete_bonding",
    "enslave",
    "release",
    "set_address",
    "create_vlan",
    "delete_vlan",
    "create_bridge",
    "delete_bridge",
    "set_mtu",
    "set_ipv6",
    "set_arp_monitor",
    "set_bond_options",
    "reset_credential",
    "delete_node",
    "apply_template",
    "detach_template",
)


class AdminMethods:
    def __init__(self, trust: Trust):
        self.trust = trust
        self.db = trust.db

    def login(self) -> dict:
        """A session for the caller, who gave a password: its token (once) and expiry."""
        if context().via_session:
            raise Unauthorized("a session is opened with a password, not with another session")
        return admin_sessions.login(self.db, _actor())

    def logout(self, everywhere: object = False) -> dict:
        """End the session this call was made with (``everywhere``: every session of the caller)."""
        token = context().credential if context().via_session else None
        return {"ended": admin_sessions.logout(self.db, _actor(), token, everywhere is True)}

    def dry_run(self, method: object, params: object) -> dict:
        """What ``method(*params)`` would do (one of DRY_RUNNABLE), checked by every rule and
        then rolled back: its answer and the changes it would record, or the fault it would
        give. Bulk changes show it before they apply."""
        name = method.removeprefix("admin.") if isinstance(method, str) else None
        if name not in DRY_RUNNABLE:
            raise InvalidInput("method", f"must be one of admin.{', admin.'.join(DRY_RUNNABLE)}")
        if not isinstance(params, list):
            raise InvalidInput("params", "must be a list")
        trial = copy.copy(self)
        trial.db = RolledBack(self.db, _actor())
        change = getattr(trial, name)
        try:
            inspect.signature(change).bind(*params)
        except TypeError:
            raise InvalidInput("params", f"wrong number of arguments for admin.{name}") from None
        answer = change(*params)
        recorded = [
            {
                "action": entry["action"],
                "before": node_admin.recorded_state(entry["before"]),
                "after": node_admin.recorded_state(entry["after"]),
            }
            for entry in trial.db.audited
        ]
        return {"answer": answer, "changes": recorded}

    def list_nodes(
        self, after: object = "", limit: object = node_admin.MAX_PAGE, state: object = ""
    ) -> list[dict]:
        return node_admin.list_nodes(self.db, after, limit, state)

    def show_node(self, host: object) -> dict:
        _node(host)
        return node_admin.show_node(self.db, host)

    def list_bonding_types(self) -> list[dict]:
        return node_admin.list_bonding_types(self.db)

    def set_bonding_type(self, host: object, bonding_type: object) -> dict:
        _node(host)
        return node_admin.set_bonding_type(self.db, _actor(), host, bonding_type)

    def set_network_stack(self, host: object, stack: object) -> dict:
        _node(host)
        return node_admin.set_network_stack(self.db, _actor(), host, stack)

    def create_bonding(
        self, host: object, name: object, interface_name: object, macs: object, bonding_type: object = ""
    ) -> dict:
        _node(host)
        return node_admin.create_bonding(self.db, _actor(), host, name, interface_name, macs, bonding_type)

    def delete_bonding(self, host: object, bond: object) -> dict:
        _node(host)
        return node_admin.delete_bonding(self.db, _actor(), host, bond)

    def enslave(self, host: object, bond: object, macs: object) -> dict:
        _node(host)
        return node_admin.enslave(self.db, _actor(), host, bond, macs)

    def release(self, host: object, bond: object, macs: object) -> dict:
        _node(host)
        return node_admin.release(self.db, _actor(), host, bond, macs)

    def set_address(self, host: object, interface: object, settings: object) -> dict:
        _node(host)
        return _no_nones(node_admin.set_address(self.db, _actor(), host, interface, settings))

    def create_vlan(self, host: object, parent: object, vlan_id: object, name: object = "") -> dict:
        _node(host)
        return network_admin.create_vlan(self.db, _actor(), host, parent, vlan_id, name)

    def delete_vlan(self, host: object, name: object) -> dict:
        _node(host)
        return network_admin.delete_vlan(self.db, _actor(), host, name)

    def create_bridge(self, host: object, name: object, ports: object, options: object = None) -> dict:
        _node(host)
        return network_admin.create_bridge(self.db, _actor(), host, name, ports, options)

    def delete_bridge(self, host: object, name: object) -> dict:
        _node(host)
        return network_admin.delete_bridge(self.db, _actor(), host, name)

    def set_mtu(self, host: object, interface: object, mtu: object) -> dict:
        _node(host)
        return network_admin.set_mtu(self.db, _actor(), host, interface, mtu)

    def set_ipv6(self, host: object, interface: object, settings: object) -> dict:
        _node(host)
        return network_admin.set_ipv6(self.db, _actor(), host, interface, settings)

    def set_arp_monitor(self, host: object, bond: object, address: object, interval_ms: object) -> dict:
        _node(host)
        return _no_nones(node_admin.set_arp_monitor(self.db, _actor(), host, bond, address, interval_ms))

    def set_bond_options(self, host: object, bond: object, options: object) -> dict:
        _node(host)
        return node_admin.set_bond_options(self.db, _actor(), host, bond, options)

    def plan_template(self, host: object, design: object) -> dict:
        """What a template (a struct, or a stored one's name) would make of the node: the file
        diff, or why it fails."""
        _node(host)
        return applying.plan(self.db, _actor(), host, catalogue.resolve(self.db, design)[0])

    def plan_template_fleet(self, hosts: object, design: object) -> list[dict]:
        """``plan_template`` over a list of up to 1000 host names at once (planned in memory:
        the same answers), each without its whole ``config``."""
        chosen = catalogue.resolve(self.db, design)[0]
        plans = planning.plan_many(self.db, _actor(), hosts, chosen)
        return [{key: value for key, value in plan.items() if key != "config"} for plan in plans]

    def apply_template(self, host: object, design: object) -> dict:
        _node(host)
        return catalogue.apply_stored(self.db, _actor(), host, design)

    def detach_template(self, host: object) -> dict:
        _node(host)
        return catalogue.detach(self.db, _actor(), host)

    def set_template(self, name: object, document: object) -> dict:
        return catalogue.set_template(self.db, _actor(), name, document)

    def list_templates(self) -> list[dict]:
        return catalogue.list_templates(self.db)

    def delete_template(self, name: object) -> dict:
        return catalogue.delete_template(self.db, _actor(), name)

    def set_rule(self, name: object, settings: object) -> dict:
        return catalogue.set_rule(self.db, _actor(), name, settings)

    def list_rules(self) -> list[dict]:
        return catalogue.list_rules(self.db)

    def delete_rule(self, name: object) -> dict:
        return catalogue.delete_rule(self.db, _actor(), name)

    def list_drifted(self) -> list[dict]:
        return catalogue.drifted(self.db)

    def start_rollout(
        self, name: object, template_name: object, hosts: object, canary: object = 1, max_pending: object = 10
    ) -> dict:
        return rollout.start(self.db, _actor(), name, template_name, hosts, canary, max_pending)

    def list_rollouts(self) -> list[dict]:
        return rollout.list_rollouts(self.db)

    def show_rollout(self, name: object) -> dict:
        return rollout.show(self.db, name)

    def resume_rollout(self, name: object) -> dict:
        return rollout.resume(self.db, _actor(), name)

    def abandon_rollout(self, name: object) -> dict:
        return rollout.abandon(self.db, _actor(), name)

    def preview_config(self, host: object) -> str:
        _node(host)
        return node_network.preview_config(self.db, host)

    def delete_node(self, host: object) -> dict:
        _node(host)
        return node_admin.delete_node(self.db, _actor(), host)

    def history(self, host: object, since: object = "") -> list[dict]:
        _node(host)
        return node_admin.history(self.db, host, since)

    def reset_credential(self, host: object) -> dict:
        _node(host)
        return node_admin.reset_credential(self.db, _actor(), host)

    def list_claims(self, kind: object = "") -> list[dict]:
        return enrolment.list_claims(self.db, kind)

    def show_claim(self, claim: object) -> dict:
        return enrolment.show_claim(self.db, claim)

    def accept_claim(self, claim: object) -> dict:
        return enrolment.accept(self.trust, _actor(), claim)

    def reject_claim(self, claim: object) -> dict:
        return enrolment.reject(self.db, _actor(), claim)

    def associate_legacy_address(self, host: object, address: object) -> dict:
        return enrolment.associate_legacy_address(self.db, _actor(), host, address)

    def list_legacy_addresses(self) -> list[dict]:
        return enrolment.list_legacy_addresses(self.db)

    def register_nodes(self, values: object) -> dict:
        return enrolment.register(self.db, _actor(), values)

    def unregister_node(self, value: object) -> dict:
        return enrolment.unregister(self.db, _actor(), value)

    def list_registrations(self) -> list[dict]:
        return enrolment.list_registrations(self.db)

    def methods(self) -> dict:
        names = [
            "login",
            "logout",
            "dry_run",
            "list_nodes",
            "show_node",
            "list_bonding_types",
            *DRY_RUNNABLE,
            "plan_template",
            "plan_template_fleet",
            "set_template",
            "list_templates",
            "delete_template",
            "set_rule",
            "list_rules",
            "delete_rule",
            "list_drifted",
            "start_rollout",
            "list_rollouts",
            "show_rollout",
            "resume_rollout",
            "abandon_rollout",
            "preview_config",
            "history",
            "list_claims",
            "show_claim",
            "accept_claim",
            "reject_claim",
            "associate_legacy_address",
            "list_legacy_addresses",
            "register_nodes",
            "unregister_node",
            "list_registrations",
        ]
        return {f"admin.{name}": getattr(self, name) for name in names}


def _no_nones(result: dict) -> dict:
    """XML-RPC has no null in its core types; absent values travel as empty strings."""
    return {key: "" if value is None else value for key, value in result.items()}
