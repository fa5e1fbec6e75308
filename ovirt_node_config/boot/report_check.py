"""``report_check``: what the node's check of its live network found between boots, from the
node itself (``trust.claims.check_reporter``: its credential), kept as its state
(``nodes.live_checks``); the answer says whether to put its configuration back now."""

from __future__ import annotations

from ovirt_node_config import validation
from ovirt_node_config.nodes import live_checks
from ovirt_node_config.persistence import node_store
from ovirt_node_config.persistence.engine import Database
from ovirt_node_config.trust import claims


def answer(db: Database, hostname: object, raw: object, presented: str | None) -> dict:
    """The state the check leaves the node in, and whether it is to resync."""
    name = validation.hostname("hostname", hostname)
    check = live_checks.parse_check(raw)

    def work(conn):
        node = claims.check_reporter(node_store.load_node(conn, name), name, presented)
        return live_checks.record(conn, node, check)

    return db.write(work)
