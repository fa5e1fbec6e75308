"""Helpers that build real objects for tests: a running server, reports, inventory snapshots."""

from __future__ import annotations

import subprocess
import sys
import threading
import xmlrpc.client
from pathlib import Path

from sqlalchemy import select

from ovirt_node_config import bonding
from ovirt_node_config.bench.server_process import ServerProcess
from ovirt_node_config.persistence.tables import bondings, bondings_nics, cpus, hosts, nics


class RunningServer(ServerProcess):
    """A real ``ovirt-node-config-server serve`` process on a loopback port, with a proxy helper."""

    def proxy(self, **kwargs) -> xmlrpc.client.ServerProxy:
        return xmlrpc.client.ServerProxy(self.url, allow_none=True, **kwargs)


def inventory_snapshot(engine) -> dict:
    """Everything the inventory holds, in a comparable form (hosts by name, NICs by MAC)."""
    with engine.connect() as conn:
        host_names = dict(conn.execute(select(hosts.c.id, hosts.c.hostname)).all())
        return {
            "hosts": sorted(
                (row.hostname, row.uuid, row.arch, row.memory_mb) for row in conn.execute(select(hosts))
            ),
            "cpus": sorted(
                (host_names[row.host_id], row.cpu_index, row.vendor) for row in conn.execute(select(cpus))
            ),
            "nics": sorted(
                (
                    row.mac,
                    host_names[row.host_id],
                    row.iface_name,
                    row.bandwidth_mbps,
                    row.boot_protocol,
                    row.ip_address,
                )
                for row in conn.execute(select(nics))
            ),
            "bonds": sorted(
                (host_names[row.host_id], row.interface_name) for row in conn.execute(select(bondings))
            ),
            "members": sorted(
                conn.execute(
                    select(bondings.c.interface_name, nics.c.mac)
                    .join(bondings_nics, bondings_nics.c.bonding_id == bondings.c.id)
                    .join(nics, nics.c.id == bondings_nics.c.nic_id)
                ).all()
            ),
        }


def add_bond(db, hostname: str, interface_name: str, macs: list[str], bonding_type: str = "Failover") -> None:
    """Bond NICs of a node through the bonding domain rules, as an administrator would."""
    bonding.set_bonding_type(db, "test-admin", hostname, bonding_type)
    bonding.create_bonding(db, "test-admin", hostname, interface_name, interface_name, macs)


def make_report(
    hostname="node1", macs=("52:54:00:00:00:01", "52:54:00:00:00:02", "52:54:00:00:00:03"), cpus=2, **extra
) -> dict:
    """A modern identify report with ``cpus`` CPUs and one NIC per MAC (eth0, eth1, ...)."""
    return {
        "hostname": hostname,
        "arch": "x86_64",
        "memory_mb": 8192,
        "cpus": [{"index": i, "vendor": "GenuineIntel", "speed_mhz": 2400} for i in range(cpus)],
        "nics": [{"mac": mac, "iface_name": f"eth{i}", "bandwidth_mbps": 1000} for i, mac in enumerate(macs)],
        **extra,
    }


def run_concurrently(*calls) -> list[BaseException]:
    """Start every call in its own thread at the same moment; returns what they raised."""
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(calls))

    def run(call):
        barrier.wait()
        try:
            call()
        except Exception as exc:  # noqa: BLE001 - returned to the test, which asserts on it
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


TEST_PASSWORD = "s3cret-password"  # noqa: S105 - a throw-away account in a throw-away database


def add_admin(database_url: str, name: str = "alice", password: str = TEST_PASSWORD) -> tuple[str, str]:
    """Create an administrator with the real ``add-admin`` command."""
    subprocess.run(
        [
            str(Path(sys.executable).with_name("ovirt-node-config-server")),
            "add-admin",
            name,
            "--password-stdin",
            "--database",
            database_url,
        ],
        input=password + "\n",
        text=True,
        check=True,
        capture_output=True,
    )
    return name, password


def admin_proxy(server, name: str, password: str, **kwargs) -> xmlrpc.client.ServerProxy:
    """A proxy that sends HTTP Basic credentials."""
    scheme, rest = server.url.split("://", 1)
    return xmlrpc.client.ServerProxy(f"{scheme}://{name}:{password}@{rest}", allow_none=True, **kwargs)


def build_machine(root: Path, hostname: str = "node1", nics=None, uuid: str | None = None) -> Path:
    """A fake machine tree under ``root``: /proc, /sys/class/net (physical NICs have a device link)."""
    nics = nics or [(f"eth{i}", f"52:54:00:00:00:0{i + 1}", 1000) for i in range(4)]
    (root / "proc/sys/kernel").mkdir(parents=True)
    (root / "proc/sys/kernel/hostname").write_text(hostname + "\n")
    (root / "proc/sys/kernel/arch").write_text("x86_64\n")
    (root / "proc/meminfo").write_text("MemTotal:       16318480 kB\nMemFree:         1000000 kB\n")
    (root / "proc/cpuinfo").write_text(
        "".join(
            f"processor\t: {i}\nvendor_id\t: GenuineIntel\nmodel name\t: Xeon\ncpu MHz\t\t: 2400.000\n"
            f"cache size\t: 512 KB\nflags\t\t: fpu vme\n\n"
            for i in range(2)
        )
    )
    (root / "proc/cmdline").write_text("ro quiet\n")
    if uuid:
        (root / "sys/class/dmi/id").mkdir(parents=True)
        (root / "sys/class/dmi/id/product_uuid").write_text(uuid + "\n")
    net = root / "sys/class/net"
    for name, mac, speed in nics:
        (net / name / "device").mkdir(parents=True)
        (net / name / "address").write_text(mac + "\n")
        (net / name / "speed").write_text(f"{speed}\n")
    for virtual in ("lo", "virbr0"):  # no device link: not physical
        (net / virtual).mkdir(parents=True)
        (net / virtual / "address").write_text(
            "00:00:00:00:00:00\n" if virtual == "lo" else "52:54:00:12:34:56\n"
        )
    (root / "etc/sysconfig/network-scripts").mkdir(parents=True)
    return root


def tree_snapshot(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` with its bytes."""
    return {
        str(path.relative_to(root)): path.read_bytes() for path in sorted(root.rglob("*")) if path.is_file()
    }


def recorder(directory: Path, name: str, then: str = "") -> tuple[str, Path]:
    """A fake command that records its arguments (one line per call), then runs ``then``."""
    log = directory / f"{name}.calls"
    script = directory / name
    script.write_text(f'#!/bin/sh\necho "$*" >> "{log}"\n{then}\n')
    script.chmod(0o755)
    return str(script), log
