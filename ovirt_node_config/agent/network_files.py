"""Backing up the network files a configuration will touch, and putting them back byte for byte.

A backup remembers, for each file of one directory (``etc/sysconfig/network-scripts`` or
``etc/NetworkManager/system-connections``), its bytes and mode or that it did not exist;
restoring writes the bytes back (atomically, with their mode) and removes files that did not
exist. A copy is also kept on disk under ``/var/lib/ovirt-node-config/backup/`` for a person to
look at.

:func:`foreign_profiles` finds the NetworkManager profiles this project did not write that bind
the interfaces it is about to configure (cloud-init's, "Wired connection 1" saved by a person,
an installer's): the agent backs them up with its own files and moves them aside, so that they
cannot win over the node's configuration; a rollback puts them back.
"""

from __future__ import annotations

import configparser
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

BACKUP_DIR = Path("var/lib/ovirt-node-config/backup")


@dataclass(frozen=True)
class SavedFile:
    name: str
    content: bytes | None  # None: the file did not exist
    mode: int = 0o644


class Backup:
    def __init__(self, root: Path, directory: str | Path, names: list[str]):
        self.root = root
        self.directory = root / directory
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
        copy.mkdir(parents=True, mode=0o700)
        for saved in self.saved:
            if saved.content is not None:
                (copy / saved.name).write_bytes(saved.content)
                (copy / saved.name).chmod(0o600)

    def changed(self) -> set[str]:
        """The names of the saved files whose bytes differ now (written, changed or removed)."""
        changed = set()
        for saved in self.saved:
            try:
                now = (self.directory / saved.name).read_bytes()
            except FileNotFoundError:
                now = None
            if now != saved.content:
                changed.add(saved.name)
        return changed

    def restore(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        for saved in self.saved:
            path = self.directory / saved.name
            if saved.content is None:
                path.unlink(missing_ok=True)
                continue
            replace_file(path, saved.content, saved.mode)


def replace_file(path: Path, content: bytes, mode: int) -> None:
    """Put ``content`` at ``path`` without following anything already there: a new file of ours
    (``mkstemp``: ``O_CREAT | O_EXCL``, so never another user's file or a link), written, given
    ``mode``, then renamed over ``path``. A link or a file planted at ``path`` (in a shared
    directory such as ``/var/tmp``) is replaced, never written through."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as stream:
            os.fchmod(stream.fileno(), mode)
            stream.write(content)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _profile(text: str) -> configparser.ConfigParser | None:
    profile = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        profile.read_string(text)
    except configparser.Error:
        return None
    return profile


def restored_profiles(backup: Backup) -> list[str]:
    """The ids of the profiles a rollback put back, bond slaves left out (they come up with their
    bond), in file order: NetworkManager is asked to bring each up again."""
    ids = []
    for saved in backup.saved:
        profile = _profile(saved.content.decode("utf-8", "replace")) if saved.content else None
        if (
            profile
            and profile.get("connection", "id", fallback="")
            and not profile.get("connection", "master", fallback="")
        ):
            ids.append(profile.get("connection", "id"))
    return ids


def foreign_profiles(directory: Path, ours: list[str], interfaces: set[str], macs: set[str]) -> list[str]:
    """Names of the keyfiles in ``directory``, other than ``ours``, that bind one of
    ``interfaces``: by ``interface-name``, as a port of it (``master``), as a VLAN on it
    (``[vlan] parent``), or by ``mac-address`` (one of ``macs``, lower case). A file that is not
    an INI file is not a profile NetworkManager loads, and is left alone."""
    found = []
    for path in sorted(directory.iterdir()) if directory.is_dir() else []:
        if path.name in ours or path.name.startswith(".") or not path.is_file():
            continue
        try:
            profile = _profile(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, OSError):
            continue
        if profile is None:
            continue
        bound = {
            profile.get("connection", "interface-name", fallback=""),
            profile.get("connection", "master", fallback=""),  # a port of our bond or bridge
            profile.get("vlan", "parent", fallback=""),  # a VLAN on our NIC or bond
        }
        mac = profile.get("ethernet", "mac-address", fallback="").lower()
        if bound & interfaces or (mac and mac in macs):
            found.append(path.name)
    return found
