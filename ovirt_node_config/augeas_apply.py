"""Applying an augtool section through the python-augeas bindings (never the augtool binary).

Only the ifcfg files are loaded, with the lens augtool itself uses for them (Shellvars), so the
result is the file augtool would write. Errors recorded under ``/augeas//error`` are raised.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import augeas

from .node_config import NETWORK_SCRIPTS, AugeasCommand

IFCFG_GLOB = "/etc/sysconfig/network-scripts/ifcfg-*"
LENS = "Shellvars.lns"


class AugeasApplyError(RuntimeError):
    """Augeas refused the changes; nothing was saved."""


def touched_files(commands: Iterable[AugeasCommand]) -> list[str]:
    """The ifcfg file names (``ifcfg-bond0``, ...) the commands change, in order."""
    names: list[str] = []
    for command in commands:
        if command.path:
            name = command.path.removeprefix(NETWORK_SCRIPTS + "/").split("/", 1)[0]
            if name not in names:
                names.append(name)
    return names


def apply_commands(root: Path | str, commands: list[AugeasCommand]) -> None:
    """Run ``rm``/``set``/``save`` against the files under ``root``."""
    directory = Path(root) / "etc" / "sysconfig" / "network-scripts"
    directory.mkdir(parents=True, exist_ok=True)
    aug = augeas.Augeas(root=str(root), flags=augeas.Augeas.NO_MODL_AUTOLOAD)
    try:
        aug.add_transform(LENS, IFCFG_GLOB)
        aug.load()
        _raise_errors(aug, "loading")
        for command in commands:
            if command.verb == "rm":
                aug.remove(command.path)
            elif command.verb == "set":
                aug.set(command.path, command.value)
            elif command.verb == "save":
                try:
                    aug.save()
                except OSError as exc:
                    _raise_errors(aug, "saving")
                    raise AugeasApplyError(f"saving failed: {exc}") from None
                _raise_errors(aug, "saving")
            else:
                raise AugeasApplyError(f"unknown augtool command {command.verb!r}")
    finally:
        aug.close()


def _raise_errors(aug: augeas.Augeas, stage: str) -> None:
    errors = aug.match("/augeas//error")
    if errors:
        details = []
        for error in errors:
            message = aug.get(error + "/message") or aug.get(error) or "error"
            details.append(f"{error.removeprefix('/augeas/files')}: {message}")
        raise AugeasApplyError(f"Augeas reported errors while {stage}: " + "; ".join(details))
