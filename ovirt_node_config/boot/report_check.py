"""``report_check``: what the node's check of its live network found between boots, from the
node itself (``trust.claims.check_reporter``: its credential), kept as its state
(``nodes.live_checks``); the answer says whether to put its configuration back now.

Most checks find what the last one found: they are answered from one indexed read (one
statement on the driver, no transaction: ``status_store.check_lookup``), and only a
check with something to write (a new verdict, a stale "last checked", a resync to hand over)
takes a write transaction, where it is weighed again on the row as it is then."""

from __future__ import annotations

import logging
import time

from ovirt_node_config import validation
from ovirt_node_config.network import bonding
from ovirt_node_config.nodes import live_checks
from ovirt_node_config.persistence import status_store
from ovirt_node_config.persistence.engine import Database
from ovirt_node_config.trust import claims

log = logging.getLogger(__name__)


def answer(db: Database, hostname: object, raw: object, presented: str | None) -> dict:
    """The state the check leaves the node in, and whether it is to resync."""
    name = validation.hostname("hostname", hostname)
    check = live_checks.parse_check(raw)
    now_ms = int(time.time() * 1000)

    def row(conn, lock: bool = False) -> status_store.CheckRow:
        found = status_store.check_row(conn, name, bonding.MIN_SLAVES, lock=lock)
        return claims.check_reporter(found, name, presented)

    try:
        found = status_store.check_lookup(db, name, bonding.MIN_SLAVES)
    except Exception:  # the driver's own errors: the normal way meets them and answers for them
        log.debug("the check's lookup failed", exc_info=True)
        seen = db.read(row)
    else:
        seen = claims.check_reporter(found, name, presented)
    weighed = live_checks.weigh(seen, check, now_ms)
    if not weighed.values:
        return live_checks.answer(seen, weighed)
    return db.write(lambda conn: live_checks.record(conn, row(conn, lock=True), check, now_ms))
