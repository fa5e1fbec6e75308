"""How fast new hosts may appear: token buckets per client address and for the whole server.

Every ``identify`` that would enrol a new host, or hold a claim, takes a token from its
address's bucket and from the server's; an empty bucket refuses it (HTTP 429 with
``Retry-After``) before anything is written. Each bucket holds a minute's worth of its rate, so
a rack that powers on at once is enrolled at full speed and a machine inventing host names is
held to its rate. Rate 0 means no limit. Counts are per server process; at most
:data:`MAX_ADDRESSES` addresses are remembered (the oldest full bucket goes first).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from ovirt_node_config.errors import Throttled

MAX_ADDRESSES = 10_000
BURST_S = 60.0  # a bucket holds this many seconds of its rate
DEFAULT_PER_ADDRESS = 1.0  # enrolments per second from one address
DEFAULT_OVERALL = 50.0  # and from everywhere


class _Bucket:
    __slots__ = ("tokens", "at")

    def __init__(self, tokens: float, at: float):
        self.tokens, self.at = tokens, at


class EnrolmentRate:
    def __init__(
        self,
        per_address: float = DEFAULT_PER_ADDRESS,
        overall: float = DEFAULT_OVERALL,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.per_address, self.overall, self.clock = per_address, overall, clock
        self._addresses: OrderedDict[str, _Bucket] = OrderedDict()
        self._server = _Bucket(overall * BURST_S, clock())
        self._lock = threading.Lock()

    def take(self, address: str) -> None:
        """Take a token for one enrolment from ``address``; raises Throttled."""
        now = self.clock()
        with self._lock:
            mine = self._addresses.pop(address, None) or _Bucket(self.per_address * BURST_S, now)
            self._addresses[address] = mine
            while len(self._addresses) > MAX_ADDRESSES:
                self._addresses.popitem(last=False)
            waits = [
                _wait(bucket, rate, now)
                for bucket, rate in ((mine, self.per_address), (self._server, self.overall))
                if rate > 0
            ]
            if any(waits):
                raise Throttled("too many new nodes at once; try again later", max(waits))
            for bucket, rate in ((mine, self.per_address), (self._server, self.overall)):
                if rate > 0:
                    bucket.tokens -= 1


def _wait(bucket: _Bucket, rate: float, now: float) -> float:
    """Refill ``bucket`` to ``now``; seconds until it holds a token (0: it holds one)."""
    bucket.tokens = min(rate * BURST_S, bucket.tokens + (now - bucket.at) * rate)
    bucket.at = now
    return 0.0 if bucket.tokens >= 1 else (1 - bucket.tokens) / rate
