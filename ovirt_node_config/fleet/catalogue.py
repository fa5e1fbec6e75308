"""The stored templates and rules: administrators' use cases (set, list, delete, each audited),
a stored template applied to a node (which then holds it), the rules' placement of a new node at
its first identify, and drift: a node changed by hand since its template was applied."""

from __future__ import annotations

import json

from sqlalchemy.engine import Connection

from ovirt_node_config import validation
from ovirt_node_config.errors import Conflict, InvalidInput, NodeConfigError, NotFound
from ovirt_node_config.fleet import applying, nmstate_template, placement, planning, template
from ovirt_node_config.fleet.template import Template
from ovirt_node_config.inventory.report import HardwareReport
from ovirt_node_config.nodes import lookup
from ovirt_node_config.persistence import audit_store, fleet_store
from ovirt_node_config.persistence.engine import Database
from ovirt_node_config.persistence.one_transaction import InTransaction

# What the audit trail says that is no change by hand: the node's own boots (actor node:...),
# rules and rollouts placing templates (rule:..., rollout:...), and a template's own entries.
TEMPLATE_ACTIONS = {"template_applied", "template_failed", "template_detached"}


def by_hand(actor: str, action: str) -> bool:
    return not actor.startswith(("node:", "rule:", "rollout:")) and action not in TEMPLATE_ACTIONS


def checked_name(field: str, value: object) -> str:
    name = validation.text(field, value, max_length=64)
    if not name.replace("-", "").replace("_", "").replace(".", "").isalnum():
        raise InvalidInput(field, f"must be letters, digits, '.', '-' or '_', not {validation.shown(value)}")
    return name


def _audit(conn: Connection, actor: str, what: str, action: str, before: object, after: object) -> None:
    audit_store.record_audit(conn, actor, None, what, action, before, after)


def set_template(db: Database, actor: str, name: object, document: object) -> dict:
    """Create or replace the template ``name`` (its document checked whole: read, and its
    bonds' options held to the kernel's rules)."""
    checked = checked_name("name", name)
    if not isinstance(document, dict):
        raise InvalidInput("template", "must be a struct")
    design = template.read_whole({**document, "name": checked})
    text = json.dumps({**document, "name": checked}, sort_keys=True)

    def work(conn):
        before = fleet_store.template(conn, checked)
        created = fleet_store.save_template(conn, checked, text)
        _audit(
            conn,
            actor,
            f"template {checked}",
            "set_template",
            before and json.loads(before[1]),
            json.loads(text),
        )
        return {"name": design.name, "created": created}

    return db.write(work)


def set_template_from_nmstate(db: Database, actor: str, name: object, state: object) -> dict:
    """Create or replace the template ``name`` from an NMState desired state (``nmstate_template``
    says what it takes); the answer shows the template it became."""
    document = nmstate_template.document(state)
    return {**set_template(db, actor, name, document), "template": document}


def list_templates(db: Database) -> list[dict]:
    return db.read(
        lambda conn: [
            {
                "name": row["name"],
                "rules": row["rules"],
                "nodes": row["nodes"],
                "document": json.loads(row["document"]),
            }
            for row in fleet_store.templates(conn)
        ]
    )


def delete_template(db: Database, actor: str, name: object) -> dict:
    checked = checked_name("name", name)

    def work(conn):
        found = stored(conn, checked)
        listed = next(row for row in fleet_store.templates(conn) if row["name"] == checked)
        if listed["rules"] or listed["nodes"]:
            raise Conflict(
                f"rule 'a template in use stays': {checked} is named by {listed['rules']} rules and held by "
                f"{listed['nodes']} nodes; delete the rules and detach the nodes first"
            )
        fleet_store.delete_template(conn, found[0])
        _audit(conn, actor, f"template {checked}", "delete_template", json.loads(found[1]), None)
        return {"deleted": checked}

    return db.write(work)


def stored(conn: Connection, name: str) -> tuple[int, str]:
    found = fleet_store.template(conn, name)
    if found is None:
        raise NotFound(f"no template named {name!r}")
    return found


def resolve(db: Database, design: object) -> tuple[Template, int | None]:
    """A template given whole (a struct) or by the name it is stored under; its stored id."""
    if isinstance(design, str):
        template_id, text = db.read(lambda conn: stored(conn, checked_name("template", design)))
        return template.read(json.loads(text)), template_id
    return template.read(design), None


def plan(db: Database, actor: str, host: object, design: object) -> dict:
    """What a template (a struct, or a stored one's name) would make of the node: the file
    diff, or why it fails."""
    return applying.plan(db, actor, host, resolve(db, design)[0])


def plan_fleet(db: Database, actor: str, hosts: object, design: object, given: object = None) -> list[dict]:
    """``plan`` over a list of up to 1000 host names at once (planned in memory: the same
    answers), each without its whole ``config``. ``given``: the addresses earlier calls of one
    larger plan showed (network -> addresses), which this call shows to no other node."""
    plans = planning.plan_many(db, actor, hosts, resolve(db, design)[0], planning.shown_before(given))
    return [{key: value for key, value in plan.items() if key != "config"} for plan in plans]


def set_rule(db: Database, actor: str, name: object, settings: object) -> dict:
    """Create or replace the rule ``name``: ``{template, priority, match, max_count}``."""
    checked = checked_name("name", name)
    fields = settings if isinstance(settings, dict) else None
    if fields is None:
        raise InvalidInput("settings", "must be a struct {template, priority, match, max_count}")
    unknown = sorted(set(map(str, fields)) - {"template", "priority", "match", "max_count"})
    if unknown:
        raise InvalidInput("settings", f"has no field {', '.join(unknown)}")
    priority = validation.integer("settings.priority", fields.get("priority", 100), minimum=0, maximum=10**6)
    match = placement.as_document(placement.read_match(fields.get("match")))
    max_count = fields.get("max_count")
    if max_count not in (None, ""):
        max_count = validation.integer("settings.max_count", max_count, minimum=0, maximum=10**9)
    else:
        max_count = None
    template_name = checked_name("settings.template", fields.get("template"))

    def work(conn):
        template_id = stored(conn, template_name)[0]
        after = {"template": template_name, "priority": priority, "match": match, "max_count": max_count}
        before = _rule_named(conn, checked)
        created = fleet_store.save_rule(
            conn, checked, priority, template_id, json.dumps(match, sort_keys=True), max_count
        )
        _audit(conn, actor, f"rule {checked}", "set_rule", before, after)
        return {"name": checked, "created": created, **after}

    return db.write(work)


def _shown_rule(row: dict) -> dict:
    return {
        "name": row["name"],
        "template": row["template"],
        "priority": row["priority"],
        "match": json.loads(row["match"]),
        "max_count": row["max_count"],
        "placed": row["placed"],
    }


def _rule_named(conn: Connection, name: str) -> dict | None:
    return next((_shown_rule(row) for row in fleet_store.rules(conn) if row["name"] == name), None)


def list_rules(db: Database) -> list[dict]:
    return db.read(lambda conn: [_shown_rule(row) for row in fleet_store.rules(conn)])


def delete_rule(db: Database, actor: str, name: object) -> dict:
    checked = checked_name("name", name)

    def work(conn):
        before = _rule_named(conn, checked)
        if before is None:
            raise NotFound(f"no rule named {checked!r}")
        fleet_store.delete_rule(conn, checked)
        _audit(conn, actor, f"rule {checked}", "delete_rule", before, None)
        return {"deleted": checked}

    return db.write(work)


def apply_stored(db: Database, actor: str, ref: object, design: object) -> dict:
    """Apply a template (stored, by name; or given whole) to a node, which then holds a stored
    one: a later change by hand shows it drifted."""
    chosen, template_id = resolve(db, design)

    def work(conn):
        applied = applying.apply(InTransaction(db, conn), actor, ref, chosen)
        node = lookup.load(conn, applied["host"])
        after = {"template": chosen.name}
        audit_store.record_audit(conn, actor, node.id, node.hostname, "template_applied", None, after)
        if template_id is not None:
            fleet_store.hold(conn, node.id, template_id, None)
        return {"host": applied["host"], "template": chosen.name}

    return db.write(work)


def detach(db: Database, actor: str, ref: object) -> dict:
    """The node no longer holds a template (its network stays as it is)."""

    def work(conn):
        node = lookup.load(conn, ref, lock=True)
        if not fleet_store.release(conn, node.id):
            raise NotFound(f"{node.hostname} holds no template")
        audit_store.record_audit(conn, actor, node.id, node.hostname, "template_detached", None, None)
        return {"host": node.hostname, "detached": True}

    return db.write(work)


def place_new_node(db: Database, conn: Connection, host_id: int, report: HardwareReport) -> dict | None:
    """At a new node's first identify, in its transaction: the first rule that matches it
    places its template. A template the node's NICs do not satisfy leaves the node as it came,
    with the reason in its audit trail. What was placed (rule, template, or the failure)."""
    if not fleet_store.any_rule(conn):  # most installations: one driver query, no more
        return None
    rules = fleet_store.rules(conn)
    facts = placement.Facts(
        report.hostname,
        report.uuid or None,
        frozenset(nic.mac for nic in report.nics),
        len(report.cpus),
        report.memory_mb or 0,
        tuple(nic.bandwidth_mbps or 0 for nic in report.nics),
        tuple(nic.vendor for nic in report.nics),
        tuple(nic.product for nic in report.nics),
    )
    for rule in rules:
        rule["match_document"] = json.loads(rule["match"])
    rule = placement.choose(rules, facts, lambda chosen: fleet_store.placed_under_lock(conn, chosen["id"]))
    if rule is None:
        return None
    actor = f"rule:{rule['name']}"
    design = template.read(json.loads(rule["document"]))
    here = InTransaction(db, conn)
    savepoint = conn.begin_nested()
    try:
        applying.apply(here, actor, report.hostname, design)
    except NodeConfigError as refused:
        savepoint.rollback()
        audit_store.record_audit(
            conn,
            actor,
            host_id,
            report.hostname,
            "template_failed",
            None,
            {"reason": refused.message},
        )
        return {"rule": rule["name"], "template": design.name, "failed": refused.message}
    savepoint.commit()
    audit_store.record_audit(
        conn, actor, host_id, report.hostname, "template_applied", None, {"template": design.name}
    )
    fleet_store.hold(conn, host_id, rule["template_id"], rule["id"])
    return {"rule": rule["name"], "template": design.name, "failed": None}


def drifted(db: Database) -> list[dict]:
    """Nodes changed by hand since their template was applied: each with what was done, by whom."""
    return db.read(
        lambda conn: [
            {
                "host": holder["hostname"],
                "template": holder["template"],
                "changes": [
                    f"{action} by {actor}" for actor, action in holder["since"] if by_hand(actor, action)
                ],
            }
            for holder in fleet_store.holders(conn)
            if any(by_hand(actor, action) for actor, action in holder["since"])
        ]
    )
