"""The network stacks by name, and which one a checked augtool section writes."""

from __future__ import annotations

from ovirt_node_config.config_file.grammar import AugeasCommand
from ovirt_node_config.config_file.ifcfg import IFCFG
from ovirt_node_config.config_file.keyfile import KEYFILE
from ovirt_node_config.config_file.stack import Stack

STACKS: dict[str, Stack] = {stack.name: stack for stack in (IFCFG, KEYFILE)}
DEFAULT = IFCFG  # the 2008 appliances', and any node that does not say


def of_commands(commands: list[AugeasCommand]) -> Stack | None:
    """The stack whose files the (checked) commands write; None when they write none."""
    for command in commands:
        if command.path:
            return next(stack for stack in STACKS.values() if stack.owns(command.path))
    return None
