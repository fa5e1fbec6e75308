"""A reproducible fleet: N nodes of 2-8 CPUs and 2-6 NICs, a fraction of them bonded.

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
                {"mac": mac, "iface_name": f"eth{n}", "bandwidth_mbps": 10000}
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
