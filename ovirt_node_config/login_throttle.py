"""Slowing down password guessing against administrator accounts.

Each failed login counts against the user name tried and against the client address. The first
:data:`FREE_FAILURES` failures of a key cost nothing; after that the key waits
``2 ** (failures - FREE_FAILURES)`` seconds (at most :data:`MAX_PENALTY_S`) before its next check,
and a login tried during the wait is refused at once (HTTP 429 with ``Retry-After``) without
running scrypt. A success clears the user's and the address's count. At most
:data:`MAX_CONCURRENT_CHECKS` password checks run at once, so an attack cannot take every core
from the nodes. The table is bounded (oldest keys forgotten first) and kept per server process.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass

FREE_FAILURES = 3
MAX_PENALTY_S = 300.0
MAX_KEYS = 10_000
MAX_CONCURRENT_CHECKS = 2


@dataclass
class _Record:
    failures: int = 0
    blocked_until: float = 0.0


class LoginThrottle:
    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self.clock = clock
        self._records: OrderedDict[str, _Record] = OrderedDict()
        self._lock = threading.Lock()
        self._checks = threading.BoundedSemaphore(MAX_CONCURRENT_CHECKS)

    def wait_for(self, user: str | None, client: str) -> float:
        """Seconds before ``user`` from ``client`` may try again; 0 when it may now."""
        now = self.clock()
        with self._lock:
            waits = [
                record.blocked_until - now
                for key in _keys(user, client)
                if (record := self._records.get(key))
            ]
        return max([0.0, *waits])

    @contextlib.contextmanager
    def checking(self) -> Iterator[None]:
        """Hold one of the few password-check slots."""
        with self._checks:
            yield

    def failed(self, user: str | None, client: str) -> None:
        now = self.clock()
        with self._lock:
            for key in _keys(user, client):
                record = self._records.pop(key, None) or _Record()
                record.failures += 1
                if record.failures > FREE_FAILURES:
                    exponent = min(record.failures - FREE_FAILURES, 16)  # 2**16 s is past the cap already
                    record.blocked_until = now + min(MAX_PENALTY_S, 2.0**exponent)
                self._records[key] = record
            while len(self._records) > MAX_KEYS:
                self._records.popitem(last=False)

    def succeeded(self, user: str | None, client: str) -> None:
        with self._lock:
            for key in _keys(user, client):
                self._records.pop(key, None)


def _keys(user: str | None, client: str) -> list[str]:
    return [f"client:{client}", f"user:{(user or '')[:64]}"]
