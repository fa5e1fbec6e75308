"""What the kernel should hold once a configuration is applied, read from its augtool commands.

The commands are the checked ones (``node_config.parse_augtool``), in either stack's files; the
stack reads them back into the interface model (``node_config.network_of``), and this module
says what the kernel should then hold, as one :class:`DesiredNetwork`: every bond with its mode,
its options in the kernel's names and its slaves by permanent MAC, and every interface that
carries an address (bonds and plain NICs) with how it gets it. ``agent/verification.py``
compares it with what the kernel reports.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .. import bonding, node_config
from ..config_file import stacks
from ..config_file.grammar import AugeasCommand
from ..network.model import BOND, Network


@dataclass(frozen=True)
class DesiredAddress:
    """``dhcp`` (any address), ``static`` (exactly ``address``, IP/PREFIX) or ``none``."""

    method: str
    address: str | None = None


@dataclass
class DesiredBond:
    mode: int
    options: dict[str, str]  # kernel option -> value as written (arp_ip_target comma-separated)
    slaves: dict[str, str] = field(default_factory=dict)  # slave interface -> permanent MAC


@dataclass
class DesiredNetwork:
    keyfiles: bool
    bonds: dict[str, DesiredBond] = field(default_factory=dict)
    addresses: dict[str, DesiredAddress] = field(default_factory=dict)  # bonds and plain NICs
    profiles: dict[str, str] = field(default_factory=dict)  # keyfiles: interface -> profile id


def from_commands(commands: list[AugeasCommand]) -> DesiredNetwork:
    """The network the (checked) commands describe."""
    stack = stacks.of_commands(commands)
    return from_network(node_config.network_of(commands), stack is not None and stack.keyfiles)


def from_network(network: Network, keyfiles: bool) -> DesiredNetwork:
    """What the kernel should hold for ``network`` written as keyfiles (NetworkManager then has
    each interface active with its profile) or ifcfg files."""
    desired = DesiredNetwork(keyfiles)
    for bond in network.of_kind(BOND):
        options = bonding.kernel_options(network.mode, bond.bond or bonding.BondOptions())
        slaves = {port.name: port.mac for port in network.ports(bond.name)}
        desired.bonds[bond.name] = DesiredBond(
            network.mode, {k: v for k, v in options if k != "mode"}, slaves
        )
    for iface in network.interfaces:
        if iface.ipv4 is not None:
            address = f"{iface.ipv4.address}/{iface.ipv4.prefix}" if iface.ipv4.method == "static" else None
            desired.addresses[iface.name] = DesiredAddress(iface.ipv4.method, address)
        if keyfiles:
            desired.profiles[iface.name] = iface.name
    return desired
