"""How long each step of a boot took (``ovirt-node-boot --timings``, and the status report's
``timings``): what a node pays the agent beyond its network's own waits."""

from __future__ import annotations

import time
from collections.abc import Callable


class StepTimings:
    """Seconds per step, each from the end of the one before (the first from the start)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self.clock = clock
        self.started = self.last = clock()
        self.steps: dict[str, float] = {}

    def mark(self, step: str) -> None:
        now = self.clock()
        self.steps[step] = round(self.steps.get(step, 0.0) + now - self.last, 3)
        self.last = now

    def total(self) -> float:
        return round(self.last - self.started, 3)

    def words(self) -> str:
        """``discover 0.004 s, hardware 0.31 s, ...; 1.2 s in all``."""
        steps = ", ".join(f"{step} {seconds:g} s" for step, seconds in self.steps.items())
        return f"{steps}; {self.total():g} s in all"
