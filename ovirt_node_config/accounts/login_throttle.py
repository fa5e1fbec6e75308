"""Slowing down password guessing against administrator accounts.

A failed login counts against three keys, each with its own schedule (:data:`SCHEDULES`): the
pair (user name, client address), the client address alone, and, more slowly, the user name
alone. The first ``free`` failures of a key cost nothing; after that the key waits
``2 ** (failures - free)`` seconds (at most ``cap``) before its next check, and a login tried
during the wait is refused at once (HTTP 429 with ``Retry-After``) without running scrypt.
So someone guessing bob's password from one address is slowed at once there, but bob, from
anywhere else, only meets the user's own limit, which takes many more failures (a guess spread
over many addresses) and waits less. A success clears the pair's and the address's count, and
the user's.

At most :data:`MAX_CONCURRENT_CHECKS` password checks run at once, so an attack cannot take
every core from the nodes. The table is bounded: when full, the oldest key that is not blocked
now goes; a key that is blocked is never forgotten, and when every key is, new ones wait as
long as the first block still has to run (the table fails closed). Kept per server process.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass

MAX_KEYS = 10_000
MAX_CONCURRENT_CHECKS = 2


@dataclass(frozen=True)
class Schedule:
    free: int  # failures that cost nothing
    cap_s: float  # the longest wait


SCHEDULES = {
    "pair": Schedule(free=3, cap_s=300.0),
    "client": Schedule(free=10, cap_s=300.0),
    "user": Schedule(free=20, cap_s=60.0),
}


@dataclass
class _Record:
    schedule: Schedule
    failures: int = 0
    blocked_until: float = 0.0


class LoginThrottle:
    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self.clock = clock
        self._records: OrderedDict[str, _Record] = OrderedDict()
        self._saturated_until = 0.0  # every key blocked and the table full: new keys wait too
        self._lock = threading.Lock()
        self._checks = threading.BoundedSemaphore(MAX_CONCURRENT_CHECKS)

    def wait_for(self, user: str | None, client: str) -> float:
        """Seconds before ``user`` from ``client`` may try again; 0 when it may now."""
        now = self.clock()
        with self._lock:
            waits = []
            for key in _keys(user, client).values():
                record = self._records.get(key)
                if record is not None:
                    waits.append(record.blocked_until - now)
                elif self._saturated_until > now:
                    waits.append(self._saturated_until - now)
        return max([0.0, *waits])

    @contextlib.contextmanager
    def checking(self) -> Iterator[None]:
        """Hold one of the few password-check slots."""
        with self._checks:
            yield

    def failed(self, user: str | None, client: str) -> None:
        now = self.clock()
        with self._lock:
            for kind, key in _keys(user, client).items():
                record = self._records.pop(key, None) or _Record(SCHEDULES[kind])
                record.failures += 1
                over = record.failures - record.schedule.free
                if over > 0:
                    record.blocked_until = now + min(record.schedule.cap_s, 2.0 ** min(over, 16))
                if len(self._records) >= MAX_KEYS and not self._evict(now):
                    self._saturated_until = min(r.blocked_until for r in self._records.values())
                    continue  # fails closed: the key waits as if recorded
                self._records[key] = record

    def _evict(self, now: float) -> bool:
        """Forget the oldest key that is not blocked now; False when every key is."""
        for key, record in self._records.items():
            if record.blocked_until <= now:
                del self._records[key]
                return True
        return False

    def succeeded(self, user: str | None, client: str) -> None:
        with self._lock:
            for key in _keys(user, client).values():
                self._records.pop(key, None)


def _keys(user: str | None, client: str) -> dict[str, str]:
    name = (user or "")[:64]
    return {"pair": f"pair:{name}\0{client}", "client": f"client:{client}", "user": f"user:{name}"}
