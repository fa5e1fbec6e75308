"""Queries for rollouts of a template and the nodes in each."""

from __future__ import annotations

from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Connection

from ovirt_node_config.persistence.tables import hosts, network_templates, rollout_nodes, rollouts


def create(
    conn: Connection,
    name: str,
    template_id: int,
    document: str,
    canary: int,
    max_pending: int,
    host_ids: list[int],
) -> int:
    """A rollout of ``document`` (the template's, pinned as it is now) over ``host_ids``, in line."""
    rollout_id = conn.execute(
        insert(rollouts)
        .values(name=name, template_id=template_id, document=document, canary=canary, max_pending=max_pending)
        .returning(rollouts.c.id)
    ).scalar_one()
    conn.execute(
        insert(rollout_nodes),
        [{"rollout_id": rollout_id, "host_id": host_id, "position": n} for n, host_id in enumerate(host_ids)],
    )
    return rollout_id


def rollout(conn: Connection, name: str, lock: bool = False) -> dict | None:
    query = (
        select(rollouts, network_templates.c.name.label("template"))
        .join(network_templates, network_templates.c.id == rollouts.c.template_id)
        .where(rollouts.c.name == name)
    )
    row = conn.execute(query.with_for_update(of=rollouts) if lock else query).first()
    return dict(row._mapping) if row else None


def names(conn: Connection) -> list[str]:
    return list(conn.execute(select(rollouts.c.name).order_by(rollouts.c.id)).scalars())


def set_state(conn: Connection, rollout_id: int, state: str, reason: str | None = None) -> None:
    conn.execute(
        update(rollouts).where(rollouts.c.id == rollout_id).values(state=state, stopped_reason=reason)
    )


def counts(conn: Connection, rollout_id: int) -> dict[str, int]:
    rows = conn.execute(
        select(rollout_nodes.c.status, func.count())
        .where(rollout_nodes.c.rollout_id == rollout_id)
        .group_by(rollout_nodes.c.status)
    )
    return {status: count for status, count in rows}


def next_waiting(conn: Connection, rollout_id: int, limit: int) -> list[tuple[int, str]]:
    """(host id, host name) of the first ``limit`` nodes still waiting, in line."""
    rows = conn.execute(
        select(rollout_nodes.c.host_id, hosts.c.hostname)
        .join(hosts, hosts.c.id == rollout_nodes.c.host_id)
        .where(rollout_nodes.c.rollout_id == rollout_id, rollout_nodes.c.status == "waiting")
        .order_by(rollout_nodes.c.position)
        .limit(limit)
    )
    return [(row.host_id, row.hostname) for row in rows]


def set_node(conn: Connection, rollout_id: int, host_id: int, status: str, reason: str | None = None) -> None:
    conn.execute(
        update(rollout_nodes)
        .where(rollout_nodes.c.rollout_id == rollout_id, rollout_nodes.c.host_id == host_id)
        .values(status=status, reason=reason)
    )


def held_elsewhere(conn: Connection, host_ids: list[int]) -> list[tuple[str, str]]:
    """(host name, rollout name) of those of ``host_ids`` that wait in a rollout now (waiting or
    pending: a node is in one rollout at a time)."""
    rows = conn.execute(
        select(hosts.c.hostname, rollouts.c.name)
        .join(rollout_nodes, rollout_nodes.c.host_id == hosts.c.id)
        .join(rollouts, rollouts.c.id == rollout_nodes.c.rollout_id)
        .where(rollout_nodes.c.host_id.in_(host_ids), rollout_nodes.c.status.in_(("waiting", "pending")))
        .order_by(hosts.c.hostname)
    )
    return [(row.hostname, row.name) for row in rows]


def let_go(conn: Connection, rollout_id: int, reason: str) -> None:
    """The nodes still waiting in the rollout (not reached yet) are skipped, with ``reason``."""
    conn.execute(
        update(rollout_nodes)
        .where(rollout_nodes.c.rollout_id == rollout_id, rollout_nodes.c.status == "waiting")
        .values(status="skipped", reason=reason)
    )


def pending_for(conn: Connection, hostname: str) -> list[dict]:
    """The rollouts (id, name, state, and the node's host_id) in which the node named
    ``hostname`` waits for its reboot: one query on every boot report."""
    rows = conn.execute(
        select(rollouts.c.id, rollouts.c.name, rollouts.c.state, rollout_nodes.c.host_id)
        .join(rollout_nodes, rollout_nodes.c.rollout_id == rollouts.c.id)
        .join(hosts, hosts.c.id == rollout_nodes.c.host_id)
        .where(hosts.c.hostname == hostname, rollout_nodes.c.status == "pending")
    )
    return [dict(row._mapping) for row in rows]


def nodes(conn: Connection, rollout_id: int) -> list[dict]:
    rows = conn.execute(
        select(hosts.c.hostname, rollout_nodes.c.status, rollout_nodes.c.reason)
        .join(hosts, hosts.c.id == rollout_nodes.c.host_id)
        .where(rollout_nodes.c.rollout_id == rollout_id)
        .order_by(rollout_nodes.c.position)
    )
    return [dict(row._mapping) for row in rows]


def all_counts(conn: Connection) -> list[tuple[str, str, int]]:
    """(rollout, node status, count) of every rollout, for metrics."""
    rows = conn.execute(
        select(rollouts.c.name, rollout_nodes.c.status, func.count())
        .join(rollout_nodes, rollout_nodes.c.rollout_id == rollouts.c.id)
        .group_by(rollouts.c.name, rollout_nodes.c.status)
    )
    return [(name, status, count) for name, status, count in rows]
