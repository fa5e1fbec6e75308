"""``report_status``: what the node applied at this boot and how it went, from the node itself
(``trust.claims.check_reporter``: its credential), kept as its state (``nodes.states``); the rollouts it was
waiting in move on (``fleet.rollout``), in the same transaction."""

from __future__ import annotations

from ovirt_node_config import validation
from ovirt_node_config.fleet import rollout
from ovirt_node_config.nodes import states
from ovirt_node_config.persistence import node_store
from ovirt_node_config.persistence.engine import Database
from ovirt_node_config.trust import claims, credential_use


def answer(db: Database, hostname: object, raw: object, presented: str | None, address: str) -> dict:
    """The state the report leaves the node in."""
    name = validation.hostname("hostname", hostname)
    report = states.parse_status(raw)

    def work(conn):
        node = claims.check_reporter(node_store.load_node(conn, name), name, presented)
        credential_use.note_presented(conn, node.id, node.credential_presented)
        recorded = states.record(conn, node, report, f"node:{name}@{address}")
        rollout.boot_reported(db, conn, node.hostname, recorded.state, recorded.current)
        return {"hostname": node.hostname, "state": recorded.state}

    return db.write(work)
