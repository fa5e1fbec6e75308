"""How fast new hosts may appear: token buckets per client address and for the whole
installation.

Every ``identify`` that would enrol a new host, or hold a claim, takes a token from its
address's bucket and from the installation's, in the enrolment's own transaction; an empty
bucket refuses it (HTTP 429 with ``Retry-After``) and nothing is written. Each bucket holds a
minute's worth of its rate, so a rack that powers on at once is enrolled at full speed and a
machine inventing host names is held to its rate. Rate 0 means no limit (and no bucket is
touched). A refused attempt takes nothing. A node that is already enrolled never reaches a bucket.

The buckets are rows in the database (``persistence/bucket_store.py``), locked for the rest of
the enrolment's transaction: every server process, and every server on the database, takes from
the same buckets, so ``--processes 4`` or three servers behind a load balancer give no more than
one. While the limit is on, enrolments therefore take turns on the installation's bucket on
PostgreSQL as they do anyway on SQLite; the rate, not the turns, bounds them (a turn is a few
milliseconds; at the default rate a token comes every 20). A bucket untouched for :data:`BURST_S` is full
again and its row is forgotten.
"""

from __future__ import annotations

import hashlib
import random
import time
from collections.abc import Callable

from sqlalchemy.engine import Connection

from ovirt_node_config.errors import Throttled
from ovirt_node_config.persistence import bucket_store

BURST_S = 60.0  # a bucket holds this many seconds of its rate
DEFAULT_PER_ADDRESS = 1.0  # enrolments per second from one address
DEFAULT_OVERALL = 50.0  # and from everywhere
FORGET_ONE_IN = 100  # tokens taken between two sweeps of full buckets, on average


class EnrolmentRate:
    def __init__(
        self,
        per_address: float = DEFAULT_PER_ADDRESS,
        overall: float = DEFAULT_OVERALL,
        clock: Callable[[], float] = time.time,
    ):
        self.per_address, self.overall, self.clock = per_address, overall, clock

    def take(self, conn: Connection, address: str) -> None:
        """Take a token for one enrolment from ``address`` in ``conn``'s transaction (its
        buckets stay locked until it ends); raises Throttled, taking nothing."""
        rates = {
            _digest(name): rate
            for name, rate in ((f"address:{address}", self.per_address), ("server", self.overall))
            if rate > 0
        }
        if not rates:
            return
        now = self.clock()
        now_ms = int(now * 1000)
        buckets = bucket_store.lock(conn, {digest: rate * BURST_S for digest, rate in rates.items()}, now_ms)
        refilled = {}
        for digest, rate in rates.items():
            tokens, at_ms = buckets[digest]
            refilled[digest] = min(rate * BURST_S, tokens + max(0, now_ms - at_ms) / 1000 * rate)
        waits = [(1 - tokens) / rates[digest] for digest, tokens in refilled.items() if tokens < 1]
        if waits:
            raise Throttled("too many new nodes at once; try again later", max(waits))
        bucket_store.store(conn, {digest: (tokens - 1, now_ms) for digest, tokens in refilled.items()})
        if random.randrange(FORGET_ONE_IN) == 0:  # noqa: S311 - spreading a sweep, not a secret
            bucket_store.forget(conn, now_ms - int(BURST_S * 1000))


def _digest(name: str) -> str:
    return hashlib.sha256(name.encode("utf-8", "replace")).hexdigest()
