"""``report_check``: what the node's check of its live network found between boots, from the
node itself (``trust.claims.check_reporter``: its credential), kept as its state
(``nodes.live_checks``); the answer says whether to put its configuration back now.

Most checks find what the last one found: they are answered from one indexed read (one
statement on the driver, no transaction: ``status_store.check_lookup``), and only a
check with something to write (a new verdict, a stale "last checked", a resync to hand over)
takes a write transaction, where it is weighed again on the row as it is then. That write also
keeps what the check's body said under the body's digest: the node's next check sends the same
body byte for byte, and :func:`replayed` weighs it before it is unmarshalled."""

from __future__ import annotations

import logging
import time
from typing import NamedTuple

from ovirt_node_config import validation
from ovirt_node_config.network import bonding
from ovirt_node_config.nodes import live_checks
from ovirt_node_config.persistence import status_store
from ovirt_node_config.persistence.engine import Database
from ovirt_node_config.trust import claims
from ovirt_node_config.trust.credentials import matches

log = logging.getLogger(__name__)
# Check bodies kept per host: a node repeats one while nothing changes; a few more are verdicts
# that came and went. At the bound they all go (the next check that writes keeps its own again).
MAX_BODIES_PER_HOST = 8


def answer(
    db: Database, hostname: object, raw: object, presented: str | None, body: str | None = None
) -> dict:
    """The state the check leaves the node in, and whether it is to resync (``body``: the
    digest of the request body, kept with what it said when the check writes)."""
    name = validation.hostname("hostname", hostname)
    check = live_checks.parse_check(raw)
    now_ms = int(time.time() * 1000)

    def row(conn, lock: bool = False) -> status_store.CheckRow:
        found = status_store.check_row(conn, name, bonding.MIN_SLAVES, lock=lock)
        return claims.check_reporter(found, name, presented)

    def write_check(conn) -> dict:
        locked = row(conn, lock=True)
        answered = live_checks.record(conn, locked, check, now_ms)
        if body:
            kept = live_checks.kept_form(name, check)
            status_store.keep_check_body(conn, locked.id, body, kept, MAX_BODIES_PER_HOST)
        return answered

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
    return db.write(write_check)


class Replayed(NamedTuple):
    kept: bool  # the body is kept already: the normal way need not keep it again
    answer: dict | None  # None: the normal way answers it


def replayed(db: Database, body: str, presented: str | None) -> Replayed:
    """The answer to a check body seen before (``body``: its digest) for the node holding its
    host's credential, when the check has nothing to write: what the body said, weighed anew
    against the host's row as it is now. No answer for anything else (a body not kept, another
    caller, a check that writes, a lookup that failed): the normal way answers it."""
    try:
        found = status_store.check_replay(db, body, bonding.MIN_SLAVES)
    except Exception:
        log.debug("the check's replay lookup failed", exc_info=True)
        return Replayed(False, None)
    if found is None:
        return Replayed(False, None)
    said, row = found
    hostname, check = live_checks.from_kept(said)
    if hostname != row.hostname or not matches(row.credential_hash, presented):
        return Replayed(False, None)
    weighed = live_checks.weigh(row, check, int(time.time() * 1000))
    return Replayed(True, None if weighed.values else live_checks.answer(row, weighed))
