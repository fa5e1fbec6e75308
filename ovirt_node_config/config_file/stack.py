"""What a network stack is: where its files live, how Augeas reads them, and the two directions
between the interface model and the augtool section's lines.

A stack writes one file per interface, in :meth:`~ovirt_node_config.network.model.Network.ordered`
order, each first removed then set key by key, and after it the interface's companion files
when the stack keeps some of its settings apart (ifcfg's ``route-<iface>``); its reader takes
checked commands back to a :class:`~ovirt_node_config.network.model.Network`, which must pass
the same rules (``network.rules``) the writer's input passed. A companion file names its
interface: one naming an interface the configuration does not have is refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ovirt_node_config import validation
from ovirt_node_config.config_file.grammar import AugeasCommand
from ovirt_node_config.errors import Conflict, InvalidInput
from ovirt_node_config.network import rules
from ovirt_node_config.network.model import Interface, Network


@dataclass(frozen=True)
class Stack:
    name: str  # ifcfg | keyfile
    tree: str  # the Augeas path of the directory
    lens: str
    prefix: str  # file name = prefix + interface + suffix
    suffix: str

    @property
    def directory(self) -> str:
        """The directory, relative to the root."""
        return self.tree.removeprefix("/files/")

    @property
    def glob(self) -> str:
        return f"/{self.directory}/{self.prefix}*{self.suffix}"

    @property
    def file_pattern(self) -> re.Pattern:
        return re.compile(
            rf"{re.escape(self.tree)}/{re.escape(self.prefix)}"
            rf"(?P<file>{validation.IFACE_PATTERN.pattern}){re.escape(self.suffix)}"
        )

    def file_name(self, iface: str) -> str:
        return f"{self.prefix}{iface}{self.suffix}"

    def path(self, iface: str) -> str:
        return f"{self.tree}/{self.file_name(iface)}"

    def owns(self, path: str) -> bool:
        return path.startswith(self.tree + "/")

    # writing -----------------------------------------------------------------------------------

    def transforms(self) -> list[tuple[str, str]]:
        """(Augeas lens, file glob) of every file the stack writes."""
        return [(self.lens, self.glob)]

    def check(self, network: Network) -> None:
        """Refuse what the rules allow but this stack's files cannot say (``Conflict``)."""

    def write(self, network: Network) -> list[str]:
        """The ``rm``/``set`` lines of every interface of ``network`` (checked by the rules)."""
        rules.check(network)
        self.check(network)
        lines: list[str] = []
        for iface in network.ordered():
            files = [(self.file_name(iface.name), self.keys(network, iface))]
            for name, keys in files + self.companions(network, iface):
                path = f"{self.tree}/{name}"
                lines.append(f"rm {path}")
                lines += [f"set {path}/{key} {value}" for key, value in keys]
        return lines

    def keys(self, network: Network, iface: Interface) -> list[tuple[str, str]]:
        raise NotImplementedError

    def companions(self, network: Network, iface: Interface) -> list[tuple[str, list[tuple[str, str]]]]:
        """(file name, its (key, value) pairs) of each companion file of ``iface`` (none here)."""
        return []

    def companion_owner(self, name: str) -> str | None:
        """The interface a companion file of this name belongs to (None: not a companion)."""
        return None

    # reading -----------------------------------------------------------------------------------

    def command(self, field: str, line: str) -> AugeasCommand | None:
        """The checked command of one line about this stack's files; None when the line is not
        about them; a line about them outside the grammar is refused."""
        verb, _, rest = line.partition(" ")
        if verb not in ("rm", "set") or not self.owns(rest.partition(" ")[0]):
            return None
        if verb == "rm":
            name = rest.removeprefix(self.tree + "/")
            if not self.file_pattern.fullmatch(rest) and self.companion_owner(name) is None:
                raise InvalidInput(field, f"is not an rm or set of a {self.name} file: {line[:60]!r}")
            return AugeasCommand("rm", rest)
        path, _, value = rest.partition(" ")
        return self.assignment(field, line, path, value)

    def assignment(self, field: str, line: str, path: str, value: str) -> AugeasCommand:
        raise NotImplementedError

    def files(self, commands: list[AugeasCommand]) -> dict[str, dict[str, str]]:
        """File name -> {key: value} of every file the commands set, keys in file order."""
        files: dict[str, dict[str, str]] = {}
        for command in commands:
            if command.verb != "set":
                continue
            name, _, key = command.path.removeprefix(self.tree + "/").partition("/")
            keys = files.setdefault(name, {})
            if key in keys:
                raise InvalidInput(name, f"{key} is set twice")
            keys[key] = command.value
        return files

    def read(self, commands: list[AugeasCommand], mode: int | None = None) -> Network:
        """The network the checked commands describe; ``mode`` is the one the pre-config script
        loads. Strict: the network must pass the rules, and each file must be exactly what the
        writer makes of the interface read from it (its keys, their order and their values)."""
        files = self.files(commands)
        interfaces = []
        modes = set() if mode is None else {mode}
        companions: dict[str, dict[str, str]] = {}
        for file_name, keys in files.items():
            match = self.file_pattern.fullmatch(f"{self.tree}/{file_name}")
            if match is None:
                companions[file_name] = keys
                continue
            iface, bond_mode = self.interface(match["file"], keys)
            interfaces.append(iface)
            if bond_mode is not None:
                modes.add(bond_mode)
        if len(modes) > 1:
            raise InvalidInput("augtool section", f"bonds of modes {sorted(modes)}: a node has one")
        network = self.network(modes.pop() if modes else None, interfaces, files)
        network = self.with_companions(network, companions)
        try:
            rules.check(network)
        except Conflict as broken:  # to the node, a file that breaks a rule is malformed
            raise InvalidInput("augtool section", broken.message) from None
        for iface in network.interfaces:
            for file_name, keys in [
                (self.file_name(iface.name), self.keys(network, iface))
            ] + self.companions(network, iface):
                written = [self.comparable(k, self.stored(k, v)) for k, v in keys]
                read = [self.comparable(k, v) for k, v in files.get(file_name, {}).items()]
                if written != read:
                    raise InvalidInput(file_name, "is not a file the server writes (keys, order or values)")
        return network

    def network(
        self, mode: int | None, interfaces: list[Interface], files: dict[str, dict[str, str]]
    ) -> Network:
        """The network of the interfaces read, with what the files say of the whole node (its
        DNS, its default routes)."""
        return Network(mode, tuple(interfaces))

    def with_companions(self, network: Network, companions: dict[str, dict[str, str]]) -> Network:
        """``network`` with what its companion files say; one naming no interface is refused."""
        for file_name in companions:
            owner = self.companion_owner(file_name)
            if owner is None or network.get(owner) is None:
                raise InvalidInput(file_name, "names an interface this configuration does not have")
        return network

    def stored(self, key: str, value: str) -> str:
        """A value as Augeas stores it, from its form on a ``set`` line."""
        return value

    def comparable(self, key: str, value: str) -> tuple[str, str]:
        return key, value

    def interface(self, name: str, keys: dict[str, str]) -> tuple[Interface, int | None]:
        """One file's interface (and the bonding mode its bond file names, if any)."""
        raise NotImplementedError
