"""What nodes call at boot, without credentials: ``ping``, ``identify``, ``get_config``, and the
legacy ``GET /ovirt/managed_node/config`` of old appliances.

Each translates wire values into library calls and results back into XML-RPC values.
"""

from __future__ import annotations

from http import HTTPStatus
from urllib.parse import parse_qs, urlsplit

from ovirt_node_config import __version__, kept_answers, legacy_nodes
from ovirt_node_config.errors import NodeConfigError, NotFound
from ovirt_node_config.persistence.engine import Database
from ovirt_node_config.report import parse_report

from .request_context import context

LEGACY_CONFIG_PATH = "/ovirt/managed_node/config"
TEXT = "text/plain; charset=utf-8"


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
        return kept_answers.identify(self.db, parsed, context().body_digest).as_struct()

    def get_config(self, hostname: object, macs: object) -> str:
        """The node's configuration file for the MAC -> interface name map it sees now."""
        if isinstance(hostname, str):
            context().node = hostname[:64]
        return kept_answers.get_config(self.db, hostname, macs)

    def legacy_config(self, target: str) -> tuple[int, str, bytes]:
        """``GET /ovirt/managed_node/config?host=H&macs=MAC=IFACE,...``: the same text, or a reason."""
        try:
            query = parse_qs(urlsplit(target).query, keep_blank_values=True, max_num_fields=8)
        except ValueError:
            return HTTPStatus.BAD_REQUEST, TEXT, b"invalid query: more than 8 fields\n"
        host = query.get("host", [""])[0]
        context().node = host[:64] or "-"
        try:
            macs = legacy_nodes.config_macs(query.get("macs", [""])[0])
            # The 2008 appliances run what they get: ifcfg files, whatever the node's stack says.
            text = kept_answers.get_config(self.db, host, macs, stack="ifcfg")
        except NotFound as refusal:
            return HTTPStatus.NOT_FOUND, TEXT, (refusal.message + "\n").encode()
        except NodeConfigError as refusal:
            return HTTPStatus.BAD_REQUEST, TEXT, (refusal.message.replace("\n", " ") + "\n").encode()
        return HTTPStatus.OK, TEXT, text.encode()

    def methods(self) -> dict:
        return {"ping": self.ping, "identify": self.identify, "get_config": self.get_config}

    def get_routes(self) -> dict:
        return {LEGACY_CONFIG_PATH: self.legacy_config}
