"""2008 appliances through an upgrade (trust/legacy_upgrade.py), on a real database of each
dialect: a host listed at the upgrade is associated with the address of its first 2008 call
whose reverse-DNS name it bears, and only that one."""

import pytest
from sqlalchemy import insert, select
from support import enrol_without_credential, make_report

from ovirt_node_config.errors import Forbidden
from ovirt_node_config.inventory.report import parse_report
from ovirt_node_config.nodes import reads
from ovirt_node_config.persistence.tables import audit_log, legacy_addresses, legacy_candidates
from ovirt_node_config.trust import enrolment
from ovirt_node_config.trust.enrolment import HOST_BROWSER, Caller, Trust
from ovirt_node_config.trust.enrolment_rate import EnrolmentRate

APPLIANCE = make_report("node7.example.com", macs=("52:54:00:07:00:01", "52:54:00:07:00:02"))
# The site's reverse DNS: 192.0.2.x are documentation addresses, used here as data only.
PTR = {"192.0.2.7": "node7.example.com.", "192.0.2.8": "node8.example.com"}


@pytest.fixture
def upgraded(db, engine):
    """node7 as a release before sql/008 left it, listed by the upgrade (sql/029)."""
    enrol_without_credential(db, APPLIANCE)
    with engine.begin() as conn:
        conn.execute(insert(legacy_candidates).values(hostname="node7.example.com"))
    return Trust(db, rate=EnrolmentRate(0, 0), resolve=PTR.get)


def identify_2008(trust: Trust, address: str):
    return enrolment.identify(trust, parse_report(APPLIANCE), Caller(address, via=HOST_BROWSER))


def associations(engine) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(select(legacy_addresses))]


def test_the_first_2008_call_from_its_reverse_dns_name_associates_the_address(upgraded, engine, db):
    with pytest.raises(Forbidden):
        identify_2008(upgraded, "192.0.2.8")  # another name's address: nothing changes
    assert associations(engine) == []
    assert identify_2008(upgraded, "192.0.2.7").hostname == "node7.example.com"
    assert associations(engine) == [("192.0.2.7", "node7.example.com")]
    with engine.connect() as conn:
        assert conn.execute(select(legacy_candidates)).all() == []
        (row,) = conn.execute(
            select(audit_log.c.actor, audit_log.c.after).where(
                audit_log.c.action == "legacy_address_associated"
            )
        ).all()
    assert row.actor == "node:node7.example.com@192.0.2.7" and '"address": "192.0.2.7"' in row.after
    # from now on the host is held to that address, as after legacy-allow
    PTR["192.0.2.9"] = "node7.example.com"
    try:
        with pytest.raises(Forbidden):
            identify_2008(upgraded, "192.0.2.9")
    finally:
        del PTR["192.0.2.9"]
    assert reads.show_node(db, "node7.example.com")["credential"] == "none"


def test_a_host_that_holds_a_credential_is_never_associated(upgraded, engine):
    enrolment.identify(upgraded, parse_report(APPLIANCE), Caller("192.0.2.7"))  # an XML-RPC agent
    with pytest.raises(Exception, match="holds a credential|not associated"):
        identify_2008(upgraded, "192.0.2.7")
    assert associations(engine) == []


def test_an_administrators_choice_settles_the_host(upgraded, engine):
    from ovirt_node_config.trust import registrations

    registrations.associate_legacy_address(upgraded.db, "alice", "node7.example.com", "192.0.2.70")
    with pytest.raises(Forbidden):
        identify_2008(upgraded, "192.0.2.7")
    assert associations(engine) == [("192.0.2.70", "node7.example.com")]
