"""Slowing down password guessing against administrator accounts.

A login attempt counts against three keys, each with its own schedule (:data:`SCHEDULES`): the
pair (user name, client address), the client address alone, and, more slowly, the user name
alone. The first ``free`` failures of a key cost nothing; after that the key waits
``2 ** (failures - free)`` seconds (at most ``cap``) before its next check, and a login tried
during the wait is refused at once (HTTP 429 with ``Retry-After``) without running scrypt.
So someone guessing bob's password from one address is slowed at once there, but bob, from
anywhere else, only meets the user's own limit, which takes many more failures (a guess spread
over many addresses) and waits less. A success clears the pair's and the address's count, and
the user's.

An attempt is counted before its password is checked (:meth:`LoginThrottle.reserve`: a failure
until it succeeds), in the database, in one transaction that holds the keys' rows: so guesses
sent at once meet the same limit as guesses sent one after another, and every server process,
and every server on the database, counts the same failures. A database that cannot count
refuses the check (``Busy``): no password is tried uncounted.

At most :data:`MAX_CONCURRENT_CHECKS` password checks run at once in a process, and an attempt
that finds them all taken is told to come back (:class:`ChecksBusy`) instead of holding a worker
thread: the nodes' calls keep their workers however many passwords arrive. Keys untouched for
:data:`FORGET_AFTER_S` and not blocked are forgotten.
"""

from __future__ import annotations

import contextlib
import hashlib
import random
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from ovirt_node_config.persistence import throttle_store
from ovirt_node_config.persistence.engine import Database

MAX_CONCURRENT_CHECKS = 2
FORGET_AFTER_S = 24 * 3600
FORGET_ONE_IN = 100  # attempts between two sweeps of forgotten keys, on average


@dataclass(frozen=True)
class Schedule:
    free: int  # failures that cost nothing
    cap_s: float  # the longest wait


SCHEDULES = {
    "pair": Schedule(free=3, cap_s=300.0),
    "client": Schedule(free=10, cap_s=300.0),
    "user": Schedule(free=20, cap_s=60.0),
}


class ChecksBusy(Exception):
    """Every password-check slot of this process is taken: come back in a moment."""


def blocked_until(schedule: Schedule, failures: int, now: float) -> float:
    """When a key with ``failures`` may be tried again (``now``: it may at once)."""
    over = failures - schedule.free
    return now + min(schedule.cap_s, 2.0 ** min(over, 16)) if over > 0 else now


class LoginThrottle:
    def __init__(self, db: Database, clock: Callable[[], float] = time.time):
        self.db = db
        self.clock = clock
        self._checks = threading.BoundedSemaphore(MAX_CONCURRENT_CHECKS)

    def wait_for(self, user: str | None, client: str) -> float:
        """Seconds before ``user`` from ``client`` may try again; 0 when it may now."""
        keys = _keys(user, client)
        now = self.clock()
        found = self.db.read(lambda conn: throttle_store.peek(conn, list(keys.values())))
        return max([0.0, *(until / 1000 - now for until in found.values())])

    def reserve(self, user: str | None, client: str) -> float:
        """Count an attempt of ``user`` from ``client`` as a failure before its password is
        checked; 0 when the check may run now, else the seconds to wait (nothing counted)."""
        keys = _keys(user, client)
        now = self.clock()
        now_ms = int(now * 1000)

        def work(conn):
            counts = throttle_store.lock(conn, list(keys.values()), now_ms)
            wait = max(0.0, *(counts[digest][1] / 1000 - now for digest in keys.values()))
            if wait > 0:
                return wait
            updated = {}
            for kind, digest in keys.items():
                failures = counts[digest][0] + 1
                until = blocked_until(SCHEDULES[kind], failures, now)
                updated[digest] = (failures, int(until * 1000))
            throttle_store.store(conn, updated, now_ms)
            if random.randrange(FORGET_ONE_IN) == 0:  # noqa: S311 - spreading a sweep, not a secret
                throttle_store.forget(conn, now_ms - FORGET_AFTER_S * 1000, now_ms)
            return 0.0

        return self.db.write(work)

    def succeeded(self, user: str | None, client: str) -> None:
        digests = list(_keys(user, client).values())
        self.db.write(lambda conn: throttle_store.clear(conn, digests))

    @contextlib.contextmanager
    def checking(self) -> Iterator[None]:
        """Hold one of the few password-check slots; ChecksBusy when none is free."""
        if not self._checks.acquire(blocking=False):
            raise ChecksBusy
        try:
            yield
        finally:
            self._checks.release()


def _keys(user: str | None, client: str) -> dict[str, str]:
    """Kind -> the digest of its key (a name is whatever a client sent: any length, any byte)."""
    name = (user or "")[:64]
    values = {"pair": f"pair:{name}\0{client}", "client": f"client:{client}", "user": f"user:{name}"}
    return {
        kind: hashlib.sha256(value.encode("utf-8", "replace")).hexdigest() for kind, value in values.items()
    }
