"""Which files configure this node's network: ``ifcfg`` or ``keyfile`` (sent with ``identify``).

The rule (``--network-stack`` overrides it):

- ``keyfile`` when NetworkManager is installed without its ifcfg-rh settings plugin (RHEL 10,
  current Fedora: NetworkManager reads only keyfiles), or when there is no
  ``/etc/sysconfig/network-scripts`` directory at all (nothing would read ifcfg files);
- ``ifcfg`` otherwise: initscripts' network service (the 2008 appliances, RHEL up to 8), or
  NetworkManager with the ifcfg-rh plugin (RHEL 8 and 9), which reads ifcfg files.
"""

from __future__ import annotations

from pathlib import Path

NETWORK_MANAGER = ("usr/sbin/NetworkManager", "sbin/NetworkManager")
# Where NetworkManager's settings plugins are: in a directory named after its version
# (``/usr/lib64/NetworkManager/1.46.0-1.el9/``) since 1.22, directly in it before; Debian's
# multiarch directories too.
IFCFG_RH_PLUGIN = "libnm-settings-plugin-ifcfg-rh.so"
PLUGIN_DIRECTORIES = ("usr/lib64/NetworkManager", "usr/lib/NetworkManager", "usr/lib/*/NetworkManager")


def detect(root: Path) -> str:
    """``keyfile`` or ``ifcfg`` for the machine under ``root``, by the rule above."""
    if not (root / "etc/sysconfig/network-scripts").is_dir():
        return "keyfile"
    network_manager = any((root / path).exists() for path in NETWORK_MANAGER)
    if network_manager and not _has_ifcfg_rh(root):
        return "keyfile"
    return "ifcfg"


def _has_ifcfg_rh(root: Path) -> bool:
    return any(
        next(root.glob(f"{directory}/{pattern}{IFCFG_RH_PLUGIN}"), None) is not None
        for directory in PLUGIN_DIRECTORIES
        for pattern in ("", "*/")
    )
