"""What nodes call at boot: ``ping``, ``identify``, ``get_config``, ``report_status``, and the legacy
``GET /ovirt/managed_node/config`` of old appliances.

Each translates wire values into one call of the boot wing (``ovirt_node_config.boot``: one
module per method) and its result back into XML-RPC values; who the caller is (its address, the
node credential it presented) comes from the request context, and what it may do is decided
below the boot wing, in ``ovirt_node_config.trust``.
"""

from __future__ import annotations

from http import HTTPStatus
from urllib.parse import parse_qs, urlsplit

from ovirt_node_config.rpc.request_context import context

from ovirt_node_config import release
from ovirt_node_config.boot import get_config, identify, report_check, report_status
from ovirt_node_config.errors import NodeConfigError, NotFound, status_of
from ovirt_node_config.inventory.report import parse_report
from ovirt_node_config.inventory.sync_plan import SyncResult
from ovirt_node_config.trust import enrolment
from ovirt_node_config.trust.enrolment import Caller, Trust

LEGACY_CONFIG_PATH = "/ovirt/managed_node/config"
TEXT = "text/plain; charset=utf-8"


class NodeMethods:
    def __init__(self, trust: Trust):
        self.trust = trust
        self.db = trust.db

    def ping(self) -> dict:
        """Liveness: answers without touching the database."""
        return {"status": "ok", "version": release()}

    def identify(self, report: object) -> dict:
        """Sync the inventory with a node's hardware report; returns what changed."""
        parsed = parse_report(report)
        current = context()
        current.node = parsed.hostname
        caller = Caller(current.client, current.credential)
        result = identify.answer(self.trust, parsed, caller, current.body_digest)
        current.note = _what_changed(result)
        return result.as_struct()

    def legacy_identify(self, report: object, address: str) -> dict:
        """A 2008 appliance's identify (host-browser, TCP): no credential can come with it."""
        parsed = parse_report(report)
        caller = Caller(address, via=enrolment.HOST_BROWSER)
        return identify.answer(self.trust, parsed, caller, keep=False).as_struct()

    def get_config(self, hostname: object, macs: object) -> str:
        """The node's configuration file for the MAC -> interface name map it sees now."""
        if isinstance(hostname, str):
            context().node = hostname[:64]
        asked = context()
        return get_config.answer(
            self.db, hostname, macs, self.trust.presented(asked.credential), body=asked.body_digest
        )

    def report_status(self, hostname: object, status: object) -> dict:
        """What the node applied at this boot, and how it went (``nodes/states.py``); a rollout
        it was part of moves on (``boot/report_status.py``)."""
        if isinstance(hostname, str):
            context().node = hostname[:64]
        current = context()
        presented = self.trust.presented(current.credential)
        return report_status.answer(self.db, hostname, status, presented, current.client)

    def report_check(self, hostname: object, check: object) -> dict:
        """What the node's check of its live network found between boots (``nodes/live_checks.py``);
        whether it is to put its configuration back now."""
        if isinstance(hostname, str):
            context().node = hostname[:64]
        current = context()
        presented = self.trust.presented(current.credential)
        return report_check.answer(self.db, hostname, check, presented, current.body_digest)

    def legacy_config(self, target: str) -> tuple[int, str, bytes]:
        """``GET /ovirt/managed_node/config?host=H&macs=MAC=IFACE,...``: the same text, or a reason."""
        try:
            query = parse_qs(urlsplit(target).query, keep_blank_values=True, max_num_fields=8)
        except ValueError:
            return HTTPStatus.BAD_REQUEST, TEXT, b"invalid query: more than 8 fields\n"
        host = query.get("host", [""])[0]
        context().node = host[:64] or "-"
        try:
            text = get_config.for_legacy(self.trust, context().client, host, query.get("macs", [""])[0])
        except NotFound as unknown:
            return HTTPStatus.NOT_FOUND, TEXT, (unknown.message + "\n").encode()
        except NodeConfigError as refusal:
            return status_of(refusal), TEXT, (refusal.message.replace("\n", " ") + "\n").encode()
        return HTTPStatus.OK, TEXT, text.encode()

    def methods(self) -> dict:
        return {
            "ping": self.ping,
            "identify": self.identify,
            "get_config": self.get_config,
            "report_status": self.report_status,
            "report_check": self.report_check,
        }

    def get_routes(self) -> dict:
        return {LEGACY_CONFIG_PATH: self.legacy_config}


def _what_changed(result: SyncResult | enrolment.Pending) -> str:
    """For the log line: ``created``, the NIC counts that changed (``added 1 moved 1``), or the
    claim a new node waits on."""
    if isinstance(result, enrolment.Pending):
        return f"pending, claim {result.claim_id}"
    if result.created:
        return f"created, {len(result.added)} NICs"
    counts = [
        (word, len(getattr(result, word))) for word in ("added", "updated", "removed", "moved", "released")
    ]
    return " ".join(f"{word} {count}" for word, count in counts if count) or "unchanged"
