"""The fleet's counts by state, as the console's fleet page shows them (``/metrics`` counts anew
at each scrape: a monitoring system asks every 15 s or so, and its alerts want them exact).

Recounting 100,000 nodes by state costs 60-100 ms (each node's state comes from several columns,
its bonds' slave counts and the time of its last check), which the fleet page paid on every
load. A count is therefore kept per database (each server process keeps its own) and served
for up to ``MAX_AGE_S``; an older one is still served while a fresh one is made in the
background (one at a time), so no page waits for a recount but the very first. The page says
as of when its counts are.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from dataclasses import dataclass, field

from ovirt_node_config.nodes import states
from ovirt_node_config.persistence.engine import Database

log = logging.getLogger("ovirt_node_config.nodes")

MAX_AGE_S = 5.0


@dataclass(frozen=True)
class Counted:
    counts: dict[str, int]  # state -> nodes, every state named
    at: float  # when they were counted (seconds since the epoch)


@dataclass
class _Kept:
    counted: Counted
    refreshing: threading.Lock = field(default_factory=threading.Lock)


_kept: weakref.WeakKeyDictionary[Database, _Kept] = weakref.WeakKeyDictionary()
_first = threading.Lock()


def counts(db: Database, max_age_s: float = MAX_AGE_S) -> Counted:
    """The counts by state, at most ``max_age_s`` old, or older while a fresh count is made."""
    kept = _kept.get(db)
    if kept is None or max_age_s <= 0:
        with _first:
            kept = _kept.get(db)
            if kept is None or max_age_s <= 0:
                kept = _kept[db] = _Kept(_count(db))
                return kept.counted
    if time.time() - kept.counted.at > max_age_s and kept.refreshing.acquire(blocking=False):
        threading.Thread(target=_refresh, args=(db, kept), name="fleet-counts", daemon=True).start()
    return kept.counted


def _count(db: Database) -> Counted:
    at = time.time()
    return Counted(db.read(states.counts_by_state), at)


def _refresh(db: Database, kept: _Kept) -> None:
    try:
        kept.counted = _count(db)
    except Exception:  # the page keeps the counts it has; the next load tries again
        log.warning("the fleet's counts by state could not be refreshed", exc_info=True)
    finally:
        kept.refreshing.release()
