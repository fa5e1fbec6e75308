"""Between boots (``report_check``): a node's check of its live network through a real server.
Differences make it out of sync, listed per attribute in show and selectable in the node list;
the same verdict again writes nothing; in sync again is ok again; an administrator's resync is
handed to the node's next check, once; a node whose checks stop is not checking. Only the node's
credential may report."""

import hashlib
import time
import xmlrpc.client

import pytest
from ovirt_node_config.rpc import request_context
from ovirt_node_config.rpc.answer_replay import AnswerReplay
from sqlalchemy import func, select
from support import add_bond, answered_from_body, checked_long_ago, make_report

from ovirt_node_config import timestamps
from ovirt_node_config.boot import report_check
from ovirt_node_config.network import bonding
from ovirt_node_config.nodes import live_checks, reads, states
from ovirt_node_config.persistence import answer_store, status_store
from ovirt_node_config.persistence.tables import cached_answers
from ovirt_node_config.trust.enrolment import Trust

NAMES = {f"52:54:00:00:00:0{i}": f"eth{i - 1}" for i in range(1, 4)}
DRIFT = ["bond0: MTU is 1500, not 9000", "bond0: eth1 (52:54:00:00:00:02) is not a slave"]


@pytest.fixture
def booted(server):
    """node1 booted and reported applying its file; the digest it applied."""
    node = server.proxy()
    node.identify(make_report(macs=tuple(NAMES)))
    digest = hashlib.sha256(node.get_config("node1", NAMES).encode()).hexdigest()
    assert node.report_status("node1", {"outcome": "applied", "digest": digest})["state"] == "ok"
    return node, digest


def history(db) -> list[str]:
    return [entry["action"] for entry in reads.history(db, "node1")]


def answered_by_body(server) -> int:
    """How many of node1's checks the server answered from what their body said, unmarshalled
    before (the log line of every other answer says only ``ok``)."""
    return answered_from_body(server.settled_log(), "report_check", "node1")


def test_drift_is_out_of_sync_per_attribute_then_in_sync_again(booted, db, server):
    node, digest = booted
    answer = node.report_check(
        "node1", {"digest": digest, "differences": DRIFT, "warnings": ["eth2: link down"]}
    )
    assert answer == {"hostname": "node1", "state": "out of sync", "resync": False}
    shown = reads.show_node(db, "node1")
    assert shown["state"] == "out of sync" and shown["live_check"]["differences"] == DRIFT
    assert shown["live_check"]["warnings"] == ["eth2: link down"]
    assert "its live network differs: bond0: MTU is 1500, not 9000" in shown["state_words"]
    assert [n["hostname"] for n in reads.list_nodes(db, state="out of sync")] == ["node1"]
    assert reads.list_nodes(db, state="ok") == []
    before = history(db)
    node.report_check("node1", {"digest": digest, "differences": DRIFT})  # the same verdict: nothing new
    assert history(db) == before
    assert node.report_check("node1", {"digest": digest})["state"] == "ok"
    assert history(db)[:2] == ["live_check", "live_check"]
    assert [n["state"] for n in reads.list_nodes(db)] == ["ok"]
    before = history(db)
    cable = node.report_check("node1", {"digest": digest, "warnings": ["bond0: slave eth1 link down"]})
    assert cable["state"] == "ok" and history(db) == before  # a warning: kept, not drift, not history
    assert reads.show_node(db, "node1")["live_check"]["warnings"] == ["bond0: slave eth1 link down"]


def test_a_resync_is_handed_to_the_next_check_once(booted, db, server):
    node, digest = booted
    node.report_check("node1", {"digest": digest, "differences": DRIFT})
    live_checks.request_resync(db, "alice", "node1")
    assert reads.show_node(db, "node1")["live_check"]["resync_requested"] is True
    assert node.report_check("node1", {"digest": digest, "differences": DRIFT})["resync"] is True
    assert node.report_check("node1", {"digest": digest, "differences": DRIFT})["resync"] is False
    assert "resync_requested" in history(db)


def test_a_check_needs_the_nodes_credential_and_a_well_formed_verdict(booted, server, snapshot):
    _, digest = booted
    before = snapshot()
    with pytest.raises(xmlrpc.client.ProtocolError) as caught:
        server.anonymous_proxy().report_check("node1", {"digest": digest, "differences": DRIFT})
    assert caught.value.errcode == 401
    with pytest.raises(xmlrpc.client.Fault) as bad:
        booted[0].report_check("node1", {"digest": "x" * 64})
    assert bad.value.faultCode == 400 and "check.digest" in bad.value.faultString
    assert snapshot() == before


def test_a_verdict_repeated_refreshes_checked_at_only_after_a_while(booted, db):
    _, digest = booted
    check = live_checks.LiveCheck(digest, (), ())

    def row(conn):
        return status_store.check_row(conn, "node1", bonding.MIN_SLAVES)

    def checked_at():
        return db.read(row).status["checked_at_ms"]

    def weighed(now_ms):
        return live_checks.weigh(db.read(row), check, now_ms)

    db.write(lambda conn: live_checks.record(conn, row(conn), check, now_ms=1_000_000))
    assert weighed(1_000_000 + 60_000).values == {}  # nothing to write: answered from a read
    db.write(lambda conn: live_checks.record(conn, row(conn), check, now_ms=1_000_000 + 60_000))
    assert checked_at() == 1_000_000
    later = 1_000_000 + live_checks.COARSE_S * 1000 + 1
    assert weighed(later).values == {"checked_at_ms": later}
    db.write(lambda conn: live_checks.record(conn, row(conn), check, now_ms=later))
    assert checked_at() == later


def test_a_node_whose_checks_stop_is_not_checking_until_it_checks_or_boots(booted, db, server):
    """Its last check an hour ago: 'not checking' in show, the list and the counts; a check
    or a verified boot brings it back. A node that never checked (an agent without the check
    mode, a 2008 appliance) is never 'not checking'."""
    node, digest = booted
    long_ago = checked_long_ago(db, "node1", digest)
    shown = reads.show_node(db, "node1")
    assert shown["state"] == "not checking"
    assert f"has not checked its live network since {timestamps.iso_ms(long_ago)}" in shown["state_words"]
    assert [n["state"] for n in reads.list_nodes(db)] == ["not checking"]
    assert [n["hostname"] for n in reads.list_nodes(db, state="not checking")] == ["node1"]
    assert reads.list_nodes(db, state="ok") == []
    assert db.read(states.counts_by_state)["not checking"] == 1
    assert node.report_status("node1", {"outcome": "unchanged", "digest": digest})["state"] == "ok"
    checked_long_ago(db, "node1", digest)
    assert node.report_check("node1", {"digest": digest})["state"] == "ok"

    other = {f"52:54:00:00:01:0{i}": f"eth{i}" for i in range(2)}
    node.identify(make_report("node2", macs=tuple(other)))
    text = node.get_config("node2", other)
    node.report_status("node2", {"outcome": "applied", "digest": hashlib.sha256(text.encode()).hexdigest()})
    assert reads.show_node(db, "node2")["state"] == "ok"  # it never checked: nothing stopped
    assert db.read(states.counts_by_state)["not checking"] == 0


def test_the_hot_lookup_reads_what_the_transaction_reads(booted, db):
    """A check is answered from one statement on the driver; the write path reads the same in
    its transaction: the same row, degraded bonds counted alike (a bond left with one slave)."""
    _, digest = booted
    add_bond(db, "node1", "bond0", list(NAMES)[:2])
    booted[0].identify(make_report(macs=(list(NAMES)[0], list(NAMES)[2])))  # eth1 gone: bond0 degraded
    booted[0].report_check("node1", {"digest": digest, "differences": DRIFT})
    fast = status_store.check_lookup(db, "node1", bonding.MIN_SLAVES)
    assert fast == db.read(lambda conn: status_store.check_row(conn, "node1", bonding.MIN_SLAVES))
    assert fast.degraded_bonds == 1 and fast.status["drift"] and fast.hostname == "node1"
    assert status_store.check_lookup(db, "node2", bonding.MIN_SLAVES) is None


def test_a_repeated_check_is_weighed_from_its_body_against_the_host_as_it_is_now(booted, db, server):
    """A node checks every few minutes with the same body byte for byte: after the first (which
    writes "last checked" and keeps what the body said), the server answers it without
    unmarshalling it, weighed against the host as it is now: an administrator's change and a
    resync asked meanwhile show in the answer as they would the normal way, only the node's
    credential opens it, and an identify between checks (a new version of the host) keeps it."""
    node, digest = booted
    for _ in range(3):
        assert node.report_check("node1", {"digest": digest}) == {
            "hostname": "node1",
            "state": "ok",
            "resync": False,
        }
    assert answered_by_body(server) == 2
    add_bond(db, "node1", "bond0", list(NAMES)[:2])  # a new file waits for the node's reboot
    assert node.report_check("node1", {"digest": digest})["state"] == "pending reboot"
    assert reads.show_node(db, "node1")["state"] == "pending reboot" and answered_by_body(server) == 3
    live_checks.request_resync(db, "alice", "node1")
    assert node.report_check("node1", {"digest": digest})["resync"] is True  # the normal way: it writes
    assert node.report_check("node1", {"digest": digest})["resync"] is False
    assert answered_by_body(server) == 4
    node.identify(make_report(macs=tuple(NAMES)))
    assert node.report_check("node1", {"digest": digest})["state"] == "pending reboot"
    assert answered_by_body(server) == 5
    with pytest.raises(xmlrpc.client.ProtocolError) as caught:  # the same body, without the credential
        server.anonymous_proxy().report_check("node1", {"digest": digest})
    assert caught.value.errcode == 401 and answered_by_body(server) == 5


def test_a_check_body_changed_by_the_node_or_the_host_goes_the_normal_way(booted, db, server):
    """The same body weighed against a host that applied another file since is drift (the
    normal way writes it); a host keeps a bounded number of check bodies, the last still
    answered from what it said."""
    node, digest = booted
    node.report_check("node1", {"digest": digest})
    text = node.get_config("node1", {**NAMES, "52:54:00:00:00:03": "eth9"})
    other = hashlib.sha256(text.encode()).hexdigest()
    node.report_status("node1", {"outcome": "applied", "digest": other})
    assert node.report_check("node1", {"digest": digest})["state"] == "out of sync"
    assert answered_by_body(server) == 0
    assert history(db)[0] == "live_check"
    for n in range(report_check.MAX_BODIES_PER_HOST + 3):
        last = {"digest": other, "warnings": [f"eth{n}: link down"]}
        node.report_check("node1", last)
    node.report_check("node1", last)
    assert answered_by_body(server) == 1
    kept = select(func.count()).where(cached_answers.c.method == answer_store.CHECK_BODY)
    assert 1 <= db.read(lambda conn: conn.execute(kept).scalar()) <= report_check.MAX_BODIES_PER_HOST


def test_a_check_that_writes_does_not_keep_its_body_again(booted, db, server):
    """A third of a node's checks write ("last checked" refreshed every 15 minutes): their body,
    kept already, is not kept again (the replay tells the normal way, through the request's
    digest); with "last checked" fresh, the same body is answered from it."""
    node, digest = booted
    node.report_check("node1", {"digest": digest})

    def checked_an_hour_ago(conn):
        host_id = status_store.check_row(conn, "node1", bonding.MIN_SLAVES).id
        status_store.record_check(conn, host_id, {"checked_at_ms": int(time.time() * 1000) - 3_600_000})

    db.write(checked_an_hour_ago)
    replay = AnswerReplay(Trust(db))
    peeked = replay.peek(xmlrpc.client.dumps(("node1", {"digest": digest}), "report_check").encode())
    asked = request_context.begin()
    asked.body_digest = peeked.digest
    assert replay.lookup(peeked, server.keyring["node1"]) is None and asked.body_digest is None
    node.report_check("node1", {"digest": digest})  # "last checked" now
    method, host, _ = replay.lookup(peeked, server.keyring["node1"])
    assert (method, host) == ("report_check", "node1")
