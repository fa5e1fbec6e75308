"""What a configuration may touch on this node: only what is ours (checked before anything runs).

An augtool section passes the grammar (``node_config.parse_augtool``) and may still reach too
far: a fake or broken server could ``rm`` the loopback's ``ifcfg-lo``, a storage NIC's file or a
VPN's keyfile, or write a profile for an interface this node never reported. :func:`check`
allows exactly the files of the interfaces the same answer writes: NICs this node reported (by
name and permanent MAC) and the controllers (bonds, bridges, VLANs) the answer defines. Anything
else refuses the whole answer, before a file is touched.
"""

from __future__ import annotations

from ovirt_node_config.config_file import stacks
from ovirt_node_config.config_file.envelope import network_of
from ovirt_node_config.config_file.grammar import AugeasCommand
from ovirt_node_config.errors import InvalidInput
from ovirt_node_config.network.model import ETHERNET


def check(commands: list[AugeasCommand], reported: dict[str, str]) -> None:
    """Refuse ``commands`` unless they touch only our files; ``reported``: NIC name -> its MAC."""
    stack = stacks.of_commands(commands)
    if stack is None:
        return
    network = network_of(commands)
    written = {stack.path(iface.name) for iface in network.interfaces}
    for command in commands:
        if command.verb == "rm" and command.path not in written:
            raise InvalidInput(
                "configuration", f"removes {command.path.rsplit('/', 1)[-1]}, a file it does not write"
            )
    for iface in network.interfaces:
        if iface.kind == ETHERNET and reported.get(iface.name) != iface.mac:
            raise InvalidInput(
                "configuration", f"writes {iface.name} ({iface.mac}), which is not a NIC this node reported"
            )
