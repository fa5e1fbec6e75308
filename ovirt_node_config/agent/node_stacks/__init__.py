"""The node's half of each network stack, and which one a node has.

The server renders a stack's files (``config_file.stack.Stack``: paths, lens, writer, strict
reader); here each stack says what it is on a node (``base.NodeStack``): whether this machine
reads its files (``fits``), how its files are written (mode), how the network is brought up
with them and again after a rollback (``activation``), which files of others it sets aside, and
what the kernel and NetworkManager must then hold (``expected_profiles``, for verification).
A third stack is a server module in ``config_file`` and a node module here.

:func:`detect` is the rule the agent reports with ``identify`` (``--network-stack`` overrides
it): the first stack in ``NODE_STACKS`` whose files this machine reads.
"""

from __future__ import annotations

from pathlib import Path

from ovirt_node_config.agent.node_stacks.base import NodeStack
from ovirt_node_config.agent.node_stacks.ifcfg import IFCFG
from ovirt_node_config.agent.node_stacks.keyfile import KEYFILE
from ovirt_node_config.config_file import stacks
from ovirt_node_config.config_file.grammar import AugeasCommand

# In the order they are tried: the last one fits any machine.
NODE_STACKS: tuple[NodeStack, ...] = (IFCFG, KEYFILE)
BY_NAME = {stack.name: stack for stack in NODE_STACKS}


def detect(root: Path) -> str:
    """The name of the stack whose files the machine under ``root`` reads."""
    return next(stack.name for stack in NODE_STACKS if stack.fits(root))


def for_commands(commands: list[AugeasCommand]) -> NodeStack:
    """The stack whose files the (checked) commands write; the default stack's when they write
    none."""
    return BY_NAME[(stacks.of_commands(commands) or stacks.DEFAULT).name]
