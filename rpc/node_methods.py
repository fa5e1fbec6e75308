"""The methods nodes call at boot, without credentials: ``ping``, ``identify``.

Each translates wire values into library calls and results back into XML-RPC structs.
"""

from __future__ import annotations

from ovirt_node_config import __version__, inventory
from ovirt_node_config.persistence.engine import Database
from ovirt_node_config.report import parse_report

from .request_context import context


class NodeMethods:
    def __init__(self, db: Database):
        self.db = db

    def ping(self) -> dict:
        """Liveness: answers without touching the database."""
        return {"status": "ok", "version": __version__}

    def identify(self, report: object) -> dict:
        """Sync the inventory with a node's hardware report; returns what changed."""
        parsed = parse_report(report)
        context().node = parsed.hostname
        return inventory.identify(self.db, parsed).as_struct()

    def methods(self) -> dict:
        return {"ping": self.ping, "identify": self.identify}
