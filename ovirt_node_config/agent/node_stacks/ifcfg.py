"""ifcfg files on a node: read by initscripts' network service (the 2008 appliances, RHEL up to
8) or by NetworkManager's ifcfg-rh settings plugin (RHEL 8 and 9); brought up by restarting
whichever the machine has."""

from __future__ import annotations

import shlex
import shutil
from pathlib import Path

from ovirt_node_config.agent.node_stacks.base import NodeStack, Run, Say
from ovirt_node_config.config_file.grammar import AugeasCommand
from ovirt_node_config.config_file.ifcfg import IFCFG as IFCFG_FILES

NETWORK_MANAGER = ("usr/sbin/NetworkManager", "sbin/NetworkManager")
# Where NetworkManager's settings plugins are: in a directory named after its version
# (``/usr/lib64/NetworkManager/1.46.0-1.el9/``) since 1.22, directly in it before; Debian's
# multiarch directories too.
IFCFG_RH_PLUGIN = "libnm-settings-plugin-ifcfg-rh.so"
PLUGIN_DIRECTORIES = ("usr/lib64/NetworkManager", "usr/lib/NetworkManager", "usr/lib/*/NetworkManager")
LEGACY_NETWORK_SERVICE = (
    "etc/rc.d/init.d/network",
    "etc/init.d/network",
    "usr/lib/systemd/system/network.service",
    "etc/systemd/system/network.service",
)


def default_restart_command(root: Path = Path("/")) -> str:
    """``systemctl restart network``, ``service network restart`` or NetworkManager's reload."""
    legacy_unit = any((root / path).exists() for path in LEGACY_NETWORK_SERVICE)
    if legacy_unit and shutil.which("systemctl"):
        return "systemctl restart network"
    if legacy_unit and shutil.which("service"):
        return "service network restart"
    if shutil.which("nmcli"):
        return "nmcli connection reload"
    return "systemctl restart network"


class IfcfgNode(NodeStack):
    files = IFCFG_FILES
    words = "ifcfg files"

    def fits(self, root: Path) -> bool:
        """A ``network-scripts`` directory, and NetworkManager either absent or with its ifcfg-rh
        plugin (without it, NetworkManager reads only keyfiles: RHEL 10, current Fedora)."""
        if not (root / "etc/sysconfig/network-scripts").is_dir():
            return False
        network_manager = any((root / path).exists() for path in NETWORK_MANAGER)
        return not network_manager or _has_ifcfg_rh(root)

    def activation(
        self,
        root: Path,
        commands: list[AugeasCommand],
        changed: set[str] | None,
        stale: list[str],
        run: Run,
        say: Say,
    ) -> list[list[str]]:
        return [shlex.split(default_restart_command(root))]


def _has_ifcfg_rh(root: Path) -> bool:
    return any(
        next(root.glob(f"{directory}/{pattern}{IFCFG_RH_PLUGIN}"), None) is not None
        for directory in PLUGIN_DIRECTORIES
        for pattern in ("", "*/")
    )


IFCFG = IfcfgNode()
