"""The files the agent owns on a node, and the ones it set aside.

A **manifest** (``/var/lib/ovirt-node-config/manifest.json``, root-only) lists every file the
last successful boot wrote, with its SHA-256: the next boot removes those of them that its answer
no longer writes (a deleted bond's ``ifcfg-bond0``), and touches no other file. One that was
changed since it was written is an operator's now: it is set aside, not deleted.

Files set aside (foreign profiles that bind our interfaces, changed files of ours) are kept in
``/var/lib/ovirt-node-config/foreign/<UTC time>/``, one folder per boot, never emptied by a later
boot: ``ovirt-node-boot --restore-foreign`` lists them, ``--restore-foreign <TIME>`` puts one
boot's files back where they were.

What the last good boot applied (``applied.json``: its host name and file) is what
``ovirt-node-boot --check`` compares the live network with between boots.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from ovirt_node_config.agent.network_files import replace_file

STATE_DIR = Path("var/lib/ovirt-node-config")
MANIFEST = STATE_DIR / "manifest.json"
FOREIGN = STATE_DIR / "foreign"
APPLIED = STATE_DIR / "applied.json"  # the host name and file the last good boot runs: --check's


def keep_applied(root: Path, hostname: str, text: str) -> None:
    """What the node now runs (its boot applied it, or found it unchanged): ``--check`` compares
    the live network with it between boots."""
    (root / STATE_DIR).mkdir(parents=True, mode=0o700, exist_ok=True)
    replace_file(root / APPLIED, json.dumps({"hostname": hostname, "config": text}).encode(), 0o600)


def applied(root: Path) -> tuple[str, str] | None:
    """(host name, file) of the last good boot; None before one."""
    try:
        data = json.loads((root / APPLIED).read_text(encoding="utf-8"))
        return str(data["hostname"]), str(data["config"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def digest(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


@dataclass
class Manifest:
    directory: str = ""  # relative to the root: the stack's directory
    files: dict[str, str] = field(default_factory=dict)  # file name -> SHA-256 as written

    @classmethod
    def load(cls, root: Path) -> Manifest:
        try:
            data = json.loads((root / MANIFEST).read_text(encoding="utf-8"))
            return cls(str(data["directory"]), {str(k): str(v) for k, v in dict(data["files"]).items()})
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return cls()  # none yet (a first boot, or an agent from before manifests)

    def save(self, root: Path) -> None:
        (root / STATE_DIR).mkdir(parents=True, mode=0o700, exist_ok=True)
        text = json.dumps({"directory": self.directory, "files": self.files}, indent=1, sort_keys=True)
        replace_file(root / MANIFEST, text.encode(), 0o600)

    def stale(self, root: Path, directory: str, written: list[str]) -> tuple[list[str], list[str]]:
        """Of the files this manifest lists in ``directory`` that ``written`` leaves out and that
        still exist: (unchanged since written: to remove, changed since: to set aside)."""
        remove, changed = [], []
        if self.directory != directory:
            return remove, changed
        for name, wanted in sorted(self.files.items()):
            path = root / directory / name
            if name in written or not path.is_file() or path.is_symlink():
                continue
            (remove if digest(path.read_bytes()) == wanted else changed).append(name)
        return remove, changed

    @classmethod
    def of(cls, root: Path, directory: str, names: list[str]) -> Manifest:
        return cls(directory, {name: digest((root / directory / name).read_bytes()) for name in names})


def set_aside(root: Path, directory: str, names: list[str], clock=time.time) -> Path | None:
    """Copy ``names`` of ``directory`` into a new folder under FOREIGN (kept for good); the
    caller then removes them. Returns the folder, or None when there is nothing to keep."""
    if not names:
        return None
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(clock()))
    folder = root / FOREIGN / stamp
    suffix = 1
    while folder.exists():  # two boots within a second
        suffix += 1
        folder = root / FOREIGN / f"{stamp}-{suffix}"
    folder.mkdir(parents=True, mode=0o700)
    (folder / ".directory").write_text(directory + "\n")
    for name in names:
        source = root / directory / name
        replace_file(folder / name, source.read_bytes(), 0o600)
    return folder


def set_aside_entries(root: Path) -> list[tuple[str, str, list[str]]]:
    """(entry, directory, file names) of every folder of set-aside files, oldest first."""
    base = root / FOREIGN
    entries = []
    for folder in sorted(base.iterdir()) if base.is_dir() else []:
        try:
            directory = (folder / ".directory").read_text().strip()
        except OSError:
            continue
        entries.append(
            (folder.name, directory, sorted(p.name for p in folder.iterdir() if p.name != ".directory"))
        )
    return entries


def restore_set_aside(root: Path, entry: str) -> list[str]:
    """Put the files of one entry back in their directory (mode 0600: keyfiles need it); the
    entry is kept. Returns the paths restored; raises LookupError for an unknown entry."""
    for name, directory, files in set_aside_entries(root):
        if name == entry:
            target = root / directory
            target.mkdir(parents=True, exist_ok=True)
            for file in files:
                replace_file(target / file, (root / FOREIGN / name / file).read_bytes(), 0o600)
                if os.geteuid() == 0:
                    os.chown(target / file, 0, 0)
            return [f"/{directory}/{file}" for file in files]
    raise LookupError(entry)
