"""The node configuration file (docs/design.md section 4): render it, and read it back strictly.

The envelope the 2008 appliances run: the generated header, then at most two here-documents,
the pre-config script (``modprobe bonding mode=N``, only when the node has a bond) and the
augtool section, whose ``rm``/``set`` lines write the files of the node's network stack
(``config_file.ifcfg`` or ``config_file.keyfile``; one file never mixes them).

This module knows nothing of RPC or SQL: :func:`render` turns a
:class:`~ovirt_node_config.network.model.Network` into the text that old appliances run;
:func:`parse` splits such a text into its two sections and refuses anything outside the grammar;
:func:`parse_augtool` and :func:`parse_pre_config` read the sections into commands the node agent
can apply without a shell or the augtool binary, and :func:`network_of` reads the commands back
into the model. Every value passes the stacks' key grammar, so nothing can end the here-document,
start another augtool command or leave the stack's directory.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ovirt_node_config.config_file import stacks
from ovirt_node_config.config_file.grammar import AugeasCommand
from ovirt_node_config.config_file.stack import Stack
from ovirt_node_config.errors import InvalidInput
from ovirt_node_config.network import bonding
from ovirt_node_config.network.model import BOND, Network

HEADER = ("#!/bin/bash", "# THIS FILE IS GENERATED!")
# Fixed by the wire format that old appliances run; not temporary files of this process.
PRE_CONFIG_PATH = "/var/tmp/pre-config-script"  # noqa: S108
AUGTOOL_PATH = "/var/tmp/node-augtool"  # noqa: S108
MODPROBE = "/sbin/modprobe bonding"

_HEREDOC_START = re.compile(r"cat <<\\EOF > (?P<path>\S+)")
_PRE_CONFIG_LINE = re.compile(r"/sbin/modprobe bonding mode=(?P<mode>[0-9])")


@dataclass(frozen=True)
class ConfigSections:
    pre_config_script: str | None
    augtool: str | None


# Rendering ------------------------------------------------------------------------------------


def render(network: Network, stack: Stack | str = stacks.DEFAULT) -> str:
    """The configuration file for ``network`` in ``stack``'s files; the same input always gives
    the same bytes."""
    stack = stacks.STACKS[stack] if isinstance(stack, str) else stack
    has_bonds = any(iface.kind == BOND for iface in network.interfaces)
    if has_bonds:
        bonding.mode_name(network.mode)
    augtool = stack.write(network)
    lines = list(HEADER)
    if has_bonds:
        lines += _heredoc(PRE_CONFIG_PATH, [*HEADER, f"{MODPROBE} mode={network.mode}"])
    if augtool:
        lines += _heredoc(AUGTOOL_PATH, [*augtool, "save"])
    return "\n".join(lines) + "\n"


def _heredoc(path: str, body: list[str]) -> list[str]:
    return [f"cat <<\\EOF > {path}", *body, "EOF"]


# Parsing --------------------------------------------------------------------------------------


def parse(text: str) -> ConfigSections:
    """Split a configuration file into its sections; refuse anything outside the grammar."""
    if not isinstance(text, str) or not text.endswith("\n") or "\r" in text or "\0" in text:
        raise InvalidInput("configuration", "is not a text of whole lines")
    lines = text[:-1].split("\n")
    if tuple(lines[:2]) != HEADER:
        raise InvalidInput("configuration", "does not start with the generated header")
    sections: dict[str, str] = {}
    order = [PRE_CONFIG_PATH, AUGTOOL_PATH]
    index = 2
    while index < len(lines):
        start = _HEREDOC_START.fullmatch(lines[index])
        if not start or start["path"] not in order:
            raise InvalidInput(
                "configuration", f"line {index + 1} is not a known section: {lines[index][:60]!r}"
            )
        path = start["path"]
        if path in sections or any(order.index(seen) > order.index(path) for seen in sections):
            raise InvalidInput("configuration", f"line {index + 1}: section {path} repeated or out of order")
        try:
            end = lines.index("EOF", index + 1)
        except ValueError:
            raise InvalidInput("configuration", f"section {path} is not closed") from None
        sections[path] = "\n".join(lines[index + 1 : end]) + "\n"
        index = end + 1
    return ConfigSections(sections.get(PRE_CONFIG_PATH), sections.get(AUGTOOL_PATH))


def parse_pre_config(script: str) -> int:
    """The bonding mode a pre-config script loads; refuses any line the server does not write."""
    lines = script.rstrip("\n").split("\n") if script.endswith("\n") else None
    if not lines or tuple(lines[:2]) != HEADER or len(lines) != 3:
        raise InvalidInput("pre-config script", "is not the generated header and one modprobe line")
    match = _PRE_CONFIG_LINE.fullmatch(lines[2])
    if not match or int(match["mode"]) not in bonding.MODES:
        raise InvalidInput("pre-config script", f"line 3 is not a bonding modprobe: {lines[2][:60]!r}")
    return int(match["mode"])


def parse_augtool(script: str) -> list[AugeasCommand]:
    """The commands of an augtool section, each line checked and the files they write read back
    whole (:func:`network_of`); ``save`` must come last, once."""
    if not script.endswith("\n"):
        raise InvalidInput("augtool section", "does not end with a line break")
    lines = script[:-1].split("\n")
    if lines[-1] != "save" or lines.count("save") != 1:
        raise InvalidInput("augtool section", "must end with one save")
    commands = [_augtool_command(number, line) for number, line in enumerate(lines[:-1], start=1)]
    owners = {stack.name for stack in stacks.STACKS.values() for c in commands if stack.owns(c.path)}
    if len(owners) > 1:
        raise InvalidInput("augtool section", "mixes ifcfg files and NetworkManager keyfiles")
    network_of(commands)
    return [*commands, AugeasCommand("save")]


def network_of(commands: list[AugeasCommand], mode: int | None = None) -> Network:
    """The network the checked commands write (an empty one when they write none)."""
    stack = stacks.of_commands(commands)
    return stack.read(commands, mode) if stack else Network(mode)


def _augtool_command(number: int, line: str) -> AugeasCommand:
    field = f"augtool line {number}"
    for stack in stacks.STACKS.values():
        command = stack.command(field, line)
        if command is not None:
            return command
    raise InvalidInput(
        field, f"is not an rm or set of ifcfg files or keyfiles the server writes: {line[:60]!r}"
    )
