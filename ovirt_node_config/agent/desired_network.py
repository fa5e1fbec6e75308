"""What the kernel should hold once a configuration is applied, read from its augtool commands.

The commands are the checked ones (``node_config.parse_augtool``), in either form: ifcfg files
(``BONDING_OPTS``, ``MASTER``, ``HWADDR``, ``BOOTPROTO``/``IPADDR``/``NETMASK``) or
NetworkManager keyfiles (``[bond]``, ``connection/master``, ``ethernet/mac-address``,
``ipv4/method``/``address1``). Both give one :class:`DesiredNetwork`: every bond with its mode,
its options in the kernel's names and its slaves by permanent MAC, and every interface that
carries an address (bonds and plain NICs) with how it gets it. ``agent/verification.py``
compares it with what the kernel reports.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from .. import bonding, nm_keyfiles
from ..node_config import AugeasCommand, network_stack_of

IPV4_METHODS = {method: protocol for protocol, method in nm_keyfiles.IPV4_METHODS.items()}


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
    stack: str | None
    bonds: dict[str, DesiredBond] = field(default_factory=dict)
    addresses: dict[str, DesiredAddress] = field(default_factory=dict)  # bonds and plain NICs
    profiles: dict[str, str] = field(default_factory=dict)  # keyfiles: interface -> profile id


def from_commands(commands: list[AugeasCommand]) -> DesiredNetwork:
    """The network the (checked) commands describe."""
    files: dict[str, dict[str, str]] = {}
    for command in commands:
        if command.verb == "set":
            head, _, key = command.path.rpartition("/")
            if network_stack_of([command]) == "keyfile":
                head, _, section = head.rpartition("/")
                key = f"{section}/{key}"
            files.setdefault(head.rpartition("/")[2], {})[key] = command.value
    stack = network_stack_of(commands)
    if stack == "keyfile":
        return _from_keyfiles(files)
    return _from_ifcfg(files, stack)


def _from_ifcfg(files: dict[str, dict[str, str]], stack: str | None) -> DesiredNetwork:
    network = DesiredNetwork(stack)
    for keys in files.values():
        device = keys["DEVICE"]
        if "BONDING_OPTS" in keys:
            mode, options = bonding.parse_kernel_options(device, keys["BONDING_OPTS"].strip('"'))
            network.bonds[device] = DesiredBond(mode, _options(mode, options))
    for keys in files.values():
        device = keys["DEVICE"]
        if "MASTER" in keys:
            if keys["MASTER"] in network.bonds:
                network.bonds[keys["MASTER"]].slaves[device] = keys["HWADDR"]
        elif "BOOTPROTO" in keys:
            address = None
            if keys["BOOTPROTO"] == "static":
                prefix = ipaddress.IPv4Network(f"0.0.0.0/{keys['NETMASK']}").prefixlen
                address = f"{keys['IPADDR']}/{prefix}"
            network.addresses[device] = DesiredAddress(keys["BOOTPROTO"], address)
    return network


def _from_keyfiles(files: dict[str, dict[str, str]]) -> DesiredNetwork:
    network = DesiredNetwork("keyfile")
    modes = {name: number for number, name in bonding.MODES.items()}
    for keys in files.values():
        name = keys["connection/interface-name"]
        network.profiles[name] = keys["connection/id"]
        if keys["connection/type"] == "bond":
            words = [f"mode={modes[keys['bond/mode']]}"]
            words += [
                f"{key[5:]}={value}"
                for key, value in keys.items()
                if key.startswith("bond/") and key != "bond/mode"
            ]
            mode, options = bonding.parse_kernel_options(name, " ".join(words))
            network.bonds[name] = DesiredBond(mode, _options(mode, options))
    for keys in files.values():
        name = keys["connection/interface-name"]
        if "connection/master" in keys:
            if keys["connection/master"] in network.bonds:
                network.bonds[keys["connection/master"]].slaves[name] = keys["ethernet/mac-address"]
        elif "ipv4/method" in keys:
            network.addresses[name] = DesiredAddress(
                IPV4_METHODS[keys["ipv4/method"]], keys.get("ipv4/address1")
            )
    return network


def _options(mode: int, options: bonding.BondOptions) -> dict[str, str]:
    return {name: value for name, value in bonding.kernel_options(mode, options) if name != "mode"}
