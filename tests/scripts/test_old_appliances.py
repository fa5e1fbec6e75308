"""A whole 2008 appliance boot against ``ovirt-node-config-server serve --legacy-identify-port``:
the real server process, its 2008 listener and legacy URL, the 2008 node's own shell pipeline
for the config request, and bash + the ``augtool`` binary applying the answer, as 2008 nodes did.
"""

from __future__ import annotations

import http.client
import re
import socket
import subprocess
import time

import pytest
from support import RunningServer, add_admin, admin_proxy, http_get, require_private_var_tmp

NODE_ADDRESS, NODE_NAME = "127.0.0.2", "node7.example.com"
MACS = {"eth0": "52:54:00:07:00:01", "eth1": "52:54:00:07:00:02"}
SCRIPTS = "etc/sysconfig/network-scripts"

# ifconfig of net-tools, as on a 2008 node (only interfaces that are up are listed).
IFCONFIG = (
    "".join(
        f"{name:<10}Link encap:Ethernet  HWaddr {mac.upper()}  \n"
        "          UP BROADCAST RUNNING MULTICAST  MTU:1500  Metric:1\n\n"
        for name, mac in MACS.items()
    )
    + "lo        Link encap:Local Loopback  \n          inet addr:127.0.0.1  Mask:255.0.0.0\n\n"
)
# ovirt-early's pipeline, verbatim (README of the 2008 wire protocol, section 3).
MACS_PIPELINE = "awk '/HWaddr/ { print $5\"=\"$1 }' | tr '\\n' ' ' | sed 's/ /%2C/g;s/:/%3A/g'"


@pytest.fixture
def legacy_server(database_url, tmp_path):
    hosts = tmp_path / "hosts"
    hosts.write_text(f"# the site's DNS, for this test\n{NODE_ADDRESS} {NODE_NAME}\n")
    running = RunningServer(
        database_url,
        tmp_path / "server.log",
        ("--legacy-identify-port", "0", "--legacy-identify-hosts", str(hosts)),
    )
    running.legacy_port = int(re.search(r"host-browser .* listening on [\d.]+:(\d+)", running.log).group(1))
    yield running
    running.stop()


def identify_as_in_2008(port: int, source: str = NODE_ADDRESS) -> None:
    """The 2008 client's conversation: each answer read with one read() of 128 bytes."""
    lines = [("HELLO!", "MODE?"), ("IDENTIFY", "INFO?")]
    lines += [(f"{k}={v}", f"ACK {k}") for k, v in (("ARCH", "x86_64"), ("UUID", ""), ("MEMSIZE", "4194304"))]
    for number in range(2):
        lines += [("CPU", "CPUINFO?"), (f"CPUNUM={number}", "ACK CPUNUM"), ("SPEED=2596.132", "ACK SPEED")]
        lines += [("ENDCPU", "ACK CPU")]
    for name, mac, bandwidth in [
        ("lo", "00:00:00:00:00:00", "10000"),
        *((n, m, "1000") for n, m in MACS.items()),
    ]:
        lines += [("NIC", "NICINFO?"), (f"MAC={mac}", "ACK MAC"), (f"BANDWIDTH={bandwidth}", "ACK BANDWIDTH")]
        lines += [
            (f"IFACE_NAME={name}", "ACK IFACE_NAME"),
            ("IP_ADDRESS=", "ACK IP_ADDRESS"),
            ("ENDNIC", "ACK NIC"),
        ]
    lines += [("ENDINFO", "BYE")]
    with socket.create_connection(("127.0.0.1", port), timeout=30, source_address=(source, 0)) as node:
        assert node.recv(128) == b"HELLO?\n"
        for sent, expected in lines:
            node.sendall(sent.encode() + b"\n")
            answer = node.recv(128)
            assert answer == expected.encode() + b"\n", f"{sent}: {answer.decode(errors='replace')}"
        node.sendall(b"ENDINFO\n")  # the client sends it again, never reads, and closes


def config_request_path() -> str:
    macs = subprocess.run(
        ["sh", "-c", MACS_PIPELINE], input=IFCONFIG, capture_output=True, text=True, check=True
    )
    return f"/ovirt/managed_node/config?host={NODE_NAME}&macs={macs.stdout}"


def wget(server: RunningServer, path: str, source: str = NODE_ADDRESS) -> tuple[int, str]:
    """The GET as the node sends it, from its own address (the hosts file's)."""
    host, port = re.match(r"http://([\d.]+):(\d+)/", server.url).groups()
    connection = http.client.HTTPConnection(host, int(port), timeout=30, source_address=(source, 0))
    connection.request("GET", path)  # the exact bytes, as wget sends them
    response = connection.getresponse()
    return response.status, response.read().decode()


def run_as_in_2008(config: str, tmp_path) -> tuple:
    """ovirt-early: bash the file, then augtool < the augtool file (modprobe is not for a test),
    over a root whose eth0 has the 2008 default (a DHCP bridge); returns (root, /var/tmp)."""
    require_private_var_tmp()
    (tmp_path / "node-config").write_text(config)
    root, var_tmp = tmp_path / "root", tmp_path / "var-tmp"
    (root / SCRIPTS).mkdir(parents=True)
    var_tmp.mkdir()
    (root / SCRIPTS / "ifcfg-eth0").write_text("DEVICE=eth0\nBOOTPROTO=dhcp\nBRIDGE=breth0\n")
    subprocess.run(
        [
            "unshare",
            "--mount",
            "--map-root-user",
            "sh",
            "-ec",
            f'mount --bind "{var_tmp}" /var/tmp; bash "{tmp_path / "node-config"}"; '
            f'augtool -r "{root}" < /var/tmp/node-augtool',
        ],
        check=True,
        capture_output=True,
    )
    return root, var_tmp


def test_the_whole_2008_boot(legacy_server, database_url, tmp_path):
    path = config_request_path()
    assert path.endswith("=eth0%2C52%3A54%3A00%3A07%3A00%3A02=eth1%2C")  # upper case, trailing %2C
    status, body = wget(legacy_server, path)
    assert status == 404 and body.count("\n") == 1  # first boot: not known yet, default network

    identify_as_in_2008(legacy_server.legacy_port)
    admin = admin_proxy(legacy_server, *add_admin(database_url))
    node = admin.admin.show_node(NODE_NAME)
    assert sorted((nic["iface_name"], nic["mac"]) for nic in node["nics"]) == sorted(MACS.items())
    assert node["memory_mb"] == 4096
    admin.admin.set_bonding_type(NODE_NAME, "Failover")
    admin.admin.create_bonding(NODE_NAME, "storage", "bond0", list(MACS.values()))

    assert wget(legacy_server, path, source="127.0.0.3")[0] == 404  # another machine asking for it
    status, config = wget(legacy_server, path)  # the next boot
    assert status == 200, config
    root, var_tmp = run_as_in_2008(config, tmp_path)
    assert (var_tmp / "pre-config-script").read_text().endswith("/sbin/modprobe bonding mode=1\n")
    files = {path.name: path.read_text() for path in sorted((root / SCRIPTS).iterdir())}
    assert files == {
        "ifcfg-bond0": 'DEVICE=bond0\nBONDING_OPTS="mode=1 miimon=100"\nBOOTPROTO=dhcp\nONBOOT=yes\n',
        "ifcfg-eth0": f"DEVICE=eth0\nHWADDR={MACS['eth0']}\nMASTER=bond0\nSLAVE=yes\nONBOOT=yes\n",
        "ifcfg-eth1": f"DEVICE=eth1\nHWADDR={MACS['eth1']}\nMASTER=bond0\nSLAVE=yes\nONBOOT=yes\n",
    }
    pattern = rf"{NODE_ADDRESS} host-browser:IDENTIFY node={NODE_NAME} .* ok"
    assert re.search(pattern, legacy_server.log_once(pattern))
    node = re.escape(NODE_NAME)
    served = rf"{re.escape(NODE_ADDRESS)} GET /ovirt/managed_node/config node={node} user=- [\d.]+ms 200"
    assert re.search(served, legacy_server.log_once(served))  # its node, the target as sent
    metrics = http_get(legacy_server, "/metrics")[2]
    assert 'ovirt_node_config_requests_total{method="host-browser",outcome="ok"} 1.0' in metrics
    assert 'method="other"' not in metrics


def test_hostile_sessions_leave_xml_rpc_answering(legacy_server, snapshot):
    port = legacy_server.legacy_port
    silent = [socket.create_connection(("127.0.0.1", port), timeout=30) for _ in range(80)]
    try:
        answers = []
        for connection in silent:
            connection.settimeout(5)
            answers.append(connection.recv(128))
        # 64 sessions at most: they are greeted; the others are told at once and closed
        assert answers.count(b"HELLO?\n") == 64
        assert answers.count(b"ERROR busy: too many sessions, try again later\n") == 16
        assert legacy_server.proxy().ping()["status"] == "ok"
    finally:
        for connection in silent:
            connection.close()
    time.sleep(0.5)  # the sessions notice their closed connections and free their slots
    with socket.create_connection(("127.0.0.1", port), timeout=30) as endless:
        assert endless.recv(128) == b"HELLO?\n"
        endless.sendall(b"HELLO!" + b"x" * 100_000)
        assert endless.recv(128) == b"ERROR line longer than 1024 bytes\n"
    assert legacy_server.proxy().ping()["status"] == "ok"
    assert snapshot()["hosts"] == []


def test_a_2008_identify_from_an_address_not_associated_with_a_host_changes_nothing(legacy_server, snapshot):
    """127.0.0.1 has a name (localhost, by reverse DNS) but no administrator associated it."""
    with pytest.raises(AssertionError) as refused:
        identify_as_in_2008(legacy_server.legacy_port, source="127.0.0.1")
    assert "ERROR 127.0.0.1 is not associated with localhost" in str(refused.value)
    assert snapshot()["hosts"] == []


def test_a_2008_node_gets_its_bridge_as_the_2008_generator_wrote_it(legacy_server, database_url, tmp_path):
    """BRIDGE= on the port's file (the 2008 server's per-NIC bridge column) and the bridge's own
    file; everything else exactly the 2008 form."""
    identify_as_in_2008(legacy_server.legacy_port)
    admin = admin_proxy(legacy_server, *add_admin(database_url)).admin
    admin.set_bonding_type(NODE_NAME, "Failover")
    admin.create_bonding(NODE_NAME, "storage", "bond0", ["eth0", "eth1"])
    admin.create_bridge(NODE_NAME, "ovirtbr0", ["bond0"])
    status, config = wget(legacy_server, config_request_path())
    assert status == 200, config
    root, _ = run_as_in_2008(config, tmp_path)
    files = {path.name: path.read_text() for path in sorted((root / SCRIPTS).iterdir())}
    assert files == {
        "ifcfg-bond0": 'DEVICE=bond0\nBONDING_OPTS="mode=1 miimon=100"\nBRIDGE=ovirtbr0\nONBOOT=yes\n',
        "ifcfg-eth0": f"DEVICE=eth0\nHWADDR={MACS['eth0']}\nMASTER=bond0\nSLAVE=yes\nONBOOT=yes\n",
        "ifcfg-eth1": f"DEVICE=eth1\nHWADDR={MACS['eth1']}\nMASTER=bond0\nSLAVE=yes\nONBOOT=yes\n",
        "ifcfg-ovirtbr0": "DEVICE=ovirtbr0\nTYPE=Bridge\nSTP=off\nBOOTPROTO=dhcp\nONBOOT=yes\n",
    }


def test_a_2008_node_takes_a_gateway_and_dns_through_its_augtool_but_no_routes(
    legacy_server, database_url, tmp_path
):
    """Its augtool writes GATEWAY, DEFROUTE and DNS into the bridge's file; a route (whose files
    its augtool has no lens for) makes its GET a refusal naming the rule, not a half-written
    network."""
    identify_as_in_2008(legacy_server.legacy_port)
    admin = admin_proxy(legacy_server, *add_admin(database_url)).admin
    admin.create_bridge(NODE_NAME, "ovirtbr0", ["eth0"])
    admin.set_address(NODE_NAME, "ovirtbr0", {"boot_protocol": "static", "ip_address": "192.0.2.10/24"})
    admin.set_gateway(NODE_NAME, "ovirtbr0", "", "192.0.2.1", True)
    admin.set_dns(NODE_NAME, ["192.0.2.53"], [])
    admin.add_route(NODE_NAME, "ovirtbr0", "198.51.100.0/24", "192.0.2.254", "", 0)
    status, refusal = wget(legacy_server, config_request_path())
    assert status == 409 and "a 2008 appliance takes no static routes" in refusal, (status, refusal)
    admin.delete_route(NODE_NAME, "198.51.100.0/24", 0)
    status, config = wget(legacy_server, config_request_path())
    assert status == 200, config
    root, _ = run_as_in_2008(config, tmp_path)
    assert (root / SCRIPTS / "ifcfg-ovirtbr0").read_text() == (
        "DEVICE=ovirtbr0\nTYPE=Bridge\nSTP=off\nBOOTPROTO=static\nIPADDR=192.0.2.10\nNETMASK=255.255.255.0\n"
        "GATEWAY=192.0.2.1\nDEFROUTE=yes\nDNS1=192.0.2.53\nONBOOT=yes\n"
    )
