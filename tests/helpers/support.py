"""Helpers that build real objects for tests: a running server, reports, inventory snapshots."""

from __future__ import annotations

import base64
import contextlib
import os
import re
import shutil
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
import uuid
import xmlrpc.client
from pathlib import Path

import forked_servers
import pytest
from sqlalchemy import select

from ovirt_node_config.accounts import admins
from ovirt_node_config.bench.server_process import ServerProcess
from ovirt_node_config.inventory.report import parse_report
from ovirt_node_config.network import bonding
from ovirt_node_config.nodes import bond_options, bonds, live_checks
from ovirt_node_config.persistence import inventory_store, status_store
from ovirt_node_config.persistence.engine import Database
from ovirt_node_config.persistence.tables import (
    bonding_arp_targets,
    bondings,
    bondings_nics,
    cpus,
    hosts,
    nics,
)


class RunningServer(ServerProcess):
    """A real ``ovirt-node-config-server serve`` process on a loopback port, with a proxy helper;
    forked from this test process's zygote (``forked_servers.py``), which imported it already."""

    def _start(self, argv: list[str]) -> forked_servers.ForkedProcess:
        return forked_servers.zygote().fork(argv, self.log_path)

    def proxy(self, **kwargs) -> NodeProxy:
        """Calls as nodes make them: each host's credential, once its identify gave one, goes
        with its later calls (``NodeProxy``); the keyring is this server's."""
        if not hasattr(self, "keyring"):
            self.keyring = {}
        return NodeProxy(self.url, self.keyring, **kwargs)

    def anonymous_proxy(self, **kwargs) -> xmlrpc.client.ServerProxy:
        """Calls with no credential at all: a rogue or misconfigured machine."""
        return xmlrpc.client.ServerProxy(self.url, allow_none=True, **kwargs)

    def settled_log(self) -> str:
        """The log of everything this (one-process) server did so far, for assertions that
        something is absent: a marker request is sent and waited for, and the log is written in
        order from one queue, so every line before it is there."""
        marker = f"settle{uuid.uuid4().hex}"
        with contextlib.suppress(xmlrpc.client.Fault):
            getattr(self.proxy(), marker)()
        log = self.log_once(marker)
        assert marker in log, "the marker request never reached the log"
        return log[: log.index(marker)]

    def log_once(self, pattern: str, timeout: float = 10.0) -> str:
        """The log once ``pattern`` (a regular expression) appears in it: the server writes its
        log from a queue, a moment after the answer it is about has left."""
        deadline = time.monotonic() + timeout
        while not re.search(pattern, log := self.log) and time.monotonic() < deadline:
            time.sleep(0.05)
        return log


class BearerTransport(xmlrpc.client.SafeTransport):
    """A transport that sends ``Authorization: Bearer <credential>`` (http or https)."""

    def __init__(self, credential: str | None, secure: bool, **kwargs):
        super().__init__(**kwargs)
        self.credential = credential
        self.secure = secure

    def make_connection(self, host):
        if self.secure:
            return super().make_connection(host)
        return xmlrpc.client.Transport.make_connection(self, host)

    def send_headers(self, connection, headers):
        if self.credential:
            headers = [*headers, ("Authorization", f"Bearer {self.credential}")]
        super().send_headers(connection, headers)


def _host_of(method: str, params: tuple) -> str | None:
    raw = None
    if method == "identify" and params and isinstance(params[0], dict):
        raw = params[0].get("hostname", params[0].get("HOSTNAME"))
    elif method in ("get_config", "report_status", "report_check") and params:
        raw = params[0]
    return raw.strip().lower().removesuffix(".") if isinstance(raw, str) else None


class NodeProxy:
    """A ServerProxy that does what a node's agent does with its credential: keeps the one an
    ``identify`` answer gives, in ``keyring`` by host name, and sends it with that host's later
    ``identify``, ``get_config``, ``report_status`` and ``report_check`` calls."""

    def __init__(self, url: str, keyring: dict[str, str], **kwargs):
        self.url, self.keyring, self.kwargs = url, keyring, kwargs

    def __getattr__(self, method: str):
        def call(*params):
            host = _host_of(method, params)
            context = self.kwargs.get("context")
            transport = BearerTransport(
                self.keyring.get(host),
                self.url.startswith("https"),
                **({"context": context} if context else {}),
            )
            proxy = xmlrpc.client.ServerProxy(self.url, allow_none=True, transport=transport)
            result = getattr(proxy, method)(*params)
            if method == "identify" and isinstance(result, dict) and result.get("credential"):
                self.keyring[result["hostname"]] = result["credential"]
            return result

        return call


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
            "bond_options": sorted(
                (
                    host_names[row.host_id],
                    row.interface_name,
                    *(getattr(row, column) for column in BOND_OPTION_COLUMNS),
                )
                for row in conn.execute(select(bondings))
            ),
            "more_arp_targets": sorted(conn.execute(select(bonding_arp_targets)).all()),
            "primaries": sorted(
                conn.execute(
                    select(bondings.c.interface_name, nics.c.mac)
                    .join(bondings_nics, bondings_nics.c.bonding_id == bondings.c.id)
                    .join(nics, nics.c.id == bondings_nics.c.nic_id)
                    .where(bondings_nics.c.primary_slave.is_(True))
                ).all()
            ),
        }


BOND_OPTION_COLUMNS = (
    "arp_ping_address",
    "arp_interval_ms",
    "miimon_ms",
    "updelay_ms",
    "downdelay_ms",
    "arp_validate",
    "fail_over_mac",
    "lacp_rate",
    "xmit_hash_policy",
)


def refused(call) -> int:
    """The HTTP status (a 401) or fault code a node's call is refused with."""
    try:
        call()
    except xmlrpc.client.ProtocolError as error:
        return error.errcode
    except xmlrpc.client.Fault as fault:
        return fault.faultCode
    raise AssertionError("the call was not refused")


def enrol_without_credential(db, report: dict) -> None:
    """A host as the 2008 appliances (or a release before node credentials) leave it: in the
    inventory, holding no credential, so its 2008 config GET is served."""
    inventory_store.identify(db, parse_report(report))


def answered_from_body(log: str, method: str, node: str = r"\S+") -> int:
    """How many ``method`` calls (of ``node``) a server's ``log`` says it answered from what was
    kept for their body, before unmarshalling (``rpc/answer_replay.py``)."""
    return len(re.findall(rf" {method} node={node} user=\S+ \S+ ok \(kept answer\)", log))


def checked_long_ago(db, hostname: str, digest: str) -> int:
    """The node's last live check, in sync, an hour ago (as if its checks stopped then)."""
    when = int(time.time() * 1000) - 3_600_000
    check = live_checks.LiveCheck(digest, (), ())

    def write(conn):
        live_checks.record(conn, status_store.check_row(conn, hostname, bonding.MIN_SLAVES), check, when)

    db.write(write)
    return when


def add_bond(db, hostname: str, interface_name: str, macs: list[str], bonding_type: str = "Failover") -> None:
    """Bond NICs of a node through the bonding domain rules, as an administrator would."""
    bond_options.set_bonding_type(db, "test-admin", hostname, bonding_type)
    bonds.create_bonding(db, "test-admin", hostname, interface_name, interface_name, macs)


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
    """Create an administrator through the library ``add-admin`` runs (the command itself is
    tested in tests/scripts/test_server.py): a subprocess per test cost half a second."""
    db = Database(database_url, pool_size=1)
    try:
        admins.set_admin(db, name, password)
    finally:
        db.dispose()
    return name, password


def admin_proxy(server, name: str, password: str, **kwargs) -> xmlrpc.client.ServerProxy:
    """A proxy that sends HTTP Basic credentials."""
    scheme, rest = server.url.split("://", 1)
    return xmlrpc.client.ServerProxy(f"{scheme}://{name}:{password}@{rest}", allow_none=True, **kwargs)


def build_machine(root: Path, hostname: str = "node1", nics=None, uuid: str | None = None) -> Path:
    """A fake machine tree under ``root``: /proc, and /sys laid out as the kernel lays it out.

    Physical NICs live under their PCI device (``/sys/devices/pci0000:00/0000:00:0N.0/net/X``,
    with a ``device`` link back to it); software ones under ``/sys/devices/virtual/net``; every
    ``/sys/class/net/X`` is a relative symlink to one of them.
    """
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
    (root / "sys/class/net").mkdir(parents=True)
    for slot, (name, mac, speed) in enumerate(nics, start=3):
        pci = f"devices/pci0000:00/0000:00:{slot:02x}.0"
        (root / "sys" / pci).mkdir(parents=True)
        entry = _net_entry(root, f"{pci}/net/{name}", mac, index=slot)
        (entry / "device").symlink_to(f"../../../0000:00:{slot:02x}.0")
        (entry / "speed").write_text(f"{speed}\n")
    _net_entry(root, "devices/virtual/net/lo", "00:00:00:00:00:00", index=1)
    bridge = _net_entry(root, "devices/virtual/net/virbr0", "52:54:00:12:34:56", index=2, devtype="bridge")
    (bridge / "bridge").mkdir()
    (root / "etc/sysconfig/network-scripts").mkdir(parents=True)
    return root


def _net_entry(root: Path, device_path: str, mac: str, index: int, devtype: str | None = None) -> Path:
    """``/sys/<device_path>`` as the kernel writes a network interface, and its class link."""
    entry = root / "sys" / device_path
    name = entry.name
    entry.mkdir(parents=True)
    (entry / "address").write_text(mac + "\n")
    (entry / "type").write_text("772\n" if name == "lo" else "1\n")
    (entry / "carrier").write_text("1\n")
    (entry / "operstate").write_text("unknown\n" if name == "lo" else "up\n")
    (entry / "uevent").write_text(
        (f"DEVTYPE={devtype}\n" if devtype else "") + f"INTERFACE={name}\nIFINDEX={index}\n"
    )
    (root / "sys/class/net" / name).symlink_to(f"../../{device_path}")
    return entry


def bond_in_sysfs(root: Path, bond: str, slaves: list[str]) -> str:
    """Do to the fake /sys what the kernel does when it enslaves ``slaves`` to ``bond``: the bond
    takes the first slave's MAC, every slave shows it in ``address`` and keeps its own in
    ``bonding_slave/perm_hwaddr``. Returns the bond's MAC."""
    net = root / "sys/class/net"
    mac = (net / slaves[0] / "address").read_text().strip()
    entry = _net_entry(root, f"devices/virtual/net/{bond}", mac, index=100, devtype="bond")
    (entry / "bonding").mkdir()
    (entry / "bonding/slaves").write_text(" ".join(slaves) + "\n")
    for slave in slaves:
        slave_dir = net / slave
        (slave_dir / "bonding_slave").mkdir()
        (slave_dir / "bonding_slave/perm_hwaddr").write_text((slave_dir / "address").read_text())
        (slave_dir / "address").write_text(mac + "\n")
        (slave_dir / "master").symlink_to(f"../../../../virtual/net/{bond}")
        (entry / f"lower_{slave}").symlink_to(
            f"../../../pci0000:00/{slave_dir.resolve().parent.parent.name}/net/{slave}"
        )
    return mac


def set_link(root: Path, iface: str, up: bool) -> None:
    """Plug or pull the cable of ``iface`` in the fake /sys."""
    entry = root / "sys/class/net" / iface
    (entry / "carrier").write_text("1\n" if up else "0\n")
    (entry / "operstate").write_text("up\n" if up else "down\n")


PG_ENV = "OVIRT_NODE_CONFIG_TEST_PG"
PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/test"


def pg_server_url() -> str:
    """The PostgreSQL server the tests use ($OVIRT_NODE_CONFIG_TEST_PG)."""
    return os.environ.get(PG_ENV) or PG_DEFAULT


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def require(reason: str) -> None:
    """What a test needs is missing here: a failure in CI (whose set-up installs it), else a skip."""
    if in_ci():
        pytest.fail(reason)
    pytest.skip(reason)


def run_generated_file(text: str, workdir: Path) -> dict[str, str]:
    """Run a generated configuration file with bash as an old appliance does, with a private
    /var/tmp (``unshare``; see :func:`require_private_var_tmp`); returns the files it wrote there."""
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "node-config").write_text(text)
    (workdir / "var-tmp").mkdir()
    subprocess.run(
        [
            "unshare",
            "--mount",
            "--map-root-user",
            "sh",
            "-c",
            f'mount --bind "{workdir / "var-tmp"}" /var/tmp && bash "{workdir / "node-config"}"',
        ],
        check=True,
    )
    return {path.name: path.read_text() for path in (workdir / "var-tmp").iterdir()}


def require_private_var_tmp() -> None:
    """Generated files write /var/tmp by absolute path: tests run them under ``unshare --mount``
    with a private /var/tmp. Where that cannot work, skip (outside CI) or fail (in CI)."""
    probe = shutil.which("unshare") and subprocess.run(
        ["unshare", "--mount", "--map-root-user", "sh", "-c", "mount -t tmpfs none /var/tmp"],
        capture_output=True,
        check=False,
    )
    if not probe or probe.returncode != 0:
        require("unshare cannot give bash a private /var/tmp here")


def http_get(server, path: str, account: tuple[str, str] | None = None) -> tuple[int, str, str]:
    """GET ``path`` from a running server: (status, content type, text), errors included;
    ``account``: (name, password) sent with HTTP Basic."""
    request = urllib.request.Request(server.url.rstrip("/") + path)
    if account is not None:
        pair = base64.b64encode(":".join(account).encode()).decode()
        request.add_header("Authorization", f"Basic {pair}")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers["Content-Type"], response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read().decode()


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


class TcpProxy:
    """A loopback TCP relay to ``target`` that a test can cut (every connection dropped, new ones
    refused) and restore: a database going away under a running server."""

    def __init__(self, target: tuple[str, int]):
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.open = threading.Event()
        self.open.set()
        self.pairs: list = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if not self.open.is_set():
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.pairs.append((client, upstream))
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pump(source, sink):
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        for sock in (source, sink):
            with contextlib.suppress(OSError):
                sock.close()

    def cut(self):
        self.open.clear()
        with self.lock:
            pairs, self.pairs = self.pairs, []
        for pair in pairs:
            for sock in pair:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                    sock.close()

    def restore(self):
        self.open.set()

    def close(self):
        self.cut()
        self.listener.close()


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """(certificate, key) of a throwaway self-signed certificate for 127.0.0.1."""
    key, cert = directory / "key.pem", directory / "cert.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def in_a_terminal(cli, answer: str, *args, meanwhile=None) -> tuple[int, str]:
    """The command run with a terminal as its input, answering ``answer`` to its ``[y/N]``
    question once it is asked (``meanwhile()`` runs just before: what changed while the operator
    read the question); its exit code and everything it printed."""
    leader, follower = os.openpty()
    said = b""
    try:
        process = subprocess.Popen(
            [cli.command, *args],
            stdin=follower,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=cli.env,
        )
        deadline = time.monotonic() + 60
        while b"[y/N]" not in said and time.monotonic() < deadline:
            chunk = os.read(process.stdout.fileno(), 65536)
            if not chunk:
                break
            said += chunk
        if meanwhile is not None:
            meanwhile()
        os.write(leader, answer.encode() + b"\n")
        rest, _ = process.communicate(timeout=60)
    finally:
        os.close(leader)
        os.close(follower)
    return process.returncode, (said + rest).decode()


def run_agent(
    root: Path,
    server_url: str,
    tools: Path,
    *extra: str,
    restart_then: str = "",
    nmcli_then=None,
    verify=False,
):
    """The agent with recording fakes for modprobe and the restart (``--restart-cmd``), or, with
    ``nmcli_then``, with its own NetworkManager restart: a recording ``nmcli`` first on the PATH.
    No kernel applies the files of a scratch root: ``--no-verify`` unless ``verify`` (the tests
    that lay out what the kernel would show; the real kernel's are tests/guest/)."""
    tools.mkdir(exist_ok=True)
    modprobe, modprobe_log = recorder(tools, "modprobe")
    if nmcli_then is None:
        restarter = "restart"
        restart, restart_log = recorder(tools, restarter, then=restart_then)
        restart_flags = ["--restart-cmd", restart]
    else:
        restarter, restart_flags = "nmcli", []
        _, restart_log = recorder(tools, restarter, then=nmcli_then)
    result = forked_servers.run(
        "boot",
        [
            *("--root", str(root), "--server", server_url, "--modprobe-cmd", modprobe),
            *restart_flags,
            *([] if verify else ["--no-verify"]),
            *extra,
        ],
        {**os.environ, "PATH": f"{tools}:{os.environ['PATH']}"},
        tools,
        timeout=120,
    )
    calls = {
        name: log.read_text().splitlines() if log.exists() else []
        for name, log in (("modprobe", modprobe_log), (restarter, restart_log))
    }
    return result, calls
