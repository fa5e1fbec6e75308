"""Throwaway Linux guests for the tests that need a real kernel (bonds, NetworkManager, reboots).

A guest is QEMU with Debian's kernel and the userland this host lacks (``make guest-cache`` puts
them in :data:`CACHE`, outside git), over the host's own root read-only: an overlay of a tmpfs on
that layer on the host's ``/``, so the guest runs this checkout's agent and virtual environment
as they are and the host sees nothing it writes. It runs one scenario script from
``tests/helpers/guest/`` with no stdin and no terminal; the run's directory on the host is its
``/guest`` (9p), where the script leaves what it saw and the test leaves signals for it.

Networking is isolated: eth0 is QEMU user networking with ``restrict=on`` (no route out, no DNS,
no host) and one forwarded address, 10.0.2.100:8742, relayed to the test's server on the host's
loopback; eth1... each sit on a QEMU hub of their own ("hub": link up, no peer), on a
``restrict=on`` user network of their own ("user": DHCP answers, nothing else), or on a hub
shared with one more guest NIC each ("partner": a wire to a LACP partner the script builds in a
network namespace). Every NIC reports 10 Gb/s full duplex: without it the bonding driver never
runs LACP.

At most :data:`MAX_GUESTS` guests run at once across xdist workers, one per *lane* (a lock file
each; each TCG guest takes a core): the longest session has lane 0 to itself, so that it starts at
once, and the others take turns in lane 1. Each guest has a deadline, after which ``timeout``
stops QEMU even if the test process is gone, and it is always reaped.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from support import require

CACHE = Path(
    os.environ.get("OVIRT_NODE_CONFIG_GUEST_CACHE")
    or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "ovirt-node-config/guest"
)
SCRIPTS = Path(__file__).resolve().parent / "guest"
MAX_GUESTS = 2
GUEST_SERVER = ("10.0.2.100", 8742)  # where a guest reaches the test's server
MAC = "52:54:00:00:00:{:02x}".format  # eth0 is MAC(0x10), eth1 MAC(0x11), ...
AGENT = Path(sys.executable).with_name("ovirt-node-boot")


def require_guests() -> None:
    """QEMU and the guest cache, or a skip (a failure under CI=true)."""
    if not shutil.which("qemu-system-x86_64"):
        require("qemu-system-x86_64 is not installed (make test installs qemu-system-x86)")
    if not (CACHE / "stamp").exists():
        require(f"no guest cache in {CACHE} (make guest-cache builds it)")


def accelerator() -> list[str]:
    """KVM where it runs a stock kernel at hardware speed; else TCG. The PVM flavour of nested
    KVM (``kvm_pvm`` without ``kvm_intel``/``kvm_amd``) runs a kernel not built for it through an
    instruction emulator: slower than TCG by orders of magnitude (nothing printed in 300 s)."""
    modules = Path("/sys/module")
    pvm_only = (modules / "kvm_pvm").exists() and not any(
        (modules / name).exists() for name in ("kvm_intel", "kvm_amd")
    )
    if os.access("/dev/kvm", os.R_OK | os.W_OK) and not pvm_only:
        return ["-accel", "kvm", "-cpu", "host"]
    # a 256 MiB translation cache: QEMU's default (1 GiB) is most of a guest's memory on the host
    return ["-accel", "tcg,thread=multi,tb-size=256", "-cpu", "max"]


@dataclass
class GuestSpec:
    """One machine: its identity (SMBIOS UUID, NIC MACs) and wiring, and what it runs."""

    script: str  # a file of tests/helpers/guest/
    server_port: int  # the test server's port on 127.0.0.1
    hostname: str = "node1.example.com"
    uuid: str | None = None
    slave_nics: int = 2
    slave_net: str = "user"  # "hub", "user" or "partner"
    memory_mb: int = 320
    deadline_s: float = 480.0
    env: dict[str, str] = field(default_factory=dict)
    disk: Path | None = None  # what this machine keeps across reboots (guest_stage2's DISK_PATHS)
    source_address: str = "127.0.0.1"  # the loopback address the server sees the guest's calls from
    lane: int = 1  # 0: the longest session's own (see the module's docstring)
    capped_nic_mtu: int | None = None  # one more NIC, last, whose device caps its MTU (host_mtu)


class Guest:
    """A running guest. Use as a context manager: it always ends and is reaped."""

    def __init__(self, spec: GuestSpec, run_dir: Path):
        self.spec = spec
        self.dir = run_dir
        self.dir.mkdir(parents=True)
        self._control = Path(tempfile.mkdtemp(prefix="guest-"))  # a short path for the QMP socket
        self.process: subprocess.Popen | None = None
        self._slot = None
        self.started = 0.0

    # life cycle --------------------------------------------------------------------------------

    def __enter__(self) -> Guest:
        self._slot = _take_lane(self.spec.lane, self.spec.deadline_s)
        run = self.dir / "run"
        exports = "".join(f"export {name}={shlex.quote(value)}\n" for name, value in self._env().items())
        run.write_text(f"#!/bin/bash\n{exports}exec bash {shlex.quote(str(SCRIPTS / self.spec.script))}\n")
        run.chmod(0o755)
        command = ["timeout", "--kill-after=10", str(int(self.spec.deadline_s)), *self._qemu_command()]
        (self.dir / "qemu-command").write_text(shlex.join(command) + "\n")
        self.started = time.monotonic()
        with open(self.dir / "qemu.log", "wb") as log:
            self.process = subprocess.Popen(
                command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT
            )
        return self

    def __exit__(self, *exc_info) -> None:
        try:
            if self.process and self.process.poll() is None:
                self.process.terminate()
                try:
                    self.process.wait(10)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait()
        finally:
            shutil.rmtree(self._control, ignore_errors=True)
            _release(self._slot)

    def finish(self) -> int:
        """Wait for the guest to power off (its deadline at most); the script's exit status, or
        124 when the deadline passed, 125 when the guest died without one."""
        remaining = self.spec.deadline_s + 15 - (time.monotonic() - self.started)
        try:
            code = self.process.wait(max(1.0, remaining))
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            return 124
        if code == 124:
            return 124
        rc = self.dir / "rc"
        return int(rc.read_text()) if rc.exists() else 125

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    # talking to the scenario -------------------------------------------------------------------

    def wait_for(self, name: str, timeout: float = 180.0) -> str:
        """The file ``name`` the script leaves in /guest once it exists; fails the test (with the
        guest's output) when the guest ends or the time passes first."""
        path = self.dir / name
        end = time.monotonic() + timeout
        while not path.exists():
            if self.process.poll() is not None or time.monotonic() > end:
                raise AssertionError(f"the guest never wrote {name}:\n{self.report()}")
            time.sleep(0.2)
        return path.read_text(errors="replace")

    def signal(self, name: str, text: str = "") -> None:
        """Leave ``name`` in /guest for the script (it waits for it with ``wait_for_host``)."""
        partial = self.dir / f".{name}"
        partial.write_text(text)
        partial.rename(self.dir / name)

    def set_link(self, nic: int, up: bool) -> None:
        """Pull (or plug back) the cable of eth``nic``: QEMU's ``set_link`` on its backend, the
        carrier loss a real switch port gives."""
        self._qmp("set_link", {"name": "mgmt" if nic == 0 else f"nic{nic}", "up": up})

    def file(self, name: str) -> str:
        return (self.dir / name).read_text(errors="replace")

    def report(self) -> str:
        """What to show when a scenario fails: its output and the end of the console."""
        parts = []
        for name in ("output", "console.log", "qemu.log"):
            path = self.dir / name
            if path.exists():
                parts.append(f"--- {name} (last 4000 characters)\n{path.read_text(errors='replace')[-4000:]}")
        return "\n".join(parts) or "(the guest left nothing)"

    # the machine -------------------------------------------------------------------------------

    def _env(self) -> dict[str, str]:
        return {
            "GUEST_LIB": str(SCRIPTS / "lib.sh"),
            "AGENT": str(AGENT),
            "SERVER": f"http://{GUEST_SERVER[0]}:{GUEST_SERVER[1]}/",
            **self.spec.env,
        }

    def _qemu_command(self) -> list[str]:
        spec = self.spec
        kernel_args = [
            "console=ttyS0",
            "quiet",
            "panic=-1",
            "net.ifnames=0",
            "8250.nr_uarts=1",
            "mitigations=off",  # a throwaway guest: ~6% less emulated CPU
            f"guest_stage2={SCRIPTS / 'stage2'}",
            f"guest_hostname={spec.hostname}",
            f"guest_disk={int(spec.disk is not None)}",
        ]
        command = [
            shutil.which("qemu-system-x86_64") or "qemu-system-x86_64",
            "-name", spec.hostname,
            "-machine", "q35",
            *accelerator(),
            "-smp", "1",
            "-m", str(spec.memory_mb),
            "-nodefaults", "-no-user-config", "-display", "none", "-vga", "none", "-no-reboot",
            "-kernel", str(CACHE / "vmlinux"),
            "-initrd", str(CACHE / "initrd.gz"),
            "-append", " ".join(kernel_args),
            "-serial", f"file:{self.dir / 'console.log'}",
            "-monitor", "none",
            "-qmp", f"unix:{self._control / 'qmp'},server=on,wait=off",
            "-device", "virtio-rng-pci",
        ]  # fmt: skip
        shares = [("hostroot", Path("/"), True), ("layer", CACHE / "layer", True), ("guest", self.dir, False)]
        if spec.disk is not None:
            spec.disk.mkdir(parents=True, exist_ok=True)
            shares.append(("disk", spec.disk, False))
        for tag, path, readonly in shares:
            ro = ",readonly=on" if readonly else ""
            command += [
                "-fsdev", f"local,id={tag},path={path},security_model=none,multidevs=remap{ro}",
                "-device", f"virtio-9p-pci,fsdev={tag},mount_tag={tag}",
            ]  # fmt: skip
        relay = (
            f"{sys.executable} {SCRIPTS / 'relay.py'} 127.0.0.1 {int(spec.server_port)} {spec.source_address}"
        )
        management = [
            "user", "id=mgmt", "restrict=on", "ipv6=off", "net=10.0.2.0/24", "host=10.0.2.2",
            f"guestfwd=tcp:{GUEST_SERVER[0]}:{GUEST_SERVER[1]}-cmd:{relay}",
        ]  # fmt: skip
        command += ["-netdev", ",".join(management), "-device", _nic("mgmt", MAC(0x10))]
        for index in range(1, spec.slave_nics + 1):
            if spec.slave_net == "user":
                netdev = f"user,id=nic{index},restrict=on,ipv6=off,net=10.0.{2 + index}.0/24"
            else:
                netdev = f"hubport,id=nic{index},hubid={index}"
            command += ["-netdev", netdev, "-device", _nic(f"nic{index}", MAC(0x10 + index))]
        if spec.slave_net == "partner":  # the far ends of the slaves' wires
            for index in range(1, spec.slave_nics + 1):
                command += [
                    "-netdev", f"hubport,id=peer{index},hubid={index}",
                    "-device", _nic(f"peer{index}", MAC(0x20 + index)),
                ]  # fmt: skip
        if spec.capped_nic_mtu:  # on a restricted network of its own, after every other NIC
            command += [
                "-netdev", "user,id=capped,restrict=on,ipv6=off,net=10.0.9.0/24",
                "-device", _nic("capped", MAC(0x30)) + f",host_mtu={int(spec.capped_nic_mtu)}",
            ]  # fmt: skip
        if spec.uuid:
            command += ["-uuid", spec.uuid]
        return command

    def _qmp(self, command: str, arguments: dict) -> dict:
        with socket.socket(socket.AF_UNIX) as qmp:
            qmp.settimeout(10)
            end = time.monotonic() + 10
            while True:  # QEMU opens the socket a moment after it starts
                try:
                    qmp.connect(str(self._control / "qmp"))
                    break
                except (FileNotFoundError, ConnectionRefusedError):
                    if time.monotonic() > end:
                        raise
                    time.sleep(0.1)
            stream = qmp.makefile("rw")
            json.loads(stream.readline())  # the greeting
            for message in ({"execute": "qmp_capabilities"}, {"execute": command, "arguments": arguments}):
                stream.write(json.dumps(message) + "\n")
                stream.flush()
                while "return" not in (answer := json.loads(stream.readline())) and "error" not in answer:
                    pass  # events
                if "error" in answer:
                    raise AssertionError(f"QMP {command}: {answer['error']}")
            return answer["return"]


def _nic(netdev: str, mac: str) -> str:
    return f"virtio-net-pci,netdev={netdev},mac={mac},speed=10000,duplex=full"


def _take_lane(lane: int, deadline_s: float):
    """The lock file of ``lane`` (shared by every xdist worker), waited for."""
    if not 0 <= lane < MAX_GUESTS:
        raise ValueError(f"lane {lane}: there are {MAX_GUESTS}")
    lanes = CACHE / "lanes"
    lanes.mkdir(exist_ok=True)
    handle = open(lanes / f"{lane}.lock", "w")  # noqa: SIM115 - held until _release
    end = time.monotonic() + 3 * deadline_s + 900
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return handle
        except BlockingIOError:
            if time.monotonic() > end:
                handle.close()
                raise AssertionError(f"guest lane {lane} never came free") from None
            time.sleep(0.2)


def _release(slot) -> None:
    if slot is not None:
        with contextlib.suppress(OSError):
            fcntl.flock(slot, fcntl.LOCK_UN)
        slot.close()
