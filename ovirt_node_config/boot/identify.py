"""``identify``: a node's hardware report synced into the inventory, if it is the caller's to
apply (``trust.enrolment``); in the same transaction a new node may be given a template by a
placement rule (``fleet.catalogue``) and the answers of its next calls are kept
(``nodes.kept_answers``)."""

from __future__ import annotations

from sqlalchemy.engine import Connection

from ovirt_node_config.fleet import catalogue
from ovirt_node_config.inventory.report import HardwareReport
from ovirt_node_config.inventory.sync_plan import SyncResult
from ovirt_node_config.nodes import kept_answers
from ovirt_node_config.persistence import inventory_store
from ovirt_node_config.persistence.engine import Database
from ovirt_node_config.trust import enrolment


def answer(
    trust: enrolment.Trust,
    report: HardwareReport,
    caller: enrolment.Caller,
    body_digest: str | None = None,
    keep: bool = True,
) -> SyncResult | enrolment.Pending:
    """The answer to ``caller``'s report (``body_digest``: of the request body, so that a repeat
    of it is answered from what is kept; ``keep``: keep answers at all; the 2008 appliances'
    sessions do not)."""
    keeper = kept_answers.keeper(report, body_digest) if keep else None

    def after_sync(conn: Connection, result: SyncResult, created) -> None:
        if created:  # a rule may give it a template, in this same transaction
            catalogue.place_new_node(trust.db, conn, result.host_id, report)
        if keeper is not None:
            keeper(conn, result, created)

    return enrolment.identify(trust, report, caller, after_sync)


def without_trust(db: Database, report: HardwareReport, body_digest: str | None) -> SyncResult:
    """The library's road (asks no credential, places no template): the sync, keeping what
    ``identify`` keeps."""
    return inventory_store.identify(db, report, keep=kept_answers.keeper(report, body_digest))
