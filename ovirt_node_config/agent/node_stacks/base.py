"""What a network stack is on a node (the server's half is ``config_file.stack.Stack``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ovirt_node_config.agent.network_files import Backup
from ovirt_node_config.config_file.grammar import AugeasCommand
from ovirt_node_config.config_file.stack import Stack
from ovirt_node_config.network.model import Network

# Runs a command and gives its output (None when it could not run): ``hardware.run_command``.
Run = Callable[[list[str]], str | None]
Say = Callable[[str], None]


class NodeStack:
    files: Stack  # the server's half: where the files live, the Augeas lens that reads them
    words: str  # how a boot names its files: "ifcfg files", "keyfiles"
    private: bool = False  # written mode 0600 and owned by root (else as the umask leaves them)

    @property
    def name(self) -> str:
        return self.files.name

    def fits(self, root: Path) -> bool:
        """Does the machine under ``root`` read this stack's files?"""
        raise NotImplementedError

    def foreign_files(self, directory: Path, ours: list[str], commands: list[AugeasCommand]) -> list[str]:
        """Files in ``directory`` this project did not write that would configure the same
        interfaces as ``commands`` do (set aside for the boot, put back by a rollback)."""
        return []

    def activation(
        self,
        root: Path,
        commands: list[AugeasCommand],
        changed: set[str] | None,
        stale: list[str],
        run: Run,
        say: Say,
    ) -> list[list[str]]:
        """The commands that bring the network up with the files ``commands`` wrote (``changed``:
        the file names whose content changed, None: all; ``stale``: files of an earlier boot
        this one removed)."""
        raise NotImplementedError

    def rollback_activation(self, restarts: list[list[str]], backup: Backup) -> list[list[str]]:
        """The commands that bring the network up again once ``backup`` is restored, after
        ``restarts`` brought it up with the new files."""
        return restarts

    def expected_profiles(self, network: Network) -> dict[str, str]:
        """Interface -> the profile a network manager must have it active with, once up (empty:
        the stack has none to check)."""
        return {}
