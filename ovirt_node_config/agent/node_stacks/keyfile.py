"""NetworkManager keyfiles on a node: the only files NetworkManager reads without its ifcfg-rh
plugin (RHEL 10, current Fedora), and what any machine without ``network-scripts`` gets. Written
0600 and owned by root (NetworkManager ignores any other keyfile); other profiles that bind the
same interfaces are set aside; the profiles written are brought up one by one
(``network_manager``), and NetworkManager must then have each interface active with its own."""

from __future__ import annotations

from pathlib import Path

from ovirt_node_config.agent import network_manager
from ovirt_node_config.agent.network_files import Backup, foreign_profiles
from ovirt_node_config.agent.node_stacks.base import NodeStack, Run, Say
from ovirt_node_config.config_file.grammar import AugeasCommand
from ovirt_node_config.config_file.keyfile import KEYFILE as KEYFILE_FILES
from ovirt_node_config.network.model import Network


class KeyfileNode(NodeStack):
    files = KEYFILE_FILES
    words = "keyfiles"
    private = True

    def fits(self, root: Path) -> bool:
        return True  # NetworkManager reads keyfiles whatever else it reads: the last resort

    def foreign_files(self, directory: Path, ours: list[str], commands: list[AugeasCommand]) -> list[str]:
        profiles = network_manager.profiles_of(commands)
        return foreign_profiles(directory, ours, profiles.interfaces, profiles.macs)

    def activation(
        self,
        root: Path,
        commands: list[AugeasCommand],
        changed: set[str] | None,
        stale: list[str],
        run: Run,
        say: Say,
    ) -> list[list[str]]:
        removed = [name.removesuffix(self.files.suffix) for name in stale]
        return network_manager.activation(network_manager.profiles_of(commands), changed, removed, run, say)

    def rollback_activation(self, restarts: list[list[str]], backup: Backup) -> list[list[str]]:
        return network_manager.reactivation(backup)

    def expected_profiles(self, network: Network) -> dict[str, str]:
        return {iface.name: iface.name for iface in network.interfaces}  # a profile's id is its interface


KEYFILE = KeyfileNode()
