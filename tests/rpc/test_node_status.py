"""What nodes report after every boot (``report_status``), and the state administrators see: in
``show``, in ``nodes`` (filtered by state), in /metrics and in the node's history."""

import hashlib
import itertools
import xmlrpc.client

import pytest
from support import add_admin, add_bond, checked_long_ago, enrol_without_credential, http_get, make_report

from ovirt_node_config.nodes import addresses, reads, states

MAC1, MAC2, MAC3 = (f"52:54:00:00:00:0{i}" for i in range(1, 4))
NAMES = {MAC1: "eth0", MAC2: "eth1", MAC3: "eth2"}


def fault_of(call) -> xmlrpc.client.Fault:
    with pytest.raises(xmlrpc.client.Fault) as caught:
        call()
    return caught.value


def booted(server, db, outcome="applied", reason="", bonds=(), **seen):
    """A node's boot as the agent does it: identify, get_config, then its report (``seen``: what
    its verification saw, warnings and leases)."""
    node = server.proxy()
    node.identify(make_report(macs=tuple(NAMES)))
    text = node.get_config("node1", NAMES)
    status = {"outcome": outcome, "digest": hashlib.sha256(text.encode()).hexdigest(), "reason": reason,
              "timings": {"configure": 1.5}, "bonds": list(bonds), **seen}  # fmt: skip
    return node.report_status("node1", status)


def state(db, host="node1"):
    return reads.show_node(db, host)["state"]


def test_a_node_that_never_reported_has_never_applied(server, db):
    server.proxy().identify(make_report(macs=tuple(NAMES)))
    assert state(db) == "never applied"
    listed = reads.list_nodes(db)
    assert listed[0]["state"] == "never applied" and listed[0]["last_seen"]


def test_applied_then_a_change_waits_for_the_reboot_then_ok_again(server, db):
    assert booted(server, db)["state"] == "ok"
    assert state(db) == "ok"
    add_bond(db, "node1", "bond0", [MAC1, MAC2])
    assert state(db) == "pending reboot"
    assert "an administrator's change waits for its next boot" in reads.show_node(db, "node1")["state_words"]
    assert booted(server, db)["state"] == "ok"


def test_a_rollback_and_a_verification_failure_show_in_show_nodes_metrics_and_history(server, db):
    booted(server, db, "rolled_back", "the server did not answer within 60s after the restart")
    shown = reads.show_node(db, "node1")
    assert shown["state"] == "rolled back"
    assert "did not answer within 60s" in shown["state_words"]
    assert reads.list_nodes(db, state="rolled back")[0]["hostname"] == "node1"
    assert reads.list_nodes(db, state="ok") == []
    booted(server, db, "verify_failed", "bond0: no such bond in the kernel")
    assert state(db) == "verify failed"
    history = reads.history(db, "node1")
    assert [entry["action"] for entry in history[:2]] == ["boot_verify_failed", "boot_rolled_back"]
    assert history[0]["actor"].startswith("node:node1@127.0.0.1")
    metrics = http_get(server, "/metrics", add_admin(server.database_url))[2]
    assert 'ovirt_node_config_nodes_by_state{state="verify failed"} 1.0' in metrics
    assert 'ovirt_node_config_nodes_by_state{state="ok"} 0.0' in metrics


def test_a_bond_the_kernel_reports_with_a_slave_down_is_degraded(server, db):
    bond = {"name": "bond0", "mode": "active-backup", "slaves": 2, "slaves_up": 1, "active_slave": "eth1",
            "aggregators": []}  # fmt: skip
    assert booted(server, db, bonds=[bond])["state"] == "degraded"
    shown = reads.show_node(db, "node1")
    assert shown["last_report"]["bonds"] == [bond] and shown["last_report"]["timings"] == {"configure": 1.5}


def test_a_first_boot_on_real_cabling_says_which_nics_got_a_lease(server, db):
    """Issue 43: the NICs nobody configured ask DHCP; where no server answers, the boot is still
    applied, and the operator sees which ports got a lease before bonding them."""
    seen = {"warnings": ["eth1: no DHCP lease", "eth2: no DHCP lease"],
            "leases": {"eth0": "10.0.2.15/24", "eth1": "", "eth2": None}}  # fmt: skip
    assert booted(server, db, **seen)["state"] == "ok"
    shown = reads.show_node(db, "node1")["last_report"]
    assert shown["warnings"] == seen["warnings"]
    assert shown["leases"] == {"eth0": "10.0.2.15/24", "eth1": "", "eth2": ""}


@pytest.mark.parametrize(
    "status, field",
    [
        ({"outcome": "fine"}, "status.outcome"),
        ({"outcome": "applied"}, "status.digest"),
        ({"outcome": "applied", "digest": "ABC"}, "status.digest"),
        ({"outcome": "refused", "reason": "x" * 1001}, "status.reason"),
        ({"outcome": "refused", "timings": {"t": -1}}, "status.timings.t"),
        ({"outcome": "refused", "bonds": [{"name": "bond0", "mode": "fast", "slaves": 2, "slaves_up": 2}]},
         "status.bonds[0].mode"),
        ({"outcome": "refused", "bonds": [{"name": "bond0", "mode": "802.3ad", "slaves": 2, "slaves_up": 3}]},
         "status.bonds[0].slaves_up"),
        ({"outcome": "refused", "warnings": ["x" * 301]}, "status.warnings[0]"),
        ({"outcome": "refused", "leases": {"eth0": "10.0.2.300/24"}}, "status.leases.eth0"),
        ({"outcome": "refused", "leases": {"eth0/../x": ""}}, "status.leases"),
    ],
)  # fmt: skip
def test_a_bad_report_is_refused_naming_the_field_and_changes_nothing(server, db, status, field):
    server.proxy().identify(make_report(macs=tuple(NAMES)))
    fault = fault_of(lambda: server.proxy().report_status("node1", status))
    assert fault.faultCode == 400 and f"invalid {field}" in fault.faultString
    assert state(db) == "never applied"


def test_only_the_node_itself_may_report(server, db):
    server.proxy().identify(make_report(macs=tuple(NAMES)))  # enrolled: it holds a credential
    anonymous = server.anonymous_proxy()
    with pytest.raises(xmlrpc.client.ProtocolError) as refused:
        anonymous.report_status("node1", {"outcome": "refused"})
    assert refused.value.errcode == 401
    unknown = fault_of(lambda: server.proxy().report_status("node9", {"outcome": "refused"}))
    assert unknown.faultCode == 404
    assert state(db) == "never applied"


def test_the_state_rule():
    assert states.state_of(None, False, True, True) == "never applied"
    for outcome in ("rolled_back", "apply_failed", "refused"):
        assert states.state_of(outcome, True, False, False) == "rolled back"
    assert states.state_of("verify_failed", True, True, False) == "verify failed"
    assert states.state_of("applied", True, True, False) == "degraded"
    assert states.state_of("applied", False, False, False, True, True) == "not checking"
    assert states.state_of("applied", True, False, False, True) == "out of sync"
    assert states.state_of("unchanged", False, False, None) == "pending reboot"
    assert states.state_of("applied", True, False, False) == "ok"


def test_each_state_read_backwards_selects_exactly_its_nodes():
    """stored_state(s) is what list_nodes filters by in SQL: for every input of state_of, the
    inputs meet stored_state(s) exactly when state_of gives s."""
    for outcome in (*states.OUTCOMES, None):
        for current, stored, reported, drifted, stale in itertools.product(
            (True, False), (True, False), (True, False, None), (True, False), (True, False)
        ):
            state = states.state_of(outcome, current, stored, reported, drifted, stale)
            for candidate in states.STATES:
                needs = states.stored_state(candidate)
                meets = (
                    outcome in needs.outcomes
                    and needs.degraded in (None, stored or bool(reported))
                    and needs.current in (None, current)
                    and needs.drifted in (None, drifted)
                    and needs.stale in (None, stale)
                )
                inputs = (outcome, current, stored, reported, drifted, stale)
                assert meets == (candidate == state), (*inputs, candidate)


def test_listing_by_state_in_sql_agrees_with_each_nodes_state(server, db):
    """Nodes in every state; each state's list (filtered in SQL) is the nodes show_node says are in it."""
    proxy = server.proxy()
    for index, outcome in enumerate(
        ("applied", "applied", "rolled_back", "verify_failed", None, "applied", "applied", "applied")
    ):
        host, macs = f"n{index}.example", {f"52:54:00:44:{index:02x}:{n:02x}": f"eth{n}" for n in range(3)}
        proxy.identify(make_report(host, macs=tuple(macs)))
        if index == 5:
            add_bond(db, host, "bond0", list(macs)[:2])
        if outcome:
            text = proxy.get_config(host, macs)
            proxy.report_status(
                host, {"outcome": outcome, "digest": hashlib.sha256(text.encode()).hexdigest()}
            )
        if index == 1:
            addresses.set_mtu(db, "alice", host, "eth0", 9000)  # a change waits for its boot
        if index == 6:  # its live network differs from what it applied
            digest = hashlib.sha256(text.encode()).hexdigest()
            proxy.report_check(host, {"digest": digest, "differences": ["eth0: MTU is 1400, not 1500"]})
        if index == 7:  # it checked once, an hour ago, and not since
            checked_long_ago(db, host, hashlib.sha256(text.encode()).hexdigest())
    proxy.identify(
        make_report("n5.example", macs=("52:54:00:44:05:00", "52:54:00:44:05:02"))
    )  # bond0 loses one
    shown = {f"n{i}.example": state(db, f"n{i}.example") for i in range(8)}
    assert sorted(set(shown.values())) == sorted(states.STATES)
    for wanted in states.STATES:
        listed = [node["hostname"] for node in reads.list_nodes(db, state=wanted)]
        assert listed == sorted(host for host, was in shown.items() if was == wanted), wanted


def test_a_host_without_a_credential_is_not_reported_for_by_anyone(server, db):
    """A host enrolled before credentials: nothing proves who sends its status; its agent gets
    a credential at the identify before every report, and may report with it."""
    enrol_without_credential(db, make_report(macs=tuple(NAMES)))
    with pytest.raises(xmlrpc.client.ProtocolError) as refused:
        server.anonymous_proxy().report_status("node1", {"outcome": "rolled_back", "reason": "forged"})
    assert refused.value.errcode == 401
    assert state(db) == "never applied"
    node = server.proxy()
    assert node.identify(make_report(macs=tuple(NAMES)))["credential"]
    assert node.report_status("node1", {"outcome": "refused"})["state"] == "rolled back"
