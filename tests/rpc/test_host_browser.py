"""The 2008 host-browser protocol: the real sessions of 2008, replayed byte for byte against a
real listener on loopback, backed by the real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import ast
import contextlib
import re
import socket
import threading
import time
from pathlib import Path

import pytest
from ovirt_node_config.rpc.host_browser import HostBrowserServer, SessionLimits
from ovirt_node_config.rpc.node_methods import NodeMethods

from ovirt_node_config.trust.enrolment import Trust

TRANSCRIPTS = Path(__file__).resolve().parents[1] / "data" / "legacy" / "transcripts"
NODE_ADDRESS = "127.0.0.2"  # the "node": reverse DNS (the test's resolver) names it node7
NAMES = {NODE_ADDRESS: "node7.example.com"}
EVENT = re.compile(r"""^(?P<who>[SC])> (?:(?P<eof><EOF>)|(?P<line>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"))""")


def events(name: str) -> list[tuple[str, bytes | None]]:
    """(S or C, the exact bytes, or None for end of file) of a transcript."""
    found = []
    for text in (TRANSCRIPTS / name).read_text().splitlines():
        match = EVENT.match(text)
        if match:
            data = None if match["eof"] else ast.literal_eval(match["line"]).encode("ascii")
            found.append((match["who"], data))
    return found


class Listener:
    """A real HostBrowserServer on a loopback port, in this process, on the test's database."""

    def __init__(self, db, limits: SessionLimits | None = None, names=NAMES):
        self.server = HostBrowserServer(
            ("127.0.0.1", 0), NodeMethods(Trust(db, legacy_names=names)).legacy_identify, names.get, limits
        )
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def connect(self, source: str = NODE_ADDRESS) -> socket.socket:
        client = socket.create_connection(("127.0.0.1", self.port), timeout=10, source_address=(source, 0))
        return client

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def listener(db):
    running = Listener(db)
    yield running
    running.close()


def replay(listener: Listener, script: list[tuple[str, bytes | None]]) -> list[bytes]:
    """Play the node's side; every server line must arrive as one read of at most 128 bytes,
    exactly as the transcript has it (the 2008 C client reads it so). Returns what came after."""
    with listener.connect() as client:
        for who, data in script:
            if who == "C" and data is None:
                client.shutdown(socket.SHUT_WR)
            elif who == "C":
                client.sendall(data)
            else:
                assert client.recv(128) == data
        client.settimeout(5)
        rest = []
        while chunk := client.recv(128):
            rest.append(chunk)
        return rest


@pytest.mark.parametrize(
    "name",
    [
        "c-client-identify.txt",
        "ruby-server-0453e0e--client-98475854.txt",
        "ruby-server-a8394bd--client-fe2e801b.txt",
        "ruby-server-d60ad32--client-98475854.txt",
    ],
)
def test_a_2008_node_identifies_as_in_2008(listener, snapshot, name):
    assert replay(listener, events(name)) == []  # then the server closed, after the node's EOF
    state = snapshot()
    assert state["hosts"] == [("node7.example.com", "3d1219c7-c4c5-404a-aa1f-6d2a48adfda4", "x86_64", 24105)]
    assert [(cpu[1], cpu[2]) for cpu in state["cpus"]] == [(0, "AuthenticAMD"), (1, "AuthenticAMD")]
    # lo (00:00:00:00:00:00) and ifb0/ifb1 (software, garbage bandwidth) are not NICs
    assert state["nics"] == [
        ("02:fc:00:00:00:01", "node7.example.com", "eth0", 10, "dhcp", "192.0.2.2"),
    ]


def test_a_second_identify_changes_nothing(listener, snapshot):
    replay(listener, events("c-client-identify.txt"))
    before = snapshot()
    replay(listener, events("c-client-identify.txt"))
    assert snapshot() == before


# The error sessions of 2008, each as the 2008 server answered. One deliberate difference:
# an error is always ONE line (the 2008 server doubled the newline after ERRINFO errors).
@pytest.mark.parametrize(
    "name",
    [
        "ruby-error-bad-hello.txt",
        "ruby-error-unknown-mode.txt",
        "ruby-error-missing-arch.txt",
        "ruby-error-no-cpu.txt",
        "ruby-error-no-equals.txt",
        "ruby-error-empty-uuid-0453e0e.txt",
    ],
)
def test_each_2008_error_session(listener, snapshot, name):
    script = [(who, data.replace(b"\n\n", b"\n") if data else data) for who, data in events(name)]
    assert replay(listener, script) == []
    assert snapshot()["hosts"] == []


def test_awaken_issues_no_keytab_and_the_node_goes_on(listener, snapshot):
    # ovirt-awake reads one line after AWAKEN and takes its second word as a keytab URL: none
    # here. The 2008 server sent "KTAB <url>"; the node's side of the transcript is the same.
    node = [event for event in events("ruby-server-a8394bd--ovirt-awake-6a986921.txt") if event[0] == "C"]
    assert node == [("C", b"HELLO!\n"), ("C", b"AWAKEN\n"), ("C", None), ("C", None)]
    assert (
        replay(listener, [("S", b"HELLO?\n"), node[0], ("S", b"MODE?\n"), node[1], ("S", b"BYE\n"), node[2]])
        == []
    )
    assert snapshot()["hosts"] == []


def session(listener: Listener, lines: list[bytes], source: str = NODE_ADDRESS) -> bytes:
    """Send every line without waiting for answers, then end; return all the server wrote."""
    with listener.connect(source) as client:
        client.sendall(b"".join(lines))
        client.shutdown(socket.SHUT_WR)
        received = b""
        while chunk := client.recv(4096):
            received += chunk
        return received


IDENTIFY = [b"HELLO!\n", b"IDENTIFY\n"]
MINIMAL = [b"ARCH=x86_64\n", b"MEMSIZE=2097152\n", b"CPU\n", b"CPUNUM=0\n", b"ENDCPU\n"]


def nic(mac: str, name: str, bandwidth: str = "1000") -> list[bytes]:
    return [
        b"NIC\n",
        f"MAC={mac}\n".encode(),
        f"BANDWIDTH={bandwidth}\n".encode(),
        f"IFACE_NAME={name}\n".encode(),
        b"ENDNIC\n",
    ]


def test_crlf_lines_are_accepted(listener, snapshot):
    lines = [
        line.replace(b"\n", b"\r\n")
        for line in IDENTIFY + MINIMAL + nic("52:54:00:00:00:01", "eth0") + [b"ENDINFO\n"]
    ]
    answer = session(listener, lines)
    assert answer.endswith(b"ACK NIC\nBYE\n") and b"\r" not in answer
    assert [n[2] for n in snapshot()["nics"]] == ["eth0"]


def test_a_node_without_a_host_name_is_refused_and_nothing_is_written(listener, snapshot):
    answer = session(listener, IDENTIFY + MINIMAL + [b"ENDINFO\n"], source="127.0.0.3")
    assert answer.endswith(
        b"ERROR no host name for 127.0.0.3: add a PTR record or a legacy-identify-hosts entry\n"
    )
    assert snapshot()["hosts"] == []


def test_invalid_values_are_one_error_line_naming_the_field(listener, snapshot):
    answer = session(listener, IDENTIFY + MINIMAL + nic("zz:54:00:00:00:01", "eth0") + [b"ENDINFO\n"])
    last = answer.splitlines()[-1]
    assert last.startswith(b"ERROR invalid nics[0].mac: is not a MAC address") and len(last) <= 127
    assert snapshot()["hosts"] == []


def test_garbage_bandwidth_of_a_real_nic_is_unknown_not_fatal(listener, snapshot):
    session(listener, IDENTIFY + MINIMAL + nic("52:54:00:00:00:01", "eth0", "-1") + [b"ENDINFO\n"])
    assert snapshot()["nics"][0][3] is None


@pytest.mark.parametrize(
    "lines, error",
    [
        (IDENTIFY + [b"ARCH=" + b"x" * 5000 + b"\n"], b"ERROR line longer than 1024 bytes\n"),
        (
            IDENTIFY + MINIMAL + nic("52:54:00:00:00:01", "eth0") * 1100 + [b"ENDINFO\n"],
            b"ERROR more than 1024 NICs\n",
        ),
        (IDENTIFY + [b"ARCH=x86_64\n"], b"ERROR end of file reached\n"),
        ([b"\x00\xff\x1b[2J\n"], b"ERROR received ???[2J, expected HELLO!\n"),
    ],
)
def test_hostile_sessions_end_with_one_error_line(listener, snapshot, lines, error):
    answer = session(listener, lines)
    assert answer.endswith(error)
    assert snapshot()["hosts"] == []


@pytest.fixture
def impatient(db):
    running = Listener(db, SessionLimits(idle_timeout_s=0.5, session_deadline_s=2.0, linger_s=0.2))
    yield running
    running.close()


def test_a_silent_node_is_cut_off(impatient):
    with impatient.connect() as client:
        assert client.recv(128) == b"HELLO?\n"
        assert client.recv(128) == b"ERROR timed out waiting for the node\n"
        assert client.recv(128) == b""


def test_a_trickling_node_meets_the_session_deadline(impatient, snapshot):
    with impatient.connect() as client:
        client.sendall(b"HELLO!\nIDENTIFY\n")
        received = b""
        for _ in range(20):  # one line every 0.3 s: never idle, but never done
            client.sendall(b"ARCH=x86_64\n")
            time.sleep(0.3)
            client.setblocking(False)
            with contextlib.suppress(BlockingIOError):
                received += client.recv(4096)
            client.setblocking(True)
            if b"ERROR" in received:
                break
        assert received.endswith(b"ERROR session took too long\n")
    assert snapshot()["hosts"] == []
