"""A reproducible fleet: N nodes of 2-8 CPUs and 2-6 NICs, a fraction of them bonded; or
(:func:`mixed_fleet`) nodes of the hardware a real fleet mixes, for planning templates.

MACs encode the node and NIC number (``02:nn:nn:nn:nn:kk``, locally administered), so any node's
reports can be rebuilt from its index without storing the fleet.
"""

from __future__ import annotations

import random
import uuid as uuid_module
from dataclasses import dataclass

BONDING_TYPES = ("Load Balancing", "Failover", "Broadcast", "Link Aggregation")


@dataclass(frozen=True)
class FleetNode:
    index: int
    cpus: int
    nic_count: int
    bonding_type: str | None
    bonds: tuple[tuple[int, ...], ...]  # NIC numbers per bond
    links: tuple[tuple[int, str | None], ...] = ()  # (Mb/s, link state) per NIC; () all 10G, unsaid

    def link(self, nic: int) -> tuple[int, str | None]:
        return self.links[nic] if self.links else (10000, None)

    @property
    def hostname(self) -> str:
        return f"node{self.index:06d}.bench.example"

    @property
    def uuid(self) -> str:
        return str(uuid_module.UUID(int=(0x4C4C4544 << 96) | self.index))

    def mac(self, nic: int, generation: int = 0) -> str:
        value = (0x02 << 40) | (self.index << 8) | (generation << 4 if generation else 0) | nic
        return ":".join(f"{(value >> shift) & 0xFF:02x}" for shift in range(40, -8, -8))

    def macs(self, swapped: int = 0) -> list[str]:
        """The node's MACs; with ``swapped`` > 0 its last NIC is a replacement of that generation."""
        return [
            self.mac(n, swapped if swapped and n == self.nic_count - 1 else 0) for n in range(self.nic_count)
        ]

    def report(self, swapped: int = 0) -> dict:
        return {
            "hostname": self.hostname,
            "uuid": self.uuid,
            "arch": "x86_64",
            "memory_mb": 65536,
            "cpus": [
                {"index": i, "vendor": "GenuineIntel", "model_name": "Xeon", "speed_mhz": 2400}
                for i in range(self.cpus)
            ],
            "nics": [
                {"mac": mac, "iface_name": f"eth{n}", "bandwidth_mbps": self.link(n)[0]}
                | ({"link_state": self.link(n)[1]} if self.link(n)[1] else {})
                for n, mac in enumerate(self.macs(swapped))
            ],
        }

    def mac_map(self, swapped: int = 0) -> dict[str, str]:
        return {mac: f"eth{n}" for n, mac in enumerate(self.macs(swapped))}


def make_fleet(count: int, *, seed: int = 1, bonded_fraction: float = 0.3, start: int = 0) -> list[FleetNode]:
    rng = random.Random(seed)  # noqa: S311 - a reproducible fleet, not a secret
    nodes = []
    for index in range(start, start + count):
        cpus, nic_count = rng.randint(2, 8), rng.randint(2, 6)
        bonded = rng.random() < bonded_fraction
        bonds: tuple[tuple[int, ...], ...] = ()
        if bonded:
            bonds = ((0, 1),) if nic_count < 4 or rng.random() < 0.5 else ((0, 1), (2, 3))
        nodes.append(FleetNode(index, cpus, nic_count, rng.choice(BONDING_TYPES) if bonded else None, bonds))
    return nodes


# What a hypervisor fleet mixes (issue 27): 2x1G; 2x10G + 2x1G; 4x25G; a 10G port whose link is down.
MIXED = (
    ((1000, "up"), (1000, "up")),
    ((10000, "up"), (10000, "up"), (1000, "up"), (1000, "up")),
    ((25000, "up"),) * 4,
    ((1000, "up"), (10000, "up"), (10000, "down")),
)


def mixed_fleet(count: int, *, seed: int = 1, bonded_fraction: float = 0.3) -> list[FleetNode]:
    """Nodes of the four kinds of :data:`MIXED` in turn, a fraction already bonded (NICs 0 and 1,
    Failover), as a fleet is when a template first meets it."""
    rng = random.Random(seed)  # noqa: S311 - a reproducible fleet, not a secret
    nodes = []
    for index in range(count):
        links = MIXED[index % len(MIXED)]
        bonded = rng.random() < bonded_fraction
        nodes.append(
            FleetNode(index, rng.randint(2, 8), len(links), "Failover" if bonded else None,
                      ((0, 1),) if bonded else (), links)
        )  # fmt: skip
    return nodes
