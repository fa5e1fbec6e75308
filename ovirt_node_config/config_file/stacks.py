"""The network stacks by name, and which one a checked augtool section writes."""

from __future__ import annotations

from .grammar import AugeasCommand
from .ifcfg import IFCFG
from .keyfile import KEYFILE
from .stack import Stack

STACKS: dict[str, Stack] = {stack.name: stack for stack in (IFCFG, KEYFILE)}
DEFAULT = IFCFG  # the 2008 appliances', and any node that does not say


def of_commands(commands: list[AugeasCommand]) -> Stack | None:
    """The stack whose files the (checked) commands write; None when they write none."""
    for command in commands:
        if command.path:
            return next(stack for stack in STACKS.values() if stack.owns(command.path))
    return None
