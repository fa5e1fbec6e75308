"""Queries for network templates, the rules that place them, and which node holds which."""

from __future__ import annotations

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import Connection

from ovirt_node_config.persistence.driver import Driver
from ovirt_node_config.persistence.tables import (
    audit_log,
    host_templates,
    hosts,
    network_templates,
    template_rules,
)

# On every first boot (the boot storm's path, on the driver: see driver.py): is there any rule?
_ANY_RULE = "SELECT 1 FROM template_rules LIMIT 1"


def any_rule(conn: Connection) -> bool:
    return bool(Driver(conn).execute(_ANY_RULE, ()).rows())


def save_template(conn: Connection, name: str, document: str) -> bool:
    """Create or replace; True when created."""
    changed = conn.execute(
        update(network_templates)
        .where(network_templates.c.name == name)
        .values(document=document, updated_at=func.current_timestamp())
    ).rowcount
    if not changed:
        conn.execute(insert(network_templates).values(name=name, document=document))
    return not changed


def template(conn: Connection, name: str) -> tuple[int, str] | None:
    """(id, document) of the template ``name``, or None."""
    row = conn.execute(
        select(network_templates.c.id, network_templates.c.document).where(network_templates.c.name == name)
    ).first()
    return (row.id, row.document) if row else None


def templates(conn: Connection) -> list[dict]:
    """Every template with how many rules name it and how many nodes hold it."""
    rules = select(func.count()).where(template_rules.c.template_id == network_templates.c.id)
    nodes = select(func.count()).where(host_templates.c.template_id == network_templates.c.id)
    rows = conn.execute(
        select(
            network_templates.c.name,
            network_templates.c.document,
            rules.scalar_subquery().label("rules"),
            nodes.scalar_subquery().label("nodes"),
        ).order_by(network_templates.c.name)
    )
    return [dict(row._mapping) for row in rows]


def delete_template(conn: Connection, template_id: int) -> None:
    conn.execute(delete(network_templates).where(network_templates.c.id == template_id))


def save_rule(
    conn: Connection, name: str, priority: int, template_id: int, match: str, max_count: int | None
) -> bool:
    """Create or replace; True when created."""
    values = {"priority": priority, "template_id": template_id, "match": match, "max_count": max_count}
    changed = conn.execute(
        update(template_rules).where(template_rules.c.name == name).values(**values)
    ).rowcount
    if not changed:
        conn.execute(insert(template_rules).values(name=name, **values))
    return not changed


def rules(conn: Connection) -> list[dict]:
    """Every rule in the order they are tried, with its template's name and document and how
    many nodes it placed."""
    placed = select(func.count()).where(host_templates.c.rule_id == template_rules.c.id)
    rows = conn.execute(
        select(
            template_rules.c.id,
            template_rules.c.name,
            template_rules.c.priority,
            template_rules.c.match,
            template_rules.c.max_count,
            network_templates.c.id.label("template_id"),
            network_templates.c.name.label("template"),
            network_templates.c.document,
            placed.scalar_subquery().label("placed"),
        )
        .join(network_templates, network_templates.c.id == template_rules.c.template_id)
        .order_by(template_rules.c.priority, template_rules.c.name)
    )
    return [dict(row._mapping) for row in rows]


def placed_under_lock(conn: Connection, rule_id: int) -> int | None:
    """How many nodes the rule placed, counted while its row is locked for this transaction (on
    PostgreSQL; SQLite's writer holds the database), so that concurrent first boots place no
    more than its ``max_count``; None when the rule is gone."""
    found = conn.execute(
        select(template_rules.c.id).where(template_rules.c.id == rule_id).with_for_update()
    ).first()
    if found is None:
        return None
    return conn.execute(select(func.count()).where(host_templates.c.rule_id == rule_id)).scalar_one()


def delete_rule(conn: Connection, name: str) -> int:
    return conn.execute(delete(template_rules).where(template_rules.c.name == name)).rowcount


def hold(conn: Connection, host_id: int, template_id: int, rule_id: int | None) -> None:
    """The node holds ``template_id`` from now, as of the newest audit entry."""
    last = select(func.coalesce(func.max(audit_log.c.id), 0)).where(audit_log.c.host_id == host_id)
    values = {"template_id": template_id, "rule_id": rule_id, "applied_audit_id": last.scalar_subquery()}
    conn.execute(delete(host_templates).where(host_templates.c.host_id == host_id))
    conn.execute(insert(host_templates).values(host_id=host_id, **values))


def release(conn: Connection, host_id: int) -> int:
    return conn.execute(delete(host_templates).where(host_templates.c.host_id == host_id)).rowcount


def holders(conn: Connection, template_id: int | None = None) -> list[dict]:
    """The nodes holding a template (one, or all), each with the actions written to its audit
    trail since the template was applied (by anyone), oldest first."""
    query = (
        select(
            hosts.c.id.label("host_id"),
            hosts.c.hostname,
            network_templates.c.name.label("template"),
            host_templates.c.applied_audit_id,
        )
        .join(hosts, hosts.c.id == host_templates.c.host_id)
        .join(network_templates, network_templates.c.id == host_templates.c.template_id)
        .order_by(hosts.c.hostname)
    )
    if template_id is not None:
        query = query.where(host_templates.c.template_id == template_id)
    found = {row.host_id: {**row._mapping, "since": []} for row in conn.execute(query)}
    later = (
        select(audit_log.c.host_id, audit_log.c.actor, audit_log.c.action)
        .join(host_templates, host_templates.c.host_id == audit_log.c.host_id)
        .where(audit_log.c.id > host_templates.c.applied_audit_id)
        .order_by(audit_log.c.id)
    )
    if template_id is not None:
        later = later.where(host_templates.c.template_id == template_id)
    for row in conn.execute(later):
        found[row.host_id]["since"].append((row.actor, row.action))
    return list(found.values())
