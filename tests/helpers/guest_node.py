"""The scenario side of the real-kernel tests: a server on the host's loopback for guests to
reach, the disk of a node that has booted once (its credential), a guest booted for a scenario,
and what a guest recorded of its network (``record_state`` in guest/lib.sh:
``/proc/net/bonding/<bond>``, the bond's sysfs options, ``ip -j addr``, NetworkManager's devices).

The server runs on SQLite: these tests are about the kernel; every database rule is tested on
both databases elsewhere.
"""

from __future__ import annotations

import contextlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from guest_vm import MAC, Guest, GuestSpec, require_guests
from support import RunningServer, add_admin, admin_proxy, make_report

from ovirt_node_config.agent.credential import CREDENTIAL_FILE

HOST = "node1.example.com"
UUID = "3f2c9a1e-1111-4222-8333-444455556666"


def start_server(directory: Path, *extra: str) -> RunningServer:
    """The project's server on 127.0.0.1 with its own SQLite file and an administrator."""
    require_guests()
    database_url = f"sqlite:///{directory / 'inventory.sqlite3'}"
    running = RunningServer(database_url, directory / "server.log", extra)
    running.port = int(re.search(r":(\d+)/", running.url).group(1))
    name, password = add_admin(database_url)
    running.admin = admin_proxy(running, name, password).admin
    running.admin_env = {
        "OVIRT_NODE_CONFIG_USER": name,
        "OVIRT_NODE_CONFIG_PASSWORD": password,
    }  # for the CLI
    return running


def enrolled_disk(server: RunningServer, directory: Path, stack: str = "keyfile", nics: int = 3) -> Path:
    """The disk of a node that enrolled at an earlier boot: the server knows its NICs (the
    guest's: eth0 MAC(0x10), eth1 MAC(0x11)...), the disk holds its credential."""
    report = make_report(HOST, [MAC(0x10 + index) for index in range(nics)], uuid=UUID, network_stack=stack)
    server.proxy().identify(report)
    credential = directory / CREDENTIAL_FILE
    credential.parent.mkdir(parents=True, mode=0o700)
    credential.write_text(server.keyring[HOST] + "\n")
    credential.chmod(0o600)
    return directory


@contextlib.contextmanager
def booted(script: str, server: RunningServer, directory: Path, **options):
    """One guest running ``script``; keyword arguments are GuestSpec fields, upper-case ones the
    script's environment."""
    env = {key: str(value) for key, value in options.items() if key.isupper()}
    fields = {key: value for key, value in options.items() if not key.isupper()}
    spec = GuestSpec(script, server.port, hostname=HOST, uuid=UUID, env=env, **fields)
    with Guest(spec, directory) as guest:
        yield guest


@dataclass
class BondState:
    proc: str  # /proc/net/bonding/<bond> as the kernel prints it
    sysfs: dict[str, str]  # /sys/class/net/<bond>/bonding/<option> -> its value

    @property
    def mode(self) -> str:
        return re.search(r"Bonding Mode: (.*)", self.proc).group(1)

    @property
    def slaves(self) -> dict[str, str]:
        """Slave -> its permanent MAC, in the kernel's order."""
        return dict(re.findall(r"Slave Interface: (\S+)\n(?:.*\n)*?Permanent HW addr: (\S+)", self.proc))

    @property
    def slave_mii(self) -> dict[str, str]:
        return dict(re.findall(r"Slave Interface: (\S+)\nMII Status: (\S+)", self.proc))

    @property
    def aggregators(self) -> dict[str, str]:
        return dict(re.findall(r"Slave Interface: (\S+)\n(?:.*\n)*?Aggregator ID: (\d+)", self.proc))

    def option(self, name: str) -> str:
        """The value as the server writes it: ``fast``, not sysfs' ``fast 1``."""
        value = self.sysfs[name]
        return ",".join(value.split()) if name == "arp_ip_target" else value.split(" ")[0] if value else value


@dataclass
class NetworkState:
    directory: Path

    def bond(self, name: str = "bond0") -> BondState | None:
        proc = self.directory / f"proc-{name}"
        if not proc.exists():
            return None
        pairs = (line.partition("=") for line in (self.directory / f"sysfs-{name}").read_text().splitlines())
        return BondState(proc.read_text(), {key: value for key, _, value in pairs})

    def addresses(self, interface: str) -> list[str]:
        for entry in json.loads((self.directory / "addresses.json").read_text()):
            if entry["ifname"] == interface:
                return [
                    f"{a['local']}/{a['prefixlen']}"
                    for a in entry.get("addr_info", [])
                    if a["family"] == "inet"
                ]
        return []

    def links(self) -> dict[str, dict]:
        """Interface -> what ``ip -j -d link`` says of it (mtu, master, linkinfo...)."""
        return {entry["ifname"]: entry for entry in json.loads((self.directory / "links.json").read_text())}

    def routes(self) -> list[dict]:
        """The IPv4 routes of every table, as ``ip -j route show table all`` says them."""
        return json.loads((self.directory / "routes.json").read_text())

    def addresses6(self, interface: str) -> list[str]:
        for entry in json.loads((self.directory / "addresses.json").read_text()):
            if entry["ifname"] == interface:
                return [
                    f"{a['local']}/{a['prefixlen']}"
                    for a in entry.get("addr_info", [])
                    if a["family"] == "inet6"
                ]
        return []

    def nm_devices(self) -> dict[str, tuple[str, str]]:
        lines = (self.directory / "nm-devices").read_text().splitlines()
        return {
            device: (state, connection)
            for device, state, connection in (line.split(":", 2) for line in lines)
        }

    def files(self) -> list[str]:
        """The names of the keyfiles and ifcfg files on the guest's disk."""
        return (self.directory / "files").read_text().split()


def recorded(guest, name: str, timeout: float = 200.0) -> NetworkState:
    """The state the guest records as ``name`` (``1``, ``pre-2``...), once it has."""
    guest.wait_for(f"state-{name}/done", timeout)
    return NetworkState(guest.dir / f"state-{name}")


def agent_run(guest, name: str) -> tuple[int, str]:
    """The exit status and output of the agent's run ``name`` in the guest."""
    return int(guest.file(f"agent-{name}.rc")), guest.file(f"agent-{name}.txt")
