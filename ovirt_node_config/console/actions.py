"""The administrators' changes from the console's forms: each form's fields translated into
calls of the verbs the admin API exposes (``verbs/table.py``, run by ``verbs.calling``), with
the signed-in administrator as the actor, so the rules, the refusals and the audit are theirs.
A form that does several things (a bond with a bridge on top; an interface's MTU, IPv4 and
IPv6) runs its verbs in one transaction.

Nothing is decided here. A form is translated (empty text is "not given" or "the default", a
number typed is a number, a list of ARP targets is split), and a refusal is placed beside the
form field it names (:func:`field_of`); the words are the use cases' own.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from ovirt_node_config.accounts.authentication import Authenticated
from ovirt_node_config.errors import InvalidInput, NodeConfigError
from ovirt_node_config.network import bonding
from ovirt_node_config.nodes import lookup
from ovirt_node_config.persistence.engine import Database
from ovirt_node_config.persistence.one_transaction import InTransaction
from ovirt_node_config.verbs import calling, table

Form = dict[str, list[str]]


def _verb(name: str, db: Database, caller: Authenticated, *params: object) -> dict:
    """The verb ``name`` of the table, as ``caller`` (the signed-in administrator)."""
    return calling.call(calling.Invocation(db, None, caller), table.verb(name), params)


def _one(form: Form, name: str) -> str:
    return (form.get(name) or [""])[0].strip()


def _number_or_text(text: str) -> object:
    return int(text) if text.isascii() and text.isdigit() else text


def _bonding_type(db, actor, host, form):
    chosen = _verb("set_bonding_type", db, actor, host, _one(form, "type"))
    return f"bonding type set to {chosen['label']} (mode {chosen['mode']})"


def _create_bond(db, actor, host, form):
    name, bridge = _one(form, "name"), _one(form, "bridge")

    def both(conn):
        here = InTransaction(db, conn)
        made = _verb(
            "create_bonding", here, actor, host, name, name, form.get("nics", []), _one(form, "type") or None
        )
        if bridge:
            _verb("create_bridge", here, actor, host, bridge, [made["interface_name"]])
        return made

    made = db.write(both)
    return f"bond {made['interface_name']} created" + (f" with bridge {bridge} on top" if bridge else "")


def _bond_options(db, actor, host, form):
    changes: dict[str, object] = {}
    for name in bonding.OPTION_NAMES:
        if name not in form:
            continue
        text = _one(form, name)
        if name == "arp_ip_target":
            changes[name] = [part for part in re.split(r"[\s,]+", text) if part] or None
        elif name in bonding.MILLISECONDS:
            changes[name] = _number_or_text(text) if text else None
        else:
            changes[name] = text or None
    done = _verb("set_bond_options", db, actor, host, _one(form, "bond"), changes)
    return f"options of {done['bond']} set: {done['bonding_opts']}"


def _release(db, actor, host, form):
    done = _verb("release", db, actor, host, _one(form, "bond"), [_one(form, "nic")])
    return f"{_one(form, 'nic')} released from {done['bond']}"


def _delete_bond(db, actor, host, form):
    return f"bond {_verb('delete_bonding', db, actor, host, _one(form, 'bond'))['deleted']} deleted"


def _create_vlan(db, actor, host, form):
    vlan_id = _number_or_text(_one(form, "vlan_id"))
    made = _verb("create_vlan", db, actor, host, _one(form, "parent"), vlan_id, _one(form, "name"))
    return f"VLAN {made['vlan']} created on {made['parent']}"


def _delete_vlan(db, actor, host, form):
    return f"VLAN {_verb('delete_vlan', db, actor, host, _one(form, 'vlan'))['deleted']} deleted"


def _create_bridge(db, actor, host, form):
    stp = _one(form, "stp") == "on"
    made = _verb("create_bridge", db, actor, host, _one(form, "name"), form.get("ports", []), {"stp": stp})
    return f"bridge {made['bridge']} created over {', '.join(made['ports']) or 'no ports'}"


def _delete_bridge(db, actor, host, form):
    return f"bridge {_verb('delete_bridge', db, actor, host, _one(form, 'bridge'))['deleted']} deleted"


def _interface(db, actor, host, form):
    """MTU, IPv4 and IPv6 of one interface, in one transaction; an empty field is left alone."""
    interface, mtu, protocol, ipv6 = (
        _one(form, key) for key in ("interface", "mtu", "boot_protocol", "ipv6")
    )

    def steps(conn):
        here = InTransaction(db, conn)
        done = []
        if mtu:
            _verb("set_mtu", here, actor, host, interface, None if mtu == "default" else _number_or_text(mtu))
            done.append(f"MTU {mtu}")
        if protocol:
            settings = {"boot_protocol": protocol, "ip_address": _one(form, "ip_address") or None}
            _verb("set_address", here, actor, host, interface, settings)
            done.append(f"IPv4 {protocol}")
        if ipv6:
            _verb("set_ipv6", here, actor, host, interface, ipv6)
            done.append(f"IPv6 {ipv6}")
        return done

    done = db.write(steps)
    return f"{interface}: {', '.join(done)} set" if done else f"{interface}: nothing to change"


def resume_rollout(db: Database, actor: Authenticated, name: str) -> str:
    return f"rollout {_verb('resume_rollout', db, actor, name)['name']} resumed"


def abandon_rollout(db: Database, actor: Authenticated, name: str) -> str:
    return f"rollout {_verb('abandon_rollout', db, actor, name)['name']} abandoned"


# What a rollout's page can do to it.
ROLLOUT_ACTIONS = {"resume": resume_rollout, "abandon": abandon_rollout}


def _apply_template(db, actor, host, form):
    applied = _verb("apply_template", db, actor, host, _one(form, "template"))
    return f"template {applied['template']} applied"


def _attach_network(db, actor, host, form):
    done = _verb("attach_network", db, actor, host, _one(form, "network"), _one(form, "interface"),
                 _one(form, "ipv4"), _one(form, "ipv6"), _one(form, "default_route") == "on")  # fmt: skip
    given = ", ".join(done[key] for key in ("ipv4", "ipv6") if key in done)
    return f"network {done['network']} attached on {done['interface']}" + (f": {given}" if given else "")


def _detach_network(db, actor, host, form):
    done = _verb("detach_network", db, actor, host, _one(form, "network"))
    freed = f", {', '.join(done['freed'])} freed" if done["freed"] else ""
    return f"network {done['network']} detached{freed}"


def _resync(db, actor, host, form):
    _verb("resync", db, actor, host)
    return "resync asked: the node's next check applies its configuration again"


# Each form of the node page: its fields, what it does (a sentence saying what was done) and the
# verbs it runs (their roles are checked before its transaction: a refusal is recorded, not
# rolled back with it).
Action = Callable[[Database, Authenticated, str, Form], str]
ACTIONS: dict[str, tuple[tuple[str, ...], Action, tuple[str, ...]]] = {
    "bonding-type": (("type",), _bonding_type, ("set_bonding_type",)),
    "apply-template": (("template",), _apply_template, ("apply_template",)),
    "create-bond": (("name", "nics", "type", "bridge"), _create_bond, ("create_bonding", "create_bridge")),
    "bond-options": (("bond", *bonding.OPTION_NAMES), _bond_options, ("set_bond_options",)),
    "release": (("bond", "nic"), _release, ("release",)),
    "delete-bond": (("bond",), _delete_bond, ("delete_bonding",)),
    "create-vlan": (("parent", "vlan_id", "name"), _create_vlan, ("create_vlan",)),
    "delete-vlan": (("vlan",), _delete_vlan, ("delete_vlan",)),
    "create-bridge": (("name", "ports", "stp"), _create_bridge, ("create_bridge",)),
    "delete-bridge": (("bridge",), _delete_bridge, ("delete_bridge",)),
    "interface": (("interface", "mtu", "boot_protocol", "ip_address", "ipv6"), _interface,
                  ("set_mtu", "set_address", "set_ipv6")),
    "attach-network": (("network", "interface", "ipv4", "ipv6", "default_route"), _attach_network,
                       ("attach_network",)),
    "detach-network": (("network",), _detach_network, ("detach_network",)),
    "resync": ((), _resync, ("resync",)),
}  # fmt: skip

# What the use cases call a value, where the form calls it otherwise.
_FIELD_NAMES = {"macs": "nics", "interface_name": "name", "settings": "ip_address"}


def run(db: Database, caller: Authenticated, host: str, action: str, form: Form) -> str:
    """Do ``action`` with ``form``'s values; what was done, or the use cases' refusal. A form
    carries the node's version as its page showed it: when the node changed since (another
    administrator, a template, its own boot), the form is refused and nothing is overwritten."""
    if action not in ACTIONS:
        raise InvalidInput("action", f"no such form: {action[:40]!r}")
    shown = _one(form, "version")
    for name in ACTIONS[action][2]:
        calling.permit(calling.Invocation(db, None, caller), table.verb(name))

    def guarded(conn):
        if shown:
            lookup.unchanged_since(conn, host, shown)
        return ACTIONS[action][1](InTransaction(db, conn), caller, host, form)

    return db.write(guarded)


def field_of(refusal: NodeConfigError, fields: Iterable[str]) -> str | None:
    """The form field a refusal is about: the value an invalid input names, else the first field
    a rule's message names (``bond0 sets arp_interval, which ...``); None when it names none."""
    fields = tuple(fields)
    if isinstance(refusal, InvalidInput):
        for part in reversed(re.split(r"[.\[\]]+", refusal.field)):
            named = _FIELD_NAMES.get(part, part)
            if named in fields:
                return named
    for field in sorted(fields, key=refusal.message.find):
        if re.search(rf"(?<![\w-]){re.escape(field)}(?![\w-])", refusal.message):
            return field
    return None
