"""Applying an augtool section through the python-augeas bindings (never the augtool binary).

Only the files the section writes are loaded, with the lens augtool itself uses for them:
``Shellvars`` for ifcfg files and IPv4 route files, ``Simplelines`` for IPv6 route files,
``NetworkManager`` for keyfiles; so the result is the file augtool would write. Errors recorded
under ``/augeas//error`` are raised. NetworkManager ignores a keyfile that others may read or
that root does not own: keyfiles are saved under umask 077 and left mode 0600, owned by root
(when run as root, as the agent is).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import augeas

from ovirt_node_config.agent import node_stacks
from ovirt_node_config.config_file import stacks
from ovirt_node_config.config_file.grammar import AugeasCommand


class AugeasApplyError(RuntimeError):
    """Augeas refused the changes; nothing was saved."""


def touched_files(commands: Iterable[AugeasCommand]) -> list[str]:
    """The file names (``ifcfg-bond0``, ``bond0.nmconnection``, ...) the commands change, in order."""
    names: list[str] = []
    for command in commands:
        if command.path:
            tree = next(s.tree for s in stacks.STACKS.values() if s.owns(command.path))
            name = command.path.removeprefix(tree + "/").split("/", 1)[0]
            if name not in names:
                names.append(name)
    return names


def apply_commands(root: Path | str, commands: list[AugeasCommand]) -> None:
    """Run ``rm``/``set``/``save`` against the files under ``root``."""
    stack = node_stacks.for_commands(commands)
    files = stack.files
    directory = Path(root) / files.directory
    directory.mkdir(parents=True, exist_ok=True)
    aug = augeas.Augeas(root=str(root), flags=augeas.Augeas.NO_MODL_AUTOLOAD)
    try:
        for lens, glob in files.transforms():
            aug.add_transform(lens, glob)
        aug.load()
        _raise_errors(aug, "loading")
        for command in commands:
            if command.verb == "rm":
                aug.remove(command.path)
            elif command.verb == "set":
                aug.set(command.path, command.value)
            elif command.verb == "save":
                _save(aug, stack.private)
            else:
                raise AugeasApplyError(f"unknown augtool command {command.verb!r}")
    finally:
        aug.close()
    if stack.private:
        for name in touched_files(commands):
            _private(directory / name)


def _save(aug: augeas.Augeas, private: bool) -> None:
    previous = os.umask(0o077) if private else None
    try:
        aug.save()
    except OSError as exc:
        _raise_errors(aug, "saving")
        raise AugeasApplyError(f"saving failed: {exc}") from None
    finally:
        if previous is not None:
            os.umask(previous)
    _raise_errors(aug, "saving")


def _private(path: Path) -> None:
    """Mode 0600, owned by root (the only keyfiles NetworkManager reads)."""
    if path.exists():
        path.chmod(0o600)
        if os.geteuid() == 0:
            os.chown(path, 0, 0)


def _raise_errors(aug: augeas.Augeas, stage: str) -> None:
    errors = aug.match("/augeas//error")
    if errors:
        details = []
        for error in errors:
            message = aug.get(error + "/message") or aug.get(error) or "error"
            details.append(f"{error.removeprefix('/augeas/files')}: {message}")
        raise AugeasApplyError(f"Augeas reported errors while {stage}: " + "; ".join(details))
