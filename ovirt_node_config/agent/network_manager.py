"""Bringing NetworkManager's profiles up after a boot wrote them, and back after a rollback.

``nmcli connection reload`` makes NetworkManager read the files again; then each top-level
interface the files configure is brought up (``nmcli connection up``; VLANs last, after their
parent; a port comes up with its bond or bridge), but only when its profile, or a port's,
changed, or NetworkManager does not have it connected with its profile: bringing an unchanged,
active profile up again would only flap its link (the management NIC's DHCP lease, a bond's
LACP) at every boot. Profiles of ours that the answer no longer writes are taken down first (a
bridge or VLAN still holding a bond would cancel the bond's activation). After a rollback, the
restored profiles are brought up by id (a foreign one moved back has its own).

An interface whose only address is a DHCP lease (the server's default for a NIC nobody
configured: a storage port, a port waiting for its LACP bond; a bond left at DHCP) is brought up
without waiting for the lease (``nmcli --wait 0``): on real cabling no DHCP server may answer
there, and a lease that does not come is the verification's warning, not a failed boot; the
verification still holds its bond, bridge and MTU to what was written (``verification``). An
interface with a static address, a default route, routes or VLANs on it is waited for, so that
NetworkManager's own refusal fails the boot.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ovirt_node_config.agent import kernel_state
from ovirt_node_config.agent.network_files import Backup, restored_profiles
from ovirt_node_config.config_file import envelope
from ovirt_node_config.config_file.grammar import AugeasCommand
from ovirt_node_config.network.model import VLAN

RELOAD = ["nmcli", "connection", "reload"]


@dataclass(frozen=True)
class Profiles:
    """What a keyfile section configures: its profiles' interfaces and MACs, the interfaces to
    bring up, in order (every interface that is no port, VLANs last: their parent comes up
    first; ports come up with their bond or bridge), and which of those brings up each interface
    (the top of its chain of controllers, else itself). Each profile's id is its interface."""

    interfaces: set[str]
    macs: set[str]
    up: list[str]
    brought_up_by: dict[str, str]
    lease_only: frozenset[str] = frozenset()  # interfaces whose only address is a lease: not waited for


def profiles_of(commands: list[AugeasCommand]) -> Profiles:
    """The profiles the (checked) commands write, from the network they describe: the top-level
    interfaces are brought up, each port comes up with the top of its chain (a slave with its
    bond, a bond with the bridge it is a port of)."""
    network = envelope.network_of(commands)

    def top(iface):
        while iface.controller and network.get(iface.controller):
            iface = network.get(iface.controller)
        return iface.name

    tops = [iface for iface in network.interfaces if iface.controller is None]
    return Profiles(
        {iface.name for iface in network.interfaces},
        {iface.mac for iface in network.interfaces if iface.mac},
        [iface.name for iface in sorted(tops, key=lambda iface: iface.kind == VLAN)],  # parents first
        {iface.name: top(iface) for iface in network.interfaces},
        frozenset(iface.name for iface in tops if lease_only(network, iface)),
    )


def lease_only(network, iface) -> bool:
    """Is ``iface``'s only address a DHCP lease: no static address in either family, no default
    route it must hold, no routes or VLANs of its own?"""
    ipv4, ipv6 = iface.ipv4, iface.ipv6
    return (
        iface.kind != VLAN
        and ipv4 is not None
        and ipv4.method == "dhcp"
        and not ipv4.default_route
        and not iface.routes
        and not (ipv6 is not None and (ipv6.method == "static" or ipv6.default_route))
        and not any(other.parent == iface.name for other in network.interfaces)
    )


def activation(
    profiles: Profiles,
    changed: set[str] | None,
    removed: list[str],
    run: Callable[[list[str]], str | None],
    say: Callable[[str], None],
) -> list[list[str]]:
    """The reload and each bond and plain NIC (their slaves follow) to bring up: those whose
    profile, or a slave's, was changed (``changed``: the file names; None: all) or that
    NetworkManager does not have connected with it, after taking down the active ones of
    ``removed`` (profiles of ours the answer no longer writes)."""
    up = profiles.up
    asked = changed is not None or removed
    devices = run(["nmcli", "-t", "-f", kernel_state.NM_DEVICE_FIELDS, "device"]) if asked else None
    if changed is not None:
        up = needing_up(profiles, changed, devices)
        kept = [name for name in profiles.up if name not in up]
        if kept:
            say(f"      unchanged and active, left as they are: {', '.join(kept)}")
    active = {connection for _, connection in (kernel_state.nm_devices(devices) or {}).values()}
    downs = [["nmcli", "connection", "down", "id", name] for name in removed if name in active]
    return [*downs, RELOAD] + [
        ["nmcli", "--wait", "0", "connection", "up", name]
        if name in profiles.lease_only
        else ["nmcli", "connection", "up", name]
        for name in up
    ]


def reactivation(backup: Backup) -> list[list[str]]:
    """After restoring the files: NetworkManager brings up the restored profiles (by id), not
    the ones just removed."""
    return [RELOAD] + [["nmcli", "connection", "up", "id", profile] for profile in restored_profiles(backup)]


def needing_up(profiles: Profiles, changed: set[str], nm_devices: str | None) -> list[str]:
    """The interfaces of ``profiles.up`` to bring up: one whose own or a slave's profile file
    changed, or with an interface NetworkManager does not have connected with its profile."""
    active = kernel_state.nm_devices(nm_devices) or {}
    needed = {
        profiles.brought_up_by[interface]
        for interface in profiles.interfaces
        if f"{interface}.nmconnection" in changed or active.get(interface) != ("connected", interface)
    }
    return [name for name in profiles.up if name in needed]
