"""The rules between a report and the inventory, without a database: whose report it is,
what needs the host's credential, and which claims are held."""

import pytest

from ovirt_node_config.errors import CredentialRequired, NotFound
from ovirt_node_config.inventory.report import HardwareReport, Nic
from ovirt_node_config.inventory.sync_plan import HostState, StoredHost, StoredNic
from ovirt_node_config.persistence.node_rows import NicRow, NodeView
from ovirt_node_config.trust import claims
from ovirt_node_config.trust.credentials import CredentialKey

KEY = CredentialKey(b"k" * 32)
ISSUED = KEY.issue()
UUID1, UUID2 = "4c4c4544-0035-3010-8051-b8c04f4e3232", "4c4c4544-0035-3010-8051-b8c04f4e3233"
MAC1, MAC2, MAC9 = "52:54:00:00:00:01", "52:54:00:00:00:02", "52:54:00:00:00:09"


def host(id=1, hostname="node1", uuid=UUID1, credential=None) -> StoredHost:
    return StoredHost(id, hostname, uuid, "x86_64", 8192, 1, None, credential)


def nic(mac, host_id=1) -> StoredNic:
    return StoredNic(
        host_id * 100 + int(mac[-2:]),
        host_id,
        mac,
        "eth0",
        None,
        "dhcp",
        None,
        None,
        None,
        None,
        None,
        None,
        None,
    )


def report(hostname="node1", uuid=UUID1, macs=(MAC1,)) -> HardwareReport:
    return HardwareReport(
        hostname, uuid, "x86_64", 8192, (), tuple(Nic(m, f"eth{i}") for i, m in enumerate(macs))
    )


def state(by_uuid=None, by_hostname=None, nics=()) -> HostState:
    return HostState(by_uuid, by_hostname, [], {n.mac: n for n in nics})


def judge(current, claimed, presented=None, legacy=False):
    return claims.judge(current, claimed, presented, can_hold_credential=not legacy)


def test_a_new_host_is_for_the_enrolment_policy():
    assert judge(state(), report()).outcome == claims.ENROL


def test_an_enrolled_host_needs_its_credential_and_nothing_else_opens_it():
    enrolled = host(credential=ISSUED.digest)
    current = state(enrolled, enrolled, [nic(MAC1)])
    verdict = judge(current, report(), ISSUED.digest)
    assert (verdict.outcome, verdict.issue_credential) == (claims.APPLY, False)
    for presented in (None, KEY.digest("guess"), KEY.issue().digest):
        with pytest.raises(CredentialRequired, match="need its credential"):
            judge(current, report(), presented)
    with pytest.raises(CredentialRequired, match="2008 path cannot change it"):
        judge(current, report(), None, legacy=True)
    # no UUID, or another host name with its UUID: the credential is asked for first
    with pytest.raises(CredentialRequired):
        judge(state(None, enrolled, [nic(MAC1)]), report(uuid=None))
    with pytest.raises(CredentialRequired):
        judge(state(enrolled, None, [nic(MAC1)]), report(hostname="squatter"))


def test_a_host_without_a_credential_is_given_one_unless_the_path_cannot_hold_it():
    bare = host()
    assert judge(state(bare, bare), report()).issue_credential is True
    assert judge(state(bare, bare), report(), legacy=True).issue_credential is False


@pytest.mark.parametrize(
    "current, claimed, kind",
    [
        # a node's UUID with a new host name
        (state(host(), None), report(hostname="renamed"), "rename"),
        # the name is another UUID's
        (state(None, host(uuid=UUID2)), report(uuid=UUID1), "name-taken"),
        # no UUID (or a placeholder, which the report reader drops) for a host stored with one
        (state(None, host()), report(uuid=None), "uuid-missing"),
        # another host's MAC, whether the claimant is new or known
        (state(nics=[nic(MAC1, host_id=2)]), report(hostname="fresh", uuid=None), "mac-taken"),
        (state(host(), host(), [nic(MAC1, host_id=2)]), report(), "mac-taken"),
    ],
)
def test_conflicting_claims_are_held(current, claimed, kind):
    verdict = judge(current, claimed)
    assert (verdict.outcome, verdict.kind) == (claims.HOLD, kind)
    assert kind in claims.KINDS


def test_a_nodes_own_hardware_changes_are_applied():
    own = host()
    replaced = judge(state(own, own, [nic(MAC1)]), report(macs=(MAC9,)))  # a NIC replaced
    assert replaced.outcome == claims.APPLY
    # bond slaves showing the bond's MAC are no claim on anything
    shared = report(macs=(MAC1, MAC1, MAC2))
    assert judge(state(own, own, [nic(MAC1), nic(MAC2)]), shared).outcome == claims.APPLY


def test_the_credential_speaks_for_a_report_without_its_uuid():
    enrolled = host(credential=ISSUED.digest)
    verdict = judge(state(None, enrolled, [nic(MAC1)]), report(uuid=None), ISSUED.digest)
    assert verdict.outcome == claims.APPLY  # a DMI read that failed once, not another machine


def view(credential=None) -> NodeView:
    row = NicRow(1, MAC1, "eth0", None, "dhcp", None, None, None, None, None)
    return NodeView(1, "node1", UUID1, "x86_64", 8192, None, {MAC1: row}, credential_hash=credential)


def test_a_config_is_the_unknown_hosts_404_unless_the_map_names_one_of_its_nics():
    unknown = claims.unknown_node("node1").message
    for node, macs in ((None, {MAC1: "eth0"}), (view(), {MAC9: "eth0"})):
        with pytest.raises(NotFound) as refused:
            claims.check_config_access(node, "node1", macs, None)
        assert refused.value.message == unknown
    assert claims.check_config_access(view(), "node1", {MAC1: "eth0"}, None).id == 1
    enrolled = view(ISSUED.digest)
    assert claims.check_config_access(enrolled, "node1", {MAC1: "eth0"}, ISSUED.digest) is enrolled
    with pytest.raises(CredentialRequired):
        claims.check_config_access(enrolled, "node1", {MAC1: "eth0"}, None)


def test_credentials_are_long_random_and_checked_by_their_keyed_digest():
    first, second = KEY.issue(), KEY.issue()
    assert first.credential != second.credential and len(first.credential) >= 43  # 256 bits
    assert (
        KEY.presented(first.credential) == first.digest != CredentialKey(b"o" * 32).digest(first.credential)
    )
    assert first.credential not in first.digest
    assert (
        KEY.presented(None) is None and KEY.presented("x" * 129) is None and KEY.presented("\u00e9") is None
    )
