"""Placement rules under concurrent first boots, and names at their limits, on both databases:
a rule's ``max_count`` holds however many new nodes identify at once, a pooled network a rule's
template attaches gives each address once, and a rule or rollout named with the 64 characters a
name may have is audited like any other."""

from concurrent.futures import ThreadPoolExecutor

from support import make_report

from ovirt_node_config.boot import identify
from ovirt_node_config.fleet import catalogue, rollout
from ovirt_node_config.inventory.report import parse_report
from ovirt_node_config.logical_networks import catalogue as network_catalogue
from ovirt_node_config.nodes import reads
from ovirt_node_config.trust.enrolment import Caller, Trust
from ovirt_node_config.trust.enrolment_rate import EnrolmentRate

DESIGN = {
    "name": "pair",
    "bonding_type": "active-backup",
    "bonds": [{"name": "bond0", "nics": {"fastest": 2}}],
}
LONG = "r" * 64


def report(number: int) -> dict:
    return make_report(f"new{number}", macs=(f"52:54:00:03:{number:02x}:01", f"52:54:00:03:{number:02x}:02"))


def first_boot(trust: Trust, number: int) -> None:
    identify.answer(trust, parse_report(report(number)), Caller(f"127.0.0.{number + 1}"))


def placed(db) -> list[str]:
    return sorted(
        node["hostname"] for node in reads.list_nodes(db) if reads.show_node(db, node["hostname"])["bonds"]
    )


def test_sixteen_first_boots_at_once_place_a_rule_of_max_count_1_once(db):
    catalogue.set_template(db, "alice", "pair", DESIGN)
    catalogue.set_rule(db, "alice", "one", {"template": "pair", "priority": 1, "match": {}, "max_count": 1})
    trust = Trust(db, rate=EnrolmentRate(0, 0))
    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(lambda number: first_boot(trust, number), range(16)))
    assert len(placed(db)) == 1
    assert [(rule["name"], rule["placed"]) for rule in catalogue.list_rules(db)] == [("one", 1)]


def test_a_rule_and_a_rollout_named_at_the_limit_are_audited(db):
    catalogue.set_template(db, "alice", "pair", DESIGN)
    catalogue.set_rule(db, "alice", LONG, {"template": "pair", "priority": 1, "match": {"hostname": "new0"}})
    trust = Trust(db, rate=EnrolmentRate(0, 0))
    first_boot(trust, 0)
    history = reads.history(db, "new0")
    assert history[0]["action"] == "template_applied" and history[0]["actor"] == f"rule:{LONG}"[:64]
    first_boot(trust, 1)
    started = rollout.start(db, "alice", LONG, "pair", ["new1"], 1, 1)
    assert started["name"] == LONG and started["counts"]["pending"] == 1
    assert reads.history(db, "new1")[0]["actor"] == f"rollout:{LONG}"[:64]


def test_sixteen_first_boots_placed_on_one_pool_of_eight(db):
    """A rule's template attaches a pooled network: 8 first boots get the pool's 8 addresses,
    distinct; the 8 others enrol as they came, each with the exhausted pool in its history."""
    catalogue.set_template(db, "alice", "pooled", {
        **DESIGN, "name": "pooled",
        "networks": [{"network": "mgmt", "on": "bond0", "default_route": True}],
    })  # fmt: skip
    network_catalogue.set_network(db, "alice", "mgmt", {
        "ipv4": {"subnet": "10.3.0.0/24", "gateway": "10.3.0.1", "pool": ["10.3.0.10-10.3.0.17"]},
    })  # fmt: skip
    catalogue.set_rule(db, "alice", "all", {"template": "pooled", "priority": 1, "match": {}})
    trust = Trust(db, rate=EnrolmentRate(0, 0))
    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(lambda number: first_boot(trust, number), range(16)))
    given = network_catalogue.show_network(db, "mgmt")["attachments"]
    assert sorted(a["ipv4"] for a in given) == [f"10.3.0.{n}" for n in range(10, 18)]
    assert len(reads.list_nodes(db)) == 16
    failed = [
        entry
        for node in reads.list_nodes(db)
        for entry in reads.history(db, node["hostname"])
        if entry["action"] == "template_failed"
    ]
    assert len(failed) == 8
    assert all(
        "the IPv4 pool of mgmt is exhausted (8 addresses given)" in f["after"]["reason"] for f in failed
    )
