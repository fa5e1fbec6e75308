"""Which address of a network's pool a node is given: the lowest free one, deterministic, so a
plan made before the allocation shows the address the allocation will take (when nothing is
taken in between). Pure: what is taken comes from the store, under the network's lock."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from ovirt_node_config.logical_networks.definition import Subnet


class Allocator:
    """The lowest free addresses of a pool, one after another: what is taken and reserved is
    read once, and a cursor per range moves up as addresses are taken (a plan over a thousand
    nodes takes a thousand addresses in one pass over the pool, not a thousand)."""

    def __init__(self, subnet: Subnet, taken: Iterable[str]):
        self.subnet = subnet
        self.unavailable = {int(ipaddress.ip_address(a)) for a in taken} | {int(a) for a in subnet.reserved()}
        self.ranges = sorted(
            (int(ipaddress.ip_address(a)), int(ipaddress.ip_address(b))) for a, b in subnet.ranges
        )
        self.cursors = [first for first, _ in self.ranges]
        self.kind = ipaddress.IPv4Address if subnet.version == 4 else ipaddress.IPv6Address

    def lowest(self) -> str | None:
        """The lowest free address (not taken by this call); None when the pool is exhausted."""
        for index, (_, last) in enumerate(self.ranges):
            while self.cursors[index] <= last and self.cursors[index] in self.unavailable:
                self.cursors[index] += 1
            if self.cursors[index] <= last:
                return str(self.kind(self.cursors[index]))
        return None

    def take(self, address: str) -> None:
        self.unavailable.add(int(ipaddress.ip_address(address)))


def lowest_free(subnet: Subnet, taken: Iterable[str]) -> str | None:
    """The lowest address of ``subnet``'s pool that is neither ``taken`` nor reserved (network,
    broadcast, gateway, exclusions); None when the pool is exhausted (or has no range)."""
    return Allocator(subnet, taken).lowest()


def size(subnet: Subnet) -> int:
    """How many addresses the pool can give (its ranges less what is reserved in them)."""
    reserved = {int(a) for a in subnet.reserved()}
    total = 0
    for a, b in subnet.ranges:
        first, last = int(ipaddress.ip_address(a)), int(ipaddress.ip_address(b))
        total += last - first + 1 - sum(1 for r in reserved if first <= r <= last)
    return total


def contains(subnet: Subnet, address: str) -> bool:
    """Is ``address`` one the pool gives (inside a range, not reserved)?"""
    value = ipaddress.ip_address(address)
    return value not in subnet.reserved() and any(
        ipaddress.ip_address(a) <= value <= ipaddress.ip_address(b) for a, b in subnet.ranges
    )
