"""Backing up the ifcfg files a configuration will touch, and putting them back byte for byte.

A backup remembers, for each file, its bytes and mode or that it did not exist; restoring writes
the bytes back (atomically) and removes files that did not exist. A copy is also kept on disk
under ``/var/lib/ovirt-node-config/backup/`` for a person to look at.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

NETWORK_SCRIPTS = Path("etc/sysconfig/network-scripts")
BACKUP_DIR = Path("var/lib/ovirt-node-config/backup")


@dataclass(frozen=True)
class SavedFile:
    name: str
    content: bytes | None  # None: the file did not exist
    mode: int = 0o644


class Backup:
    def __init__(self, root: Path, names: list[str]):
        self.root = root
        self.directory = root / NETWORK_SCRIPTS
        self.saved = [self._save(name) for name in names]
        self._keep_copy()

    def _save(self, name: str) -> SavedFile:
        path = self.directory / name
        try:
            return SavedFile(name, path.read_bytes(), path.stat().st_mode & 0o7777)
        except FileNotFoundError:
            return SavedFile(name, None)

    def _keep_copy(self) -> None:
        copy = self.root / BACKUP_DIR
        if copy.exists():
            shutil.rmtree(copy)
        copy.mkdir(parents=True)
        for saved in self.saved:
            if saved.content is not None:
                (copy / saved.name).write_bytes(saved.content)

    def restore(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        for saved in self.saved:
            path = self.directory / saved.name
            if saved.content is None:
                path.unlink(missing_ok=True)
                continue
            handle, temporary = tempfile.mkstemp(dir=self.directory, prefix=f".{saved.name}.")
            with os.fdopen(handle, "wb") as stream:
                stream.write(saved.content)
            os.chmod(temporary, saved.mode)
            os.replace(temporary, path)
